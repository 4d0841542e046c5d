"""A family's whole record, read from its events: what the family sees and the audit replays.

The :class:`~familiekoordinering.domain.family.Family` aggregate keeps what its
rules decide with; :class:`FamilyRecord` keeps everything its events say: every
goal with its words and progress notes, every step, meeting, linked plan,
contact and survey. It is a pure fold over the events (no storage, no clock),
so the record as it stood on any date is the fold of the events up to it. The
timeline, the family report, the access export and the research export read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any
from uuid import UUID

import attrs

from familiekoordinering.domain.actions import KnowledgeKind, OutwardAction
from familiekoordinering.domain.core import CompletedSurvey, FamilyCore
from familiekoordinering.domain.events import Interpretation, interpreted
from familiekoordinering.domain.family import Family
from familiekoordinering.domain.investment import (
    Gain,
    Investment,
    InvestmentMeeting,
    TeamMembership,
)
from familiekoordinering.domain.plan import (
    Goal,
    GoalStatus,
    Meeting,
    PlanStep,
    Progress,
    SectorPlanLink,
    StepStatus,
)
from familiekoordinering.domain.validation import loads_stored_history
from familiekoordinering.domain.values import (
    GainId,
    GoalId,
    InvestmentId,
    MeetingId,
    OutwardActionId,
    SectorPlanId,
    StepId,
    SurveyId,
    TeamMemberId,
)

__all__ = ["FamilyRecord"]


class FamilyRecord(FamilyCore):
    """Everything a family's events say, as it stood after the last event folded in.

    Build one with :meth:`of` (or start one from the enrolment and :meth:`fold`
    the events after it, in recording order). The family, its members,
    coordinators and consents are kept as the aggregate keeps them (see
    :class:`~familiekoordinering.domain.core.FamilyCore`); the attributes
    below are the rest of the record.
    """

    id: UUID
    """The family's id."""
    version: int
    """The version of the last event folded in."""
    created_on: datetime
    """When the family was enrolled (recorded)."""
    modified_on: datetime
    """When the last event folded in was recorded."""
    goals: dict[GoalId, Goal]
    """The plan's goals with their status and progress."""
    steps: dict[StepId, PlanStep]
    """The plan's agreed steps with their status."""
    sector_plans: dict[SectorPlanId, SectorPlanLink]
    """Links to agencies' own plans."""
    meetings: dict[MeetingId, Meeting]
    """Meetings held."""
    outward_actions: dict[OutwardActionId, OutwardAction]
    """Every outward action, with when the family was told (if afterwards)."""
    surveys: dict[SurveyId, CompletedSurvey]
    """Completed surveys."""
    team_members: dict[TeamMemberId, TeamMembership]
    """The investment team (Asker's model), by team member."""
    investment_meetings: dict[MeetingId, InvestmentMeeting]
    """Investment meetings held, with their decisions."""
    investments: dict[InvestmentId, Investment]
    """What the team's actors put in."""
    gains: dict[GainId, Gain]
    """The investment's gains."""

    def __init__(self, enrolled: Family.Enrolled) -> None:
        """Start the record from the family's enrolment."""
        self._start_core()
        self.goals = {}
        self.steps = {}
        self.sector_plans = {}
        self.meetings = {}
        self.outward_actions = {}
        self.surveys = {}
        self.team_members = {}
        self.investment_meetings = {}
        self.investments = {}
        self.gains = {}
        self.id = enrolled.originator_id
        self.created_on = enrolled.timestamp
        self._stamp(enrolled)
        enrolled.apply(self)

    @classmethod
    def of(cls, events: Iterable[Family.Event]) -> FamilyRecord | None:
        """The record of ``events`` (in recording order, the enrolment first).

        ``None`` when there are no events. Events may skip versions (a record
        as of a date leaves out what happened later).
        """
        record: FamilyRecord | None = None
        for event in events:
            if record is None:
                if not isinstance(event, Family.Enrolled):
                    raise ValueError(
                        f"a family's record starts with its enrolment, not with "
                        f"{type(event).__name__} (version {event.originator_version})"
                    )
                record = cls(event)
            else:
                record.fold(event)
        return record

    @loads_stored_history  # stored values load as they were stored
    def fold(self, event: Family.Event) -> None:
        """Add one event (recorded after those folded in so far) to the record."""
        _RECORDS[type(event)](self, event)
        self._stamp(event)

    def _stamp(self, event: Family.Event) -> None:
        self.version = event.originator_version
        self.modified_on = event.timestamp

    def open_notifications(self) -> list[OutwardAction]:
        """Outward actions the family is still to be told about, oldest deadline first."""
        pending = [
            a
            for a in self.outward_actions.values()
            if a.family_knows.kind is KnowledgeKind.INFORM_AFTERWARDS
            and a.informed_on is None
        ]
        return sorted(
            pending, key=lambda a: (a.family_knows.inform_by, str(a.action_id))
        )

    def overdue_notifications(self, on: date) -> list[OutwardAction]:
        """Open notifications whose deadline passed before ``on``."""
        return [
            a
            for a in self.open_notifications()
            if a.family_knows.inform_by is not None and a.family_knows.inform_by < on
        ]


def _goal_set(r: FamilyRecord, e: Any) -> None:
    r.goals[e.goal_id] = Goal(
        e.goal_id, e.area, e.words, e.member_id, e.target_on, set_on=e.occurred_on
    )


def _progress(r: FamilyRecord, e: Any) -> None:
    goal = r.goals[e.goal_id]
    r.goals[e.goal_id] = attrs.evolve(
        goal, progress=(*goal.progress, Progress(e.occurred_on, e.note, e.rating))
    )


