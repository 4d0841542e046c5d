"""Tampering beneath the library, on real SQLite files and a real PostgreSQL database.

A base store is built once per backend and key setting (families with
snapshots, reads in the access log) and a checkpoint is taken of it. Each
example copies the store, tampers with the copy through the database's own
driver — never through the library — and asserts the audit (with the
checkpoint) names a break; the untampered copy has none. The tamperings are
those an adversary with write access to the database has: a changed byte in
any column of any event or snapshot row, an event forged with the library's
own mapper and inserted, a deleted event, two events swapped, a truncated
tail, a whole family deleted, an access-log row replaced (``INSERT OR
REPLACE``) or deleted (after dropping or disabling the triggers).

``FAMILIEKOORDINERING_TAMPER_EXAMPLES`` sets how many examples per backend
and key setting (default 60: a few hundred in all in the test command; the
long profile runs thousands).
"""

from __future__ import annotations

import copy
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from familiekoordinering import Actor, FamilyCoordination, Municipality, Role
from familiekoordinering.audit import AuditReport, FindingKind
from familiekoordinering.demo import DemoClock, build_demo
from familiekoordinering.integrity import Checkpoint, Ledger, chain_key, split_chained
from familiekoordinering.serialisation import CattrsMapper
from familiekoordinering.testing.examples import EXAMPLES
from familiekoordinering.testing.postgres import ThrowawayPostgres

pytestmark = pytest.mark.contract

EXAMPLE_COUNT = int(os.environ.get("FAMILIEKOORDINERING_TAMPER_EXAMPLES", "60"))
KEY = bytes(range(32))
AUDITOR = Actor("r-revisor", Role.AUDITOR, Municipality("4204"))
LEAD = Actor("t-lead", Role.TEAM_LEAD, Municipality("4204"))
ON = date(2026, 11, 30)


# ------------------------------------------------------------ raw databases


