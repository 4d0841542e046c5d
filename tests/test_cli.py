"""The command line, run as a real process on a real SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.application


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "familiekoordinering", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        # The demo's team lead runs every command unless a test says otherwise.
        env={
            **os.environ,
            "FAMILIEKOORDINERING_ACTOR": "t-lead:team_lead:4204",
            **(env or {}),
        },
        check=False,
    )


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("cli")
    result = run("demo", "--seed", "1", cwd=directory)
    assert result.returncode == 0, result.stderr
    assert (directory / "familiekoordinering.db").exists()
    return directory


def test_demo_builds_families_and_shows_a_plan_and_a_timeline(demo_dir: Path) -> None:
    result = run(
        "--store", "again.db", "demo", "--seed", "1", "--families", "4", cwd=demo_dir
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Enrolled 4 families" in out
    assert "Refused as it should be (nothing stored)" in out
    assert "Plan of " in out
    assert "Tidslinje for " in out
    withdrawn = run(
        "--store", "again.db", "timeline", _ids(demo_dir, "again.db")[2], cwd=demo_dir
    )
    assert "trakk tilbake samtykke" in withdrawn.stdout


def _ids(directory: Path, store: str = "familiekoordinering.db") -> list[str]:
    result = run("--store", store, "families", cwd=directory)
    assert result.returncode == 0, result.stderr
    return [line.split()[0] for line in result.stdout.splitlines()]


def test_the_demo_is_deterministic_with_a_seed(tmp_path: Path, demo_dir: Path) -> None:
    assert run("demo", "--seed", "1", cwd=tmp_path).returncode == 0
    assert _ids(tmp_path) == _ids(demo_dir)
    first = run("timeline", _ids(demo_dir)[0], cwd=demo_dir).stdout
    second = run("timeline", _ids(tmp_path)[0], cwd=tmp_path).stdout
    assert first == second


def test_families_prints_one_family_per_line_id_first(demo_dir: Path) -> None:
    ids = _ids(demo_dir)
    assert len(ids) == 3
    assert all(len(i) == 36 for i in ids)


def test_timeline_shows_the_whole_history_in_order(demo_dir: Path) -> None:
    family_id = _ids(demo_dir)[0]
    result = run("timeline", family_id[:8], cwd=demo_dir)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line[:4].strip().isdigit()]
    versions = [int(line[:4]) for line in lines]
    assert versions == list(range(1, len(versions) + 1))
    assert "Tatt inn i Nye mønstre" in lines[0]
    assert "registrert i ettertid" in result.stdout
    english = run("timeline", family_id[:8], "--lang", "en", cwd=demo_dir)
    assert "Enrolled in Nye mønstre" in english.stdout
    assert "recorded late" in english.stdout


def test_timeline_as_of_json_and_html_and_the_export_work_on_the_demo_store(
    demo_dir: Path,
) -> None:
    import json

    family_id = _ids(demo_dir)[0]
    whole = json.loads(
        run("timeline", family_id, "--format", "json", cwd=demo_dir).stdout
    )
    early = run("timeline", family_id, "--as-of", "2021-02-01", "--format", "json",
                cwd=demo_dir)  # fmt: skip
    assert early.returncode == 0, early.stderr
    assert 0 < len(json.loads(early.stdout)["entries"]) < len(whole["entries"])
    known = run("timeline", family_id, "--as-recorded", "2021-01-05", cwd=demo_dir)
    assert "Slik det var registrert innen 2021-01-05" in known.stdout
    html = run("timeline", family_id, "--format", "html", "--lang", "en", cwd=demo_dir)
    assert html.stdout.startswith("<!DOCTYPE html>")
    assert "Every contact made on your behalf" in html.stdout
    out = demo_dir / "innsyn.json"
    assert run("export", family_id, "--output", str(out), cwd=demo_dir).returncode == 0
    export = json.loads(out.read_text())
    assert export["schema"] == "familiekoordinering.access-export/1"
    assert len(export["events"]) == len(whole["entries"])
    member = export["members"][0]["member_id"]
    one = json.loads(run("export", family_id, "--member", member, cwd=demo_dir).stdout)
    assert [m["member_id"] for m in one["members"]] == [member]
    bad = run("export", family_id, "--member", "nope", cwd=demo_dir)
    assert bad.returncode == 1
    assert "is not a member id" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_plan_reads_the_family_plan(demo_dir: Path) -> None:
    result = run("plan", _ids(demo_dir)[1], cwd=demo_dir)
    assert result.returncode == 0, result.stderr
    assert "Goals:" in result.stdout
    assert "Steps:" in result.stdout


def test_the_store_can_come_from_the_environment(
    demo_dir: Path, tmp_path: Path
) -> None:
    result = run(
        "families",
        cwd=tmp_path,
        env={"FAMILIEKOORDINERING_STORE": str(demo_dir / "familiekoordinering.db")},
    )
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["timeline", "zzzzzzzz"], "is not a family id"),
        (["timeline", "abcdef01"], "no family id starts with"),
        (["timeline", "12345678-1234-4234-8234-123456789012"], "does not exist"),
        (["--store", "/no/such/dir/x.db", "families"], "does not exist: check --store"),
        (["--store", "/no/such/dir/x.db", "demo"], "does not exist: create"),
        (["--store", "mysql://x", "families"], "unknown store"),
        (["demo", "--years", "9"], "--years is 9"),
        (["demo", "--seed", "1"], "already holds the demo for seed 1"),
    ],
)
def test_errors_are_one_clear_line_without_a_traceback(
    demo_dir: Path, args: list[str], message: str
) -> None:
    result = run(*args, cwd=demo_dir)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    result = run("--store", "notes.txt", "families", cwd=tmp_path)
    assert result.returncode == 1
    assert "cannot use 'notes.txt' as a store" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    result = run("plan", cwd=tmp_path)
    assert result.returncode == 2
    assert "FAMILY_ID" in result.stderr


def test_projections_status_run_and_rebuild(demo_dir: Path, tmp_path: Path) -> None:
    store = str(tmp_path / "views.db")
    assert run("--store", store, "demo", "--seed", "2", cwd=tmp_path).returncode == 0
    status = run("--store", store, "projections", "status", cwd=tmp_path)
    assert status.returncode == 0
    assert " behind" in status.stdout
    once = run("--store", store, "projections", "run", "--once", cwd=tmp_path)
    assert once.returncode == 0, once.stderr
    assert "0 behind" in once.stdout
    rebuilt = run(
        "--store", store, "projections", "rebuild", "--batch-size", "7", cwd=tmp_path
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "rebuilt the views from" in rebuilt.stdout
    assert "generation 2" in rebuilt.stdout


def test_caseload_lists_a_coordinators_families_with_what_needs_doing(
    demo_dir: Path,
) -> None:
    everyone = run("caseload", "--on", "2022-03-01", cwd=demo_dir)
    assert everyone.returncode == 0, everyone.stderr
    assert "Caseload on 2022-03-01: 3 families" in everyone.stdout
    mine = run(
        "caseload", "--coordinator", "k-lund", "--on", "2022-03-01", cwd=demo_dir
    )
    assert mine.returncode == 0
    lines = [line for line in mine.stdout.splitlines()[1:] if line.strip()]
    assert lines
    assert all("Kristin Lund" in line for line in lines)
    elsewhere = run(
        "caseload", "--municipality", "9999", "--on", "2022-03-01", cwd=demo_dir
    )
    assert elsewhere.returncode == 1
    assert "belongs to municipality 9999" in elsewhere.stderr
    nobody = run(
        "caseload", "--municipality", "9999", "--on", "2022-03-01", cwd=demo_dir,
        env={"FAMILIEKOORDINERING_ACTOR": "a-lead:team_lead:9999"},
    )  # fmt: skip
    assert "0 families" in nobody.stdout, nobody.stderr
