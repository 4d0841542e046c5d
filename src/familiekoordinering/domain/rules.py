"""Input rules as pure functions: each returns nothing or raises with what to fix.

The aggregate calls these before it records anything; apps may call them to
check input early. None of them reads a clock, storage or the environment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from datetime import date, datetime, timedelta, timezone
from typing import TypeVar

import attrs

from familiekoordinering.domain.capacity import ConsentAges
from familiekoordinering.domain.programme import Eligibility, Programme
from familiekoordinering.domain.survey import Survey, SurveyKind
from familiekoordinering.domain.validation import (
    MAX_TEXT,
    check_free_text,
    check_label,
    check_range,
    check_text,
)
from familiekoordinering.domain.validation import (
    check_municipality_number as check_municipality,
)
from familiekoordinering.domain.values import (
    Actor,
    Member,
    MemberId,
    MemberKind,
    age_on,
)
from familiekoordinering.errors import (
    DuplicateIdError,
    InvalidInputError,
    RuleViolationError,
)

__all__ = [
    "EASTERNMOST",
    "MAX_TEXT",
    "check_actor",
    "check_adult",
    "check_caseload",
    "check_eligibility",
    "check_enrolment_date",
    "check_free_text",
    "check_label",
    "check_member",
    "check_municipality",
    "check_new_id",
    "check_not_after_recording",
    "check_programme",
    "check_range",
    "check_survey",
    "check_survey_date",
    "check_text",
    "recording_day",
]

EASTERNMOST = timezone(timedelta(hours=14), "UTC+14")
"""The easternmost time zone (Kiribati's Line Islands): where a new day starts first."""

K = TypeVar("K")


def check_actor(actor: Actor) -> None:
    """Refuse an actor without a user id or with a malformed municipality."""
    if not isinstance(actor, Actor):
        raise InvalidInputError(
            f"actor must be an Actor(user_id, role, municipality), not {actor!r}"
        )
    check_text("actor.user_id", actor.user_id)
    check_municipality(actor.municipality)


def check_new_id(
    kind: str, new_id: K, existing: Mapping[K, object] | AbstractSet[K]
) -> None:
    """Refuse an id that is already used for a record of this kind."""
    if new_id in existing:
        raise DuplicateIdError(
            f"{kind} id {new_id} is already used in this family: give a new id "
            "or leave it out to have one generated"
        )


def check_programme(programme: Programme) -> None:
    """Refuse programme settings that cannot work.

    The limits are the value's own (:mod:`familiekoordinering.domain.validation`),
    checked again here: one place says them.
    """
    attrs.validate(programme)


def check_eligibility(eligibility: Eligibility) -> None:
    """Refuse impossible income facts (negative income, a zero threshold, …).

    The limits are the value's own, checked again here (see :func:`check_programme`).
    """
    attrs.validate(eligibility)


def recording_day(recorded_at: datetime) -> date:
    """Return the latest calendar date anywhere on Earth at the moment ``recorded_at``.

    That is the date in :data:`EASTERNMOST` (UTC+14): whatever time zone the
    person recording lives in, their "today" is at most this date, so comparing
    with it never refuses a Norwegian or Danish "today" recorded just after
    local midnight. ``recorded_at`` must be timezone-aware (the application's
    clock guarantees it).
    """
    if not isinstance(recorded_at, datetime) or recorded_at.utcoffset() is None:
        raise InvalidInputError(
            f"recorded_at must be a timezone-aware datetime, not {recorded_at!r}: "
            "give the application's clock reading (e.g. datetime.now(UTC))"
        )
    try:
        return recorded_at.astimezone(EASTERNMOST).date()
    except OverflowError:  # within 14 hours of the calendar's last moment
        return date.max


def check_not_after_recording(name: str, on: date, recorded_at: datetime) -> None:
    """Refuse an event dated after the day it is recorded.

    An event happened on or before the moment it is written down; "the day it
    is recorded" is :func:`recording_day` (the date in UTC+14), so that no time
    zone's "today" is refused. Dates that are future by nature (a goal's
    ``target_on``, a step's ``due_on``, a consent's ``valid_from`` and
    ``valid_until``, a deadline to inform the family) are not event dates and
    are not checked here.
    """
    latest = recording_day(recorded_at)
    if on > latest:
        raise InvalidInputError(
            f"{name} {on.isoformat()} is after the day it is recorded "
            f"({latest.isoformat()}, the latest date anywhere at "
            f"{recorded_at.isoformat(timespec='minutes')}): an event cannot be dated "
            f"in the future; give the day it happened, {latest.isoformat()} or earlier"
        )


def check_caseload(
    coordinator: str, families: int, limit: int | None, over_caseload: str | None
) -> bool:
    """Whether taking on one more family goes beyond the programme's caseload.

    ``families`` is how many other families the coordinator follows now. At
    the limit the assignment is refused unless ``over_caseload`` says why (and
    who allowed it); then this returns True, and the family records it. An
    ``over_caseload`` given below the limit, or where the programme sets none,
    is refused too: an override is recorded only when it overrides something.
    The override is free text (:func:`~familiekoordinering.domain.validation.check_free_text`).
    """
    if limit is None or families < limit:
        if over_caseload is not None:
            raise InvalidInputError(
                f"over_caseload is given, but {coordinator} follows {families} "
                + (
                    "families and the programme sets no caseload"
                    if limit is None
                    else f"families, fewer than the programme's caseload of {limit}"
                )
                + ": leave it out"
            )
        return False
    if over_caseload is None:
        raise RuleViolationError(
            f"{coordinator} already follows {families} families, and the programme's "
            f"caseload is {limit}: hand a family over first, or give over_caseload "
            "(why, and who allowed it) to take this one on beyond it"
        )
    check_free_text("over_caseload", over_caseload)
    return True


def check_enrolment_date(on: date, programme: Programme) -> None:
    """Refuse an enrolment date whose planned end the calendar cannot hold.

    The planned end is ``on`` plus the programme's duration; past 9999-12-31
    there is no date to store it as.
    """
    try:
        programme.planned_end(on)
    except (ValueError, OverflowError):
        raise InvalidInputError(
            f"occurred_on {on.isoformat()}: a programme of "
            f"{programme.duration_months} months started then would end after "
            f"{date.max.isoformat()}, the last date there is: give the day the "
            "family was enrolled"
        ) from None


def check_survey_date(
    kind: SurveyKind, on: date, baseline_on: date | None, surveys_recorded: int
) -> None:
    """Refuse a survey dated before the family's baseline, or a baseline after others.

    The baseline maps the family's situation at the start, so no survey is
    dated before it. ``baseline_on`` is the baseline's date (None before there
    is one) and ``surveys_recorded`` the number of surveys already recorded: a
    baseline must be the first survey, since a survey recorded earlier might be
    dated before it.
    """
    if baseline_on is not None and on < baseline_on:
        raise InvalidInputError(
            f"occurred_on {on.isoformat()} is before the family's baseline survey of "
            f"{baseline_on.isoformat()}: no survey is dated before the baseline; give "
            f"{baseline_on.isoformat()} or later"
        )
    if kind is SurveyKind.BASELINE and baseline_on is None and surveys_recorded:
        raise RuleViolationError(
            f"the family already has {surveys_recorded} survey(s) and the baseline "
            "is the first survey: record this one as SurveyKind.ANNUAL"
        )


def check_adult(member: Member, on: date, ages: ConsentAges) -> None:
    """Refuse an ADULT member younger than the programme's adult age on ``on``.

    An adult member decides for themselves (consent, refusal, research) and
    may be a guardian, so they must be of age (``ages.adult_age``, 18 in the
    built-in profiles) on the day they are added. There is deliberately no
    exception for a parent under that age: the domain gives consent to adults
    and guardians, and a minor parent is a minor (their own say follows the
    consent ages by topic). Add them as ``MemberKind.CHILD``; as such they
    cannot be the guardian of a child member.
    """
    if member.kind is not MemberKind.ADULT:
        return
    age = age_on(member.birth_date, on)
    if age < ages.adult_age:
        raise InvalidInputError(
            f"kind ADULT: a member born {member.birth_date.isoformat()} is {age} on "
            f"{on.isoformat()}, the day they are added, and an adult is at least "
            f"{ages.adult_age}: add them as MemberKind.CHILD, or check the birth date"
        )


def check_member(
    member: Member, on: date, adults: Mapping[MemberId, Member], ages: ConsentAges
) -> None:
    """Refuse a member born in the future, an under-age ADULT or guardians not adults here.

    ``on`` is the day the member is added, ``adults`` the family's current
    adult members and ``ages`` the programme's consent ages (see
    :func:`check_adult`).
    """
    check_text("member name", member.name)
    if member.birth_date > on:
        raise InvalidInputError(
            f"birth date {member.birth_date.isoformat()} is after the date the member "
            f"was added ({on.isoformat()}): check the birth date"
        )
    if age_on(member.birth_date, on) > 120:
        raise InvalidInputError(
            f"birth date {member.birth_date.isoformat()} makes the member over 120 "
            "years old: check the birth date"
        )
    check_adult(member, on, ages)
    if member.kind is MemberKind.ADULT and member.guardian_ids:
        raise InvalidInputError(
            "an adult member has no guardians in the family: leave guardian_ids empty"
        )
    for guardian_id in member.guardian_ids:
        if guardian_id not in adults:
            raise InvalidInputError(
                f"guardian {guardian_id} is not an adult member of this family: add "
                "the guardian as an adult first"
            )


def _check_unique(name: str, member_ids: Iterable[MemberId]) -> None:
    seen: set[MemberId] = set()
    for member_id in member_ids:
        if member_id in seen:
            raise InvalidInputError(f"{name} has two answers for member {member_id}")
        seen.add(member_id)


def check_survey(
    survey: Survey,
    adults: Mapping[MemberId, Member],
    children: Mapping[MemberId, Member],
) -> None:
    """Refuse survey answers out of range or about the wrong members.

    Work answers are for adults, school and leisure answers for children, and
    well-being answers for any current member; each member answers once per area.
    Each answer's ranges are its own, checked again here (see
    :func:`check_programme`).
    """
    attrs.validate(survey.housing)
    attrs.validate(survey.economy)
    for answers in (survey.work, survey.school, survey.leisure, survey.well_being):
        for each in answers:
            attrs.validate(each)
    for answer in survey.work:
        if answer.member_id not in adults:
            raise InvalidInputError(
                f"work answer for {answer.member_id}: work is asked of current adult "
                "members only"
            )
    for school in survey.school:
        if school.member_id not in children:
            raise InvalidInputError(
                f"school answer for {school.member_id}: school is asked of current "
                "children only"
            )
    for leisure in survey.leisure:
        if leisure.member_id not in children:
            raise InvalidInputError(
                f"leisure answer for {leisure.member_id}: leisure is asked of current "
                "children only"
            )
    for well in survey.well_being:
        if well.member_id not in adults and well.member_id not in children:
            raise InvalidInputError(
                f"well-being answer for {well.member_id}: not a current member"
            )
    _check_unique("work", (a.member_id for a in survey.work))
    _check_unique("school", (a.member_id for a in survey.school))
    _check_unique("leisure", (a.member_id for a in survey.leisure))
    _check_unique("well_being", (a.member_id for a in survey.well_being))
    check_text("survey note", survey.note, required=False)