class Raw:
    """A store's tables, reached through the database's own driver."""

    events: str
    snapshots: str
    ph: str

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        raise NotImplementedError

    def fetch(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def family_key(self, family_id: str) -> Any:
        """The originator_id column's value for a family id."""
        raise NotImplementedError

    def open_access_log(self) -> None:
        """Remove whatever stops UPDATE/DELETE/REPLACE of the access log."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def q(self, sql: str) -> str:
        return sql.replace("?", self.ph)


class RawSQLite(Raw):
    events = "stored_events"
    snapshots = "stored_snapshots"
    ph = "?"

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        self.conn.execute(sql, params)

    def fetch(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()

    def family_key(self, family_id: str) -> Any:
        return uuid.UUID(family_id).hex

    def open_access_log(self) -> None:
        for (name,) in self.fetch(
            "SELECT name FROM sqlite_master WHERE type='trigger' AND "
            "tbl_name='fk_access_log'"
        ):
            self.execute(f"DROP TRIGGER {name}")

    def close(self) -> None:
        self.conn.close()


class RawPostgres(Raw):
    events = "familycoordination_events"
    snapshots = "familycoordination_snapshots"
    ph = "%s"

    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(url, autocommit=True)

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        self.conn.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]

    def fetch(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql.replace("?", "%s"), params).fetchall()  # type: ignore[arg-type]

    def family_key(self, family_id: str) -> Any:
        return uuid.UUID(family_id)

    def open_access_log(self) -> None:
        self.execute("ALTER TABLE fk_access_log DISABLE TRIGGER ALL")

    def close(self) -> None:
        self.conn.close()


# -------------------------------------------------------------- tamperings


@dataclass
class Tampering:
    """One way to tamper: what, where (fractions pick rows), and a byte mask."""

    kind: str
    pick: float
    pick2: float
    column: str
    offset: int
    mask: int

    def __str__(self) -> str:
        return f"{self.kind}({self.column}, {self.pick:.3f}, {self.pick2:.3f})"


KINDS = [
    "event_byte",
    "snapshot_byte",
    "forge_event",
    "delete_event",
    "swap_events",
    "truncate",
    "delete_family",
    "access_replace",
    "access_delete",
]
EVENT_COLUMNS = ["originator_id", "originator_version", "topic", "state"]

tamperings = st.builds(
    Tampering,
    kind=st.sampled_from(KINDS),
    pick=st.floats(0, 1, exclude_max=True),
    pick2=st.floats(0, 1, exclude_max=True),
    column=st.sampled_from(EVENT_COLUMNS),
    offset=st.integers(0, 10_000),
    mask=st.integers(1, 255),
)


def _at(rows: list[Any], pick: float) -> Any:
    return rows[int(pick * len(rows))]


def _families(raw: Raw) -> list[str]:
    rows = raw.fetch(
        f"SELECT DISTINCT originator_id FROM {raw.events} WHERE topic = ?",
        ("familiekoordinering:Family.Enrolled",),
    )
    return sorted(str(uuid.UUID(str(r[0]))) for r in rows)


def _versions(raw: Raw, family: str) -> list[int]:
    rows = raw.fetch(
        f"SELECT originator_version FROM {raw.events} WHERE originator_id = ? "
        "ORDER BY originator_version",
        (raw.family_key(family),),
    )
    return [r[0] for r in rows]


def _changed_id(value: Any, offset: int) -> Any:
    text = value.hex if isinstance(value, uuid.UUID) else str(value)
    i = offset % len(text)
    text = text[:i] + ("0" if text[i] != "0" else "1") + text[i + 1 :]
    return uuid.UUID(text) if isinstance(value, uuid.UUID) else text


def _flip_row(raw: Raw, table: str, t: Tampering) -> None:
    rows = raw.fetch(
        f"SELECT originator_id, originator_version, topic, state FROM {table} "
        "ORDER BY originator_id, originator_version"
    )
    family, version, topic, state = _at(rows, t.pick)
    where = "WHERE originator_id = ? AND originator_version = ?"
    if t.column == "state":
        data = bytearray(state)
        data[t.offset % len(data)] ^= t.mask
        raw.execute(
            f"UPDATE {table} SET state = ? {where}", (bytes(data), family, version)
        )
    elif t.column == "topic":
        i = t.offset % len(topic)
        changed = topic[:i] + ("x" if topic[i] != "x" else "y") + topic[i + 1 :]
        raw.execute(f"UPDATE {table} SET topic = ? {where}", (changed, family, version))
    elif t.column == "originator_version":
        raw.execute(
            f"UPDATE {table} SET originator_version = ? {where}",
            (version + 1000 + t.mask, family, version),
        )
    else:
        raw.execute(
            f"UPDATE {table} SET originator_id = ? {where}",
            (_changed_id(family, t.offset), family, version),
        )


def _shift_up(raw: Raw, family: Any, from_version: int) -> None:
    """Make room at ``from_version`` (every later event one version up)."""
    raw.execute(
        f"UPDATE {raw.events} SET originator_version = -originator_version "
        "WHERE originator_id = ? AND originator_version >= ?",
        (family, from_version),
    )
    raw.execute(
        f"UPDATE {raw.events} SET originator_version = 1 - originator_version "
        "WHERE originator_id = ? AND originator_version < 0",
        (family,),
    )


def _forge(raw: Raw, t: Tampering, keyed: bool) -> None:
    """An event forged with the library's own mapper (without the store's key)."""
    family = _at(_families(raw), t.pick)
    versions = _versions(raw, family)
    key = raw.family_key(family)
    # Without a key, a forged event appended at the end is a legitimate-looking
    # write (the docs say so): forge into the middle there.
    at = versions[-1] + 1 if keyed and t.pick2 < 0.5 else _at(versions[1:], t.pick2)
    (prev_state,) = raw.fetch(
        f"SELECT state FROM {raw.events} WHERE originator_id = ? AND "
        "originator_version = ?",
        (key, at - 1),
    )[0]
    chained = split_chained(bytes(prev_state))
    assert chained is not None
    if at <= versions[-1]:
        _shift_up(raw, key, at)
    event = copy.copy(EXAMPLES["FamilyInformed"])
    object.__setattr__(event, "originator_id", uuid.UUID(family))
    object.__setattr__(event, "originator_version", at)
    stored, _ = CattrsMapper().to_chained_stored_event(event, chained.digest)
    raw.execute(
        f"INSERT INTO {raw.events} (originator_id, originator_version, topic, state) "
        "VALUES (?, ?, ?, ?)",
        (key, at, stored.topic, stored.state),
    )


def tamper(raw: Raw, t: Tampering, *, keyed: bool) -> None:
    """Apply one tampering to the store beneath the library."""
    if t.kind == "event_byte":
        _flip_row(raw, raw.events, t)
    elif t.kind == "snapshot_byte":
        _flip_row(raw, raw.snapshots, t)
    elif t.kind == "forge_event":
        _forge(raw, t, keyed)
    elif t.kind in ("delete_event", "swap_events", "truncate", "delete_family"):
        family = _at(_families(raw), t.pick)
        key = raw.family_key(family)
        versions = _versions(raw, family)
        if t.kind == "delete_event":
            version = _at(versions, t.pick2)
            raw.execute(
                f"DELETE FROM {raw.events} WHERE originator_id = ? AND "
                "originator_version = ?",
                (key, version),
            )
        elif t.kind == "swap_events":
            a = _at(versions[:-1], t.pick2)
            rows = raw.fetch(
                f"SELECT originator_version, state FROM {raw.events} WHERE "
                "originator_id = ? AND originator_version IN (?, ?)",
                (key, a, a + 1),
            )
            states = dict(rows)
            for version, other in ((a, a + 1), (a + 1, a)):
                raw.execute(
                    f"UPDATE {raw.events} SET state = ? WHERE originator_id = ? AND "
                    "originator_version = ?",
                    (states[other], key, version),
                )
        elif t.kind == "truncate":
            keep = max(1, int(t.pick2 * len(versions)))
            raw.execute(
                f"DELETE FROM {raw.events} WHERE originator_id = ? AND "
                "originator_version > ?",
                (key, keep),
            )
        else:
            for table in (raw.events, raw.snapshots):
                raw.execute(f"DELETE FROM {table} WHERE originator_id = ?", (key,))
    else:
        raw.open_access_log()
        rows = raw.fetch("SELECT seq FROM fk_access_log ORDER BY seq")
        seq = _at(rows, t.pick)[0]
        if t.kind == "access_delete":
            raw.execute("DELETE FROM fk_access_log WHERE seq = ?", (seq,))
        elif isinstance(raw, RawSQLite):
            raw.execute(
                "INSERT OR REPLACE INTO fk_access_log SELECT seq, family_id, at, "
                "user_id, role, municipality, purpose, 'family list', prev, digest "
                "FROM fk_access_log WHERE seq = ?",
                (seq,),
            )
        else:
            raw.execute(
                "UPDATE fk_access_log SET user_id = 'someone-else' WHERE seq = ?",
                (seq,),
            )


# ------------------------------------------------------------- the stores


@dataclass
class Base:
    """A built store to copy, its checkpoint, and how to copy it."""

    checkpoint: Checkpoint
    keyed: bool
    copy: Callable[[], tuple[str, Raw]]


def _build(store: str, keyed: bool) -> Checkpoint:
    clock = DemoClock()
    app = FamilyCoordination(
        store,
        clock=clock,
        master_key=KEY if keyed else None,
        encryption=None if keyed else False,
        snapshot_interval=7,
    )
    report = build_demo(app, clock, families=3, years=1, seed=7)
    for family_id in report.family_ids:
        app.timeline(family_id, actor=LEAD)
    checkpoint = app.checkpoint(actor=AUDITOR)
    app.close()
    return checkpoint


def _audit(store: str, base: Base) -> AuditReport:
    app = FamilyCoordination(
        store,
        master_key=KEY if base.keyed else None,
        encryption=None if base.keyed else False,
    )
    try:
        return app.audit(on=ON, actor=AUDITOR, checkpoint=base.checkpoint)
    finally:
        app.close()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module", params=[False, True], ids=["unkeyed", "keyed"])
def base(
    request: pytest.FixtureRequest,
    backend: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Base]:
    keyed = bool(request.param)
    if backend == "sqlite":
        folder = tmp_path_factory.mktemp("tamper")
        path = folder / "base.db"
        checkpoint = _build(str(path), keyed)
        copies = iter(range(10**9))

        def copy_sqlite() -> tuple[str, Raw]:
            target = folder / f"copy{next(copies)}.db"
            shutil.copyfile(path, target)
            return str(target), RawSQLite(target)

        yield Base(checkpoint, keyed, copy_sqlite)
        return
    server: ThrowawayPostgres = request.getfixturevalue("postgres_server")
    template = f"tamper_base_{'keyed' if keyed else 'unkeyed'}"
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{template}"')
    checkpoint = _build(server.url(template), keyed)
    names = iter(range(10**9))

    def copy_postgres() -> tuple[str, Raw]:
        name = f"{template}_{next(names)}"
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return server.url(name), RawPostgres(server.url(name))

    yield Base(checkpoint, keyed, copy_postgres)


def test_an_untampered_store_verifies_with_no_break(base: Base) -> None:
    store, raw = base.copy()
    raw.close()
    report = _audit(store, base)
    assert report.breaks == ()
    assert report.verified == base.checkpoint.events


@settings(
    max_examples=EXAMPLE_COUNT,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(t=tamperings)
def test_every_tampering_beneath_the_library_is_found(base: Base, t: Tampering) -> None:
    store, raw = base.copy()
    try:
        tamper(raw, t, keyed=base.keyed)
    finally:
        raw.close()
    report = _audit(store, base)
    assert report.breaks, f"{t} went unnoticed"
    assert report.exit_status == 1
    # Every break names where it is: a family and position, or the store's position.
    for finding in report.breaks:
        assert finding.version >= 1
        assert finding.family_id is not None or finding.ledger in (
            Ledger.STORE,
            Ledger.ACCESS_LOG,
        )


def _copy_and(base: Base, change: Callable[[Raw], None]) -> AuditReport:
    store, raw = base.copy()
    try:
        change(raw)
    finally:
        raw.close()
    return _audit(store, base)


def test_a_deleted_newest_event_is_found_against_the_checkpoint_only(
    base: Base,
) -> None:
    store, raw = base.copy()
    snapshotted = {
        (str(uuid.UUID(str(f))), v)
        for f, v in raw.fetch(
            f"SELECT originator_id, originator_version FROM {raw.snapshots}"
        )
    }
    # A family whose newest event no snapshot stands for (a snapshot would show it).
    family, newest = next(
        (f, _versions(raw, f)[-1])
        for f in _families(raw)
        if (f, _versions(raw, f)[-1]) not in snapshotted
    )
    raw.execute(
        f"DELETE FROM {raw.events} WHERE originator_id = ? AND originator_version = ?",
        (raw.family_key(family), newest),
    )
    raw.close()
    app = FamilyCoordination(
        store,
        master_key=KEY if base.keyed else None,
        encryption=None if base.keyed else False,
    )
    without = app.audit(on=ON, actor=AUDITOR)
    with_checkpoint = app.audit(on=ON, actor=AUDITOR, checkpoint=base.checkpoint)
    app.close()
    assert without.breaks == ()  # a shorter chain is still a chain
    truncated = [
        f for f in with_checkpoint.breaks if f.kind is FindingKind.HISTORY_TRUNCATED
    ]
    assert any(str(f.family_id) == family and f.version == newest for f in truncated)


def test_a_swap_names_the_family_and_both_positions(base: Base) -> None:
    found: dict[str, Any] = {}

    def swap(raw: Raw) -> None:
        family = found["family"] = _families(raw)[1]
        tamper(
            raw, Tampering("swap_events", 0.34, 0.5, "state", 0, 1), keyed=base.keyed
        )
        found["versions"] = _versions(raw, family)

    report = _copy_and(base, swap)
    reordered = {
        f.version
        for f in report.breaks
        if f.kind is FindingKind.HISTORY_REORDERED
        and str(f.family_id) == found["family"]
    }
    assert len(reordered) == 2
    assert max(reordered) - min(reordered) == 1


def test_insert_or_replace_in_the_access_log_is_a_reported_break(base: Base) -> None:
    def replace(raw: Raw) -> None:
        tamper(
            raw, Tampering("access_replace", 0.0, 0.0, "state", 0, 1), keyed=base.keyed
        )

    report = _copy_and(base, replace)
    assert [f.version for f in report.breaks] == [1]
    assert report.breaks[0].kind is FindingKind.HISTORY_MODIFIED
    assert report.breaks[0].ledger is Ledger.ACCESS_LOG


def test_a_forged_event_is_named_as_inserted_in_a_keyed_store(base: Base) -> None:
    report = _copy_and(
        base,
        lambda raw: tamper(
            raw, Tampering("forge_event", 0.0, 0.0, "state", 0, 1), keyed=base.keyed
        ),
    )
    if base.keyed:  # appended at the end, with a digest made without the key
        assert [f.kind for f in report.breaks] == [FindingKind.HISTORY_INSERTED]
    else:  # without a key anyone can append a valid event: forged into the middle
        assert FindingKind.HISTORY_REORDERED in {f.kind for f in report.breaks}


def test_a_rewritten_snapshot_with_a_recomputed_digest_is_found(base: Base) -> None:
    """Without a key anyone can give a snapshot a valid digest: the audit replays."""

    def rewrite(raw: Raw) -> None:
        family, version, topic, state = raw.fetch(
            f"SELECT originator_id, originator_version, topic, state FROM "
            f"{raw.snapshots} ORDER BY originator_version DESC LIMIT 1"
        )[0]
        chained = split_chained(bytes(state))
        assert chained is not None
        body = chained.body.replace(b'"baseline_on":"', b'"baseline_on":"1', 1)
        assert body != chained.body
        data, _ = chain_key(None).chain(
            body, str(uuid.UUID(str(family))), version, topic, snapshot=True
        )
        raw.execute(
            f"UPDATE {raw.snapshots} SET state = ? WHERE originator_id = ? AND "
            "originator_version = ?",
            (data, family, version),
        )

    report = _copy_and(base, rewrite)
    assert {(f.kind, f.ledger) for f in report.breaks} == {
        (FindingKind.HISTORY_MODIFIED, Ledger.SNAPSHOTS)
    }
    # Keyed, its digest fails too; unkeyed, only the replay shows it.
    assert len(report.breaks) == (2 if base.keyed else 1)


def test_recomputing_every_digest_after_an_edit_is_caught_by_the_checkpoint_or_the_key(
    base: Base,
) -> None:
    """The adversary rewrites an early event and re-chains the family after it."""

    def rechain(raw: Raw) -> None:
        family = _families(raw)[0]
        key = raw.family_key(family)
        rows = raw.fetch(
            f"SELECT originator_version, topic, state FROM {raw.events} WHERE "
            "originator_id = ? ORDER BY originator_version",
            (key,),
        )
        prev = "0" * 64
        for version, topic, state in rows:
            chained = split_chained(bytes(state))
            assert chained is not None
            body = chained.body[: -(64 + 2)] + prev.encode() + b'"}'
            if version == 2:
                body = body.replace(b'"user_id":"', b'"user_id":"x', 1)
            data, prev = chain_key(None).chain(body, family, version, topic)
            raw.execute(
                f"UPDATE {raw.events} SET state = ? WHERE originator_id = ? AND "
                "originator_version = ?",
                (data, key, version),
            )
        # Snapshots would show it too: take them out of the way.
        raw.execute(f"DELETE FROM {raw.snapshots} WHERE originator_id = ?", (key,))

    store, raw = base.copy()
    try:
        rechain(raw)
    finally:
        raw.close()
    app = FamilyCoordination(
        store,
        master_key=KEY if base.keyed else None,
        encryption=None if base.keyed else False,
    )
    try:
        without = app.audit(on=ON, actor=AUDITOR)
        against = app.audit(on=ON, actor=AUDITOR, checkpoint=base.checkpoint)
    finally:
        app.close()
    # With the key, the forged digests fail by themselves; without it, a
    # consistent rewrite is only shown by the checkpoint kept outside.
    assert bool(without.breaks) is base.keyed
    assert {f.kind for f in against.breaks} >= {FindingKind.HISTORY_MODIFIED}
    assert any(f.ledger is Ledger.STORE for f in against.breaks)
