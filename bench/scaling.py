"""Benchmark ``scaling``: replay time against family size, ours and bare eventsourcing.

For families of :func:`build_history`'s realistic mix at several sizes (from a
few months to far beyond five years), the time to load the family from SQLite
with snapshots off, ours against a bare eventsourcing aggregate with the same
payloads (see :mod:`bench.replay`), best of a few loads each. The result's
ratio is at the largest size; the whole series is in its details (and plotted
by ``bench/run.py``): replay grows linearly with the history on both sides.
"""

from __future__ import annotations

from bench.common import Result, Size, summarise, temp_dir, time_alternating
from bench.fixtures import READER
from bench.replay import _our_payloads, _store_baseline, _store_ours
from familiekoordinering import FamilyCoordination

__all__ = ["NAME", "run"]

NAME = "scaling"
SIZES = {
    Size.FULL: (100, 250, 500, 1000, 2000, 4000, 8000),
    Size.QUICK: (100, 500, 1000, 2000),
    Size.TINY: (20, 40),
}
REPEATS = {Size.FULL: 5, Size.QUICK: 3, Size.TINY: 1}


def run(size: Size) -> Result:
    """Replay at each size; the ratio at the largest."""
    from bench.baseline import open_bare_app

    series: list[tuple[int, float, float]] = []
    with temp_dir() as tmp:
        for n in SIZES[size]:
            ours_db, bare_db = tmp / f"ours{n}.db", tmp / f"bare{n}.db"
            family_id, _ = _store_ours(ours_db, n)
            case_id = _store_baseline(bare_db, _our_payloads(ours_db, family_id))
            ours = FamilyCoordination(
                ours_db, snapshot_interval=None, cache_size=0, encryption=False
            )
            bare = open_bare_app(bare_db, snapshots=False)
            try:
                ours_t, bare_t = time_alternating(
                    REPEATS[size],
                    lambda: ours.get_family(family_id, actor=READER),  # noqa: B023
                    lambda: bare.repository.get(case_id),  # noqa: B023
                )
            finally:
                ours.close()
                bare.close()
            series.append(
                (n, summarise(ours_t)["best"] * 1e3, summarise(bare_t)["best"] * 1e3)
            )
    n, ours_ms, bare_ms = series[-1]
    return Result(
        name=NAME,
        description=f"replay time against family size ({', '.join(str(s[0]) for s in series)} "
        "events), SQLite, no snapshots; the ratio at the largest",
        ours=ours_ms,
        baseline=bare_ms,
        unit="ms",
        higher_is_better=False,
        details={
            "replay_ms_by_events": [
                (events, round(o, 2), round(b, 2)) for events, o, b in series
            ],
            "ours_us_per_event_at_largest": round(ours_ms * 1e3 / n, 1),
        },
    )
