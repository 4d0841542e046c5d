"""Benchmark ``replay``: loading a family with a long history, without snapshots.

Ours: a family of a realistic mix of events (members, consents, goals and
progress, steps, contacts, meetings, surveys, …) saved in one go to a fresh
SQLite file, then loaded with ``FamilyCoordination.get_family`` with snapshots
turned off, so every load replays every event through our mapper.

Baseline: a bare eventsourcing aggregate with as many events, each carrying the
very JSON payload our mapper stored for the corresponding family event (as a
plain ``dict``), loaded with ``app.repository.get``.

Loads alternate between ours and the baseline after one untimed warm-up load
each; the best of the repeats is reported, the median kept in the details.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from bench.baseline import Case, open_bare_app
from bench.common import Result, Size, stored_size, summarise, temp_dir
from bench.fixtures import READER, build_history, event_mix
from familiekoordinering import FamilyCoordination

__all__ = ["NAME", "run"]

NAME = "replay"
EVENTS = {Size.FULL: 2000, Size.QUICK: 500, Size.TINY: 40}
REPEATS = {Size.FULL: 7, Size.QUICK: 5, Size.TINY: 1}


def _seconds(load: Callable[[], object]) -> float:
    start = time.perf_counter()
    load()
    return time.perf_counter() - start


def _store_ours(db: Path, n: int) -> tuple[UUID, dict[str, int]]:
    """Save a family of ``n`` events at once; return its id and its event mix."""
    app = FamilyCoordination(db, snapshot_interval=None, cache_size=0, encryption=False)
    try:
        family = build_history(n)
        app._engine.save(family)
        events = app.family_history(family.id, actor=READER)
        if len(events) != n:
            raise AssertionError(f"ours: {len(events)} events stored, not {n}")
        return family.id, event_mix(events)
    finally:
        app.close()


def _store_baseline(db: Path, payloads: list[tuple[str, dict[str, Any]]]) -> UUID:
    """Save a bare aggregate with one event per payload, at once; return its id."""
    app = open_bare_app(db, snapshots=False)
    try:
        (first_kind, first), *rest = payloads
        case = Case(kind=first_kind, payload=first)
        for kind, payload in rest:
            case.record(kind, payload)
        app.save(case)
        return case.id
    finally:
        app.close()


def _our_payloads(db: Path, family_id: UUID) -> list[tuple[str, dict[str, Any]]]:
    """Each stored family event's kind and JSON payload, less its timestamp.

    (The bare events carry their own timestamp.)
    """
    app = FamilyCoordination(db, snapshot_interval=None, cache_size=0, encryption=False)
    try:
        out = []
        for stored in app._engine.recorder.select_events(family_id):
            payload = json.loads(stored.state)
            del payload["timestamp"]
            out.append((stored.topic.rpartition(".")[2], payload))
        return out
    finally:
        app.close()


def _time_loads(
    ours_db: Path, family_id: UUID, bare_db: Path, case_id: UUID, n: int, repeats: int
) -> tuple[list[float], list[float]]:
    ours = FamilyCoordination(
        ours_db, snapshot_interval=None, cache_size=0, encryption=False
    )
    bare = open_bare_app(bare_db, snapshots=False)
    try:

        def load_ours() -> object:
            return ours.get_family(family_id, actor=READER)

        def load_bare() -> object:
            return bare.repository.get(case_id)

        family = ours.get_family(
            family_id, actor=READER
        )  # warm-up: codecs, statements, caches
        case: Case = bare.repository.get(case_id)
        if family.version != n or case.version != n:
            raise AssertionError(f"loaded versions {family.version}, {case.version}")
        ours_times, bare_times = [], []
        for _ in range(repeats):
            gc.collect()
            ours_times.append(_seconds(load_ours))
            gc.collect()
            bare_times.append(_seconds(load_bare))
        return ours_times, bare_times
    finally:
        ours.close()
        bare.close()


def run(size: Size) -> Result:
    """Run the benchmark at ``size``; return ours and the baseline in µs per event."""
    n, repeats = EVENTS[size], REPEATS[size]
    with temp_dir() as tmp:
        ours_db, bare_db = tmp / "ours.db", tmp / "baseline.db"
        family_id, mix = _store_ours(ours_db, n)
        case_id = _store_baseline(bare_db, _our_payloads(ours_db, family_id))
        ours_times, bare_times = _time_loads(
            ours_db, family_id, bare_db, case_id, n, repeats
        )
        ours_size, bare_size = stored_size(ours_db), stored_size(bare_db)
    ours_s, bare_s = summarise(ours_times), summarise(bare_times)
    return Result(
        name=NAME,
        description=f"load a family of {n} events from SQLite, no snapshots "
        f"(best of {repeats})",
        ours=ours_s["best"] / n * 1e6,
        baseline=bare_s["best"] / n * 1e6,
        unit="µs/event",
        higher_is_better=False,
        details={
            "n": n,
            "repeats": repeats,
            "ours_median_us_per_event": ours_s["median"] / n * 1e6,
            "baseline_median_us_per_event": bare_s["median"] / n * 1e6,
            "ours_bytes_per_event": ours_size.bytes_per_row,
            "baseline_bytes_per_event": bare_size.bytes_per_row,
            "event_mix": mix,
        },
    )
