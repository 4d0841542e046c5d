"""Outward actions and how the family knows of them ("never without the family knowing")."""

from __future__ import annotations

import enum
from datetime import date
from uuid import UUID

import attrs

from familiekoordinering.domain.consent import OutwardActionKind
from familiekoordinering.domain.values import (
    Agency,
    ConsentId,
    MemberId,
    OutwardActionId,
    PersonalText,
    Topic,
)

__all__ = [
    "Channel",
    "FamilyKnows",
    "KnowledgeKind",
    "OutwardAction",
]


class Channel(enum.StrEnum):
    """How an agency was contacted, or how the family was told."""

    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"
    MEETING = "meeting"
    DIGITAL_MESSAGE = "digital_message"
    IN_PERSON = "in_person"
    OTHER = "other"


class KnowledgeKind(enum.StrEnum):
    """How the family knows of an outward action."""

    PRESENT = "present"
    AGREED_BEFOREHAND = "agreed_beforehand"
    INFORM_AFTERWARDS = "inform_afterwards"


@attrs.frozen
class FamilyKnows:
    """How the family knows of an action: present, agreed beforehand, or told afterwards.

    Build one with :meth:`present`, :meth:`agreed_beforehand` (naming the earlier
    meeting or plan step where it was agreed) or :meth:`inform_afterwards`
    (optionally with a deadline; the programme's default applies otherwise).
    """

    kind: KnowledgeKind
    agreed_in: UUID | None = None
    inform_by: date | None = None

    @classmethod
    def present(cls) -> FamilyKnows:
        """The family (a member concerned) was present when it happened."""
        return cls(KnowledgeKind.PRESENT)

    @classmethod
    def agreed_beforehand(cls, meeting_or_step_id: UUID) -> FamilyKnows:
        """The action was agreed at an earlier meeting or in a step of the plan."""
        return cls(KnowledgeKind.AGREED_BEFOREHAND, agreed_in=meeting_or_step_id)

    @classmethod
    def inform_afterwards(cls, by: date | None = None) -> FamilyKnows:
        """The family is to be told afterwards, by ``by`` or the programme's deadline."""
        return cls(KnowledgeKind.INFORM_AFTERWARDS, inform_by=by)


@attrs.frozen
class OutwardAction:
    """An action taken towards an agency on the family's behalf, as recorded."""

    action_id: OutwardActionId
    kind: OutwardActionKind
    agency: Agency
    topics: frozenset[Topic]
    member_ids: frozenset[MemberId]
    purpose: PersonalText
    channel: Channel
    consent_ids: tuple[ConsentId, ...]
    family_knows: FamilyKnows
    occurred_on: date
    informed_on: date | None = None
    legal_basis: PersonalText | None = None

    @property
    def under_legal_duty(self) -> bool:
        """Whether the action was taken under a legal duty rather than consent."""
        return self.legal_basis is not None
