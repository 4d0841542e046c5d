"""The family's record against its aggregate, and the aggregate's slimmer snapshots.

The ``Family`` aggregate keeps what its rules decide with; ``FamilyRecord``
folds the same events into everything they say. Both must agree wherever they
overlap, for every history. Snapshots of the aggregate taken before it was
slimmed (class version 1, the whole record) are upcast on reading: the golden
version 1 snapshot must read as the family its events give today.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections import Counter
from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

import attrs
import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import StoredEvent
from hypothesis import given

from familiekoordinering import (
    ActionsTaken,
    Family,
    FamilyCoordination,
    FamilyRecord,
    GoalStanding,
    OutwardActionKind,
    StepStanding,
    SurveyKind,
    TeamMemberId,
    Topic,
)
from familiekoordinering.domain.investment import TeamMember
from familiekoordinering.protection.sealing import SEALED, collecting, seal_values
from familiekoordinering.serialisation import CattrsMapper, converter
from familiekoordinering.testing.examples import AT, EXAMPLES
from familiekoordinering.testing.histories import build_history
from tests.conftest import COORDINATOR, LEAD
from tests.strategies import mixed_histories

pytestmark = pytest.mark.application

GOLDEN = Path(__file__).parent / "golden" / "snapshot"
mapper = CattrsMapper()

SHARED = (
    "municipality", "label", "programme", "referral", "referral_note", "eligibility",
    "started_on", "planned_end_on", "members", "member_since", "departed",
    "coordinators", "consents", "withdrawals", "refusals", "ended", "research_consents",
)  # fmt: skip
"""The attributes the aggregate and the record keep the same way (FamilyCore's)."""


def assert_record_agrees(family: Family, record: FamilyRecord) -> None:
    """Everything the aggregate keeps follows from the record of the same events."""
    assert (record.id, record.version) == (family.id, family.version)
    for name in SHARED:
        assert getattr(record, name) == getattr(family, name), name
    assert family.goal_standing == {
        goal_id: GoalStanding(goal.status, goal.set_on, goal.closed_on)  # type: ignore[arg-type]
        for goal_id, goal in record.goals.items()
    }
    assert family.step_standing == {
        step_id: StepStanding(step.agreed_on, step.completed_on)  # type: ignore[arg-type]
        for step_id, step in record.steps.items()
    }
    assert family.sector_plan_ids == set(record.sector_plans)
    assert family.meeting_days == {
        **{m: v.held_on for m, v in record.meetings.items()},
        **{m: v.held_on for m, v in record.investment_meetings.items()},
    }
    assert family.team == {
        t: TeamMember(m.agency, m.may_decide, m.joined_on, m.topics, m.member_ids)
        for t, m in record.team_members.items()
    }
    assert family.investment_ids == set(record.investments)
    assert family.gain_ids == set(record.gains)
    assert family.action_ids == set(record.outward_actions)
    assert family.notices_owed == {
        a.action_id: a.occurred_on for a in record.open_notifications()
    }
    assert family.informed == {
        action_id: action.informed_on
        for action_id, action in record.outward_actions.items()
        if action.informed_on is not None
    }
    taken = (
        [
            (a.kind, a.agency, a.topics, a.member_ids, a.occurred_on)
            for a in record.outward_actions.values()
            if a.legal_basis is None
        ]
        + [
            (
                OutwardActionKind.SHARE_INFORMATION,
                m.agency,
                m.topics,
                m.member_ids,
                m.joined_on,
            )
            for m in record.team_members.values()
        ]
        + [
            (
                OutwardActionKind.SHARE_INFORMATION,
                record.team_members[t].agency,
                record.team_members[t].topics,
                record.team_members[t].member_ids,
                meeting.held_on,
            )
            for meeting in record.investment_meetings.values()
            for t in meeting.team_present
        ]
    )  # joining the team shares, and so does each sitting in a meeting
    assert Counter(taken) == Counter(
        (t.kind, t.agency, t.topics, t.member_ids, day)
        for t in family.actions_taken
        for day in t.days
    )
    assert family.survey_ids == set(record.surveys)
    baselines = [
        s.completed_on
        for s in record.surveys.values()
        if s.survey.kind is SurveyKind.BASELINE
    ]
    assert family.baseline_on == (baselines[0] if baselines else None)


def _examples_in_order() -> list[Family.Event]:
    return sorted(EXAMPLES.values(), key=lambda e: e.originator_version)


# The golden snapshots were taken of the examples up to version 22; later
# examples (FollowUpExtended, 23) are events of a newer library.
SNAPSHOT_VERSION = 22


def _snapshotted_examples(upto: int = SNAPSHOT_VERSION) -> list[Family.Event]:
    return [e for e in _examples_in_order() if e.originator_version <= upto]


# The version 3 golden snapshot was taken of the examples up to version 23.
V3_SNAPSHOT_VERSION = 23


def _replayed(events: list[Family.Event]) -> Family:
    family = None
    for event in events:
        family = event.mutate(family)
    assert isinstance(family, Family)
    return family


@given(mixed_histories)
def test_the_aggregate_keeps_what_the_record_of_the_same_events_says(
    family: Family,
) -> None:
    events = family.collect_events()
    record = FamilyRecord.of(events)
    assert record is not None
    assert_record_agrees(_replayed(events), record)


def test_the_record_of_every_example_event_agrees_with_the_aggregate() -> None:
    events = _examples_in_order()
    record = FamilyRecord.of(events)
    assert record is not None
    assert_record_agrees(_replayed(events), record)
    assert record.goals[next(iter(record.goals))].progress[0].note == "Started a course"


def test_a_record_must_start_with_the_enrolment() -> None:
    with pytest.raises(
        ValueError, match="starts with its enrolment, not with MemberAdded"
    ):
        FamilyRecord.of(_examples_in_order()[1:])
    assert FamilyRecord.of([]) is None


def test_consented_actions_of_the_same_kind_are_kept_together_by_their_days() -> None:
    family = build_history(400, seed=7)
    taken = family.actions_taken
    assert all(isinstance(t, ActionsTaken) for t in taken)
    keys = [(t.kind, t.agency, t.topics, t.member_ids) for t in taken]
    assert len(keys) == len(set(keys))
    assert sum(len(t.days) for t in taken) < len(family.action_ids) + 1
    assert len(taken) < sum(len(t.days) for t in taken)


def _stored_snapshot(document: dict[str, object]) -> StoredEvent:
    return StoredEvent(
        originator_id=UUID(str(document["originator_id"])),
        originator_version=int(str(document["originator_version"])),
        topic=str(document["topic"]),
        state=json.dumps(document["state"]).encode(),
    )


def test_a_version_1_snapshot_reads_as_the_family_its_events_give_today() -> None:
    golden = json.loads((GOLDEN / "Family.v1.json").read_text())
    assert "outward_actions" in golden["state"]["state"]  # the whole record, then
    snapshot = mapper.to_domain_event(_stored_snapshot(golden))
    upcast = snapshot.mutate(None)
    assert vars(upcast) == vars(_replayed(_snapshotted_examples()))


def test_a_version_2_snapshot_reads_as_the_family_its_events_give_today() -> None:
    golden = json.loads((GOLDEN / "Family.v2.json").read_text())
    assert "latest_on" not in golden["state"]["state"]
    read = mapper.to_domain_event(_stored_snapshot(golden))
    assert vars(read.mutate(None)) == vars(_replayed(_snapshotted_examples()))


def test_a_version_3_snapshot_reads_as_the_family_its_events_give_today() -> None:
    golden = json.loads((GOLDEN / "Family.v3.json").read_text())
    assert "team" not in golden["state"]["state"]
    read = mapper.to_domain_event(_stored_snapshot(golden))
    assert vars(read.mutate(None)) == vars(
        _replayed(_snapshotted_examples(V3_SNAPSHOT_VERSION))
    )


# The version 4 golden snapshot was taken of the examples up to version 28
# (the investment team's events included).
V4_SNAPSHOT_VERSION = 28


def _stored_snapshot_of(upto: int) -> StoredEvent:
    snapshot = Snapshot.take(_replayed(_snapshotted_examples(upto)))
    taken = Snapshot(
        originator_id=snapshot.originator_id,
        originator_version=snapshot.originator_version,
        timestamp=AT,
        topic=snapshot.topic,
        state=snapshot.state,
    )
    return mapper.to_stored_event(taken)


def test_a_version_4_snapshot_reads_as_the_family_its_events_give_today() -> None:
    """But for the meeting's sitting, which version 4 did not keep among the actions.

    The examples' extension is dated with the rest of their work, so their
    ``latest_on`` is the same as version 5 counts it.
    """
    golden = json.loads((GOLDEN / "Family.v4.json").read_text())
    assert golden["state"]["state"]["class_version"] == 4
    read = mapper.to_domain_event(_stored_snapshot(golden))
    family = read.mutate(None)
    replayed = _replayed(_snapshotted_examples(V4_SNAPSHOT_VERSION))
    assert {k: v for k, v in vars(family).items() if k != "actions_taken"} == {
        k: v for k, v in vars(replayed).items() if k != "actions_taken"
    }
    meeting = EXAMPLES["InvestmentMeetingHeld"]
    (seat,) = (family.team[t] for t in meeting.team_present)
    without_sitting = [
        attrs.evolve(t, days=t.days[:-1])
        if (t.agency, t.topics, t.member_ids)
        == (seat.agency, seat.topics, seat.member_ids)
        and t.days[-1] == meeting.occurred_on
        else t
        for t in replayed.actions_taken
    ]
    assert family.actions_taken == without_sitting != replayed.actions_taken
    assert family.team
    assert family.investment_ids
    assert family.gain_ids


def test_a_version_4_snapshot_keeps_its_newest_day_without_the_extensions() -> None:
    """Version 4 did not count an extension in ``latest_on``, nor keep its day."""
    golden = json.loads((GOLDEN / "Family.v4.json").read_text())
    golden["state"]["state"]["latest_on"] = "2026-03-01"
    read = mapper.to_domain_event(_stored_snapshot(golden)).mutate(None)
    assert read.latest_on == date(2026, 3, 1)


# The version 5 golden snapshot is of the same examples as version 4's.
V5_SNAPSHOT_VERSION = V4_SNAPSHOT_VERSION


def test_the_version_5_snapshot_is_stored_exactly_as_the_golden_payload() -> None:
    golden = json.loads((GOLDEN / "Family.v5.json").read_text())
    stored = _stored_snapshot_of(V5_SNAPSHOT_VERSION)
    expected = json.dumps(golden["state"], separators=(",", ":"), ensure_ascii=False)
    assert stored.state.decode() == expected
    read = mapper.to_domain_event(_stored_snapshot(golden))
    family = read.mutate(None)
    assert vars(family) == vars(_replayed(_snapshotted_examples(V5_SNAPSHOT_VERSION)))


def test_a_version_2_snapshot_s_newest_day_is_the_newest_it_kept() -> None:
    golden = json.loads((GOLDEN / "Family.v2.json").read_text())
    state = golden["state"]["state"]
    state["meeting_days"] = {"00000000-0000-4000-8000-0000000000b3": "2027-05-04"}
    state["actions_taken"][0]["days"] = ["2026-03-02", "2027-08-09"]
    state["planned_end_on"] = "2031-03-01"  # a plan, not a day anything happened
    read = mapper.to_domain_event(_stored_snapshot(golden)).mutate(None)
    assert read.latest_on == date(2027, 8, 9)


def test_a_snapshot_of_a_newer_class_version_is_refused_naming_it() -> None:
    golden = json.loads((GOLDEN / "Family.v5.json").read_text())
    golden["state"]["state"]["class_version"] = 6
    with pytest.raises(Exception, match=r"class_version 6 of Family .* up to 5"):
        mapper.to_domain_event(_stored_snapshot(golden))


def test_a_store_holding_a_version_1_snapshot_loads_the_family_and_goes_on(
    tmp_path: Path,
) -> None:
    events = _examples_in_order()[:18]  # up to the survey, before the follow-up ended
    family_id = events[0].originator_id
    app = FamilyCoordination(tmp_path / "store.db", cache_size=0, encryption=False)
    app._engine.recorder.insert_events([mapper.to_stored_event(e) for e in events])
    # A snapshot of these 18 events as version 1 wrote it: the whole record.
    golden = json.loads((GOLDEN / "Family.v1.json").read_text())
    golden["state"]["state"] = _v1_state(events)
    golden["originator_version"] = 18
    assert app._engine.snapshots is not None
    app._engine.snapshots.recorder.insert_events([_stored_snapshot(golden)])
    loaded = app.get_family(family_id, actor=LEAD)
    assert vars(loaded) == vars(_replayed(events))
    app.set_goal(family_id, area=Topic.HOUSING, words="Et større sted å bo",
                 occurred_on=date(2026, 3, 3), actor=COORDINATOR)  # fmt: skip
    app._engine.take_snapshot(family_id)
    (newest,) = app._engine.snapshots.get(family_id, desc=True, limit=1)
    assert newest.state["class_version"] == 5
    assert vars(app.get_family(family_id, actor=LEAD)) == vars(
        _replayed(list(app.family_history(family_id, actor=LEAD)))
    )
    app.close()


def _v1_state(events: list[Family.Event]) -> dict[str, object]:
    """A version 1 snapshot's stored state: the record's attributes, stored by type.

    Personal fields go through the converter's sealing hooks, so inside
    ``collecting()`` they are written as indices, as a sealed snapshot holds them.
    """
    record = FamilyRecord.of(events)
    assert record is not None
    hints = typing.get_type_hints(FamilyRecord, include_extras=True)
    state: dict[str, object] = {
        name: converter.unstructure(getattr(record, name), hints[name])
        for name in (*SHARED, "goals", "steps", "sector_plans", "meetings",
                     "outward_actions", "surveys")
    }  # fmt: skip
    state["_created_on"] = record.created_on.isoformat()
    state["_modified_on"] = record.modified_on.isoformat()
    return state


def test_a_sealed_version_1_snapshot_reads_as_the_family_its_events_give_today(
    tmp_path: Path,
) -> None:
    events = _examples_in_order()[:18]
    family_id = events[0].originator_id
    app = FamilyCoordination(tmp_path / "store.db", master_key=b"k" * 32, cache_size=0)
    assert isinstance(app._engine.mapper, CattrsMapper)
    assert app._engine.keyring is not None
    app._engine.keyring.ensure_key(family_id)  # as the engine's save does
    app._engine.recorder.insert_events(
        [app._engine.mapper.to_stored_event(e) for e in events]
    )
    with collecting() as values:
        state = _v1_state(events)
    assert values  # names, purposes, goal words …: sealed, not in the clear
    keyring = app._engine.mapper.keyring
    assert keyring is not None
    cipher = keyring.cipher(family_id, create=True)
    assert cipher is not None
    golden = json.loads((GOLDEN / "Family.v1.json").read_text())
    golden["state"]["state"] = state
    golden["state"][SEALED] = seal_values(
        cipher, values, family_id, 18, golden["topic"]
    )
    golden["originator_version"] = 18
    stored = _stored_snapshot(golden)
    assert b"Kari" not in stored.state
    assert b"Jeg vil ha en jobb" not in stored.state
    assert app._engine.snapshots is not None
    app._engine.snapshots.recorder.insert_events([stored])
    loaded = app.get_family(family_id, actor=LEAD)
    assert vars(loaded) == vars(_replayed(events))
    assert loaded.label == "Hansen"
    app.close()


def test_family_at_gives_the_whole_record_and_get_family_what_the_rules_need(
    tmp_path: Path,
) -> None:
    app = FamilyCoordination(tmp_path / "store.db", encryption=False)
    family = build_history(300, seed=3)
    app._engine.save(family)
    record = app.family_at(family.id, actor=LEAD)
    assert isinstance(record, FamilyRecord)
    assert record.version == 300
    assert_record_agrees(app.get_family(family.id, actor=LEAD), record)
    earlier = app.family_at(family.id, actor=LEAD, as_of=date(2027, 1, 1))
    assert earlier.version < record.version
    app.close()


def test_a_meeting_naming_someone_not_on_the_team_replays_without_that_sitting() -> (
    None
):
    """Only a history written beneath the library holds one; it still loads.

    The commands refuse a meeting with anyone not on the team (see
    ``check_meeting``); replaying such an event notes no sharing for them
    rather than leaving the family unreadable.
    """
    events = _snapshotted_examples(26)
    meeting = events[-1]
    assert isinstance(meeting, Family.InvestmentMeetingHeld)
    stranger = dataclasses.replace(
        meeting, team_present=frozenset({TeamMemberId(uuid4())})
    )
    family = _replayed([*events[:-1], stranger])
    assert family.actions_taken == _replayed(events[:-1]).actions_taken
    assert family.meeting_days[meeting.meeting_id] == meeting.occurred_on
    assert _replayed(events).actions_taken != family.actions_taken  # the team's sits
