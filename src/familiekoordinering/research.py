"""The pseudonymised research export: survey answers of members who consented to research.

One CSV row per consenting member per completed survey, with the schema
``familiekoordinering.research-export/2`` (the columns of :data:`COLUMNS`, in
that order):

``member``, ``household``
    Stable pseudonyms: the first 20 hex digits of an HMAC-SHA-256 of the
    member's (the family's) id under the research side's key. The same key
    gives the same pseudonym in every export, so answers can be followed over
    the years; without the key a pseudonym cannot be traced back, and another
    key gives unrelated pseudonyms.
``municipality``, ``programme``
    The municipality number and the programme's kind.
``member_kind``, ``birth_years``
    Adult or child, and a band of birth years (``1985-1989``; see below).
``survey_kind``, ``survey_period``, ``programme_year``
    Baseline or annual follow-up; the quarter (``2023-Q2``) or year
    (``2023``) of the survey; the year of the programme it falls in (1 is the
    first).
``persons_per_room``, ``housing_standard``, ``moves_last_12_months``
    The household's housing.
``income_to_eu60_band``, ``debt_band``, ``benefits_not_claimed``
    Household income as a share of the EU60 threshold, in bands (``<0.5``,
    ``0.5-0.6``, ``0.6-0.8``, ``0.8-1.0``, ``>=1.0``; a band ``a-b`` holds
    ``a <= ratio < b``, the ratio taken to two decimals), debt in bands
    (``none``, ``<50k``, ``50k-200k``, ``>200k``), and how many benefits the
    household could have claimed but did not.
``work_status``, ``school_mastery``, ``school_absence_days``, ``leisure_activities``, ``well_being``
    The member's own answers; empty where the survey holds none for them.

Nothing else leaves: no names, no birth dates, no free text, no ids, no day
of any date. Only members with research consent on the day of the export, of
families not erased, are included.

**Disclosure control.** The *quasi-identifiers* (:data:`QUASI_IDENTIFIERS`)
are the columns someone who knows a family could recognise it by:
``municipality``, ``programme``, ``member_kind``, ``birth_years``,
``survey_kind``, ``survey_period``, ``programme_year`` and
``income_to_eu60_band``. Household size is not a column (nothing needs it),
so it is not exported. Every combination of quasi-identifiers in an export
occurs in at least ``k`` rows (default :data:`DEFAULT_K` = 5; a caller may
raise it, never below :data:`MIN_K` = 3). :func:`protect` gets there in two
steps, a pure function of the rows and ``k``:

1. *Generalise*, with one level (:data:`LEVELS`) for the whole export, never
   per row: the least level at which at most :data:`SUPPRESSION_TARGET` (5 %)
   of the rows would be suppressed, or the most general level when none gets
   there. The levels, each no finer than the one before:

   * level 0: birth years in 5-year bands, survey quarters, five income
     bands (``<0.5``, ``0.5-0.6``, ``0.6-0.8``, ``0.8-1.0``, ``>=1.0``);
   * level 1: as 0, with survey years;
   * level 2: as 1, with 10-year birth bands;
   * level 3: as 2, with three income bands (``<0.6``, ``0.6-1.0``, ``>=1.0``);
   * level 4: as 3, with 20-year birth bands.

   Bands are aligned (``1980-1984``, ``1980-1989``, ``1980-1999``).
2. *Suppress*: every row whose combination is still in fewer than ``k`` rows
   is left out, whole. The rows left keep their order.

Limits: ``k`` holds per row. Rows of one member (one household) share a
pseudonym, so the set of a household's rows, or a member's rows over the
years, can still be rarer than ``k``; and the answers of a group of ``k``
rows may all be the same. The pseudonym key stays with the research side.

:func:`research_rows` (one family's rows, not yet protected: exact birth
year, survey month and income ratio) and :func:`protect` are pure;
:func:`to_csv` protects the rows it is given and writes them.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from itertools import pairwise
from typing import Any
from uuid import UUID

import attrs

from familiekoordinering.domain.family import Family
from familiekoordinering.domain.record import FamilyRecord
from familiekoordinering.domain.values import MemberId
from familiekoordinering.errors import ConfigurationError, InvalidInputError

__all__ = [
    "COLUMNS",
    "DEFAULT_K",
    "LEVELS",
    "MIN_K",
    "MIN_KEY_BYTES",
    "QUASI_IDENTIFIERS",
    "SCHEMA",
    "SUPPRESSION_TARGET",
    "Level",
    "Protected",
    "check_k",
    "generalise",
    "protect",
    "pseudonym",
    "research_rows",
    "to_csv",
]

SCHEMA = "familiekoordinering.research-export/2"
"""The name and version of the export's schema."""
MIN_KEY_BYTES = 16
"""The shortest pseudonym key accepted."""
DEFAULT_K = 5
"""The smallest group an export or a statistic shows, unless the caller raises it."""
MIN_K = 3
"""The smallest ``k`` a caller may ask for."""
SUPPRESSION_TARGET = 0.05
"""The largest share of rows :func:`protect` suppresses before it generalises more."""
COLUMNS: tuple[str, ...] = (
    "member",
    "household",
    "municipality",
    "programme",
    "member_kind",
    "birth_years",
    "survey_kind",
    "survey_period",
    "programme_year",
    "persons_per_room",
    "housing_standard",
    "moves_last_12_months",
    "income_to_eu60_band",
    "debt_band",
    "benefits_not_claimed",
    "work_status",
    "school_mastery",
    "school_absence_days",
    "leisure_activities",
    "well_being",
)
"""The CSV's columns, in order."""
QUASI_IDENTIFIERS: tuple[str, ...] = (
    "municipality",
    "programme",
    "member_kind",
    "birth_years",
    "survey_kind",
    "survey_period",
    "programme_year",
    "income_to_eu60_band",
)
"""The columns whose every combination in an export occurs in at least ``k`` rows."""


