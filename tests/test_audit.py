"""The audit reads the stored events, not the family's view of itself."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from familiekoordinering import (
    Agency,
    AgencyKind,
    Channel,
    Family,
    FamilyCoordination,
    FamilyKnows,
    OutwardActionKind,
    Topic,
)
from familiekoordinering.audit import AuditReport, Finding, FindingKind
from familiekoordinering.protection import load_master_key
from tests.conftest import AUDITOR, COORDINATOR, LEAD, START, EnrolledFamily

pytestmark = pytest.mark.application

DAY = START + timedelta(days=10)


def forged_contact(
    family: EnrolledFamily, topic: Topic, on: date
) -> Family.AgencyContacted:
    """What a faulty client might write: a contact that names a consent but is not covered."""
    return Family.AgencyContacted(  # type: ignore[call-arg]
        originator_id=family.id,
        originator_version=family.version + 1,
        timestamp=family.app.clock(),
        occurred_on=on,
        actor=COORDINATOR,
        action_id=uuid4(),
        kind=OutwardActionKind.SHARE_INFORMATION,
        agency=Agency(AgencyKind.NAV),
        topics=frozenset({topic}),
        member_ids=frozenset({family.emma}),
        purpose="forged",
        channel=Channel.EMAIL,
        consent_ids=(family.nav_consent,),
        family_knows=FamilyKnows.present(),
    )


def test_a_clean_history_has_no_violation(family: EnrolledFamily) -> None:
    family.app.record_contact(
        family.id, agency=Agency(AgencyKind.NAV), topics=[Topic.ECONOMY],
        member_ids=[family.kari], purpose="p", channel=Channel.PHONE,
        family_knows=FamilyKnows.present(), occurred_on=DAY, actor=COORDINATOR,
    )  # fmt: skip
    report = family.app.audit(family.id, on=DAY, actor=AUDITOR)
    assert report.violations == ()
    assert report.exit_status == 0
    assert report.events == family.version


def test_an_uncovered_event_appended_directly_to_the_store_is_found(
    family: EnrolledFamily,
) -> None:
    family.app._engine.events.put([forged_contact(family, Topic.PARENTING, DAY)])
    report = family.app.audit(on=DAY, actor=AUDITOR)
    (violation,) = report.violations
    assert violation.kind is FindingKind.UNCOVERED_ACTION
    assert violation.version == family.version
    assert "excludes the topic parenting" in violation.message
    assert report.exit_status == 1


def test_an_event_dated_after_a_withdrawal_is_found_even_if_it_names_the_consent(
    family: EnrolledFamily,
) -> None:
    family.app.withdraw_consent(
        family.id, family.nav_consent, withdrawn_by=[family.kari], occurred_on=DAY,
        actor=COORDINATOR,
    )  # fmt: skip
    family.app._engine.events.put(
        [forged_contact(family, Topic.ECONOMY, DAY + timedelta(days=1))]
    )
    (violation,) = family.app.audit(family.id, on=DAY, actor=AUDITOR).violations
    assert "withdrawn on" in violation.message


def test_open_notifications_past_their_deadline_are_violations_and_late_ones_notes(
    family: EnrolledFamily,
) -> None:
    app = family.app
    late = app.record_contact(
        family.id, agency=Agency(AgencyKind.NAV), topics=[Topic.ECONOMY],
        member_ids=[family.kari], purpose="p", channel=Channel.PHONE,
        family_knows=FamilyKnows.inform_afterwards(by=DAY + timedelta(days=2)),
        occurred_on=DAY, actor=COORDINATOR,
    )  # fmt: skip
    app.record_contact(
        family.id, agency=Agency(AgencyKind.NAV), topics=[Topic.WORK],
        member_ids=[family.ola], purpose="p", channel=Channel.PHONE,
        family_knows=FamilyKnows.inform_afterwards(by=DAY + timedelta(days=2)),
        occurred_on=DAY, actor=COORDINATOR,
    )  # fmt: skip
    app.record_family_informed(
        family.id, late, channel=Channel.PHONE, occurred_on=DAY + timedelta(days=5),
        actor=COORDINATOR,
    )  # fmt: skip
    assert (
        app.audit(family.id, on=DAY + timedelta(days=2), actor=AUDITOR).violations == ()
    )
    report = app.audit(family.id, on=DAY + timedelta(days=3), actor=AUDITOR)
    assert [f.kind for f in report.violations] == [FindingKind.OVERDUE_NOTIFICATION]
    assert [f.kind for f in _family_findings(report) if not f.is_violation] == [
        FindingKind.INFORMED_LATE
    ]


def _family_findings(report: AuditReport) -> list[Finding]:
    """The findings about families (the test stores are unencrypted: a note says so)."""
    return [f for f in report.findings if f.kind is not FindingKind.STORE_UNENCRYPTED]


def test_an_unencrypted_store_is_noted_by_the_audit(family: EnrolledFamily) -> None:
    report = family.app.audit(on=DAY, actor=AUDITOR)
    notes = [f for f in report.findings if f.kind is FindingKind.STORE_UNENCRYPTED]
    if family.app.store == "memory":
        assert notes == []  # no file, nothing declared
    else:
        (note,) = notes
        assert not note.is_violation
        assert "encryption=False" in note.message
        assert report.exit_status == 0


def test_every_legal_duty_action_is_listed_but_is_no_violation(
    family: EnrolledFamily,
) -> None:
    family.app.act_under_legal_duty(
        family.id, agency=Agency(AgencyKind.CHILD_WELFARE), topics=[Topic.PARENTING],
        member_ids=[family.emma], purpose="Notify of neglect", channel=Channel.LETTER,
        legal_basis="barnevernsloven § 13-2", family_knows=FamilyKnows.present(),
        occurred_on=DAY, actor=COORDINATOR,
    )  # fmt: skip
    report = family.app.audit(family.id, on=DAY, actor=AUDITOR)
    (finding,) = _family_findings(report)
    assert finding.kind is FindingKind.LEGAL_DUTY_ACTION
    assert "barnevernsloven § 13-2" in finding.message
    assert report.exit_status == 0


def test_an_unreadable_stored_event_is_a_violation_naming_its_position(
    family: EnrolledFamily,
) -> None:
    stored = StoredEvent(
        family.id,
        family.version + 1,
        Family.AgencyContacted.TOPIC,
        b'{"occurred_on": "20',
    )
    family.app._engine.recorder.insert_events([stored])
    violations = family.app.audit(family.id, on=DAY, actor=AUDITOR).violations
    # Unreadable, and — written past the library, without a digest — a break.
    assert {(v.kind, v.version) for v in violations} == {
        (FindingKind.UNREADABLE_EVENT, stored.originator_version),
        (FindingKind.HISTORY_INSERTED, stored.originator_version),
    }


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "familiekoordinering",
         "--actor", "r-revisor:auditor:4204", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_the_audit_command_passes_on_the_demo_and_fails_after_a_forged_event(
    tmp_path: Path,
) -> None:
    assert cli("demo", "--seed", "3", cwd=tmp_path).returncode == 0
    clean = cli("audit", "--on", "2026-11-22", cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "0 violation(s)" in clean.stdout

    # A faulty client writes straight into the SQLite file, past the library.
    app = FamilyCoordination(
        tmp_path / "familiekoordinering.db",
        master_key=load_master_key(tmp_path / "familiekoordinering.db.key"),
    )
    family_id = app.family_ids(actor=LEAD)[0]
    family = app.get_family(family_id, actor=LEAD)
    child = next(m for m in family.members.values() if m.kind.value == "child")
    forged = Family.AgencyContacted(  # type: ignore[call-arg]
        originator_id=family_id, originator_version=family.version + 1,
        timestamp=family.modified_on, occurred_on=family.started_on + timedelta(days=40),
        actor=COORDINATOR, action_id=uuid4(), kind=OutwardActionKind.REFER,
        agency=Agency(AgencyKind.CHILD_WELFARE), topics=frozenset({Topic.PARENTING}),
        member_ids=frozenset({child.member_id}), purpose="forged referral",
        channel=Channel.LETTER, consent_ids=(), family_knows=FamilyKnows.present(),
    )  # fmt: skip
    app._engine.recorder.insert_events([app._engine.mapper.to_stored_event(forged)])
    app.close()

    found = cli("audit", "--on", "2026-11-22", cwd=tmp_path)
    assert found.returncode == 4  # findings (cli.EXIT_FINDINGS)
    assert "VIOLATION uncovered_action" in found.stdout
    assert "no consent names the agency child_welfare" in found.stdout
    # Written past the library, it carries no digest: the chain names it too.
    assert (
        f"VIOLATION history_inserted: family {family_id} event {family.version + 1}"
        in found.stdout
    )
    only_that_family = cli(
        "audit", str(family_id)[:8], "--on", "2026-11-22", cwd=tmp_path
    )
    assert only_that_family.returncode == 4


@pytest.mark.parametrize("bad", ["2026-13-01", "tomorrow"])
def test_the_audit_command_refuses_a_bad_date(tmp_path: Path, bad: str) -> None:
    result = cli("audit", "--on", bad, cwd=tmp_path)
    assert result.returncode == 2
    assert "is not a date" in result.stderr
