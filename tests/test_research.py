"""Research consent (its own purpose) and the pseudonymised research export."""

from __future__ import annotations

import base64
import csv
import io
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from familiekoordinering import (
    AccessDeniedError,
    Actor,
    ConfigurationError,
    Economy,
    FamilyCoordination,
    Housing,
    Member,
    MemberKind,
    Municipality,
    Role,
    RuleViolationError,
    SurveyKind,
    WellBeingAnswer,
    WorkAnswer,
    WorkStatus,
    new_master_key,
)
from familiekoordinering.domain.capacity import ConsentAges, research_say
from familiekoordinering.domain.values import MemberId
from familiekoordinering.research import (
    COLUMNS,
    LEVELS,
    QUASI_IDENTIFIERS,
    generalise,
    pseudonym,
    research_rows,
)
from tests.conftest import COORDINATOR, LEAD, START, EnrolledFamily

pytestmark = pytest.mark.application

RESEARCHER = Actor("f-forsker", Role.RESEARCHER, Municipality("4204"))
KEY = b"research side key, 32 bytes long"


@given(
    kind=st.sampled_from(MemberKind),
    born=st.dates(min_value=date(1950, 1, 1), max_value=date(2025, 12, 31)),
    on=st.dates(min_value=date(2026, 1, 1), max_value=date(2045, 12, 31)),
    guardians=st.frozensets(st.uuids().map(MemberId), max_size=2),
)
def test_adults_decide_for_themselves_and_guardians_for_younger_children(
    kind: MemberKind, born: date, on: date, guardians: frozenset[MemberId]
) -> None:
    member = Member(
        MemberId(UUID(int=7)),
        "x",
        born,
        kind,
        guardians if kind is MemberKind.CHILD else frozenset(),
    )
    say = research_say(member, on, ConsentAges.norway())
    grown = (
        kind is MemberKind.ADULT
        or (on.year - born.year) - ((on.month, on.day) < (born.month, born.day)) >= 18
    )
    assert say == (frozenset({member.member_id}) if grown else member.guardian_ids)


def _consent_all(family: EnrolledFamily) -> None:
    app = family.app
    for adult in (family.kari, family.ola):
        app.give_research_consent(
            family.id, adult, given_by=[adult], occurred_on=START, actor=COORDINATOR
        )
    app.give_research_consent(
        family.id, family.emma, given_by=[family.kari], occurred_on=START,
        actor=COORDINATOR,
    )  # fmt: skip


def test_research_consent_is_given_by_the_member_or_a_childs_guardian(
    family: EnrolledFamily,
) -> None:
    app = family.app
    with pytest.raises(RuleViolationError, match="only Kari Hansen, Ola Hansen can"):
        app.give_research_consent(
            family.id, family.emma, given_by=[family.emma], occurred_on=START,
            actor=COORDINATOR,
        )  # fmt: skip
    with pytest.raises(RuleViolationError, match="only Ola Hansen can"):
        app.give_research_consent(
            family.id, family.ola, given_by=[family.kari], occurred_on=START,
            actor=COORDINATOR,
        )  # fmt: skip
    _consent_all(family)
    with pytest.raises(RuleViolationError, match="has consented to research since"):
        app.give_research_consent(
            family.id, family.ola, given_by=[family.ola], occurred_on=START,
            actor=COORDINATOR,
        )  # fmt: skip
    app.withdraw_research_consent(
        family.id, family.ola, withdrawn_by=[family.ola], occurred_on=START,
        actor=COORDINATOR,
    )  # fmt: skip
    assert set(app.get_family(family.id, actor=LEAD).research_consents) == {
        family.kari,
        family.emma,
    }
    timeline = app.timeline(family.id, actor=LEAD).render_text()
    assert "kan brukes i forskning, uten navn" in timeline
    assert "trakk tilbake forskningssamtykket for Ola Hansen" in timeline


