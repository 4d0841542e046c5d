"""The programme's period as pure functions: the dates a family's record may hold.

A family's follow-up starts on the day it is enrolled and runs until the
programme's planned end; an extension moves the planned end later, and ending
the follow-up closes it. The work with the family is dated within that
period; the family's rights (to refuse, to withdraw, to be told) outlive it,
and extending or ending the follow-up may come after the planned end (not
after the end). Which events are which is the aggregate's to say
(``RIGHTS_AFTER_THE_END`` and ``CLOSING`` in
:mod:`familiekoordinering.domain.family`); these rules take the answer as
flags. Each returns nothing or raises with what to fix, and none of them
reads a clock, storage or the environment.
"""

from __future__ import annotations

from datetime import date

from familiekoordinering.errors import (
    FollowUpEndedError,
    InvalidInputError,
    RuleViolationError,
)

__all__ = [
    "check_ending",
    "check_extendable",
    "check_extension",
    "check_within_period",
]


def check_within_period(
    occurred_on: date,
    *,
    started_on: date,
    planned_end_on: date,
    ended_on: date | None,
    after_end_allowed: bool,
    after_planned_end_allowed: bool,
) -> None:
    """Refuse a command dated before the enrolment or outside the follow-up.

    ``occurred_on`` is never before ``started_on`` (the enrolment). It is not
    after ``ended_on`` (the end, None while the follow-up runs) unless
    ``after_end_allowed``, nor after ``planned_end_on`` unless
    ``after_planned_end_allowed``: the family's rights may be recorded after
    both, extending or ending the follow-up after the planned end only, and the
    work with the family after neither. The end and the planned end are days
    of the follow-up themselves.
    """
    if occurred_on < started_on:
        raise InvalidInputError(
            f"occurred_on {occurred_on.isoformat()} is before the family was "
            f"enrolled on {started_on.isoformat()}: check the date"
        )
    if not after_end_allowed and ended_on is not None and occurred_on > ended_on:
        raise FollowUpEndedError(
            f"the family's follow-up ended on {ended_on.isoformat()}; "
            f"nothing can be recorded for {occurred_on.isoformat()}"
        )
    if not after_planned_end_allowed and occurred_on > planned_end_on:
        raise FollowUpEndedError(
            f"{occurred_on.isoformat()} is after the programme's planned end on "
            f"{planned_end_on.isoformat()}: extend the follow-up first (who "
            "decided, why, until when: extend_follow_up), or end it"
        )


def check_extendable(ended_on: date | None) -> None:
    """Refuse to extend a follow-up that ended (``ended_on`` is None while it runs).

    An ended follow-up stays ended: a family that needs more is enrolled again.
    """
    if ended_on is not None:
        raise FollowUpEndedError(
            f"the follow-up ended on {ended_on.isoformat()}: an ended "
            "follow-up is not extended (enrol the family again if it needs more)"
        )


def check_extension(until: date, occurred_on: date, *, planned_end_on: date) -> None:
    """Refuse an extension that does not run past the planned end and its own day.

    ``until`` is the new planned end, ``occurred_on`` the day the extension is
    decided and ``planned_end_on`` the planned end it extends: ``until`` is
    after both.
    """
    if until <= planned_end_on:
        raise InvalidInputError(
            f"until is {until.isoformat()}: an extension runs past the planned "
            f"end on {planned_end_on.isoformat()}"
        )
    if until <= occurred_on:
        raise InvalidInputError(
            f"until is {until.isoformat()}, not after the day the extension "
            f"was decided ({occurred_on.isoformat()})"
        )


def check_ending(occurred_on: date, *, latest_on: date, ended_on: date | None) -> None:
    """Refuse to end a follow-up that ended, or on a day before work recorded.

    ``occurred_on`` is the day of the end, ``latest_on`` the newest day of the
    work and the extensions recorded for the family (not of the family's
    rights after the end) and ``ended_on`` the end already recorded (None
    while the follow-up runs). The follow-up ends once, and on ``latest_on``
    or later.
    """
    if ended_on is not None:
        raise FollowUpEndedError(
            f"the follow-up already ended on {ended_on.isoformat()}"
        )
    if occurred_on < latest_on:
        raise RuleViolationError(
            f"the follow-up cannot end on {occurred_on.isoformat()}: something was "
            f"recorded for {latest_on.isoformat()}, after it; end it on "
            f"{latest_on.isoformat()} or later"
        )
