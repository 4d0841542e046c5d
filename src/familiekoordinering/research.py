"""The pseudonymised research export: survey answers of members who consented to research.

One CSV row per consenting member per completed survey, with the schema
``familiekoordinering.research-export/1`` (the columns of :data:`COLUMNS`, in
that order):

``member``, ``household``
    Stable pseudonyms: the first 20 hex digits of an HMAC-SHA-256 of the
    member's (the family's) id under the research side's key. The same key
    gives the same pseudonym in every export, so answers can be followed over
    the years; without the key a pseudonym cannot be traced back, and another
    key gives unrelated pseudonyms.
``municipality``, ``programme``
    The municipality number and the programme's kind.
``member_kind``, ``birth_year``
    Adult or child, and the year of birth only.
``survey_kind``, ``survey_month``, ``programme_year``
    Baseline or annual follow-up; the month of the survey (``YYYY-MM``); the
    year of the programme it falls in (1 is the first).
``persons_per_room``, ``housing_standard``, ``moves_last_12_months``
    The household's housing.
``income_to_eu60``, ``debt_band``, ``benefits_not_claimed``
    Household income as a share of the EU60 threshold (two decimals), debt in
    bands (``none``, ``<50k``, ``50k-200k``, ``>200k``), and how many benefits
    the household could have claimed but did not.
``work_status``, ``school_mastery``, ``school_absence_days``, ``leisure_activities``, ``well_being``
    The member's own answers; empty where the survey holds none for them.

Nothing else leaves: no names, no birth dates, no free text, no ids, no day
of any date. Only members with research consent on the day of the export, of
families not erased, are included. :func:`research_rows` is pure.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from familiekoordinering.domain.family import Family
from familiekoordinering.domain.record import FamilyRecord
from familiekoordinering.domain.values import MemberId
from familiekoordinering.errors import ConfigurationError

__all__ = [
    "COLUMNS",
    "MIN_KEY_BYTES",
    "SCHEMA",
    "pseudonym",
    "research_rows",
    "to_csv",
]

SCHEMA = "familiekoordinering.research-export/1"
"""The name and version of the export's schema."""
MIN_KEY_BYTES = 16
"""The shortest pseudonym key accepted."""
COLUMNS: tuple[str, ...] = (
    "member",
    "household",
    "municipality",
    "programme",
    "member_kind",
    "birth_year",
    "survey_kind",
    "survey_month",
    "programme_year",
    "persons_per_room",
    "housing_standard",
    "moves_last_12_months",
    "income_to_eu60",
    "debt_band",
    "benefits_not_claimed",
    "work_status",
    "school_mastery",
    "school_absence_days",
    "leisure_activities",
    "well_being",
)
"""The CSV's columns, in order."""


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
    """The rows one family contributes: its consenting members' survey answers."""
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


def to_csv(rows: Iterable[dict[str, Any]]) -> str:
    """The rows as CSV text with a header row (:data:`COLUMNS`); empty cells for None."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row[k] for k in COLUMNS})
    return out.getvalue()
