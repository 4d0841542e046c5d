"""The family's plan (*Familiens plan*): goals, agreed steps, sector plans, meetings."""

from __future__ import annotations

import enum
from datetime import date

import attrs

from familiekoordinering.domain.values import (
    Agency,
    GoalId,
    MeetingId,
    MemberId,
    PersonalText,
    SectorPlanId,
    StepId,
    Topic,
)

__all__ = [
    "Goal",
    "GoalStatus",
    "Meeting",
    "PlanStep",
    "Progress",
    "Responsible",
    "ResponsibleKind",
    "SectorPlanKind",
    "SectorPlanLink",
    "StepStatus",
]


class GoalStatus(enum.StrEnum):
    """Where a goal stands."""

    ACTIVE = "active"
    ACHIEVED = "achieved"
    DROPPED = "dropped"


@attrs.frozen
class Progress:
    """A note of progress on a goal, optionally with the family's own 0–10 rating."""

    on: date
    note: PersonalText
    rating: int | None = None


@attrs.frozen
class Goal:
    """A goal in the family's own words, for one member or the whole family.

    ``member_id`` is ``None`` for a goal of the whole family. The status and the
    progress notes are kept by the aggregate; the goal as set never changes.
    """

    goal_id: GoalId
    area: Topic
    words: PersonalText
    member_id: MemberId | None = None
    target_on: date | None = None
    set_on: date | None = None
    status: GoalStatus = GoalStatus.ACTIVE
    progress: tuple[Progress, ...] = ()
    closed_on: date | None = None
    closing_note: PersonalText | None = None


class ResponsibleKind(enum.StrEnum):
    """Who carries out a step of the plan."""

    FAMILY = "family"
    COORDINATOR = "coordinator"
    AGENCY = "agency"


@attrs.frozen
class Responsible:
    """Who does a step: the family (optionally one member), the coordinator or an agency."""

    kind: ResponsibleKind
    member_id: MemberId | None = None
    agency: Agency | None = None


class StepStatus(enum.StrEnum):
    """Where a step stands."""

    AGREED = "agreed"
    COMPLETED = "completed"


@attrs.frozen
class PlanStep:
    """A step agreed in the plan: who does what by when, optionally towards a goal."""

    step_id: StepId
    description: PersonalText
    responsible: Responsible
    due_on: date | None = None
    goal_id: GoalId | None = None
    agreed_on: date | None = None
    status: StepStatus = StepStatus.AGREED
    completed_on: date | None = None
    completion_note: PersonalText | None = None


class SectorPlanKind(enum.StrEnum):
    """The external plans a family plan gathers into one."""

    NAV_ACTIVITY_PLAN = "nav_activity_plan"
    TREATMENT_PLAN = "treatment_plan"
    INDIVIDUAL_PLAN = "individual_plan"
    EDUCATION_PLAN = "education_plan"
    CHILD_WELFARE_PLAN = "child_welfare_plan"
    OTHER = "other"


@attrs.frozen
class SectorPlanLink:
    """A reference to a plan kept by an agency (the plan itself stays there)."""

    sector_plan_id: SectorPlanId
    kind: SectorPlanKind
    agency: Agency
    reference: PersonalText
    member_id: MemberId | None = None
    title: PersonalText | None = None


@attrs.frozen
class Meeting:
    """A meeting held with or about the family, and what it decided."""

    meeting_id: MeetingId
    participants: tuple[PersonalText, ...]
    members_present: frozenset[MemberId]
    agencies_present: tuple[Agency, ...] = ()
    decisions: tuple[PersonalText, ...] = ()
    held_on: date | None = None
