"""Run the benchmarks: ``python bench/run.py [NAME ...] [--quick] [--json PATH]``.

Each benchmark compares familiekoordinering with a baseline written with bare
eventsourcing, measured in the same run, and reports the *throughput ratio*
ours / baseline; the target is at least 0.8 (at most 20 % overhead). The
results are printed as Markdown tables and written as JSON (by default to
``bench/results/latest.json``).

Next to the JSON it writes the same table as Markdown (``.md``) and PNG plots
(see :mod:`bench.plots`) of replay time against family size and of rebuild
throughput along the log. The exit status is 0 when every benchmark ran,
whether or not it met its target (a missed target is marked MISSED), and 1
when a benchmark failed.

To add a benchmark, write a module with a ``run(size: Size)`` function that
returns a ``Result`` (or a list of them, measured on the same data) and
register it in :data:`BENCHMARKS`. :func:`self_check` runs every
benchmark at a tiny size, for tests.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import (
    commands,
    encryption,
    integrity,
    plots,
    rebuild,
    replay,
    scaling,
    timeline,
)
from bench.common import Result, Size

__all__ = ["BENCHMARKS", "main", "render", "self_check"]

Benchmark = Callable[[Size], Result | Sequence[Result]]
"""A benchmark: one result, or several measured on the same data."""

BENCHMARKS: dict[str, Benchmark] = {
    commands.NAME: commands.run,
    replay.NAME: replay.run,
    rebuild.NAME: rebuild.run,
    commands.NAME_POSTGRES: commands.run_postgres,
    rebuild.NAME_POSTGRES: rebuild.run_postgres,
    timeline.NAME: timeline.run,
    encryption.NAME: encryption.run,
    integrity.NAME: integrity.run,
    scaling.NAME: scaling.run,
}
"""Every benchmark by name, in the order they run by default."""

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "latest.json"


# ------------------------------------------------------------------- output


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def render(results: Sequence[Result]) -> str:
    """The results as Markdown: the comparison, then the stored sizes."""
    lines = [
        "| Benchmark | Ours | Baseline | Unit | Throughput ratio | Target | Status |",
        "|---|---:|---:|---|---:|---:|---|",
    ]
    for r in results:
        status = "ok" if r.meets_target else "**MISSED**"
        targets = [] if r.target is None else [f">= {r.target:.2f}"]
        if r.minimum is not None:
            targets.append(f"ours >= {_number(r.minimum)} {r.unit}")
        if r.maximum is not None:
            targets.append(f"ours <= {_number(r.maximum)} {r.unit}")
        lines.append(
            f"| {r.name} | {_number(r.ours)} | {_number(r.baseline)} | {r.unit} "
            f"| {r.ratio:.2f} | {' and '.join(targets)} | {status} |"
        )
    lines += [
        "",
        "Throughput ratio: ours / baseline in operations per second (for a cost such",
        "as µs/event, baseline cost / our cost); >= 0.80 means at most 20 % overhead.",
    ]
    sized = [r for r in results if "ours_bytes_per_event" in r.details]
    if sized:
        lines += [
            "",
            "| Benchmark | Ours bytes/event | Baseline bytes/event | Ours / baseline |",
            "|---|---:|---:|---:|",
        ]
        for r in sized:
            ours_b = r.details["ours_bytes_per_event"]
            bare_b = r.details["baseline_bytes_per_event"]
            lines.append(
                f"| {r.name} | {ours_b:.0f} | {bare_b:.0f} | {ours_b / bare_b:.2f} |"
            )
    lines.append("")
    for r in results:
        lines.append(f"- **{r.name}**: {r.description}")
        for key, value in r.details.items():
            if key not in ("ours_bytes_per_event", "baseline_bytes_per_event"):
                lines.append(f"  - {key}: {_detail(value)}")
    return "\n".join(lines)


def _detail(value: Any) -> str:
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_detail(v)}" for k, v in value.items())
    return str(value)


def _report(
    results: Sequence[Result], errors: Sequence[dict[str, str]], size: Size
) -> dict[str, Any]:
    return {
        "benchmarks": [r.to_json() for r in results],
        "errors": list(errors),
        "quick": size is Size.QUICK,
        "size": size.value,
        "python": platform.python_version(),
        "eventsourcing": version("eventsourcing"),
        "familiekoordinering": version("familiekoordinering"),
        "cattrs": version("cattrs"),
        "attrs": version("attrs"),
        "platform": platform.platform(),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


# ---------------------------------------------------------------------- run


def run_benchmarks(
    names: Sequence[str], size: Size
) -> tuple[list[Result], list[dict[str, str]]]:
    """Run the named benchmarks; return their results and any errors."""
    results: list[Result] = []
    errors: list[dict[str, str]] = []
    for name in names:
        print(f"running {name} ({size.value}) ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        try:
            outcome = BENCHMARKS[name](size)
            results.extend([outcome] if isinstance(outcome, Result) else outcome)
        except Exception as e:  # report, and go on with the others
            traceback.print_exc()
            errors.append({"name": name, "error": f"{type(e).__name__}: {e}"})
        print(
            f"  {name} took {time.perf_counter() - start:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    return results, errors


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python bench/run.py",
        description="Benchmark familiekoordinering against bare eventsourcing.",
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller sizes, for a fast check"
    )
    parser.add_argument(
        "--national",
        action="store_true",
        help="rebuild-postgres only: 100,000 families, 20 M events, measured as the log "
        "grows (about an hour, ~22 GB of disk)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=DEFAULT_JSON,
        metavar="PATH",
        help="where to write the results (default: bench/results/latest.json)",
    )
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(
            f"unknown benchmark {', '.join(unknown)}: choose from {', '.join(BENCHMARKS)}"
        )
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parse(argv)
    size = Size.QUICK if args.quick else Size.FULL
    names = list(dict.fromkeys(args.names)) or list(BENCHMARKS)
    if args.national:
        if names != [rebuild.NAME_POSTGRES]:
            print(
                f"--national is for {rebuild.NAME_POSTGRES} alone: "
                f"python bench/run.py {rebuild.NAME_POSTGRES} --national",
                file=sys.stderr,
            )
            return 2
        size = Size.NATIONAL
    results, errors = run_benchmarks(names, size)
    print(render(results))
    missed = [r.name for r in results if not r.meets_target]
    if missed:
        print(f"\nMISSED target: {', '.join(missed)}")
    for error in errors:
        print(f"\nERROR in {error['name']}: {error['error']}")
    path: Path = args.json
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(_report(results, errors, size), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    table = path.with_suffix(".md")
    table.write_text(render(results) + "\n", encoding="utf-8")
    written = [path, table, *plots.draw(results, path.parent, prefix=path.stem)]
    print("\nwrote " + ", ".join(str(p) for p in written))
    return 1 if errors else 0


def self_check() -> list[Result]:
    """Run every benchmark at a tiny size and check what it reports.

    Raises ``AssertionError`` on a result that is not a finite, positive
    measurement or does not serialise; returns the results otherwise. Takes a
    few seconds; the numbers mean nothing at this size.
    """
    results, errors = run_benchmarks(list(BENCHMARKS), Size.TINY)
    if errors:
        raise AssertionError(f"benchmarks failed: {errors}")
    for r in results:
        for value in (r.ours, r.baseline, r.ratio):
            if not (math.isfinite(value) and value > 0):
                raise AssertionError(f"{r.name}: not a positive measurement: {r}")
        data = json.loads(json.dumps(r.to_json()))
        expected = (
            (r.target is None or r.ratio >= r.target)
            and (r.minimum is None or r.ours >= r.minimum)
            and (r.maximum is None or r.ours <= r.maximum)
        )
        if data["meets_target"] is not expected:
            raise AssertionError(f"{r.name}: meets_target disagrees with the figures")
    json.dumps(_report(results, errors, Size.TINY))
    if not render(results).startswith("| Benchmark |"):
        raise AssertionError("the table did not render")
    return results


if __name__ == "__main__":
    sys.exit(main())
