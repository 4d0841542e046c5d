"""What the views answer, as pure functions of family documents and a date.

* :func:`plan_of` — the family's plan as it stands.
* :func:`caseload_entry` — one family's line in a coordinator's caseload: end
  date, next annual survey, overdue notices, consents expiring soon, weeks
  without contact.
* :func:`consent_register` — what the coordinator may do now, with expiry
  dates (a summary; the decision for a given action is
  :func:`~familiekoordinering.domain.consent.decide`).
* :func:`outcomes` — baseline against latest survey per area, per family and
  aggregated per municipality, programme and programme year, without names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import attrs

from familiekoordinering.domain.programme import add_months
from familiekoordinering.research import DEFAULT_K, check_k
from familiekoordinering.views.fold import SURVEY_AREAS, Document

__all__ = [
    "CASELOAD_PERSONAL_KEYS",
    "CONSENT_REGISTER_PERSONAL_KEYS",
    "PLAN_KEYS",
    "CaseloadEntry",
    "OutcomeGroup",
    "PermittedAction",
    "PortfolioYear",
    "caseload_entry",
    "consent_register",
    "outcomes",
    "plan_of",
    "portfolio",
]


PLAN_KEYS = (
    "family_id",
    "label",
    "municipality",
    "programme",
    "started_on",
    "planned_end_on",
    "ended",
    "coordinator",
    "members",
    "goals",
    "steps",
    "sector_plans",
    "last_meeting_on",
    "last_contact_on",
)
"""What :func:`plan_of` reads of a document."""
CASELOAD_PERSONAL_KEYS = ("label",)
"""The members of a document :func:`caseload_entry` reads that may hold personal data."""
CONSENT_REGISTER_PERSONAL_KEYS = ("members", "consents")
"""The members of a document :func:`consent_register` reads that may hold personal data."""


def plan_of(doc: Document) -> dict[str, Any]:
    """The plan section of a family's document: who, coordinator, goals, steps, plans."""
    return {key: doc[key] for key in PLAN_KEYS}


@attrs.frozen
class CaseloadEntry:
    """One family in a caseload, with what needs the coordinator's attention."""

    family_id: str
    label: str
    municipality: str
    coordinator_id: str | None
    coordinator_name: str | None
    planned_end_on: date
    ended_on: date | None
    next_survey_due: date
    survey_overdue: bool
    overdue_notices: int
    open_notices: int
    consents_expiring: tuple[tuple[str, date], ...]
    last_contact_on: date | None
    weeks_without_contact: int | None
    quiet: bool

    @property
    def needs_attention(self) -> bool:
        """Overdue notices, an overdue survey, consents about to expire, or no contact."""
        return bool(
            self.overdue_notices
            or self.survey_overdue
            or self.consents_expiring
            or self.quiet
        )


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _next_survey(doc: Document, on: date) -> tuple[date, bool]:
    """The next enrolment anniversary (per the survey interval) and whether one is missed."""
    started = date.fromisoformat(doc["started_on"])
    interval = doc["programme"]["survey_interval_months"]
    due, previous = started, started
    step = 0
    while due < on:
        step += 1
        try:
            following = add_months(started, interval * step)
        except ValueError:  # past 9999-12-31: the calendar has no more anniversaries
            following = date.max
        previous, due = due, following
    latest = _date(doc["latest"]["on"]) if doc["latest"] else None
    missed = step > 0 and (latest is None or latest < previous)
    return due, missed


