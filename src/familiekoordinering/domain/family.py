"""The ``Family`` aggregate: everything done with one family, as events.

Command methods check their input against the family's state and the rules,
then trigger one past-tense event; each event's ``apply`` changes the state and
nothing else, so replaying the events always gives the same family.

Every event carries ``occurred_on`` (when it happened, given by the caller),
``actor`` (who recorded it) and ``timestamp`` (when it was recorded, given by the
application layer's clock). Each event class has an explicit, permanent
``TOPIC``: the stored name of the event does not depend on this module's path.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, TypeVar

import attrs
from eventsourcing.domain import Aggregate

from familiekoordinering.domain import period, rules
from familiekoordinering.domain import validation as v
from familiekoordinering.domain.actions import (
    Channel,
    FamilyKnows,
    KnowledgeKind,
)
from familiekoordinering.domain.capacity import entitled, research_say, say_of
from familiekoordinering.domain.commands import (
    AchieveGoal,
    ActUnderLegalDuty,
    AddMember,
    AgreeStep,
    AssignCoordinator,
    Command,
    CommitInvestment,
    CompleteStep,
    CompleteSurvey,
    DropGoal,
    EndFollowUp,
    EnrolFamily,
    ExtendFollowUp,
    GiveResearchConsent,
    GrantConsent,
    HoldInvestmentMeeting,
    HoldMeeting,
    JoinInvestmentTeam,
    LinkSectorPlan,
    RecordContact,
    RecordFamilyInformed,
    RecordGain,
    RecordGoalProgress,
    RecordMemberLeft,
    RefuseConsent,
    SetGoal,
    WithdrawConsent,
    WithdrawResearchConsent,
)
from familiekoordinering.domain.consent import (
    Consent,
    ConsentForm,
    ConsentRefusal,
    ConsentScope,
    ConsentWithdrawal,
    Decision,
    OutwardActionKind,
    decide,
)
from familiekoordinering.domain.core import (
    CompletedSurvey,
    CoordinatorAssignment,
    EndReason,
    FamilyCore,
    FollowUpEnd,
)
from familiekoordinering.domain.investment import (
    GainKind,
    InvestmentDecision,
    InvestmentKind,
    TeamMember,
    check_meeting,
)
from familiekoordinering.domain.plan import (
    GoalStatus,
    Responsible,
    ResponsibleKind,
    SectorPlanKind,
)
from familiekoordinering.domain.programme import (
    Eligibility,
    Programme,
    ReferralSource,
)
from familiekoordinering.domain.standing import ActionsTaken, GoalStanding, StepStanding
from familiekoordinering.domain.survey import Survey, SurveyKind
from familiekoordinering.domain.values import (
    Actor,
    Agency,
    AgencyKind,
    ConsentId,
    GainId,
    GoalId,
    InvestmentId,
    MeetingId,
    Member,
    MemberId,
    MemberKind,
    Municipality,
    OutwardActionId,
    PersonalDate,
    PersonalText,
    RefusalId,
    SectorPlanId,
    StepId,
    SurveyId,
    TeamMemberId,
    Topic,
)
from familiekoordinering.errors import (
    ConsentRequiredError,
    InvalidInputError,
    NotFoundError,
    RuleViolationError,
)

__all__ = [
    "CLOSING",
    "RIGHTS_AFTER_THE_END",
    "CompletedSurvey",
    "CoordinatorAssignment",
    "EndReason",
    "Family",
    "FollowUpEnd",
]

_TOPIC = "familiekoordinering:Family"  # the prefix of every event topic


C = TypeVar("C", bound="Command[Any]")
_H = TypeVar("_H", bound=Callable[..., object])
_HANDLERS: dict[type[Command[Any]], Callable[..., object]] = {}
"""Each command class's handler: a command method of :class:`Family`."""


def _handles(command_type: type[C]) -> Callable[[_H], _H]:
    """Mark a :class:`Family` method as the handler of ``command_type``."""

    def mark(method: _H) -> _H:
        if command_type in _HANDLERS:
            raise TypeError(f"{command_type.__name__} has two handlers")
        _HANDLERS[command_type] = method
        return method

    return mark


