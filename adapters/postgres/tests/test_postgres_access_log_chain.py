"""The PostgreSQL access log's hash chain, tampered with beneath the library."""

from __future__ import annotations

import itertools
import multiprocessing
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import attrs
import psycopg
import pytest

from familiekoordinering.access import Access, AccessEntry
from familiekoordinering.access.log import AccessRow, access_fields, chain_rows
from familiekoordinering.domain.values import Role
from familiekoordinering.integrity.access_log import verify_access_log
from familiekoordinering.integrity.breaks import Break, BreakKind, Ledger
from familiekoordinering.integrity.chain import GENESIS, chain_key
from familiekoordinering.store import store_settings
from familiekoordinering_postgres import Factory, PostgresAccessLog

pytestmark = pytest.mark.contract

KEY = chain_key(b"m" * 32)
UNKEYED = chain_key(None)
FAMILIES = (
    UUID("11111111-1111-4111-8111-111111111111"),
    UUID("22222222-2222-4222-8222-222222222222"),
    UUID("33333333-3333-4333-8333-333333333333"),
)
T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def entry(i: int) -> AccessEntry:
    """The i-th read: every field differs from its neighbours'."""
    return AccessEntry(
        FAMILIES[i % len(FAMILIES)],
        T0 + timedelta(minutes=i, microseconds=i),
        f"user-{i % 4}",
        (Role.COORDINATOR, Role.TEAM_LEAD, Role.AUDITOR)[i % 3],
        "4204",
        (Access.READ_RECORD, Access.READ_TIMELINE, Access.READ_CASELOAD)[i % 3],
        f"read {i}",
    )


def all_rows(log: PostgresAccessLog, batch: int = 3) -> Iterator[AccessRow]:
    start = 1
    while rows := log.rows(start, batch):
        yield from rows
        start = rows[-1].seq + 1


def kinds(breaks: list[Break]) -> list[tuple[BreakKind, int]]:
    return [(b.kind, b.position) for b in breaks]


@pytest.fixture
def pg_log(
    postgres_url: str,
) -> Iterator[tuple[PostgresAccessLog, psycopg.Connection[Any]]]:
    """A keyed log of six rows, and a raw connection of one's own (the table's owner)."""
    log = PostgresAccessLog(postgres_url, key=KEY)
    for i in range(6):
        log.append([entry(i)])
    raw = psycopg.connect(postgres_url, autocommit=True)
    yield log, raw
    raw.close()
    log.close()


def without_trigger(raw: psycopg.Connection[Any]) -> None:
    raw.execute("ALTER TABLE fk_access_log DISABLE TRIGGER fk_access_log_append_only")


def test_an_untampered_log_verifies_also_after_reopening(postgres_url: str) -> None:
    log = PostgresAccessLog(postgres_url, key=KEY)
    assert log.head() is None
    log.append([entry(0), entry(1), entry(2)])
    log.append([])
    log.close()
    log = PostgresAccessLog(postgres_url, key=KEY)
    log.append([entry(3)])
    rows = list(all_rows(log))
    assert [r.seq for r in rows] == [1, 2, 3, 4]
    assert rows[0].prev == GENESIS
    assert [r.prev for r in rows[1:]] == [r.digest for r in rows[:-1]]
    assert [r.fields for r in rows] == [access_fields(entry(i)) for i in range(4)]
    assert [r.family_id for r in rows] == [entry(i).family_id for i in range(4)]
    assert log.head() == (4, rows[-1].digest)
    assert verify_access_log(KEY, rows, checkpoint=log.head()) == []
    assert log.entries(FAMILIES[0]) == [entry(0), entry(3)]
    assert [r.seq for r in log.rows(2, 2)] == [2, 3]
    log.close()


def test_the_factory_passes_the_key_on(postgres_url: str) -> None:
    factory = Factory(store_settings(postgres_url))
    keyed = factory.access_log(key=KEY)
    assert keyed.key == KEY
    keyed.append([entry(0)])
    keyed.close()
    unkeyed = factory.access_log()
    assert unkeyed.key == UNKEYED
    assert verify_access_log(KEY, all_rows(unkeyed)) == []
    assert len(verify_access_log(UNKEYED, all_rows(unkeyed))) == 1
    unkeyed.close()
    factory.close()


