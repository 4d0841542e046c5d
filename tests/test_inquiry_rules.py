"""The inquiry's rules as properties: pure functions and the aggregate, no store.

An inquiry (Drammen's *henvendelse*) is anonymous until the family consents
to be named; nothing is dated before it came or after it is recorded; nothing
is recorded once it is closed; its outcome must be borne out by its record;
one still open after the set days is flagged; the year's report counts every
inquiry once. Also: each inquiry event type has its example, golden payloads
and its place in the event catalogue, and the views pass inquiries over.
"""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.utils import get_topic
from hypothesis import given, settings
from hypothesis import strategies as st

from familiekoordinering import (
    Actor,
    Agency,
    AgencyKind,
    ConsentForm,
    Inquiry,
    InquiryOutcome,
    InquirySource,
    InquiryWork,
    Municipality,
    Role,
    Topic,
    inquiry_report,
)
from familiekoordinering.domain.inquiry import (
    IDENTIFYING_WORK,
    INQUIRY_TOPICS,
    check_closing,
    check_dated,
    check_work,
    overdue,
)
from familiekoordinering.domain.rules import recording_day
from familiekoordinering.errors import (
    ConsentRequiredError,
    FamiliekoordineringError,
    InvalidInputError,
    RuleViolationError,
)
from familiekoordinering.serialisation import CattrsMapper
from familiekoordinering.testing.examples import INQUIRY_EXAMPLES, golden_path
from familiekoordinering.views.projector import fold_rows

pytestmark = pytest.mark.domain

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
DRAMMEN = Municipality("3301")
ADVISER = Actor("a-rad", Role.COORDINATOR, DRAMMEN)
AT = datetime(2030, 1, 1, 12, tzinfo=UTC)
"""When the aggregates below are recorded: after every day they are dated."""

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2029, 12, 31))
kinds = st.sampled_from(InquiryWork)
outcomes = st.sampled_from(InquiryOutcome)
services = st.none() | st.builds(Agency, st.sampled_from(AgencyKind))
notes = st.none() | st.sampled_from(["Besøk hjemme", "Ringte læreren"])


def received(on: date = date(2026, 3, 2), **kwargs: Any) -> Inquiry:
    fields: dict[str, Any] = {
        "inquiry_id": uuid4(), "municipality": DRAMMEN, "source": InquirySource.SCHOOL,
        "topics": [Topic.SCHOOL], "service": None, "received_on": on,
        "actor": ADVISER, "recorded_at": AT,
    }  # fmt: skip
    return Inquiry.receive(**{**fields, **kwargs})


def identify(inquiry: Inquiry, on: date) -> None:
    inquiry.identify(given_by="Kari Hansen", form=ConsentForm.WRITTEN, occurred_on=on,
                     actor=ADVISER, recorded_at=AT)  # fmt: skip


def work(inquiry: Inquiry, kind: InquiryWork, on: date, **kwargs: Any) -> None:
    fields: dict[str, Any] = {"work_id": uuid4(), "kind": kind, "service": None,
                              "note": None, "occurred_on": on, "actor": ADVISER,
                              "recorded_at": AT}  # fmt: skip
    inquiry.record_work(**{**fields, **kwargs})


def close(inquiry: Inquiry, outcome: InquiryOutcome, on: date) -> None:
    inquiry.close(outcome=outcome, occurred_on=on, actor=ADVISER, recorded_at=AT)


def replayed(inquiry: Inquiry) -> Inquiry:
    """The inquiry rebuilt from its events (collected from it)."""
    state: Any = None
    for event in inquiry.collect_events():
        state = event.mutate(state)
    assert isinstance(state, Inquiry)
    return state


# ----------------------------------------------------------------- pure rules


moments = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2030, 12, 31),
    timezones=st.just(UTC),
)


