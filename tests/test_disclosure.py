"""Disclosure control: no research row and no statistic stands for fewer than k.

The research export generalises its quasi-identifiers, one level for the whole
export, then suppresses rows still in a group smaller than ``k``; the outcome
statistics withhold every group of fewer than ``k`` families. Property tests
drive the pure functions with generated populations; the demo tests check the
real export and statistics, and that the same demo unprotected *does* have
groups smaller than 5 (so the checks can fail).
"""

from __future__ import annotations

import copy
import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from familiekoordinering import (
    Actor,
    FamilyCoordination,
    InvalidInputError,
    Municipality,
    Role,
    new_master_key,
)
from familiekoordinering.demo import DemoClock, DemoReport, build_demo
from familiekoordinering.domain.record import FamilyRecord
from familiekoordinering.research import (
    COLUMNS,
    DEFAULT_K,
    LEVELS,
    MIN_K,
    QUASI_IDENTIFIERS,
    SUPPRESSION_TARGET,
    generalise,
    protect,
    pseudonym,
    research_rows,
    to_csv,
)
from familiekoordinering.views.fold import SURVEY_AREAS
from familiekoordinering.views.queries import OutcomeGroup, outcomes

pytestmark = pytest.mark.application

RESEARCHER = Actor("f-forsker", Role.RESEARCHER, Municipality("4204"))
LEAD = Actor("t-lead", Role.TEAM_LEAD, Municipality("4204"))
KEY = b"research side key, 32 bytes long"
RAW_QUASI_IDENTIFIERS = (
    "municipality", "programme", "member_kind", "birth_year", "survey_kind",
    "survey_month", "programme_year", "income_to_eu60",
)  # fmt: skip
INCOME_BANDS = {"<0.5", "0.5-0.6", "0.6-0.8", "0.8-1.0", ">=1.0", "<0.6", "0.6-1.0"}


