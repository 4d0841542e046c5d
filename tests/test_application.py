"""The application on every real backend: commands store events, refusals store nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from familiekoordinering import (
    Agency,
    AgencyKind,
    Channel,
    ConsentRequiredError,
    DuplicateIdError,
    EndReason,
    Family,
    FamilyCoordination,
    FamilyKnows,
    FollowUpEndedError,
    GoalStatus,
    InvalidInputError,
    NotFoundError,
    Responsible,
    ResponsibleKind,
    Topic,
)
from familiekoordinering.domain.commands import SetGoal
from familiekoordinering.testing.commands import run
from tests.conftest import COORDINATOR, LEAD, START, EnrolledFamily

pytestmark = pytest.mark.application

DAY = START + timedelta(days=10)


def contact(family: EnrolledFamily, **overrides: object) -> object:
    arguments: dict[str, object] = {
        "agency": Agency(AgencyKind.NAV, "NAV Kristiansand"),
        "topics": [Topic.ECONOMY],
        "member_ids": [family.kari],
        "purpose": "Ask about housing allowance",
        "channel": Channel.PHONE,
        "family_knows": FamilyKnows.present(),
        "occurred_on": DAY,
        "actor": COORDINATOR,
    }
    arguments.update(overrides)
    return family.app.record_contact(family.id, **arguments)  # type: ignore[arg-type]


def test_a_covered_contact_is_stored_with_the_consent_that_permitted_it(
    family: EnrolledFamily,
) -> None:
    action_id = contact(family)
    event = family.app.family_history(family.id, actor=LEAD)[-1]
    assert isinstance(event, Family.AgencyContacted)
    assert event.action_id == action_id
    assert event.consent_ids == (family.nav_consent,)
    assert event.occurred_on == DAY
    assert event.actor == COORDINATOR


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"topics": [Topic.PARENTING]}, "excludes the topic parenting"),
        ({"topics": [Topic.HEALTH]}, "covers the topic health"),
        ({"agency": Agency(AgencyKind.SCHOOL)}, "no consent names the agency school"),
        ({"occurred_on": START}, "valid only from"),
    ],
)
def test_an_uncovered_contact_is_refused_with_the_reason_and_nothing_is_stored(
    family: EnrolledFamily, overrides: dict[str, object], reason: str
) -> None:
    before = family.version
    with pytest.raises(ConsentRequiredError, match=reason):
        contact(family, **overrides)
    assert family.version == before


def test_a_contact_after_withdrawal_is_refused_but_one_dated_before_it_is_accepted(
    family: EnrolledFamily,
) -> None:
    family.app.withdraw_consent(
        family.id, family.nav_consent, withdrawn_by=[family.kari],
        occurred_on=DAY, actor=COORDINATOR,
    )  # fmt: skip
    with pytest.raises(ConsentRequiredError, match=f"withdrawn on {DAY.isoformat()}"):
        contact(family, occurred_on=DAY)
    # Recorded late, but it happened before the withdrawal: accepted.
    contact(family, occurred_on=DAY - timedelta(days=1))


def test_inform_afterwards_opens_a_notification_that_family_informed_closes(
    family: EnrolledFamily,
) -> None:
    action_id = contact(family, family_knows=FamilyKnows.inform_afterwards())
    (open_item,) = family.app.open_notifications(family.id, actor=LEAD)
    assert open_item.action_id == action_id
    assert open_item.family_knows.inform_by == DAY + timedelta(days=7)
    family.app.record_family_informed(
        family.id, action_id, channel=Channel.PHONE, occurred_on=DAY + timedelta(days=2),
        actor=COORDINATOR,
    )  # fmt: skip
    assert family.app.open_notifications(family.id, actor=LEAD) == []


def test_agreed_beforehand_must_name_an_earlier_meeting_or_step(
    family: EnrolledFamily,
) -> None:
    with pytest.raises(NotFoundError, match="no meeting or plan step"):
        contact(family, family_knows=FamilyKnows.agreed_beforehand(family.id))
    meeting = family.app.hold_meeting(
        family.id, participants=["Kristin Lund"], members_present=[family.kari],
        occurred_on=DAY, actor=COORDINATOR,
    )  # fmt: skip
    with pytest.raises(InvalidInputError, match="after the action"):
        contact(
            family,
            occurred_on=DAY - timedelta(days=1),
            family_knows=FamilyKnows.agreed_beforehand(meeting),
        )
    contact(family, family_knows=FamilyKnows.agreed_beforehand(meeting))


def test_goals_go_from_set_through_progress_to_achieved(family: EnrolledFamily) -> None:
    app = family.app
    goal = app.set_goal(
        family.id, area=Topic.WORK, words="Jeg vil ha jobb", member_id=family.kari,
        occurred_on=DAY, actor=COORDINATOR,
    )  # fmt: skip
    app.record_goal_progress(
        family.id,
        goal,
        note="Started a course",
        rating=6,
        occurred_on=DAY,
        actor=COORDINATOR,
    )
    app.achieve_goal(
        family.id, goal, occurred_on=DAY + timedelta(days=90), actor=COORDINATOR
    )
    state = app.family_at(family.id, actor=LEAD).goals[goal]
    assert state.status is GoalStatus.ACHIEVED
    assert [p.rating for p in state.progress] == [6]
    with pytest.raises(Exception, match="was achieved"):
        app.drop_goal(
            family.id, goal, occurred_on=DAY + timedelta(days=91), actor=COORDINATOR
        )


def test_steps_are_agreed_and_completed_once(family: EnrolledFamily) -> None:
    app = family.app
    step = app.agree_step(
        family.id, description="apply for bostøtte",
        responsible=Responsible(ResponsibleKind.FAMILY, member_id=family.kari),
        due_on=DAY + timedelta(days=30), occurred_on=DAY, actor=COORDINATOR,
    )  # fmt: skip
    app.complete_step(
        family.id, step, occurred_on=DAY + timedelta(days=3), actor=COORDINATOR
    )
    with pytest.raises(Exception, match="already completed"):
        app.complete_step(
            family.id, step, occurred_on=DAY + timedelta(days=4), actor=COORDINATOR
        )


def test_nothing_can_be_recorded_after_the_follow_up_ended(
    family: EnrolledFamily,
) -> None:
    family.app.end_follow_up(
        family.id, reason=EndReason.COMPLETED, occurred_on=DAY, actor=COORDINATOR
    )
    with pytest.raises(FollowUpEndedError, match="ended on"):
        contact(family, occurred_on=DAY + timedelta(days=1))
    # A consent can always be withdrawn.
    family.app.withdraw_consent(
        family.id, family.nav_consent, withdrawn_by=[family.ola],
        occurred_on=DAY + timedelta(days=5), actor=COORDINATOR,
    )  # fmt: skip


def test_commands_dated_before_enrolment_are_refused(family: EnrolledFamily) -> None:
    with pytest.raises(InvalidInputError, match="before the family was enrolled"):
        family.app.set_goal(
            family.id, area=Topic.HOUSING, words="Et fast sted å bo",
            occurred_on=START - timedelta(days=1), actor=COORDINATOR,
        )  # fmt: skip


def test_duplicate_ids_are_refused(family: EnrolledFamily) -> None:
    with pytest.raises(DuplicateIdError, match="already used"):
        family.app.add_member(
            family.id, member_id=family.kari, name="Kari", birth_date=date(1990, 1, 1),
            kind=family.app.get_family(family.id, actor=LEAD).members[family.kari].kind,
            occurred_on=DAY, actor=COORDINATOR,
        )  # fmt: skip


def test_an_unknown_family_is_reported_as_not_found(app: FamilyCoordination) -> None:
    from uuid import uuid4

    with pytest.raises(NotFoundError, match="does not exist"):
        app.get_family(uuid4(), actor=LEAD)
    with pytest.raises(NotFoundError):
        app.family_history(uuid4(), actor=LEAD)


def test_history_is_every_event_in_order_and_replays_to_the_same_state(
    family: EnrolledFamily,
) -> None:
    contact(family)
    history = family.app.family_history(family.id, actor=LEAD)
    assert [e.originator_version for e in history] == list(range(1, len(history) + 1))
    assert isinstance(history[0], Family.Enrolled)
    replayed = None
    for event in history:
        replayed = event.mutate(replayed)
    assert vars(replayed) == vars(family.app.get_family(family.id, actor=LEAD))


def test_snapshots_give_the_same_family_as_a_full_replay(
    make_app: Callable[..., FamilyCoordination],
) -> None:
    app = make_app(snapshot_interval=3)
    family = EnrolledFamily(app)
    for n in range(7):
        contact(family, occurred_on=DAY + timedelta(days=n))
    assert app._engine.snapshots is not None
    snapshots = list(app._engine.snapshots.get(family.id))
    assert snapshots, "a snapshot should have been taken every 3 events"
    from_snapshot = app.get_family(family.id, actor=LEAD)
    full = None
    for event in app.family_history(family.id, actor=LEAD):
        full = event.mutate(full)
    assert vars(from_snapshot) == vars(full)


def test_families_are_listed_in_enrolment_order(app: FamilyCoordination) -> None:
    first = EnrolledFamily(app)
    second = EnrolledFamily(app)
    assert [s.family_id for s in app.list_families(actor=LEAD)] == [first.id, second.id]
    assert list(app._reader.family_ids(batch=1)) == [
        first.id,
        second.id,
    ]  # page by page
    assert app.family_ids(actor=LEAD) == [first.id, second.id]


def test_a_stale_family_cannot_overwrite_a_newer_one(family: EnrolledFamily) -> None:
    from uuid import uuid4

    from eventsourcing.persistence import IntegrityError

    app = family.app
    stale = app.get_family(family.id, actor=LEAD)
    contact(family)
    run(stale, SetGoal, goal_id=uuid4(), area=Topic.WORK, words="x", occurred_on=DAY,
        actor=COORDINATOR, recorded_at=app.clock(),
    )  # fmt: skip
    with pytest.raises(IntegrityError):
        app._engine.save(stale)
    assert family.version == len(app.family_history(family.id, actor=LEAD))


def test_a_cached_family_catches_up_with_events_written_by_another_process(
    tmp_path: Path, clock: object
) -> None:
    store = tmp_path / "shared.db"
    first = FamilyCoordination(store, clock=clock, encryption=False)  # type: ignore[arg-type]
    second = FamilyCoordination(store, clock=clock, encryption=False)  # type: ignore[arg-type]
    family = EnrolledFamily(first)
    assert (
        second.get_family(family.id, actor=LEAD).version == family.version
    )  # now cached in second
    contact(family)  # written through the first
    assert second.get_family(family.id, actor=LEAD).version == family.version
    second.set_goal(
        family.id, area=Topic.WORK, words="Jobb", occurred_on=DAY, actor=COORDINATOR
    )
    assert (
        first.get_family(family.id, actor=LEAD).version
        == second.get_family(family.id, actor=LEAD).version
    )


def test_a_refused_command_leaves_the_cached_family_untouched(
    family: EnrolledFamily,
) -> None:
    before = family.app.get_family(family.id, actor=LEAD)
    with pytest.raises(ConsentRequiredError):
        contact(family, topics=[Topic.PARENTING])
    after = family.app.get_family(family.id, actor=LEAD)
    assert vars(after) == vars(before)
    mutated = family.app.get_family(family.id, actor=LEAD)
    mutated.members.clear()  # a caller changing what it was handed changes nothing stored
    assert family.app.get_family(family.id, actor=LEAD).members


def test_one_snapshot_is_taken_of_the_saved_family_when_an_interval_is_crossed(
    make_app: Callable[..., FamilyCoordination],
) -> None:
    app = make_app(snapshot_interval=5)
    family = EnrolledFamily(app)  # versions 1..5: one snapshot at 5
    for n in range(11):  # versions 6..16: snapshots at 10 and 15
        contact(family, occurred_on=DAY + timedelta(days=n))
    assert app._engine.snapshots is not None
    versions = [s.originator_version for s in app._engine.snapshots.get(family.id)]
    assert versions == [5, 10, 15]
    for version in versions:
        snapshot = next(
            s
            for s in app._engine.snapshots.get(family.id)
            if s.originator_version == version
        )
        replayed = None
        for event in app.family_history(family.id, actor=LEAD)[:version]:
            replayed = event.mutate(replayed)
        assert vars(snapshot.mutate(None)) == vars(replayed)


def test_a_caseload_as_of_the_calendars_last_day_is_one(family: EnrolledFamily) -> None:
    """The consents' horizon stops at 9999-12-31 instead of overflowing."""
    entries = family.app.views.caseload(
        on=date.max, actor=LEAD, include_ended=True, catch_up=True
    )
    assert [e.family_id for e in entries] == [str(family.id)]
