"""Erasure on PostgreSQL: none of the family's personal data is left in the table files."""

from __future__ import annotations

import time
from datetime import date

import psycopg
import pytest

from familiekoordinering import (
    ERASED_TEXT,
    ErasureIncompleteError,
    FamilyCoordination,
    new_master_key,
)
from familiekoordinering.demo import DemoClock, build_demo
from familiekoordinering.protection.sealing import personal_values
from familiekoordinering.testing.postgres import ThrowawayPostgres
from familiekoordinering_postgres.testing import relation_files
from tests.conftest import LEAD

pytestmark = pytest.mark.contract


def _texts(app: FamilyCoordination, family_id: object) -> set[str]:
    out = set()
    for event in app.family_history(family_id, actor=LEAD):  # type: ignore[arg-type]
        for value in personal_values(event):
            out.add(value.isoformat() if isinstance(value, date) else str(value))
    return out


def test_after_erasure_the_table_files_hold_none_of_the_familys_personal_data(
    postgres_server: ThrowawayPostgres, postgres_url: str
) -> None:
    clock = DemoClock()
    app = FamilyCoordination(postgres_url, clock=clock, master_key=new_master_key())
    report = build_demo(app, clock, families=3, years=1, seed=11)
    first, others = report.family_ids[0], report.family_ids[1:]
    app.views.catch_up()
    secrets = _texts(app, first) - set().union(*(_texts(app, o) for o in others))
    coordinators = {"Kristin Lund", "k-lund"}
    secrets = {s for s in secrets - coordinators if len(s) > 3}
    names = {m.name for m in app.get_family(first, actor=LEAD).members.values()}
    assert names <= secrets
    assert app._engine.keyring is not None
    row = app._engine.keyring.store.get(first)
    assert row is not None
    assert row.wrapped is not None
    before = relation_files(postgres_url, postgres_server.data)
    assert row.wrapped in before
    # Even before the erasure no table file holds them: events and snapshots
    # are sealed, the views hold references (the plan query opens them).
    assert sorted(s for s in secrets if s.encode() in before) == []
    plan = str(app.views.plan(first, actor=LEAD))
    assert all(name in plan for name in names)

    app.erase(first, actor=LEAD)
    app.close()

    after = relation_files(postgres_url, postgres_server.data)
    assert sorted(s for s in secrets if s.encode() in after) == []
    assert row.wrapped not in after


@pytest.mark.parametrize("holder", ["snapshot", "write"])
def test_an_erasure_waits_for_older_transactions_and_says_so_when_one_stays(
    postgres_server: ThrowawayPostgres, postgres_url: str, holder: str
) -> None:
    """VACUUM FULL keeps row versions an older transaction may see: erase waits, or says.

    Two kinds of older transaction hold those versions back: one with a
    snapshot (repeatable read), and one that has written and sits between two
    statements (read committed: it holds a transaction id but no snapshot).
    """
    clock = DemoClock()
    app = FamilyCoordination(postgres_url, clock=clock, master_key=new_master_key())
    report = build_demo(app, clock, families=2, years=1, seed=5)
    first = report.family_ids[0]
    assert app._engine.keyring is not None
    row = app._engine.keyring.store.get(first)
    assert row is not None
    assert row.wrapped is not None
    reader = psycopg.connect(postgres_url)
    if holder == "snapshot":
        reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        reader.execute("SELECT 1").fetchone()  # a snapshot, and no lock on the keys
    else:
        with psycopg.connect(postgres_url, autocommit=True) as setup:
            setup.execute("CREATE TABLE IF NOT EXISTS scratch (n INT)")
            reader.execute("INSERT INTO scratch VALUES (1)")  # an xid, then idle
            held = setup.execute(
                "SELECT backend_xmin IS NULL, backend_xid IS NOT NULL FROM "
                "pg_stat_activity WHERE pid = %s",
                (reader.info.backend_pid,),
            ).fetchone()
        assert held == (True, True)  # no snapshot, but a transaction id
    started = time.monotonic()
    with pytest.raises(ErasureIncompleteError, match="finish"):
        app.erase(first, actor=LEAD, wait=0.5)
    assert time.monotonic() - started < 5
    assert app.get_family(first, actor=LEAD).label == ERASED_TEXT  # it holds
    with pytest.raises(ErasureIncompleteError):
        app.finish_erasures(actor=LEAD, wait=0.3)
    reader.rollback()
    reader.close()
    app.finish_erasures(actor=LEAD, wait=5)
    assert row.wrapped not in relation_files(postgres_url, postgres_server.data)
    app.close()