def _groups(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> Counter[Any]:
    return Counter(tuple(row[c] for c in columns) for row in rows)


def _smallest(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> int:
    return min(_groups(rows, columns).values(), default=0)


# ------------------------------------------------------------- generated rows


@st.composite
def raw_row(draw: st.DrawFn) -> dict[str, Any]:
    """One row as :func:`research_rows` makes it (not yet protected)."""
    year, month = draw(st.integers(2021, 2024)), draw(st.integers(1, 12))
    return {
        "member": "",  # numbered by _population
        "household": draw(st.sampled_from(["h1", "h2", "h3", "h4"])),
        "municipality": draw(st.sampled_from(["4204", "4204", "1103"])),
        "programme": "nye_monstre",
        "member_kind": draw(st.sampled_from(["adult", "child"])),
        "birth_year": draw(st.integers(1975, 2020)),
        "survey_kind": draw(st.sampled_from(["baseline", "annual"])),
        "survey_month": f"{year:04d}-{month:02d}",
        "programme_year": draw(st.integers(1, 3)),
        "persons_per_room": draw(st.sampled_from([0.5, 1.0, 1.5])),
        "housing_standard": draw(st.integers(1, 3)),
        "moves_last_12_months": draw(st.integers(0, 2)),
        "income_to_eu60": draw(st.integers(30, 130)) / 100,
        "debt_band": draw(st.sampled_from(["none", "<50k", "50k-200k", ">200k"])),
        "benefits_not_claimed": draw(st.integers(0, 3)),
        "work_status": draw(st.none() | st.sampled_from(["unemployed", "full_time"])),
        "school_mastery": draw(st.none() | st.integers(1, 5)),
        "school_absence_days": draw(st.none() | st.integers(0, 30)),
        "leisure_activities": draw(st.none() | st.integers(0, 3)),
        "well_being": draw(st.none() | st.integers(0, 10)),
    }


@st.composite
def population(draw: st.DrawFn, max_size: int = 80) -> list[dict[str, Any]]:
    """Rows of many families; some alike (copies with another member), some not."""
    rows = draw(st.lists(raw_row(), max_size=max_size))
    copies = draw(st.lists(st.integers(0, 200), max_size=max_size))
    if rows:
        rows += [copy.deepcopy(rows[i % len(rows)]) for i in copies]
    for number, row in enumerate(rows):
        row["member"] = f"m{number:04d}"  # a unique, recognisable pseudonym
    return rows


ks = st.integers(MIN_K, 9)


@given(rows=population(), k=ks)
def test_no_exported_combination_is_rarer_than_k(
    rows: list[dict[str, Any]], k: int
) -> None:
    shown = list(protect(rows, k=k).rows)
    assert all(n >= k for n in _groups(shown, QUASI_IDENTIFIERS).values())
    for row in shown:  # only the generalised columns leave, in their formats
        assert tuple(row) == COLUMNS
        first, last = map(int, row["birth_years"].split("-"))
        assert last - first + 1 in (5, 10, 20)
        assert first % 5 == 0
        assert re.fullmatch(r"\d{4}(-Q[1-4])?", row["survey_period"])
        assert row["income_to_eu60_band"] in INCOME_BANDS


@given(rows=population(), k=ks)
def test_suppressed_rows_are_not_in_the_output_and_the_rest_are_unchanged(
    rows: list[dict[str, Any]], k: int
) -> None:
    before = copy.deepcopy(rows)
    result = protect(rows, k=k)
    assert rows == before  # pure: the input is not touched
    assert protect(rows, k=k) == result  # and the same rows give the same result
    general = [generalise(row, LEVELS[result.level]) for row in rows]
    sizes = _groups(general, QUASI_IDENTIFIERS)
    rare = {
        row["member"]
        for row in general
        if sizes[tuple(row[c] for c in QUASI_IDENTIFIERS)] < k
    }
    shown = {row["member"] for row in result.rows}
    assert not rare & shown
    assert list(result.rows) == [g for g in general if g["member"] not in rare]
    assert result.suppressed == len(rare) == len(rows) - len(result.rows)
    csv_text = to_csv(rows, k=k)
    assert not any(member in csv_text for member in rare)
    assert csv_text.count("\n") == 1 + len(result.rows)


@given(rows=population(), k=ks)
def test_the_level_is_the_least_that_suppresses_a_small_share(
    rows: list[dict[str, Any]], k: int
) -> None:
    result = protect(rows, k=k)

    def suppressed_at(index: int) -> int:
        general = [generalise(row, LEVELS[index]) for row in rows]
        sizes = _groups(general, QUASI_IDENTIFIERS)
        return sum(1 for n in sizes.values() if n < k for _ in range(n))

    small = SUPPRESSION_TARGET * len(rows)
    assert all(suppressed_at(i) > small for i in range(result.level))
    assert result.suppressed <= small or result.level == len(LEVELS) - 1
    # The order of the rows changes nothing but the order of the output.
    reordered = protect(list(reversed(rows)), k=k)
    assert reordered.level == result.level
    assert sorted(reordered.rows, key=str) == sorted(result.rows, key=str)


@given(a=raw_row(), b=raw_row())
def test_each_level_is_no_finer_than_the_one_before(
    a: dict[str, Any], b: dict[str, Any]
) -> None:
    for finer, coarser in pairwise(LEVELS):
        alike = all(
            generalise(a, finer)[c] == generalise(b, finer)[c]
            for c in QUASI_IDENTIFIERS
        )
        if alike:
            assert all(
                generalise(a, coarser)[c] == generalise(b, coarser)[c]
                for c in QUASI_IDENTIFIERS
            )


@given(rows=population(max_size=30), extra=st.integers(1, 5))
def test_with_k_larger_than_the_population_everything_is_suppressed(
    rows: list[dict[str, Any]], extra: int
) -> None:
    k = max(MIN_K, len(rows) + extra)
    result = protect(rows, k=k)
    assert result.rows == ()
    assert result.suppressed == len(rows)
    assert to_csv(rows, k=k) == ",".join(COLUMNS) + "\n"


def test_the_generalisation_levels_and_bands() -> None:
    row = {
        "birth_year": 1988, "survey_month": "2023-05", "income_to_eu60": 0.66,
        "member_kind": "adult",
    }  # fmt: skip
    seen = [
        (g["birth_years"], g["survey_period"], g["income_to_eu60_band"])
        for g in (generalise(row, level) for level in LEVELS)
    ]
    assert seen == [
        ("1985-1989", "2023-Q2", "0.6-0.8"),
        ("1985-1989", "2023", "0.6-0.8"),
        ("1980-1989", "2023", "0.6-0.8"),
        ("1980-1989", "2023", "0.6-1.0"),
        ("1980-1999", "2023", "0.6-1.0"),
    ]
    bands = [
        generalise({**row, "income_to_eu60": r}, LEVELS[0])["income_to_eu60_band"]
        for r in (0.0, 0.49, 0.5, 0.59, 0.6, 0.79, 0.8, 0.99, 1.0, 2.5)
    ]
    assert bands == [
        "<0.5", "<0.5", "0.5-0.6", "0.5-0.6", "0.6-0.8", "0.6-0.8", "0.8-1.0",
        "0.8-1.0", ">=1.0", ">=1.0",
    ]  # fmt: skip
    assert [
        generalise({**row, "survey_month": f"2023-{m:02d}"}, LEVELS[0])["survey_period"]
        for m in (1, 3, 4, 6, 7, 9, 10, 12)
    ] == ["2023-Q1"] * 2 + ["2023-Q2"] * 2 + ["2023-Q3"] * 2 + ["2023-Q4"] * 2
    assert DEFAULT_K == 5
    assert MIN_K == 3


@pytest.mark.parametrize("k", [2, 1, 0, -5, True, 4.5, "5", None])
def test_k_below_3_or_not_a_whole_number_is_refused(k: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"\bk\b"):
        protect([], k=k)
    with pytest.raises(InvalidInputError, match=r"\bk\b"):
        to_csv([], k=k)
    with pytest.raises(InvalidInputError, match=r"\bk\b"):
        outcomes([], k=k)


# ---------------------------------------------------------- generated outcomes


@st.composite
def scores(draw: st.DrawFn) -> dict[str, dict[str, float | None]]:
    figure = st.none() | st.floats(0, 10, allow_nan=False)
    return {
        "housing": {"persons_per_room": draw(figure), "standard": draw(figure)},
        "economy": {"income_ratio": draw(figure), "debt": draw(figure)},
        "work": {"share_in_work_or_activity": draw(figure)},
        "school": {"mean_mastery": draw(figure)},
        "leisure": {"share_with_activity": draw(figure)},
        "well_being": {"mean_ladder": draw(figure)},
    }


@st.composite
def family_document(draw: st.DrawFn) -> dict[str, Any]:
    """The parts of a view document :func:`outcomes` reads."""
    started = date(2021, 1, 4) + timedelta(days=draw(st.integers(0, 700)))
    later = draw(st.integers(0, 3 * 365 + 100))
    surveys = draw(st.integers(0, 2))
    baseline = {"on": started.isoformat(), "scores": draw(scores())}
    latest = {
        "on": (started + timedelta(days=later)).isoformat(),
        "scores": draw(scores()),
    }
    return {
        "municipality": draw(st.sampled_from(["4204", "1103"])),
        "programme": {"kind": "nye_monstre"},
        "started_on": started.isoformat(),
        "baseline": baseline if surveys else None,
        "latest": (latest if surveys == 2 else baseline) if surveys else None,
    }


def _counted(docs: list[dict[str, Any]]) -> dict[tuple[str, str, int], list[Any]]:
    """The groups :func:`outcomes` would average over, counted independently."""
    out: dict[tuple[str, str, int], list[Any]] = {}
    for doc in docs:
        if doc["baseline"] is None or doc["latest"]["on"] == doc["baseline"]["on"]:
            continue
        days = date.fromisoformat(doc["latest"]["on"]) - date.fromisoformat(
            doc["started_on"]
        )
        key = (doc["municipality"], doc["programme"]["kind"], days.days // 365)
        out.setdefault(key, []).append(doc)
    return out


def _has_figures(group: OutcomeGroup) -> bool:
    return any(
        v is not None for part in (group.baseline, group.latest)
        for area in part.values() for v in area.values()
    )  # fmt: skip


@given(docs=st.lists(family_document(), max_size=40), k=ks)
def test_no_outcome_figure_stands_for_fewer_than_k_families(
    docs: list[dict[str, Any]], k: int
) -> None:
    groups = outcomes(docs, k=k)
    counted = _counted(docs)
    assert {(g.municipality, g.programme, g.programme_year) for g in groups} == set(
        counted
    )
    for group in groups:
        members = counted[(group.municipality, group.programme, group.programme_year)]
        if len(members) < k:
            assert group.withheld
            assert group.families == f"<{k}"
            assert not _has_figures(group)
            assert group.baseline == group.latest == {a: {} for a in SURVEY_AREAS}
            continue
        assert not group.withheld
        assert group.families == len(members) >= k
        for name, part in (("baseline", group.baseline), ("latest", group.latest)):
            for area, figures in part.items():
                for key, value in figures.items():
                    answered = [
                        d[name]["scores"][area][key]
                        for d in members
                        if d[name]["scores"][area].get(key) is not None
                    ]
                    if len(answered) < k:
                        assert value is None  # too few families answered it
                    else:
                        assert value == round(sum(answered) / len(answered), 3)


# ------------------------------------------------------------------ the demo


DEMO = {"families": 45, "years": 3, "seed": 1}


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[FamilyCoordination, DemoReport]]:
    clock = DemoClock()
    app = FamilyCoordination("memory", clock=clock, master_key=new_master_key())
    report = build_demo(app, clock, **DEMO)  # two families in three consent
    yield app, report
    app.close()


def _raw_rows(app: FamilyCoordination, report: DemoReport) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for family_id in report.family_ids:
        rows += research_rows(app.family_history(family_id, actor=LEAD), key=KEY)
    return rows


def test_the_demo_export_has_no_group_smaller_than_5(
    demo: tuple[FamilyCoordination, DemoReport],
) -> None:
    app, report = demo
    text = app.research_export(actor=RESEARCHER, key=KEY)
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    shown = list(reader)
    assert shown  # the demo is large enough for an export worth having
    assert _smallest(shown, QUASI_IDENTIFIERS) >= 5
    assert text == app.research_export(actor=RESEARCHER, key=KEY)  # deterministic

    # Unprotected, the same demo singles people out, even generalised.
    raw = _raw_rows(app, report)
    assert _smallest(raw, RAW_QUASI_IDENTIFIERS) < 5
    assert _smallest([generalise(r, LEVELS[0]) for r in raw], QUASI_IDENTIFIERS) < 5
    result = protect(raw)
    assert sorted(to_csv(raw).splitlines()) == sorted(text.splitlines())
    assert len(shown) == len(raw) - result.suppressed
    assert (
        result.suppressed <= SUPPRESSION_TARGET * len(raw)
        or result.level == len(LEVELS) - 1
    )
    members = {r["member"] for r in raw}
    assert {r["member"] for r in shown} <= members
    for row in raw:  # nothing unprotected leaves
        assert f",{row['survey_month']}," not in text
    consenting = {
        pseudonym(KEY, "member", m)
        for f in report.family_ids
        for m in app.get_family(f, actor=LEAD).research_consents
    }
    assert members <= consenting

    with pytest.raises(InvalidInputError, match=r"\bk\b"):
        app.research_export(actor=RESEARCHER, key=KEY, k=2)
    stricter = list(csv.DictReader(io.StringIO(app.research_export(
        actor=RESEARCHER, key=KEY, k=10
    ))))  # fmt: skip
    assert _smallest(stricter, QUASI_IDENTIFIERS) >= 10 or not stricter


@pytest.mark.parametrize("families", [1, 4, 45])
def test_demo_outcomes_over_fewer_than_5_families_are_withheld(families: int) -> None:
    clock = DemoClock()
    app = FamilyCoordination("memory", clock=clock, master_key=new_master_key())
    report = build_demo(app, clock, families=families, years=3, seed=1)
    # The groups counted from the families' histories, without the views.
    counted: Counter[tuple[str, str, int]] = Counter()
    for family_id in report.family_ids:
        family = FamilyRecord.of(app.family_history(family_id, actor=LEAD))
        assert family is not None
        surveys = sorted(family.surveys.values(), key=lambda c: c.completed_on)
        baselines = [c for c in surveys if c.survey.kind.value == "baseline"]
        if not baselines or surveys[-1].completed_on == baselines[0].completed_on:
            continue
        year = (surveys[-1].completed_on - family.started_on).days // 365
        counted[(family.municipality, family.programme.kind.value, year)] += 1
    assert counted
    # Unprotected, a small demo's figures would be one to four families' own.
    assert (min(counted.values()) < 5) == (families < 5)

    groups = app.views.outcomes(actor=LEAD, catch_up=True)
    assert {(g.municipality, g.programme, g.programme_year) for g in groups} == set(
        counted
    )
    for group in groups:
        size = counted[(group.municipality, group.programme, group.programme_year)]
        if size < 5:
            assert group.withheld
            assert group.families == "<5"
            assert not _has_figures(group)
        else:
            assert not group.withheld
            assert group.families == size
            assert _has_figures(group)
    assert any(g.withheld for g in groups) == (families < 5)
    strict = app.views.outcomes(actor=LEAD, k=max(MIN_K, *counted.values()) + 1)
    assert strict
    assert all(g.withheld and not _has_figures(g) for g in strict)
    with pytest.raises(InvalidInputError, match=r"\bk\b"):
        app.views.outcomes(actor=LEAD, k=2)
    app.close()
