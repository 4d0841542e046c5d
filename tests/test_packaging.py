"""The three distributions are ready for a package index.

The core library and its two adapters are released together with one version,
written once (``__version__`` in ``src/familiekoordinering/__init__.py``) and
read by each ``pyproject.toml`` through hatchling; ``hatch_build.py`` pins the
siblings to that version. The fast tests here read the project files: one
version, ``Project-URL``s, classifiers, a licence file in each distribution,
psycopg without its binary forced, absolute links in every long description,
and the docs site's addresses and changelog page.

The slow one builds the three sdists and wheels as a release would
(``python -m build``, isolated: the sdist, then the wheel from the sdist), runs
``twine check --strict`` on all six, installs the three wheels into a fresh
virtual environment (the project's distributions from the built files only,
their third-party dependencies from the package index as pip is configured),
and runs the command line from there: ``--help``, a demo into a new SQLite
file, and a family's timeline in every language. It takes about 30 s on two
cores, most of it building; ``FAMILIEKOORDINERING_PACKAGING=0`` skips it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
import venv
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

import familiekoordinering
from familiekoordinering.timeline import LANGUAGES

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = {
    "familiekoordinering": ROOT,
    "familiekoordinering-sqlite": ROOT / "adapters" / "sqlite",
    "familiekoordinering-postgres": ROOT / "adapters" / "postgres",
}
ADAPTERS = [name for name in PROJECTS if name != "familiekoordinering"]
VERSION_FILE = ROOT / "src" / "familiekoordinering" / "__init__.py"
DOCS = "https://familiekoordinering.github.io/familiekoordinering/"
SOURCE = "https://github.com/familiekoordinering/familiekoordinering"
URL_LABELS = {"Homepage", "Documentation", "Source", "Issues", "Changelog"}
PACKAGING = os.environ.get("FAMILIEKOORDINERING_PACKAGING", "1") != "0"


def _pyproject(name: str) -> dict[str, Any]:
    with (PROJECTS[name] / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


def _written_version() -> str:
    found = re.findall(
        r'^__version__ = "([^"]+)"$', VERSION_FILE.read_text("utf-8"), re.MULTILINE
    )
    assert len(found) == 1, f"one __version__ line in {VERSION_FILE}"
    return found[0]


# --- the project files (fast) -------------------------------------------------


@pytest.mark.parametrize("name", PROJECTS)
def test_every_distribution_reads_the_one_version(name: str) -> None:
    pyproject = _pyproject(name)
    project = pyproject["project"]
    assert "version" not in project, "the version is written only in __init__.py"
    assert "version" in project["dynamic"]
    source = PROJECTS[name] / pyproject["tool"]["hatch"]["version"]["path"]
    assert source.resolve() == VERSION_FILE
    text = (PROJECTS[name] / "pyproject.toml").read_text("utf-8")
    assert _written_version() not in text, "a version is written in pyproject.toml"


def test_the_version_agrees_with_the_installed_distributions() -> None:
    version = _written_version()
    assert familiekoordinering.__version__ == version
    installed = {name: metadata.version(name) for name in PROJECTS}
    assert installed == dict.fromkeys(PROJECTS, version), (
        "the installed metadata is stale: run `bash scripts/setup.sh --dev`"
    )


def test_the_distributions_require_each_other_at_exactly_this_version() -> None:
    version = _written_version()
    hooks = {
        name: _pyproject(name)["tool"]["hatch"]["metadata"]["hooks"]["custom"]
        for name in PROJECTS
    }
    core_extras = hooks["familiekoordinering"]["optional-dependencies"]
    assert core_extras["sqlite"] == ["familiekoordinering-sqlite=={version}"]
    assert core_extras["postgres"] == ["familiekoordinering-postgres=={version}"]
    for name in ADAPTERS:
        assert "familiekoordinering=={version}" in hooks[name]["dependencies"]
        assert "dependencies" in _pyproject(name)["project"]["dynamic"]
        assert f"familiekoordinering=={version}" in (metadata.requires(name) or [])
    # The hook is copied into each distribution (an sdist holds nothing outside
    # its folder): the copies agree.
    hook = (ROOT / "hatch_build.py").read_text("utf-8")
    for name in ADAPTERS:
        assert (PROJECTS[name] / "hatch_build.py").read_text("utf-8") == hook


@pytest.mark.parametrize("name", PROJECTS)
def test_every_distribution_has_its_urls_classifiers_and_licence(name: str) -> None:
    project = _pyproject(name)["project"]
    core = _pyproject("familiekoordinering")["project"]
    urls = project.get("urls", {})
    assert set(urls) == URL_LABELS
    assert all(url.startswith("https://") for url in urls.values())
    assert urls["Source"].startswith(SOURCE)
    assert urls["Documentation"].startswith(DOCS)
    assert urls["Changelog"] == f"{DOCS}changelog/"

    classifiers = project.get("classifiers", [])
    pythons = {c for c in classifiers if c.startswith("Programming Language :: Python")}
    assert "Programming Language :: Python :: 3 :: Only" in pythons
    assert pythons == {
        c for c in core["classifiers"] if c.startswith("Programming Language :: Python")
    }
    assert project["requires-python"] == core["requires-python"]
    oldest = min(c for c in pythons if re.search(r":: 3\.\d+$", c))
    assert oldest.endswith(project["requires-python"].removeprefix(">="))
    for prefix in ("Development Status ::", "Intended Audience ::", "Topic ::"):
        assert any(c.startswith(prefix) for c in classifiers), prefix
    assert {c for c in classifiers if c.startswith("Development Status")} == {
        c for c in core["classifiers"] if c.startswith("Development Status")
    }
    assert "Typing :: Typed" in classifiers
    assert "Operating System :: OS Independent" in classifiers
    # PEP 639: the licence is an SPDX expression, not a classifier.
    assert not [c for c in classifiers if c.startswith("License ::")]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    licence = PROJECTS[name] / "LICENSE"
    assert licence.read_text("utf-8") == (ROOT / "LICENSE").read_text("utf-8")


def test_the_postgresql_adapter_does_not_force_psycopgs_binary_build() -> None:
    pyproject = _pyproject("familiekoordinering-postgres")
    required = pyproject["tool"]["hatch"]["metadata"]["hooks"]["custom"]["dependencies"]
    assert not [r for r in required if "binary" in r], required
    assert any(r.startswith("psycopg[pool]") for r in required)
    assert pyproject["project"]["optional-dependencies"]["binary"] == [
        "psycopg[binary]>=3.2"
    ]
    core = _pyproject("familiekoordinering")["tool"]["hatch"]["metadata"]["hooks"]
    assert core["custom"]["optional-dependencies"]["postgres-binary"] == [
        "familiekoordinering-postgres[binary]=={version}"
    ]


_INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)")
_REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
_HTML_LINK = re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)""")