@given(days, days, moments)
def test_a_day_is_refused_before_the_inquiry_came_or_after_it_is_recorded(
    on: date, received_on: date, recorded_at: datetime
) -> None:
    ok = received_on <= on <= recording_day(recorded_at)
    if ok:
        check_dated("occurred_on", on, received_on, recorded_at)
    else:
        with pytest.raises(InvalidInputError, match="occurred_on"):
            check_dated("occurred_on", on, received_on, recorded_at)


@given(kinds, services, notes, st.none() | days, days)
def test_work_that_names_the_family_needs_it_identified_by_that_day(
    kind: InquiryWork,
    service: Agency | None,
    note: str | None,
    identified_on: date | None,
    on: date,
) -> None:
    named = identified_on is not None and identified_on <= on
    fits = (service is not None) == (kind is InquiryWork.SERVICE_CONNECTED)
    identifying = kind in IDENTIFYING_WORK or note is not None
    if not fits:
        with pytest.raises(InvalidInputError, match="service"):
            check_work(kind, service, note, identified_on, on)
    elif identifying and not named:
        with pytest.raises(ConsentRequiredError, match="identify_inquiry") as refused:
            check_work(kind, service, note, identified_on, on)
        assert refused.value.reasons
    else:
        check_work(kind, service, note, identified_on, on)


@given(outcomes, st.frozensets(kinds), st.booleans())
def test_an_outcome_needs_its_record(
    outcome: InquiryOutcome, done: frozenset[InquiryWork], linked: bool
) -> None:
    family_id = uuid4() if linked else None
    borne_out = {
        InquiryOutcome.SERVICE_CONNECTED: InquiryWork.SERVICE_CONNECTED in done,
        InquiryOutcome.ENROLLED: linked,
    }.get(outcome, True)
    try:
        check_closing(outcome, done, family_id)  # type: ignore[arg-type]
    except RuleViolationError:
        assert not borne_out
    else:
        assert borne_out


@given(days, st.integers(0, 400), st.integers(1, 120), st.booleans())
def test_an_inquiry_is_flagged_when_still_open_after_the_set_days(
    came: date, after: int, limit: int, closed: bool
) -> None:
    inquiry = received(came)
    if closed:
        close(inquiry, InquiryOutcome.ADVICE_GIVEN, came)
    on = came + timedelta(days=after)
    assert overdue(inquiry, on, limit) == (not closed and after > limit)
    # Flagged stays flagged as days pass, until an outcome is recorded.
    assert not overdue(inquiry, on, limit) or overdue(inquiry, on + timedelta(1), limit)


@pytest.mark.parametrize("limit", [0, -1, True, 3651, 2.5])
def test_the_set_days_are_a_whole_number_from_1(limit: Any) -> None:
    with pytest.raises(InvalidInputError, match="whole number"):
        overdue(received(), date(2026, 5, 1), limit)


# ----------------------------------------------------------------- aggregate


COMMANDS = st.lists(
    st.tuples(
        st.sampled_from(["identify", "work", "link", "close"]),
        st.integers(-3, 40),  # days after the inquiry came
        kinds,
        outcomes,
        st.booleans(),  # with a note
    ),
    max_size=8,
)


@given(COMMANDS)
def test_a_refused_command_records_nothing_and_the_events_replay_to_the_state(
    commands: list[tuple[str, int, InquiryWork, InquiryOutcome, bool]],
) -> None:
    came = date(2026, 3, 2)
    inquiry = received(came)
    events = len(inquiry.pending_events)
    for name, after, kind, outcome, with_note in commands:
        on = came + timedelta(days=after)
        was_closed = inquiry.closed is not None
        try:
            if name == "identify":
                identify(inquiry, on)
            elif name == "work":
                service = (
                    Agency(AgencyKind.VOLUNTEER)
                    if kind is InquiryWork.SERVICE_CONNECTED
                    else None
                )
                work(inquiry, kind, on, service=service,
                     note="Ringte" if with_note else None)  # fmt: skip
            elif name == "link":
                inquiry.link(family_id=uuid4(), occurred_on=on, actor=ADVISER,
                             recorded_at=AT)  # fmt: skip
            else:
                close(inquiry, outcome, on)
        except FamiliekoordineringError:
            assert len(inquiry.pending_events) == events  # nothing recorded
            continue
        assert not was_closed, "nothing is recorded once the inquiry is closed"
        assert on >= came
        events += 1
        assert len(inquiry.pending_events) == events
    state = {k: v for k, v in vars(inquiry).items() if k != "_pending_events"}
    again = {k: v for k, v in vars(replayed(inquiry)).items() if k != "_pending_events"}
    assert again == state


