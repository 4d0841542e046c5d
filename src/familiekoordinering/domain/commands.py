"""Commands as values: what a caller asks of a family, declared once per command.

Each command is a frozen attrs class. Its fields are the command's parameters,
written here once: :class:`~familiekoordinering.FamilyCoordination` builds its
public method from the class (``app.record_contact(family_id, agency=…, …)``
takes exactly these fields as keywords and returns :meth:`Command.result`),
the :class:`~familiekoordinering.domain.family.Family` method that handles it
reads them, and the event it triggers takes them over by name (see
:meth:`Family._record <familiekoordinering.domain.family.Family>`). Adding a
field to a command therefore touches two places: the command here and the
event it records (plus the rule that uses it, if one does).

Every command names the day the thing happened (``occurred_on``) and who
records it (``actor``). A command that creates something carries its id; left
out (or ``None``), a new one is made — ids are random UUIDs (``uuid4``), as
eventsourcing's own aggregates make theirs. Iterables are read once, into
frozen sets or tuples, when the command is built.

The checks that need nothing but the value itself run where the values are
built (:mod:`~familiekoordinering.domain.validation`, and the application's
boundary checks every argument against the annotations below); the rules that
need the family's state run in the family's handler.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID, uuid4

import attrs

from familiekoordinering.domain.actions import Channel, FamilyKnows
from familiekoordinering.domain.consent import (
    ConsentForm,
    ConsentScope,
    OutwardActionKind,
)
from familiekoordinering.domain.core import EndReason
from familiekoordinering.domain.investment import (
    GainKind,
    InvestmentDecision,
    InvestmentKind,
)
from familiekoordinering.domain.plan import Responsible, SectorPlanKind
from familiekoordinering.domain.programme import Eligibility, Programme, ReferralSource
from familiekoordinering.domain.survey import (
    Economy,
    Housing,
    LeisureAnswer,
    SchoolAnswer,
    Survey,
    SurveyKind,
    WellBeingAnswer,
    WorkAnswer,
)
from familiekoordinering.domain.values import (
    Actor,
    Agency,
    ConsentId,
    FamilyId,
    GainId,
    GoalId,
    InvestmentId,
    MeetingId,
    MemberId,
    MemberKind,
    OutwardActionId,
    RefusalId,
    SectorPlanId,
    StepId,
    SurveyId,
    TeamMemberId,
    Topic,
)
from familiekoordinering.errors import InvalidInputError

__all__ = [
    "COMMANDS",
    "AchieveGoal",
    "ActUnderLegalDuty",
    "AddMember",
    "AgreeStep",
    "AssignCoordinator",
    "Command",
    "CommitInvestment",
    "CompleteStep",
    "CompleteSurvey",
    "DropGoal",
    "EndFollowUp",
    "EnrolFamily",
    "ExtendFollowUp",
    "GiveResearchConsent",
    "GrantConsent",
    "HoldInvestmentMeeting",
    "HoldMeeting",
    "JoinInvestmentTeam",
    "LinkSectorPlan",
    "RecordContact",
    "RecordFamilyInformed",
    "RecordGain",
    "RecordGoalProgress",
    "RecordMemberLeft",
    "RefuseConsent",
    "SetGoal",
    "WithdrawConsent",
    "WithdrawResearchConsent",
]

R = TypeVar("R")


def _uuid(value: object) -> UUID:
    if value is None:
        return uuid4()
    if not isinstance(value, UUID):
        raise InvalidInputError(f"ids are UUIDs, not {value!r:.60}")
    return value


# One converter per id type and per kind of collection: mypy's attrs plugin
# types a command's parameters from its converters, and only named, non-generic
# functions keep the element types.
def _family_id(value: UUID | None) -> FamilyId:
    return FamilyId(_uuid(value))


def _member_id(value: UUID | None) -> MemberId:
    return MemberId(_uuid(value))


def _consent_id(value: UUID | None) -> ConsentId:
    return ConsentId(_uuid(value))


def _refusal_id(value: UUID | None) -> RefusalId:
    return RefusalId(_uuid(value))


def _goal_id(value: UUID | None) -> GoalId:
    return GoalId(_uuid(value))


def _step_id(value: UUID | None) -> StepId:
    return StepId(_uuid(value))


def _sector_plan_id(value: UUID | None) -> SectorPlanId:
    return SectorPlanId(_uuid(value))


def _meeting_id(value: UUID | None) -> MeetingId:
    return MeetingId(_uuid(value))


def _action_id(value: UUID | None) -> OutwardActionId:
    return OutwardActionId(_uuid(value))


def _survey_id(value: UUID | None) -> SurveyId:
    return SurveyId(_uuid(value))


def _team_member_id(value: UUID | None) -> TeamMemberId:
    return TeamMemberId(_uuid(value))


def _investment_id(value: UUID | None) -> InvestmentId:
    return InvestmentId(_uuid(value))


def _gain_id(value: UUID | None) -> GainId:
    return GainId(_uuid(value))


def _team(value: Iterable[TeamMemberId]) -> frozenset[TeamMemberId]:
    return frozenset(_items(value, "team member ids"))


def _decisions(value: Iterable[InvestmentDecision]) -> tuple[InvestmentDecision, ...]:
    return tuple(_items(value, "decisions"))


def _items(value: object, what: str) -> Iterable[Any]:
    """``value`` as an iterable of several items; a text, bytes or a mapping is refused."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise InvalidInputError(f"give {what} as a list or a set, not {value!r:.60}")
    return value


