"""Several projection workers on PostgreSQL: one folds at a time, another takes over."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from familiekoordinering import FamilyCoordination
from familiekoordinering.demo import DemoClock, build_demo
from familiekoordinering_postgres import PostgresViewStore

pytestmark = pytest.mark.slow


def worker(url: str, cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "familiekoordinering", "--store", url, "projections", "run",
         "--poll", "0.05"],
        cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def held_by_someone_else(probe: PostgresViewStore) -> bool:
    """Whether another session holds the worker lock (the probe never keeps it)."""
    if probe.worker_lock():
        probe._read(probe_unlock(probe))
        return False
    return True


def probe_unlock(probe: PostgresViewStore) -> object:
    from psycopg import sql

    return sql.SQL("SELECT pg_advisory_unlock(hashtext({}))").format(
        sql.Literal(f"familiekoordinering-views:{probe.schema}")
    )


def wait_until(condition: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_only_one_worker_holds_the_views_and_another_takes_over_when_it_dies(
    postgres_url: str, tmp_path: Path
) -> None:
    clock = DemoClock()
    app = FamilyCoordination(postgres_url, clock=clock, settings={}, encryption=False)
    build_demo(app, clock, families=2, years=1, seed=1)
    app.views.catch_up()
    first = worker(postgres_url, tmp_path)
    probe = PostgresViewStore(app.views._store._conn.info.dsn)
    wait_until(lambda: held_by_someone_else(probe))  # the first worker holds the lock
    second = worker(postgres_url, tmp_path)
    time.sleep(0.5)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)

    # New events after the first worker's death are folded in by the second.
    build_demo(app, clock, families=1, years=1, seed=99)
    head = app.position()
    wait_until(lambda: app.views.status().position == head)
    assert held_by_someone_else(probe)  # the second worker holds it now
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=10) == 0
    probe.close()
    app.close()


def test_a_waiting_worker_is_woken_by_a_save_long_before_its_next_poll(
    postgres_url: str, tmp_path: Path
) -> None:
    clock = DemoClock()
    app = FamilyCoordination(postgres_url, clock=clock, settings={}, encryption=False)
    build_demo(app, clock, families=1, years=1, seed=3)
    poll = 120.0  # polling alone would not see the new events within the test
    idle = subprocess.Popen(
        [sys.executable, "-m", "familiekoordinering", "--store", postgres_url,
         "projections", "run", "--poll", str(poll)],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        # Caught up means listening: the listener is opened before the first batch.
        wait_until(lambda: app.views.status().behind == 0)
        time.sleep(0.3)  # the worker is now waiting on the channel
        for seed in (10, 11, 12):  # each save wakes it again
            started = time.monotonic()
            build_demo(app, clock, families=1, years=1, seed=seed)
            head = app.position()
            wait_until(lambda: app.views.status().position >= head, timeout=10)  # noqa: B023
            assert time.monotonic() - started < poll / 10
    finally:
        idle.send_signal(signal.SIGTERM)
        assert idle.wait(timeout=10) == 0
        app.close()