def test_an_anonymous_inquiry_is_refused_a_home_visit_a_note_and_a_link() -> None:
    inquiry = received()
    work(inquiry, InquiryWork.ADVICE, date(2026, 3, 2))
    work(inquiry, InquiryWork.MAPPING, date(2026, 3, 3))
    for attempt in (
        lambda: work(inquiry, InquiryWork.HOME_VISIT, date(2026, 3, 4)),
        lambda: work(inquiry, InquiryWork.SERVICE_CONNECTED, date(2026, 3, 4),
                     service=Agency(AgencyKind.VOLUNTEER)),
        lambda: work(inquiry, InquiryWork.ADVICE, date(2026, 3, 4), note="Kari"),
        lambda: inquiry.link(family_id=uuid4(), occurred_on=date(2026, 3, 4),
                             actor=ADVISER, recorded_at=AT),
    ):  # fmt: skip
        with pytest.raises(ConsentRequiredError, match="anonymous"):
            attempt()
    identify(inquiry, date(2026, 3, 5))
    with pytest.raises(ConsentRequiredError, match="until 2026-03-05"):
        work(inquiry, InquiryWork.HOME_VISIT, date(2026, 3, 4))  # before the consent
    work(inquiry, InquiryWork.HOME_VISIT, date(2026, 3, 5), note="Besøk hjemme")
    assert inquiry.identified
    assert len(inquiry.work) == 3


def test_an_inquiry_is_closed_exactly_once() -> None:
    inquiry = received()
    close(inquiry, InquiryOutcome.NO_FURTHER_NEED, date(2026, 3, 9))
    for attempt in (
        lambda: close(inquiry, InquiryOutcome.ADVICE_GIVEN, date(2026, 3, 10)),
        lambda: work(inquiry, InquiryWork.ADVICE, date(2026, 3, 10)),
        lambda: identify(inquiry, date(2026, 3, 10)),
    ):
        with pytest.raises(RuleViolationError, match="closed on 2026-03-09"):
            attempt()
    assert inquiry.outcome is InquiryOutcome.NO_FURTHER_NEED


def test_an_inquiry_is_not_closed_before_its_last_work_nor_identified_twice() -> None:
    inquiry = received()
    identify(inquiry, date(2026, 3, 3))
    with pytest.raises(RuleViolationError, match="identified on 2026-03-03 already"):
        identify(inquiry, date(2026, 3, 4))
    work(inquiry, InquiryWork.HOME_VISIT, date(2026, 3, 10))
    with pytest.raises(InvalidInputError, match="2026-03-10 or later"):
        close(inquiry, InquiryOutcome.ADVICE_GIVEN, date(2026, 3, 9))


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("topics", [], "at least one topic"),
        ("topics", "school", "as a list"),
        ("topics", ["school"], "topics must be among"),
        ("source", "school", "source must be one of"),
        ("municipality", "Drammen", "municipality number"),
        ("received_on", datetime(2026, 3, 2, tzinfo=UTC), "must be a date"),
        ("received_on", date(2031, 1, 1), "in the future"),
        ("service", "Fjell skole", "must be an Agency"),
    ],
)
def test_a_malformed_inquiry_is_refused_saying_what_to_fix(
    field: str, value: Any, says: str
) -> None:
    with pytest.raises(InvalidInputError, match=says):
        received(**{field: value})


