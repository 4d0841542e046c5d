"""Asker's investment model: the team around the citizen, its meetings, investments and gains.

Asker velferdslab treats welfare as an investment. Every actor that can help
(public, voluntary, private) sits in the family's *investeringsteam*; its
members have authority to decide, so decisions are quick; the citizen takes
part in the team and in every *investeringsmøte* ("no decision about me
without me"); one person from the municipality, the *investeringsleder* (the
family's coordinator in this library), follows what each actor put in and
the *gevinster* that came of it over time.

The values here are checked where they are built; the rules that need the
family's state are pure functions (:func:`check_meeting`), which the
:class:`~familiekoordinering.domain.family.Family` handlers call with what
the family knows. Joining the team shares the family's information with the
member's agency, so it needs the family's consent as any sharing does.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date
from uuid import UUID

import attrs

from familiekoordinering.domain import validation as v
from familiekoordinering.domain.values import (
    Agency,
    Member,
    MemberId,
    MemberKind,
    PersonalText,
    TeamMemberId,
    Topic,
)
from familiekoordinering.errors import InvalidInputError, RuleViolationError

__all__ = [
    "Gain",
    "GainKind",
    "Investment",
    "InvestmentDecision",
    "InvestmentKind",
    "InvestmentMeeting",
    "TeamMember",
    "TeamMembership",
    "check_meeting",
]


class InvestmentKind(enum.StrEnum):
    """What an actor puts into the investment; ``amount`` is counted in its unit."""

    MONEY = "money"
    """Kroner (whole units of the local currency)."""
    STAFF_HOURS = "staff_hours"
    """Hours of an actor's staff."""
    PLACE = "place"
    """Places in a service, a course, a work trial or a job."""
    HOUSING = "housing"
    """Homes provided or secured."""


class GainKind(enum.StrEnum):
    """What changed for the citizen: the gains the investment leader follows."""

    WORK = "work"
    """Into work (from benefits or inactivity)."""
    EDUCATION = "education"
    """Into education or training, or completed it."""
    STABLE_HOUSING = "stable_housing"
    """A stable home."""
    HEALTH = "health"
    """Better health, or treatment in place."""
    FEWER_BENEFITS = "fewer_benefits"
    """Less, or no more, need for benefits."""


@attrs.frozen
class TeamMember:
    """A member of the family's investment team, as the family knows it.

    ``topics`` and ``member_ids`` are what the family agreed the member may
    know about: each meeting they sit in shares that again, so the family's
    consents must still cover it on the meeting's day.
    """

    agency: Agency
    may_decide: bool
    joined_on: date
    topics: frozenset[Topic] = frozenset()
    member_ids: frozenset[MemberId] = frozenset()


@attrs.frozen(kw_only=True)
class InvestmentDecision:
    """A decision taken in an investment meeting.

    ``what`` was decided by ``decided_by`` (a team member present with authority
    to decide) under ``authority`` (the mandate or the law it rests on), about
    ``member_ids``; ``carried_out_by`` (a team member) carries it out by
    ``due_on``.
    """

    what: PersonalText = attrs.field(validator=v.free_text("decision.what"))
    decided_by: TeamMemberId = attrs.field(
        validator=v.identifier("decision.decided_by")
    )
    authority: PersonalText = attrs.field(validator=v.free_text("decision.authority"))
    carried_out_by: TeamMemberId = attrs.field(
        validator=v.identifier("decision.carried_out_by")
    )
    due_on: date = attrs.field(validator=v.day("decision.due_on"))
    member_ids: frozenset[MemberId] = attrs.field(
        validator=v.set_of("decision.member_ids", UUID)
    )


