"""The access log's hash chain: in memory and in SQLite, tampered with beneath the library."""

from __future__ import annotations

import itertools
import multiprocessing
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from familiekoordinering.access import Access, AccessEntry
from familiekoordinering.access.log import (
    AccessLog,
    AccessRow,
    InMemoryAccessLog,
    access_fields,
    chain_rows,
)
from familiekoordinering.domain.values import Role
from familiekoordinering.integrity.access_log import (
    AccessLogVerifier,
    verify_access_log,
)
from familiekoordinering.integrity.breaks import Break, BreakKind, Ledger
from familiekoordinering.integrity.chain import GENESIS, ChainKey, chain_key
from familiekoordinering.store import store_settings
from familiekoordinering_sqlite import Factory, SQLiteAccessLog

pytestmark = pytest.mark.application

KEY = chain_key(b"m" * 32)
UNKEYED = chain_key(None)
FAMILIES = (
    UUID("11111111-1111-4111-8111-111111111111"),
    UUID("22222222-2222-4222-8222-222222222222"),
    UUID("33333333-3333-4333-8333-333333333333"),
)
T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def entry(i: int, family: UUID | None = None) -> AccessEntry:
    """The i-th read: every field differs from its neighbours'."""
    return AccessEntry(
        family or FAMILIES[i % len(FAMILIES)],
        T0 + timedelta(minutes=i),
        f"user-{i % 4}",
        (Role.COORDINATOR, Role.TEAM_LEAD, Role.AUDITOR)[i % 3],
        "4204",
        (Access.READ_RECORD, Access.READ_TIMELINE, Access.READ_CASELOAD)[i % 3],
        f"read {i}",
    )


def all_rows(log: AccessLog, batch: int = 3) -> Iterator[AccessRow]:
    """Every row, read in small batches (as an audit streams a large log)."""
    start = 1
    while rows := log.rows(start, batch):
        yield from rows
        start = rows[-1].seq + 1


def fill(log: AccessLog, count: int = 6) -> None:
    for i in range(count):
        log.append([entry(i)])


def kinds(breaks: list[Break]) -> list[tuple[BreakKind, int]]:
    return [(b.kind, b.position) for b in breaks]


# ------------------------------------------------------------ both backends


@pytest.fixture(params=["memory", "sqlite"])
def open_log(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[ChainKey], AccessLog]]:
    """Opens the log (again, for SQLite: the same file) with a key."""
    opened: list[AccessLog] = []
    memory: dict[ChainKey, InMemoryAccessLog] = {}

    def open_(key: ChainKey) -> AccessLog:
        log: AccessLog
        if request.param == "memory":
            log = memory.setdefault(key, InMemoryAccessLog(key))
        else:
            log = SQLiteAccessLog(str(tmp_path / "store.db"), key=key)
        opened.append(log)
        return log

    yield open_
    for log in opened:
        log.close()


@pytest.mark.parametrize("key", [KEY, UNKEYED])
def test_an_untampered_log_verifies_with_no_breaks(
    open_log: Callable[[ChainKey], AccessLog], key: ChainKey
) -> None:
    log = open_log(key)
    assert log.head() is None
    assert verify_access_log(key, all_rows(log)) == []
    log.append([entry(0), entry(1), entry(2)])
    log.append([])
    log.append([entry(3)])
    rows = list(all_rows(log))
    assert [r.seq for r in rows] == [1, 2, 3, 4]
    assert rows[0].prev == GENESIS
    assert [r.prev for r in rows[1:]] == [r.digest for r in rows[:-1]]
    for r, i in zip(rows, range(4), strict=True):
        assert r.family_id == entry(i).family_id
        assert r.fields == access_fields(entry(i))
        assert r.digest == key.access_digest(r.prev or "", r.seq, r.fields)
    assert log.head() == (4, rows[-1].digest)
    assert verify_access_log(key, rows) == []
    assert verify_access_log(key, rows, checkpoint=log.head()) == []
    assert log.entries(FAMILIES[0]) == [entry(0), entry(3)]
    # rows() pages by seq
    assert [r.seq for r in log.rows(2, 2)] == [2, 3]
    assert log.rows(5, 10) == []
    assert log.rows(1, 0) == []


