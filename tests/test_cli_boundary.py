"""The command line never surprises: what it refuses, and what it prints.

A store that does not exist is refused (only ``demo``, ``migrate`` and
``--create`` make one); a municipality that is no number is refused; an output
path that cannot be written is one clear line; stored text is printed with its
control characters made visible; ``erase`` acts on a shortened family id only
with ``--yes``. Most tests call :func:`main` in this process on real SQLite
files; the exit statuses are checked once in a real process too.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import attrs
import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from familiekoordinering import FamilyCoordination, Topic, new_master_key
from familiekoordinering.cli import _audit_text, _timeline_text, main
from familiekoordinering.files import write_private
from familiekoordinering.text import json_visible, render_plan, visible
from tests.conftest import (
    AUDITOR,
    COORDINATOR,
    LEAD,
    START,
    EnrolledFamily,
    FixedClock,
)

pytestmark = pytest.mark.contract

ACTOR = "t-lead:team_lead:4204"
# What a hostile name holds: an OSC title change ended by BEL, a screen clear,
# an 8-bit CSI, a right-to-left override, an isolate, DEL and a line break.
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x9bHan\u202esen\u2066\x7f\n"
SHOWN = "\\x1b]0;pwned\\x07\\x1b[2J\\x9bHan\\u202esen\\u2066\\x7f\\n"
RAW = set("\x1b\x07\x9b\u202e\u2066\x7f")


def cli(*args: str) -> tuple[int, str, str]:
    """Run the command line in this process: status, standard output and error."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["--actor", ACTOR, *args])
    return status, out.getvalue(), err.getvalue()


