"""The research export's rows and disclosure control, pinned where mutation testing probes.

Each test is named for the behaviour it pins; together they kill every mutant
of ``research.py`` the mutation run (``[tool.mutmut]``, docs/consent.md)
makes, calling the pure functions directly: :func:`research_rows` over
histories built with the :class:`~familiekoordinering.Family` aggregate in
memory (every rule still checked), and :func:`check_k`, :func:`pseudonym`,
:func:`generalise`, :func:`protect` and :func:`to_csv` over rows written out
here. The answers are exact: every column of every row, every band edge,
every CSV character. No store, no application.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import date
from typing import Any, cast
from uuid import UUID

import pytest

from familiekoordinering.domain.commands import (
    AddMember,
    CompleteSurvey,
    GiveResearchConsent,
    WithdrawResearchConsent,
)
from familiekoordinering.domain.family import Family
from familiekoordinering.domain.programme import Eligibility, Programme, ReferralSource
from familiekoordinering.domain.survey import (
    Benefit,
    Economy,
    Housing,
    LeisureAnswer,
    SchoolAnswer,
    SurveyKind,
    WellBeingAnswer,
    WorkAnswer,
    WorkStatus,
)
from familiekoordinering.domain.values import FamilyId, MemberId, MemberKind
from familiekoordinering.errors import ConfigurationError, InvalidInputError
from familiekoordinering.research import (
    COLUMNS,
    LEVELS,
    Protected,
    check_k,
    generalise,
    protect,
    pseudonym,
    research_rows,
    to_csv,
)
from familiekoordinering.testing.commands import enrol, run
from tests.conftest import CLOCK_START, COORDINATOR, KOMMUNE, LEAD

pytestmark = pytest.mark.domain

KEY = b"research side key, 32 bytes long"
FAMILY = FamilyId(UUID(int=0xF))
KARI = MemberId(UUID(int=1))
PER = MemberId(UUID(int=2))
EMMA = MemberId(UUID(int=3))
STARTED = date(2026, 3, 15)
"""The enrolment: not in January, not on the 1st, so that months and days count."""
ECONOMY = Economy(250_000, 380_000, 60_000, 7)
"""Income at 0.6578… of EU60 (0.66 to two decimals, 0.658 to three)."""


def _hmac20(kind: str, value: UUID, key: bytes = KEY) -> str:
    """A pseudonym worked out here: 20 hex digits of HMAC-SHA-256 of ``kind:id``."""
    text = f"{kind}:{value}".encode()
    return hmac.new(key, text, hashlib.sha256).hexdigest()[:20]


# ----------------------------------------------------------------- histories


def _family(*, consenting: Sequence[MemberId] = ()) -> Family:
    """Kari (adult), Per (adult) and Emma (Kari's child), enrolled on STARTED.

    Research consent is given in the order of ``consenting``.
    """
    family = enrol(
        family_id=FAMILY, municipality=KOMMUNE, label="Hansen",
        programme=Programme.nye_monstre(), referral=ReferralSource.SCHOOL,
        eligibility=Eligibility(250_000, 380_000, 4), occurred_on=STARTED,
        actor=LEAD, recorded_at=CLOCK_START,
    )  # fmt: skip
    for member_id, name, born, kind, guardians in (
        (KARI, "Kari", date(1988, 4, 2), MemberKind.ADULT, ()),
        (PER, "Per", date(1979, 12, 31), MemberKind.ADULT, ()),
        (EMMA, "Emma", date(2016, 2, 29), MemberKind.CHILD, (KARI,)),
    ):
        run(family, AddMember, member_id=member_id, name=name, birth_date=born,
            kind=kind, guardian_ids=guardians, occurred_on=STARTED,
            actor=COORDINATOR, recorded_at=CLOCK_START)  # fmt: skip
    for member_id in consenting:
        run(family, GiveResearchConsent, member_id=member_id,
            given_by=[KARI if member_id == EMMA else member_id],
            occurred_on=STARTED, actor=COORDINATOR, recorded_at=CLOCK_START)  # fmt: skip
    return family


def _survey(
    family: Family,
    on: date,
    kind: SurveyKind = SurveyKind.ANNUAL,
    economy: Economy = ECONOMY,
    **answers: Any,
) -> None:
    run(family, CompleteSurvey, kind=kind, housing=Housing(1.5, 2, 1),
        economy=economy, occurred_on=on, actor=COORDINATOR,
        recorded_at=CLOCK_START, **answers)  # fmt: skip


def _events(family: Family) -> list[Family.Event]:
    return cast("list[Family.Event]", family.collect_events())


def _rows(family: Family, key: bytes = KEY) -> list[dict[str, Any]]:
    return research_rows(_events(family), key=key)


# ------------------------------------------------------------- research_rows


def test_a_row_holds_every_column_of_one_consenting_members_survey() -> None:
    family = _family(consenting=[KARI])
    _survey(family, date(2026, 5, 4), SurveyKind.BASELINE,
            economy=Economy(250_000, 380_000, 60_000, 7,
                            frozenset({Benefit.CHILD_BENEFIT, Benefit.OTHER})),
            work=[WorkAnswer(KARI, WorkStatus.UNEMPLOYED)],
            well_being=[WellBeingAnswer(KARI, 4)], note="Kari er sliten")  # fmt: skip
    assert _rows(family) == [
        {
            "member": _hmac20("member", KARI),
            "household": _hmac20("family", FAMILY),
            "municipality": "4204",
            "programme": "nye_monstre",
            "member_kind": "adult",
            "birth_year": 1988,
            "survey_kind": "baseline",
            "survey_month": "2026-05",
            "programme_year": 1,
            "persons_per_room": 1.5,
            "housing_standard": 2,
            "moves_last_12_months": 1,
            "income_to_eu60": 0.66,
            "debt_band": "50k-200k",
            "benefits_not_claimed": 2,
            "work_status": "unemployed",
            "school_mastery": None,
            "school_absence_days": None,
            "leisure_activities": None,
            "well_being": 4,
        }
    ]


def test_each_consenting_member_answers_only_for_themselves() -> None:
    family = _family(consenting=[EMMA, PER, KARI])  # not in the order of their ids
    _survey(family, date(2026, 4, 1), SurveyKind.BASELINE,
            work=[WorkAnswer(KARI, WorkStatus.UNEMPLOYED),
                  WorkAnswer(PER, WorkStatus.FULL_TIME)],
            school=[SchoolAnswer(EMMA, 3, 5)], leisure=[LeisureAnswer(EMMA, 2)],
            well_being=[WellBeingAnswer(KARI, 4), WellBeingAnswer(EMMA, 7)])  # fmt: skip
    _survey(family, date(2027, 4, 1), school=[SchoolAnswer(EMMA, 4)])
    own = [
        (r["member"], r["member_kind"], r["birth_year"], r["work_status"],
         r["school_mastery"], r["school_absence_days"], r["leisure_activities"],
         r["well_being"], r["survey_month"])
        for r in _rows(family)
    ]  # fmt: skip
    kari, per, emma = (_hmac20("member", m) for m in (KARI, PER, EMMA))
    assert own == [  # the members in the order of their ids, survey by survey
        (kari, "adult", 1988, "unemployed", None, None, None, 4, "2026-04"),
        (per, "adult", 1979, "full_time", None, None, None, None, "2026-04"),
        (emma, "child", 2016, None, 3, 5, 2, 7, "2026-04"),
        (kari, "adult", 1988, None, None, None, None, None, "2027-04"),
        (per, "adult", 1979, None, None, None, None, None, "2027-04"),
        (emma, "child", 2016, None, 4, None, None, None, "2027-04"),
    ]


def test_the_surveys_are_in_the_order_they_were_completed_not_recorded() -> None:
    family = _family(consenting=[KARI])
    _survey(family, date(2026, 4, 1), SurveyKind.BASELINE)
    _survey(family, date(2028, 6, 30), SurveyKind.EXIT)
    _survey(family, date(2027, 6, 30))  # recorded after the exit, completed before
    assert [(r["survey_month"], r["survey_kind"]) for r in _rows(family)] == [
        ("2026-04", "baseline"),
        ("2027-06", "annual"),
        ("2028-06", "exit"),
    ]


@pytest.mark.parametrize(
    ("on", "year"),
    [
        (date(2026, 3, 15), 1),  # the day of the enrolment
        (date(2026, 12, 20), 1),  # nine months in
        (date(2027, 2, 20), 1),  # eleven months in
        (date(2027, 3, 14), 1),  # the day before a year has passed
        (date(2027, 3, 15), 2),  # a year to the day
        (date(2027, 4, 14), 2),  # thirteen months but a day
        (date(2027, 4, 20), 2),  # thirteen months
        (date(2029, 3, 14), 3),
        (date(2029, 3, 15), 4),
    ],
)
def test_the_programme_year_counts_whole_years_from_the_enrolment(
    on: date, year: int
) -> None:
    family = _family(consenting=[KARI])
    _survey(family, on, SurveyKind.BASELINE)
    (row,) = _rows(family)
    assert type(row["programme_year"]) is int
    assert row["programme_year"] == year


@pytest.mark.parametrize(
    ("debt", "band"),
    [
        (0, "none"),
        (1, "<50k"),
        (49_999, "<50k"),
        (50_000, "50k-200k"),
        (200_000, "50k-200k"),
        (200_001, ">200k"),
    ],
)
def test_debt_is_shown_in_bands(debt: int, band: str) -> None:
    family = _family(consenting=[KARI])
    _survey(family, STARTED, SurveyKind.BASELINE,
            economy=Economy(250_000, 380_000, debt, 0))  # fmt: skip
    (row,) = _rows(family)
    assert row["debt_band"] == band


def test_income_is_a_share_of_eu60_to_two_decimals() -> None:
    family = _family(consenting=[KARI])
    _survey(family, STARTED, SurveyKind.BASELINE, economy=Economy(1, 3, 0, 0))
    _survey(family, date(2027, 1, 1), economy=Economy(760_000, 380_000, 0, 0))
    assert [r["income_to_eu60"] for r in _rows(family)] == [0.33, 2.0]


def test_a_family_without_research_consent_or_history_gives_no_rows() -> None:
    family = _family()
    _survey(family, STARTED, SurveyKind.BASELINE)
    assert _rows(family) == []
    assert research_rows([], key=KEY) == []


def test_a_withdrawn_research_consent_leaves_the_member_out() -> None:
    family = _family(consenting=[KARI, PER])
    run(family, WithdrawResearchConsent, member_id=PER, withdrawn_by=[PER],
        occurred_on=STARTED, actor=COORDINATOR, recorded_at=CLOCK_START)  # fmt: skip
    _survey(family, STARTED, SurveyKind.BASELINE)
    assert [r["member"] for r in _rows(family)] == [_hmac20("member", KARI)]


def test_the_rows_refuse_a_short_key_even_when_there_is_nothing_to_export() -> None:
    with pytest.raises(ConfigurationError, match="at least 16 random bytes"):
        research_rows([], key=b"fifteen bytes!!")
    family = _family()
    with pytest.raises(ConfigurationError, match="at least 16 random bytes"):
        _rows(family, key=b"short")


def test_another_key_gives_other_pseudonyms() -> None:
    family = _family(consenting=[KARI])
    _survey(family, STARTED, SurveyKind.BASELINE)
    events = _events(family)
    other = b"another key, 32 bytes long too!!"
    (mine,) = research_rows(events, key=KEY)
    (theirs,) = research_rows(events, key=other)
    assert theirs["member"] == _hmac20("member", KARI, other) != mine["member"]
    assert theirs["household"] == _hmac20("family", FAMILY, other)


# ------------------------------------------------------------ keys and pseudonyms


def test_a_pseudonym_is_20_hex_digits_of_an_hmac_of_the_kind_and_id() -> None:
    assert pseudonym(KEY, "member", KARI) == _hmac20("member", KARI)
    assert pseudonym(KEY, "family", KARI) == _hmac20("family", KARI)
    assert len(pseudonym(KEY, "member", KARI)) == 20
    assert pseudonym(KEY, "member", KARI) != pseudonym(KEY, "family", KARI)


@pytest.mark.parametrize(
    "key", [b"", b"fifteen bytes!!", "sixteen chars!!!", bytearray(32), None]
)
def test_a_pseudonym_key_must_be_at_least_16_bytes(key: Any) -> None:
    with pytest.raises(ConfigurationError, match="at least 16 random bytes"):
        pseudonym(key, "member", KARI)


def test_a_key_of_16_bytes_is_enough() -> None:
    key = b"sixteen bytes!!!"
    assert pseudonym(key, "member", KARI) == _hmac20("member", KARI, key)


# ---------------------------------------------------------------------- check_k


@pytest.mark.parametrize("k", [3, 4, 100])
def test_k_from_3_up_is_taken_as_it_is(k: int) -> None:
    assert check_k(k) == k


@pytest.mark.parametrize("k", [2, 0, -3, True, False, 4.5, 3.0, "5", None])
def test_k_below_3_or_not_a_whole_number_is_refused(k: Any) -> None:
    with pytest.raises(InvalidInputError, match="at least 3"):
        check_k(k)


# --------------------------------------------------------------------- generalise


def raw(**overrides: Any) -> dict[str, Any]:
    """One row as :func:`research_rows` makes it, not yet protected."""
    row: dict[str, Any] = {
        "member": "m1",
        "household": "h1",
        "municipality": "4204",
        "programme": "nye_monstre",
        "survey_kind": "annual",
        "survey_month": "2023-05",
        "programme_year": 2,
        "persons_per_room": 1.5,
        "housing_standard": 2,
        "moves_last_12_months": 1,
        "income_to_eu60": 0.66,
        "debt_band": "none",
        "benefits_not_claimed": 0,
        "member_kind": "adult",
        "birth_year": 1988,
        "work_status": "full_time",
        "school_mastery": None,
        "school_absence_days": None,
        "leisure_activities": None,
        "well_being": 7,
    }
    row.update(overrides)
    return row


def test_a_generalised_row_has_the_columns_in_order_and_nothing_raw() -> None:
    shown = generalise(raw(name="Kari Hansen"), LEVELS[0])
    assert list(shown.items()) == [
        ("member", "m1"),
        ("household", "h1"),
        ("municipality", "4204"),
        ("programme", "nye_monstre"),
        ("member_kind", "adult"),
        ("birth_years", "1985-1989"),
        ("survey_kind", "annual"),
        ("survey_period", "2023-Q2"),
        ("programme_year", 2),
        ("persons_per_room", 1.5),
        ("housing_standard", 2),
        ("moves_last_12_months", 1),
        ("income_to_eu60_band", "0.6-0.8"),
        ("debt_band", "none"),
        ("benefits_not_claimed", 0),
        ("work_status", "full_time"),
        ("school_mastery", None),
        ("school_absence_days", None),
        ("leisure_activities", None),
        ("well_being", 7),
    ]
    assert tuple(shown) == COLUMNS


def test_a_column_the_row_lacks_is_empty() -> None:
    row = raw()
    del row["well_being"], row["member"]
    shown = generalise(row, LEVELS[0])
    assert shown["well_being"] is None
    assert shown["member"] is None


def test_each_level_generalises_birth_years_periods_and_income() -> None:
    row = raw()
    assert [
        (g["birth_years"], g["survey_period"], g["income_to_eu60_band"])
        for g in (generalise(row, level) for level in LEVELS)
    ] == [
        ("1985-1989", "2023-Q2", "0.6-0.8"),
        ("1985-1989", "2023", "0.6-0.8"),
        ("1980-1989", "2023", "0.6-0.8"),
        ("1980-1989", "2023", "0.6-1.0"),
        ("1980-1999", "2023", "0.6-1.0"),
    ]


@pytest.mark.parametrize(
    ("born", "five", "ten", "twenty"),
    [
        (1980, "1980-1984", "1980-1989", "1980-1999"),
        (1984, "1980-1984", "1980-1989", "1980-1999"),
        (1985, "1985-1989", "1980-1989", "1980-1999"),
        (1999, "1995-1999", "1990-1999", "1980-1999"),
        (2000, "2000-2004", "2000-2009", "2000-2019"),
        (2019, "2015-2019", "2010-2019", "2000-2019"),
    ],
)
def test_birth_years_fall_in_aligned_bands(
    born: int, five: str, ten: str, twenty: str
) -> None:
    row = raw(birth_year=born)
    assert [generalise(row, LEVELS[i])["birth_years"] for i in (0, 2, 4)] == [
        five,
        ten,
        twenty,
    ]


def test_survey_months_fall_in_quarters_and_years() -> None:
    quarters = [
        generalise(raw(survey_month=f"2024-{m:02d}"), LEVELS[0])["survey_period"]
        for m in range(1, 13)
    ]
    assert quarters == [f"2024-Q{q}" for q in (1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4)]
    years = {
        generalise(raw(survey_month=f"2024-{m:02d}"), LEVELS[1])["survey_period"]
        for m in range(1, 13)
    }
    assert years == {"2024"}


def test_income_falls_in_bands_each_bound_in_the_band_above_it() -> None:
    ratios = (0.0, 0.49, 0.5, 0.59, 0.6, 0.79, 0.8, 0.99, 1.0, 2.5)
    five = [generalise(raw(income_to_eu60=r), LEVELS[0]) for r in ratios]
    three = [generalise(raw(income_to_eu60=r), LEVELS[3]) for r in ratios]
    assert [g["income_to_eu60_band"] for g in five] == [
        "<0.5", "<0.5", "0.5-0.6", "0.5-0.6", "0.6-0.8", "0.6-0.8", "0.8-1.0",
        "0.8-1.0", ">=1.0", ">=1.0",
    ]  # fmt: skip
    assert [g["income_to_eu60_band"] for g in three] == [
        "<0.6", "<0.6", "<0.6", "<0.6", "0.6-1.0", "0.6-1.0", "0.6-1.0",
        "0.6-1.0", ">=1.0", ">=1.0",
    ]  # fmt: skip


# ------------------------------------------------------------------------ protect


def many(count: int, **overrides: Any) -> list[dict[str, Any]]:
    """``count`` rows alike but for the member, numbered from ``overrides['member']``."""
    first = overrides.pop("member", "m")
    return [raw(member=f"{first}{n}", **overrides) for n in range(count)]


def members(protected: Protected) -> list[str]:
    return [row["member"] for row in protected.rows]


def test_a_group_of_exactly_k_rows_is_shown_at_the_first_level() -> None:
    rows = many(3)
    assert protect(rows, k=3) == Protected(
        tuple(generalise(row, LEVELS[0]) for row in rows), 0, 0
    )


def test_a_group_of_fewer_than_k_rows_is_suppressed_whole() -> None:
    result = protect(many(4), k=5)
    assert result == Protected((), 4, 4)  # the most general level, and still too few


def test_the_default_k_is_5() -> None:
    assert protect(many(4)) == Protected((), 4, 4)
    assert [r["member"] for r in protect(many(5)).rows] == [f"m{n}" for n in range(5)]
    assert to_csv(many(4)).count("\n") == 1
    assert to_csv(many(5)).count("\n") == 6


def test_at_most_5_percent_suppressed_keeps_the_first_level() -> None:
    # 19 alike and one alone at every level: 1 of 20 is exactly 5 %.
    rows = [*many(19), raw(member="alone", municipality="1103")]
    result = protect(rows, k=3)
    assert (result.level, result.suppressed) == (0, 1)
    assert members(result) == [f"m{n}" for n in range(19)]


def test_more_than_5_percent_suppressed_generalises_further() -> None:
    # 18 alike, one alone at every level and one that joins them at level 1.
    rows = [
        *many(18),
        raw(member="alone", municipality="1103"),
        raw(member="later", survey_month="2023-11"),
    ]
    result = protect(rows, k=3)
    assert (result.level, result.suppressed) == (1, 1)
    assert members(result) == [*(f"m{n}" for n in range(18)), "later"]
    assert {r["survey_period"] for r in result.rows} == {"2023"}


@pytest.mark.parametrize(
    ("other", "level"),
    [
        ({"survey_month": "2023-11"}, 1),  # another quarter of the year
        ({"birth_year": 1982}, 2),  # another five years of the decade
        ({"income_to_eu60": 0.9}, 3),  # another band of the three
        ({"birth_year": 1995}, 4),  # another decade of the twenty years
    ],
)
def test_the_least_level_at_which_the_groups_are_large_enough_is_chosen(
    other: dict[str, Any], level: int
) -> None:
    rows = [*many(3, member="a"), *many(3, member="b", **other)]
    result = protect(rows, k=4)  # neither group of 3 is large enough alone
    assert (result.level, result.suppressed) == (level, 0)
    assert members(result) == ["a0", "a1", "a2", "b0", "b1", "b2"]
    assert list(result.rows) == [generalise(row, LEVELS[level]) for row in rows]


def test_when_no_level_gets_there_the_most_general_is_used() -> None:
    rows = [*many(6), *many(2, member="x", municipality="1103")]  # 2 of 8: 25 %
    result = protect(iter(rows), k=3)
    assert (result.level, result.suppressed) == (4, 2)
    assert members(result) == [f"m{n}" for n in range(6)]
    assert result.rows == tuple(generalise(row, LEVELS[4]) for row in rows[:6])


def test_no_rows_protect_to_none() -> None:
    assert protect([], k=3) == Protected((), 0, 0)


@pytest.mark.parametrize("k", [2, True, 4.5, "5"])
def test_protect_and_the_csv_refuse_a_k_below_3_or_not_whole(k: Any) -> None:
    with pytest.raises(InvalidInputError, match="at least 3"):
        protect(many(10), k=k)
    with pytest.raises(InvalidInputError, match="at least 3"):
        to_csv(many(10), k=k)


# ------------------------------------------------------------------------- to_csv


def test_the_csv_is_a_header_and_a_line_per_row_shown_none_as_empty() -> None:
    rows = [*many(3), raw(member="alone", municipality="1103")]
    header = ",".join(COLUMNS)
    line = (
        "{},h1,4204,nye_monstre,adult,1980-1999,annual,2023,2,1.5,2,1,"
        "0.6-1.0,none,0,full_time,,,,7"
    )
    assert (
        to_csv(rows, k=3)
        == "\n".join([header, line.format("m0"), line.format("m1"), line.format("m2")])
        + "\n"
    )


def test_the_csv_writes_falsy_answers_as_they_are() -> None:
    rows = many(3, school_mastery=0, leisure_activities=0, well_being=0)
    first = to_csv(rows, k=3).splitlines()[1]
    assert first == (
        "m0,h1,4204,nye_monstre,adult,1985-1989,annual,2023-Q2,2,1.5,2,1,"
        "0.6-0.8,none,0,full_time,0,,0,0"
    )


def test_a_csv_of_no_rows_is_its_header() -> None:
    assert to_csv([], k=3) == ",".join(COLUMNS) + "\n"