def caseload_entry(
    doc: Document,
    on: date,
    *,
    expiring_within_days: int = 30,
    quiet_after_weeks: int = 6,
) -> CaseloadEntry:
    """The family's caseload line as of ``on``.

    Consents ending within ``expiring_within_days`` are listed; a family with no
    outward contact for ``quiet_after_weeks`` weeks (or none at all) is quiet.
    """
    coordinator = doc["coordinator"] or {}
    notices = doc["notices"].values()
    # Saturates at the calendar's end, so that a caseload as of 9999-12-31 is one.
    horizon = (
        date.max
        if on > date.max - timedelta(days=expiring_within_days)
        else on + timedelta(days=expiring_within_days)
    )
    expiring = sorted(
        (consent_id, until)
        for consent_id, c in doc["consents"].items()
        if c["withdrawn_on"] is None
        and (until := _date(c["valid_until"])) is not None
        and on <= until <= horizon
    )
    last_contact = _date(doc["last_contact_on"])
    weeks = max(0, (on - last_contact).days // 7) if last_contact else None
    due, missed = _next_survey(doc, on)
    return CaseloadEntry(
        family_id=doc["family_id"],
        label=doc["label"],
        municipality=doc["municipality"],
        coordinator_id=coordinator.get("id"),
        coordinator_name=coordinator.get("name"),
        planned_end_on=date.fromisoformat(doc["planned_end_on"]),
        ended_on=_date(doc["ended"]["on"]) if doc["ended"] else None,
        next_survey_due=due,
        survey_overdue=missed,
        overdue_notices=sum(1 for n in notices if n["inform_by"] < on.isoformat()),
        open_notices=len(notices),
        consents_expiring=tuple(expiring),
        last_contact_on=last_contact,
        weeks_without_contact=weeks,
        quiet=weeks is None or weeks >= quiet_after_weeks,
    )


@attrs.frozen
class PermittedAction:
    """What one consent in force lets the coordinator do, until when."""

    consent_id: str
    agency: str
    topics: tuple[str, ...]
    members: tuple[str, ...]
    actions: tuple[str, ...]
    valid_until: date | None


def consent_register(doc: Document, on: date) -> list[PermittedAction]:
    """Consents in force on ``on``: agency × topics × members × actions, with expiry.

    A summary: whether a given action is covered (capacity by age, refusals,
    exclusions across consents) is what
    :func:`~familiekoordinering.domain.consent.decide` answers.
    """
    day = on.isoformat()
    names = {member_id: m["name"] for member_id, m in doc["members"].items()}
    out = []
    for consent_id, c in sorted(doc["consents"].items()):
        if c["valid_from"] > day or (
            c["valid_until"] is not None and c["valid_until"] < day
        ):
            continue
        if c["withdrawn_on"] is not None and c["withdrawn_on"] <= day:
            continue
        agency = c["agency"]["kind"] + (
            f" ({c['agency']['unit']})" if c["agency"]["unit"] else ""
        )
        out.append(
            PermittedAction(
                consent_id=consent_id,
                agency=agency,
                topics=tuple(t for t in c["topics"] if t not in c["excluded_topics"]),
                members=tuple(sorted(names.get(m, m) for m in c["member_ids"])),
                actions=tuple(c["actions"]),
                valid_until=_date(c["valid_until"]),
            )
        )
    return out


@attrs.frozen
class OutcomeGroup:
    """Baseline against latest survey, averaged over a group of families. No names.

    A group of fewer than ``k`` families is *withheld*: it is listed, with
    ``families`` the text ``"<k"`` (``"<5"``) and every area of ``baseline``
    and ``latest`` empty. In a group shown, a figure that fewer than ``k`` of
    its families have a value for (e.g. school in a group with few children)
    is None.
    """

    municipality: str
    programme: str
    programme_year: int
    families: int | str
    baseline: dict[str, dict[str, float | None]]
    latest: dict[str, dict[str, float | None]]

    @property
    def withheld(self) -> bool:
        """Whether the group has fewer than ``k`` families, so no figures."""
        return isinstance(self.families, str)


def _average(
    entries: list[dict[str, Any]], k: int
) -> dict[str, dict[str, float | None]]:
    out: dict[str, dict[str, float | None]] = {}
    for area in SURVEY_AREAS:
        keys = {key for entry in entries for key in entry[area]}
        out[area] = {}
        for key in sorted(keys):
            values = [e[area][key] for e in entries if e[area].get(key) is not None]
            enough = len(values) >= k
            out[area][key] = round(sum(values) / len(values), 3) if enough else None
    return out


def _withheld() -> dict[str, dict[str, float | None]]:
    return {area: {} for area in SURVEY_AREAS}


def outcomes(docs: Iterable[Document], *, k: int = DEFAULT_K) -> list[OutcomeGroup]:
    """Baseline against latest survey, averaged per municipality, programme and year.

    Only families with a baseline and a later survey count; the programme year
    is the whole years from enrolment to the latest survey. No figure is
    computed over fewer than ``k`` families (default 5, at least 3; else
    :class:`~familiekoordinering.errors.InvalidInputError`): a smaller group
    is withheld (see :class:`OutcomeGroup`), a figure too few families answer
    is None.
    """
    check_k(k)
    groups: dict[tuple[str, str, int], list[Document]] = defaultdict(list)
    for doc in docs:
        if not doc["baseline"] or not doc["latest"] or doc["latest"] is doc["baseline"]:
            continue
        if doc["latest"]["on"] == doc["baseline"]["on"]:
            continue
        started = date.fromisoformat(doc["started_on"])
        latest = date.fromisoformat(doc["latest"]["on"])
        year = (latest - started).days // 365
        groups[(doc["municipality"], doc["programme"]["kind"], year)].append(doc)
    return [
        OutcomeGroup(
            municipality=municipality,
            programme=programme,
            programme_year=year,
            families=len(members),
            baseline=_average([d["baseline"]["scores"] for d in members], k),
            latest=_average([d["latest"]["scores"] for d in members], k),
        )
        if len(members) >= k
        else OutcomeGroup(
            municipality=municipality,
            programme=programme,
            programme_year=year,
            families=f"<{k}",
            baseline=_withheld(),
            latest=_withheld(),
        )
        for (municipality, programme, year), members in sorted(groups.items())
    ]


@attrs.frozen
class PortfolioYear:
    """One year of a municipality's investments (Asker's model) and their gains. No names.

    ``invested`` is, per investment kind (``money`` in kroner, ``staff_hours``,
    ``place``, ``housing``), the amount each kind of agency put in that year;
    ``gains`` counts the gains recorded that year by kind, and
    ``yearly_value`` adds up their estimated yearly value in kroner. A year
    with fewer than ``k`` families with an investment team is withheld:
    ``families`` is the text ``"<k"`` and the figures are empty.
    """

    municipality: str
    year: int
    families: int | str
    invested: dict[str, dict[str, int]]
    gains: dict[str, int]
    yearly_value: int | None

    @property
    def withheld(self) -> bool:
        """Whether the year has fewer than ``k`` families, so no figures."""
        return isinstance(self.families, str)


def portfolio(docs: Iterable[Document], *, k: int = DEFAULT_K) -> list[PortfolioYear]:
    """The investment portfolio per municipality and calendar year (see :class:`PortfolioYear`).

    A family counts in a year when something was put in for it, or a gain
    recorded, that year. No figure is shown for fewer than ``k`` families.
    """
    check_k(k)
    years: dict[tuple[str, int], dict[str, Any]] = {}

    def year_of(doc: Document, on: str) -> dict[str, Any]:
        key = (doc["municipality"], date.fromisoformat(on).year)
        entry = years.setdefault(
            key,
            {"families": set(), "invested": defaultdict(dict), "gains": {}, "value": 0},
        )
        entry["families"].add(str(doc["family_id"]))
        return entry

    for doc in docs:
        team = doc.get("team", {})
        for investment in doc.get("investments", {}).values():
            entry = year_of(doc, investment["committed_on"])
            member = team.get(investment["team_member_id"])
            agency = member["agency"]["kind"] if member else "other"
            by_agency = entry["invested"][investment["kind"]]
            by_agency[agency] = by_agency.get(agency, 0) + investment["amount"]
        for gain in doc.get("gains", {}).values():
            entry = year_of(doc, gain["recorded_on"])
            entry["gains"][gain["kind"]] = entry["gains"].get(gain["kind"], 0) + 1
            entry["value"] += gain["yearly_value"] or 0
    return [
        PortfolioYear(
            municipality=municipality,
            year=year,
            families=len(entry["families"]),
            invested={
                kind: dict(sorted(a.items()))
                for kind, a in sorted(entry["invested"].items())
            },
            gains=dict(sorted(entry["gains"].items())),
            yearly_value=entry["value"],
        )
        if len(entry["families"]) >= k
        else PortfolioYear(municipality, year, f"<{k}", {}, {}, None)
        for (municipality, year), entry in sorted(years.items())
    ]
