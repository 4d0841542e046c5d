"""The command line with --store postgresql://…, on the session's own server."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest

from familiekoordinering import new_master_key
from familiekoordinering.files import write_private

pytestmark = pytest.mark.contract


def run(
    *args: str, cwd: Path, actor: str = "t-lead:team_lead:4204"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "familiekoordinering", "--actor", actor, *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_every_command_works_with_a_postgresql_store(
    postgres_url: str, tmp_path: Path
) -> None:
    key = tmp_path / "master.key"
    write_private(key, base64.b64encode(new_master_key()) + b"\n", overwrite=False)
    store = ("--store", postgres_url, "--master-key-file", str(key))
    bare = run("--store", postgres_url, "migrate", cwd=tmp_path)
    assert bare.returncode == 1  # a new store is encrypted: no key, no store
    assert "a new store is encrypted" in bare.stderr
    assert "--master-key-file" in bare.stderr
    migrated = run(*store, "migrate", cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    # Two events: the store's ledger, declaring it encrypted.
    assert "is ready: 2 events" in migrated.stdout
    no_key = run("--store", postgres_url, "families", cwd=tmp_path)
    assert no_key.returncode == 1
    assert "opened without its master key" in no_key.stderr
    demo = run(*store, "demo", "--seed", "4", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "Enrolled 3 families" in demo.stdout
    families = run(*store, "families", cwd=tmp_path).stdout.splitlines()
    assert len(families) == 3
    family_id = families[0].split()[0]
    assert (
        "Tidslinje for" in run(*store, "timeline", family_id[:8], cwd=tmp_path).stdout
    )
    export = run(*store, "export", family_id, cwd=tmp_path)
    assert '"schema": "familiekoordinering.access-export/1"' in export.stdout
    assert "Goals:" in run(*store, "plan", family_id, cwd=tmp_path).stdout
    audit = run(
        *store, "audit", "--on", "2026-11-22", cwd=tmp_path,
        actor="r-revisor:auditor:4204",
    )  # fmt: skip
    assert audit.returncode == 0, audit.stdout + audit.stderr
    once = run(*store, "projections", "run", "--once", cwd=tmp_path)
    assert "0 behind" in once.stdout
    assert (
        "3 families"
        in run(*store, "caseload", "--on", "2022-03-01", cwd=tmp_path).stdout
    )
    rebuilt = run(*store, "projections", "rebuild", cwd=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "generation 2" in rebuilt.stdout


def test_a_server_that_does_not_answer_is_one_clear_line(tmp_path: Path) -> None:
    result = run(
        "--store",
        "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2",
        "families",
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