def check_meeting(
    *,
    on: date,
    team: Mapping[TeamMemberId, TeamMember],
    team_present: Iterable[TeamMemberId],
    present: Iterable[Member],
    concerned: Mapping[MemberId, Member],
    decisions: Iterable[InvestmentDecision],
) -> None:
    """Refuse an investment meeting that breaks the model's rules.

    * the citizen is present: at least one member of the family, and an
      adult of the family whenever a decision concerns a child;
    * no decision about a member without that member: an adult concerned by
      a decision is present;
    * only team members are present, and at least one of them;
    * each decision is taken by a team member present with authority to
      decide, is carried out by a team member, is due on or after the
      meeting, and concerns at least one member.

    ``present`` are the family's members present, ``concerned`` every member
    the decisions name (both as members on ``on``). Raises
    :class:`RuleViolationError` naming what is missing; checks nothing else.
    """
    present_ids = {m.member_id for m in present}
    team_here = set(team_present)
    if not present_ids:
        raise RuleViolationError(
            "no decision about me without me: an investment meeting is held with the "
            "citizen present; name the family members present (members_present)"
        )
    if not team_here:
        raise RuleViolationError(
            "an investment meeting needs members of the investment team: name them "
            "(team_present)"
        )
    strangers = sorted(str(t) for t in team_here if t not in team)
    if strangers:
        raise RuleViolationError(
            f"{', '.join(strangers)} is not on the family's investment team on "
            f"{on.isoformat()}: add them with join_investment_team first"
        )
    adult_here = any(m.kind is MemberKind.ADULT for m in present)
    for decision in decisions:
        _check_decision(decision, on, team, team_here, present_ids, adult_here,
                        concerned)  # fmt: skip


def _check_decision(
    decision: InvestmentDecision,
    on: date,
    team: Mapping[TeamMemberId, TeamMember],
    team_here: set[TeamMemberId],
    present_ids: set[MemberId],
    adult_here: bool,
    concerned: Mapping[MemberId, Member],
) -> None:
    if not isinstance(decision, InvestmentDecision):
        raise InvalidInputError(
            f"decisions are InvestmentDecision values, not {decision!r:.60}"
        )
    if not decision.member_ids:
        raise InvalidInputError(
            "a decision concerns at least one member of the family: name them "
            "(InvestmentDecision.member_ids)"
        )
    if decision.due_on < on:
        raise InvalidInputError(
            f"a decision of the meeting on {on.isoformat()} cannot be due before it "
            f"({decision.due_on.isoformat()})"
        )
    decider = team.get(decision.decided_by)
    if decider is None or decision.decided_by not in team_here:
        raise RuleViolationError(
            f"a decision is taken by a team member present at the meeting; "
            f"{decision.decided_by} was not"
        )
    if not decider.may_decide:
        raise RuleViolationError(
            f"team member {decision.decided_by} ({decider.agency}) has no authority "
            "to decide: let a member with authority decide, or record it as advice"
        )
    if decision.carried_out_by not in team:
        raise RuleViolationError(
            f"{decision.carried_out_by} is not on the investment team: a decision is "
            "carried out by a team member"
        )
    for member_id in sorted(decision.member_ids):
        member = concerned[member_id]
        if member.kind is MemberKind.ADULT and member_id not in present_ids:
            raise RuleViolationError(
                f"no decision about me without me: {member.name} is not present at "
                "the meeting, and the decision concerns them"
            )
        if member.kind is MemberKind.CHILD and not adult_here:
            raise RuleViolationError(
                "a decision about a child needs an adult of the family present at the "
                "meeting"
            )


@attrs.frozen
class TeamMembership:
    """A member of the investment team, as the family's record keeps them."""

    team_member_id: TeamMemberId
    agency: Agency
    person: str
    role: str
    may_decide: bool
    topics: frozenset[Topic]
    member_ids: frozenset[MemberId]
    joined_on: date


@attrs.frozen
class InvestmentMeeting:
    """An investment meeting, as the family's record keeps it."""

    meeting_id: UUID
    team_present: frozenset[TeamMemberId]
    members_present: frozenset[MemberId]
    decisions: tuple[InvestmentDecision, ...]
    held_on: date


@attrs.frozen
class Investment:
    """What one team member's agency put in, as the family's record keeps it."""

    investment_id: UUID
    team_member_id: TeamMemberId
    kind: InvestmentKind
    amount: int
    what: str
    committed_on: date


@attrs.frozen
class Gain:
    """A gain of the investment, as the family's record keeps it."""

    gain_id: UUID
    member_id: MemberId
    kind: GainKind
    note: str
    yearly_value: int | None
    recorded_on: date