def test_the_family_asking_itself_names_no_professional_service() -> None:
    with pytest.raises(InvalidInputError, match="family asked itself"):
        received(source=InquirySource.FAMILY, service=Agency(AgencyKind.SCHOOL))


@pytest.mark.parametrize("given_by", ["", "   ", "Kari\nHansen", "x" * 201])
def test_who_consented_is_checked_as_a_name(given_by: str) -> None:
    inquiry = received()
    with pytest.raises(InvalidInputError, match="given_by"):
        inquiry.identify(given_by=given_by, form=ConsentForm.WRITTEN,
                         occurred_on=date(2026, 3, 3), actor=ADVISER,
                         recorded_at=AT)  # fmt: skip


def test_a_note_is_checked_as_the_family_s_free_text() -> None:
    inquiry = received()
    identify(inquiry, date(2026, 3, 3))
    for note in ("", "  ", "x" * 4001):
        with pytest.raises(InvalidInputError, match="note"):
            work(inquiry, InquiryWork.HOME_VISIT, date(2026, 3, 4), note=note)


# ------------------------------------------------------------------- report


@st.composite
def inquiries(draw: st.DrawFn) -> list[Inquiry]:
    found = []
    for _ in range(draw(st.integers(0, 12))):
        came = draw(st.dates(min_value=date(2024, 11, 1), max_value=date(2026, 2, 1)))
        municipality = draw(st.sampled_from(["3301", "3301", "4204"]))
        topics = draw(st.frozensets(st.sampled_from(Topic), min_size=1))
        inquiry = received(came, municipality=municipality, topics=topics,
                           source=draw(st.sampled_from(InquirySource)))  # fmt: skip
        if draw(st.booleans()):
            identify(inquiry, came)
        if draw(st.booleans()):
            close(inquiry, draw(st.sampled_from([InquiryOutcome.ADVICE_GIVEN,
                                                  InquiryOutcome.REFERRED])), came)  # fmt: skip
        found.append(replayed(inquiry))
    return found


@settings(max_examples=50)  # each example builds a dozen aggregates
@given(inquiries(), st.sampled_from([2024, 2025, 2026]), st.integers(1, 90))
def test_the_report_counts_every_inquiry_of_the_year_once(
    all_of_them: list[Inquiry], year: int, limit: int
) -> None:
    on = date(2026, 3, 1)
    report = inquiry_report(all_of_them, municipality=DRAMMEN, year=year, on=on,
                            overdue_after_days=limit)  # fmt: skip
    mine = [i for i in all_of_them if i.municipality == DRAMMEN]
    this = [i for i in mine if i.received_on.year == year]
    assert report.received == len(this) == sum(report.by_source.values())
    assert report.received == sum(report.by_month)
    assert sum(report.by_outcome.values()) + report.open == report.received
    assert sum(report.by_topic.values()) == sum(len(i.topics) for i in this)
    assert report.previous_year == sum(
        1 for i in mine if i.received_on.year == year - 1
    )
    assert report.change == report.received - report.previous_year
    assert {f.inquiry_id for f in report.flagged} == {
        i.id for i in this if i.closed is None and (on - i.received_on).days > limit
    }
    assert report.all_handled == (not report.flagged)
    assert len(report.flagged) <= report.open
    data = json.loads(json.dumps(report.to_json()))
    assert data["received"] == report.received
    assert "Kari" not in json.dumps(data)  # no names in the report


