"""Dates and people that cannot be wrong: the contextual input rules.

An event is not dated after the day it is recorded (judged in the easternmost
time zone, so no one's "today" is refused), nor outside the programme's life
(before the enrolment, after the follow-up ended, a survey before the
baseline, an enrolment whose planned end the calendar cannot hold); an ADULT
member is of age on the day they are added. The pure rules are properties;
the examples go through the real application and check nothing is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from familiekoordinering import (
    Actor,
    Economy,
    Eligibility,
    EndReason,
    FamilyCoordination,
    FamilyId,
    FollowUpEndedError,
    Housing,
    InvalidInputError,
    Member,
    MemberId,
    MemberKind,
    Programme,
    ReferralSource,
    Responsible,
    ResponsibleKind,
    RuleViolationError,
    SurveyKind,
    Topic,
    new_master_key,
)
from familiekoordinering.domain import rules
from familiekoordinering.domain.capacity import ConsentAges
from familiekoordinering.domain.commands import AssignCoordinator
from familiekoordinering.domain.programme import add_months
from familiekoordinering.domain.values import age_on
from familiekoordinering.testing.commands import enrol as enrol_aggregate
from familiekoordinering.testing.commands import run
from tests.conftest import COORDINATOR, KOMMUNE, LEAD, FixedClock

pytestmark = pytest.mark.application

# Every real UTC offset, from UTC-12 (Baker Island) to UTC+14 (Line Islands).
OFFSETS = st.integers(-12 * 60, 14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
MOMENTS = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=OFFSETS
)
ANY_DATE = st.dates()
AGES = st.sampled_from([ConsentAges.norway(), ConsentAges.denmark()]) | st.builds(
    ConsentAges, adult_age=st.integers(15, 21)
)


# ------------------------------------------------------------ the recording day


@given(recorded_at=MOMENTS, zone=OFFSETS)
def test_no_time_zones_today_is_after_the_recording_day(
    recorded_at: datetime, zone: timezone
) -> None:
    local_today = recorded_at.astimezone(zone).date()
    assert local_today <= rules.recording_day(recorded_at)
    rules.check_not_after_recording("occurred_on", local_today, recorded_at)


@given(recorded_at=MOMENTS)
def test_the_recording_day_is_todays_date_in_utc_plus_14(recorded_at: datetime) -> None:
    day = rules.recording_day(recorded_at)
    assert day == recorded_at.astimezone(timezone(timedelta(hours=14))).date()
    assert recorded_at.astimezone(UTC).date() <= day


def near(day: date | None) -> st.SearchStrategy[date]:
    """Any date, or one a few days either side of ``day`` (where rules are off by one)."""
    if day is None:
        return ANY_DATE
    lowest = max(-3, (date.min - day).days)
    highest = min(3, (date.max - day).days)
    return ANY_DATE | st.integers(lowest, highest).map(
        lambda n: day + timedelta(days=n)
    )


@given(recorded_at=MOMENTS, data=st.data())
def test_an_event_after_the_recording_day_is_refused_naming_the_field_and_the_day(
    recorded_at: datetime, data: st.DataObject
) -> None:
    day = rules.recording_day(recorded_at)
    on = data.draw(near(day))
    if on <= day:
        rules.check_not_after_recording("occurred_on", on, recorded_at)
        return
    with pytest.raises(InvalidInputError) as refused:
        rules.check_not_after_recording("occurred_on", on, recorded_at)
    message = str(refused.value)
    assert message.startswith(f"occurred_on {on.isoformat()} is after the day")
    assert f"give the day it happened, {day.isoformat()} or earlier" in message


@pytest.mark.parametrize("zone", ["Europe/Oslo", "Europe/Copenhagen"])
def test_a_norwegian_or_danish_today_just_after_local_midnight_is_accepted(
    zone: str,
) -> None:
    for month in (1, 7):  # winter and summer time
        midnight = datetime(2026, month, 15, 0, 1, tzinfo=ZoneInfo(zone))
        assert midnight.astimezone(UTC).date() == date(2026, month, 14)
        rules.check_not_after_recording("occurred_on", date(2026, month, 15), midnight)


def test_the_last_moments_of_the_calendar_do_not_overflow() -> None:
    assert rules.recording_day(datetime(9999, 12, 31, 23, tzinfo=UTC)) == date.max


@pytest.mark.parametrize("recorded_at", [datetime(2026, 1, 5, 9), "2026-01-05", None])
def test_a_recording_time_without_a_time_zone_is_refused(recorded_at: Any) -> None:
    with pytest.raises(InvalidInputError, match="recorded_at must be a timezone-aware"):
        rules.recording_day(recorded_at)


# ------------------------------------------------------------ the enrolment date


@given(on=ANY_DATE, months=st.integers(1, 240))
def test_an_enrolment_is_refused_exactly_when_its_planned_end_overflows_the_calendar(
    on: date, months: int
) -> None:
    programme = Programme(
        kind=Programme.nye_monstre().kind,
        name="p",
        jurisdiction=Programme.nye_monstre().jurisdiction,
        duration_months=months,
        survey_interval_months=12,
    )
    overflows = (on.year * 12 + on.month - 1) + months > 9999 * 12 + 11
    if not overflows:
        rules.check_enrolment_date(on, programme)
        assert programme.planned_end(on) == add_months(on, months) - timedelta(days=1)
        return
    with pytest.raises(InvalidInputError, match=rf"^occurred_on {on.isoformat()}: "):
        rules.check_enrolment_date(on, programme)


# ------------------------------------------------------------ surveys


@given(
    kind=st.sampled_from(SurveyKind),
    baseline_on=st.none() | st.dates(min_value=date(1, 1, 4)),
    recorded=st.integers(0, 10),
    data=st.data(),
)
def test_no_survey_is_dated_before_the_baseline_and_the_baseline_comes_first(
    kind: SurveyKind,
    baseline_on: date | None,
    recorded: int,
    data: st.DataObject,
) -> None:
    on = data.draw(near(baseline_on))
    before_baseline = baseline_on is not None and on < baseline_on
    late_baseline = kind is SurveyKind.BASELINE and baseline_on is None and recorded
    if before_baseline:
        assert baseline_on is not None
        with pytest.raises(
            InvalidInputError, match="before the family's baseline"
        ) as e:
            rules.check_survey_date(kind, on, baseline_on, recorded)
        assert f"give {baseline_on.isoformat()} or later" in str(e.value)
    elif late_baseline:
        with pytest.raises(RuleViolationError, match="record this one as"):
            rules.check_survey_date(kind, on, baseline_on, recorded)
    else:
        rules.check_survey_date(kind, on, baseline_on, recorded)


# ------------------------------------------------------------ adults


@given(
    kind=st.sampled_from(MemberKind),
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2060, 12, 31)),
    age_days=st.integers(0, 120 * 365),
    ages=AGES,
)
def test_an_adult_is_of_age_on_the_day_they_are_added(
    kind: MemberKind, born: date, age_days: int, ages: ConsentAges
) -> None:
    on = born + timedelta(days=age_days)
    member = Member(MemberId(uuid4()), "M", born, kind)
    if kind is MemberKind.ADULT and age_on(born, on) < ages.adult_age:
        with pytest.raises(InvalidInputError, match=r"add them as MemberKind\.CHILD"):
            rules.check_adult(member, on, ages)
        if age_on(born, on) <= 120:
            with pytest.raises(
                InvalidInputError, match=r"add them as MemberKind\.CHILD"
            ):
                rules.check_member(member, on, {}, ages)
    else:
        rules.check_adult(member, on, ages)


@pytest.mark.parametrize("born", [date(2008, 3, 10), date(2008, 2, 29)])
def test_an_adult_is_added_from_the_adult_birthday_on(born: date) -> None:
    ages = ConsentAges.norway()
    birthday = date(2026, 3, 10) if born.day == 10 else date(2026, 3, 1)
    member = Member(MemberId(uuid4()), "Ada", born, MemberKind.ADULT)
    rules.check_member(member, birthday, {}, ages)
    with pytest.raises(InvalidInputError, match=r"is 17 on .* at least 18"):
        rules.check_member(member, birthday - timedelta(days=1), {}, ages)


# ------------------------------------------------- through the real application

# 23:30 UTC on 2 March is 00:30 on 3 March in Oslo, 13:30 on 3 March in UTC+14.
RECORDED = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
START = date(2026, 1, 5)


@pytest.fixture
def app() -> FamilyCoordination:
    return FamilyCoordination(
        "memory", master_key=new_master_key(), clock=FixedClock(RECORDED)
    )


def enrol(app: FamilyCoordination, on: date = START) -> FamilyId:
    return app.enrol_family(
        municipality=KOMMUNE, label="Hansen", programme=Programme.nye_monstre(),
        referral=ReferralSource.NAV, eligibility=Eligibility(250_000, 380_000, 4),
        occurred_on=on, actor=LEAD,
    )  # fmt: skip


def with_kari(app: FamilyCoordination) -> tuple[FamilyId, MemberId]:
    family_id = enrol(app)
    app.assign_coordinator(
        family_id, coordinator_id=COORDINATOR.user_id, coordinator_name="Kristin Lund",
        occurred_on=START, actor=LEAD,
    )  # fmt: skip
    kari = app.add_member(
        family_id, name="Kari", birth_date=date(1988, 4, 2), kind=MemberKind.ADULT,
        occurred_on=START, actor=COORDINATOR,
    )  # fmt: skip
    return family_id, kari


def refused(
    app: FamilyCoordination,
    family_id: FamilyId,
    error: type[Exception],
    message: str,
    command: Callable[[], object],
) -> None:
    """``command`` raises ``error`` matching ``message``, and nothing is stored."""
    version = app.get_family(family_id, actor=LEAD).version
    with pytest.raises(error, match=message):
        command()
    assert app.get_family(family_id, actor=LEAD).version == version
    assert len(app.family_history(family_id, actor=LEAD)) == version


def survey(
    app: FamilyCoordination, family_id: FamilyId, kind: SurveyKind, on: date
) -> object:
    return app.complete_survey(
        family_id, kind=kind, housing=Housing(1.5, 3, 1),
        economy=Economy(250_000, 380_000, 0, 4), occurred_on=on, actor=COORDINATOR,
    )  # fmt: skip


def test_an_oslo_today_just_after_midnight_is_recorded_and_tomorrow_is_refused(
    app: FamilyCoordination,
) -> None:
    family_id, kari = with_kari(app)
    app.hold_meeting(
        family_id, participants=["Kari"], members_present=[kari],
        occurred_on=date(2026, 3, 3), actor=COORDINATOR,
    )  # fmt: skip
    refused(
        app, family_id, InvalidInputError,
        r"occurred_on 2026-03-04 is after the day it is recorded \(2026-03-03.*give the "
        r"day it happened, 2026-03-03 or earlier",
        lambda: app.hold_meeting(
            family_id, participants=["Kari"], members_present=[kari],
            occurred_on=date(2026, 3, 4), actor=COORDINATOR,
        ),
    )  # fmt: skip


def test_an_enrolment_in_the_future_is_refused_and_nothing_is_stored(
    app: FamilyCoordination,
) -> None:
    for on in (date(2099, 1, 1), date(9999, 12, 31)):
        with pytest.raises(InvalidInputError, match=f"occurred_on {on.isoformat()} is"):
            enrol(app, on)
    assert app.list_families(actor=LEAD) == []


def test_an_enrolment_whose_planned_end_the_calendar_cannot_hold_is_refused() -> None:
    """The fuzzer's ``ValueError: year 10004``, with a clock at the calendar's end."""
    with pytest.raises(InvalidInputError, match="would end after 9999-12-31"):
        enrol_aggregate(
            family_id=FamilyId(uuid4()), municipality=KOMMUNE, label="Hansen",
            programme=Programme.nye_monstre(), referral=ReferralSource.NAV,
            eligibility=Eligibility(250_000, 380_000, 4), occurred_on=date(9999, 12, 31),
            actor=LEAD, recorded_at=datetime(9999, 12, 31, 12, tzinfo=UTC),
        )  # fmt: skip


def test_future_due_dates_and_targets_stay_free(app: FamilyCoordination) -> None:
    family_id, _ = with_kari(app)
    goal = app.set_goal(
        family_id, area=Topic.WORK, words="A job", occurred_on=date(2026, 3, 2),
        target_on=date(2030, 1, 1), actor=COORDINATOR,
    )  # fmt: skip
    app.agree_step(
        family_id, description="Apply", responsible=Responsible(ResponsibleKind.FAMILY),
        occurred_on=date(2026, 3, 2), due_on=date(2029, 6, 1), goal_id=goal,
        actor=COORDINATOR,
    )  # fmt: skip
    assert app.get_family(family_id, actor=LEAD).version == 5


def test_an_adult_born_last_year_is_refused_suggesting_a_child(
    app: FamilyCoordination,
) -> None:
    family_id, _ = with_kari(app)
    refused(
        app, family_id, InvalidInputError,
        r"kind ADULT: a member born 2025-06-01 is 0 on 2026-03-02.*MemberKind.CHILD",
        lambda: app.add_member(
            family_id, name="Baby", birth_date=date(2025, 6, 1), kind=MemberKind.ADULT,
            occurred_on=date(2026, 3, 2), actor=COORDINATOR,
        ),
    )  # fmt: skip
    app.add_member(
        family_id, name="Baby", birth_date=date(2025, 6, 1), kind=MemberKind.CHILD,
        occurred_on=date(2026, 3, 2), actor=COORDINATOR,
    )  # fmt: skip


def test_a_survey_before_the_baseline_is_refused(app: FamilyCoordination) -> None:
    family_id, _ = with_kari(app)
    survey(app, family_id, SurveyKind.BASELINE, date(2026, 2, 1))
    refused(
        app, family_id, InvalidInputError,
        r"occurred_on 2026-01-31 is before the family's baseline survey of 2026-02-01",
        lambda: survey(app, family_id, SurveyKind.ANNUAL, date(2026, 1, 31)),
    )  # fmt: skip
    survey(app, family_id, SurveyKind.ANNUAL, date(2026, 2, 1))


def test_a_baseline_after_another_survey_is_refused(app: FamilyCoordination) -> None:
    family_id, _ = with_kari(app)
    survey(app, family_id, SurveyKind.ANNUAL, date(2026, 2, 1))
    refused(
        app, family_id, RuleViolationError, "the baseline is the first survey",
        lambda: survey(app, family_id, SurveyKind.BASELINE, date(2026, 1, 10)),
    )  # fmt: skip


def test_events_outside_the_follow_up_are_refused(app: FamilyCoordination) -> None:
    family_id, kari = with_kari(app)
    refused(
        app, family_id, InvalidInputError,
        "occurred_on 2026-01-04 is before the family was enrolled on 2026-01-05",
        lambda: app.hold_meeting(
            family_id, participants=["Kari"], members_present=[kari],
            occurred_on=date(2026, 1, 4), actor=COORDINATOR,
        ),
    )  # fmt: skip
    app.end_follow_up(
        family_id, reason=EndReason.COMPLETED, occurred_on=date(2026, 2, 1),
        actor=COORDINATOR,
    )  # fmt: skip
    refused(
        app, family_id, FollowUpEndedError, "ended on 2026-02-01",
        lambda: app.hold_meeting(
            family_id, participants=["Kari"], members_present=[kari],
            occurred_on=date(2026, 2, 2), actor=COORDINATOR,
        ),
    )  # fmt: skip


def test_the_aggregate_refuses_a_future_date_for_every_command() -> None:
    """Each command method checks the recording day itself (not only the app)."""
    family = enrol_aggregate(
        family_id=FamilyId(uuid4()), municipality=KOMMUNE, label="Hansen",
        programme=Programme.nye_monstre(), referral=ReferralSource.NAV,
        eligibility=Eligibility(250_000, 380_000, 4), occurred_on=START,
        actor=LEAD, recorded_at=RECORDED,
    )  # fmt: skip
    family.collect_events()
    actor: Actor = COORDINATOR
    with pytest.raises(InvalidInputError, match="occurred_on 2026-03-04 is after"):
        run(family, AssignCoordinator,
            coordinator_id="k", coordinator_name="K", occurred_on=date(2026, 3, 4),
            actor=actor, recorded_at=RECORDED,
        )  # fmt: skip
    assert family.version == 1
    assert not family.pending_events


@pytest.mark.parametrize("number", ["٤٢٠٤", "４２０４", "४२०४", "42O4", "04204"])
def test_a_municipality_number_is_three_or_four_ascii_digits(number: str) -> None:
    with pytest.raises(InvalidInputError, match="not a municipality number"):
        rules.check_municipality(number)
