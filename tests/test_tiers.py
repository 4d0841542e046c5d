"""The tests come in tiers, and the lower ones need no PostgreSQL driver.

Each test module names its tier with ``pytestmark`` (``domain``,
``application``, ``contract`` or ``slow``), so ``pytest -m domain`` runs the
pure domain and rules tests. Here the domain tier is run, and the application
tier collected, in a fresh interpreter where ``import psycopg`` fails; the test
command (``scripts/test.sh``) runs both tiers that way, less the cases marked
``postgres`` (set by ``conftest.py`` on every test that needs the server), and
then everything else.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
TIERS = ("domain", "application", "contract", "slow")
_MARK = re.compile(r"^pytestmark = pytest\.mark\.(\w+)$", re.MULTILINE)


def _modules() -> dict[Path, list[str]]:
    folders = [ROOT / "tests", *sorted((ROOT / "adapters").glob("*/tests"))]
    return {
        path: _MARK.findall(path.read_text(encoding="utf-8"))
        for folder in folders
        for path in sorted(folder.glob("test_*.py"))
    }


def _tier(name: str) -> list[str]:
    return [
        str(path.relative_to(ROOT)) for path, m in _modules().items() if m == [name]
    ]


def _pytest_without_psycopg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "tests/run_without_psycopg.py", "-q", "-p", "no:cacheprovider",
         *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )  # fmt: skip


def test_every_test_module_names_one_tier() -> None:
    untiered = {
        str(p.relative_to(ROOT)): m
        for p, m in _modules().items()
        if len(m) != 1 or m[0] not in TIERS
    }
    assert not untiered, (
        f"give each a line `pytestmark = pytest.mark.<tier>`: {untiered}"
    )


def test_the_domain_tier_runs_without_the_postgresql_driver() -> None:
    domain = _tier("domain")
    assert "tests/test_family_aggregate.py" in domain
    done = _pytest_without_psycopg("-m", "domain", *domain)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"\d+ passed", done.stdout), done.stdout[-3000:]


def test_the_application_tier_loads_without_the_postgresql_driver() -> None:
    application = _tier("application")
    assert "tests/test_application.py" in application
    done = _pytest_without_psycopg("--collect-only", "-m", "application", *application)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_psycopg_is_really_unimportable_in_the_wrapper(tmp_path: Path) -> None:
    probe = tmp_path / "test_probe.py"
    probe.write_text("def test_driver():\n    import psycopg  # noqa: F401\n")
    done = _pytest_without_psycopg(str(probe))
    assert done.returncode != 0
    assert "ModuleNotFoundError: import of psycopg halted" in done.stdout


def test_the_test_command_runs_the_lower_tiers_without_the_driver_then_the_rest() -> (
    None
):
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    lower = script.index("tests/run_without_psycopg.py")
    rest = script.index('-m "not ((domain or application) and not postgres)"')
    assert lower < rest
    assert '-m "not postgres"' in script[lower : script.index("\n", lower)]
