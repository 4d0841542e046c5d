"""PNG plots of the benchmark results (matplotlib, without a display).

* ``<prefix>-replay-scaling.png`` — replay time against family size, ours and
  bare eventsourcing (from the ``scaling`` benchmark);
* ``<prefix>-rebuild-throughput.png`` — events per second along the log during
  the SQLite rebuild (from the ``rebuild`` benchmark).

A plot whose benchmark did not run is not drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

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
    return written


def _save(fig: object, path: Path) -> Path:
    fig.savefig(path)  # type: ignore[attr-defined]
    return path
