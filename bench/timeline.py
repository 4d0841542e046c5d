"""Benchmark ``timeline``: a five-year family of 2,000 events, read three ways.

The family is :func:`~familiekoordinering.testing.histories.build_history`'s
realistic mix, saved in one go to a fresh SQLite file; the baseline is a bare
eventsourcing aggregate with one event per stored payload (see
:mod:`bench.replay`). Three results, all measured in the same run:

``timeline-replay``
    Full replay per event, snapshots off: ``get_family`` against the bare
    ``repository.get``. Target: at most 1.2x bare eventsourcing's cost
    (a throughput ratio of at least 1/1.2).
``timeline-render``
    The family's timeline in Bokmål, read from the SQLite file and rendered as
    text (``app.timeline(id).render_text()``), in ms. Target: under 100 ms. The
    baseline is the bare aggregate's full replay from the same kind of file, so
    the ratio shows what building the readable entries costs on top.
``timeline-current``
    The family as it stands now through a snapshot: the newest snapshot lies
    99 events back (the worst case at the default interval of 100), and the
    cache is off so every load reads the store. Target: under 5 ms. The
    baseline is the bare aggregate loaded the same way (its snapshot holds
    plain payloads, not typed values). The best case (snapshot at the head)
    is kept in the details.

Loads alternate between ours and the baseline after one untimed warm-up each;
the best of the repeats is reported, the median kept in the details.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from uuid import UUID

from bench.baseline import BareApp, open_bare_app
from bench.common import (
    Result,
    Size,
    stored_size,
    summarise,
    temp_dir,
    time_alternating,
)
from bench.fixtures import READER
from bench.replay import _our_payloads, _store_baseline, _store_ours, _time_loads
from familiekoordinering import FamilyCoordination

__all__ = ["NAME", "run"]

NAME = "timeline"
EVENTS = {Size.FULL: 2000, Size.QUICK: 2000, Size.TINY: 40}
REPEATS = {Size.FULL: 9, Size.QUICK: 5, Size.TINY: 1}
REPLAY_TARGET = 1 / 1.2
"""At most 1.2x bare eventsourcing's cost per event."""
RENDER_MAX_MS = 100.0
CURRENT_MAX_MS = 5.0
BEHIND = 99
"""Events after the newest snapshot when loading the current state."""


def _behind(n: int) -> int:
    return min(BEHIND, n // 2)


def _ms(seconds: list[float]) -> dict[str, float]:
    return {key: value * 1e3 for key, value in summarise(seconds).items()}


def _render(
    ours_db: Path, family_id: UUID, bare_db: Path, case_id: UUID, repeats: int
) -> Result:
    ours = FamilyCoordination(
        ours_db, snapshot_interval=None, cache_size=0, encryption=False
    )
    bare = open_bare_app(bare_db, snapshots=False)
    on = date(2031, 1, 1)
    try:
        nb, bare_t, en, report, export = time_alternating(
            repeats,
            lambda: ours.timeline(family_id, actor=READER).render_text(),
            lambda: bare.repository.get(case_id),
            lambda: ours.timeline(family_id, language="en", actor=READER).render_text(),
            lambda: ours.report(family_id, on=on, actor=READER),
            lambda: ours.access_export(family_id, on=on, actor=READER),
        )
        entries = len(ours.timeline(family_id, actor=READER).entries)
    finally:
        ours.close()
        bare.close()
    ours_ms, bare_ms = _ms(nb), _ms(bare_t)
    return Result(
        name=f"{NAME}-render",
        description=f"the timeline of a family of {entries} events read from "
        f"SQLite and rendered as Bokmål text (best of {repeats}); baseline: "
        "bare eventsourcing replaying the same history",
        ours=ours_ms["best"],
        baseline=bare_ms["best"],
        unit="ms",
        higher_is_better=False,
        target=None,
        maximum=RENDER_MAX_MS,
        details={
            "entries": entries,
            "ours_median_ms": ours_ms["median"],
            "english_ms": _ms(en)["best"],
            "html_report_ms": _ms(report)["best"],
            "access_export_ms": _ms(export)["best"],
        },
    )


def _current(
    ours_db: Path, family_id: UUID, bare_db: Path, case_id: UUID, n: int, repeats: int
) -> Result:
    ours = FamilyCoordination(ours_db, cache_size=0, encryption=False)
    bare = open_bare_app(bare_db, snapshots=True)
    try:
        # The newest snapshot is the one loaded: the older one first.
        behind = time_alternating(
            repeats,
            *_snapshot_then_load(ours, bare, family_id, case_id, n - _behind(n)),
        )
        at_head = time_alternating(
            repeats, *_snapshot_then_load(ours, bare, family_id, case_id, n)
        )
    finally:
        ours.close()
        bare.close()
    ours_ms, bare_ms = _ms(behind[0]), _ms(behind[1])
    snapshot = stored_size(ours_db, "stored_snapshots")
    return Result(
        name=f"{NAME}-current",
        description=f"the current state of a family of {n} events from SQLite "
        f"through its newest snapshot, {_behind(n)} events back, no cache "
        f"(best of {repeats}); baseline: bare eventsourcing the same way",
        ours=ours_ms["best"],
        baseline=bare_ms["best"],
        unit="ms",
        higher_is_better=False,
        target=None,
        maximum=CURRENT_MAX_MS,
        details={
            "ours_median_ms": ours_ms["median"],
            "ours_snapshot_at_head_ms": _ms(at_head[0])["best"],
            "baseline_snapshot_at_head_ms": _ms(at_head[1])["best"],
            "snapshot_bytes": snapshot.state_bytes / max(snapshot.rows, 1),
        },
    )


def _snapshot_then_load(
    ours: FamilyCoordination,
    bare: BareApp,
    family_id: UUID,
    case_id: UUID,
    version: int,
) -> tuple[Callable[[], object], Callable[[], object]]:
    """Snapshot both at ``version`` (the newest then); return their loads."""
    ours._engine.take_snapshot(family_id, version=version)
    bare.take_snapshot(case_id, version=version)

    def load_ours() -> object:
        return ours.get_family(family_id, actor=READER)

    def load_bare() -> object:
        return bare.repository.get(case_id)

    return load_ours, load_bare


def run(size: Size) -> list[Result]:
    """Run the benchmark at ``size``: replay, render and current state."""
    n, repeats = EVENTS[size], REPEATS[size]
    with temp_dir() as tmp:
        ours_db, bare_db = tmp / "ours.db", tmp / "baseline.db"
        family_id, mix = _store_ours(ours_db, n)
        case_id = _store_baseline(bare_db, _our_payloads(ours_db, family_id))
        ours_times, bare_times = _time_loads(
            ours_db, family_id, bare_db, case_id, n, repeats
        )
        render = _render(ours_db, family_id, bare_db, case_id, repeats)
        current = _current(ours_db, family_id, bare_db, case_id, n, repeats)
    ours_s, bare_s = summarise(ours_times), summarise(bare_times)
    replay = Result(
        name=f"{NAME}-replay",
        description=f"full replay of a five-year family of {n} events from "
        f"SQLite, no snapshots (best of {repeats})",
        ours=ours_s["best"] / n * 1e6,
        baseline=bare_s["best"] / n * 1e6,
        unit="µs/event",
        higher_is_better=False,
        target=REPLAY_TARGET,
        details={
            "ours_median_us_per_event": ours_s["median"] / n * 1e6,
            "baseline_median_us_per_event": bare_s["median"] / n * 1e6,
            "event_mix": mix,
        },
    )
    return [replay, render, current]
