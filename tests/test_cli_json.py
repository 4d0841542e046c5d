"""The command line for scripts: JSON, exit statuses, nothing to list, the demo's progress.

Every command that lists or reports prints, with ``--format json``, the shape
its example in ``docs/cli.md`` shows; the exit statuses tell success (0),
refusals (1), usage errors (2) and findings (4) apart; a command with nothing
to list says so; the demo shows its progress on a terminal, and only there.
Run in this process with :func:`main` on real SQLite files (the terminal once
in a real process, on a pseudo-terminal).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pty
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from familiekoordinering import (
    Agency,
    AgencyKind,
    Channel,
    ConsentForm,
    ConsentScope,
    FamilyCoordination,
    FamilyKnows,
    Topic,
)
from familiekoordinering import cli as cli_module
from familiekoordinering.cli import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    main,
)
from tests.conftest import COORDINATOR, START, EnrolledFamily, FixedClock
from tests.conftest import LEAD as LEAD_ACTOR

pytestmark = pytest.mark.application

LEAD = "t-lead:team_lead:4204"
AUDITOR = "r-revisor:auditor:4204"
ELSEWHERE = "a-lead:team_lead:1103"  # a team lead of a municipality without families
DOCS = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


class Terminal(io.StringIO):
    """Standard error as a terminal would be: ``isatty()`` is true."""

    def isatty(self) -> bool:
        return True


def cli(*args: str, err: io.StringIO | None = None) -> tuple[int, str, str]:
    """Run the command line in this process (as the team lead unless told otherwise)."""
    out, err = io.StringIO(), err if err is not None else io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["--actor", LEAD, *args])
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store of three families followed for five years: each has ended."""
    path = tmp_path_factory.mktemp("json") / "demo.db"
    status, _, err = cli(
        "--store", str(path), "demo", "--families", "3", "--years", "5"
    )
    assert status == EXIT_OK, err
    return path


