"""Programme profiles, enrolment facts and family members."""

from __future__ import annotations

import calendar
import enum
from datetime import date, timedelta

import attrs

from familiekoordinering.domain import validation as v
from familiekoordinering.domain.capacity import ConsentAges

__all__ = [
    "Eligibility",
    "Jurisdiction",
    "Programme",
    "ProgrammeKind",
    "ReferralSource",
    "add_months",
]


class Jurisdiction(enum.StrEnum):
    """The legal frame a programme runs under (decides, among others, consent ages)."""

    NORWAY = "no"
    DENMARK = "dk"


class ProgrammeKind(enum.StrEnum):
    """The programme model a family is enrolled in."""

    NYE_MONSTRE = "nye_monstre"
    BRONDBY = "brondby"
    ASKER = "asker"
    CUSTOM = "custom"


@attrs.frozen
class Programme:
    """A programme's settings: how long follow-up lasts and how often to survey.

    Programme length, survey interval, the deadline for telling a family about
    an action afterwards, the caseload and the ages from which children consent
    for themselves are settings, not constants. Use :meth:`nye_monstre`,
    :meth:`brondby` or :meth:`asker` for the built-in profiles. The consent
    ages default to the jurisdiction's profile
    (:meth:`ConsentAges.for_jurisdiction`).

    Follow-up lasts 1 to 240 months, surveys come every 1 to 120 months, the
    family is told of an action within 0 to 90 days, and a caseload, if set, is
    1 to 1,000 families.
    """

    kind: ProgrammeKind = attrs.field(
        validator=v.choice("programme.kind", ProgrammeKind)
    )
    name: str = attrs.field(validator=v.label("programme.name"))
    jurisdiction: Jurisdiction = attrs.field(
        validator=v.choice("programme.jurisdiction", Jurisdiction)
    )
    duration_months: int = attrs.field(
        validator=v.whole_number("programme.duration_months", 1, 240)
    )
    survey_interval_months: int = attrs.field(
        validator=v.whole_number("programme.survey_interval_months", 1, 120)
    )
    inform_deadline_days: int = attrs.field(
        default=7, validator=v.whole_number("programme.inform_deadline_days", 0, 90)
    )
    max_caseload: int | None = attrs.field(
        default=None,
        validator=v.whole_number("programme.max_caseload", 1, 1000, optional=True),
    )
    consent_ages: ConsentAges = attrs.field(
        default=attrs.Factory(
            lambda self: ConsentAges.for_jurisdiction(self.jurisdiction),
            takes_self=True,
        ),
        validator=v.instance_of("programme.consent_ages", ConsentAges),
    )

    @classmethod
    def nye_monstre(cls) -> Programme:
        """*Nye mønstre – trygg oppvekst*: five years of follow-up, a survey every year."""
        return cls(
            kind=ProgrammeKind.NYE_MONSTRE,
            name="Nye mønstre – trygg oppvekst",
            jurisdiction=Jurisdiction.NORWAY,
            duration_months=60,
            survey_interval_months=12,
        )

    @classmethod
    def brondby(cls) -> Programme:
        """Brøndby's one-year variant, 20–25 families per coordinator."""
        return cls(
            kind=ProgrammeKind.BRONDBY,
            name="Familiekoordinator Brøndby",
            jurisdiction=Jurisdiction.DENMARK,
            duration_months=12,
            survey_interval_months=12,
            max_caseload=25,
        )

    @classmethod
    def asker(cls) -> Programme:
        """Asker velferdslab: an investment team around a young adult or a family.

        Three years as a starting point (the investment leader follows the
        gains over time; extend the follow-up where they need longer), a
        survey every year. The team, its meetings, the investments and gains
        are recorded with the investment commands
        (:meth:`~familiekoordinering.FamilyCoordination.join_investment_team`
        and the rest); the unit may be one young adult aged 18 to 25.
        """
        return cls(
            kind=ProgrammeKind.ASKER,
            name="Asker velferdslab",
            jurisdiction=Jurisdiction.NORWAY,
            duration_months=36,
            survey_interval_months=12,
        )

    def planned_end(self, start: date) -> date:
        """Return the day follow-up is planned to end for a family starting on ``start``."""
        return add_months(start, self.duration_months) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """Return ``day`` moved ``months`` calendar months on, clamped to the month's end."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


class ReferralSource(enum.StrEnum):
    """Who referred the family to the programme."""

    NAV = "nav"
    HEALTH_SERVICE = "health_service"
    FOLLOW_UP_SERVICE = "follow_up_service"
    CHILD_WELFARE = "child_welfare"
    SCHOOL = "school"
    KINDERGARTEN = "kindergarten"
    HEALTH_STATION = "health_station"
    OTHER = "other"


@attrs.frozen
class Eligibility:
    """The facts behind a family's place in the target group.

    Amounts are yearly, in whole units of the local currency. The EU60 threshold
    is 60 % of the median equivalised household income for a household of this
    size; *persistent* low income means several years below it. The income is 0
    to 10⁹, the threshold 1 to 10⁹, the years 0 to 100.
    """

    household_income: int = attrs.field(
        validator=v.whole_number("eligibility.household_income", 0, 10**9)
    )
    eu60_threshold: int = attrs.field(
        validator=v.whole_number("eligibility.eu60_threshold", 1, 10**9)
    )
    years_in_low_income: int = attrs.field(
        validator=v.whole_number("eligibility.years_in_low_income", 0, 100)
    )

    @property
    def below_eu60(self) -> bool:
        """Whether the household income is below the EU60 threshold."""
        return self.household_income < self.eu60_threshold

    @property
    def income_ratio(self) -> float:
        """Household income as a fraction of the EU60 threshold."""
        return self.household_income / self.eu60_threshold
