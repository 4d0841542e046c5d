"""The inquiry's rules, pinned where mutation testing found them unpinned.

Deterministic cases for what the properties of ``tests/test_inquiry_rules.py``
leave open (see ``[tool.mutmut]`` in pyproject.toml and ``scripts/mutation.py``):
the exact words of a refusal, where they tell what to fix (the choices, the
field, what would name the family); what each command writes into its event
(the day, the actor, when it was recorded, what was given); the edges of the
set days and of the report's year; and the whole year's report, field by
field, and as the JSON the command line prints, key by key in its order.
Domain only: no store, no application, so each runs in milliseconds.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from familiekoordinering import (
    Actor,
    Agency,
    AgencyKind,
    ConsentForm,
    Inquiry,
    InquiryId,
    InquiryOutcome,
    InquiryReport,
    InquirySource,
    InquiryWork,
    Municipality,
    Role,
    Topic,
    inquiry_report,
)
from familiekoordinering.domain.inquiry import (
    FlaggedInquiry,
    check_closing,
    check_dated,
    check_identified,
    check_work,
    overdue,
)
from familiekoordinering.errors import ConsentRequiredError, InvalidInputError

pytestmark = pytest.mark.domain

DRAMMEN = Municipality("3301")
ADVISER = Actor("a-rad", Role.COORDINATOR, DRAMMEN)
LEAD = Actor("t-leder", Role.TEAM_LEAD, DRAMMEN)
AT = datetime(2030, 1, 1, 12, tzinfo=UTC)
"""When the aggregates below are recorded: after every day they are dated."""
LATER = datetime(2030, 1, 2, 9, tzinfo=UTC)
"""When the commands after receiving are recorded (told apart from ``AT``)."""
CAME = date(2026, 3, 2)
HOMEWORK_CLUB = Agency(AgencyKind.VOLUNTEER, "Leksehjelpen")


def received(on: date = CAME, **kwargs: Any) -> Inquiry:
    fields: dict[str, Any] = {
        "inquiry_id": uuid4(), "municipality": DRAMMEN, "source": InquirySource.SCHOOL,
        "topics": [Topic.SCHOOL], "service": None, "received_on": on,
        "actor": ADVISER, "recorded_at": AT,
    }  # fmt: skip
    return Inquiry.receive(**{**fields, **kwargs})


def identify(inquiry: Inquiry, on: date, **kwargs: Any) -> None:
    fields: dict[str, Any] = {"given_by": "Kari Hansen", "form": ConsentForm.WRITTEN,
                              "occurred_on": on, "actor": ADVISER,
                              "recorded_at": AT}  # fmt: skip
    inquiry.identify(**{**fields, **kwargs})


def work(inquiry: Inquiry, kind: InquiryWork, on: date, **kwargs: Any) -> None:
    fields: dict[str, Any] = {"work_id": uuid4(), "kind": kind, "service": None,
                              "note": None, "occurred_on": on, "actor": ADVISER,
                              "recorded_at": AT}  # fmt: skip
    inquiry.record_work(**{**fields, **kwargs})


def link(inquiry: Inquiry, on: date, **kwargs: Any) -> None:
    fields: dict[str, Any] = {"family_id": uuid4(), "occurred_on": on,
                              "actor": ADVISER, "recorded_at": AT}  # fmt: skip
    inquiry.link(**{**fields, **kwargs})


def close(inquiry: Inquiry, outcome: InquiryOutcome, on: date, **kwargs: Any) -> None:
    fields: dict[str, Any] = {"outcome": outcome, "occurred_on": on,
                              "actor": ADVISER, "recorded_at": AT}  # fmt: skip
    inquiry.close(**{**fields, **kwargs})


def exactly(message: str) -> str:
    """A ``match`` pattern for the whole of ``message`` and nothing else."""
    return f"^{re.escape(message)}$"


# ------------------------------------------------ the words of a refusal


def test_a_day_that_is_not_a_date_is_refused_as_such() -> None:
    for wrong in (datetime(2026, 3, 3, 9, tzinfo=UTC), "2026-03-03"):
        with pytest.raises(InvalidInputError, match=r"^occurred_on must be a date"):
            check_dated("occurred_on", wrong, CAME, AT)  # type: ignore[arg-type]


def test_a_command_dated_before_the_inquiry_came_names_occurred_on() -> None:
    inquiry = received()
    with pytest.raises(InvalidInputError, match=exactly(
        "occurred_on 2026-03-01 is before the inquiry was received on 2026-03-02: "
        "check the date"
    )):  # fmt: skip
        work(inquiry, InquiryWork.ADVICE, date(2026, 3, 1))


def test_an_inquiry_received_after_the_day_it_is_recorded_names_received_on() -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"^received_on 2030-01-03 is after the day it is recorded",
    ):
        received(date(2030, 1, 3))


@pytest.mark.parametrize(
    ("kind", "service", "note", "reason"),
    [
        (InquiryWork.HOME_VISIT, None, None, "a home visit"),
        (InquiryWork.SERVICE_CONNECTED, HOMEWORK_CLUB, None, "a service connected"),
        (InquiryWork.ADVICE, None, "Ringte læreren", "a note"),
        (InquiryWork.MAPPING, None, "Ringte læreren", "a note"),
    ],
)
def test_work_refused_while_anonymous_says_what_would_name_the_family(
    kind: InquiryWork, service: Agency | None, note: str | None, reason: str
) -> None:
    anonymous = f"{reason} identifies the family, and the inquiry is anonymous"
    with pytest.raises(ConsentRequiredError) as refused:
        check_work(kind, service, note, None, CAME)
    assert refused.value.reasons == (anonymous,)
    assert str(refused.value) == (
        f"{anonymous}: record the family's consent to be named first "
        "(identify_inquiry), or keep to anonymous advice and mapping"
    )
    with pytest.raises(ConsentRequiredError) as refused:
        check_work(kind, service, note, CAME + timedelta(days=1), CAME)
    assert refused.value.reasons == (f"{anonymous} until 2026-03-03",)


def test_a_link_refused_while_anonymous_says_it_would_name_the_family() -> None:
    inquiry = received()
    with pytest.raises(ConsentRequiredError) as refused:
        link(inquiry, CAME)
    assert refused.value.reasons == (
        "a link to the family's enrolment identifies the family, and the inquiry "
        "is anonymous",
    )


def test_identified_on_the_day_itself_is_identified() -> None:
    check_identified("a home visit", CAME, CAME)
    check_work(InquiryWork.HOME_VISIT, None, "Besøk hjemme", CAME, CAME)


def test_a_wrong_kind_of_work_is_refused_listing_the_kinds() -> None:
    with pytest.raises(InvalidInputError, match=exactly(
        "kind must be one of advice, mapping, home_visit, service_connected, "
        "not 'visit'"
    )):  # fmt: skip
        check_work("visit", None, None, CAME, CAME)  # type: ignore[arg-type]


def test_a_wrong_outcome_is_refused_listing_the_outcomes() -> None:
    with pytest.raises(InvalidInputError, match=exactly(
        "outcome must be one of advice_given, service_connected, enrolled, "
        "referred, family_declined, no_further_need, not 'done'"
    )):  # fmt: skip
        check_closing("done", [], None)  # type: ignore[arg-type]


def test_a_wrong_source_is_refused_listing_the_sources() -> None:
    with pytest.raises(InvalidInputError, match=exactly(
        "source must be one of nav, school, kindergarten, health_station, gp, "
        "health_service, child_welfare, follow_up_service, housing_office, "
        "volunteer, other, family, not 'rektor'"
    )):  # fmt: skip
        received(source="rektor")


def test_a_wrong_topic_is_refused_listing_the_topics() -> None:
    with pytest.raises(InvalidInputError, match=exactly(
        "topics must be among work, economy, housing, school, leisure, health, "
        "well_being, parenting, other, not 'skole'"
    )):  # fmt: skip
        received(topics=["skole"])


def test_a_wrong_form_of_consent_is_refused_listing_the_forms() -> None:
    inquiry = received()
    with pytest.raises(InvalidInputError, match=exactly(
        "form must be one of written, minuted_oral, not 'muntlig'"
    )):  # fmt: skip
        identify(inquiry, CAME, form="muntlig")


def test_a_blank_note_and_a_blank_name_are_refused_by_their_field() -> None:
    inquiry = received()
    identify(inquiry, CAME)
    with pytest.raises(InvalidInputError, match=r"^note must not be blank"):
        work(inquiry, InquiryWork.HOME_VISIT, CAME, note="  ")
    with pytest.raises(InvalidInputError, match=r"^given_by must not be blank"):
        identify(received(), CAME, given_by="  ")


@pytest.mark.parametrize("note", ["hjemme\x00besøk", "hjemme\ud800", "rød\x1b[31m"])
def test_a_note_with_a_control_character_or_lone_surrogate_is_refused(
    note: str,
) -> None:
    inquiry = received()
    identify(inquiry, CAME)
    with pytest.raises(InvalidInputError, match=r"^note holds "):
        work(inquiry, InquiryWork.HOME_VISIT, CAME, note=note)
    # A tab and line breaks are text, and kept.
    work(inquiry, InquiryWork.HOME_VISIT, CAME, note="Første besøk:\n\tgikk fint")


# ------------------------------------------------- the set days, the year


def test_an_inquiry_may_be_flagged_after_as_many_as_3650_days() -> None:
    inquiry = received(date(2016, 1, 1))
    assert not overdue(inquiry, date(2025, 12, 29), 3650)  # exactly 3650 days
    assert overdue(inquiry, date(2025, 12, 30), 3650)
    assert overdue(inquiry, date(2016, 1, 3), 1)


@pytest.mark.parametrize("year", [2, 9998])
def test_the_report_s_year_runs_from_2_to_9998(year: int) -> None:
    report = inquiry_report([], municipality=DRAMMEN, year=year, on=date(2026, 1, 1))
    assert report.year == year
    assert report.received == 0


@pytest.mark.parametrize("year", [0, 1, 9999, 10000, -2026, "2026", 2026.0, None])
def test_a_year_outside_2_to_9998_or_not_a_whole_number_is_refused(year: Any) -> None:
    with pytest.raises(InvalidInputError, match=exactly(
        f"year is {year!r}: give a year such as 2026"
    )):  # fmt: skip
        inquiry_report([], municipality=DRAMMEN, year=year, on=date(2026, 1, 1))


@pytest.mark.parametrize(
    "on", [datetime(2025, 12, 1, 9, tzinfo=UTC), "2025-12-01", None]
)
def test_the_report_s_day_must_be_a_date(on: Any) -> None:
    with pytest.raises(InvalidInputError, match=exactly(
        f"on must be a date (datetime.date), not {on!r}"
    )):  # fmt: skip
        inquiry_report(a_year_of_inquiries(), municipality=DRAMMEN, year=2025, on=on)


# ------------------------------------------------- what each event holds


def test_receiving_records_the_given_id_actor_time_and_asker() -> None:
    inquiry_id = UUID("00000000-0000-4000-8000-0000000000c1")
    nav = Agency(AgencyKind.NAV, "NAV Drammen")
    inquiry = received(inquiry_id=inquiry_id, source=InquirySource.NAV,
                       topics={Topic.WORK, Topic.ECONOMY}, service=nav)  # fmt: skip
    [event] = inquiry.pending_events
    assert isinstance(event, Inquiry.InquiryReceived)
    assert event.originator_id == inquiry_id
    assert event.timestamp == AT
    assert event.occurred_on == CAME
    assert event.actor == ADVISER
    assert event.municipality == DRAMMEN
    assert event.source is InquirySource.NAV
    assert event.topics == frozenset({Topic.WORK, Topic.ECONOMY})
    assert event.service == nav
    assert inquiry.id == inquiry_id
    assert inquiry.created_on == AT
    assert (inquiry.municipality, inquiry.received_on, inquiry.service) == (
        DRAMMEN, CAME, nav
    )  # fmt: skip


def test_each_command_records_its_actor_time_day_and_what_was_given() -> None:
    inquiry = received()
    identify(inquiry, date(2026, 3, 3), given_by="Kari Hansen",
             form=ConsentForm.MINUTED_ORAL, actor=LEAD, recorded_at=LATER)  # fmt: skip
    work_id = UUID("00000000-0000-4000-8000-0000000000d1")
    work(inquiry, InquiryWork.SERVICE_CONNECTED, date(2026, 3, 4), work_id=work_id,
         service=HOMEWORK_CLUB, note="Leksehjelp to dager i uka", actor=LEAD,
         recorded_at=LATER)  # fmt: skip
    family_id = UUID("00000000-0000-4000-8000-0000000000f1")
    link(inquiry, date(2026, 3, 5), family_id=family_id, actor=LEAD, recorded_at=LATER)
    close(inquiry, InquiryOutcome.ENROLLED, date(2026, 3, 6), actor=LEAD,
          recorded_at=LATER)  # fmt: skip
    _, identified, worked, linked, closed = inquiry.pending_events
    assert isinstance(identified, Inquiry.InquiryIdentified)
    assert (identified.given_by, identified.form) == (
        "Kari Hansen", ConsentForm.MINUTED_ORAL
    )  # fmt: skip
    assert isinstance(worked, Inquiry.InquiryWorkRecorded)
    assert (worked.work_id, worked.kind, worked.service, worked.note) == (
        work_id, InquiryWork.SERVICE_CONNECTED, HOMEWORK_CLUB,
        "Leksehjelp to dager i uka",
    )  # fmt: skip
    assert isinstance(linked, Inquiry.InquiryLinked)
    assert linked.family_id == family_id
    assert isinstance(closed, Inquiry.InquiryClosed)
    assert closed.outcome is InquiryOutcome.ENROLLED
    for n, event in enumerate((identified, worked, linked, closed), start=3):
        assert isinstance(event, Inquiry.Event)
        assert event.occurred_on == date(2026, 3, n)
        assert event.actor == LEAD
        assert event.timestamp == event.recorded_at == LATER
    assert inquiry.modified_on == LATER
    assert inquiry.closed == (InquiryOutcome.ENROLLED, date(2026, 3, 6))


# ------------------------------------------------------------ the report


FAMILY_ASKED = InquiryId(UUID("00000000-0000-4000-8000-00000000000b"))
NAV_ASKED = InquiryId(UUID("00000000-0000-4000-8000-00000000000a"))


def a_year_of_inquiries() -> list[Inquiry]:
    """2025 in Drammen: five inquiries, one the year before, one elsewhere.

    Two came on the same day and are still open on 1 December (flagged),
    recorded in the order opposite to their ids'; one came on 1 December
    itself; one was linked to an enrolment.
    """
    family = received(date(2025, 10, 20), inquiry_id=FAMILY_ASKED,
                      source=InquirySource.FAMILY, topics=[Topic.HOUSING])  # fmt: skip
    nav = received(date(2025, 10, 20), inquiry_id=NAV_ASKED, source=InquirySource.NAV,
                   topics=[Topic.WORK, Topic.ECONOMY, Topic.HEALTH],
                   service=Agency(AgencyKind.NAV))  # fmt: skip
    identify(nav, date(2025, 10, 21))
    school = received(date(2025, 3, 10), service=Agency(AgencyKind.SCHOOL))
    identify(school, date(2025, 3, 11))
    work(school, InquiryWork.SERVICE_CONNECTED, date(2025, 3, 12),
         service=HOMEWORK_CLUB)  # fmt: skip
    link(school, date(2025, 3, 13))
    close(school, InquiryOutcome.SERVICE_CONNECTED, date(2025, 3, 20))
    doctor = received(date(2025, 12, 1), source=InquirySource.GP, topics=[Topic.HEALTH])
    advice = received(date(2025, 1, 5), topics=[Topic.SCHOOL, Topic.LEISURE])
    close(advice, InquiryOutcome.ADVICE_GIVEN, date(2025, 1, 6))
    last_year = received(date(2024, 11, 11), source=InquirySource.HEALTH_STATION)
    close(last_year, InquiryOutcome.REFERRED, date(2024, 11, 12))
    elsewhere = received(date(2025, 5, 5), municipality="4204")
    return [family, nav, school, doctor, advice, last_year, elsewhere]


def test_the_year_s_report_counts_each_inquiry_in_its_place() -> None:
    report = inquiry_report(a_year_of_inquiries(), municipality=DRAMMEN, year=2025,
                            on=date(2025, 12, 1))  # fmt: skip
    none_by_source = dict.fromkeys(InquirySource, 0)
    none_by_topic = dict.fromkeys(Topic, 0)
    none_by_outcome = dict.fromkeys(InquiryOutcome, 0)
    assert report == InquiryReport(
        municipality=DRAMMEN,
        year=2025,
        on=date(2025, 12, 1),
        overdue_after_days=30,
        received=5,
        previous_year=1,
        by_source={**none_by_source, InquirySource.FAMILY: 1, InquirySource.NAV: 1,
                   InquirySource.SCHOOL: 2, InquirySource.GP: 1},
        by_topic={**none_by_topic, Topic.HOUSING: 1, Topic.WORK: 1, Topic.ECONOMY: 1,
                  Topic.HEALTH: 2, Topic.SCHOOL: 2, Topic.LEISURE: 1},
        by_outcome={**none_by_outcome, InquiryOutcome.SERVICE_CONNECTED: 1,
                    InquiryOutcome.ADVICE_GIVEN: 1},
        open=3,
        by_month=(1, 0, 1, 0, 0, 0, 0, 0, 0, 2, 0, 1),
        identified=2,
        linked=1,
        flagged=(
            FlaggedInquiry(NAV_ASKED, date(2025, 10, 20), 42, InquirySource.NAV,
                           frozenset({Topic.WORK, Topic.ECONOMY, Topic.HEALTH}), True),
            FlaggedInquiry(FAMILY_ASKED, date(2025, 10, 20), 42,
                           InquirySource.FAMILY, frozenset({Topic.HOUSING}), False),
        ),
    )  # fmt: skip
    assert report.change == 4
    assert not report.all_handled


EXPECTED_JSON: dict[str, Any] = {
    "municipality": "3301",
    "year": 2025,
    "on": "2025-12-21",
    "overdue_after_days": 45,
    "received": 5,
    "previous_year": 1,
    "change": 4,
    "by_source": {
        "nav": 1,
        "school": 2,
        "kindergarten": 0,
        "health_station": 0,
        "gp": 1,
        "health_service": 0,
        "child_welfare": 0,
        "follow_up_service": 0,
        "housing_office": 0,
        "volunteer": 0,
        "other": 0,
        "family": 1,
    },
    "by_topic": {
        "work": 1,
        "economy": 1,
        "housing": 1,
        "school": 2,
        "leisure": 1,
        "health": 2,
        "well_being": 0,
        "parenting": 0,
        "other": 0,
    },
    "by_outcome": {
        "advice_given": 1,
        "service_connected": 1,
        "enrolled": 0,
        "referred": 0,
        "family_declined": 0,
        "no_further_need": 0,
    },
    "open": 3,
    "by_month": [1, 0, 1, 0, 0, 0, 0, 0, 0, 2, 0, 1],
    "identified": 2,
    "linked": 1,
    "flagged": [
        {
            "inquiry_id": "00000000-0000-4000-8000-00000000000a",
            "received_on": "2025-10-20",
            "days_open": 62,
            "source": "nav",
            "topics": ["economy", "health", "work"],
            "identified": True,
        },
        {
            "inquiry_id": "00000000-0000-4000-8000-00000000000b",
            "received_on": "2025-10-20",
            "days_open": 62,
            "source": "family",
            "topics": ["housing"],
            "identified": False,
        },
    ],
}
"""The report of 2025 on 21 December as JSON: keys in this order (the command line
prints them so), enumerations by value, days in ISO form, topics sorted."""


def test_the_report_as_json_has_these_keys_in_this_order_and_these_values() -> None:
    report = inquiry_report(a_year_of_inquiries(), municipality=DRAMMEN, year=2025,
                            on=date(2025, 12, 21), overdue_after_days=45)  # fmt: skip
    data = report.to_json()
    assert data == EXPECTED_JSON
    # Equal dicts may differ in order and in True for 1: the text tells them apart.
    assert json.dumps(data, indent=2) == json.dumps(EXPECTED_JSON, indent=2)
