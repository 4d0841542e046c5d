"""Outward actions and how the family knows of them ("never without the family knowing")."""

from __future__ import annotations

import enum
from datetime import date
from uuid import UUID

import attrs

from familiekoordinering.domain import validation as v
from familiekoordinering.domain.consent import OutwardActionKind
from familiekoordinering.domain.values import (
    Agency,
    ConsentId,
    MemberId,
    OutwardActionId,
    PersonalText,
    Topic,
)
from familiekoordinering.errors import InvalidInputError

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
    Only "agreed beforehand" names a meeting or step (and must), and only
    "inform afterwards" has a deadline.
    """

    kind: KnowledgeKind = attrs.field(
        validator=v.choice("family_knows.kind", KnowledgeKind)
    )
    agreed_in: UUID | None = attrs.field(
        default=None, validator=v.identifier("family_knows.agreed_in", optional=True)
    )
    inform_by: date | None = attrs.field(
        default=None,
        validator=[
            v.day("family_knows.inform_by", optional=True),
            v.whole_value(lambda knows: _check_family_knows(knows)),
        ],
    )

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


def _check_family_knows(knows: FamilyKnows) -> None:
    """Refuse a meeting reference or deadline that does not fit how the family knows."""
    agreed = knows.kind is KnowledgeKind.AGREED_BEFOREHAND
    if agreed and knows.agreed_in is None:
        raise InvalidInputError(
            "family_knows.agreed_in is required when it was agreed beforehand: give "
            "the id of the meeting or plan step (FamilyKnows.agreed_beforehand(id))"
        )
    if not agreed and knows.agreed_in is not None:
        raise InvalidInputError(
            "family_knows.agreed_in names the meeting or step where an action was "
            "agreed beforehand: leave it out unless kind is AGREED_BEFOREHAND"
        )
    if knows.inform_by is not None and knows.kind is not (
        KnowledgeKind.INFORM_AFTERWARDS
    ):
        raise InvalidInputError(
            "family_knows.inform_by is the deadline for telling the family "
            "afterwards: leave it out unless kind is INFORM_AFTERWARDS"
        )


@attrs.frozen
class OutwardAction:
    """An action taken towards an agency on the family's behalf, as recorded."""

    action_id: OutwardActionId = attrs.field(
        validator=v.identifier("outward_action.action_id")
    )
    kind: OutwardActionKind = attrs.field(
        validator=v.choice("outward_action.kind", OutwardActionKind)
    )
    agency: Agency = attrs.field(
        validator=v.instance_of("outward_action.agency", Agency)
    )
    topics: frozenset[Topic] = attrs.field(
        validator=v.set_of("outward_action.topics", Topic)
    )
    member_ids: frozenset[MemberId] = attrs.field(
        validator=v.set_of("outward_action.member_ids", UUID)
    )
    purpose: PersonalText = attrs.field(validator=v.free_text("outward_action.purpose"))
    channel: Channel = attrs.field(
        validator=v.choice("outward_action.channel", Channel)
    )
    consent_ids: tuple[ConsentId, ...] = attrs.field(
        validator=v.tuple_of("outward_action.consent_ids", UUID)
    )
    family_knows: FamilyKnows = attrs.field(
        validator=v.instance_of("outward_action.family_knows", FamilyKnows)
    )
    occurred_on: date = attrs.field(validator=v.day("outward_action.occurred_on"))
    informed_on: date | None = attrs.field(
        default=None, validator=v.day("outward_action.informed_on", optional=True)
    )
    legal_basis: PersonalText | None = attrs.field(
        default=None,
        validator=v.free_text("outward_action.legal_basis", required=False),
    )

    @property
    def under_legal_duty(self) -> bool:
        """Whether the action was taken under a legal duty rather than consent."""
        return self.legal_basis is not None
