"""The documentation is tested like code.

Every ```python block on a page runs, in order, in one namespace per page, so
the tutorial cannot drift from the library. The site builds with
``mkdocs build --strict`` (a broken link or reference fails), the generated event
catalogue covers every event, and the API reference covers every public name.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
import subprocess
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

import pytest

import familiekoordinering
from familiekoordinering import Family

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# The README is a page too: its example must run.
PAGES = [*sorted(DOCS.rglob("*.md")), ROOT / "README.md"]
FENCE_OPEN = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*python\b[^\n]*$"
)


class CodeBlock(NamedTuple):
    number: int  # 1-based, among the page's python blocks
    line: int  # 1-based line of the first line of code in the page
    code: str


def python_blocks(text: str) -> list[CodeBlock]:
    """The ```python fenced blocks of a Markdown page, in order, dedented."""
    blocks: list[CodeBlock] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE_OPEN.match(lines[i])
        i += 1
        if opening is None:
            continue
        indent, fence = opening["indent"], opening["fence"]
        closing = re.compile(
            rf"^{re.escape(indent)}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$"
        )
        start = i
        while i < len(lines) and not closing.match(lines[i]):
            i += 1
        if i == len(lines):
            msg = f"the python block opened on line {start} is never closed"
            raise ValueError(msg)
        body = [line.removeprefix(indent) for line in lines[start:i]]
        blocks.append(CodeBlock(len(blocks) + 1, start + 1, "\n".join(body) + "\n"))
        i += 1
    return blocks


def page_id(page: Path) -> str:
    return page.relative_to(DOCS if page.is_relative_to(DOCS) else ROOT).as_posix()


def test_the_docs_have_pages_with_runnable_code() -> None:
    pages_with_code = {page_id(p) for p in PAGES if python_blocks(p.read_text("utf-8"))}
    assert {"getting-started.md", "domain.md", "storage.md"} <= pages_with_code


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_python_block_on_the_page_runs_in_order(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Blocks share one namespace per page, as a reader pasting them would; any
    # file a block writes by accident lands in a temporary directory.
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs.{page.stem}"}
    for block in python_blocks(page.read_text("utf-8")):
        # Padding makes tracebacks point at the line in the Markdown page.
        source = "\n" * (block.line - 1) + block.code
        try:
            exec(compile(source, str(page), "exec"), namespace)
        except Exception:
            pytest.fail(
                f"{page_id(page)}: python block {block.number} (line {block.line}) "
                f"failed:\n{traceback.format_exc()}",
                pytrace=False,
            )


SHOWS_WHAT_IT_PRINTS = ("programmes.md", "programme-asker.md", "programme-drammen.md")
"""Pages whose ```text blocks are, in order, exactly what their code prints."""


@pytest.mark.parametrize("name", SHOWS_WHAT_IT_PRINTS)
def test_the_page_shows_exactly_what_its_code_prints(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = (DOCS / name).read_text("utf-8")
    namespace: dict[str, object] = {"__name__": f"docs.{name}"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for block in python_blocks(text):
            exec(compile(block.code, name, "exec"), namespace)
    shown = "".join(re.findall(r"^```text\n(.*?)^```", text, re.S | re.M))
    assert printed.getvalue() == shown


def test_the_site_builds_strictly_with_the_generated_event_catalogue(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    env = {**os.environ, "DISABLE_MKDOCS_2_WARNING": "true", "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(ROOT / "mkdocs.yml"),
            "--site-dir",
            str(site),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, (
        f"mkdocs build --strict failed ({result.returncode}):\n"
        f"{result.stdout}\n{result.stderr}"
    )
    catalogue = (site / "events" / "index.html").read_text("utf-8")
    for cls in Family.EVENT_CLASSES:
        assert cls.TOPIC in catalogue, f"{cls.__name__} is missing from the catalogue"
    assert "No example yet" not in catalogue
    assert not list(site.rglob("*.py")), "build scripts were copied into the site"


def _load_catalogue_script() -> ModuleType:
    path = DOCS / "gen_event_catalogue.py"
    spec = importlib.util.spec_from_file_location("gen_event_catalogue", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_event_catalogue_has_an_example_of_every_event_under_its_topic() -> None:
    examples = _load_catalogue_script().example_payloads()
    missing = [c.__name__ for c in Family.EVENT_CLASSES if c not in examples]
    assert not missing, (
        f"add these events to the scenario in docs/gen_event_catalogue.py: {missing}"
    )
    for cls, (topic, payload) in examples.items():
        assert topic == cls.TOPIC
        assert {"timestamp", "occurred_on", "actor"} <= payload.keys()


def test_every_public_name_has_a_place_in_the_api_reference() -> None:
    directives = re.findall(
        r"^::: (familiekoordinering[\w.]*)\s*$",
        "\n".join(p.read_text("utf-8") for p in (DOCS / "reference").glob("*.md")),
        re.MULTILINE,
    )
    documented: set[str] = set()
    for path in directives:
        _, _, name = path.partition(".")
        if name in familiekoordinering.__all__:
            documented.add(name)
        elif name and importlib.util.find_spec(path.rpartition(".")[0]) is not None:
            # A name inside a module, or a whole module with its public names.
            try:
                module = importlib.import_module(path)
            except ModuleNotFoundError:
                continue
            documented.update(getattr(module, "__all__", ()))
    missing = sorted(set(familiekoordinering.__all__) - documented)
    assert not missing, f"add these names to a page under docs/reference/: {missing}"
