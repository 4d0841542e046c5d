"""The family's plan (*Familiens plan*): goals, agreed steps, sector plans, meetings."""

from __future__ import annotations

import enum
from datetime import date
from uuid import UUID

import attrs

from familiekoordinering.domain import validation as v
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
from familiekoordinering.errors import InvalidInputError

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

    on: date = attrs.field(validator=v.day("progress.on"))
    note: PersonalText = attrs.field(validator=v.free_text("progress.note"))
    rating: int | None = attrs.field(
        default=None, validator=v.whole_number("progress.rating", 0, 10, optional=True)
    )


@attrs.frozen
class Goal:
    """A goal in the family's own words, for one member or the whole family.

    ``member_id`` is ``None`` for a goal of the whole family. The status and the
    progress notes are kept by the aggregate; the goal as set never changes.
    """

    goal_id: GoalId = attrs.field(validator=v.identifier("goal.goal_id"))
    area: Topic = attrs.field(validator=v.choice("goal.area", Topic))
    words: PersonalText = attrs.field(validator=v.free_text("goal.words"))
    member_id: MemberId | None = attrs.field(
        default=None, validator=v.identifier("goal.member_id", optional=True)
    )
    target_on: date | None = attrs.field(
        default=None, validator=v.day("goal.target_on", optional=True)
    )
    set_on: date | None = attrs.field(
        default=None, validator=v.day("goal.set_on", optional=True)
    )
    status: GoalStatus = attrs.field(
        default=GoalStatus.ACTIVE, validator=v.choice("goal.status", GoalStatus)
    )
    progress: tuple[Progress, ...] = attrs.field(
        default=(), validator=v.tuple_of("goal.progress", Progress)
    )
    closed_on: date | None = attrs.field(
        default=None, validator=v.day("goal.closed_on", optional=True)
    )
    closing_note: PersonalText | None = attrs.field(
        default=None, validator=v.free_text("goal.closing_note", required=False)
    )


class ResponsibleKind(enum.StrEnum):
    """Who carries out a step of the plan."""

    FAMILY = "family"
    COORDINATOR = "coordinator"
    AGENCY = "agency"


@attrs.frozen
class Responsible:
    """Who does a step: the family (optionally one member), the coordinator or an agency.

    Only a step for an agency names the agency (and must), and only a step for
    the family may name a member.
    """

    kind: ResponsibleKind = attrs.field(
        validator=v.choice("responsible.kind", ResponsibleKind)
    )
    member_id: MemberId | None = attrs.field(
        default=None, validator=v.identifier("responsible.member_id", optional=True)
    )
    agency: Agency | None = attrs.field(
        default=None,
        validator=[
            v.instance_of("responsible.agency", Agency, optional=True),
            v.whole_value(lambda r: _check_responsible(r)),
        ],
    )


def _check_responsible(responsible: Responsible) -> None:
    """Refuse a responsible whose agency or member does not fit its kind."""
    if responsible.kind is ResponsibleKind.AGENCY:
        if responsible.agency is None:
            raise InvalidInputError(
                "a step for an agency must name the agency: give "
                "Responsible(ResponsibleKind.AGENCY, agency=Agency(…))"
            )
    elif responsible.agency is not None:
        raise InvalidInputError(
            "only a step for an agency names an agency: set kind to AGENCY"
        )
    if responsible.member_id is not None and responsible.kind is not (
        ResponsibleKind.FAMILY
    ):
        raise InvalidInputError(
            "only a step for the family names a member: set kind to FAMILY"
        )


class StepStatus(enum.StrEnum):
    """Where a step stands."""

    AGREED = "agreed"
    COMPLETED = "completed"


@attrs.frozen
class PlanStep:
    """A step agreed in the plan: who does what by when, optionally towards a goal."""

    step_id: StepId = attrs.field(validator=v.identifier("step.step_id"))
    description: PersonalText = attrs.field(validator=v.free_text("step.description"))
    responsible: Responsible = attrs.field(
        validator=v.instance_of("step.responsible", Responsible)
    )
    due_on: date | None = attrs.field(
        default=None, validator=v.day("step.due_on", optional=True)
    )
    goal_id: GoalId | None = attrs.field(
        default=None, validator=v.identifier("step.goal_id", optional=True)
    )
    agreed_on: date | None = attrs.field(
        default=None, validator=v.day("step.agreed_on", optional=True)
    )
    status: StepStatus = attrs.field(
        default=StepStatus.AGREED, validator=v.choice("step.status", StepStatus)
    )
    completed_on: date | None = attrs.field(
        default=None, validator=v.day("step.completed_on", optional=True)
    )
    completion_note: PersonalText | None = attrs.field(
        default=None, validator=v.free_text("step.completion_note", required=False)
    )


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

    sector_plan_id: SectorPlanId = attrs.field(
        validator=v.identifier("sector_plan.sector_plan_id")
    )
    kind: SectorPlanKind = attrs.field(
        validator=v.choice("sector_plan.kind", SectorPlanKind)
    )
    agency: Agency = attrs.field(validator=v.instance_of("sector_plan.agency", Agency))
    reference: PersonalText = attrs.field(validator=v.label("sector_plan.reference"))
    member_id: MemberId | None = attrs.field(
        default=None, validator=v.identifier("sector_plan.member_id", optional=True)
    )
    title: PersonalText | None = attrs.field(
        default=None, validator=v.label("sector_plan.title", required=False)
    )


@attrs.frozen
class Meeting:
    """A meeting held with or about the family, and what it decided."""

    meeting_id: MeetingId = attrs.field(validator=v.identifier("meeting.meeting_id"))
    participants: tuple[PersonalText, ...] = attrs.field(
        validator=v.tuple_of("meeting.participants", each=v.check_label)
    )
    members_present: frozenset[MemberId] = attrs.field(
        validator=v.set_of("meeting.members_present", UUID)
    )
    agencies_present: tuple[Agency, ...] = attrs.field(
        default=(), validator=v.tuple_of("meeting.agencies_present", Agency)
    )
    decisions: tuple[PersonalText, ...] = attrs.field(
        default=(), validator=v.tuple_of("meeting.decisions", each=v.check_free_text)
    )
    held_on: date | None = attrs.field(
        default=None, validator=v.day("meeting.held_on", optional=True)
    )
