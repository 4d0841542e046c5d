"""Benchmark ``encryption``: the cost of sealing personal data with per-family keys.

Both sides are ours, on fresh SQLite files, in the same run; the baseline is
the same library without a master key (nothing sealed), so the ratio is the
price of encryption alone:

``encryption-commands``
    ``record_contact`` one command at a time, as in :mod:`bench.commands`
    (each contact's purpose is personal data, sealed with the family's key).
``encryption-replay``
    Loading a five-year family of :func:`build_history`'s mix with snapshots
    off (every personal field of every event opened), as in :mod:`bench.replay`.

Target: at most 1.3x slower (a throughput ratio of at least 1/1.3). The two
sides alternate, and the best of the rounds is kept.
"""

from __future__ import annotations

import statistics
from pathlib import Path
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
from familiekoordinering import FamilyCoordination, new_master_key

__all__ = ["NAME", "run"]

NAME = "encryption"
TARGET = 1 / 1.3
"""At most 1.3x slower with encryption."""
EVENTS = {Size.FULL: 2000, Size.QUICK: 1000, Size.TINY: 40}
ROUNDS = {Size.FULL: 3, Size.QUICK: 2, Size.TINY: 1}
REPEATS = {Size.FULL: 7, Size.QUICK: 5, Size.TINY: 1}
KEY = new_master_key()


def _commands(size: Size, tmp: Path) -> Result:
    n = COMMANDS[size]
    plain_times, sealed_times = interleaved_rounds(
        ROUNDS[size],
        n,
        lambda i: FamilyCoordination(tmp / f"plain{i}.db", encryption=False),
        lambda i: FamilyCoordination(tmp / f"sealed{i}.db", master_key=KEY),
    )
    plain_b = stored_size(tmp / "plain0.db").bytes_per_row
    sealed_b = stored_size(tmp / "sealed0.db").bytes_per_row
    return Result(
        name=f"{NAME}-commands",
        description=f"{n} x record_contact on SQLite, personal data sealed with the "
        "family's key; baseline: the same without a master key, one command on "
        f"each side in turn, on two files open together ({ROUNDS[size]} rounds; "
        "median seconds per command)",
        ours=1 / statistics.median(sealed_times),
        baseline=1 / statistics.median(plain_times),
        unit="commands/s",
        higher_is_better=True,
        target=TARGET,
        details={
            "sealed_mean_per_s": _rate(sealed_times),
            "plain_mean_per_s": _rate(plain_times),
            "sealed_bytes_per_event": sealed_b,
            "plain_bytes_per_event": plain_b,
        },
    )


def _store(db: Path, n: int, master_key: bytes | None) -> UUID:
    app = FamilyCoordination(
        db,
        snapshot_interval=None,
        master_key=master_key,
        encryption=None if master_key else False,
    )
    try:
        family = build_history(n)
        app._engine.save(family)
        return family.id
    finally:
        app.close()


def _replay(size: Size, tmp: Path) -> Result:
    n, repeats = EVENTS[size], REPEATS[size]
    plain_db, sealed_db = tmp / "replay-plain.db", tmp / "replay-sealed.db"
    plain_id = _store(plain_db, n, None)
    sealed_id = _store(sealed_db, n, KEY)
    plain = FamilyCoordination(
        plain_db, snapshot_interval=None, cache_size=0, encryption=False
    )
    sealed = FamilyCoordination(
        sealed_db, snapshot_interval=None, cache_size=0, master_key=KEY
    )
    try:
        loads = (
            lambda: plain.get_family(plain_id, actor=READER),
            lambda: sealed.get_family(sealed_id, actor=READER),
        )
        times = time_alternating(repeats, *loads)
    finally:
        plain.close()
        sealed.close()
    plain_s, sealed_s = summarise(times[0]), summarise(times[1])
    return Result(
        name=f"{NAME}-replay",
        description=f"load a family of {n} events from SQLite, no snapshots, personal "
        "data opened with the family's key; baseline: the same without a master key "
        f"(best of {repeats})",
        ours=sealed_s["best"] / n * 1e6,
        baseline=plain_s["best"] / n * 1e6,
        unit="µs/event",
        higher_is_better=False,
        target=TARGET,
        details={
            "n": n,
            "sealed_median_us_per_event": sealed_s["median"] / n * 1e6,
            "plain_median_us_per_event": plain_s["median"] / n * 1e6,
            "sealed_bytes_per_event": stored_size(sealed_db).bytes_per_row,
            "plain_bytes_per_event": stored_size(plain_db).bytes_per_row,
        },
    )


def run(size: Size) -> list[Result]:
    """Run both measurements at ``size``."""
    with temp_dir() as tmp:
        return [_commands(size, tmp), _replay(size, tmp)]
