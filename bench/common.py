"""Shared pieces of the benchmarks: sizes, results, timing and storage statistics."""

from __future__ import annotations

import enum
import gc
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "TARGET",
    "Result",
    "Size",
    "StoredSize",
    "per_second",
    "stored_size",
    "summarise",
    "temp_dir",
    "time_alternating",
]

TARGET = 0.8
"""The throughput ratio (ours / baseline) each benchmark should reach."""


class Size(enum.Enum):
    """How big a run is: the full benchmark, a quick one, or a tiny self-check."""

    FULL = "full"
    QUICK = "quick"
    TINY = "tiny"
    NATIONAL = "national"
    """Only for ``rebuild-postgres``: 100,000 families, 20 million events."""


@dataclass(frozen=True)
class Result:
    """The outcome of one benchmark.

    ``ours`` and ``baseline`` are in ``unit``; ``higher_is_better`` says whether
    the unit is a throughput (commands/s) or a cost (µs/event). ``ratio`` is
    always a throughput ratio, ours / baseline, so that 1.0 means "as fast as
    bare eventsourcing" and ``TARGET`` means "at most 20 % overhead".
    ``target`` is the ratio to reach (None: no ratio target); where a target
    is absolute as well, ``minimum`` is a throughput to reach and ``maximum`` a
    cost not to exceed (both in ``unit``).
    """

    name: str
    description: str
    ours: float
    baseline: float
    unit: str
    higher_is_better: bool
    target: float | None = TARGET
    details: dict[str, Any] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None

    @property
    def ratio(self) -> float:
        """Our throughput as a fraction of the baseline's."""
        if self.higher_is_better:
            return self.ours / self.baseline
        return self.baseline / self.ours

    @property
    def meets_target(self) -> bool:
        """Whether the ratio reaches its target, and ours its minimum or maximum."""
        ratio_ok = self.target is None or self.ratio >= self.target
        return (
            ratio_ok
            and (self.minimum is None or self.ours >= self.minimum)
            and (self.maximum is None or self.ours <= self.maximum)
        )

    def to_json(self) -> dict[str, Any]:
        """The result as a JSON-able dict."""
        return {
            "name": self.name,
            "description": self.description,
            "ours": self.ours,
            "baseline": self.baseline,
            "unit": self.unit,
            "higher_is_better": self.higher_is_better,
            "ratio": self.ratio,
            "target": self.target,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "meets_target": self.meets_target,
            **self.details,
        }


@contextmanager
def temp_dir() -> Iterator[Path]:
    """A fresh temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="familiekoordinering-bench-") as name:
        yield Path(name)


def per_second(count: int, seconds: float) -> float:
    """``count`` operations in ``seconds`` as operations per second."""
    return count / seconds


def time_alternating(repeats: int, *loads: Callable[[], object]) -> list[list[float]]:
    """Time each load ``repeats`` times, alternating, after one untimed warm-up each.

    Returns the seconds of each load's runs, in the order the loads were given.
    """
    for load in loads:  # warm-up: codecs, statements, caches, keys
        load()
    times: list[list[float]] = [[] for _ in loads]
    for _ in range(repeats):
        for load, out in zip(loads, times, strict=True):
            gc.collect()
            start = time.perf_counter()
            load()
            out.append(time.perf_counter() - start)
    return times


def summarise(seconds: Sequence[float]) -> dict[str, float]:
    """Best, median and worst of repeated timings, in seconds."""
    return {
        "best": min(seconds),
        "median": statistics.median(seconds),
        "worst": max(seconds),
    }


@dataclass(frozen=True)
class StoredSize:
    """How many rows a table of an SQLite store holds, and their payload bytes."""

    rows: int
    state_bytes: int

    @property
    def bytes_per_row(self) -> float:
        """Mean payload (``length(state)``) per row; 0 for an empty table."""
        return self.state_bytes / self.rows if self.rows else 0.0


def stored_size(
    db_path: Path, table: str = "stored_events", *, after_version: int = 0
) -> StoredSize:
    """Count the rows of ``table`` and their state bytes.

    Only rows with an ``originator_version`` above ``after_version`` count, so
    that set-up events can be left out. Reads the SQLite file with its own
    connection; a missing table counts as empty.
    """
    if table not in ("stored_events", "stored_snapshots"):
        raise ValueError(f"unexpected table {table!r}")
    query = (
        f"SELECT COUNT(*), COALESCE(SUM(LENGTH(state)), 0) FROM {table} "
        "WHERE originator_version > ?"
    )
    params = (after_version,)
    with closing(sqlite3.connect(db_path)) as conn:
        try:
            rows, state_bytes = conn.execute(query, params).fetchone()
        except sqlite3.OperationalError as e:
            if "no such table" in str(e):
                return StoredSize(0, 0)
            raise
    return StoredSize(int(rows), int(state_bytes))