def _members(value: Iterable[MemberId]) -> frozenset[MemberId]:
    return frozenset(_items(value, "member ids"))


def _topics(value: Iterable[Topic]) -> frozenset[Topic]:
    return frozenset(_items(value, "topics"))


def _texts(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(_items(value, "texts"))


def _agencies(value: Iterable[Agency]) -> tuple[Agency, ...]:
    return tuple(_items(value, "agencies"))


def _work(value: Iterable[WorkAnswer]) -> tuple[WorkAnswer, ...]:
    return tuple(_items(value, "work answers"))


def _school(value: Iterable[SchoolAnswer]) -> tuple[SchoolAnswer, ...]:
    return tuple(_items(value, "school answers"))


def _leisure(value: Iterable[LeisureAnswer]) -> tuple[LeisureAnswer, ...]:
    return tuple(_items(value, "leisure answers"))


def _well_being(value: Iterable[WellBeingAnswer]) -> tuple[WellBeingAnswer, ...]:
    return tuple(_items(value, "well-being answers"))


@attrs.frozen(kw_only=True)
class Command(Generic[R]):
    """What every command names: the day it happened and who records it.

    ``R`` is what the command returns to the caller (:meth:`result`): the id
    of what it creates, or ``None``.
    """

    occurred_on: date
    actor: Actor

    creates: ClassVar[str | None] = None
    """The field holding the id of what the command creates, if it creates anything."""

    def result(self) -> R:
        """What the command returns once recorded: the id it creates, or None."""
        raise NotImplementedError  # pragma: no cover - every command says


@attrs.frozen(kw_only=True)
class EnrolFamily(Command[FamilyId]):
    """Enrol a family; return its id.

    ``label`` is how the family is named in lists ("Hansen"). The planned end
    follows from the programme's duration. A ``family_id`` already used in the
    store (by any municipality, erased or not) is refused.
    """

    municipality: str
    label: str
    programme: Programme
    referral: ReferralSource
    eligibility: Eligibility
    referral_note: str | None = None
    family_id: FamilyId = attrs.field(default=None, converter=_family_id)

    creates: ClassVar[str | None] = "family_id"

    def result(self) -> FamilyId:
        """The new family's id."""
        return self.family_id


@attrs.frozen(kw_only=True)
class AddMember(Command[MemberId]):
    """Add an adult or a child; return the member's id."""

    name: str
    birth_date: date
    kind: MemberKind
    guardian_ids: frozenset[MemberId] = attrs.field(default=(), converter=_members)
    member_id: MemberId = attrs.field(default=None, converter=_member_id)

    creates: ClassVar[str | None] = "member_id"

    def result(self) -> MemberId:
        """The new member's id."""
        return self.member_id


@attrs.frozen(kw_only=True)
class RecordMemberLeft(Command[None]):
    """Record that a member left the follow-up."""

    member_id: MemberId = attrs.field(kw_only=False)
    note: str | None = None

    def result(self) -> None:
        """Nothing."""


@attrs.frozen(kw_only=True)
class AssignCoordinator(Command[None]):
    """Assign the family's coordinator, or hand it over to another.

    A team lead assigns and hands over; a coordinator may only take on, as
    ``coordinator_id``, a family that has no coordinator yet. Where the
    programme sets a caseload (Brøndby: 25 families), a coordinator who
    already follows that many is refused unless ``over_caseload`` says why
    (and who allowed it); the family's record then shows the override.
    """

    coordinator_id: str
    coordinator_name: str
    note: str | None = None
    over_caseload: str | None = None

    def result(self) -> None:
        """Nothing."""


@attrs.frozen(kw_only=True)
class GrantConsent(Command[ConsentId]):
    """Record a consent the family gave; return its id.

    It is valid from ``valid_from`` (by default the day it was given).
    """

    scope: ConsentScope
    given_by: frozenset[MemberId] = attrs.field(converter=_members)
    form: ConsentForm
    purpose: str
    valid_from: date | None = None
    valid_until: date | None = None
    consent_id: ConsentId = attrs.field(default=None, converter=_consent_id)

    creates: ClassVar[str | None] = "consent_id"

    def result(self) -> ConsentId:
        """The new consent's id."""
        return self.consent_id


@attrs.frozen(kw_only=True)
class RefuseConsent(Command[RefusalId]):
    """Record that the family refused a consent; return the refusal's id."""

    scope: ConsentScope
    refused_by: frozenset[MemberId] = attrs.field(converter=_members)
    note: str | None = None
    refusal_id: RefusalId = attrs.field(default=None, converter=_refusal_id)

    creates: ClassVar[str | None] = "refusal_id"

    def result(self) -> RefusalId:
        """The new refusal's id."""
        return self.refusal_id


@attrs.frozen(kw_only=True)
class GiveResearchConsent(Command[None]):
    """Record that a member's answers may be used, pseudonymised, in research.

    Research consent is its own purpose, apart from consents to contact
    agencies; only members with it appear in the research export. The member
    consents for themselves (an adult, or a child from the adult age); for a
    younger child, a guardian does.
    """

    member_id: MemberId = attrs.field(kw_only=False)
    given_by: frozenset[MemberId] = attrs.field(converter=_members)

    def result(self) -> None:
        """Nothing."""


@attrs.frozen(kw_only=True)
class WithdrawResearchConsent(Command[None]):
    """Withdraw a member's research consent: later research exports leave them out."""

    member_id: MemberId = attrs.field(kw_only=False)
    withdrawn_by: frozenset[MemberId] = attrs.field(converter=_members)

    def result(self) -> None:
        """Nothing."""


@attrs.frozen(kw_only=True)
class WithdrawConsent(Command[None]):
    """Withdraw a consent from ``occurred_on``; what happened before stays."""

    consent_id: ConsentId = attrs.field(kw_only=False)
    withdrawn_by: frozenset[MemberId] = attrs.field(converter=_members)
    reason: str | None = None

    def result(self) -> None:
        """Nothing."""


@attrs.frozen(kw_only=True)
class SetGoal(Command[GoalId]):
    """Set a goal in the family's own words; return its id.

    For a member, or for the whole family when ``member_id`` is None.
    """

    area: Topic
    words: str
    member_id: MemberId | None = None
    target_on: date | None = None
    goal_id: GoalId = attrs.field(default=None, converter=_goal_id)

    creates: ClassVar[str | None] = "goal_id"

    def result(self) -> GoalId:
        """The new goal's id."""
        return self.goal_id


@attrs.frozen(kw_only=True)
class RecordGoalProgress(Command[None]):
    """Note progress on an active goal, with the family's 0–10 rating if given."""

    goal_id: GoalId = attrs.field(kw_only=False)
    note: str
    rating: int | None = None

    def result(self) -> None:
        """Nothing."""


@attrs.frozen(kw_only=True)
class AchieveGoal(Command[None]):
    """Mark an active goal achieved."""

    goal_id: GoalId = attrs.field(kw_only=False)
    note: str | None = None

    def result(self) -> None:
        """Nothing."""


@attrs.frozen(kw_only=True)
class DropGoal(Command[None]):
    """Drop an active goal."""

    goal_id: GoalId = attrs.field(kw_only=False)
    reason: str | None = None

    def result(self) -> None:
        """Nothing."""


@attrs.frozen(kw_only=True)
class AgreeStep(Command[StepId]):
    """Agree a step of the plan: who does what, by when, towards which goal; return its id."""

    description: str
    responsible: Responsible
    due_on: date | None = None
    goal_id: GoalId | None = None
    step_id: StepId = attrs.field(default=None, converter=_step_id)

    creates: ClassVar[str | None] = "step_id"

    def result(self) -> StepId:
        """The new step's id."""
        return self.step_id


@attrs.frozen(kw_only=True)
class CompleteStep(Command[None]):
    """Mark an agreed step completed."""

    step_id: StepId = attrs.field(kw_only=False)
    note: str | None = None

    def result(self) -> None:
        """Nothing."""


@attrs.frozen(kw_only=True)
class LinkSectorPlan(Command[SectorPlanId]):
    """Link an agency's own plan to the family plan; return the link's id."""

    kind: SectorPlanKind
    agency: Agency
    reference: str
    member_id: MemberId | None = None
    title: str | None = None
    sector_plan_id: SectorPlanId = attrs.field(default=None, converter=_sector_plan_id)

    creates: ClassVar[str | None] = "sector_plan_id"

    def result(self) -> SectorPlanId:
        """The new link's id."""
        return self.sector_plan_id


@attrs.frozen(kw_only=True)
class HoldMeeting(Command[MeetingId]):
    """Record a meeting; return its id.

    Who took part, which members and agencies were present, what was decided.
    """

    participants: tuple[str, ...] = attrs.field(converter=_texts)
    members_present: frozenset[MemberId] = attrs.field(converter=_members)
    agencies_present: tuple[Agency, ...] = attrs.field(default=(), converter=_agencies)
    decisions: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    meeting_id: MeetingId = attrs.field(default=None, converter=_meeting_id)

    creates: ClassVar[str | None] = "meeting_id"

    def result(self) -> MeetingId:
        """The new meeting's id."""
        return self.meeting_id


@attrs.frozen(kw_only=True)
class RecordContact(Command[OutwardActionId]):
    """Record an outward action (contact, information shared, referral); return its id.

    Refused with :class:`~familiekoordinering.errors.ConsentRequiredError`,
    storing nothing, unless the family's consents cover the agency, every
    topic and every member on ``occurred_on``. Stored as the event
    ``AgencyContacted``; the family's record shows it as an ``OutwardAction``.
    """

    agency: Agency
    topics: frozenset[Topic] = attrs.field(converter=_topics)
    member_ids: frozenset[MemberId] = attrs.field(converter=_members)
    purpose: str
    channel: Channel
    family_knows: FamilyKnows
    kind: OutwardActionKind = OutwardActionKind.CONTACT
    action_id: OutwardActionId = attrs.field(default=None, converter=_action_id)

    creates: ClassVar[str | None] = "action_id"

    def result(self) -> OutwardActionId:
        """The new action's id."""
        return self.action_id


@attrs.frozen(kw_only=True)
class ActUnderLegalDuty(Command[OutwardActionId]):
    """Record an action the law required without consent, citing ``legal_basis``; return its id.

    The only way to act without consent: there is no override flag on
    :class:`RecordContact`. ``legal_basis`` cites the law ("barnevernsloven
    § 13-2"); the family must still know (present, agreed beforehand, or told
    afterwards), is always shown it, and the audit always lists it.
    """

    agency: Agency
    topics: frozenset[Topic] = attrs.field(converter=_topics)
    member_ids: frozenset[MemberId] = attrs.field(converter=_members)
    purpose: str
    channel: Channel
    legal_basis: str
    family_knows: FamilyKnows
    kind: OutwardActionKind = OutwardActionKind.SHARE_INFORMATION
    action_id: OutwardActionId = attrs.field(default=None, converter=_action_id)

    creates: ClassVar[str | None] = "action_id"

    def result(self) -> OutwardActionId:
        """The new action's id."""
        return self.action_id


@attrs.frozen(kw_only=True)
class RecordFamilyInformed(Command[None]):
    """Record that the family was told afterwards of an action marked "inform afterwards"."""

    action_id: OutwardActionId = attrs.field(kw_only=False)
    channel: Channel
    note: str | None = None

    def result(self) -> None:
        """Nothing."""


@attrs.frozen(kw_only=True)
class CompleteSurvey(Command[SurveyId]):
    """Record a completed survey (only one baseline per family); return its id."""

    kind: SurveyKind
    housing: Housing
    economy: Economy
    work: tuple[WorkAnswer, ...] = attrs.field(default=(), converter=_work)
    school: tuple[SchoolAnswer, ...] = attrs.field(default=(), converter=_school)
    leisure: tuple[LeisureAnswer, ...] = attrs.field(default=(), converter=_leisure)
    well_being: tuple[WellBeingAnswer, ...] = attrs.field(
        default=(), converter=_well_being
    )
    note: str | None = None
    survey_id: SurveyId = attrs.field(default=None, converter=_survey_id)

    creates: ClassVar[str | None] = "survey_id"

    def survey(self) -> Survey:
        """The survey's answers as the value the event stores (checked when built)."""
        return Survey(
            **{field.name: getattr(self, field.name) for field in attrs.fields(Survey)}
        )

    def result(self) -> SurveyId:
        """The new survey's id."""
        return self.survey_id


@attrs.frozen(kw_only=True)
class ExtendFollowUp(Command[None]):
    """Extend the follow-up beyond its planned end, until ``until``.

    Nothing may be recorded after the programme's planned end (Brøndby's one
    year is "a starting point", Nye mønstre's five years a frame) unless the
    follow-up was extended: who decided (``decided_by``, e.g. "Team lead Kari
    Nilsen"), why (``reason``) and until when. ``until`` must be after the
    current planned end; an extension may be recorded after that end has
    passed.
    """

    until: date
    reason: str
    decided_by: str

    def result(self) -> None:
        """Nothing."""


@attrs.frozen(kw_only=True)
class EndFollowUp(Command[None]):
    """End the family's follow-up."""

    reason: EndReason
    note: str | None = None

    def result(self) -> None:
        """Nothing."""


@attrs.frozen(kw_only=True)
class JoinInvestmentTeam(Command[TeamMemberId]):
    """Add an actor to the family's investment team; return the team member's id.

    ``person`` is who sits in the team for ``agency`` (public, voluntary or
    private), ``role`` what they bring, ``may_decide`` whether they have
    authority to decide for their agency. The team shares the family's
    information on ``topics`` about ``member_ids`` with the agency, so the
    family's consents must cover that sharing on ``occurred_on``.
    """

    agency: Agency
    person: str
    role: str
    may_decide: bool
    topics: frozenset[Topic] = attrs.field(converter=_topics)
    member_ids: frozenset[MemberId] = attrs.field(converter=_members)
    team_member_id: TeamMemberId = attrs.field(default=None, converter=_team_member_id)

    creates: ClassVar[str | None] = "team_member_id"

    def result(self) -> TeamMemberId:
        """The new team member's id."""
        return self.team_member_id


@attrs.frozen(kw_only=True)
class HoldInvestmentMeeting(Command[MeetingId]):
    """Record an investment meeting and its decisions; return the meeting's id.

    The citizen is present at every meeting: a meeting without a family
    member present, or with a decision about an adult who is not there, is
    refused (see :func:`~familiekoordinering.domain.investment.check_meeting`).
    """

    team_present: frozenset[TeamMemberId] = attrs.field(converter=_team)
    members_present: frozenset[MemberId] = attrs.field(converter=_members)
    decisions: tuple[InvestmentDecision, ...] = attrs.field(
        default=(), converter=_decisions
    )
    meeting_id: MeetingId = attrs.field(default=None, converter=_meeting_id)

    creates: ClassVar[str | None] = "meeting_id"

    def result(self) -> MeetingId:
        """The new meeting's id."""
        return self.meeting_id


@attrs.frozen(kw_only=True)
class CommitInvestment(Command[InvestmentId]):
    """Record what one team member's agency puts in; return the investment's id.

    ``amount`` counts ``kind``'s unit (kroner, staff hours, places, homes);
    ``what`` says what it is ("arbeidstrening, tre måneder").
    """

    team_member_id: TeamMemberId
    kind: InvestmentKind
    amount: int
    what: str
    investment_id: InvestmentId = attrs.field(default=None, converter=_investment_id)

    creates: ClassVar[str | None] = "investment_id"

    def result(self) -> InvestmentId:
        """The new investment's id."""
        return self.investment_id


@attrs.frozen(kw_only=True)
class RecordGain(Command[GainId]):
    """Record a gain for a member (into work, a stable home, …); return its id.

    ``yearly_value``, if known, is the estimated yearly gain in kroner (for
    example benefits no longer paid); ``note`` says what changed.
    """

    member_id: MemberId
    kind: GainKind
    note: str
    yearly_value: int | None = None
    gain_id: GainId = attrs.field(default=None, converter=_gain_id)

    creates: ClassVar[str | None] = "gain_id"

    def result(self) -> GainId:
        """The new gain's id."""
        return self.gain_id


COMMANDS: tuple[type[Command[Any]], ...] = (
    EnrolFamily,
    AddMember,
    RecordMemberLeft,
    AssignCoordinator,
    GrantConsent,
    RefuseConsent,
    GiveResearchConsent,
    WithdrawResearchConsent,
    WithdrawConsent,
    SetGoal,
    RecordGoalProgress,
    AchieveGoal,
    DropGoal,
    AgreeStep,
    CompleteStep,
    LinkSectorPlan,
    HoldMeeting,
    RecordContact,
    ActUnderLegalDuty,
    RecordFamilyInformed,
    CompleteSurvey,
    JoinInvestmentTeam,
    HoldInvestmentMeeting,
    CommitInvestment,
    RecordGain,
    ExtendFollowUp,
    EndFollowUp,
)
"""Every command, in the order the application lists them."""