@pytest.fixture(scope="module")
def tampered(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo store with one stored event changed past the library."""
    path = tmp_path_factory.mktemp("tampered") / "demo.db"
    shutil.copy(demo_store, path)
    shutil.copy(f"{demo_store}.key", f"{path}.key")
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "UPDATE stored_events SET topic = topic || 'x' WHERE rowid = (SELECT rowid "
            "FROM stored_events WHERE topic LIKE '%AgencyContacted' LIMIT 1)"
        )
        assert db.total_changes == 1
    return path


@pytest.fixture(scope="module")
def family_id(demo_store: Path) -> str:
    status, out, err = cli("--store", str(demo_store), "families", "--format", "json")
    assert status == EXIT_OK, err
    return str(json.loads(out)["families"][0]["family_id"])


# ------------------------------------------------------------ the documented shapes


def documented() -> list[tuple[list[str], Any]]:
    """Each JSON example of docs/cli.md: its command line's words, and its document."""
    examples = []
    for block in re.findall(r"```console\n(.*?)```", DOCS.read_text("utf-8"), re.S):
        for command, output in re.findall(
            r"^\$ familiekoordinering ([^\n]*)\n(\{.*?^\})$", block, re.S | re.M
        ):
            if "--format json" in command:
                examples.append((shlex.split(command), json.loads(output)))
    return examples


def command_of(words: list[str]) -> str:
    """The command a command line runs (``projections status``), its options aside."""
    words = list(words)
    while words[0].startswith("--"):  # a global option and its value
        del words[:2]
    return " ".join(words[:2]) if words[0] == "projections" else words[0]


def with_format(parser: Any, path: tuple[str, ...] = ()) -> set[str]:
    """The commands of the parser that take ``--format``."""
    import argparse

    found = set()
    for action in parser._actions:
        if "--format" in action.option_strings and path:
            found.add(" ".join(path))
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= with_format(sub, (*path, name))
    return found


def test_every_command_with_a_format_has_a_documented_json_example() -> None:
    commands = {command_of(words) for words, _ in documented()}
    assert with_format(cli_module._parser()) == commands == {
        "families", "plan", "caseload", "retention", "audit", "projections status",
        "inquiries", "timeline",
    }  # fmt: skip


UUID_KEY = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def same_shape(doc: Any, real: Any, where: str = "$") -> None:
    """``real`` has the shape of the documented ``doc``: its keys, nesting and types.

    A map keyed by ids is compared by its values; a list by its first item
    (when both have one); ``null`` fits any value; a documented ``"…"`` key
    stands for the keys left out of the example.
    """
    if doc is None or real is None:
        return
    if isinstance(doc, dict):
        assert isinstance(real, dict), where
        if doc and all(UUID_KEY.fullmatch(key) for key in doc):
            assert all(UUID_KEY.fullmatch(key) for key in real), where
            if real:
                same_shape(next(iter(doc.values())), next(iter(real.values())), where)
            return
        keys = set(doc) - {"…"}
        if "…" in doc:
            assert keys <= set(real), (where, sorted(keys - set(real)))
        else:
            assert keys == set(real), (where, sorted(keys ^ set(real)))
        for key in keys:
            same_shape(doc[key], real[key], f"{where}.{key}")
    elif isinstance(doc, list):
        assert isinstance(real, list), where
        if doc and real:
            same_shape(doc[0], real[0], f"{where}[0]")
    else:
        assert type(doc) is type(real), (where, doc, real)


EXAMPLES = documented()


@pytest.mark.parametrize(
    ("words", "example"), EXAMPLES, ids=[" ".join(words) for words, _ in EXAMPLES]
)
def test_json_output_has_the_documented_shape(
    demo_store: Path, tampered: Path, family_id: str, words: list[str], example: Any
) -> None:
    # The audit's example has a finding: it runs on the tampered copy.
    where = tampered if command_of(words) == "audit" else demo_store
    words = [family_id if w == "78e5" else w for w in words]  # the doc's family id
    status, out, err = cli("--store", str(where), *words)
    assert status in (EXIT_OK, EXIT_FINDINGS), err
    real = json.loads(out)
    same_shape(example, real)
    assert "Traceback" not in err


def test_open_notices_and_expiring_consents_have_the_documented_shape() -> None:
    """What the finished demo no longer has: a notice still open, a consent ending."""
    family = EnrolledFamily(FamilyCoordination(clock=FixedClock()))
    app, day = family.app, START + timedelta(days=10)
    app.record_contact(
        family.id, agency=Agency(AgencyKind.NAV, "NAV Kristiansand"),
        topics=[Topic.ECONOMY], member_ids=[family.kari], purpose="Ask about rent",
        channel=Channel.PHONE, family_knows=FamilyKnows.inform_afterwards(),
        occurred_on=day, actor=COORDINATOR,
    )  # fmt: skip
    app.grant_consent(
        family.id,
        scope=ConsentScope(
            agency=Agency(AgencyKind.NAV),
            topics=frozenset({Topic.HOUSING}),
            member_ids=frozenset({family.kari}),
        ),
        given_by=[family.kari], form=ConsentForm.WRITTEN, purpose="Housing",
        valid_until=day + timedelta(days=20), occurred_on=day, actor=COORDINATOR,
    )  # fmt: skip
    examples = {command_of(words): example for words, example in EXAMPLES}
    plan = cli_module._plan_json(
        app.views.document(family.id, actor=LEAD_ACTOR, catch_up=True), day
    )
    assert plan["notices"]
    same_shape(examples["plan"], json.loads(json.dumps(plan)))
    caseload = cli_module._caseload_json(
        app.views.caseload(on=day, actor=LEAD_ACTOR, catch_up=True), day
    )
    assert caseload["families"][0]["consents_expiring"]
    same_shape(examples["caseload"], json.loads(json.dumps(caseload)))


def test_json_is_never_translated_and_keeps_ids_and_dates_raw(
    demo_store: Path, family_id: str
) -> None:
    nb = cli(
        "--store", str(demo_store), "inquiries", "--lang", "nb", "--format", "json"
    )
    da = cli(
        "--store", str(demo_store), "inquiries", "--lang", "da", "--format", "json"
    )
    assert nb == da
    _, text, _ = cli("--store", str(demo_store), "families")
    _, data, _ = cli("--store", str(demo_store), "families", "--format", "json")
    families = json.loads(data)["families"]
    assert [f["family_id"] for f in families] == [
        line.split()[0] for line in text.splitlines()
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", f["started_on"]) for f in families)
    _, data, _ = cli("--store", str(demo_store), "plan", family_id, "--format", "json")
    plan = json.loads(data)
    assert plan["family_id"] == family_id
    assert plan["members"]
    assert all(UUID_KEY.fullmatch(member_id) for member_id in plan["members"])


# ------------------------------------------------------------------ exit statuses


def test_the_audit_exits_0_clean_4_with_findings_1_refused_2_misused(
    demo_store: Path, tampered: Path
) -> None:
    status, out, err = cli("--store", str(demo_store), "--actor", AUDITOR, "audit")
    assert status == EXIT_OK, out + err
    assert "0 violation(s)" in out
    status, out, err = cli("--store", str(tampered), "--actor", AUDITOR, "audit")
    assert status == EXIT_FINDINGS == 4, err
    assert "VIOLATION history_modified" in out
    assert f"violation(s) found (exit status {EXIT_FINDINGS})" in err
    status, out, _ = cli(
        "--store", str(tampered), "--actor", AUDITOR, "audit", "--format", "json"
    )
    assert status == EXIT_FINDINGS
    report = json.loads(out)
    assert report["violations"] >= 1
    assert report["breaks"] >= 1
    assert {"kind": "history_modified", "violation": True}.items() <= report[
        "findings"
    ][0].items()
    status, out, err = cli(
        "--store", str(demo_store), "--actor", "k-lund:coordinator:4204", "audit"
    )
    assert status == EXIT_REFUSED == 1
    assert "may not audit" in err
    assert len(err.strip().splitlines()) == 1
    assert out == ""
    status, _, err = cli(
        "--store", str(demo_store), "--actor", AUDITOR, "audit", "--on", "x"
    )
    assert status == EXIT_USAGE == 2
    assert "is not a date" in err


def test_a_usage_error_exits_2_for_any_command(demo_store: Path) -> None:
    for args in (["families", "--format", "xml"], ["retention"], ["plan"]):
        status, out, err = cli("--store", str(demo_store), *args)
        assert status == EXIT_USAGE, (args, err)
        assert out == ""


def test_retention_exits_4_when_families_are_due_and_0_with_a_note_when_none(
    demo_store: Path, family_id: str
) -> None:
    status, out, err = cli(
        "--store", str(demo_store), "retention", "--years", "1", "--on", "2030-01-01"
    )
    assert status == EXIT_FINDINGS, err
    assert family_id in out.split()
    assert "due for erasure (exit status 4)" in err
    status, out, err = cli(
        "--store", str(demo_store), "retention", "--years", "1", "--on", "2030-01-01",
        "--format", "json",
    )  # fmt: skip
    assert status == EXIT_FINDINGS
    assert json.loads(out) == {
        "on": "2030-01-01", "years": 1, "due": json.loads(out)["due"],
    }  # fmt: skip
    assert family_id in json.loads(out)["due"]

    status, out, err = cli(
        "--store", str(demo_store), "retention", "--years", "5", "--on", "2026-06-01"
    )
    assert status == EXIT_OK, err
    assert out == ""  # one id a line: none
    assert "no family is due for erasure" in err
    assert "more than 5 year(s) before 2026-06-01" in err
    status, out, err = cli(
        "--store", str(demo_store), "retention", "--years", "5", "--on", "2026-06-01",
        "--format", "json",
    )  # fmt: skip
    assert status == EXIT_OK
    assert json.loads(out) == {"on": "2026-06-01", "years": 5, "due": []}
    assert err == ""


# ------------------------------------------------------------------ nothing to list


def test_every_listing_command_says_so_when_it_has_nothing_to_list(
    demo_store: Path,
) -> None:
    status, out, err = cli("--store", str(demo_store), "--actor", ELSEWHERE, "families")
    assert status == EXIT_OK, err
    assert out == ""
    assert "no families to list" in err
    status, out, _ = cli(
        "--store", str(demo_store), "--actor", ELSEWHERE, "families", "--format", "json"
    )
    assert (status, json.loads(out)) == (EXIT_OK, {"families": []})

    status, out, err = cli(
        "--store",
        str(demo_store),
        "--actor",
        ELSEWHERE,
        "caseload",
        "--on",
        "2022-03-01",
    )
    assert status == EXIT_OK, err
    assert "0 families" in out
    assert "nothing to list (ended follow-ups are left out: --all shows them)" in out
    status, out, _ = cli(
        "--store", str(demo_store), "--actor", ELSEWHERE, "caseload", "--on", "2022-03-01",
        "--format", "json",
    )  # fmt: skip
    assert json.loads(out) == {"on": "2022-03-01", "families": []}


# ------------------------------------------------------------------ the demo's progress


def test_the_demo_shows_its_progress_on_a_terminal_and_not_when_piped(
    tmp_path: Path,
) -> None:
    terminal = Terminal()
    status, shown, _ = cli(
        "--store", str(tmp_path / "shown.db"), "demo", "--families", "2", "--years", "1",
        err=terminal,
    )  # fmt: skip
    assert status == EXIT_OK
    said = terminal.getvalue()
    assert "\rdemo, rehearsing in memory: " in said
    assert "\rdemo, writing: [" in said
    rehearsed = re.findall(r"rehearsing in memory: ([\d,]+) steps", said)[-1]
    # Every rehearsed step is written: the bar ends full, and its line ends.
    assert f"[{'#' * 40}] {rehearsed}/{rehearsed} steps, recorded up to " in said
    assert said.endswith("\n")

    status, piped, err = cli(
        "--store", str(tmp_path / "piped.db"), "demo", "--families", "2", "--years", "1"
    )
    assert status == EXIT_OK
    assert "demo, " not in err
    assert "\r" not in err
    # Standard output is the same either way: the progress is on standard error.
    assert shown.replace("shown.db", "") == piped.replace("piped.db", "")


def test_the_demo_draws_on_a_real_terminal(tmp_path: Path) -> None:
    """In a real process whose standard error is a pseudo-terminal."""
    leader, follower = pty.openpty()
    with (tmp_path / "out.txt").open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "familiekoordinering", "--store", "t.db", "demo",
             "--families", "1", "--years", "1"],
            cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=out, stderr=follower,
        )  # fmt: skip
        os.close(follower)
        drawn = b""
        with contextlib.suppress(OSError):  # EIO: the process closed the terminal
            while chunk := os.read(leader, 4096):
                drawn += chunk
        os.close(leader)
        assert process.wait(timeout=60) == EXIT_OK, drawn
    said = drawn.decode()
    assert "demo, rehearsing in memory: " in said
    assert "demo, writing: [" in said
    assert "demo, " not in (tmp_path / "out.txt").read_text()