def _links(markdown: str) -> list[str]:
    # Code is not prose: links in fenced or inline code are not links.
    prose = re.sub(r"^```.*?^```", "", markdown, flags=re.MULTILINE | re.DOTALL)
    prose = re.sub(r"`[^`\n]*`", "", prose)
    return [
        *_INLINE_LINK.findall(prose),
        *_REFERENCE_LINK.findall(prose),
        *_HTML_LINK.findall(prose),
    ]


def test_the_link_finder_finds_relative_links() -> None:
    text = (
        "[a](docs/x.md) ![b](img.png)\n[c]: CHANGELOG.md\n<a href='y.html'>\n`[d](e)`"
    )
    assert _links(text) == ["docs/x.md", "img.png", "CHANGELOG.md", "y.html"]


@pytest.mark.parametrize("name", PROJECTS)
def test_every_long_description_links_absolutely(name: str) -> None:
    readme = PROJECTS[name] / _pyproject(name)["project"]["readme"]
    links = _links(readme.read_text("utf-8"))
    relative = [link for link in links if not link.startswith("https://")]
    assert not relative, f"{readme.relative_to(ROOT)}: relative on a package index"
    for link in links:
        if link.startswith(DOCS):
            page = link.removeprefix(DOCS).strip("/") or "index"
            assert (ROOT / "docs" / f"{page}.md").is_file(), f"no docs page for {link}"


def test_the_docs_site_has_its_addresses_version_and_changelog() -> None:
    config = (ROOT / "mkdocs.yml").read_text("utf-8")
    assert f"site_url: {DOCS}\n" in config
    assert f"repo_url: {SOURCE}\n" in config
    assert re.search(r"^  - Changelog: changelog\.md\b", config, re.MULTILINE)
    assert '--8<-- "CHANGELOG.md"' in (ROOT / "docs" / "changelog.md").read_text(
        "utf-8"
    )
    assert re.search(r"^hooks:\n  - docs/version_hook\.py$", config, re.MULTILINE)


# --- the built files (slow) -----------------------------------------------------


