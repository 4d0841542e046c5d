"""The documented mutation run is the configured one, and every piece of it exists.

``docs/mutation.md`` tells how the rule modules are measured by mutation
testing; ``pyproject.toml`` (``[tool.mutmut]``) and ``scripts/mutation.py``
are what a fresh run uses. They must agree: the command on the page is the
one in the configuration's comment, the page's table lists exactly the
modules mutated, every test file selected exists, and every mutant argued
equivalent belongs to a module that is mutated.
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.domain

ROOT = Path(__file__).resolve().parent.parent
COMMAND = (
    "HYPOTHESIS_PROFILE=mutation .venv/bin/mutmut run; "
    ".venv/bin/python scripts/mutation.py"
)


def _config() -> dict[str, object]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    mutmut: dict[str, object] = pyproject["tool"]["mutmut"]
    return mutmut


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "mutation_script", ROOT / "scripts" / "mutation.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _only_mutate() -> list[str]:
    paths = _config()["only_mutate"]
    assert isinstance(paths, list)
    return [str(p) for p in paths]


def test_the_documented_command_is_the_configured_one() -> None:
    page = (ROOT / "docs" / "mutation.md").read_text("utf-8")
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    assert COMMAND in page
    assert COMMAND in pyproject


def test_every_mutated_module_and_selected_test_exists() -> None:
    for path in _only_mutate():
        assert (ROOT / path).is_file(), path
    selection = _config()["pytest_add_cli_args_test_selection"]
    assert isinstance(selection, list)
    for test in selection:
        assert (ROOT / str(test).partition("::")[0]).is_file(), test


def test_the_pages_table_lists_exactly_the_mutated_modules() -> None:
    page = (ROOT / "docs" / "mutation.md").read_text("utf-8")
    table = re.findall(r"^\| `([\w/]+\.py)` \| \d", page, flags=re.MULTILINE)
    assert sorted(table) == sorted(
        p.removeprefix("src/familiekoordinering/") for p in _only_mutate()
    )


def test_every_argued_mutant_belongs_to_a_mutated_module() -> None:
    script = _script()
    modules = set(script.modules())
    assert modules == {
        ".".join(Path(p).with_suffix("").parts[1:]) for p in _only_mutate()
    }
    for name, (line, why) in script.ARGUED.items():
        assert script.module_of(name) in modules, name
        assert line[:1] in "+-", name
        assert why.strip(), name
