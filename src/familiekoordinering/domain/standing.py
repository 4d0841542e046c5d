"""What the ``Family`` aggregate keeps of its plan and its actions: enough to decide.

The aggregate is the consistency boundary: it keeps what its rules decide
with, and no more, so that loading a five-year family (from its snapshot and
the events after it) stays fast however long its record grows. The record
itself (the goals' words and progress notes, the steps' descriptions, the
meetings, every contact's purpose) is read from the events: see
:class:`~familiekoordinering.domain.record.FamilyRecord`.
"""

from __future__ import annotations

from datetime import date

import attrs

from familiekoordinering.domain.consent import OutwardActionKind, ProposedAction
from familiekoordinering.domain.plan import GoalStatus
from familiekoordinering.domain.values import Agency, MemberId, Topic

__all__ = ["ActionsTaken", "GoalStanding", "StepStanding"]


@attrs.frozen
class GoalStanding:
    """Where a goal stands: active, or achieved or dropped on a day."""

    status: GoalStatus
    """Active, achieved or dropped."""
    set_on: date
    """The day the goal was set."""
    closed_on: date | None = None
    """The day it was achieved or dropped; ``None`` while active."""


@attrs.frozen
class StepStanding:
    """Where an agreed step stands: open, or completed on a day."""

    agreed_on: date
    """The day the step was agreed."""
    completed_on: date | None = None
    """The day it was completed; ``None`` while open."""


@attrs.frozen
class ActionsTaken:
    """The days on which one kind of consented action was taken.

    Consented outward actions with the same kind, agency, topics and members
    are kept together, by their days: what a later "no" (a withdrawal, a
    refusal, an excluded topic) is checked against, so that it never takes
    away the consent for an action already recorded.
    """

    kind: OutwardActionKind
    """What was done (contact, share information, refer)."""
    agency: Agency
    """Towards which agency."""
    topics: frozenset[Topic]
    """About which topics."""
    member_ids: frozenset[MemberId]
    """Concerning which members."""
    days: tuple[date, ...]
    """The days such an action was taken, in recording order."""

    def on(self, day: date) -> ProposedAction:
        """The action as taken on ``day``, for the consent decision."""
        return ProposedAction(self.kind, self.agency, self.topics, self.member_ids, day)