def _fields(
    command: Command[Any], *, leave_out: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A command's fields by name (those the event it records takes over)."""
    return {
        field.name: getattr(command, field.name)
        for field in attrs.fields(type(command))
        if field.name not in leave_out
    }


class Family(FamilyCore, Aggregate):
    """A participating family (*deltakerfamilie*): what its rules decide with.

    Create one with :meth:`enrol`; change it only through its command methods.
    The attributes below are the current state, derived from the events: the
    family, its members, coordinators and consents in full, and of its plan
    and outward actions only where each stands (see
    :mod:`~familiekoordinering.domain.standing`). The whole record, every
    goal's words and every contact's purpose included, is the events, read as
    a :class:`~familiekoordinering.domain.record.FamilyRecord`.
    """

    TOPIC = "familiekoordinering:Family"
    """The aggregate's permanent stored topic (independent of the module path)."""
    class_version = 5
    """Version 5 counts the extensions in ``latest_on`` and the team members'
    sittings in investment meetings among the ``actions_taken``; version 4 keeps the
    investment team (``team``, ``investment_ids``, ``gain_ids``); version 3 the
    newest day recorded (``latest_on``); version 2 only decision state. Older
    snapshots are upcast."""
    oldest_snapshot_read: ClassVar[int] = 5
    """The oldest class version of a snapshot that loads read.

    What version 5 counts cannot be upcast from an older snapshot (see
    :meth:`upcast_v4_v5`), so a family whose snapshots are older loads from
    its events, exactly, and the audit does not judge those snapshots; its
    next snapshot is of this version. The upcasters still read older
    snapshots (tests pin them), for whoever reads one on purpose.
    """

    goal_standing: dict[GoalId, GoalStanding]
    """Where each of the plan's goals stands."""
    step_standing: dict[StepId, StepStanding]
    """Where each of the plan's agreed steps stands."""
    sector_plan_ids: set[SectorPlanId]
    """The agencies' plans linked to the family plan."""
    meeting_days: dict[MeetingId, date]
    """The day each meeting was held."""
    action_ids: set[OutwardActionId]
    """Every outward action recorded."""
    actions_taken: list[ActionsTaken]
    """The consented outward actions, by what they were and when."""
    notices_owed: dict[OutwardActionId, date]
    """Actions the family is still to be told about ("inform afterwards"), by their day."""
    informed: dict[OutwardActionId, date]
    """The day the family was told of each action marked "inform afterwards"."""
    survey_ids: set[SurveyId]
    """Completed surveys."""
    baseline_on: date | None
    """The day of the baseline survey, if there was one."""
    latest_on: date
    """The newest day recorded for the family (``occurred_on``) that its end
    must not come before: the work and the extensions, not the family's rights
    after the end, nor the end itself."""
    team: dict[TeamMemberId, TeamMember]
    """The family's investment team (Asker's model): who, for which agency."""
    investment_ids: set[InvestmentId]
    """What the team's actors put in."""
    gain_ids: set[GainId]
    """The investment's gains recorded."""
    # ------------------------------------------------------------------ events

    class Event(Aggregate.Event):
        """Base of every family event: when it happened and who recorded it."""

        occurred_on: date
        actor: Actor

        @property
        def recorded_at(self) -> datetime:
            """When the event was recorded (the store's timestamp)."""
            return self.timestamp

        def mutate(self, aggregate: Any) -> Any:
            """Apply the event; its day becomes ``latest_on`` if it is newer.

            The family's rights after the end (:data:`RIGHTS_AFTER_THE_END`)
            and the end itself do not move it: an end may not be dated before
            the work or an extension, but the family's rights outlive it.
            """
            family = super().mutate(aggregate)
            if (
                family is not None
                and self.occurred_on > family.latest_on
                and type(self) not in _NOT_BEFORE_THE_END
            ):
                family.latest_on = self.occurred_on
            return family

    class Enrolled(Event, Aggregate.Created):
        """The family was enrolled in a programme; ``occurred_on`` is the start date."""

        TOPIC = f"{_TOPIC}.Enrolled"
        municipality: Municipality
        label: PersonalText
        programme: Programme
        referral: ReferralSource
        referral_note: PersonalText | None
        eligibility: Eligibility
        planned_end_on: date

        def apply(self, aggregate: Any) -> None:
            """Start the family's record."""
            family: Family = aggregate
            family.municipality = self.municipality
            family.label = self.label
            family.programme = self.programme
            family.referral = self.referral
            family.referral_note = self.referral_note
            family.eligibility = self.eligibility
            family.started_on = self.occurred_on
            family.planned_end_on = self.planned_end_on

    Created = Enrolled

    class MemberAdded(Event):
        """A member (adult or child) joined the family's follow-up."""

        TOPIC = f"{_TOPIC}.MemberAdded"
        member_id: MemberId
        name: PersonalText
        birth_date: PersonalDate
        kind: MemberKind
        guardian_ids: frozenset[MemberId]

        def apply(self, aggregate: Any) -> None:
            """Add the member."""
            family: Family = aggregate
            family.members[self.member_id] = Member(
                self.member_id, self.name, self.birth_date, self.kind, self.guardian_ids
            )
            family.member_since[self.member_id] = self.occurred_on

    class MemberLeft(Event):
        """A member left the family's follow-up (moved out, grew up, …)."""

        TOPIC = f"{_TOPIC}.MemberLeft"
        member_id: MemberId
        note: PersonalText | None

        def apply(self, aggregate: Any) -> None:
            """Mark the member as departed."""
            family: Family = aggregate
            family.departed[self.member_id] = self.occurred_on

    class CoordinatorAssigned(Event):
        """A coordinator was assigned; a second assignment is a handover."""

        TOPIC = f"{_TOPIC}.CoordinatorAssigned"
        coordinator_id: str
        coordinator_name: str
        note: PersonalText | None

        def apply(self, aggregate: Any) -> None:
            """Close the previous assignment and open this one."""
            family: Family = aggregate
            if family.coordinators:
                family.coordinators[-1] = attrs.evolve(
                    family.coordinators[-1], until_on=self.occurred_on
                )
            family.coordinators.append(
                CoordinatorAssignment(
                    self.coordinator_id,
                    self.coordinator_name,
                    self.occurred_on,
                    note=self.note,
                )
            )

    class CaseloadExceeded(Event):
        """A coordinator took the family on beyond the programme's caseload, and why."""

        TOPIC = f"{_TOPIC}.CaseloadExceeded"
        coordinator_id: str
        families: int
        """How many other families the coordinator followed then."""
        limit: int
        reason: PersonalText

        def apply(self, aggregate: Any) -> None:
            """Nothing the family's rules decide with changes: it is on the record."""

    class ConsentGranted(Event):
        """Members gave a consent (an entry of the cooperation agreement)."""

        TOPIC = f"{_TOPIC}.ConsentGranted"
        consent_id: ConsentId
        scope: ConsentScope
        given_by: frozenset[MemberId]
        form: ConsentForm
        valid_from: date
        valid_until: date | None
        purpose: PersonalText

        def apply(self, aggregate: Any) -> None:
            """Add the consent."""
            family: Family = aggregate
            family.consents[self.consent_id] = Consent(
                self.consent_id,
                self.scope,
                self.given_by,
                self.form,
                self.valid_from,
                self.valid_until,
                self.purpose,
                given_on=self.occurred_on,
            )

    class ConsentRefused(Event):
        """Members refused a consent; the refusal denies what it covers from its date."""

        TOPIC = f"{_TOPIC}.ConsentRefused"
        refusal_id: RefusalId
        scope: ConsentScope
        refused_by: frozenset[MemberId]
        note: PersonalText | None

        def apply(self, aggregate: Any) -> None:
            """Add the refusal."""
            family: Family = aggregate
            family.refusals[self.refusal_id] = ConsentRefusal(
                self.refusal_id,
                self.scope,
                self.refused_by,
                self.occurred_on,
                self.note,
            )

    class ConsentWithdrawn(Event):
        """A consent was withdrawn; it covers nothing from ``occurred_on`` on."""

        TOPIC = f"{_TOPIC}.ConsentWithdrawn"
        consent_id: ConsentId
        withdrawn_by: frozenset[MemberId]
        reason: PersonalText | None

        def apply(self, aggregate: Any) -> None:
            """Record the withdrawal."""
            family: Family = aggregate
            family.withdrawals[self.consent_id] = ConsentWithdrawal(
                self.consent_id, self.occurred_on, self.withdrawn_by, self.reason
            )

    class GoalSet(Event):
        """A goal was set, in the family's own words."""

        TOPIC = f"{_TOPIC}.GoalSet"
        goal_id: GoalId
        area: Topic
        words: PersonalText
        member_id: MemberId | None
        target_on: date | None

        def apply(self, aggregate: Any) -> None:
            """Open the goal."""
            family: Family = aggregate
            family.goal_standing[self.goal_id] = GoalStanding(
                GoalStatus.ACTIVE, self.occurred_on
            )

    class GoalProgressRecorded(Event):
        """Progress towards a goal was noted, optionally rated 0–10 by the family."""

        TOPIC = f"{_TOPIC}.GoalProgressRecorded"
        goal_id: GoalId
        note: PersonalText
        rating: int | None

        def apply(self, aggregate: Any) -> None:
            """Nothing to decide with: the note is part of the record."""

    class GoalAchieved(Event):
        """A goal was achieved."""

        TOPIC = f"{_TOPIC}.GoalAchieved"
        goal_id: GoalId
        note: PersonalText | None

        def apply(self, aggregate: Any) -> None:
            """Close the goal as achieved."""
            family: Family = aggregate
            family.goal_standing[self.goal_id] = attrs.evolve(
                family.goal_standing[self.goal_id],
                status=GoalStatus.ACHIEVED,
                closed_on=self.occurred_on,
            )

    class GoalDropped(Event):
        """A goal was dropped (no longer what matters)."""

        TOPIC = f"{_TOPIC}.GoalDropped"
        goal_id: GoalId
        reason: PersonalText | None

        def apply(self, aggregate: Any) -> None:
            """Close the goal as dropped."""
            family: Family = aggregate
            family.goal_standing[self.goal_id] = attrs.evolve(
                family.goal_standing[self.goal_id],
                status=GoalStatus.DROPPED,
                closed_on=self.occurred_on,
            )

    class StepAgreed(Event):
        """A step was agreed: who does what by when."""

        TOPIC = f"{_TOPIC}.StepAgreed"
        step_id: StepId
        description: PersonalText
        responsible: Responsible
        due_on: date | None
        goal_id: GoalId | None

        def apply(self, aggregate: Any) -> None:
            """Open the step."""
            family: Family = aggregate
            family.step_standing[self.step_id] = StepStanding(self.occurred_on)

    class StepCompleted(Event):
        """An agreed step was carried out."""

        TOPIC = f"{_TOPIC}.StepCompleted"
        step_id: StepId
        note: PersonalText | None

        def apply(self, aggregate: Any) -> None:
            """Mark the step completed."""
            family: Family = aggregate
            family.step_standing[self.step_id] = attrs.evolve(
                family.step_standing[self.step_id], completed_on=self.occurred_on
            )

    class SectorPlanLinked(Event):
        """An agency's plan (job plan, treatment plan, IP …) was linked to the family plan."""

        TOPIC = f"{_TOPIC}.SectorPlanLinked"
        sector_plan_id: SectorPlanId
        kind: SectorPlanKind
        agency: Agency
        reference: PersonalText
        member_id: MemberId | None
        title: PersonalText | None

        def apply(self, aggregate: Any) -> None:
            """Note the link."""
            family: Family = aggregate
            family.sector_plan_ids.add(self.sector_plan_id)

    class MeetingHeld(Event):
        """A meeting was held: who took part and what was decided."""

        TOPIC = f"{_TOPIC}.MeetingHeld"
        meeting_id: MeetingId
        participants: tuple[PersonalText, ...]
        members_present: frozenset[MemberId]
        agencies_present: tuple[Agency, ...]
        decisions: tuple[PersonalText, ...]

        def apply(self, aggregate: Any) -> None:
            """Note the meeting's day."""
            family: Family = aggregate
            family.meeting_days[self.meeting_id] = self.occurred_on

    class AgencyContacted(Event):
        """An outward action: an agency contacted, information shared, a referral made.

        ``consent_ids`` are the consents that covered it on ``occurred_on``;
        ``family_knows`` says how the family knows of it.
        """

        TOPIC = f"{_TOPIC}.AgencyContacted"
        action_id: OutwardActionId
        kind: OutwardActionKind
        agency: Agency
        topics: frozenset[Topic]
        member_ids: frozenset[MemberId]
        purpose: PersonalText
        channel: Channel
        consent_ids: tuple[ConsentId, ...]
        family_knows: FamilyKnows

        def apply(self, aggregate: Any) -> None:
            """Note the action: its day among its kind's, and any notice owed."""
            family: Family = aggregate
            family.action_ids.add(self.action_id)
            family._note_taken(
                self.kind, self.agency, self.topics, self.member_ids, self.occurred_on
            )
            if self.family_knows.kind is KnowledgeKind.INFORM_AFTERWARDS:
                family.notices_owed[self.action_id] = self.occurred_on

    class ActedUnderLegalDuty(Event):
        """An outward action the law required without consent (e.g. notifying child welfare).

        It cites its legal basis, is always shown to the family, and is always
        listed by the audit. ``family_knows`` says how the family knows of it.
        """

        TOPIC = f"{_TOPIC}.ActedUnderLegalDuty"
        action_id: OutwardActionId
        kind: OutwardActionKind
        agency: Agency
        topics: frozenset[Topic]
        member_ids: frozenset[MemberId]
        purpose: PersonalText
        channel: Channel
        legal_basis: PersonalText
        family_knows: FamilyKnows

        def apply(self, aggregate: Any) -> None:
            """Note the action, and any notice owed (no consent to keep it under)."""
            family: Family = aggregate
            family.action_ids.add(self.action_id)
            if self.family_knows.kind is KnowledgeKind.INFORM_AFTERWARDS:
                family.notices_owed[self.action_id] = self.occurred_on

    class FamilyInformed(Event):
        """The family was told of an action taken with "inform afterwards"."""

        TOPIC = f"{_TOPIC}.FamilyInformed"
        action_id: OutwardActionId
        channel: Channel
        note: PersonalText | None

        def apply(self, aggregate: Any) -> None:
            """Close the notice."""
            family: Family = aggregate
            family.notices_owed.pop(self.action_id, None)
            family.informed[self.action_id] = self.occurred_on

    class SurveyCompleted(Event):
        """A survey of the family's situation was completed."""

        TOPIC = f"{_TOPIC}.SurveyCompleted"
        survey: Survey

        def apply(self, aggregate: Any) -> None:
            """Note the survey (its answers are part of the record)."""
            family: Family = aggregate
            family.survey_ids.add(self.survey.survey_id)
            if self.survey.kind is SurveyKind.BASELINE:
                family.baseline_on = self.occurred_on

    class ResearchConsentGiven(Event):
        """A member's answers may be used, pseudonymised, in research.

        Research is its own purpose, apart from any consent to contact
        agencies; ``given_by`` is the member, or a child's guardian(s).
        """

        TOPIC = f"{_TOPIC}.ResearchConsentGiven"
        member_id: MemberId
        given_by: frozenset[MemberId]

        def apply(self, aggregate: Any) -> None:
            """Note the member's research consent."""
            family: Family = aggregate
            family.research_consents[self.member_id] = self.occurred_on

    class ResearchConsentWithdrawn(Event):
        """A member's research consent was withdrawn: no later export holds them."""

        TOPIC = f"{_TOPIC}.ResearchConsentWithdrawn"
        member_id: MemberId
        withdrawn_by: frozenset[MemberId]

        def apply(self, aggregate: Any) -> None:
            """Drop the member's research consent."""
            family: Family = aggregate
            family.research_consents.pop(self.member_id, None)

    class TeamMemberJoined(Event):
        """An actor joined the family's investment team (Asker's *investeringsteam*).

        Joining shares the family's information on ``topics`` about
        ``member_ids`` with ``agency``: ``consent_ids`` are the consents that
        covered it on ``occurred_on``.
        """

        TOPIC = f"{_TOPIC}.TeamMemberJoined"
        team_member_id: TeamMemberId
        agency: Agency
        person: PersonalText
        role: PersonalText
        may_decide: bool
        topics: frozenset[Topic]
        member_ids: frozenset[MemberId]
        consent_ids: tuple[ConsentId, ...]

        @property
        def kind(self) -> OutwardActionKind:
            """What joining the team does towards the agency: it shares information."""
            return OutwardActionKind.SHARE_INFORMATION

        def apply(self, aggregate: Any) -> None:
            """Add the member to the team; note the sharing among the actions taken."""
            family: Family = aggregate
            family.team[self.team_member_id] = TeamMember(
                self.agency, self.may_decide, self.occurred_on, self.topics,
                self.member_ids,
            )  # fmt: skip
            family._note_taken(
                self.kind, self.agency, self.topics, self.member_ids, self.occurred_on
            )

    class InvestmentMeetingHeld(Event):
        """An investment meeting was held with the citizen present; what it decided."""

        TOPIC = f"{_TOPIC}.InvestmentMeetingHeld"
        meeting_id: MeetingId
        team_present: frozenset[TeamMemberId]
        members_present: frozenset[MemberId]
        decisions: tuple[InvestmentDecision, ...]

        def apply(self, aggregate: Any) -> None:
            """Note the meeting's day, and each team member's sitting as sharing.

            Sitting in the meeting shares again what the member joined to know
            (their topics, about their members): a consented action, which a
            "no" may not later be dated before.
            """
            family: Family = aggregate
            family.meeting_days[self.meeting_id] = self.occurred_on
            for team_member_id in sorted(self.team_present):
                seat = family.team.get(team_member_id)
                if seat is None:  # only a history written beneath the library
                    continue
                family._note_taken(
                    OutwardActionKind.SHARE_INFORMATION,
                    seat.agency,
                    seat.topics,
                    seat.member_ids,
                    self.occurred_on,
                )

    class InvestmentCommitted(Event):
        """What one team member's agency puts into the investment."""

        TOPIC = f"{_TOPIC}.InvestmentCommitted"
        investment_id: InvestmentId
        team_member_id: TeamMemberId
        kind: InvestmentKind
        amount: int
        what: PersonalText

        def apply(self, aggregate: Any) -> None:
            """Note the investment."""
            family: Family = aggregate
            family.investment_ids.add(self.investment_id)

    class GainRecorded(Event):
        """A gain of the investment for a member: into work, education or a stable home."""

        TOPIC = f"{_TOPIC}.GainRecorded"
        gain_id: GainId
        member_id: MemberId
        kind: GainKind
        note: PersonalText
        yearly_value: int | None

        def apply(self, aggregate: Any) -> None:
            """Note the gain."""
            family: Family = aggregate
            family.gain_ids.add(self.gain_id)

    class FollowUpExtended(Event):
        """The follow-up was extended beyond its planned end: until when, why, who decided."""

        TOPIC = f"{_TOPIC}.FollowUpExtended"
        until: date
        reason: PersonalText
        decided_by: PersonalText

        def apply(self, aggregate: Any) -> None:
            """Move the planned end to ``until``."""
            family: FamilyCore = aggregate
            family.planned_end_on = self.until

    class FollowUpEnded(Event):
        """The family's follow-up ended."""

        TOPIC = f"{_TOPIC}.FollowUpEnded"
        reason: EndReason
        note: PersonalText | None

        def apply(self, aggregate: Any) -> None:
            """Close the follow-up."""
            family: Family = aggregate
            family.ended = FollowUpEnd(self.occurred_on, self.reason, self.note)

    EVENT_CLASSES: ClassVar[tuple[type[Event], ...]]
    """Every event class above, in order: found by introspection, never kept by hand."""

    # ------------------------------------------------------------ construction

    def __init__(self) -> None:
        self._start_core()
        self.goal_standing = {}
        self.step_standing = {}
        self.sector_plan_ids = set()
        self.meeting_days = {}
        self.action_ids = set()
        self.actions_taken = []
        self.notices_owed = {}
        self.informed = {}
        self.survey_ids = set()
        self.baseline_on = None
        self.latest_on = date.min
        self.team = {}
        self.investment_ids = set()
        self.gain_ids = set()

    @classmethod
    def enrol(cls, command: EnrolFamily, *, recorded_at: datetime) -> Family:
        """Enrol a family in its programme from ``occurred_on``; return the new aggregate.

        ``label`` is how the family is named in lists ("Hansen"). The planned end
        follows from the programme's duration.
        """
        c = command
        rules.check_actor(c.actor)
        rules.check_municipality(c.municipality)
        rules.check_label("label", c.label)
        rules.check_programme(c.programme)
        rules.check_eligibility(c.eligibility)
        rules.check_free_text("referral_note", c.referral_note, required=False)
        _check_enum("referral", c.referral, ReferralSource)
        _check_date("occurred_on", c.occurred_on)
        rules.check_not_after_recording("occurred_on", c.occurred_on, recorded_at)
        rules.check_enrolment_date(c.occurred_on, c.programme)
        fields = _fields(c, leave_out=("family_id",))
        return cls._create(
            cls.Enrolled,
            id=c.family_id,
            timestamp=recorded_at,
            **{**fields, "municipality": Municipality(c.municipality)},
            planned_end_on=c.programme.planned_end(c.occurred_on),
        )

    def __deepcopy__(self, memo: dict[int, Any]) -> Family:
        """Copy the family's containers; the values in them are immutable and shared.

        eventsourcing deep-copies a family it takes from its aggregate cache, so
        that a command can never change the cached one. Every value the family
        holds (attrs frozen objects, ids, dates, enumerations) is immutable, so
        copying the dicts and lists that hold them is a complete, cheap copy.
        """
        copy = object.__new__(type(self))
        state = vars(copy)
        for name, value in vars(self).items():
            state[name] = (
                value.copy() if isinstance(value, dict | list | set) else value
            )
        return copy

    def _note_taken(
        self,
        kind: OutwardActionKind,
        agency: Agency,
        topics: frozenset[Topic],
        member_ids: frozenset[MemberId],
        on: date,
    ) -> None:
        """Add ``on`` to the days a consented action of this kind was taken.

        Called by the events that record one; it changes the state, so call it
        from an event's ``apply`` only.
        """
        for i, taken in enumerate(self.actions_taken):
            if (
                taken.kind is kind
                and taken.agency == agency
                and taken.topics == topics
                and taken.member_ids == member_ids
            ):
                self.actions_taken[i] = attrs.evolve(taken, days=(*taken.days, on))
                return
        self.actions_taken.append(ActionsTaken(kind, agency, topics, member_ids, (on,)))

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Bring a version 1 snapshot's stored state to version 2, in place.

        Version 1 kept the whole record (goals with their progress, steps,
        meetings, every outward action, surveys); version 2 keeps where each
        stands. Works on the stored (JSON) form, as the mapper reads it: ids,
        dates and enumerations are strings, sealed personal values are indices
        into the sealed values, which stay where they are.
        """
        goals = state.pop("goals")
        state["goal_standing"] = {
            goal_id: {
                "status": goal["status"],
                "set_on": goal["set_on"],
                "closed_on": goal["closed_on"],
            }
            for goal_id, goal in goals.items()
        }
        state["step_standing"] = {
            step_id: {
                "agreed_on": step["agreed_on"],
                "completed_on": step["completed_on"],
            }
            for step_id, step in state.pop("steps").items()
        }
        state["sector_plan_ids"] = sorted(state.pop("sector_plans"))
        state["meeting_days"] = {
            meeting_id: meeting["held_on"]
            for meeting_id, meeting in state.pop("meetings").items()
        }
        actions: dict[str, dict[str, Any]] = state.pop("outward_actions")
        state["action_ids"] = sorted(actions)
        taken: dict[str, dict[str, Any]] = {}
        for action in actions.values():  # in recording order
            if action["legal_basis"] is not None:
                continue
            kind, agency = action["kind"], action["agency"]
            topics, members = action["topics"], action["member_ids"]
            key = repr((kind, sorted(agency.items()), topics, members))
            entry = taken.setdefault(key, {"kind": kind, "agency": agency,
                                           "topics": topics, "member_ids": members,
                                           "days": []})  # fmt: skip
            entry["days"].append(action["occurred_on"])
        state["actions_taken"] = list(taken.values())
        state["notices_owed"] = {
            action_id: action["occurred_on"]
            for action_id, action in actions.items()
            if action["family_knows"]["kind"] == KnowledgeKind.INFORM_AFTERWARDS.value
            and action["informed_on"] is None
        }
        state["informed"] = {
            action_id: action["informed_on"]
            for action_id, action in actions.items()
            if action["informed_on"] is not None
        }
        surveys: dict[str, dict[str, Any]] = state.pop("surveys")
        state["survey_ids"] = sorted(surveys)
        state["baseline_on"] = next(
            (
                done["completed_on"]
                for done in surveys.values()
                if done["survey"]["kind"] == SurveyKind.BASELINE.value
            ),
            None,
        )

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        """Bring a version 2 snapshot's stored state to version 3, in place.

        ``latest_on`` is the newest day of the work the version 2 state kept:
        enrolment, members joining and leaving, coordinators, consents given,
        research consents, goals set and closed, steps agreed and completed,
        meetings, consented actions, notices owed and the baseline survey
        (not withdrawals, refusals, telling the family afterwards or the end,
        which are not the work). The days of annual surveys, progress notes and linked
        plans were not kept; the events after the snapshot bring it up to
        date, and the next snapshot keeps it.
        """
        days: list[object] = [state["started_on"], state.get("baseline_on")]
        days += state["member_since"].values()
        days += state["departed"].values()
        days += [c["from_on"] for c in state["coordinators"]]
        days += [c["given_on"] for c in state["consents"].values()]
        days += state["research_consents"].values()
        for goal in state["goal_standing"].values():
            days += [goal["set_on"], goal["closed_on"]]
        for step in state["step_standing"].values():
            days += [step["agreed_on"], step["completed_on"]]
        days += state["meeting_days"].values()
        for taken in state["actions_taken"]:
            days += taken["days"]
        days += state["notices_owed"].values()
        state["latest_on"] = max(d for d in days if isinstance(d, str))

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        """Bring a version 3 snapshot's stored state to version 4, in place.

        Version 3 stores came before the investment team: the family had none.
        """
        state["team"] = {}
        state["investment_ids"] = []
        state["gain_ids"] = []

    @staticmethod
    def upcast_v4_v5(state: dict[str, Any]) -> None:
        """Bring a version 4 snapshot's stored state to version 5, in place.

        The stored form is the same; what ``latest_on`` and ``actions_taken``
        count is not. Version 4 left the extensions out of ``latest_on`` and
        the team members' sittings in investment meetings out of the actions
        taken, and kept neither the days extensions were decided nor who sat
        in which meeting, so nothing here can add them: read this way, an
        extension or a meeting before the snapshot would not hold an end or
        a "no" back. Loads therefore do not read such a snapshot
        (:attr:`oldest_snapshot_read`); this upcast is for whoever reads one
        on purpose.
        """

    # ---------------------------------------------------------------- queries

    # --------------------------------------------------------------- commands

    def _check_command(
        self,
        occurred_on: date,
        actor: Actor,
        recorded_at: datetime,
        *,
        records: type[Family.Event] | None = None,
    ) -> None:
        """Checks every command shares: actor, a date within the follow-up.

        ``occurred_on`` is not after the day it is recorded, not before the
        enrolment, and within the programme's period as the event the command
        ``records`` may be: the family's rights (:data:`RIGHTS_AFTER_THE_END`:
        to refuse, to withdraw, to be told) outlive the follow-up; extending
        and ending it (:data:`CLOSING`) may follow the planned end, not the
        end; the work with the family (anything else) follows neither.
        """
        after_end = records in RIGHTS_AFTER_THE_END
        after_planned_end = after_end or records in CLOSING
        rules.check_actor(actor)
        _check_date("occurred_on", occurred_on)
        rules.check_not_after_recording("occurred_on", occurred_on, recorded_at)
        period.check_within_period(
            occurred_on,
            started_on=self.started_on,
            planned_end_on=self.planned_end_on,
            ended_on=None if self.ended is None else self.ended.ended_on,
            after_end_allowed=after_end,
            after_planned_end_allowed=after_planned_end,
        )

    def _member(self, member_id: MemberId, on: date, what: str = "member") -> Member:
        member = self.members.get(member_id)
        if member is None:
            raise NotFoundError(
                f"{what} {member_id} is not a member of this family: add the member first"
            )
        if not self.is_member_on(member_id, on):
            raise InvalidInputError(
                f"{what} {member.name} ({member_id}) was not a member of the family on "
                f"{on.isoformat()}"
            )
        return member

    def handle(
        self, command: Command[Any], *, recorded_at: datetime, **facts: Any
    ) -> object:
        """Run ``command`` against the family: its rules, then the one event it records.

        Each command class has one handler among the methods below (marked
        ``@_handles``); it raises, recording nothing, when a rule refuses.
        ``recorded_at`` is when the application records it; ``facts`` are what
        a handler needs from beyond the family (an assignment: the
        coordinator's ``caseload``).
        """
        handler = _HANDLERS.get(type(command))
        if handler is None:
            raise InvalidInputError(
                f"{type(command).__name__} is not a command a family handles"
            )
        return handler(self, command, recorded_at=recorded_at, **facts)

    def _record(
        self,
        event_class: type[Family.Event],
        command: Command[Any],
        recorded_at: datetime,
        *,
        leave_out: tuple[str, ...] = (),
        **given: Any,
    ) -> None:
        """Trigger ``event_class`` with the command's fields, by name (``given`` replace some).

        The command's fields are the event's: a field added to both is carried
        over without another line; a command field the event lacks is a
        ``TypeError`` at once, never silently dropped.
        """
        fields = _fields(command, leave_out=leave_out)
        self.trigger_event(event_class, timestamp=recorded_at, **{**fields, **given})

    @_handles(AddMember)
    def add_member(self, command: AddMember, *, recorded_at: datetime) -> None:
        """Add an adult or a child to the family's follow-up."""
        c = command
        self._check_command(c.occurred_on, c.actor, recorded_at)
        rules.check_new_id("member", c.member_id, self.members)
        _check_enum("kind", c.kind, MemberKind)
        _check_date("birth_date", c.birth_date)
        member = Member(c.member_id, c.name, c.birth_date, c.kind, c.guardian_ids)
        adults = {
            m: v
            for m, v in self.members_on(c.occurred_on).items()
            if v.kind is MemberKind.ADULT
        }
        rules.check_member(member, c.occurred_on, adults, self.programme.consent_ages)
        self._record(self.MemberAdded, c, recorded_at)

    @_handles(RecordMemberLeft)
    def record_member_left(
        self, command: RecordMemberLeft, *, recorded_at: datetime
    ) -> None:
        """Record that a member left the family's follow-up."""
        c = command
        self._check_command(c.occurred_on, c.actor, recorded_at)
        self._member(c.member_id, c.occurred_on)
        rules.check_free_text("note", c.note, required=False)
        self._record(self.MemberLeft, c, recorded_at)

    @_handles(AssignCoordinator)
    def assign_coordinator(
        self,
        command: AssignCoordinator,
        *,
        recorded_at: datetime,
        caseload: int | None = None,
    ) -> None:
        """Assign a coordinator, or hand the family over to a new one.

        ``caseload`` is how many other families the coordinator follows now
        (the application counts them; None where the programme sets no
        caseload): see :func:`~familiekoordinering.domain.rules.check_caseload`.
        """
        c = command
        self._check_command(c.occurred_on, c.actor, recorded_at)
        rules.check_label("coordinator_id", c.coordinator_id)
        rules.check_label("coordinator_name", c.coordinator_name)
        rules.check_free_text("note", c.note, required=False)
        current = self.coordinator
        if current is not None:
            if current.coordinator_id == c.coordinator_id:
                raise RuleViolationError(
                    f"{c.coordinator_name} is already the family's coordinator"
                )
            if c.occurred_on < current.from_on:
                raise InvalidInputError(
                    f"a handover on {c.occurred_on.isoformat()} is before the current "
                    f"coordinator started on {current.from_on.isoformat()}"
                )
        limit = self.programme.max_caseload
        over = rules.check_caseload(
            c.coordinator_name, caseload or 0, None if caseload is None else limit,
            c.over_caseload,
        )  # fmt: skip
        # The override is recorded as its own event, below.
        self._record(
            self.CoordinatorAssigned, c, recorded_at, leave_out=("over_caseload",)
        )
        if over and c.over_caseload is not None and limit is not None:
            self.trigger_event(
                self.CaseloadExceeded, timestamp=recorded_at, occurred_on=c.occurred_on,
                actor=c.actor, coordinator_id=c.coordinator_id, families=caseload,
                limit=limit, reason=c.over_caseload,
            )  # fmt: skip

    def _check_scope(self, scope: ConsentScope, on: date) -> None:
        if not isinstance(scope, ConsentScope):
            raise InvalidInputError(f"scope must be a ConsentScope, not {scope!r}")
        _check_enum("agency kind", scope.agency.kind, type(scope.agency.kind))
        rules.check_label("agency unit", scope.agency.unit, required=False)
        if not scope.topics:
            raise InvalidInputError("a consent scope must name at least one topic")
        if not scope.member_ids:
            raise InvalidInputError("a consent scope must name at least one member")
        if not scope.actions:
            raise InvalidInputError("a consent scope must permit at least one action")
        overlap = scope.topics & scope.excluded_topics
        if overlap:
            names = ", ".join(sorted(t.value for t in overlap))
            raise InvalidInputError(
                f"topics {names} are both permitted and excluded: keep each topic in "
                "one list"
            )
        for member_id in scope.member_ids:
            self._member(member_id, on, "covered member")

    def _check_givers(
        self,
        givers: frozenset[MemberId],
        scope: ConsentScope,
        on: date,
        *,
        what: str = "consenting",
    ) -> None:
        """Each covered member × topic needs someone among the givers entitled on ``on``."""
        if not givers:
            raise InvalidInputError(f"name the members who are {what}")
        for giver in givers:
            self._member(giver, on, f"{what} member")
        ages = self.programme.consent_ages
        for member_id in sorted(scope.member_ids):
            member = self.members[member_id]
            for topic in sorted(scope.topics):
                if not entitled(member, topic, on, ages) & givers:
                    raise RuleViolationError(
                        f"nobody {what} can decide for {member.name} about "
                        f"{topic.value}: {say_of(member, topic, on, ages)}. Add who "
                        "decides, or leave the topic or the member out"
                    )

    @_handles(GrantConsent)
    def grant_consent(self, command: GrantConsent, *, recorded_at: datetime) -> None:
        """Record a consent the family gave; it is valid from ``valid_from`` (default: today)."""
        c = command
        occurred_on = c.occurred_on
        self._check_command(occurred_on, c.actor, recorded_at)
        rules.check_new_id("consent", c.consent_id, self.consents)
        _check_enum("form", c.form, ConsentForm)
        rules.check_free_text("purpose", c.purpose)
        valid_from = occurred_on if c.valid_from is None else c.valid_from
        _check_date("valid_from", valid_from)
        if valid_from < occurred_on:
            raise InvalidInputError(
                f"valid_from {valid_from.isoformat()} is before the consent was given "
                f"on {occurred_on.isoformat()}: a consent cannot cover the past"
            )
        if c.valid_until is not None:
            _check_date("valid_until", c.valid_until)
            if c.valid_until < valid_from:
                raise InvalidInputError(
                    f"valid_until {c.valid_until.isoformat()} is before valid_from "
                    f"{valid_from.isoformat()}"
                )
        scope = c.scope
        self._check_scope(scope, occurred_on)
        self._check_givers(c.given_by, scope, occurred_on)
        if scope.excluded_topics:
            consent = Consent(c.consent_id, scope, c.given_by, c.form, valid_from,
                              c.valid_until, c.purpose, given_on=occurred_on)  # fmt: skip
            self._check_not_retroactive(
                "a consent excluding "
                + ", ".join(sorted(t.value for t in scope.excluded_topics)),
                valid_from,
                consents=[*self.consents.values(), consent],
                withdrawals=self.withdrawals,
                refusals=list(self.refusals.values()),
            )
        self._record(self.ConsentGranted, c, recorded_at, valid_from=valid_from)

    @_handles(RefuseConsent)
    def refuse_consent(self, command: RefuseConsent, *, recorded_at: datetime) -> None:
        """Record that members refused a consent (they said no to this scope)."""
        c = command
        self._check_command(
            c.occurred_on, c.actor, recorded_at, records=self.ConsentRefused
        )
        rules.check_new_id("refusal", c.refusal_id, self.refusals)
        rules.check_free_text("note", c.note, required=False)
        self._check_scope(c.scope, c.occurred_on)
        if not c.refused_by:
            raise InvalidInputError("name the members who refused")
        for member_id in c.refused_by:
            self._member(member_id, c.occurred_on, "refusing member")
        refusal = ConsentRefusal(c.refusal_id, c.scope, c.refused_by, c.occurred_on,
                                 c.note)  # fmt: skip
        self._check_not_retroactive(
            "a refusal",
            c.occurred_on,
            consents=list(self.consents.values()),
            withdrawals=self.withdrawals,
            refusals=[*self.refusals.values(), refusal],
        )
        self._record(self.ConsentRefused, c, recorded_at)

    def _check_not_retroactive(
        self,
        what: str,
        since: date,
        *,
        consents: list[Consent],
        withdrawals: dict[ConsentId, ConsentWithdrawal],
        refusals: list[ConsentRefusal],
    ) -> None:
        """Refuse a "no" that would uncover actions already recorded.

        A "no" is a withdrawal, a refusal or a consent's excluded topic. History
        is never rewritten: a "no" takes effect from its own date, and
        it cannot be dated before an action that was taken, and recorded, under
        the consent it takes away. Within one day, the order of recording tells:
        an action recorded before a same-day "no" happened before it.
        """
        affected = [
            day
            for taken in self.actions_taken
            for day in taken.days
            if day > since
            and not decide(
                consents,
                withdrawals,
                refusals,
                taken.on(day),
                members=self.members,
                ages=self.programme.consent_ages,
            ).permitted
        ]
        if affected:
            last = max(affected)
            raise RuleViolationError(
                f"{what} dated {since.isoformat()} would take away the consent for "
                f"{len(affected)} action(s) already recorded, the last on "
                f"{last.isoformat()}: date it {last.isoformat()} or later"
            )

    @_handles(GiveResearchConsent)
    def give_research_consent(
        self, command: GiveResearchConsent, *, recorded_at: datetime
    ) -> None:
        """Record that a member's answers may be used, pseudonymised, in research.

        The member consents for themselves (an adult, or a child from the adult
        age); for a younger child, a guardian does.
        """
        c = command
        self._check_command(c.occurred_on, c.actor, recorded_at)
        member = self._research_member(c.member_id, c.occurred_on)
        if c.member_id in self.research_consents:
            raise RuleViolationError(
                f"{member.name} has consented to research since "
                f"{self.research_consents[c.member_id].isoformat()}"
            )
        self._research_givers("give", member, c.given_by, c.occurred_on)
        self._record(self.ResearchConsentGiven, c, recorded_at)

    @_handles(WithdrawResearchConsent)
    def withdraw_research_consent(
        self, command: WithdrawResearchConsent, *, recorded_at: datetime
    ) -> None:
        """Withdraw a member's research consent; later exports leave the member out."""
        c = command
        self._check_command(
            c.occurred_on, c.actor, recorded_at, records=self.ResearchConsentWithdrawn
        )
        member = self._research_member(c.member_id, c.occurred_on, joined=False)
        since = self.research_consents.get(c.member_id)
        if since is None:
            raise RuleViolationError(
                f"{member.name} has no research consent to withdraw"
            )
        if c.occurred_on < since:
            raise InvalidInputError(
                f"a withdrawal on {c.occurred_on.isoformat()} is before the research "
                f"consent was given on {since.isoformat()}"
            )
        self._research_givers("withdraw", member, c.withdrawn_by, c.occurred_on)
        self._record(self.ResearchConsentWithdrawn, c, recorded_at)

    def _research_member(
        self, member_id: MemberId, on: date, *, joined: bool = True
    ) -> Member:
        member = self.members.get(member_id)
        if member is None:
            raise NotFoundError(f"member {member_id} is not a member of this family")
        if joined and not self.is_member_on(member_id, on):
            raise InvalidInputError(
                f"{member.name} is not a member of the family on {on.isoformat()}"
            )
        return member

    def _research_givers(
        self, verb: str, member: Member, named: Iterable[MemberId], on: date
    ) -> frozenset[MemberId]:
        givers = frozenset(named)
        entitled_ = research_say(member, on, self.programme.consent_ages)
        if not givers or not givers <= entitled_:
            who = ", ".join(
                sorted(self.members[m].name for m in entitled_ if m in self.members)
            )
            raise RuleViolationError(
                f"only {who or 'a guardian'} can {verb} research consent for "
                f"{member.name} on {on.isoformat()}"
            )
        return givers

    @_handles(WithdrawConsent)
    def withdraw_consent(
        self, command: WithdrawConsent, *, recorded_at: datetime
    ) -> None:
        """Withdraw a consent from ``occurred_on``; what happened before stays."""
        c = command
        occurred_on = c.occurred_on
        self._check_command(
            occurred_on, c.actor, recorded_at, records=self.ConsentWithdrawn
        )
        consent = self.consents.get(c.consent_id)
        if consent is None:
            raise NotFoundError(f"consent {c.consent_id} does not exist in this family")
        earlier = self.withdrawals.get(c.consent_id)
        if earlier is not None:
            raise RuleViolationError(
                f"consent {c.consent_id} was already withdrawn on "
                f"{earlier.withdrawn_on.isoformat()}"
            )
        rules.check_free_text("reason", c.reason, required=False)
        withdrawers = c.withdrawn_by
        if not withdrawers & consent.given_by:
            raise RuleViolationError(
                "only a member who gave the consent can withdraw it: name at least one "
                "of "
                + ", ".join(self.members[m].name for m in sorted(consent.given_by))
            )
        for member_id in withdrawers:
            if member_id not in self.members:
                raise NotFoundError(
                    f"member {member_id} is not a member of this family"
                )
        if occurred_on < consent.given_on:
            raise InvalidInputError(
                f"a withdrawal on {occurred_on.isoformat()} is before the consent was "
                f"given on {consent.given_on.isoformat()}"
            )
        self._check_not_retroactive(
            "a withdrawal",
            occurred_on,
            consents=list(self.consents.values()),
            withdrawals={
                **self.withdrawals,
                c.consent_id: ConsentWithdrawal(
                    c.consent_id, occurred_on, withdrawers, c.reason
                ),
            },
            refusals=list(self.refusals.values()),
        )
        self._record(self.ConsentWithdrawn, c, recorded_at)

    @_handles(SetGoal)
    def set_goal(self, command: SetGoal, *, recorded_at: datetime) -> None:
        """Set a goal for a member, or for the whole family when ``member_id`` is None."""
        c = command
        self._check_command(c.occurred_on, c.actor, recorded_at)
        rules.check_new_id("goal", c.goal_id, self.goal_standing)
        _check_enum("area", c.area, Topic)
        rules.check_free_text("words", c.words)
        if c.member_id is not None:
            self._member(c.member_id, c.occurred_on)
        if c.target_on is not None:
            _check_date("target_on", c.target_on)
            if c.target_on < c.occurred_on:
                raise InvalidInputError(
                    f"target_on {c.target_on.isoformat()} is before the goal was set on "
                    f"{c.occurred_on.isoformat()}"
                )
        self._record(self.GoalSet, c, recorded_at)

    def _active_goal(self, goal_id: GoalId, on: date) -> GoalStanding:
        goal = self.goal_standing.get(goal_id)
        if goal is None:
            raise NotFoundError(f"goal {goal_id} does not exist in this family")
        if goal.status is not GoalStatus.ACTIVE:
            raise RuleViolationError(
                f"goal {goal_id} was {goal.status.value} on "
                f"{goal.closed_on.isoformat() if goal.closed_on else '?'}; set a new goal"
            )
        if on < goal.set_on:
            raise InvalidInputError(
                f"{on.isoformat()} is before goal {goal_id} was set on "
                f"{goal.set_on.isoformat()}"
            )
        return goal

    @_handles(RecordGoalProgress)
    def record_goal_progress(
        self, command: RecordGoalProgress, *, recorded_at: datetime
    ) -> None:
        """Note progress on an active goal, with the family's 0–10 rating if given."""
        c = command
        self._check_command(c.occurred_on, c.actor, recorded_at)
        self._active_goal(c.goal_id, c.occurred_on)
        rules.check_free_text("note", c.note)
        if c.rating is not None:
            rules.check_range("rating", c.rating, 0, 10)
        self._record(self.GoalProgressRecorded, c, recorded_at)

    @_handles(AchieveGoal)
    def achieve_goal(self, command: AchieveGoal, *, recorded_at: datetime) -> None:
        """Mark an active goal achieved."""
        c = command
        self._check_command(c.occurred_on, c.actor, recorded_at)
        self._active_goal(c.goal_id, c.occurred_on)
        rules.check_free_text("note", c.note, required=False)
        self._record(self.GoalAchieved, c, recorded_at)

    @_handles(DropGoal)
    def drop_goal(self, command: DropGoal, *, recorded_at: datetime) -> None:
        """Drop an active goal."""
        c = command
        self._check_command(c.occurred_on, c.actor, recorded_at)
        self._active_goal(c.goal_id, c.occurred_on)
        rules.check_free_text("reason", c.reason, required=False)
        self._record(self.GoalDropped, c, recorded_at)

    @_handles(AgreeStep)
    def agree_step(self, command: AgreeStep, *, recorded_at: datetime) -> None:
        """Agree a step of the plan: who does what, by when, towards which goal."""
        c = command
        occurred_on, responsible = c.occurred_on, c.responsible
        self._check_command(occurred_on, c.actor, recorded_at)
        rules.check_new_id("step", c.step_id, self.step_standing)
        rules.check_free_text("description", c.description)
        if not isinstance(responsible, Responsible):
            raise InvalidInputError(
                f"responsible must be a Responsible, not {responsible!r}"
            )
        _check_enum("responsible.kind", responsible.kind, ResponsibleKind)
        if responsible.kind is ResponsibleKind.AGENCY:
            if responsible.agency is None:
                raise InvalidInputError("a step for an agency must name the agency")
        elif responsible.agency is not None:
            raise InvalidInputError(
                "only a step for an agency names an agency: set kind to AGENCY"
            )
        if responsible.member_id is not None:
            if responsible.kind is not ResponsibleKind.FAMILY:
                raise InvalidInputError(
                    "only a step for the family names a member: set kind to FAMILY"
                )
            self._member(responsible.member_id, occurred_on, "responsible member")
        if c.goal_id is not None:
            self._active_goal(c.goal_id, occurred_on)
        if c.due_on is not None:
            _check_date("due_on", c.due_on)
            if c.due_on < occurred_on:
                raise InvalidInputError(
                    f"due_on {c.due_on.isoformat()} is before the step was agreed on "
                    f"{occurred_on.isoformat()}"
                )
        self._record(self.StepAgreed, c, recorded_at)

    @_handles(CompleteStep)
    def complete_step(self, command: CompleteStep, *, recorded_at: datetime) -> None:
        """Mark an agreed step completed."""
        c = command
        self._check_command(c.occurred_on, c.actor, recorded_at)
        step = self.step_standing.get(c.step_id)
        if step is None:
            raise NotFoundError(f"step {c.step_id} does not exist in this family")
        if step.completed_on is not None:
            raise RuleViolationError(
                f"step {c.step_id} was already completed on "
                f"{step.completed_on.isoformat()}"
            )
        if c.occurred_on < step.agreed_on:
            raise InvalidInputError(
                f"{c.occurred_on.isoformat()} is before step {c.step_id} was agreed on "
                f"{step.agreed_on.isoformat()}"
            )
        rules.check_free_text("note", c.note, required=False)
        self._record(self.StepCompleted, c, recorded_at)

    @_handles(LinkSectorPlan)
    def link_sector_plan(
        self, command: LinkSectorPlan, *, recorded_at: datetime
    ) -> None:
        """Link an agency's own plan so the family plan gathers it."""
        c = command
        self._check_command(c.occurred_on, c.actor, recorded_at)
        rules.check_new_id("sector plan", c.sector_plan_id, self.sector_plan_ids)
        _check_enum("kind", c.kind, SectorPlanKind)
        rules.check_label("reference", c.reference)
        rules.check_free_text("title", c.title, required=False)
        if c.member_id is not None:
            self._member(c.member_id, c.occurred_on)
        self._record(self.SectorPlanLinked, c, recorded_at)

    @_handles(HoldMeeting)
    def hold_meeting(self, command: HoldMeeting, *, recorded_at: datetime) -> None:
        """Record a meeting: who took part, which members and agencies, what was decided."""
        c = command
        self._check_command(c.occurred_on, c.actor, recorded_at)
        rules.check_new_id("meeting", c.meeting_id, self.meeting_days)
        if not c.participants and not c.members_present:
            raise InvalidInputError("a meeting needs at least one participant")
        for participant in c.participants:
            rules.check_free_text("participant", participant)
        for decision in c.decisions:
            rules.check_free_text("decision", decision)
        for member_id in c.members_present:
            self._member(member_id, c.occurred_on, "member present")
        for agency in c.agencies_present:
            if not isinstance(agency, Agency):
                raise InvalidInputError(
                    f"agencies present are Agency values, not {agency!r}"
                )
        self._record(self.MeetingHeld, c, recorded_at)

    def _check_family_knows(self, knows: FamilyKnows, on: date) -> FamilyKnows:
        """Check how the family knows; fill in the programme's deadline if needed."""
        if not isinstance(knows, FamilyKnows):
            raise InvalidInputError(
                "family_knows must say how the family knows: FamilyKnows.present(), "
                "FamilyKnows.agreed_beforehand(id) or FamilyKnows.inform_afterwards()"
            )
        if knows.kind is KnowledgeKind.AGREED_BEFOREHAND:
            ref = knows.agreed_in
            held_on = self.meeting_days.get(MeetingId(ref)) if ref is not None else None
            step = self.step_standing.get(StepId(ref)) if ref is not None else None
            agreed_on = held_on if held_on else step.agreed_on if step else None
            if agreed_on is None:
                raise NotFoundError(
                    f"agreed beforehand in {ref}: no meeting or plan step with that id "
                    "exists in this family"
                )
            if agreed_on > on:
                raise InvalidInputError(
                    f"agreed beforehand in {ref} on {agreed_on.isoformat()}, which is "
                    f"after the action on {on.isoformat()}"
                )
            return knows
        if knows.kind is KnowledgeKind.INFORM_AFTERWARDS:
            if knows.inform_by is None:
                return attrs.evolve(
                    knows,
                    inform_by=on + timedelta(days=self.programme.inform_deadline_days),
                )
            _check_date("inform_by", knows.inform_by)
            if knows.inform_by < on:
                raise InvalidInputError(
                    f"inform_by {knows.inform_by.isoformat()} is before the action on "
                    f"{on.isoformat()}"
                )
            return knows
        if knows.agreed_in is not None or knows.inform_by is not None:
            raise InvalidInputError(
                "a family that was present needs no meeting reference or deadline"
            )
        return knows

    def _check_action(self, c: RecordContact | ActUnderLegalDuty) -> None:
        """Check what every outward action names: its kind, agency, topics and members."""
        _check_enum("kind", c.kind, OutwardActionKind)
        _check_enum("channel", c.channel, Channel)
        if not isinstance(c.agency, Agency):
            raise InvalidInputError(f"agency must be an Agency, not {c.agency!r}")
        _check_enum("agency kind", c.agency.kind, AgencyKind)
        rules.check_label("agency unit", c.agency.unit, required=False)
        rules.check_free_text("purpose", c.purpose)
        if not c.topics:
            raise InvalidInputError("name at least one topic the action is about")
        if not c.member_ids:
            raise InvalidInputError("name at least one member the action concerns")
        for topic in c.topics:
            _check_enum("topic", topic, Topic)
        for member_id in c.member_ids:
            self._member(member_id, c.occurred_on, "member concerned")

    @_handles(RecordContact)
    def record_contact(
        self, command: RecordContact, *, recorded_at: datetime
    ) -> Decision:
        """Record an agency contacted, information shared or a referral made.

        Refused with :class:`ConsentRequiredError` unless the family's consents
        cover the agency, every topic and every member on ``occurred_on``.
        Returns the decision, with the consent ids that permitted the action.
        """
        c = command
        self._check_command(c.occurred_on, c.actor, recorded_at)
        rules.check_new_id("outward action", c.action_id, self.action_ids)
        self._check_action(c)
        knows = self._check_family_knows(c.family_knows, c.occurred_on)
        decision = self.decide(
            kind=c.kind,
            agency=c.agency,
            topics=c.topics,
            member_ids=c.member_ids,
            on=c.occurred_on,
        )
        if not decision.permitted:
            raise ConsentRequiredError(
                f"{c.kind.value} towards {c.agency} on {c.occurred_on.isoformat()} is "
                "not covered by the family's consent: " + "; ".join(decision.reasons),
                decision.reasons,
            )
        self._record(self.AgencyContacted, c, recorded_at, family_knows=knows,
                     consent_ids=decision.consent_ids)  # fmt: skip
        return decision

    @_handles(ActUnderLegalDuty)
    def act_under_legal_duty(
        self, command: ActUnderLegalDuty, *, recorded_at: datetime
    ) -> None:
        """Record an outward action the law required without the family's consent.

        There is no override flag: this is the only way to act without consent.
        ``legal_basis`` cites the law ("barnevernsloven § 13-2"); the family must
        still know (present, agreed beforehand, or told afterwards).
        """
        c = command
        self._check_command(c.occurred_on, c.actor, recorded_at)
        rules.check_new_id("outward action", c.action_id, self.action_ids)
        rules.check_free_text("legal_basis", c.legal_basis)
        self._check_action(c)
        knows = self._check_family_knows(c.family_knows, c.occurred_on)
        self._record(self.ActedUnderLegalDuty, c, recorded_at, family_knows=knows)

    @_handles(RecordFamilyInformed)
    def record_family_informed(
        self, command: RecordFamilyInformed, *, recorded_at: datetime
    ) -> None:
        """Record that the family was told of an action marked "inform afterwards"."""
        c = command
        action_id, occurred_on = c.action_id, c.occurred_on
        self._check_command(
            occurred_on, c.actor, recorded_at, records=self.FamilyInformed
        )
        if action_id not in self.action_ids:
            raise NotFoundError(
                f"outward action {action_id} does not exist in this family"
            )
        informed_on = self.informed.get(action_id)
        if informed_on is not None:
            raise RuleViolationError(
                f"the family was already informed of {action_id} on "
                f"{informed_on.isoformat()}"
            )
        taken_on = self.notices_owed.get(action_id)
        if taken_on is None:
            raise RuleViolationError(
                f"outward action {action_id} was not marked 'inform afterwards': the "
                "family knew of it when it was taken"
            )
        if occurred_on < taken_on:
            raise InvalidInputError(
                f"{occurred_on.isoformat()} is before the action itself on "
                f"{taken_on.isoformat()}"
            )
        _check_enum("channel", c.channel, Channel)
        rules.check_free_text("note", c.note, required=False)
        self._record(self.FamilyInformed, c, recorded_at)

    @_handles(CompleteSurvey)
    def complete_survey(
        self, command: CompleteSurvey, *, recorded_at: datetime
    ) -> None:
        """Record a completed survey; only one baseline per family."""
        c = command
        self._check_command(c.occurred_on, c.actor, recorded_at)
        survey = c.survey()
        rules.check_new_id("survey", survey.survey_id, self.survey_ids)
        _check_enum("survey kind", survey.kind, SurveyKind)
        if survey.kind is SurveyKind.BASELINE and self.baseline_on is not None:
            raise RuleViolationError(
                "the family already has a baseline survey (of "
                f"{self.baseline_on.isoformat()}): record this one as annual"
            )
        rules.check_survey_date(
            survey.kind, c.occurred_on, self.baseline_on, len(self.survey_ids)
        )
        current = self.members_on(c.occurred_on)
        adults = {m: v for m, v in current.items() if v.kind is MemberKind.ADULT}
        children = {m: v for m, v in current.items() if v.kind is MemberKind.CHILD}
        rules.check_survey(survey, adults, children)
        self.trigger_event(
            self.SurveyCompleted,
            timestamp=recorded_at,
            occurred_on=c.occurred_on,
            actor=c.actor,
            survey=survey,
        )

    @_handles(JoinInvestmentTeam)
    def join_investment_team(
        self, command: JoinInvestmentTeam, *, recorded_at: datetime
    ) -> Decision:
        """Add an actor to the investment team, if the family's consent covers it.

        Refused with :class:`ConsentRequiredError` unless the family's consents
        cover sharing information with the agency on every topic about every
        member named, on ``occurred_on``. Returns the decision.
        """
        c = command
        self._check_command(c.occurred_on, c.actor, recorded_at)
        rules.check_new_id("team member", c.team_member_id, self.team)
        if not isinstance(c.agency, Agency):
            raise InvalidInputError(f"agency must be an Agency, not {c.agency!r}")
        _check_enum("agency kind", c.agency.kind, AgencyKind)
        rules.check_label("agency unit", c.agency.unit, required=False)
        rules.check_label("person", c.person)
        rules.check_label("role", c.role)
        if not isinstance(c.may_decide, bool):
            raise InvalidInputError(
                f"may_decide is True or False (whether they may decide for their "
                f"agency), not {c.may_decide!r}"
            )
        if not c.topics:
            raise InvalidInputError("name at least one topic the team member works on")
        if not c.member_ids:
            raise InvalidInputError(
                "name at least one member the team member works with"
            )
        for topic in c.topics:
            _check_enum("topic", topic, Topic)
        for member_id in c.member_ids:
            self._member(member_id, c.occurred_on, "member concerned")
        decision = self.decide(
            kind=OutwardActionKind.SHARE_INFORMATION,
            agency=c.agency,
            topics=c.topics,
            member_ids=c.member_ids,
            on=c.occurred_on,
        )
        if not decision.permitted:
            raise ConsentRequiredError(
                f"{c.agency} cannot join the investment team on "
                f"{c.occurred_on.isoformat()}: sharing the family's information with "
                "it is not covered by the family's consent: "
                + "; ".join(decision.reasons),
                decision.reasons,
            )
        self._record(self.TeamMemberJoined, c, recorded_at,
                     consent_ids=decision.consent_ids)  # fmt: skip
        return decision

    def _check_still_shared(self, member: TeamMember | None, on: date) -> None:
        """Refuse a meeting with a team member the family's consents no longer cover.

        Sitting in a meeting shares again what the member joined to know
        (their topics, about their members); a withdrawn or expired consent
        keeps them out. An unknown member is left to :func:`check_meeting`.
        """
        if member is None:
            return
        decision = self.decide(
            kind=OutwardActionKind.SHARE_INFORMATION,
            agency=member.agency,
            topics=member.topics,
            member_ids=member.member_ids,
            on=on,
        )
        if not decision.permitted:
            raise ConsentRequiredError(
                f"{member.agency} cannot sit in the investment meeting on "
                f"{on.isoformat()}: the family's consent no longer covers sharing "
                "with it: " + "; ".join(decision.reasons),
                decision.reasons,
            )

    def _team_member(self, team_member_id: TeamMemberId, on: date) -> TeamMember:
        member = self.team.get(team_member_id)
        if member is None or member.joined_on > on:
            raise NotFoundError(
                f"{team_member_id} is not on the family's investment team on "
                f"{on.isoformat()}: add them with join_investment_team first"
            )
        return member

    @_handles(HoldInvestmentMeeting)
    def hold_investment_meeting(
        self, command: HoldInvestmentMeeting, *, recorded_at: datetime
    ) -> None:
        """Record an investment meeting: never without the citizen (see :func:`check_meeting`)."""
        c = command
        self._check_command(c.occurred_on, c.actor, recorded_at)
        rules.check_new_id("meeting", c.meeting_id, self.meeting_days)
        present = [
            self._member(m, c.occurred_on, "member present") for m in c.members_present
        ]
        concerned: dict[MemberId, Member] = {}
        for decision in c.decisions:
            if isinstance(decision, InvestmentDecision):
                rules.check_free_text("decision", decision.what)
                rules.check_free_text("authority", decision.authority)
                for member_id in decision.member_ids:
                    concerned[member_id] = self._member(
                        member_id, c.occurred_on, "member the decision concerns"
                    )
        team = {t: m for t, m in self.team.items() if m.joined_on <= c.occurred_on}
        for team_member_id in sorted(c.team_present):
            self._check_still_shared(team.get(team_member_id), c.occurred_on)
        check_meeting(
            on=c.occurred_on,
            team=team,
            team_present=c.team_present,
            present=present,
            concerned=concerned,
            decisions=c.decisions,
        )
        self._record(self.InvestmentMeetingHeld, c, recorded_at)

    @_handles(CommitInvestment)
    def commit_investment(
        self, command: CommitInvestment, *, recorded_at: datetime
    ) -> None:
        """Record what a team member's agency puts in."""
        c = command
        self._check_command(c.occurred_on, c.actor, recorded_at)
        rules.check_new_id("investment", c.investment_id, self.investment_ids)
        self._team_member(c.team_member_id, c.occurred_on)
        _check_enum("kind", c.kind, InvestmentKind)
        v.check_whole_number("amount", c.amount, 1, 10**9)
        rules.check_free_text("what", c.what)
        self._record(self.InvestmentCommitted, c, recorded_at)

    @_handles(RecordGain)
    def record_gain(self, command: RecordGain, *, recorded_at: datetime) -> None:
        """Record a gain of the investment for a member."""
        c = command
        self._check_command(c.occurred_on, c.actor, recorded_at)
        rules.check_new_id("gain", c.gain_id, self.gain_ids)
        self._member(c.member_id, c.occurred_on)
        _check_enum("kind", c.kind, GainKind)
        rules.check_free_text("note", c.note)
        if c.yearly_value is not None:
            v.check_whole_number("yearly_value", c.yearly_value, 0, 10**9)
        self._record(self.GainRecorded, c, recorded_at)

    @_handles(ExtendFollowUp)
    def extend_follow_up(
        self, command: ExtendFollowUp, *, recorded_at: datetime
    ) -> None:
        """Extend the follow-up beyond its planned end (see :class:`ExtendFollowUp`)."""
        c = command
        self._check_command(
            c.occurred_on, c.actor, recorded_at, records=self.FollowUpExtended
        )
        period.check_extendable(None if self.ended is None else self.ended.ended_on)
        _check_date("until", c.until)
        rules.check_free_text("reason", c.reason)
        rules.check_label("decided_by", c.decided_by)
        period.check_extension(
            c.until, c.occurred_on, planned_end_on=self.planned_end_on
        )
        self._record(self.FollowUpExtended, c, recorded_at)

    @_handles(EndFollowUp)
    def end_follow_up(self, command: EndFollowUp, *, recorded_at: datetime) -> None:
        """End the family's follow-up (on or after its planned end, too)."""
        c = command
        self._check_command(
            c.occurred_on, c.actor, recorded_at, records=self.FollowUpEnded
        )
        period.check_ending(
            c.occurred_on,
            latest_on=self.latest_on,
            ended_on=None if self.ended is None else self.ended.ended_on,
        )
        _check_enum("reason", c.reason, EndReason)
        rules.check_free_text("note", c.note, required=False)
        self._record(self.FollowUpEnded, c, recorded_at)


def _nested_event_classes(aggregate: type[Family]) -> tuple[type[Family.Event], ...]:
    """The event classes defined in ``aggregate``'s body, in order (an alias once).

    Found by introspection, so that a new event class is never left out of
    :attr:`Family.EVENT_CLASSES`; :mod:`familiekoordinering.domain.events`
    declares what interprets each.
    """
    found: dict[type[Family.Event], None] = {}
    for value in vars(aggregate).values():
        if (
            isinstance(value, type)
            and issubclass(value, aggregate.Event)
            and value is not aggregate.Event
        ):
            found[value] = None
    return tuple(found)


Family.EVENT_CLASSES = _nested_event_classes(Family)

RIGHTS_AFTER_THE_END: frozenset[type[Family.Event]] = frozenset(
    {
        Family.ConsentRefused,
        Family.ConsentWithdrawn,
        Family.ResearchConsentWithdrawn,
        Family.FamilyInformed,
    }
)
"""What may be recorded after the follow-up ended, and after its planned end.

The family's rights (to refuse, to withdraw, to be told) outlive the work with
it. The commands' date check (``Family._check_command``) and the audit read
this one set: any other event dated outside the programme's period is
refused when recorded, and reported by the audit if it is stored anyway.
"""
CLOSING: frozenset[type[Family.Event]] = frozenset(
    {Family.FollowUpExtended, Family.FollowUpEnded}
)
"""What may be recorded after the planned end (not after the end): extend or end."""
_NOT_BEFORE_THE_END = RIGHTS_AFTER_THE_END | {Family.FollowUpEnded}
"""What does not move ``latest_on``: what an end may be dated before."""


def _check_date(name: str, value: object) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidInputError(f"{name} must be a date (datetime.date), not {value!r}")


def _check_enum(name: str, value: object, enum_cls: type[enum.Enum]) -> None:
    if not isinstance(value, enum_cls):
        choices = ", ".join(str(m.value) for m in enum_cls)
        raise InvalidInputError(f"{name} must be one of {choices}, not {value!r}")