def test_a_year_of_155_inquiries_each_with_an_outcome() -> None:
    cycle = list(InquiryOutcome)
    all_of_them = []
    for n in range(155):
        came = date(2025, 1, 2) + timedelta(days=n * 2)
        inquiry = received(came, source=list(InquirySource)[n % len(InquirySource)])
        outcome = cycle[n % len(cycle)]
        if outcome in (InquiryOutcome.SERVICE_CONNECTED, InquiryOutcome.ENROLLED):
            identify(inquiry, came)
            work(inquiry, InquiryWork.SERVICE_CONNECTED, came,
                 service=Agency(AgencyKind.VOLUNTEER))  # fmt: skip
            inquiry.link(family_id=uuid4(), occurred_on=came, actor=ADVISER,
                         recorded_at=AT)  # fmt: skip
        close(inquiry, outcome, came + timedelta(days=3))
        all_of_them.append(inquiry)
    report = inquiry_report(all_of_them, municipality=DRAMMEN, year=2025,
                            on=date(2026, 1, 15))  # fmt: skip
    assert report.received == 155
    assert report.open == 0
    assert report.flagged == ()
    assert report.all_handled
    assert sum(report.by_outcome.values()) == 155
    assert report.by_outcome[InquiryOutcome.ADVICE_GIVEN] == 26  # 155 = 6 × 25 + 5
    assert report.by_outcome[InquiryOutcome.NO_FURTHER_NEED] == 25


def test_the_report_refuses_a_malformed_year_or_municipality() -> None:
    with pytest.raises(InvalidInputError, match="year"):
        inquiry_report([], municipality=DRAMMEN, year=True, on=date(2026, 1, 1))  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="municipality"):
        inquiry_report([], municipality="Drammen", year=2026, on=date(2026, 1, 1))


# ------------------------------------------- stored form, catalogue, the views


def test_every_inquiry_event_type_has_an_example_and_golden_payloads() -> None:
    nested = {
        value for value in vars(Inquiry).values()
        if isinstance(value, type) and issubclass(value, Inquiry.Event)
        and value is not Inquiry.Event
    }  # fmt: skip
    assert nested == set(Inquiry.EVENT_CLASSES)
    assert tuple(cls.TOPIC for cls in Inquiry.EVENT_CLASSES) == INQUIRY_TOPICS
    for cls in Inquiry.EVENT_CLASSES:
        assert type(INQUIRY_EXAMPLES[cls.__name__]) is cls
        plain = golden_path(GOLDEN, cls.__name__)
        for path in (plain, GOLDEN / "sealed" / f"{cls.__name__}.json",
                     GOLDEN / "chained" / f"{cls.__name__}.json"):  # fmt: skip
            assert path.exists(), path
        assert f'"topic": "{get_topic(cls)}"' in plain.read_text()
        assert cls.TOPIC.startswith("familiekoordinering:Inquiry.")


def test_the_example_inquiry_replays_to_its_story() -> None:
    state: Any = None
    for event in INQUIRY_EXAMPLES.values():
        state = event.mutate(state)
    assert isinstance(state, Inquiry)
    assert state.identified
    assert state.outcome is InquiryOutcome.ENROLLED
    assert state.family_id == UUID("00000000-0000-4000-8000-000000000001")


def test_the_event_catalogue_has_every_inquiry_event() -> None:
    path = ROOT / "docs" / "gen_event_catalogue.py"
    spec = importlib.util.spec_from_file_location("gen_event_catalogue", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = module.render()
    assert "## Inquiries" in page
    for cls in Inquiry.EVENT_CLASSES:
        assert f"### {cls.__name__}\n" in page
        assert f"Stored topic: `{cls.TOPIC}`" in page
    assert "No example yet" not in page


def test_the_views_pass_inquiry_events_over_without_decoding_them() -> None:
    mapper = CattrsMapper()
    rows = []
    for n, event in enumerate(INQUIRY_EXAMPLES.values(), start=1):
        stored = mapper.to_stored_event(event)
        rows.append((n, str(stored.originator_id), stored.originator_version,
                     stored.topic, stored.state))  # fmt: skip

    def payload(*_: object) -> dict[str, Any]:
        raise AssertionError("an inquiry's event is decoded for the views")

    assert fold_rows(payload, rows) == []
