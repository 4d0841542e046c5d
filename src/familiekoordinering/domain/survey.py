"""The survey of a family's situation (*kartlegging*): baseline, annual, exit.

Answers are numbers and categories so that they compare across families and
years; free text is optional and personal. No licensed questionnaire text is
reproduced: the areas follow the programme's own list (housing, economy, work,
school, leisure, well-being).
"""

from __future__ import annotations

import enum

import attrs

from familiekoordinering.domain.values import MemberId, PersonalText, SurveyId

__all__ = [
    "Benefit",
    "Economy",
    "Housing",
    "LeisureAnswer",
    "SchoolAnswer",
    "Survey",
    "SurveyKind",
    "WellBeingAnswer",
    "WorkAnswer",
    "WorkStatus",
]


class SurveyKind(enum.StrEnum):
    """When in the follow-up a survey was made."""

    BASELINE = "baseline"
    ANNUAL = "annual"
    EXIT = "exit"


@attrs.frozen
class Housing:
    """Housing: crowding, standard (1 very poor – 5 very good), moves in the last year."""

    persons_per_room: float
    standard: int
    moves_last_12_months: int


class Benefit(enum.StrEnum):
    """Support a family may be entitled to but not claim."""

    HOUSING_ALLOWANCE = "housing_allowance"
    CHILD_BENEFIT = "child_benefit"
    SOCIAL_ASSISTANCE = "social_assistance"
    REDUCED_KINDERGARTEN_FEE = "reduced_kindergarten_fee"
    REDUCED_AFTER_SCHOOL_FEE = "reduced_after_school_fee"
    LEISURE_SUPPORT = "leisure_support"
    OTHER = "other"


@attrs.frozen
class Economy:
    """Economy: yearly income against EU60, debt, payments a month, benefits not claimed."""

    household_income: int
    eu60_threshold: int
    debt: int
    payments_per_month: int
    benefits_not_claimed: frozenset[Benefit] = frozenset()


class WorkStatus(enum.StrEnum):
    """An adult's work or work-oriented activity."""

    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    WORK_ORIENTED_ACTIVITY = "work_oriented_activity"
    EDUCATION = "education"
    SICK_LEAVE = "sick_leave"
    UNEMPLOYED = "unemployed"
    OUTSIDE_LABOUR_FORCE = "outside_labour_force"


@attrs.frozen
class WorkAnswer:
    """Work or activity of one adult."""

    member_id: MemberId
    status: WorkStatus


@attrs.frozen
class SchoolAnswer:
    """One child's school mastery (1 low – 5 high) and days absent this school year."""

    member_id: MemberId
    mastery: int
    absence_days: int | None = None


@attrs.frozen
class LeisureAnswer:
    """How many organised leisure activities one child takes part in with peers."""

    member_id: MemberId
    activities: int


@attrs.frozen
class WellBeingAnswer:
    """One member's well-being on the 0–10 ladder (Cantril)."""

    member_id: MemberId
    ladder: int


@attrs.frozen
class Survey:
    """A completed survey of the family's situation."""

    survey_id: SurveyId
    kind: SurveyKind
    housing: Housing
    economy: Economy
    work: tuple[WorkAnswer, ...] = ()
    school: tuple[SchoolAnswer, ...] = ()
    leisure: tuple[LeisureAnswer, ...] = ()
    well_being: tuple[WellBeingAnswer, ...] = ()
    note: PersonalText | None = None
