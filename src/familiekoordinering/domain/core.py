"""What a family's aggregate and its record share: the family, its people, its consents.

:class:`FamilyCore` holds the attributes and the queries that both the
:class:`~familiekoordinering.domain.family.Family` aggregate (what the rules
decide with) and the :class:`~familiekoordinering.domain.record.FamilyRecord`
(everything the events say) keep in the same form, and the values they hold.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date

import attrs

from familiekoordinering.domain import validation as v
from familiekoordinering.domain.consent import (
    Consent,
    ConsentRefusal,
    ConsentWithdrawal,
    Decision,
    OutwardActionKind,
    ProposedAction,
    decide,
)
from familiekoordinering.domain.programme import Eligibility, Programme, ReferralSource
from familiekoordinering.domain.survey import Survey
from familiekoordinering.domain.values import (
    Agency,
    ConsentId,
    Member,
    MemberId,
    Municipality,
    PersonalText,
    RefusalId,
    Topic,
)

__all__ = [
    "CompletedSurvey",
    "CoordinatorAssignment",
    "EndReason",
    "FamilyCore",
    "FollowUpEnd",
]


class EndReason(enum.StrEnum):
    """Why a family's follow-up ended."""

    COMPLETED = "completed"
    MOVED_AWAY = "moved_away"
    FAMILY_WITHDREW = "family_withdrew"
    OTHER = "other"


@attrs.frozen
class CoordinatorAssignment:
    """A coordinator's period with the family; the current one has no ``until_on``."""

    coordinator_id: str = attrs.field(validator=v.label("coordinator.coordinator_id"))
    name: str = attrs.field(validator=v.label("coordinator.name"))
    from_on: date = attrs.field(validator=v.day("coordinator.from_on"))
    until_on: date | None = attrs.field(
        default=None, validator=v.day("coordinator.until_on", optional=True)
    )
    note: PersonalText | None = attrs.field(
        default=None, validator=v.free_text("coordinator.note", required=False)
    )


@attrs.frozen
class CompletedSurvey:
    """A survey and the day it was completed."""

    completed_on: date = attrs.field(validator=v.day("completed_survey.completed_on"))
    survey: Survey = attrs.field(
        validator=v.instance_of("completed_survey.survey", Survey)
    )


@attrs.frozen
class FollowUpEnd:
    """When and why follow-up ended."""

    ended_on: date = attrs.field(validator=v.day("follow_up_end.ended_on"))
    reason: EndReason = attrs.field(
        validator=v.choice("follow_up_end.reason", EndReason)
    )
    note: PersonalText | None = attrs.field(
        default=None, validator=v.free_text("follow_up_end.note", required=False)
    )


class FamilyCore:
    """The family, its members, coordinators and consents, and the queries on them."""

    municipality: Municipality
    """The municipality number the family belongs to."""
    label: PersonalText
    """How the family is named in lists ("Hansen")."""
    programme: Programme
    """The programme the family is enrolled in, with its settings."""
    referral: ReferralSource
    """Who referred the family."""
    referral_note: PersonalText | None
    """Free text about the referral."""
    eligibility: Eligibility
    """The income facts at enrolment."""
    started_on: date
    """The day follow-up started (the enrolment's ``occurred_on``)."""
    planned_end_on: date
    """The day follow-up is planned to end."""
    members: dict[MemberId, Member]
    """Every member ever added, by id (members who left stay here)."""
    member_since: dict[MemberId, date]
    """The day each member was added."""
    departed: dict[MemberId, date]
    """The day each departed member left."""
    coordinators: list[CoordinatorAssignment]
    """Every coordinator's period with the family, oldest first."""
    consents: dict[ConsentId, Consent]
    """Every consent given, by id (withdrawn ones stay here)."""
    withdrawals: dict[ConsentId, ConsentWithdrawal]
    """Withdrawals, by the id of the consent withdrawn."""
    refusals: dict[RefusalId, ConsentRefusal]
    """Every refusal recorded, by id."""
    ended: FollowUpEnd | None
    """When and why follow-up ended, or ``None`` while it runs."""
    research_consents: dict[MemberId, date]
    """Members whose answers may be used in research, and since when."""

    def _start_core(self) -> None:
        """Empty containers for the shared state (before the enrolment is applied)."""
        self.members = {}
        self.member_since = {}
        self.departed = {}
        self.coordinators = []
        self.consents = {}
        self.withdrawals = {}
        self.refusals = {}
        self.ended = None
        self.research_consents = {}

    @property
    def coordinator(self) -> CoordinatorAssignment | None:
        """The current coordinator's assignment, if any."""
        return self.coordinators[-1] if self.coordinators else None

    def is_member_on(self, member_id: MemberId, on: date) -> bool:
        """Whether ``member_id`` was a member of the family on ``on``."""
        since = self.member_since.get(member_id)
        if since is None or on < since:
            return False
        left = self.departed.get(member_id)
        return left is None or on < left

    def members_on(self, on: date) -> dict[MemberId, Member]:
        """The members of the family on ``on``."""
        return {m: v for m, v in self.members.items() if self.is_member_on(m, on)}

    def decide(
        self,
        *,
        kind: OutwardActionKind,
        agency: Agency,
        topics: Iterable[Topic],
        member_ids: Iterable[MemberId],
        on: date,
    ) -> Decision:
        """Ask whether the family's consents cover an outward action on ``on``.

        Judged by :func:`~familiekoordinering.domain.consent.decide` with the
        programme's consent ages, against everything recorded so far.
        """
        return decide(
            self.consents.values(),
            self.withdrawals,
            self.refusals.values(),
            ProposedAction(kind, agency, frozenset(topics), frozenset(member_ids), on),
            members=self.members,
            ages=self.programme.consent_ages,
        )
