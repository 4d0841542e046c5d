"""Who may consent (and refuse) for whom, about what, at which age.

Adults consent for themselves. A child is covered through a guardian until
the age from which the child's own consent and refusal count for that topic;
from then on the child decides alone. Ages are judged on the date of the
action, so a guardian's consent stops covering a child on the birthday the
child gains a say of their own. The ages are policy: :class:`ConsentAges`
holds them per topic, with built-in profiles for Norway and Denmark, and a
programme can carry its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import attrs

from familiekoordinering.domain import validation as v
from familiekoordinering.domain.values import (
    Member,
    MemberId,
    MemberKind,
    Topic,
    age_on,
)

__all__ = ["ConsentAges", "entitled", "research_say", "say_of"]


def _frozen_ages(ages: Mapping[Topic, int]) -> dict[Topic, int]:
    # By the topic's text: the order of the stored form, whatever the keys are
    # (the validator then refuses keys that are not topics).
    if not isinstance(ages, Mapping):
        return ages
    return dict(sorted(ages.items(), key=lambda item: str(item[0])))


@attrs.frozen
class ConsentAges:
    """From which age a child's own consent and refusal count, per topic.

    Topics not listed follow ``adult_age``. Use :meth:`norway` or
    :meth:`denmark` for the built-in profiles, or build your own. The ages must
    be plausible: the adult age from 15 to 25, each age of a child's own say
    from 12 to 25 (an own say from after the adult age counts from the adult
    age).
    """

    adult_age: int = attrs.field(
        default=18, validator=v.whole_number("consent_ages.adult_age", *v.ADULT_AGES)
    )
    own_say_from: dict[Topic, int] = attrs.field(
        factory=dict,
        converter=_frozen_ages,
        validator=v.mapping_of("consent_ages.own_say_from", Topic, *v.OWN_SAY_AGES),
    )

    def age_for(self, topic: Topic) -> int:
        """The age from which a child consents (and refuses) alone about ``topic``."""
        return min(self.own_say_from.get(topic, self.adult_age), self.adult_age)

    @classmethod
    def for_jurisdiction(cls, jurisdiction: str) -> ConsentAges:
        """The built-in profile of a jurisdiction (``"no"`` or ``"dk"``)."""
        return cls.denmark() if jurisdiction == "dk" else cls.norway()

    @classmethod
    def norway(cls) -> ConsentAges:
        """Norway's profile.

        Health matters from 16 (pasient- og brukerrettighetsloven § 4-3);
        education and joining clubs and associations from 15 (barnelova § 32).
        """
        return cls(
            adult_age=18,
            own_say_from={
                Topic.HEALTH: 16,
                Topic.WELL_BEING: 16,
                Topic.SCHOOL: 15,
                Topic.LEISURE: 15,
            },
        )

    @classmethod
    def denmark(cls) -> ConsentAges:
        """Denmark: health matters from 15 (sundhedsloven § 17)."""
        return cls(
            adult_age=18,
            own_say_from={Topic.HEALTH: 15, Topic.WELL_BEING: 15},
        )


def say_of(member: Member, topic: Topic, on: date, ages: ConsentAges) -> str:
    """Explain in words who decides for ``member`` about ``topic`` on ``on``."""
    if member.kind is MemberKind.ADULT:
        return f"{member.name} is an adult and decides for themselves"
    age = age_on(member.birth_date, on)
    threshold = ages.age_for(topic)
    if age >= threshold:
        return (
            f"{member.name} is {age} on {on.isoformat()} and decides about "
            f"{topic.value} alone from {threshold}"
        )
    return (
        f"{member.name} is {age} on {on.isoformat()}; a guardian decides about "
        f"{topic.value} until {threshold}"
    )


def entitled(
    member: Member, topic: Topic, on: date, ages: ConsentAges
) -> frozenset[MemberId]:
    """The members whose consent (or refusal) counts for ``member`` about ``topic`` on ``on``.

    The member alone when an adult or old enough to decide about the topic;
    otherwise the member's guardians.
    """
    if member.kind is MemberKind.ADULT:
        return frozenset({member.member_id})
    if age_on(member.birth_date, on) >= ages.age_for(topic):
        return frozenset({member.member_id})
    return member.guardian_ids


def research_say(member: Member, on: date, ages: ConsentAges) -> frozenset[MemberId]:
    """Who gives (or withdraws) consent to use ``member``'s answers in research, on ``on``.

    Research consent is its own purpose, apart from consent to contact
    agencies. An adult decides for themselves; so does a child from the adult
    age (``ages.adult_age``); until then, the child's guardians do.
    """
    if (
        member.kind is MemberKind.ADULT
        or age_on(member.birth_date, on) >= ages.adult_age
    ):
        return frozenset({member.member_id})
    return frozenset(member.guardian_ids)
