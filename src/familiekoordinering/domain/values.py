"""Value objects and vocabularies shared by the whole domain.

Everything here is an immutable attrs class or an enumeration. None of it reads a
clock, the environment or storage. Every value object checks its fields when it
is built (see :mod:`familiekoordinering.domain.validation`): a malformed one
cannot exist, and building one raises
:class:`~familiekoordinering.errors.InvalidInputError` naming the field. The
rules in :mod:`familiekoordinering.domain.rules` then judge values against the
family when a command uses them.

Stored history never fails to load because a check became stricter later: the
stored form is read without running these checks, and values rebuilt from
stored events are built inside
:func:`~familiekoordinering.domain.validation.loading_stored_history`.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Annotated, Final, NewType
from uuid import UUID

import attrs

from familiekoordinering.domain import validation as v

__all__ = [
    "Actor",
    "Agency",
    "AgencyKind",
    "ConsentId",
    "FamilyId",
    "GainId",
    "GoalId",
    "InvestmentId",
    "MeetingId",
    "Member",
    "MemberId",
    "MemberKind",
    "Municipality",
    "OutwardActionId",
    "RefusalId",
    "Role",
    "SectorPlanId",
    "StepId",
    "SurveyId",
    "TeamMemberId",
    "Topic",
]

FamilyId = NewType("FamilyId", UUID)
"""Identifies a participating family (the aggregate id)."""
MemberId = NewType("MemberId", UUID)
"""Identifies a member of a family."""
ConsentId = NewType("ConsentId", UUID)
"""Identifies a consent (an entry of the cooperation agreement)."""
RefusalId = NewType("RefusalId", UUID)
"""Identifies a recorded refusal of consent."""
GoalId = NewType("GoalId", UUID)
"""Identifies a goal of the family's plan."""
StepId = NewType("StepId", UUID)
"""Identifies an agreed step of the family's plan."""
SectorPlanId = NewType("SectorPlanId", UUID)
"""Identifies a link to an external sector plan."""
MeetingId = NewType("MeetingId", UUID)
"""Identifies a meeting held with or about the family."""
OutwardActionId = NewType("OutwardActionId", UUID)
"""Identifies an outward action (an agency contacted, information shared, a referral)."""
SurveyId = NewType("SurveyId", UUID)
"""Identifies a completed survey (kartlegging)."""
TeamMemberId = NewType("TeamMemberId", UUID)
"""Identifies a member of a family's investment team (Asker's *investeringsteam*)."""
InvestmentId = NewType("InvestmentId", UUID)
"""Identifies what one actor of the investment team put in."""
GainId = NewType("GainId", UUID)
"""Identifies a gain recorded for the investment (*gevinst*)."""


@attrs.frozen
class PersonalData:
    """The mark of a field that holds personal data about the family.

    Names, birth dates and free text (notes, purposes, a goal in the family's
    own words) are marked with :data:`PersonalText` or :data:`PersonalDate`.
    Where a store encrypts, these fields are encrypted with the family's own
    key; erasing the key leaves ids, dates, categories and survey scores
    readable and these fields as :data:`ERASED_TEXT` / :data:`ERASED_DATE`.
    """


PERSONAL: Final = PersonalData()
"""The one :class:`PersonalData` mark."""
PersonalText = Annotated[str, PERSONAL]
"""A name or free text about the family (personal data)."""
PersonalDate = Annotated[date, PERSONAL]
"""A date that identifies a person, such as a birth date (personal data)."""
ERASED_TEXT: Final = "[erased]"
"""What a :data:`PersonalText` reads as once the family's data has been erased."""
ERASED_DATE: Final = date.min
"""What a :data:`PersonalDate` reads as once the family's data has been erased."""


Municipality = NewType("Municipality", str)
"""An official municipality number: four digits in Norway (4204), three in Denmark (153)."""


class Role(enum.StrEnum):
    """The role in which a user acts."""

    COORDINATOR = "coordinator"
    TEAM_LEAD = "team_lead"
    FAMILY_MEMBER = "family_member"
    RESEARCHER = "researcher"
    AUDITOR = "auditor"
    SYSTEM = "system"


@attrs.frozen
class Actor:
    """Who recorded something: a user id, the role they acted in, their municipality."""

    user_id: str = attrs.field(validator=v.label("actor.user_id"))
    role: Role = attrs.field(validator=v.choice("actor.role", Role))
    municipality: Municipality = attrs.field(
        validator=v.municipality("actor.municipality")
    )


class Topic(enum.StrEnum):
    """A life area: the area of a goal and the subject of a consent or contact."""

    WORK = "work"
    ECONOMY = "economy"
    HOUSING = "housing"
    SCHOOL = "school"
    LEISURE = "leisure"
    HEALTH = "health"
    WELL_BEING = "well_being"
    PARENTING = "parenting"
    OTHER = "other"


class AgencyKind(enum.StrEnum):
    """The kinds of agency in the help system a coordinator works with."""

    NAV = "nav"
    SCHOOL = "school"
    KINDERGARTEN = "kindergarten"
    HEALTH_STATION = "health_station"
    GP = "gp"
    HEALTH_SERVICE = "health_service"
    CHILD_WELFARE = "child_welfare"
    FOLLOW_UP_SERVICE = "follow_up_service"
    HOUSING_OFFICE = "housing_office"
    LEISURE = "leisure"
    VOLUNTEER = "volunteer"
    PRIVATE = "private"
    OTHER = "other"


@attrs.frozen
class Agency:
    """An agency: its kind and, optionally, a named unit ("NAV Kristiansand").

    A consent for an agency kind with no unit covers every unit of that kind; a
    consent naming a unit covers only that unit.
    """

    kind: AgencyKind = attrs.field(validator=v.choice("agency.kind", AgencyKind))
    unit: PersonalText | None = attrs.field(
        default=None, validator=v.label("agency.unit", required=False)
    )
    """The named unit, if any: personal data (it can tell where the family lives
    or what help it gets), sealed with the family's key like free text."""

    def covers(self, other: Agency) -> bool:
        """Return whether a consent for this agency covers an action towards ``other``."""
        return self.kind is other.kind and (
            self.unit is None or self.unit == other.unit
        )

    def __str__(self) -> str:
        return (
            self.kind.value if self.unit is None else f"{self.kind.value} ({self.unit})"
        )


class MemberKind(enum.StrEnum):
    """Whether a member takes part as an adult of the household or as a child."""

    ADULT = "adult"
    CHILD = "child"


def age_on(birth_date: date, on: date) -> int:
    """Return the age in whole years of someone born on ``birth_date``, on ``on``.

    Someone born on 29 February turns a year older on 1 March in common years.
    """
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


@attrs.frozen
class Member:
    """A member of the family: an adult or a child, with their guardians."""

    member_id: MemberId = attrs.field(validator=v.identifier("member.member_id"))
    name: PersonalText = attrs.field(validator=v.label("member.name"))
    birth_date: PersonalDate = attrs.field(validator=v.day("member.birth_date"))
    kind: MemberKind = attrs.field(validator=v.choice("member.kind", MemberKind))
    guardian_ids: frozenset[MemberId] = attrs.field(
        default=frozenset(), validator=v.set_of("member.guardian_ids", UUID)
    )
