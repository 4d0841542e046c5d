"""Integrity from the command line and across versions, on real SQLite files.

The demo store is audited, checkpointed and tampered with beneath the library
(``sqlite3``), and ``familiekoordinering`` itself is run as a process; a store
written before chaining is chained once with ``familiekoordinering chain``.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest

from familiekoordinering import FamilyCoordination
from familiekoordinering.audit import FindingKind
from familiekoordinering.demo import DemoClock, build_demo
from familiekoordinering.integrity import Checkpoint, Fingerprint
from familiekoordinering.protection import load_master_key
from familiekoordinering.testing.legacy import UnchainedCoordination
from tests.conftest import AUDITOR, LEAD

pytestmark = pytest.mark.application

ON = "2026-11-30"
AUDITOR_ARG = "r-revisor:auditor:4204"


def cli(
    *args: str, cwd: Path, actor: str = AUDITOR_ARG
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "familiekoordinering", "--actor", actor, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("integrity")
    done = cli("demo", "--seed", "5", "--families", "3", "--years", "1", cwd=directory)
    assert done.returncode == 0, done.stderr
    return directory


@pytest.fixture
def store(demo: Path, tmp_path: Path) -> Path:
    """A copy of the demo store (and its key) to tamper with."""
    for name in ("familiekoordinering.db", "familiekoordinering.db.key"):
        shutil.copy(demo / name, tmp_path / name)
    return tmp_path


def _events(directory: Path) -> list[tuple[int, str, int, str]]:
    with sqlite3.connect(directory / "familiekoordinering.db") as db:
        return db.execute(
            "SELECT rowid, originator_id, originator_version, topic FROM stored_events "
            "WHERE topic NOT LIKE 'familiekoordinering:StoreLedger%' ORDER BY rowid"
        ).fetchall()


def test_the_demo_store_audits_clean_with_exit_0(store: Path) -> None:
    done = cli("audit", "--on", ON, cwd=store)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 violation(s) (0 in the stored history)" in done.stdout


def test_a_checkpoint_is_written_0600_never_overwritten_and_catches_a_deleted_newest_event(
    store: Path,
) -> None:
    done = cli("checkpoint", "--output", "head.json", cwd=store)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(os.stat(store / "head.json").st_mode) == 0o600
    again = cli("checkpoint", "--output", "head.json", cwd=store)
    assert again.returncode == 1
    assert "exists already" in again.stderr
    checkpoint = Checkpoint.from_json((store / "head.json").read_text())
    assert checkpoint.position == _events(store)[-1][0]

    rowid, family_hex, version, _ = _events(store)[-1]
    with sqlite3.connect(store / "familiekoordinering.db") as db:
        db.execute("DELETE FROM stored_events WHERE rowid = ?", (rowid,))
    family = UUID(family_hex)
    assert cli("audit", "--on", ON, cwd=store).returncode == 0  # a shorter chain
    found = cli("audit", "--on", ON, "--checkpoint", "head.json", cwd=store)
    assert found.returncode == 4  # findings (cli.EXIT_FINDINGS)
    assert (
        f"VIOLATION history_truncated: family {family} event {version}" in found.stdout
    )


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        ("UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), "
         "'\"user_id\":\"', '\"user_id\":\"x') AS BLOB) WHERE rowid = ?",
         "modified"),
        ("UPDATE stored_events SET topic = topic || 'x' WHERE rowid = ?", "modified"),
        ("DELETE FROM stored_events WHERE rowid = ?", "deleted"),
        ("UPDATE stored_events SET originator_version = originator_version + 100 "
         "WHERE rowid = ?", "deleted"),
    ],
)  # fmt: skip
def test_the_audit_command_names_family_and_position_of_each_tampering(
    store: Path, change: str, kind: str
) -> None:
    rows = _events(store)
    rowid, family_hex, version, _ = rows[len(rows) // 2]
    # A row in the middle of its family, so that an event follows it.
    if version == max(v for _, f, v, _ in rows if f == family_hex):
        rowid, family_hex, version, _ = rows[len(rows) // 2 - 5]
    with sqlite3.connect(store / "familiekoordinering.db") as db:
        db.execute(change, (rowid,))
        assert db.total_changes == 1
    found = cli("audit", "--on", ON, cwd=store)
    assert found.returncode == 4, found.stdout
    assert f"history_{kind}: family {UUID(family_hex)} event {version}" in found.stdout


def test_insert_or_replace_in_the_access_log_is_only_a_reported_break(
    store: Path,
) -> None:
    assert cli("families", cwd=store, actor="t-lead:team_lead:4204").returncode == 0
    with sqlite3.connect(store / "familiekoordinering.db") as db:
        (seq,) = db.execute("SELECT min(seq) FROM fk_access_log").fetchone()
        triggers = db.execute(
            "SELECT name FROM sqlite_master WHERE type='trigger' AND "
            "tbl_name='fk_access_log'"
        ).fetchall()
        for (name,) in triggers:
            db.execute(f"DROP TRIGGER {name}")
        db.execute(
            "INSERT OR REPLACE INTO fk_access_log SELECT seq, family_id, at, 'mallory', "
            "role, municipality, purpose, what, prev, digest FROM fk_access_log "
            "WHERE seq = ?",
            (seq,),
        )
    found = cli("audit", "--on", ON, cwd=store)
    assert found.returncode == 4
    assert f"access-log row {seq}" in found.stdout
    assert "history_modified" in found.stdout


def test_the_audit_exits_1_when_it_cannot_run(store: Path) -> None:
    refused = cli("audit", "--on", ON, cwd=store, actor="k-lund:coordinator:4204")
    assert refused.returncode == 1  # refused; its findings are 4
    assert "may not audit" in refused.stderr
    (store / "bad.json").write_text("{}")
    unreadable = cli("audit", "--checkpoint", "bad.json", cwd=store)
    assert unreadable.returncode == 1
    assert "not a checkpoint" in unreadable.stderr
    malformed = cli("audit", _events(store)[0][1], "--fingerprint", "x", cwd=store)
    assert malformed.returncode == 1
    assert "is not a fingerprint" in malformed.stderr


def test_the_familys_fingerprint_from_its_export_proves_its_history_unchanged(
    store: Path,
) -> None:
    family = str(UUID(_events(store)[0][1]))
    lead = "t-lead:team_lead:4204"
    exported = cli("export", family, "--output", "export.json", cwd=store, actor=lead)
    assert exported.returncode == 0, exported.stderr
    shown = json.loads((store / "export.json").read_text())["fingerprint"]
    fingerprint = Fingerprint.parse(shown["fingerprint"])
    assert fingerprint.version == shown["version"]
    report = cli("export", family, "--output", "report.html", cwd=store, actor=lead)
    assert report.returncode == 0
    assert shown["fingerprint"] in (store / "report.html").read_text()

    same = cli(
        "audit", family, "--on", ON, "--fingerprint", str(fingerprint), cwd=store
    )
    assert same.returncode == 0, same.stdout
    # Somebody rewrites an early event and every digest after it (no key needed
    # to try): the fingerprint the family kept no longer matches.
    app = FamilyCoordination(
        store / "familiekoordinering.db",
        master_key=load_master_key(store / "familiekoordinering.db.key"),
    )
    with sqlite3.connect(store / "familiekoordinering.db") as db:
        rows = db.execute(
            "SELECT originator_version, topic, state FROM stored_events WHERE "
            "originator_id = ? ORDER BY originator_version",
            (UUID(family).hex,),
        ).fetchall()
        prev = "0" * 64
        for version, topic, state in rows:
            body = bytes(state)[:-153] + b',"_prev":"' + prev.encode() + b'"}'
            if version == 2:
                body = body.replace(b'"user_id":"', b'"user_id":"x', 1)
            data, prev = app._engine.chain.chain(body, UUID(family), version, topic)
            db.execute(
                "UPDATE stored_events SET state = ? WHERE originator_id = ? AND "
                "originator_version = ?",
                (data, UUID(family).hex, version),
            )
    app.close()
    changed = cli(
        "audit", family, "--on", ON, "--fingerprint", str(fingerprint), cwd=store
    )
    assert changed.returncode == 4
    assert f"fingerprint_mismatch: family {family} event {fingerprint.version}" in (
        changed.stdout
    )


def test_a_store_written_before_chaining_is_chained_once_and_then_verified(
    tmp_path: Path,
) -> None:
    path = tmp_path / "familiekoordinering.db"
    clock = DemoClock()
    old = UnchainedCoordination(
        path, clock=clock, snapshot_interval=10, encryption=False
    )
    families = build_demo(old, clock, families=2, years=1, seed=2).family_ids
    old.close()

    app = FamilyCoordination(path, snapshot_interval=10, encryption=False)
    before = app.audit(on=date(2026, 11, 30), actor=AUDITOR)
    assert {f.kind for f in before.breaks} == {FindingKind.HISTORY_UNCHAINED}
    app.close()
    done = cli("chain", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    twice = cli("chain", cwd=tmp_path)
    assert twice.returncode == 1
    assert "started at notification" in twice.stderr

    app = FamilyCoordination(path, snapshot_interval=10, encryption=False)
    assert app.audit(on=date(2026, 11, 30), actor=AUDITOR).breaks == ()
    # New events chain onto the old ones.
    app.timeline(families[0], actor=LEAD)
    family = app.get_family(families[0], actor=LEAD)
    app.assign_coordinator(
        families[0], coordinator_id="k-ny", coordinator_name="Kari Ny",
        occurred_on=family.started_on, actor=LEAD,
    )  # fmt: skip
    assert app.audit(on=date(2026, 11, 30), actor=AUDITOR).breaks == ()
    app.close()

    # An old, unchained event changed afterwards: the recorded log digest shows it.
    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), "
            '\'"user_id":"\', \'"user_id":"x\') AS BLOB) WHERE rowid = 3'
        )
    app = FamilyCoordination(path, encryption=False)
    after = app.audit(on=date(2026, 11, 30), actor=AUDITOR)
    app.close()
    assert [f.kind for f in after.breaks] == [FindingKind.HISTORY_MODIFIED]
    assert "before chaining was started" in after.breaks[0].message


@pytest.mark.parametrize(
    "text", ["¹-" + "0" * 20, "٣-" + "a" * 20, "0-" + "a" * 20, "", "3-xyz"]
)
def test_a_malformed_fingerprint_is_refused_saying_what_to_give(text: str) -> None:
    from familiekoordinering.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="is not a fingerprint"):
        Fingerprint.parse(text)