def test_the_wrong_key_finds_every_row_changed(
    open_log: Callable[[ChainKey], AccessLog],
) -> None:
    log = open_log(KEY)
    fill(log, 3)
    breaks = verify_access_log(UNKEYED, all_rows(log))
    assert kinds(breaks) == [(BreakKind.MODIFIED, 1), (BreakKind.MODIFIED, 2),
                             (BreakKind.MODIFIED, 3)]  # fmt: skip


def test_a_reopened_sqlite_log_continues_the_chain(tmp_path: Path) -> None:
    path = str(tmp_path / "store.db")
    log = SQLiteAccessLog(path, key=KEY)
    fill(log, 3)
    log.close()
    log = SQLiteAccessLog(path, key=KEY)
    log.append([entry(3), entry(4)])
    rows = list(all_rows(log))
    log.close()
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[3].prev == rows[2].digest
    assert verify_access_log(KEY, rows) == []


def test_the_factory_passes_the_key_on(tmp_path: Path) -> None:
    factory = Factory(store_settings(str(tmp_path / "store.db")))
    keyed = factory.access_log(key=KEY)
    assert keyed.key == KEY
    fill(keyed, 2)
    keyed.close()
    unkeyed = factory.access_log()
    assert unkeyed.key == UNKEYED
    assert verify_access_log(KEY, all_rows(unkeyed)) == []
    unkeyed.close()
    factory.close()


def test_times_are_hashed_and_read_in_utc(
    open_log: Callable[[ChainKey], AccessLog],
) -> None:
    log = open_log(KEY)
    oslo = timezone(timedelta(hours=1))
    e = attrs.evolve(entry(0), at=datetime(2026, 1, 5, 10, 30, 0, 123456, tzinfo=oslo))
    log.append([e])
    (row,) = log.rows(1, 10)
    assert row.fields[1] == "2026-01-05T09:30:00.123456+00:00"
    (read,) = log.entries(e.family_id)
    assert read.at == e.at
    assert verify_access_log(KEY, [row]) == []
    with pytest.raises(ValueError, match="timezone-aware"):
        log.append([attrs.evolve(e, at=datetime(2026, 1, 5))])
    assert log.head() == (1, row.digest)


# ------------------------------------------------- two processes at once


def _append_from_another_process(
    path: str, secret: bytes, worker: int, go: Any
) -> None:
    log = SQLiteAccessLog(path, key=chain_key(secret), lock_timeout=60)
    go.wait(60)  # both processes are ready: they append at the same time
    for i in range(200):
        log.append([entry(1000 * worker + i), entry(1000 * worker + i + 500)])
        time.sleep(0.001)  # let the other one in (SQLite's busy wait backs off)
    log.close()