def test_the_research_export_holds_consenting_members_pseudonymised_only(
    family: EnrolledFamily,
) -> None:
    app = family.app
    app.complete_survey(
        family.id, kind=SurveyKind.BASELINE, housing=Housing(1.5, 2, 1),
        economy=Economy(250_000, 380_000, 60_000, 7), occurred_on=START,
        actor=COORDINATOR, work=[WorkAnswer(family.kari, WorkStatus.UNEMPLOYED)],
        well_being=[WellBeingAnswer(family.kari, 4)], note="Kari er sliten",
    )  # fmt: skip
    app.give_research_consent(
        family.id, family.kari, given_by=[family.kari], occurred_on=START,
        actor=COORDINATOR,
    )  # fmt: skip
    rows = research_rows(app.family_history(family.id, actor=LEAD), key=KEY)
    assert [r["member"] for r in rows] == [pseudonym(KEY, "member", family.kari)]
    row = rows[0]
    assert row["birth_year"] == 1988  # not yet protected
    assert len(row["survey_month"]) == 7  # YYYY-MM
    assert row["work_status"] == "unemployed"
    assert row["well_being"] == 4
    assert row["income_to_eu60"] == 0.66
    shown = generalise(row, LEVELS[0])
    assert tuple(shown) == COLUMNS
    assert shown["birth_years"] == "1985-1989"
    assert re.fullmatch(r"\d{4}-Q[1-4]", shown["survey_period"])
    assert shown["income_to_eu60_band"] == "0.6-0.8"
    assert shown["member"] == row["member"]
    text = app.research_export(actor=RESEARCHER, key=KEY)
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    assert list(reader) == []  # one member alone is fewer than k = 5: suppressed
    for secret in ("Kari", "Hansen", "1988", "sliten", str(family.kari), row["member"]):
        assert secret not in text
    again = research_rows(app.family_history(family.id, actor=LEAD), key=KEY)
    assert again == rows  # stable pseudonyms
    other = research_rows(
        app.family_history(family.id, actor=LEAD),
        key=b"another key, 32 bytes long too!",
    )
    assert other[0]["member"] != row["member"]
    with pytest.raises(AccessDeniedError, match="does not allow it"):
        app.research_export(actor=LEAD, key=KEY)
    with pytest.raises(ConfigurationError, match="at least 16 random bytes"):
        app.research_export(actor=RESEARCHER, key=b"short")
    elsewhere = Actor("f-forsker", Role.RESEARCHER, Municipality("1103"))
    assert app.research_export(actor=elsewhere, key=KEY).count("\n") == 1  # header
    assert any(
        e.what == "research export" for e in app._reader.access_log.entries(family.id)
    )


def test_the_export_leaves_out_withdrawn_members_and_erased_families() -> None:
    from familiekoordinering.demo import DemoClock, build_demo

    clock = DemoClock()
    app = FamilyCoordination("memory", clock=clock, master_key=new_master_key())
    report = build_demo(app, clock, families=15, years=2, seed=7)

    def households() -> set[str]:
        text = app.research_export(actor=RESEARCHER, key=KEY)
        return {r["household"] for r in csv.DictReader(io.StringIO(text))}

    def rows_of(family_id: UUID) -> list[dict[str, object]]:
        return research_rows(app.family_history(family_id, actor=LEAD), key=KEY)

    said_no = report.family_ids[1::3]  # one demo family in three says no
    assert all(not rows_of(f) for f in said_no)
    assert all(rows_of(f) for f in report.family_ids if f not in said_no)
    before = households()
    assert not before & {pseudonym(KEY, "family", f) for f in said_no}
    shown = [f for f in report.family_ids if pseudonym(KEY, "family", f) in before]
    assert shown
    app.erase(shown[0], actor=LEAD)
    after = households()
    assert pseudonym(KEY, "family", shown[0]) not in after
    app.close()


def _qi(row: dict[str, str]) -> tuple[str, ...]:
    return tuple(row[c] for c in QUASI_IDENTIFIERS)


def _cli(*args: str, cwd: Path, actor: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "familiekoordinering", "--actor", actor, *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_erase_and_research_export_work_on_the_demo_store(tmp_path: Path) -> None:
    lead, researcher = "t-lead:team_lead:4204", "f-forsker:researcher:4204"
    assert _cli("demo", "--seed", "2", cwd=tmp_path, actor=lead).returncode == 0
    assert (tmp_path / "familiekoordinering.db.key").exists()
    key_file = tmp_path / "research.key"
    key_file.write_text(base64.b64encode(new_master_key()).decode())
    key_file.chmod(0o600)  # a key file must be its owner's only
    out = tmp_path / "research.csv"
    done = _cli(
        "research-export", "--output", str(out), "--key-file", str(key_file),
        cwd=tmp_path, actor=researcher,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    reader = csv.DictReader(out.open(encoding="utf-8"))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    rows = list(reader)
    assert "row(s)" in done.stderr
    assert all(n >= 5 for n in Counter(_qi(r) for r in rows).values())
    too_small = _cli(
        "research-export", "--output", str(out), "--key-file", str(key_file),
        "--force", "--k", "2", cwd=tmp_path, actor=researcher,
    )  # fmt: skip
    assert too_small.returncode == 1
    assert "k (the smallest group shown)" in too_small.stderr
    refused = _cli(
        "research-export", "--output", str(out), "--key-file", str(key_file),
        "--force", cwd=tmp_path, actor=lead,  # an existing output is refused first
    )  # fmt: skip
    assert refused.returncode == 1
    assert "may not research export" in refused.stderr
    family = _cli("families", cwd=tmp_path, actor=lead).stdout.split()[0]
    erased = _cli("erase", family, cwd=tmp_path, actor=lead)  # the whole id
    assert erased.returncode == 0, erased.stderr
    assert f"erased {family}" in erased.stdout
    timeline = _cli("timeline", family[:8], cwd=tmp_path, actor=lead).stdout
    assert "Personopplysningene ble slettet" in timeline
    again = _cli("erase", family, cwd=tmp_path, actor=lead)
    assert again.returncode == 1
    assert "erased already" in again.stderr
    due = _cli("retention", "--years", "0", cwd=tmp_path, actor=lead)
    assert due.returncode == 0, due.stderr
    assert family not in due.stdout