def test_times_verify_whatever_the_session_time_zone(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        name = conn.info.dbname
        conn.execute(f"ALTER DATABASE \"{name}\" SET timezone TO 'America/St_Johns'")
    log = PostgresAccessLog(postgres_url, key=KEY)
    newfoundland = timezone(-timedelta(hours=3, minutes=30))
    oslo = timezone(timedelta(hours=1))
    at = datetime(2026, 7, 1, 23, 59, 59, 999999, tzinfo=oslo)
    log.append([attrs.evolve(entry(0), at=at), entry(1)])
    with psycopg.connect(postgres_url) as conn:
        stored = conn.execute("SELECT at FROM fk_access_log WHERE seq = 1").fetchone()
    assert stored is not None
    assert stored[0].utcoffset() == newfoundland.utcoffset(None) + timedelta(hours=1)
    rows = log.rows(1, 10)
    assert rows[0].fields[1] == "2026-07-01T22:59:59.999999+00:00"
    assert verify_access_log(KEY, rows) == []
    (read,) = log.entries(FAMILIES[0])
    assert read.at == at
    assert read.at.utcoffset() == timedelta(0)
    log.close()


# ------------------------------------------------- two processes at once


def _append_from_another_process(url: str, secret: bytes, worker: int, go: Any) -> None:
    log = PostgresAccessLog(url, key=chain_key(secret))
    go.wait(60)  # both processes are ready: they append at the same time
    for i in range(100):
        log.append([entry(1000 * worker + i), entry(1000 * worker + i + 500)])
        time.sleep(0.001)
    log.close()


def test_two_processes_appending_at_once_keep_the_chain(postgres_url: str) -> None:
    PostgresAccessLog(postgres_url, key=KEY).close()
    spawn = multiprocessing.get_context("spawn")
    go = spawn.Barrier(2)
    workers = [
        spawn.Process(
            target=_append_from_another_process,
            args=(postgres_url, b"m" * 32, w, go),
        )
        for w in (1, 2)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    log = PostgresAccessLog(postgres_url, key=KEY)
    rows = list(all_rows(log, batch=64))
    log.close()
    assert [r.seq for r in rows] == list(range(1, 401))
    assert len({r.fields[-1] for r in rows}) == 400
    by = [int(r.fields[-1].split()[1]) // 1000 for r in rows]
    assert sum(a != b for a, b in itertools.pairwise(by)) > 1  # they did overlap
    assert verify_access_log(KEY, rows) == []


# ------------------------------------------- tampering beneath the library


def test_an_update_is_refused_and_found_once_the_trigger_is_disabled(
    pg_log: tuple[PostgresAccessLog, psycopg.Connection[Any]],
) -> None:
    log, raw = pg_log
    with pytest.raises(psycopg.Error, match="append-only"):
        raw.execute("UPDATE fk_access_log SET what = 'nothing' WHERE seq = 3")
    without_trigger(raw)
    raw.execute("UPDATE fk_access_log SET what = 'nothing' WHERE seq = 3")
    breaks = verify_access_log(KEY, all_rows(log))
    assert kinds(breaks) == [(BreakKind.MODIFIED, 3)]
    assert breaks[0].ledger is Ledger.ACCESS_LOG
    assert breaks[0].family_id == entry(2).family_id


def test_a_changed_time_is_found(
    pg_log: tuple[PostgresAccessLog, psycopg.Connection[Any]],
) -> None:
    log, raw = pg_log
    without_trigger(raw)
    raw.execute(
        "UPDATE fk_access_log SET at = at + interval '1 microsecond' WHERE seq = 2"
    )
    assert kinds(verify_access_log(KEY, all_rows(log))) == [(BreakKind.MODIFIED, 2)]


def test_a_deleted_middle_row_is_found_by_its_number(
    pg_log: tuple[PostgresAccessLog, psycopg.Connection[Any]],
) -> None:
    log, raw = pg_log
    without_trigger(raw)
    raw.execute("DELETE FROM fk_access_log WHERE seq = 4")
    (found,) = verify_access_log(KEY, all_rows(log))
    assert (found.kind, found.position) == (BreakKind.DELETED, 4)
    assert "row 4 is missing" in found.message


def test_a_deleted_newest_row_is_found_only_against_a_checkpoint(
    pg_log: tuple[PostgresAccessLog, psycopg.Connection[Any]],
) -> None:
    log, raw = pg_log
    checkpoint = log.head()
    without_trigger(raw)
    raw.execute("DELETE FROM fk_access_log WHERE seq = 6")
    assert verify_access_log(KEY, all_rows(log)) == []
    breaks = verify_access_log(KEY, all_rows(log), checkpoint=checkpoint)
    assert kinds(breaks) == [(BreakKind.TRUNCATED, 6)]


def test_a_forged_row_without_the_key_is_found_as_inserted(
    pg_log: tuple[PostgresAccessLog, psycopg.Connection[Any]],
) -> None:
    log, raw = pg_log
    (forged,) = chain_rows(UNKEYED, log.head(), [entry(6)])
    raw.execute(
        "INSERT INTO fk_access_log (seq, family_id, at, user_id, role, municipality, "
        "purpose, what, prev, digest) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (forged.seq, *forged.fields, forged.prev, forged.digest),
    )
    log.append([entry(8)])
    breaks = verify_access_log(KEY, all_rows(log))
    assert kinds(breaks) == [(BreakKind.INSERTED, 7)]
    assert "without the store's key" in breaks[0].message


def test_swapped_rows_are_found_as_reordered(
    pg_log: tuple[PostgresAccessLog, psycopg.Connection[Any]],
) -> None:
    log, raw = pg_log
    without_trigger(raw)
    columns = "family_id, at, user_id, role, municipality, purpose, what"
    raw.execute(
        f"UPDATE fk_access_log AS t SET ({columns}) = "
        f"(SELECT {columns} FROM fk_access_log AS o WHERE o.seq = 7 - t.seq) "
        "WHERE t.seq IN (2, 5)"
    )
    breaks = verify_access_log(KEY, all_rows(log))
    assert kinds(breaks) == [(BreakKind.REORDERED, 2), (BreakKind.REORDERED, 5)]
    assert "row 5 holds the entry written as row 2" in breaks[1].message


def test_a_log_written_before_chaining_is_upgraded(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            """
            CREATE TABLE fk_access_log (
                seq BIGSERIAL PRIMARY KEY, family_id UUID NOT NULL,
                at TIMESTAMPTZ NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL,
                municipality TEXT NOT NULL, purpose TEXT NOT NULL, what TEXT NOT NULL
            )
            """
        )
        for i in range(2):
            e = entry(i)
            conn.execute(
                "INSERT INTO fk_access_log (family_id, at, user_id, role, "
                "municipality, purpose, what) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (e.family_id, e.at, e.user_id, e.role.value, e.municipality,
                 e.purpose.value, e.what),
            )  # fmt: skip
    log = PostgresAccessLog(postgres_url, key=KEY)
    assert log.head() == (2, GENESIS)
    log.append([entry(2), entry(3)])
    rows = list(all_rows(log))
    assert [(r.seq, r.digest is None) for r in rows] == [
        (1, True), (2, True), (3, False), (4, False)
    ]  # fmt: skip
    assert rows[2].prev == GENESIS
    # The legacy rows pass where a chain start covers them (and only so).
    assert verify_access_log(KEY, rows, unchained_upto=2) == []
    assert len(verify_access_log(KEY, rows)) == 2
    assert log.entries(FAMILIES[0]) == [entry(0), entry(3)]
    log.close()
    log = PostgresAccessLog(postgres_url, key=KEY)  # opening again changes nothing
    log.append([entry(4)])
    assert verify_access_log(KEY, all_rows(log), unchained_upto=2) == []
    log.close()
