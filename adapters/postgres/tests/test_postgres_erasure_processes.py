"""Erasure across real processes on one PostgreSQL database (issue 15).

The same programme as tests/test_erasure_processes.py (two application
processes and a projector, one family erased while they run), on a database
of the test's own; the database's dump (pg_dump) and its relation files are
scanned byte for byte for personal data, with the views built.
"""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from familiekoordinering import FamilyCoordination
from familiekoordinering.demo import DemoClock, build_demo
from familiekoordinering.testing.postgres import ThrowawayPostgres, find_binaries
from familiekoordinering_postgres.testing import relation_files as scan_relation_files
from tests.test_erasure_processes import (
    KEY,
    Programme,
    check_outcomes,
    check_snapshot_race,
    check_trigger_refuses_a_loaded_family,
    found,
    names_of,
    run_erasure_among_processes,
    worker_texts,
)

pytestmark = pytest.mark.contract

_names = itertools.count(1)


def relation_files(url: str, data: Path) -> bytes:
    """The bytes of every relation file of the database (see the testing helper)."""
    raw = scan_relation_files(url, data)
    assert len(raw) > 100_000
    return raw


def dump(url: str) -> bytes:
    """The database as pg_dump writes it (plain SQL; bytea as hex)."""
    done = subprocess.run(
        [str(find_binaries() / "pg_dump"), "--dbname", url, "--no-owner"],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert b"COPY " in done.stdout
    return done.stdout


def uncompressed(url: str) -> None:
    """Store every text, bytea and jsonb column of the database uncompressed.

    PostgreSQL compresses long values (TOAST), which would hide them from a
    byte scan of the relation files: stored plainly, what is there is found.
    """
    with psycopg.connect(url, autocommit=True) as conn:
        columns = conn.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
            "AND data_type IN ('text', 'bytea', 'jsonb', 'json', 'character varying') "
            "AND table_name IN (SELECT table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE')"
        ).fetchall()
        assert len(columns) > 5
        for schema, table, column in columns:
            conn.execute(
                sql.SQL(
                    "ALTER TABLE {}.{} ALTER COLUMN {} SET STORAGE EXTERNAL"
                ).format(
                    sql.Identifier(schema),
                    sql.Identifier(table),
                    sql.Identifier(column),
                )
            )


def prepare(url: str, **kwargs: Any) -> None:
    """Make the store's tables (events, snapshots, keys, views, access log), uncompressed."""
    app = FamilyCoordination(url, **kwargs)
    app.views._store  # noqa: B018 - makes the views' tables
    app._reader.access_log  # noqa: B018 - makes the access log's table
    app.close()
    uncompressed(url)


def new_database(server: ThrowawayPostgres) -> str:
    name = f"clear_erasure_{next(_names)}"
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return server.url(name)


def test_an_erasure_holds_at_once_in_every_process_and_leaves_no_personal_data_in_the_database(
    postgres_server: ThrowawayPostgres, postgres_url: str, tmp_path: Path
) -> None:
    prepare(postgres_url, master_key=KEY)
    scanned: dict[str, bytes] = {}

    def scan(programme: Programme) -> None:
        assert programme.app._engine.keyring is not None
        live = programme.app._engine.keyring.store.get(programme.other)
        assert live is not None
        assert live.wrapped is not None
        files = relation_files(postgres_url, postgres_server.data)
        dumped = dump(postgres_url)
        scanned["files"], scanned["dump"] = files, dumped
        # The scans read what the database holds: the other families' keys.
        assert live.wrapped in files
        assert live.wrapped.hex().encode() in dumped
        with psycopg.connect(postgres_url) as conn:
            snapshots = conn.execute(
                "SELECT count(DISTINCT originator_id) FROM familycoordination_snapshots"
            ).fetchone()
            rows = conn.execute("SELECT count(*) FROM view_rows").fetchone()
        assert snapshots is not None
        assert snapshots[0] >= len(programme.family_ids) - 1
        assert rows is not None
        assert rows[0] > 0
        # Views built, snapshots taken, the children connected: none of any
        # family's personal data is in the dump or in the relation files.
        assert found(dumped, programme.names, hex_too=True) == []
        assert found(dumped, programme.all_secrets(), hex_too=True) == []
        assert found(files, programme.names) == []
        assert found(files, programme.all_secrets()) == []

    programme, reports, wrapped = run_erasure_among_processes(
        postgres_url, tmp_path / "signals", seed=31, scan=scan
    )
    check_outcomes(programme, reports)
    texts = worker_texts(reports)
    assert found(scanned["dump"], texts, hex_too=True) == []
    assert found(scanned["files"], texts) == []
    assert wrapped not in scanned["files"]  # the keys table was rewritten
    assert wrapped.hex().encode() not in scanned["dump"]
    programme.app.close()

    # The scanners find names where they are: the same programme, unencrypted.
    clear_url = new_database(postgres_server)
    prepare(clear_url, encryption=False)
    clock = DemoClock()
    clear = FamilyCoordination(clear_url, clock=clock, encryption=False)
    report = build_demo(clear, clock, families=4, years=1, seed=31)
    clear.views.catch_up()
    clear_names = set().union(*(names_of(clear, f) for f in report.family_ids))
    clear.close()
    assert clear_names == programme.names
    assert found(dump(clear_url), clear_names, hex_too=True) == sorted(clear_names)
    files = relation_files(clear_url, postgres_server.data)
    assert found(files, clear_names) == sorted(clear_names)


def test_a_save_already_past_the_check_is_refused_by_the_store_trigger(
    postgres_url: str, tmp_path: Path
) -> None:
    check_trigger_refuses_a_loaded_family(postgres_url, tmp_path / "signals", seed=32)


def test_a_command_whose_snapshot_follows_an_erasure_tells_whether_it_stored(
    postgres_url: str, tmp_path: Path
) -> None:
    check_snapshot_race(postgres_url, tmp_path / "signals", seed=33)
