"""Benchmark ``integrity``: the cost of chaining every event to the one before.

Both sides are ours, on fresh SQLite files, in the same run; the baseline is
the previous code path — the same library with eventsourcing's own event and
snapshot stores, which write events without ``_prev`` and ``_digest`` — so the
ratio is the price of the chain alone:

``integrity-commands``
    ``record_contact`` one command at a time, as in :mod:`bench.commands`.
    Target: at most 5 % slower.
``integrity-replay``
    Loading a five-year family of :func:`build_history`'s mix with snapshots
    off, as in :mod:`bench.replay`. Target: at most 10 % slower.

How fast the audit verifies a municipality's store is measured in
:mod:`bench.rebuild` (``integrity-verify``), on its 2 M-event store.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any
from uuid import UUID

from bench.commands import COMMANDS, _rate, interleaved_rounds
from bench.common import (
    Result,
    Size,
    stored_size,
    summarise,
    temp_dir,
    time_alternating,
)
from bench.fixtures import READER, build_history
from familiekoordinering import FamilyCoordination
from familiekoordinering.testing.legacy import UnchainedCoordination

__all__ = ["NAME", "Unchained", "run"]

NAME = "integrity"
COMMANDS_TARGET = 1 / 1.05
REPLAY_TARGET = 1 / 1.10
EVENTS = {Size.FULL: 2000, Size.QUICK: 1000, Size.TINY: 40}
ROUNDS = {Size.FULL: 3, Size.QUICK: 1, Size.TINY: 1}
REPEATS = {Size.FULL: 7, Size.QUICK: 5, Size.TINY: 1}


Unchained = UnchainedCoordination
"""The previous code path (see :mod:`familiekoordinering.testing.legacy`)."""


def _commands(size: Size, tmp: Path) -> Result:
    n = COMMANDS[size]
    plain_times, chained_times = interleaved_rounds(
        ROUNDS[size],
        n,
        lambda i: Unchained(tmp / f"plain{i}.db", encryption=False),
        lambda i: FamilyCoordination(tmp / f"chained{i}.db", encryption=False),
    )
    return Result(
        name=f"{NAME}-commands",
        description=f"{n} x record_contact on SQLite, each event chained to the one "
        "before; baseline: the same without the chain (eventsourcing's own event "
        "store), one command on each side in turn, on two files open together "
        f"({ROUNDS[size]} rounds; median seconds per command)",
        ours=1 / statistics.median(chained_times),
        baseline=1 / statistics.median(plain_times),
        unit="commands/s",
        higher_is_better=True,
        target=COMMANDS_TARGET,
        details={
            "chained_mean_per_s": _rate(chained_times),
            "plain_mean_per_s": _rate(plain_times),
            "chained_bytes_per_event": stored_size(tmp / "chained0.db").bytes_per_row,
            "plain_bytes_per_event": stored_size(tmp / "plain0.db").bytes_per_row,
        },
    )


def _store(db: Path, n: int, app_class: type[FamilyCoordination]) -> UUID:
    app = app_class(db, snapshot_interval=None, encryption=False)
    try:
        family = build_history(n)
        app._engine.save(family)
        return family.id
    finally:
        app.close()


def _replay(size: Size, tmp: Path) -> Result:
    n, repeats = EVENTS[size], REPEATS[size]
    plain_db, chained_db = tmp / "replay-plain.db", tmp / "replay-chained.db"
    plain_id = _store(plain_db, n, Unchained)
    chained_id = _store(chained_db, n, FamilyCoordination)
    apps: list[Any] = [
        Unchained(plain_db, snapshot_interval=None, cache_size=0, encryption=False),
        FamilyCoordination(
            chained_db, snapshot_interval=None, cache_size=0, encryption=False
        ),
    ]
    try:
        times = time_alternating(
            repeats,
            lambda: apps[0].get_family(plain_id, actor=READER),
            lambda: apps[1].get_family(chained_id, actor=READER),
        )
    finally:
        for app in apps:
            app.close()
    plain_s, chained_s = summarise(times[0]), summarise(times[1])
    return Result(
        name=f"{NAME}-replay",
        description=f"load a family of {n} chained events from SQLite, no snapshots; "
        f"baseline: the same family stored without the chain (best of {repeats})",
        ours=chained_s["best"] / n * 1e6,
        baseline=plain_s["best"] / n * 1e6,
        unit="µs/event",
        higher_is_better=False,
        target=REPLAY_TARGET,
        details={
            "n": n,
            "chained_median_us_per_event": chained_s["median"] / n * 1e6,
            "plain_median_us_per_event": plain_s["median"] / n * 1e6,
        },
    )


def run(size: Size) -> list[Result]:
    """Run both measurements at ``size``."""
    with temp_dir() as tmp:
        return [_commands(size, tmp), _replay(size, tmp)]