@attrs.frozen
class Level:
    """How far the quasi-identifiers are generalised, for a whole export."""

    birth_years: int
    """The width of the birth-year bands (aligned: 1985-1989 for 5)."""
    survey_period: str
    """``"quarter"`` (``2023-Q2``) or ``"year"`` (``2023``)."""
    income_bounds: tuple[float, ...]
    """The bounds of the income-ratio bands, ascending."""


_FIVE_BANDS = (0.5, 0.6, 0.8, 1.0)
_THREE_BANDS = (0.6, 1.0)
LEVELS: tuple[Level, ...] = (
    Level(5, "quarter", _FIVE_BANDS),
    Level(5, "year", _FIVE_BANDS),
    Level(10, "year", _FIVE_BANDS),
    Level(10, "year", _THREE_BANDS),
    Level(20, "year", _THREE_BANDS),
)
"""The generalisation levels, least general first; each no finer than the one before."""


def check_k(k: int) -> int:
    """``k`` if it is a whole number from :data:`MIN_K` up; else :class:`InvalidInputError`."""
    if isinstance(k, bool) or not isinstance(k, int) or k < MIN_K:
        raise InvalidInputError(
            f"k (the smallest group shown) must be a whole number of at least "
            f"{MIN_K}, not {k!r:.20}"
        )
    return k


def _check_key(key: bytes) -> bytes:
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise ConfigurationError(
            f"the pseudonym key must be at least {MIN_KEY_BYTES} random bytes, held "
            "by the research side (e.g. familiekoordinering.new_master_key())"
        )
    return key


def pseudonym(key: bytes, kind: str, value: UUID) -> str:
    """The stable pseudonym of an id under ``key`` (20 hex digits of an HMAC-SHA-256)."""
    digest = hmac.new(_check_key(key), f"{kind}:{value}".encode(), hashlib.sha256)
    return digest.hexdigest()[:20]


def _debt_band(debt: int) -> str:
    if debt <= 0:
        return "none"
    if debt < 50_000:
        return "<50k"
    if debt <= 200_000:
        return "50k-200k"
    return ">200k"


def _programme_year(started: date, on: date) -> int:
    months = (on.year - started.year) * 12 + on.month - started.month
    if on.day < started.day:
        months -= 1
    return max(months, 0) // 12 + 1