def _achieved(r: FamilyRecord, e: Any) -> None:
    r.goals[e.goal_id] = attrs.evolve(
        r.goals[e.goal_id],
        status=GoalStatus.ACHIEVED,
        closed_on=e.occurred_on,
        closing_note=e.note,
    )


def _dropped(r: FamilyRecord, e: Any) -> None:
    r.goals[e.goal_id] = attrs.evolve(
        r.goals[e.goal_id],
        status=GoalStatus.DROPPED,
        closed_on=e.occurred_on,
        closing_note=e.reason,
    )


def _step_agreed(r: FamilyRecord, e: Any) -> None:
    r.steps[e.step_id] = PlanStep(
        e.step_id, e.description, e.responsible, e.due_on, e.goal_id,
        agreed_on=e.occurred_on,
    )  # fmt: skip


def _step_completed(r: FamilyRecord, e: Any) -> None:
    r.steps[e.step_id] = attrs.evolve(
        r.steps[e.step_id],
        status=StepStatus.COMPLETED,
        completed_on=e.occurred_on,
        completion_note=e.note,
    )


def _sector_plan(r: FamilyRecord, e: Any) -> None:
    r.sector_plans[e.sector_plan_id] = SectorPlanLink(
        e.sector_plan_id, e.kind, e.agency, e.reference, e.member_id, e.title
    )


def _meeting(r: FamilyRecord, e: Any) -> None:
    r.meetings[e.meeting_id] = Meeting(
        e.meeting_id, e.participants, e.members_present, e.agencies_present,
        e.decisions, held_on=e.occurred_on,
    )  # fmt: skip


def _contacted(r: FamilyRecord, e: Any) -> None:
    r.outward_actions[e.action_id] = OutwardAction(
        e.action_id, e.kind, e.agency, e.topics, e.member_ids, e.purpose, e.channel,
        e.consent_ids, e.family_knows, e.occurred_on,
    )  # fmt: skip


def _legal_duty(r: FamilyRecord, e: Any) -> None:
    r.outward_actions[e.action_id] = OutwardAction(
        e.action_id, e.kind, e.agency, e.topics, e.member_ids, e.purpose, e.channel,
        (), e.family_knows, e.occurred_on, legal_basis=e.legal_basis,
    )  # fmt: skip


def _informed(r: FamilyRecord, e: Any) -> None:
    r.outward_actions[e.action_id] = attrs.evolve(
        r.outward_actions[e.action_id], informed_on=e.occurred_on
    )


def _survey(r: FamilyRecord, e: Any) -> None:
    r.surveys[e.survey.survey_id] = CompletedSurvey(e.occurred_on, e.survey)


def _team_joined(r: FamilyRecord, e: Any) -> None:
    r.team_members[e.team_member_id] = TeamMembership(
        e.team_member_id, e.agency, e.person, e.role, e.may_decide, e.topics,
        e.member_ids, e.occurred_on,
    )  # fmt: skip


def _investment_meeting(r: FamilyRecord, e: Any) -> None:
    r.investment_meetings[e.meeting_id] = InvestmentMeeting(
        e.meeting_id, e.team_present, e.members_present, e.decisions, e.occurred_on
    )


def _investment(r: FamilyRecord, e: Any) -> None:
    r.investments[e.investment_id] = Investment(
        e.investment_id, e.team_member_id, e.kind, e.amount, e.what, e.occurred_on
    )


def _gain(r: FamilyRecord, e: Any) -> None:
    r.gains[e.gain_id] = Gain(
        e.gain_id, e.member_id, e.kind, e.note, e.yearly_value, e.occurred_on
    )


def _as_the_family(r: FamilyRecord, e: Any) -> None:
    # The family, its members, coordinators and consents: the aggregate's own
    # events change them the same way (see FamilyCore).
    e.apply(r)


_RECORDS: dict[type[Family.Event], Callable[[FamilyRecord, Any], None]] = interpreted(
    Interpretation.RECORD,
    {
        Family.Enrolled: _as_the_family,
        Family.MemberAdded: _as_the_family,
        Family.MemberLeft: _as_the_family,
        Family.CoordinatorAssigned: _as_the_family,
        Family.CaseloadExceeded: _as_the_family,
        Family.ConsentGranted: _as_the_family,
        Family.ConsentRefused: _as_the_family,
        Family.ConsentWithdrawn: _as_the_family,
        Family.GoalSet: _goal_set,
        Family.GoalProgressRecorded: _progress,
        Family.GoalAchieved: _achieved,
        Family.GoalDropped: _dropped,
        Family.StepAgreed: _step_agreed,
        Family.StepCompleted: _step_completed,
        Family.SectorPlanLinked: _sector_plan,
        Family.MeetingHeld: _meeting,
        Family.AgencyContacted: _contacted,
        Family.ActedUnderLegalDuty: _legal_duty,
        Family.FamilyInformed: _informed,
        Family.SurveyCompleted: _survey,
        Family.TeamMemberJoined: _team_joined,
        Family.InvestmentMeetingHeld: _investment_meeting,
        Family.InvestmentCommitted: _investment,
        Family.GainRecorded: _gain,
        Family.FollowUpExtended: _as_the_family,
        Family.FollowUpEnded: _as_the_family,
        Family.ResearchConsentGiven: _as_the_family,
        Family.ResearchConsentWithdrawn: _as_the_family,
    },
)
"""How each event changes the record: as it changes the aggregate, or otherwise."""
