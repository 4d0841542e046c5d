"""Tampering in forms the library never writes, on a real SQLite file: never a crash.

An adversary review found that values of the wrong SQLite type (an id stored
as a BLOB, which eventsourcing's lookups never match; a TEXT state; NULLs),
positions below 1, forged ledger entries and unchained rows could make the
audit crash or miss a change. Each case here is one such change to a copy of
a keyed store, audited against a checkpoint taken before: the audit must
report it (exit status 1), never raise.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest

from familiekoordinering import Actor, FamilyCoordination, Municipality, Role
from familiekoordinering.demo import DemoClock, build_demo
from familiekoordinering.integrity import LEDGER_ID, Checkpoint

pytestmark = pytest.mark.contract

KEY = bytes(range(32))
AUDITOR = Actor("r-revisor", Role.AUDITOR, Municipality("4204"))
LEAD = Actor("t-lead", Role.TEAM_LEAD, Municipality("4204"))
ENROLLED = "familiekoordinering:Family.Enrolled"


@dataclass
class Base:
    path: Path
    checkpoint: Checkpoint
    families: list[UUID]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    path = tmp_path_factory.mktemp("forms") / "base.db"
    clock = DemoClock()
    app = FamilyCoordination(path, clock=clock, master_key=KEY, snapshot_interval=7)
    families = build_demo(app, clock, families=3, years=1, seed=7).family_ids
    for family_id in families:
        app.timeline(family_id, actor=LEAD)
    checkpoint = app.checkpoint(actor=AUDITOR)
    app.close()
    return Base(path, checkpoint, list(families))


Change = Callable[[sqlite3.Connection, list[str]], None]


def _max_rowid(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT max(rowid) FROM stored_events").fetchone()[0])


def _next_ledger_version(db: sqlite3.Connection) -> int:
    """The ledger's next version (its first events declare the store's protection)."""
    row = db.execute(
        "SELECT max(originator_version) FROM stored_events WHERE originator_id = ?",
        (LEDGER_ID.hex,),
    ).fetchone()
    return int(row[0] or 0) + 1


def _insert(db: sqlite3.Connection, rowid: int, oid: object, v: object, topic: object,
            state: object) -> None:  # fmt: skip
    db.execute(
        "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, "
        "state) VALUES (?, ?, ?, ?, ?)",
        (rowid, oid, v, topic, state),
    )


def _state(db: sqlite3.Connection, family: str, version: int) -> bytes:
    return bytes(
        db.execute(
            "SELECT state FROM stored_events WHERE originator_id = ? AND "
            "originator_version = ?",
            (family, version),
        ).fetchone()[0]
    )


def _update(column: str, value: str, version: int = 3) -> Change:
    def change(db: sqlite3.Connection, f: list[str]) -> None:
        db.execute(
            f"UPDATE stored_events SET {column} = {value} WHERE originator_id = ? AND "
            "originator_version = ?",
            (f[0], version),
        )

    return change


def _drop_access_triggers(db: sqlite3.Connection) -> None:
    for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND "
        "tbl_name = 'fk_access_log'"
    ).fetchall():
        db.execute(f"DROP TRIGGER {name}")


def _access_row(db: sqlite3.Connection, seq: int, family: str) -> None:
    db.execute(
        "INSERT INTO fk_access_log (seq, family_id, at, user_id, role, municipality, "
        "purpose, what) VALUES (?, ?, '2021-01-01T00:00:00+00:00', 'k-innocent', "
        "'team_lead', '4204', 'read_record', 'record')",
        (seq, str(UUID(family))),
    )


def _newest_snapshot(
    db: sqlite3.Connection, family: str
) -> tuple[str, int, str, bytes]:
    row = db.execute(
        "SELECT originator_id, originator_version, topic, state FROM stored_snapshots "
        "WHERE originator_id = ? ORDER BY originator_version DESC LIMIT 1",
        (family,),
    ).fetchone()
    return row[0], row[1], row[2], bytes(row[3])


CASES: dict[str, Change] = {
    "malformed json": _update("state", "x'7b7b7b'"),
    "non-UTF-8 text state": _update("state", "x'ff00fe' || state"),
    "text state": _update("state", "CAST(state AS TEXT)"),
    "null state": _update("state", "NULL"),
    "text version": _update("originator_version", "'3x'"),
    "real version": _update("originator_version", "3.5"),
    "null version": _update("originator_version", "NULL"),
    "huge version": _update("originator_version", "9223372036854775807"),
    "null topic": _update("topic", "NULL", version=2),
    "topic of another event": _update(
        "topic", "'familiekoordinering:Family.MemberAdded'", version=2
    ),
    "topic that resolves elsewhere": _update("topic", "'os:system'", version=2),
    "id not a uuid": _update("originator_id", "'zz'"),
    "id upper case": _update("originator_id", "upper(originator_id)"),
    "id null": _update("originator_id", "NULL"),
    "id as a blob (never found by lookups)": _update(
        "originator_id", "CAST(originator_id AS BLOB)"
    ),
    "id an integer": _update("originator_id", "12345"),
    "enrolment under a non-uuid id": lambda db, f: _insert(
        db, _max_rowid(db) + 1, "not-a-uuid", 1, ENROLLED, _state(db, f[0], 1)
    ),
    "enrolment under a non-ascii id": lambda db, f: _insert(
        db, _max_rowid(db) + 1, "é" * 32, 1, ENROLLED, _state(db, f[0], 1)
    ),
    "event at rowid 0": lambda db, f: _insert(
        db,
        0,
        f[0],
        29,
        "familiekoordinering:Family.CoordinatorAssigned",
        _state(db, f[0], 2),
    ),
    "new family at a negative rowid": lambda db, f: _insert(
        db, -3, "ab" * 16, 1, ENROLLED, _state(db, f[0], 1)
    ),
    "event at a negative version": lambda db, f: _insert(
        db,
        _max_rowid(db) + 1,
        f[0],
        -1,
        "familiekoordinering:Family.CoordinatorAssigned",
        b"{}",
    ),
    "garbage ledger": lambda db, f: _insert(
        db,
        _max_rowid(db) + 1,
        LEDGER_ID.hex,
        _next_ledger_version(db),
        "familiekoordinering:StoreLedger.Opened",
        b"garbage",
    ),
    "ledger with an unresolvable topic": lambda db, f: _insert(
        db,
        _max_rowid(db) + 1,
        LEDGER_ID.hex,
        _next_ledger_version(db),
        "nonexistent.module:X",
        b"{}",
    ),
    "forged unchained chain start": lambda db, f: _insert(
        db,
        _max_rowid(db) + 1,
        LEDGER_ID.hex,
        _next_ledger_version(db),
        "familiekoordinering:StoreLedger.ChainStarted",
        b'{"timestamp":"2021-01-01T00:00:00+00:00","position":999999,"events":0,'
        b'"head":"' + b"0" * 64 + b'","access_seq":99,"actor":{"user_id":"x",'
        b'"role":"auditor","municipality":"4204"}}',
    ),
    "snapshot under a non-ascii id": lambda db, f: db.execute(
        "INSERT INTO stored_snapshots VALUES (?, 1, 'x', x'7b7d')", ("é" * 32,)
    ),
    "snapshot with a null state": lambda db, f: db.execute(
        "INSERT INTO stored_snapshots VALUES (?, 2, 'familiekoordinering:Family', NULL)",
        (f[0],),
    ),
    "snapshot duplicated under another version": lambda db, f: db.execute(
        "INSERT INTO stored_snapshots VALUES (?, ?, ?, ?)",
        (lambda r: (r[0], r[1] + 1, r[2], r[3]))(_newest_snapshot(db, f[0])),
    ),
    "access row without a digest": lambda db, f: _access_row(db, 100, f[0]),
    "access rows renumbered after a deletion": lambda db, f: (
        _drop_access_triggers(db),
        db.execute("DELETE FROM fk_access_log WHERE seq = 2"),
        db.execute("UPDATE fk_access_log SET seq = seq - 1 WHERE seq > 2"),
    ),
    "access row in another time zone": lambda db, f: (
        _drop_access_triggers(db),
        db.execute(
            "UPDATE fk_access_log SET at = replace(at, '+00:00', '+01:00') WHERE seq = 1"
        ),
    ),
    "access row with a blob value": lambda db, f: (
        _drop_access_triggers(db),
        db.execute("UPDATE fk_access_log SET user_id = x'ff' WHERE seq = 1"),
    ),
    "access row numbered 0": lambda db, f: (
        _drop_access_triggers(db),
        _access_row(db, 0, f[0]),
    ),
    "access row claiming another family": lambda db, f: (
        _drop_access_triggers(db),
        db.execute(
            "UPDATE fk_access_log SET family_id = ? WHERE seq = 2",
            ("00000000-0000-4000-8000-000000000099",),
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_change_in_a_form_the_library_never_writes_is_reported_not_a_crash(
    base: Base, tmp_path: Path, name: str
) -> None:
    path = tmp_path / "store.db"
    with sqlite3.connect(base.path) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
    db = sqlite3.connect(path, isolation_level=None)
    try:
        CASES[name](db, [f.hex for f in base.families])
    finally:
        db.close()
    app = FamilyCoordination(path, master_key=KEY)
    try:
        report = app.audit(
            on=date(2026, 11, 30), actor=AUDITOR, checkpoint=base.checkpoint
        )
    finally:
        app.close()
    assert report.breaks, f"{name}: nothing reported"
    assert report.exit_status == 1