def research_rows(
    events: Sequence[Family.Event], *, key: bytes
) -> list[dict[str, Any]]:
    """The rows one family contributes: its consenting members' survey answers.

    Not yet protected: ``birth_year``, ``survey_month`` (``YYYY-MM``) and
    ``income_to_eu60`` (two decimals) stand in place of the generalised
    columns. Never write them out but through :func:`protect` (or
    :func:`to_csv`), over all the rows of an export.
    """
    _check_key(key)
    family = FamilyRecord.of(events)
    if family is None or not family.research_consents:
        return []
    rows: list[dict[str, Any]] = []
    household = pseudonym(key, "family", family.id)
    consenting: Iterable[MemberId] = sorted(family.research_consents)
    for completed in sorted(family.surveys.values(), key=lambda c: c.completed_on):
        survey, on = completed.survey, completed.completed_on
        economy = survey.economy
        shared = {
            "household": household,
            "municipality": family.municipality,
            "programme": family.programme.kind.value,
            "survey_kind": survey.kind.value,
            "survey_month": f"{on.year:04d}-{on.month:02d}",
            "programme_year": _programme_year(family.started_on, on),
            "persons_per_room": survey.housing.persons_per_room,
            "housing_standard": survey.housing.standard,
            "moves_last_12_months": survey.housing.moves_last_12_months,
            "income_to_eu60": round(
                economy.household_income / economy.eu60_threshold, 2
            ),
            "debt_band": _debt_band(economy.debt),
            "benefits_not_claimed": len(economy.benefits_not_claimed),
        }
        work = {a.member_id: a.status.value for a in survey.work}
        school = {a.member_id: a for a in survey.school}
        leisure = {a.member_id: a.activities for a in survey.leisure}
        well_being = {a.member_id: a.ladder for a in survey.well_being}
        for member_id in consenting:
            member = family.members[member_id]
            answers = school.get(member_id)
            rows.append(
                {
                    "member": pseudonym(key, "member", member_id),
                    **shared,
                    "member_kind": member.kind.value,
                    "birth_year": member.birth_date.year,
                    "work_status": work.get(member_id),
                    "school_mastery": answers.mastery if answers else None,
                    "school_absence_days": answers.absence_days if answers else None,
                    "leisure_activities": leisure.get(member_id),
                    "well_being": well_being.get(member_id),
                }
            )
    return rows


def _band(value: float, bounds: tuple[float, ...]) -> str:
    if value < bounds[0]:
        return f"<{bounds[0]:.1f}"
    for low, high in pairwise(bounds):
        if value < high:
            return f"{low:.1f}-{high:.1f}"
    return f">={bounds[-1]:.1f}"


def _period(month: str, how: str) -> str:
    year, number = month.split("-")
    return year if how == "year" else f"{year}-Q{(int(number) - 1) // 3 + 1}"


def generalise(row: dict[str, Any], level: Level) -> dict[str, Any]:
    """One row of :func:`research_rows` at ``level``: the columns of :data:`COLUMNS`."""
    start = row["birth_year"] - row["birth_year"] % level.birth_years
    out = {key: value for key, value in row.items() if key in COLUMNS}
    out["birth_years"] = f"{start}-{start + level.birth_years - 1}"
    out["survey_period"] = _period(row["survey_month"], level.survey_period)
    out["income_to_eu60_band"] = _band(row["income_to_eu60"], level.income_bounds)
    return {column: out.get(column) for column in COLUMNS}


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[column] for column in QUASI_IDENTIFIERS)


@attrs.frozen
class Protected:
    """What :func:`protect` leaves of an export's rows."""

    rows: tuple[dict[str, Any], ...]
    """The rows shown, generalised, in their order; every combination of
    :data:`QUASI_IDENTIFIERS` among them occurs at least ``k`` times."""
    level: int
    """The index in :data:`LEVELS` of the generalisation applied."""
    suppressed: int
    """How many rows were left out."""


def protect(rows: Iterable[dict[str, Any]], *, k: int = DEFAULT_K) -> Protected:
    """Generalise ``rows`` (of :func:`research_rows`) and suppress the rare ones.

    The least level of :data:`LEVELS` that suppresses at most
    :data:`SUPPRESSION_TARGET` of the rows, else the most general; then every
    row whose combination of :data:`QUASI_IDENTIFIERS` occurs fewer than ``k``
    times is left out. Pure: the same rows and ``k`` give the same result.
    """
    check_k(k)
    raw = list(rows)
    for index, level in enumerate(LEVELS):  # not empty: the loop sets chosen
        general = [generalise(row, level) for row in raw]
        sizes = Counter(_key(row) for row in general)
        kept = tuple(row for row in general if sizes[_key(row)] >= k)
        chosen = Protected(kept, index, len(general) - len(kept))
        if chosen.suppressed <= SUPPRESSION_TARGET * len(general):
            break
    return chosen


def to_csv(rows: Iterable[dict[str, Any]], *, k: int = DEFAULT_K) -> str:
    """Rows of :func:`research_rows`, protected (:func:`protect`), as CSV text.

    A header row (:data:`COLUMNS`), then one line per row shown; empty cells
    for None.
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(protect(rows, k=k).rows)  # csv writes None as an empty cell
    return out.getvalue()