def test_two_processes_appending_at_once_keep_the_chain(tmp_path: Path) -> None:
    path = str(tmp_path / "store.db")
    SQLiteAccessLog(path, key=KEY).close()  # the table exists before they race
    spawn = multiprocessing.get_context("spawn")
    go = spawn.Barrier(2)
    workers = [
        spawn.Process(
            target=_append_from_another_process, args=(path, b"m" * 32, w, go)
        )
        for w in (1, 2)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    log = SQLiteAccessLog(path, key=KEY)
    rows = list(all_rows(log, batch=50))
    log.close()
    assert [r.seq for r in rows] == list(range(1, 801))
    assert len({r.fields[-1] for r in rows}) == 800  # every entry, once
    assert switches(rows) > 1  # they did append at the same time
    assert verify_access_log(KEY, rows) == []


def switches(rows: list[AccessRow]) -> int:
    """How often the log turns from one worker's rows to the other's."""
    workers = [int(r.fields[-1].split()[1]) // 1000 for r in rows]
    return sum(a != b for a, b in itertools.pairwise(workers))


# ------------------------------------------- tampering beneath the library


@pytest.fixture
def sqlite_log(tmp_path: Path) -> Iterator[tuple[SQLiteAccessLog, sqlite3.Connection]]:
    """A keyed SQLite log of six rows, and a raw connection of one's own to its file."""
    log = SQLiteAccessLog(str(tmp_path / "store.db"), key=KEY)
    fill(log, 6)
    raw = sqlite3.connect(log.path, isolation_level=None)
    yield log, raw
    raw.close()
    log.close()


def test_insert_or_replace_is_refused_and_found_once_the_trigger_is_dropped(
    sqlite_log: tuple[SQLiteAccessLog, sqlite3.Connection],
) -> None:
    log, raw = sqlite_log
    replace = (
        "INSERT OR REPLACE INTO fk_access_log (seq, family_id, at, user_id, role, "
        "municipality, purpose, what, prev, digest) "
        "SELECT seq, family_id, at, user_id, role, municipality, purpose, "
        "'nothing', prev, digest FROM fk_access_log WHERE seq = 3"
    )
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute(replace)
    # A row numbered by SQLite, not after the newest, is refused too.
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute(
            "INSERT INTO fk_access_log (family_id, at, user_id, role, municipality, "
            "purpose, what) VALUES ('x', 'x', 'x', 'x', 'x', 'x', 'x')"
        )
    assert verify_access_log(KEY, all_rows(log)) == []
    raw.execute("DROP TRIGGER fk_access_log_in_order")
    raw.execute(replace)
    assert [e.what for e in log.entries(FAMILIES[2])] == ["nothing", "read 5"]
    breaks = verify_access_log(KEY, all_rows(log))
    assert kinds(breaks) == [(BreakKind.MODIFIED, 3)]
    (found,) = breaks
    assert found.ledger is Ledger.ACCESS_LOG
    assert found.family_id == entry(2).family_id
    assert "row 3" in found.message
    assert "changed" in found.message


def test_an_update_is_found_once_the_trigger_is_dropped(
    sqlite_log: tuple[SQLiteAccessLog, sqlite3.Connection],
) -> None:
    log, raw = sqlite_log
    raw.execute("DROP TRIGGER fk_access_log_no_update")
    raw.execute("UPDATE fk_access_log SET user_id = 'someone else' WHERE seq = 5")
    assert kinds(verify_access_log(KEY, all_rows(log))) == [(BreakKind.MODIFIED, 5)]


def test_a_deleted_middle_row_is_found_by_its_number(
    sqlite_log: tuple[SQLiteAccessLog, sqlite3.Connection],
) -> None:
    log, raw = sqlite_log
    raw.execute("DROP TRIGGER fk_access_log_no_delete")
    raw.execute("DELETE FROM fk_access_log WHERE seq IN (3, 4)")
    (found,) = verify_access_log(KEY, all_rows(log))
    assert (found.kind, found.position) == (BreakKind.DELETED, 3)
    assert "rows 3–4 are missing" in found.message
    assert "row 5 follows row 2" in found.message


def test_a_deleted_newest_row_is_found_only_against_a_checkpoint(
    sqlite_log: tuple[SQLiteAccessLog, sqlite3.Connection],
) -> None:
    log, raw = sqlite_log
    checkpoint = log.head()
    assert checkpoint is not None
    assert checkpoint[0] == 6
    raw.execute("DROP TRIGGER fk_access_log_no_delete")
    raw.execute("DELETE FROM fk_access_log WHERE seq = 6")
    assert verify_access_log(KEY, all_rows(log)) == []  # the chain alone cannot tell
    (found,) = verify_access_log(KEY, all_rows(log), checkpoint=checkpoint)
    assert (found.kind, found.position) == (BreakKind.TRUNCATED, 6)
    assert "ends at row 5" in found.message


def test_a_replaced_newest_row_is_found_against_a_checkpoint() -> None:
    # Unkeyed, anyone can recompute a digest: the checkpoint still tells.
    log = InMemoryAccessLog()
    fill(log, 3)
    checkpoint = log.head()
    rows = log.rows(1, 10)
    forged = chain_rows(UNKEYED, (2, rows[1].digest or ""), [entry(9)])
    assert verify_access_log(UNKEYED, [*rows[:2], *forged]) == []
    breaks = verify_access_log(UNKEYED, [*rows[:2], *forged], checkpoint=checkpoint)
    assert kinds(breaks) == [(BreakKind.MODIFIED, 3)]
    assert "checkpoint" in breaks[0].message


def test_a_forged_row_without_the_key_is_found_as_inserted(
    sqlite_log: tuple[SQLiteAccessLog, sqlite3.Connection],
) -> None:
    log, raw = sqlite_log
    head = log.head()
    assert head is not None
    (forged,) = chain_rows(UNKEYED, head, [entry(7)])
    raw.execute(
        "INSERT INTO fk_access_log (seq, family_id, at, user_id, role, municipality, "
        "purpose, what, prev, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (forged.seq, *forged.fields, forged.prev, forged.digest),
    )
    breaks = verify_access_log(KEY, all_rows(log))
    assert kinds(breaks) == [(BreakKind.INSERTED, 7)]
    assert "without the store's key" in breaks[0].message
    # The library goes on appending after it; only the forged row is reported.
    log.append([entry(8)])
    assert kinds(verify_access_log(KEY, all_rows(log))) == [(BreakKind.INSERTED, 7)]


def test_swapped_values_of_two_rows_are_found_as_reordered(
    sqlite_log: tuple[SQLiteAccessLog, sqlite3.Connection],
) -> None:
    log, raw = sqlite_log
    raw.execute("DROP TRIGGER fk_access_log_no_update")
    columns = ("family_id", "at", "user_id", "role", "municipality", "purpose", "what")
    two = {
        seq: raw.execute(
            f"SELECT {', '.join(columns)} FROM fk_access_log WHERE seq = ?",
            (seq,),
        ).fetchone()
        for seq in (2, 5)
    }
    for seq, other in ((2, 5), (5, 2)):
        raw.execute(
            f"UPDATE fk_access_log SET {', '.join(f'{c} = ?' for c in columns)} "
            "WHERE seq = ?",
            (*two[other], seq),
        )
    breaks = verify_access_log(KEY, all_rows(log))
    assert kinds(breaks) == [(BreakKind.REORDERED, 2), (BreakKind.REORDERED, 5)]
    assert "row 2 holds the entry written as row 5" in breaks[0].message


def test_swapped_whole_rows_are_found_as_reordered(
    sqlite_log: tuple[SQLiteAccessLog, sqlite3.Connection],
) -> None:
    log, raw = sqlite_log
    for trigger in ("no_update", "no_delete", "in_order"):
        raw.execute(f"DROP TRIGGER fk_access_log_{trigger}")
    raw.execute("UPDATE fk_access_log SET seq = -seq WHERE seq IN (2, 4)")
    raw.execute("UPDATE fk_access_log SET seq = 4 WHERE seq = -2")
    raw.execute("UPDATE fk_access_log SET seq = 2 WHERE seq = -4")
    breaks = verify_access_log(KEY, all_rows(log))
    assert kinds(breaks) == [(BreakKind.REORDERED, 2), (BreakKind.REORDERED, 4)]
    assert "row 2 is the row written as row 4" in breaks[0].message


def test_a_row_moved_to_a_later_number_is_found(
    sqlite_log: tuple[SQLiteAccessLog, sqlite3.Connection],
) -> None:
    log, raw = sqlite_log
    raw.execute("DROP TRIGGER fk_access_log_no_update")
    raw.execute("UPDATE fk_access_log SET seq = 7 WHERE seq = 2")
    breaks = verify_access_log(KEY, all_rows(log))
    assert kinds(breaks) == [(BreakKind.DELETED, 2), (BreakKind.REORDERED, 7)]
    assert "row 7 is the row written as row 2" in breaks[1].message


def test_a_row_stripped_of_its_digest_after_chained_rows_is_found(
    sqlite_log: tuple[SQLiteAccessLog, sqlite3.Connection],
) -> None:
    log, raw = sqlite_log
    raw.execute("DROP TRIGGER fk_access_log_no_update")
    raw.execute("UPDATE fk_access_log SET prev = NULL, digest = NULL WHERE seq = 6")
    assert log.head() == (6, GENESIS)
    assert kinds(verify_access_log(KEY, all_rows(log))) == [(BreakKind.INSERTED, 6)]
    # Stripping the first rows' digests too does not make them a legacy prefix:
    # only a recorded chain start (unchained_upto) accepts rows without one.
    raw.execute("UPDATE fk_access_log SET prev = NULL, digest = NULL WHERE seq <= 2")
    found = kinds(verify_access_log(KEY, all_rows(log)))
    assert {
        (BreakKind.INSERTED, 1),
        (BreakKind.INSERTED, 2),
        (BreakKind.INSERTED, 6),
    } <= (set(found))
    # Even a chain start over them leaves row 3 not following them from GENESIS.
    assert kinds(verify_access_log(KEY, all_rows(log), unchained_upto=2)) == [
        (BreakKind.DELETED, 3),
        (BreakKind.INSERTED, 6),
    ]


def test_a_log_written_before_chaining_is_upgraded_and_its_rows_are_a_prefix(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "old.db")
    old = sqlite3.connect(path, isolation_level=None)
    old.executescript(
        """
        CREATE TABLE fk_access_log (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            family_id TEXT NOT NULL, at TEXT NOT NULL, user_id TEXT NOT NULL,
            role TEXT NOT NULL, municipality TEXT NOT NULL, purpose TEXT NOT NULL,
            what TEXT NOT NULL
        );
        CREATE TRIGGER fk_access_log_no_update BEFORE UPDATE ON fk_access_log
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
        """
    )
    for i in range(2):
        e = entry(i)
        old.execute(
            "INSERT INTO fk_access_log (family_id, at, user_id, role, municipality, "
            "purpose, what) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (str(e.family_id), e.at.isoformat(), e.user_id, e.role.value,
             e.municipality, e.purpose.value, e.what),
        )  # fmt: skip
    log = SQLiteAccessLog(path, key=KEY)
    assert log.head() == (2, GENESIS)
    log.append([entry(2), entry(3)])
    rows = list(all_rows(log))
    assert [(r.seq, r.digest is None) for r in rows] == [
        (1, True), (2, True), (3, False), (4, False)
    ]  # fmt: skip
    assert rows[2].prev == GENESIS
    # Rows without a digest pass where a chain start covers them (and only so).
    assert verify_access_log(KEY, rows, unchained_upto=2) == []
    assert verify_access_log(KEY, rows, checkpoint=(2, GENESIS), unchained_upto=2) == []
    assert kinds(verify_access_log(KEY, rows)) == [
        (BreakKind.INSERTED, 1),
        (BreakKind.INSERTED, 2),
    ]
    assert log.entries(FAMILIES[0]) == [entry(0), entry(3)]
    # The upgrade also added the trigger that keeps rows in order.
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        old.execute("INSERT OR REPLACE INTO fk_access_log SELECT * FROM fk_access_log")
    old.close()
    log.close()
    # Opening it again changes nothing.
    log = SQLiteAccessLog(path, key=KEY)
    assert verify_access_log(KEY, all_rows(log), unchained_upto=2) == []
    log.close()


# ------------------------------------------------------- the verifier itself


def rows_of(count: int, key: ChainKey = KEY) -> list[AccessRow]:
    return chain_rows(key, None, [entry(i) for i in range(count)])


def test_feeding_in_batches_finds_what_feeding_at_once_finds() -> None:
    rows = rows_of(10)
    tampered = [*rows[:3], *rows[4:7], attrs.evolve(rows[7], fields=("x",)), *rows[8:]]
    whole = verify_access_log(KEY, tampered, checkpoint=(12, "0" * 64))
    verifier = AccessLogVerifier(KEY, (12, "0" * 64))
    for i in range(0, len(tampered), 3):
        verifier.feed(tampered[i : i + 3])
    assert verifier.finish() == whole
    assert kinds(whole) == [
        (BreakKind.DELETED, 4),
        (BreakKind.MODIFIED, 8),
        (BreakKind.TRUNCATED, 11),
    ]


def test_an_empty_log_against_a_checkpoint_is_truncated() -> None:
    assert verify_access_log(KEY, []) == []
    (found,) = verify_access_log(KEY, [], checkpoint=(3, "0" * 64))
    assert (found.kind, found.position, found.family_id) == (
        BreakKind.TRUNCATED,
        1,
        None,
    )
    assert "the log is empty" in found.message
    assert "rows 1–3 are missing" in found.message


def test_missing_first_rows_are_deleted() -> None:
    (found,) = verify_access_log(KEY, rows_of(5)[2:])
    assert (found.kind, found.position) == (BreakKind.DELETED, 1)
    assert "rows 1–2 are missing (row 3 follows the start of the log)" in found.message


def test_a_duplicated_row_is_inserted_and_an_earlier_number_reordered() -> None:
    rows = rows_of(4)
    assert kinds(verify_access_log(KEY, [*rows[:3], rows[2], rows[3]])) == [
        (BreakKind.INSERTED, 3)
    ]
    assert kinds(verify_access_log(KEY, [rows[0], rows[2], rows[1], rows[3]])) == [
        (BreakKind.DELETED, 2),
        (BreakKind.REORDERED, 2),
    ]


def test_a_row_not_following_its_predecessor_is_found() -> None:
    # Unkeyed: row 2 rewritten with a recomputed digest; row 3 still names the old one.
    rows = rows_of(4, UNKEYED)
    (new,) = chain_rows(UNKEYED, (1, rows[0].digest or ""), [entry(9)])
    (found,) = verify_access_log(UNKEYED, [rows[0], new, *rows[2:]])
    assert (found.kind, found.position) == (BreakKind.DELETED, 3)
    assert "row 2 was replaced" in found.message


def test_the_first_chained_row_after_a_legacy_prefix_starts_from_genesis() -> None:
    legacy = [AccessRow(s, FAMILIES[0], ("x",), None, None) for s in (1, 2)]
    rows = chain_rows(KEY, (2, GENESIS), [entry(2), entry(3)])
    upto = {"unchained_upto": 2}  # the chain start recorded the legacy rows
    assert verify_access_log(KEY, [*legacy, *rows], **upto) == []
    # A legacy prefix may have gaps (a PostgreSQL sequence skips numbers) …
    assert verify_access_log(KEY, [legacy[1], *rows], **upto) == []
    # … but a chained row not following it from GENESIS, or after a gap, breaks.
    late = chain_rows(KEY, (2, "f" * 64), [entry(2)])
    assert kinds(verify_access_log(KEY, [*legacy, *late], **upto)) == [
        (BreakKind.DELETED, 3)
    ]
    assert kinds(verify_access_log(KEY, [legacy[0], *rows], **upto)) == [
        (BreakKind.DELETED, 2)
    ]


# ------------------------------------------------------------- properties

TAMPERINGS = ("change", "drop", "swap order", "swap values", "duplicate", "truncate")
texts = st.text(alphabet="ab", max_size=2)


@st.composite
def logs(draw: st.DrawFn) -> tuple[ChainKey, list[AccessEntry]]:
    key = draw(st.sampled_from([KEY, UNKEYED]))
    entries = draw(
        st.lists(
            st.builds(
                AccessEntry,
                st.sampled_from(FAMILIES),
                st.sampled_from([T0, T0 + timedelta(seconds=1)]),
                texts,
                st.sampled_from(Role),
                st.just("4204"),
                st.sampled_from(Access),
                texts,
            ),
            min_size=1,
            max_size=12,
        )
    )
    return key, entries


@given(logs())
def test_an_untampered_log_never_breaks(
    log: tuple[ChainKey, list[AccessEntry]],
) -> None:
    key, entries = log
    memory = InMemoryAccessLog(key)
    for i in range(0, len(entries), 3):
        memory.append(entries[i : i + 3])
    rows = memory.rows(1, len(entries))
    assert verify_access_log(key, rows, checkpoint=memory.head()) == []
    assert verify_access_log(key, rows) == []


@given(logs(), st.sampled_from(TAMPERINGS), st.data())
def test_any_single_tampering_is_found(
    log: tuple[ChainKey, list[AccessEntry]], tampering: str, data: st.DataObject
) -> None:
    key, entries = log
    memory = InMemoryAccessLog(key)
    memory.append(entries)
    rows = memory.rows(1, len(entries))
    checkpoint = None
    n = len(rows)
    i = data.draw(st.integers(0, n - 1), label="row")
    if tampering == "change":
        field = data.draw(st.integers(0, 6), label="field")
        value = data.draw(st.text(max_size=3), label="value")
        fields = list(rows[i].fields)
        assume(fields[field] != value)
        fields[field] = value
        rows[i] = attrs.evolve(rows[i], fields=tuple(fields))
    elif tampering == "drop":
        del rows[i]
        if i == n - 1:
            checkpoint = memory.head()  # the newest row: only a checkpoint tells
    elif tampering in ("swap order", "swap values"):
        j = data.draw(st.integers(0, n - 1), label="other row")
        assume(i != j)
        if tampering == "swap order":
            rows[i], rows[j] = rows[j], rows[i]
        else:
            assume(rows[i].fields != rows[j].fields)
            a, b = rows[i], rows[j]
            rows[i] = attrs.evolve(a, fields=b.fields, family_id=b.family_id)
            rows[j] = attrs.evolve(b, fields=a.fields, family_id=a.family_id)
    elif tampering == "duplicate":
        rows.insert(i, rows[i])
    else:
        checkpoint = memory.head()
        del rows[i:]
    assert verify_access_log(key, rows, checkpoint=checkpoint) != []