def refused(status: int, err: str, *words: str) -> None:
    """One line on standard error saying what to fix, and exit status 1."""
    assert status == 1, err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    assert "internal error" not in err
    for word in words:
        assert word in err


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store of two families (encrypted, its key beside it), built once."""
    store = tmp_path_factory.mktemp("boundary") / "demo.db"
    status, _, err = cli("--store", str(store), "demo", "--families", "2")
    assert status == 0, err
    return store


def family_ids(store: Path) -> list[str]:
    status, out, err = cli("--store", str(store), "families")
    assert status == 0, err
    return [line.split()[0] for line in out.splitlines()]


def copy_of(store: Path, directory: Path) -> Path:
    """A copy of a closed store and its key, for a test that changes it."""
    copy = directory / store.name
    shutil.copyfile(store, copy)
    write_private(Path(f"{copy}.key"), Path(f"{store}.key").read_bytes())
    return copy


def events(store: Path, table: str = "stored_events") -> int:
    """How many rows a table of the store holds (its events, by default)."""
    with contextlib.closing(sqlite3.connect(store)) as db:
        (count,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(count)


# ------------------------------------------------------------ the store


def test_a_store_that_does_not_exist_is_refused_and_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the default store is in the working directory
    monkeypatch.delenv("FAMILIEKOORDINERING_STORE", raising=False)
    for args, words in [
        (["--store", "typo.db", "families"], ["'typo.db' does not exist", "--store"]),
        (["--store", "", "families"], ["--store is empty"]),
        (["--store", "  ", "plan", "abcd"], ["--store is empty"]),
        (["families"], ["'familiekoordinering.db' does not exist"]),
        (["--store", "memory", "families"], ["in memory", "--create"]),
        (["--store", "no/such/dir/x.db", "caseload"], ["does not exist"]),
        (["--store", "typo.db", "erase", "--finish"], ["does not exist"]),
        (
            ["--store", "typo.db", "checkpoint"],
            ["does not exist", "familiekoordinering migrate"],
        ),
    ]:
        status, _, err = cli(*args)
        refused(status, err, *words)
    assert sorted(os.listdir(tmp_path)) == []  # nothing was created
    (tmp_path / "empty.db").touch()  # a file, but not a store
    status, _, err = cli("--store", "empty.db", "projections", "status")
    refused(status, err, "'empty.db' holds no familiekoordinering store")
    assert (tmp_path / "empty.db").stat().st_size == 0
    assert sorted(os.listdir(tmp_path)) == ["empty.db"]


def test_demo_migrate_and_create_make_a_new_store(tmp_path: Path) -> None:
    for args in (["migrate"], ["--create", "families"]):
        status, _, err = cli("--store", str(tmp_path / "a.db"), *args)
        refused(status, err, "a new store is encrypted", "--master-key-file")
    assert list(tmp_path.iterdir()) == []  # refused before the file was made
    key = tmp_path / "master.key"
    write_private(key, base64.b64encode(new_master_key()) + b"\n")
    keyed = ("--master-key-file", str(key))
    status, out, err = cli("--store", str(tmp_path / "a.db"), *keyed, "migrate")
    assert status == 0, err
    assert "is ready" in out
    status, _, err = cli("--create", "--store", str(tmp_path / "b.db"), *keyed,
                         "families")  # fmt: skip
    assert status == 0, err
    assert (tmp_path / "b.db").exists()
    status, out, err = cli("--store", str(tmp_path / "b.db"), *keyed, "families")
    assert (status, out) == (0, ""), err  # an existing, empty store: no surprise


def test_a_postgresql_database_without_the_store_is_refused_untouched(
    postgres_url: str, tmp_path: Path
) -> None:
    def tables() -> int:
        with psycopg.connect(postgres_url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema = 'public'"
            ).fetchone()
        assert row is not None
        return int(row[0])

    status, _, err = cli("--store", postgres_url, "families")
    refused(status, err, "holds no familiekoordinering store", "--create")
    assert tables() == 0
    key = tmp_path / "master.key"
    write_private(key, base64.b64encode(new_master_key()) + b"\n")
    keyed = ("--store", postgres_url, "--master-key-file", str(key))
    status, _, err = cli(*keyed, "migrate")
    assert status == 0, err
    assert tables() > 0
    assert cli(*keyed, "families")[0] == 0
    missing = postgres_url.rsplit("/", 1)[0] + "/no_such_database"
    status, _, err = cli("--store", missing, "families")
    refused(status, err, "cannot reach the PostgreSQL store", "no_such_database")


# ------------------------------------------------- municipality and numbers


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--actor", "t:team_lead:Kristiansand", "families"],
         ["--actor", "'Kristiansand' is not a municipality number", "4204"]),
        (["--actor", "t:team_lead:42O4", "families"], ["not a municipality number"]),
        (["--actor", "t:team_lead:\u0664\u0662\u0660\u0664", "families"],
         ["not a municipality number", "4204"]),
        (["--actor", "t\x1b[2J:team_lead:4204", "families"], ["control characters"]),
        (["caseload", "--municipality", "Kristiansand"],
         ["--municipality", "not a municipality number"]),
    ],
)  # fmt: skip
def test_a_municipality_that_is_no_number_is_refused(
    demo: Path, args: list[str], words: list[str]
) -> None:
    status, out, err = cli("--store", str(demo), *args)
    refused(status, err, *words)
    assert out == ""
    assert not RAW & set(err)


def test_numbers_that_make_no_sense_are_usage_errors(demo: Path) -> None:
    for args in [
        ["projections", "run", "--once", "--poll", "nan"],
        ["projections", "run", "--once", "--poll", "0"],
        ["projections", "rebuild", "--batch-size", "0"],
        ["erase", "--finish", "--wait", "-1"],
        ["erase", "--finish", "--wait", "inf"],
        ["export", "abcd", "--output", ""],
        ["export", "abcd", "--output", "a\x00b"],
        ["export", "abcd", "--output", "\ud800"],
        ["caseload", "--on", "9999-12-31"],  # past the calendar's end in the views
        ["retention", "--years", "5", "--on", "0001-01-01"],
        ["retention", "--years", "99999999999999999999"],
    ]:
        status, _, err = cli("--store", str(demo), *args)
        assert status == 2, (args, err)
        assert len(err.strip().splitlines()) == 1, err


# ------------------------------------------------------------ output paths


@pytest.fixture
def places(tmp_path: Path) -> dict[str, tuple[str, list[str]]]:
    """Paths no output may be written to, each with what its refusal says."""
    (tmp_path / "folder").mkdir()
    (tmp_path / "taken.json").write_text("keep me")
    (tmp_path / "link.json").symlink_to(tmp_path / "target.json")
    return {
        "missing folder": (str(tmp_path / "nope" / "x.json"), ["cannot write"]),
        "folder": (str(tmp_path / "folder"), ["is a directory"]),
        "existing file": (str(tmp_path / "taken.json"), ["exists already", "--force"]),
        "symbolic link": (str(tmp_path / "link.json"), ["symbolic link"]),
    }


@pytest.mark.parametrize(
    "command", [["export", "FAMILY"], ["checkpoint"], ["research-export"]]
)
def test_an_output_that_cannot_be_written_is_one_clear_line(
    demo: Path, places: dict[str, tuple[str, list[str]]], tmp_path: Path,
    command: list[str],
) -> None:  # fmt: skip
    family = family_ids(demo)[0]
    args = [family if a == "FAMILY" else a for a in command]
    actor = []
    if command == ["research-export"]:
        args += ["--key-file", f"{demo}.key"]
        actor = ["--actor", "f-forsker:researcher:4204"]
    if command == ["checkpoint"]:
        actor = ["--actor", "r-revisor:auditor:4204"]
    before = sorted(p.name for p in tmp_path.iterdir())
    reads = events(demo, "fk_access_log")
    for name, (path, words) in places.items():
        for force in ([], ["--force"]):
            if force and name == "existing file":
                continue  # replaced, as asked
            status, _, err = cli("--store", str(demo), *actor, *args, "--output",
                                 path, *force)  # fmt: skip
            refused(status, err, *(words if not force else words[:1]))
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert events(demo, "fk_access_log") == reads  # refused before reading
    assert (tmp_path / "taken.json").read_text() == "keep me"
    assert not (tmp_path / "target.json").exists()


def test_an_output_in_a_folder_without_permission_is_one_clear_line(
    demo: Path, tmp_path: Path
) -> None:
    # Root may write into any folder of its own, whatever its mode; the kernel's
    # sysfs refuses to create a file even for root.
    locked = Path("/sys") if os.geteuid() == 0 else tmp_path / "locked"
    if locked != Path("/sys"):
        locked.mkdir(mode=0o500)
    try:
        status, _, err = cli("--store", str(demo), "--actor", "r-revisor:auditor:4204",
                             "checkpoint", "--output", str(locked / "c.json"))  # fmt: skip
        refused(status, err, "cannot write", "Permission denied")
    finally:
        if locked != Path("/sys"):
            locked.chmod(0o700)


# ------------------------------------------------------------ stored text


def test_visible_writes_out_every_control_character_and_nothing_else() -> None:
    assert visible(HOSTILE) == SHOWN
    assert visible("a\tb\r\nc\x00\x85\u2028\u202a\u2069\udc80") == (
        "a\\tb\\r\\nc\\x00\\x85\\u2028\\u202a\\u2069\\udc80"
    )
    assert visible("line\nnext\x1b", keep="\n") == "line\nnext\\x1b"
    ordinary = "Ærlig Åse-Øyvind «Hansen» – سلام \u200f שלום 👩‍👧 C:\\x"
    assert visible(ordinary) == ordinary


@given(st.text(st.characters(codec=None, exclude_categories=[])))
def test_visible_json_is_safe_to_print_and_reads_back_the_same(text: str) -> None:
    document = json.dumps({"label": text}, ensure_ascii=False, indent=2)
    shown = json_visible(document)
    assert json.loads(shown) == {"label": text}
    assert visible(shown, keep="\n") == shown  # nothing left to make visible
    assert visible(visible(text)) == visible(text)
    assert "\n" not in visible(text)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """An unencrypted store whose family label was rewritten beneath the library.

    The library refuses control characters in what it is given; an older
    version, or someone with write access to the file, may still have stored them.
    """
    store = tmp_path_factory.mktemp("hostile") / "hostile.db"
    app = FamilyCoordination(str(store), encryption=False, clock=FixedClock())
    family = EnrolledFamily(app)
    app.set_goal(family.id, area=Topic.WORK, words="Jobb", member_id=family.kari,
                 occurred_on=START, actor=COORDINATOR)  # fmt: skip
    app.close()
    label = json.dumps(HOSTILE).encode()
    with contextlib.closing(sqlite3.connect(store)) as db:
        rows = db.execute("SELECT rowid, state FROM stored_events").fetchall()
        changed = [
            (state.replace(b'"label":"Hansen"', b'"label":' + label), rowid)
            for rowid, state in rows
            if b'"label":"Hansen"' in state
        ]
        assert changed
        db.executemany("UPDATE stored_events SET state = ? WHERE rowid = ?", changed)
        db.commit()
    return store, str(family.id)


@pytest.mark.parametrize(
    "args",
    [
        ["families"],
        ["caseload", "--all", "--on", "2026-03-01"],
        ["plan", "PREFIX"],
        ["timeline", "PREFIX"],
        ["timeline", "PREFIX", "--format", "html"],
        ["erase", "PREFIX", "--yes"],  # shown, then refused: the store is unencrypted
    ],
)
def test_stored_text_is_printed_with_its_control_characters_made_visible(
    hostile: tuple[Path, str], args: list[str]
) -> None:
    store, family = hostile
    args = [family[:8] if a == "PREFIX" else a for a in args]
    status, out, err = cli("--store", str(store), *args)
    assert not RAW & set(out + err), out + err
    # The HTML report keeps the line break: it means nothing in HTML.
    assert (SHOWN.removesuffix("\\n") if "html" in args else SHOWN) in out
    assert status == (1 if args[0] == "erase" else 0), err


@pytest.mark.parametrize("args", [["timeline", "--format", "json"], ["export"]])
def test_json_output_escapes_control_characters_and_keeps_the_stored_text(
    hostile: tuple[Path, str], args: list[str]
) -> None:
    store, family = hostile
    status, out, err = cli("--store", str(store), args[0], family, *args[1:])
    assert status == 0, err
    assert not RAW & set(out)
    assert json.loads(out)["label"] == HOSTILE  # the same value, escaped


def test_plan_timeline_and_audit_texts_show_every_stored_field_visibly(
    hostile: tuple[Path, str],
) -> None:
    store, family = hostile
    app = FamilyCoordination(str(store), encryption=False, clock=FixedClock())
    try:
        doc = app.views.document(UUID(family), actor=LEAD, catch_up=True)
        timeline = app.timeline(UUID(family), actor=LEAD)
        report = app.audit(UUID(family), on=START, actor=AUDITOR)
    finally:
        app.close()

    def spoil(value: object) -> object:
        """Every text in a tree with the hostile text added."""
        if isinstance(value, str):
            return value + HOSTILE
        if isinstance(value, dict):
            return {k: spoil(v) for k, v in value.items()}
        if isinstance(value, list):
            return [spoil(v) for v in value]
        return value

    spoiled = spoil(doc)
    assert isinstance(spoiled, dict)
    spoiled["members"] = {k: spoil(v) for k, v in doc["members"].items()}
    shown_timeline = _timeline_text(
        attrs.evolve(
            timeline,
            label=HOSTILE,
            entries=tuple(
                attrs.evolve(
                    e,
                    what=HOSTILE,
                    who=HOSTILE,
                    permitted_by=HOSTILE,
                    family_knew=HOSTILE,
                )
                for e in timeline.entries
            ),
        )
    )
    shown_audit = _audit_text(
        attrs.evolve(
            report, findings=tuple(
                attrs.evolve(f, message=HOSTILE) for f in report.findings
            )
        )
    )  # fmt: skip
    assert report.findings  # the rewritten label broke the chain
    for text in (render_plan(spoiled, START), shown_timeline, shown_audit):
        assert not RAW & set(text)
        assert SHOWN in text


# ------------------------------------------------------------ erase


@pytest.fixture
def erasable(demo: Path, tmp_path: Path) -> Path:
    return copy_of(demo, tmp_path)


def test_erase_needs_the_whole_id_or_yes_after_showing_the_family(
    erasable: Path,
) -> None:
    first, second = family_ids(erasable)
    before = events(erasable)
    status, out, err = cli("--store", str(erasable), "erase", first[:4])
    refused(status, err, f"'{first[:4]}' is only the first characters", first,
            "whole id", "--yes")  # fmt: skip
    status, _, err = cli("--store", str(erasable), "erase", second, first[:8])
    refused(status, err, "--yes")  # every id is checked before any is erased
    assert events(erasable) == before
    assert "slettet" not in cli("--store", str(erasable), "timeline", first)[1]
    assert "slettet" not in cli("--store", str(erasable), "timeline", second)[1]

    status, out, err = cli("--store", str(erasable), "erase", first[:4], "--yes")
    assert status == 0, err
    shown, done = out.splitlines()
    assert shown.startswith(f"erasing {first}: ")
    assert shown.endswith(" member(s)")
    assert int(shown.split(", ")[-1].split()[0]) >= 2
    assert done.startswith(f"erased {first} at ")
    status, out, err = cli("--store", str(erasable), "erase", second)
    assert status == 0, err
    assert out.startswith(f"erased {second} at ")  # the whole id: at once


def test_the_exit_statuses_of_a_real_process(demo: Path, tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "familiekoordinering", "--actor", ACTOR, *args],
            cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    missing = run("--store", "typo.db", "families")
    assert missing.returncode == 1
    assert "does not exist" in missing.stderr
    assert not (tmp_path / "typo.db").exists()
    town = run("--store", str(demo), "--actor", "t:team_lead:Kristiansand", "families")
    assert town.returncode == 1
    assert "not a municipality number" in town.stderr
    assert town.stdout == ""
    output = run("--store", str(demo), "export", family_ids(demo)[0], "--output",
                 str(tmp_path / "nope" / "x.json"))  # fmt: skip
    assert output.returncode == 1
    assert output.stderr.count("\n") == 1
    assert run("--store", str(demo), "--poll", "1").returncode == 2
