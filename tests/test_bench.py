"""The benchmark command's own check: every benchmark runs at a tiny size.

The figures mean nothing at this size; what is checked is that each benchmark
runs, reports finite positive measurements that serialise, and that its
``meets_target`` agrees with its figures (see :func:`bench.run.self_check`).
"""

from __future__ import annotations

import pytest
from bench.common import Result
from bench.run import BENCHMARKS, self_check

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def results() -> dict[str, Result]:
    return {r.name: r for r in self_check()}


def test_every_benchmark_runs_at_a_tiny_size_and_reports_sound_figures(
    results: dict[str, Result],
) -> None:
    ran = {name.split("-")[0] for name in results}
    assert {name.split("-")[0] for name in BENCHMARKS} <= ran


def test_the_postgres_rebuild_measures_the_log_growing_and_extrapolates(
    results: dict[str, Result],
) -> None:
    details = results["rebuild-postgres"].details
    growth = details["growth"]
    assert len(growth) == 4
    events = [stage["events"] for stage in growth]
    assert events == sorted(events)
    assert len(set(events)) == 4
    assert events[-1] == details["events"]
    logs = [stage["log_mb"] for stage in growth]
    assert logs == sorted(logs)
    assert logs[-1] > logs[0]
    assert all(stage["rebuild_s"] > 0 for stage in growth)
    far = details["extrapolated"]
    assert far["events"] == 100_000_000
    assert far["database_gb"] > growth[-1]["database_mb"] / 1024