def _run(*args: str | Path, cwd: Path, timeout: float = 300) -> str:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "VIRTUAL_ENV"))
    }
    env |= {"FAMILIEKOORDINERING_ACTOR": "t-lead:team_lead:4204", "PYTHONUTF8": "1"}
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, (
        f"{args}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout


def _build(dist: Path) -> None:
    """Build each distribution's sdist, then its wheel from the sdist, in parallel."""
    builds = [
        subprocess.Popen(
            [sys.executable, "-m", "build", "--outdir", str(dist), str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for path in PROJECTS.values()
    ]
    for path, build in zip(PROJECTS.values(), builds, strict=True):
        output, _ = build.communicate(timeout=600)
        assert build.returncode == 0, f"building {path}:\n{output[-3000:]}"


def _wheel_metadata(wheel: Path) -> Any:
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return Parser().parsestr(archive.read(name).decode("utf-8"))


@pytest.mark.skipif(not PACKAGING, reason="FAMILIEKOORDINERING_PACKAGING=0")
def test_the_built_distributions_install_and_run_from_the_built_files_alone(
    tmp_path: Path,
) -> None:
    version = _written_version()
    dist = tmp_path / "dist"
    _build(dist)
    stems = {name: f"{name.replace('-', '_')}-{version}" for name in PROJECTS}
    wheels = {name: dist / f"{stem}-py3-none-any.whl" for name, stem in stems.items()}
    sdists = {name: dist / f"{stem}.tar.gz" for name, stem in stems.items()}
    assert sorted(dist.iterdir()) == sorted([*wheels.values(), *sdists.values()])
    _run(
        sys.executable,
        "-m",
        "twine",
        "check",
        "--strict",
        *sorted(dist.iterdir()),
        cwd=tmp_path,
    )

    for name, wheel in wheels.items():
        meta = _wheel_metadata(wheel)
        assert meta["Version"] == version
        assert meta["License-Expression"] == "MIT"
        assert meta.get_all("License-File") == ["LICENSE"]
        assert {url.split(",")[0] for url in meta.get_all("Project-URL")} == URL_LABELS
        required = meta.get_all("Requires-Dist") or []
        if name in ADAPTERS:  # built from the sdist: the pin came through PKG-INFO
            assert f"familiekoordinering=={version}" in required
        else:
            assert (
                f"familiekoordinering-sqlite=={version}; extra == 'sqlite'" in required
            )

    environment = tmp_path / "fresh"
    venv.EnvBuilder().create(environment)  # without pip: this pip installs into it
    python = environment / "bin" / "python"
    pip = (
        sys.executable,
        "-m",
        "pip",
        "--disable-pip-version-check",
        "--python",
        python,
    )
    # The project's three distributions from the built files; the third-party
    # dependencies from the package index, as pip is configured here.
    _run(
        *pip,
        "install",
        "-q",
        f"{wheels['familiekoordinering']}[sqlite,postgres-binary]",
        wheels["familiekoordinering-sqlite"],
        f"{wheels['familiekoordinering-postgres']}[binary]",
        cwd=tmp_path,
        timeout=600,
    )
    _run(*pip, "check", cwd=tmp_path)
    origins = json.loads(
        _run(
            python,
            "-c",
            (
                "import json, importlib.metadata as m, familiekoordinering_postgres, "
                "familiekoordinering_sqlite, familiekoordinering as f\n"
                f"names = {list(PROJECTS)!r}\n"
                "print(json.dumps({'file': f.__file__, 'version': f.__version__, 'urls': {"
                "n: json.loads(m.distribution(n).read_text('direct_url.json'))['url'] "
                "for n in names}}))"
            ),
            cwd=tmp_path,
        )
    )
    assert Path(origins["file"]).is_relative_to(environment)
    assert origins["version"] == version
    assert origins["urls"] == {n: wheel.as_uri() for n, wheel in wheels.items()}

    command = environment / "bin" / "familiekoordinering"
    assert "timeline" in _run(command, "--help", cwd=tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    _run(
        command,
        "--store",
        "demo.db",
        "demo",
        "--families",
        "1",
        "--years",
        "1",
        cwd=work,
    )
    family_id = _run(command, "--store", "demo.db", "families", cwd=work).split()[0]
    timelines = {
        language.value: _run(
            command,
            "--store",
            "demo.db",
            "timeline",
            family_id,
            "--lang",
            language.value,
            cwd=work,
        )
        for language in LANGUAGES
    }
    assert all(text.strip() for text in timelines.values()), timelines
    # Each language's catalogue was shipped and used: no two timelines alike.
    assert len(set(timelines.values())) == len(LANGUAGES)
