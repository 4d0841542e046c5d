"""PNG plots of the benchmark results (matplotlib, without a display).

* ``<prefix>-replay-scaling.png`` — replay time against family size, ours and
  bare eventsourcing (from the ``scaling`` benchmark);
* ``<prefix>-rebuild-throughput.png`` — events per second along the log during
  the SQLite rebuild (from the ``rebuild`` benchmark);
* ``<prefix>-postgres-growth.png`` — database size and rebuild time as the
  PostgreSQL log grows, with the straight line through the stages carried on
  to 100 M events (from the ``rebuild-postgres`` benchmark).

A plot whose benchmark did not run is not drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import Result

__all__ = ["draw"]


def draw(results: Sequence[Result], directory: Path, *, prefix: str) -> list[Path]:
    """Draw the plots the results allow; return the files written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_name = {r.name: r for r in results}
    written: list[Path] = []
    scaling = by_name.get("scaling")
    if scaling is not None:
        series = scaling.details["replay_ms_by_events"]
        fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
        ax.plot([s[0] for s in series], [s[1] for s in series], "o-", label="ours")
        ax.plot(
            [s[0] for s in series], [s[2] for s in series], "s--",
            label="bare eventsourcing",
        )  # fmt: skip
        ax.set_xlabel("events in the family's history")
        ax.set_ylabel("replay time (ms, best of runs)")
        ax.set_title("Loading a family without snapshots (SQLite)")
        ax.grid(alpha=0.3)
        ax.legend()
        written.append(_save(fig, directory / f"{prefix}-replay-scaling.png"))
        plt.close(fig)
    rebuild = by_name.get("rebuild")
    if rebuild is not None and rebuild.details.get("throughput_by_position"):
        curve = rebuild.details["throughput_by_position"]
        fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
        ax.plot([p for p, _ in curve], [r for _, r in curve], "o-", label="ours")
        ax.axhline(rebuild.baseline, linestyle="--", color="grey",
                   label="eventsourcing, one transaction per event")  # fmt: skip
        ax.set_xlabel("position in the log (events)")
        ax.set_ylabel("events per second")
        ax.set_ylim(bottom=0)
        ax.set_title("Rebuilding every view (SQLite)")
        ax.grid(alpha=0.3)
        ax.legend()
        written.append(_save(fig, directory / f"{prefix}-rebuild-throughput.png"))
        plt.close(fig)
    postgres = by_name.get("rebuild-postgres")
    if postgres is not None and len(postgres.details.get("growth", [])) > 1:
        written.append(
            _growth(plt, postgres, directory / f"{prefix}-postgres-growth.png")
        )
    return written


def _growth(plt: Any, result: Result, path: Path) -> Path:
    """Two panels: database GB and rebuild minutes against millions of events."""
    growth = result.details["growth"]
    far = result.details.get("extrapolated") or {}
    millions = [g["events"] / 1e6 for g in growth]
    fig, (size_ax, time_ax) = plt.subplots(1, 2, figsize=(9, 4), dpi=120)
    panels = (
        (size_ax, [g["database_mb"] / 1024 for g in growth], "database_gb",
         "database size (GB)"),
        (time_ax, [g["rebuild_s"] / 60 for g in growth], "rebuild_min",
         "rebuild of every view (minutes)"),
    )  # fmt: skip
    for ax, values, key, label in panels:
        ax.plot(millions, values, "o-", label="measured")
        if key in far:
            ax.plot(
                [millions[-1], far["events"] / 1e6], [values[-1], far[key]], ":",
                color="grey", label="straight line through the stages",
            )  # fmt: skip
        ax.set_xlabel("events in the log (millions)")
        ax.set_ylabel(label)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("PostgreSQL as the log grows")
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)
    return path


def _save(fig: object, path: Path) -> Path:
    fig.savefig(path)  # type: ignore[attr-defined]
    return path
