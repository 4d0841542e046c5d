"""The survey of a family's situation (*kartlegging*): baseline, annual, exit.

Answers are numbers and categories so that they compare across families and
years; free text is optional and personal. No licensed questionnaire text is
reproduced: the areas follow the programme's own list (housing, economy, work,
school, leisure, well-being).
"""

from __future__ import annotations

import enum

import attrs

from familiekoordinering.domain import validation as v
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
    """Housing: crowding, standard (1 very poor – 5 very good), moves in the last year.

    Persons per room is a number from 0 to 20; moves are 0 to 52.
    """

    persons_per_room: float = attrs.field(
        validator=v.number("housing.persons_per_room", 0, 20)
    )
    standard: int = attrs.field(validator=v.whole_number("housing.standard", 1, 5))
    moves_last_12_months: int = attrs.field(
        validator=v.whole_number("housing.moves_last_12_months", 0, 52)
    )


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
    """Economy: yearly income against EU60, debt, payments a month, benefits not claimed.

    Income is 0 to 10⁹, the EU60 threshold 1 to 10⁹, debt 0 to 10¹⁰ and
    payments 0 to 100 a month.
    """

    household_income: int = attrs.field(
        validator=v.whole_number("economy.household_income", 0, 10**9)
    )
    eu60_threshold: int = attrs.field(
        validator=v.whole_number("economy.eu60_threshold", 1, 10**9)
    )
    debt: int = attrs.field(validator=v.whole_number("economy.debt", 0, 10**10))
    payments_per_month: int = attrs.field(
        validator=v.whole_number("economy.payments_per_month", 0, 100)
    )
    benefits_not_claimed: frozenset[Benefit] = attrs.field(
        default=frozenset(),
        validator=v.set_of("economy.benefits_not_claimed", Benefit),
    )


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

    member_id: MemberId = attrs.field(validator=v.identifier("work.member_id"))
    status: WorkStatus = attrs.field(validator=v.choice("work.status", WorkStatus))


@attrs.frozen
class SchoolAnswer:
    """One child's school mastery (1 low – 5 high) and days absent this school year."""

    member_id: MemberId = attrs.field(validator=v.identifier("school.member_id"))
    mastery: int = attrs.field(validator=v.whole_number("school.mastery", 1, 5))
    absence_days: int | None = attrs.field(
        default=None,
        validator=v.whole_number("school.absence_days", 0, 366, optional=True),
    )


@attrs.frozen
class LeisureAnswer:
    """How many organised leisure activities one child takes part in with peers (0–50)."""

    member_id: MemberId = attrs.field(validator=v.identifier("leisure.member_id"))
    activities: int = attrs.field(validator=v.whole_number("leisure.activities", 0, 50))


@attrs.frozen
class WellBeingAnswer:
    """One member's well-being on the 0–10 ladder (Cantril)."""

    member_id: MemberId = attrs.field(validator=v.identifier("well_being.member_id"))
    ladder: int = attrs.field(validator=v.whole_number("well_being.ladder", 0, 10))


@attrs.frozen
class Survey:
    """A completed survey of the family's situation."""

    survey_id: SurveyId = attrs.field(validator=v.identifier("survey.survey_id"))
    kind: SurveyKind = attrs.field(validator=v.choice("survey.kind", SurveyKind))
    housing: Housing = attrs.field(validator=v.instance_of("survey.housing", Housing))
    economy: Economy = attrs.field(validator=v.instance_of("survey.economy", Economy))
    work: tuple[WorkAnswer, ...] = attrs.field(
        default=(), validator=v.tuple_of("survey.work", WorkAnswer)
    )
    school: tuple[SchoolAnswer, ...] = attrs.field(
        default=(), validator=v.tuple_of("survey.school", SchoolAnswer)
    )
    leisure: tuple[LeisureAnswer, ...] = attrs.field(
        default=(), validator=v.tuple_of("survey.leisure", LeisureAnswer)
    )
    well_being: tuple[WellBeingAnswer, ...] = attrs.field(
        default=(), validator=v.tuple_of("survey.well_being", WellBeingAnswer)
    )
    note: PersonalText | None = attrs.field(
        default=None, validator=v.free_text("survey.note", required=False)
    )
