"""The programme's period as pure rules (``domain/period.py``), day by day at its edges.

Each test pins one edge the mutation run (``[tool.mutmut]``, docs/consent.md)
found or could find unpinned: the enrolment day, the day the follow-up ended
and its planned end are days of the follow-up; the day after each is not, for
the work with the family; the family's rights outlive both, extending and
ending the follow-up outlive the planned end only. The aggregate calls these
rules (tests/test_programme_period.py goes through the application).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from familiekoordinering.domain.period import (
    check_ending,
    check_extendable,
    check_extension,
    check_within_period,
)
from familiekoordinering.errors import (
    FollowUpEndedError,
    InvalidInputError,
    RuleViolationError,
)

pytestmark = pytest.mark.domain

START = date(2026, 1, 5)
PLANNED_END = date(2031, 1, 4)
ENDED = date(2028, 6, 30)
DAY = timedelta(days=1)

WORK = {"after_end_allowed": False, "after_planned_end_allowed": False}
RIGHTS = {"after_end_allowed": True, "after_planned_end_allowed": True}
CLOSING = {"after_end_allowed": False, "after_planned_end_allowed": True}


def _within(
    on: date, *, ended_on: date | None = None, allowed: dict[str, bool] = WORK
) -> None:
    check_within_period(
        on, started_on=START, planned_end_on=PLANNED_END, ended_on=ended_on, **allowed
    )


# ------------------------------------------------------------ the enrolment


def test_work_on_the_enrolment_day_is_within_the_period() -> None:
    _within(START)


def test_anything_dated_before_the_enrolment_is_refused_even_a_right() -> None:
    for allowed in (WORK, RIGHTS, CLOSING):
        with pytest.raises(InvalidInputError, match="before the family was enrolled"):
            _within(START - DAY, allowed=allowed)


# ------------------------------------------------------------ the end


def test_work_while_the_follow_up_runs_is_within_the_period() -> None:
    _within(START + DAY)
    _within(ENDED)
    _within(PLANNED_END - DAY)


def test_work_on_the_day_the_follow_up_ended_is_accepted() -> None:
    _within(ENDED, ended_on=ENDED)


def test_work_the_day_after_the_follow_up_ended_is_refused() -> None:
    with pytest.raises(FollowUpEndedError, match="follow-up ended on 2028-06-30"):
        _within(ENDED + DAY, ended_on=ENDED)


def test_the_family_s_rights_are_recorded_after_the_end() -> None:
    _within(ENDED + DAY, ended_on=ENDED, allowed=RIGHTS)
    _within(PLANNED_END + DAY, ended_on=ENDED, allowed=RIGHTS)


def test_extending_or_ending_after_the_end_is_refused_as_work_is() -> None:
    with pytest.raises(FollowUpEndedError, match="follow-up ended on 2028-06-30"):
        _within(ENDED + DAY, ended_on=ENDED, allowed=CLOSING)


def test_the_end_refuses_before_the_planned_end_does() -> None:
    with pytest.raises(FollowUpEndedError, match="follow-up ended on"):
        _within(PLANNED_END + DAY, ended_on=ENDED)


# ------------------------------------------------------------ the planned end


def test_work_on_the_planned_end_is_accepted() -> None:
    _within(PLANNED_END)


def test_work_the_day_after_the_planned_end_is_refused() -> None:
    with pytest.raises(FollowUpEndedError, match="after the programme's planned end"):
        _within(PLANNED_END + DAY)


def test_extending_or_ending_after_the_planned_end_is_accepted() -> None:
    _within(PLANNED_END + DAY, allowed=CLOSING)
    _within(PLANNED_END + DAY, ended_on=PLANNED_END + DAY, allowed=CLOSING)


def test_the_family_s_rights_are_recorded_after_the_planned_end() -> None:
    _within(PLANNED_END + DAY, allowed=RIGHTS)


def test_work_after_an_end_later_than_the_planned_end_is_refused_by_the_planned_end() -> (
    None
):
    with pytest.raises(FollowUpEndedError, match="after the programme's planned end"):
        _within(PLANNED_END + DAY, ended_on=PLANNED_END + 10 * DAY)


# ------------------------------------------------------------ extending


def test_a_running_follow_up_is_extendable() -> None:
    check_extendable(None)


def test_an_ended_follow_up_is_not_extended() -> None:
    with pytest.raises(FollowUpEndedError, match="an ended follow-up is not extended"):
        check_extendable(ENDED)


def test_an_extension_to_the_day_after_the_planned_end_is_accepted() -> None:
    check_extension(PLANNED_END + DAY, START, planned_end_on=PLANNED_END)


def test_an_extension_to_the_planned_end_itself_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="runs past the planned end"):
        check_extension(PLANNED_END, START, planned_end_on=PLANNED_END)
    with pytest.raises(InvalidInputError, match="runs past the planned end"):
        check_extension(PLANNED_END - DAY, START, planned_end_on=PLANNED_END)


def test_an_extension_to_the_day_it_is_decided_is_refused() -> None:
    decided = PLANNED_END + 30 * DAY
    with pytest.raises(InvalidInputError, match="not after the day the extension"):
        check_extension(decided, decided, planned_end_on=PLANNED_END)
    with pytest.raises(InvalidInputError, match="not after the day the extension"):
        check_extension(decided - DAY, decided, planned_end_on=PLANNED_END)


def test_an_extension_to_the_day_after_it_is_decided_is_accepted() -> None:
    decided = PLANNED_END + 30 * DAY
    check_extension(decided + DAY, decided, planned_end_on=PLANNED_END)


# ------------------------------------------------------------ ending


def test_a_running_follow_up_ends_on_its_newest_day_of_work() -> None:
    check_ending(ENDED, latest_on=ENDED, ended_on=None)
    check_ending(ENDED + DAY, latest_on=ENDED, ended_on=None)


def test_a_follow_up_does_not_end_before_its_newest_day_of_work() -> None:
    with pytest.raises(RuleViolationError, match="cannot end on 2028-06-29") as refused:
        check_ending(ENDED - DAY, latest_on=ENDED, ended_on=None)
    assert not isinstance(refused.value, FollowUpEndedError)


def test_a_follow_up_ends_once() -> None:
    with pytest.raises(FollowUpEndedError, match="already ended on 2028-06-30"):
        check_ending(ENDED + DAY, latest_on=START, ended_on=ENDED)
