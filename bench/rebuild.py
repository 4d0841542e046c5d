"""Benchmark ``rebuild``: all views from zero over a municipality-sized log on SQLite.

The log: 10,000 families × 200 events (2 M events; ``--quick`` 1,000 families),
written interleaved as five years of a programme would write them: every
family's first event, then every family's second, and so on. Each family's
history is a copy of one realistic 200-event history (bench.fixtures) under its
own id, inserted straight through eventsourcing's recorder.

* Ours: ``app.views.rebuild()`` in a child process (so that its memory is its
  own), with the resident set size sampled as the rebuild goes. On SQLite the
  rebuild folds in a second process while the first writes; that process's peak
  memory is reported too.
* Baseline (a): eventsourcing's way, one transaction per event: each event's
  view changes and eventsourcing's tracking record (``SQLiteTrackingRecorder``)
  commit together. Measured on a sample of the log.
* Baseline (b): raw ``sqlite3`` ``executemany`` of the very same row
  statements, in the same transactions as ours: the floor for writing them.

Targets: at least 50,000 events/s; at least 20× (a); memory flat and under
300 MB as the log grows.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import resource
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent, Tracking
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

from bench.common import Result, Size, temp_dir
from bench.fixtures import READER, build_history
from familiekoordinering import Actor, Family, FamilyCoordination, Municipality, Role
from familiekoordinering.integrity import GENESIS, chain_key
from familiekoordinering.serialisation import CattrsMapper
from familiekoordinering.views.fold import operations
from familiekoordinering.views.store import execute_grouped
from familiekoordinering_sqlite import SQLiteViewStore

__all__ = ["NAME", "run"]

NAME = "rebuild"
FAMILIES = {Size.FULL: 10_000, Size.QUICK: 1_000, Size.TINY: 20, Size.NATIONAL: 100_000}
EVENTS_PER_FAMILY = {Size.FULL: 200, Size.QUICK: 200, Size.TINY: 50, Size.NATIONAL: 200}
SAMPLE = {Size.FULL: 20_000, Size.QUICK: 5_000, Size.TINY: 200, Size.NATIONAL: 20_000}
TARGET_EVENTS_PER_S = 50_000
TARGET_RATIO = 20.0
MEMORY_LIMIT_MB = 300
_CHAIN = chain_key(None)
VERIFY_TARGET_EVENTS_PER_S = 200_000
"""The audit verifies at least this many events a second (``integrity-verify``)."""


FAMILIES_PER_COORDINATOR = 25
"""Each coordinator follows 25 families (10,000 families: 400 coordinators)."""
_COORDINATOR = re.compile(rb'"coordinator_id":"[^"]*"')
QUERIES = 200
"""Plan and caseload queries timed after the rebuild, for their p50 and p99."""


def _query_latencies(app: FamilyCoordination, families: int) -> dict[str, list[float]]:
    """p50 and p99 (ms) of plan queries (random families) and caseload queries.

    Each query is what an app runs for a screen, access log entries included.
    """
    rng = random.Random(1)
    ids = [
        uuid.UUID(int=rng.randrange(families) + 1, version=4) for _ in range(QUERIES)
    ]
    plan, caseload = [], []
    for family_id in ids:
        start = time.perf_counter()
        app.views.plan(family_id, actor=READER)
        plan.append((time.perf_counter() - start) * 1e3)
    on = date(2030, 1, 1)
    coordinators = max(1, families // FAMILIES_PER_COORDINATOR)
    for _ in range(QUERIES // 4):
        coordinator = f"c{rng.randrange(coordinators)}"
        actor = Actor(coordinator, Role.COORDINATOR, Municipality("4204"))
        start = time.perf_counter()
        app.views.caseload(on=on, actor=actor, coordinator_id=coordinator)
        caseload.append((time.perf_counter() - start) * 1e3)

    def p50_p99(ms: list[float]) -> list[float]:
        ordered = sorted(ms)
        return [
            round(ordered[len(ordered) // 2], 2),
            round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
        ]

    return {"plan_ms_p50_p99": p50_p99(plan), "caseload_ms_p50_p99": p50_p99(caseload)}


def _write_log(
    db: Path | str, families: int, per_family: int, *, first: int = 0
) -> int:
    """Write the interleaved log of families ``first`` to ``families - 1``.

    Returns how many events were written. Family ``n`` is followed by
    coordinator ``c{n // 25}``, so that a grown log has more coordinators,
    each with 25 families, as a growing municipality would.
    """
    app = FamilyCoordination(db, snapshot_interval=None, cache_size=0)
    try:
        template = [
            CattrsMapper().to_stored_event(e)
            for e in build_history(per_family).collect_events()
        ]
        numbers = range(first, families)
        ids = {n: uuid.UUID(int=n + 1, version=4) for n in numbers}
        # Each family's events chained as the library writes them.
        prevs = dict.fromkeys(numbers, GENESIS)
        chunk: list[StoredEvent] = []
        for stored in template:
            for n in numbers:
                family_id = ids[n]
                state = stored.state
                if stored.topic == Family.CoordinatorAssigned.TOPIC:
                    coordinator = f"c{n // FAMILIES_PER_COORDINATOR}"
                    state = _COORDINATOR.sub(
                        f'"coordinator_id":"{coordinator}"'.encode(), state
                    )
                state, prevs[n] = _CHAIN.chain(
                    b'%s,"_prev":"%s"}' % (state[:-1], prevs[n].encode()),
                    family_id,
                    stored.originator_version,
                    stored.topic,
                )
                chunk.append(
                    StoredEvent(
                        family_id, stored.originator_version, stored.topic, state
                    )
                )
                if len(chunk) >= 20_000:
                    app.recorder.insert_events(chunk)
                    chunk = []
        if chunk:
            app.recorder.insert_events(chunk)
        return len(numbers) * len(template)
    finally:
        app.close()


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _worker(db: str, families: int) -> None:
    """Child process: rebuild, sampling memory; print a JSON line."""
    app = FamilyCoordination(db, snapshot_interval=None, cache_size=0)
    samples: list[tuple[int, float, float]] = [(0, _rss_mb(), 0.0)]
    start = time.perf_counter()

    def progress(position: int, head: int) -> None:
        samples.append((position, _rss_mb(), time.perf_counter() - start))

    count = app.views.rebuild(progress=progress)
    seconds = time.perf_counter() - start
    latencies = _query_latencies(app, families)
    app.close()
    # The SQLite store folds in a second process; its peak counts too.
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "events": count,
                "seconds": seconds,
                "rss": samples,
                "child": child_mb,
                **latencies,
            }
        )
    )


def _ours(db: Path | str, families: int) -> dict[str, Any]:
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-m", "bench.rebuild", "--worker", str(db), str(families)],
        cwd=root, capture_output=True, text=True, check=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


class _PerEventViews(SQLiteTrackingRecorder):
    """eventsourcing's tracking recorder, committing each event's view changes with it."""

    def __init__(self, datastore: SQLiteDatastore, store: SQLiteViewStore) -> None:
        super().__init__(datastore)
        self.store = store

    def process(self, ops: list[Any], tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            for op in ops:
                sql, params = self.store._statement(999, op)
                cursor.execute(sql, params)
            self._insert_tracking(cursor, tracking)


def _rows(app: FamilyCoordination, start: int, limit: int) -> list[Any]:
    rows: list[Any] = app.factory.select_notification_rows(start, limit)  # type: ignore[attr-defined]
    return rows


def _baseline_per_event(db: Path, sample: int) -> float:
    app = FamilyCoordination(db, snapshot_interval=None, cache_size=0)
    store = SQLiteViewStore(str(db))
    datastore = SQLiteDatastore(db_name=str(db))
    view = _PerEventViews(datastore, store)
    view.create_table()
    payload = app.mapper.payload  # type: ignore[attr-defined]
    start = time.perf_counter()
    done = 0
    while done < sample:
        for n, family_id, _version, topic, state in _rows(app, done + 1, 500):
            view.process(
                operations(family_id, topic, payload(topic, state)),
                Tracking("bench", n),
            )
            done += 1
    seconds = time.perf_counter() - start
    datastore.close()
    store.close()
    app.close()
    return done / seconds


def _baseline_raw(db: Path, sample: int, batch: int) -> float:
    """The same row statements, through raw sqlite3 executemany, timed writes only."""
    app = FamilyCoordination(db, snapshot_interval=None, cache_size=0)
    store = SQLiteViewStore(str(db))
    payload = app.mapper.payload  # type: ignore[attr-defined]
    batches: list[list[tuple[str, tuple[Any, ...]]]] = []
    done = 0
    while done < sample:
        rows = _rows(app, done + 1, batch)
        batches.append(
            [
                store._statement(998, op)
                for _, family_id, _, topic, state in rows
                for op in operations(family_id, topic, payload(topic, state))
            ]
        )
        done += len(rows)
    store.close()
    app.close()
    import sqlite3

    conn = sqlite3.connect(db, isolation_level=None)
    start = time.perf_counter()
    for statements in batches:
        conn.execute("BEGIN IMMEDIATE")
        execute_grouped(conn, statements)
        conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return done / seconds


def _verify(db: Path, events: int) -> Result:
    """How fast the audit verifies the store's chains, against reading the log bare."""
    app = FamilyCoordination(db, snapshot_interval=None, cache_size=0)
    try:
        started = time.perf_counter()
        verification = app.integrity.verify_store()
        seconds = time.perf_counter() - started
        if verification.breaks or verification.events != events:
            raise AssertionError(f"the benchmark store does not verify: {verification}")
        started = time.perf_counter()
        read = 0
        start = 1
        while notes := app.recorder.select_notifications(start=start, limit=5000):
            read += len(notes)
            start = notes[-1].id + 1
        bare = time.perf_counter() - started
    finally:
        app.close()
    return Result(
        name="integrity-verify",
        description=f"verify the chains of {events:,} events (the audit's first half) "
        "on SQLite: every event's digest, its link, the log's running digest; "
        "baseline: reading the same notifications with eventsourcing's recorder",
        ours=events / seconds,
        baseline=read / bare,
        unit="events/s",
        higher_is_better=True,
        target=None,
        minimum=VERIFY_TARGET_EVENTS_PER_S,
        details={"events": events, "seconds": round(seconds, 2)},
    )


def run(size: Size) -> list[Result]:
    """Run the benchmark at ``size`` (and the verification of the same store)."""
    with temp_dir() as tmp:
        db = tmp / "store.db"
        started = time.perf_counter()
        events = _write_log(db, FAMILIES[size], EVENTS_PER_FAMILY[size])
        written_in = time.perf_counter() - started
        verify = _verify(db, events)
        ours = _ours(db, FAMILIES[size])
        ours_rate = ours["events"] / ours["seconds"]
        per_event = _baseline_per_event(db, min(SAMPLE[size], events))
        raw = _baseline_raw(db, min(SAMPLE[size] * 5, events), 5000)
        db_bytes = db.stat().st_size
    rss = [mb for _, mb, _ in ours["rss"]]
    quarter = [
        rss[min(len(rss) - 1, round(q * (len(rss) - 1)))]
        for q in (0.25, 0.5, 0.75, 1.0)
    ]
    return [
        verify,
        Result(
            name=NAME,
            description=(
                f"rebuild every view from {events:,} events ({FAMILIES[size]:,} families) on "
                "SQLite; baseline: one transaction per event with eventsourcing's tracking"
            ),
            ours=ours_rate,
            baseline=per_event,
            unit="events/s",
            higher_is_better=True,
            target=TARGET_RATIO,
            minimum=TARGET_EVENTS_PER_S,
            details={
                "events": events,
                "ours_seconds": round(ours["seconds"], 2),
                "raw_executemany_events_per_s": round(raw),
                "ours_vs_raw_executemany": round(ours_rate / raw, 2),
                "rss_mb_at_25_50_75_100_pct": [round(x, 1) for x in quarter],
                "peak_rss_mb": round(max(rss), 1),
                "folding_process_peak_rss_mb": round(ours["child"], 1),
                "memory_flat_under_limit": max(max(rss), ours["child"])
                < MEMORY_LIMIT_MB,
                "log_written_in_s": round(written_in, 1),
                "store_mb": round(db_bytes / 2**20, 1),
                "plan_query_ms_p50_p99": ours["plan_ms_p50_p99"],
                "caseload_query_ms_p50_p99": ours["caseload_ms_p50_p99"],
                "throughput_by_position": _throughput_curve(ours["rss"]),
            },
        ),
    ]


def _throughput_curve(
    samples: list[list[float]], points: int = 10
) -> list[tuple[int, float]]:
    """Events per second over about ``points`` stretches of the rebuild: (position, rate)."""
    step = max(1, (len(samples) - 1) // points)
    picked = samples[::step]
    if picked[-1] is not samples[-1]:
        picked.append(samples[-1])
    curve = []
    for (p0, _, t0), (p1, _, t1) in itertools.pairwise(picked):
        if t1 > t0:
            curve.append((int(p1), round((p1 - p0) / (t1 - t0))))
    return curve


# ------------------------------------------------------------------ PostgreSQL

NAME_POSTGRES = "rebuild-postgres"
TARGET_EVENTS_PER_S_POSTGRES = 40_000


def _postgres_per_event(url: str, sample: int) -> float:
    """eventsourcing's way on PostgreSQL: each event's rows with its tracking record."""
    from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder

    from familiekoordinering_postgres import PostgresViewStore

    app = FamilyCoordination(url, snapshot_interval=None, cache_size=0)
    store = PostgresViewStore(app.factory._conninfo)  # type: ignore[attr-defined]
    datastore: PostgresDatastore = app.factory.datastore  # type: ignore[attr-defined]
    tracking = PostgresTrackingRecorder(datastore, tracking_table_name="bench_tracking")
    tracking.create_table()
    payload = app.mapper.payload  # type: ignore[attr-defined]
    start = time.perf_counter()
    done = 0
    while done < sample:
        for n, family_id, _version, topic, state in _rows(app, done + 1, 500):
            ops = operations(family_id, topic, payload(topic, state))
            with datastore.transaction(commit=True) as cursor:
                for op in ops:
                    query, params = store._statement(999, op)
                    cursor.execute(query, params, prepare=True)
                tracking._insert_tracking(cursor, Tracking("bench", n))
            done += 1
    seconds = time.perf_counter() - start
    store.close()
    app.close()
    return done / seconds


def _postgres_raw_copy(url: str, sample: int, batch: int) -> float:
    """The same row changes sent with raw psycopg ``COPY``, a transaction per batch.

    The floor for getting a batch's changes to the server (they are copied,
    not applied), timed over the writes only.
    """
    import psycopg

    app = FamilyCoordination(url, snapshot_interval=None, cache_size=0)
    payload = app.mapper.payload  # type: ignore[attr-defined]
    batches: list[list[tuple[str, str, str, str, str | None]]] = []
    done = 0
    while done < sample:
        rows = _rows(app, done + 1, batch)
        batches.append(
            [
                (op[0], op[2], op[1], op[3], json.dumps(op[4]) if len(op) > 4 else None)
                for _, family_id, _, topic, state in rows
                for op in operations(family_id, topic, payload(topic, state))
            ]
        )
        done += len(rows)
    conninfo = app.factory._conninfo  # type: ignore[attr-defined]
    app.close()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE raw_changes (action TEXT, family_id TEXT, kind TEXT, "
            "key TEXT, data JSONB)"
        )
        start = time.perf_counter()
        for changes in batches:
            with (
                conn.transaction(),
                conn.cursor() as cursor,
                cursor.copy("COPY raw_changes FROM STDIN") as copy,
            ):
                for change in changes:
                    copy.write_row(change)
        seconds = time.perf_counter() - start
    return done / seconds


GROWTH = (0.1, 0.25, 0.5, 1.0)
"""The PostgreSQL log grows in these stages (shares of the families)."""


def _postgres_sizes(url: str) -> dict[str, float]:
    """The database's size and its event log's (table and indexes), in MB."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT pg_database_size(current_database()), "
            "(SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND c.relname LIKE '%%\\_events' "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema'))"
        ).fetchone()
    database, log = (int(row[0]), int(row[1])) if row else (0, 0)
    return {"database_mb": round(database / 2**20, 1), "log_mb": round(log / 2**20, 1)}


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares line through the points: (slope, intercept)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    return slope, my - slope * mx


def _extrapolate(growth: list[dict[str, Any]], events: int) -> dict[str, float]:
    """Database size and rebuild time at ``events``, from a line through the stages."""
    xs = [float(g["events"]) for g in growth]
    if len(set(xs)) < 2:
        return {}
    size = _fit(xs, [g["database_mb"] for g in growth])
    seconds = _fit(xs, [g["rebuild_s"] for g in growth])
    return {
        "events": events,
        "database_gb": round((size[0] * events + size[1]) / 1024, 1),
        "rebuild_min": round((seconds[0] * events + seconds[1]) / 60, 1),
    }


def run_postgres(size: Size) -> Result:
    """The rebuild on a throwaway PostgreSQL server, with both baselines, in one run.

    The log grows in :data:`GROWTH` stages; after each, every view is rebuilt
    from zero and the database size, rebuild time, memory and query latencies
    are measured: the growth curve. The last stage is the result.
    """
    import psycopg

    from familiekoordinering.testing.postgres import ThrowawayPostgres

    server = ThrowawayPostgres()
    server.start()
    growth: list[dict[str, Any]] = []
    try:
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute('CREATE DATABASE "rebuild"')
        url = server.url("rebuild")
        per_family = EVENTS_PER_FAMILY[size]
        stages = sorted({max(2, round(FAMILIES[size] * share)) for share in GROWTH})
        events, written_in, first = 0, 0.0, 0
        for families in stages:
            started = time.perf_counter()
            events += _write_log(url, families, per_family, first=first)
            written_in += time.perf_counter() - started
            first = families
            ours = _ours(url, families)
            growth.append(
                {
                    "families": families,
                    "events": events,
                    "rebuild_s": round(ours["seconds"], 2),
                    "events_per_s": round(ours["events"] / ours["seconds"]),
                    "peak_rss_mb": round(max(mb for _, mb, _ in ours["rss"]), 1),
                    "plan_ms_p50_p99": ours["plan_ms_p50_p99"],
                    "caseload_ms_p50_p99": ours["caseload_ms_p50_p99"],
                    **_postgres_sizes(url),
                }
            )
        ours_rate = ours["events"] / ours["seconds"]
        per_event = _postgres_per_event(url, min(SAMPLE[size], events))
        raw = _postgres_raw_copy(url, min(SAMPLE[size] * 5, events), 5000)
    finally:
        server.stop()
    rss = [mb for _, mb, _ in ours["rss"]]
    return Result(
        name=NAME_POSTGRES,
        description=(
            f"rebuild every view from {events:,} events ({FAMILIES[size]:,} families) on "
            "PostgreSQL (a throwaway local server); baseline: one transaction per "
            "event with eventsourcing's PostgreSQL tracking"
        ),
        ours=ours_rate,
        baseline=per_event,
        unit="events/s",
        higher_is_better=True,
        target=None,
        minimum=TARGET_EVENTS_PER_S_POSTGRES,
        details={
            "events": events,
            "ours_seconds": round(ours["seconds"], 2),
            "ours_vs_per_event": round(ours_rate / per_event, 1),
            "raw_psycopg_copy_events_per_s": round(raw),
            "ours_vs_raw_psycopg_copy": round(ours_rate / raw, 2),
            "peak_rss_mb": round(max(rss), 1),
            "memory_flat_under_limit": max(rss) < MEMORY_LIMIT_MB,
            "log_written_in_s": round(written_in, 1),
            "database_mb": growth[-1]["database_mb"],
            "log_mb": growth[-1]["log_mb"],
            "plan_query_ms_p50_p99": ours["plan_ms_p50_p99"],
            "caseload_query_ms_p50_p99": ours["caseload_ms_p50_p99"],
            "growth": growth,
            "extrapolated": _extrapolate(growth, 100_000_000),
        },
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _worker(sys.argv[2], int(sys.argv[3]))
