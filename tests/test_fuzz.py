"""Bad input: every public command, and the command line, fuzzed with hypothesis.

A command either succeeds or raises one of the library's own errors (a
:class:`FamiliekoordineringError`, whose message says what to fix) — never a
``TypeError``, ``KeyError`` or the like — and when it raises, nothing is stored.
The command line answers any arguments with exit status 0, 1 or 2 (or 4, a
report with findings) and one clear line, never a traceback.
"""

from __future__ import annotations

import argparse
import collections.abc
import contextlib
import inspect
import io
import re
import shutil
import sqlite3
import tempfile
import typing
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from familiekoordinering import (
    Actor,
    FamiliekoordineringError,
    FamilyCoordination,
    MemberId,
    Municipality,
    Role,
    cli,
)
from familiekoordinering.cli import main
from familiekoordinering.files import write_private
from familiekoordinering.protection import load_master_key
from familiekoordinering.text import visible
from familiekoordinering.views import Views
from tests.conftest import (
    AUDITOR,
    COORDINATOR,
    LEAD,
    START,
    EnrolledFamily,
    FixedClock,
)
from tests.strategies import _strategy_for

pytestmark = pytest.mark.application

COMMANDS = (
    "enrol_family", "add_member", "record_member_left", "assign_coordinator",
    "grant_consent", "refuse_consent", "withdraw_consent", "set_goal",
    "record_goal_progress", "achieve_goal", "drop_goal", "agree_step",
    "complete_step", "link_sector_plan", "hold_meeting", "record_contact",
    "record_family_informed", "complete_survey", "end_follow_up",
    "act_under_legal_duty", "give_research_consent", "withdraw_research_consent",
)  # fmt: skip

ACTORS = st.sampled_from(
    [
        *[COORDINATOR] * 4,
        LEAD,
        Actor("a-lead", Role.TEAM_LEAD, Municipality("1103")),
        Actor("f-forsker", Role.RESEARCHER, Municipality("4204")),
    ]
)
DAYS = st.integers(-400, 4000).map(lambda d: START + timedelta(days=d))
TEXTS = st.one_of(
    st.text(max_size=30),
    st.just(""),
    st.just("   "),
    st.just("x" * 4001),
    st.sampled_from(["Kari Hansen", "Søke bostøtte", "NAV"]),
    st.sampled_from(["Kari\x00Hansen", "bostøtte\ud800", "ok\x1b[31m", "NAV\x85"]),
)
MALFORMED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
"""What no stored text holds: control characters (but tab and line breaks), lone surrogates."""


def _texts(value: object) -> list[str]:
    """Every text in an argument (lists and tuples of texts too)."""
    if type(value) is str:  # not a StrEnum's member
        return [value]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _texts(v)]
    return []


def _mostly(
    usual: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    """``usual`` nine times in ten, ``rare`` otherwise."""
    return st.integers(0, 9).flatmap(lambda i: usual if i else rare)


def _for(name: str, tp: Any, family: EnrolledFamily) -> st.SearchStrategy[Any]:
    """A strategy for one argument: mostly well-formed, often wrong for the family."""
    members = [family.kari, family.ola, family.emma]
    ids = _mostly(st.sampled_from(members), st.uuids().map(MemberId))
    if name == "actor":
        return ACTORS
    if name in ("occurred_on", "valid_from", "valid_until", "due_on", "target_on"):
        return DAYS if "None" not in str(tp) else st.none() | DAYS
    if name == "family_id":
        return _mostly(st.just(family.id), st.uuids())
    if name in ("member_id",) and "None" not in str(tp):
        return ids
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (collections.abc.Iterable, list, tuple) and args:
        if "MemberId" in str(args[0]):
            return st.lists(ids, max_size=3)
        return st.lists(_for(name, args[0], family), max_size=3)
    if tp is str:
        return TEXTS
    if origin in (typing.Union, __import__("types").UnionType):
        return st.one_of(
            *(st.none() if a is type(None) else _for(name, a, family) for a in args)
        )
    if tp is UUID or "Id" in getattr(tp, "__name__", ""):
        return st.one_of(ids, st.just(family.nav_consent), st.uuids())
    return _strategy_for(tp)


@st.composite
def calls(draw: st.DrawFn, family: EnrolledFamily) -> tuple[str, dict[str, Any]]:
    name = draw(st.sampled_from(COMMANDS))
    method = getattr(FamilyCoordination, name)
    return name, _arguments(draw, method, lambda p, tp: _for(p, tp, family))


def _arguments(
    draw: st.DrawFn,
    method: Any,
    strategy: typing.Callable[[str, Any], st.SearchStrategy[Any]],
) -> dict[str, Any]:
    """Every required argument of ``method`` and some optional ones, drawn by name and type."""
    hints = typing.get_type_hints(method)
    kwargs: dict[str, Any] = {}
    for parameter in inspect.signature(method).parameters.values():
        if parameter.name == "self":
            continue
        required = parameter.default is inspect.Parameter.empty
        if required or draw(st.booleans()):
            kwargs[parameter.name] = draw(
                strategy(parameter.name, hints[parameter.name])
            )
    return kwargs


def _stored(app: FamilyCoordination) -> int:
    return len(app._engine.recorder.select_notifications(start=1, limit=10_000))


@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_any_command_with_any_arguments_succeeds_or_says_what_to_fix_storing_nothing(
    data: st.DataObject,
) -> None:
    app = FamilyCoordination(clock=FixedClock())
    family = EnrolledFamily(app)
    name, kwargs = data.draw(calls(family), label="call")
    before = _stored(app)
    refused: FamiliekoordineringError | None = None
    try:
        getattr(app, name)(**kwargs)
    except FamiliekoordineringError as error:
        refused = error
    event("stored" if refused is None else f"refused: {type(refused).__name__}")
    if refused is not None:
        assert str(refused).strip(), "an error without a message"
        assert _stored(app) == before, f"{name} raised {refused!r} but stored events"
    else:
        malformed = [
            t for v in kwargs.values() for t in _texts(v) if MALFORMED.search(t)
        ]
        assert not malformed, f"{name} stored malformed text {malformed!r}"


QUERIES = (
    "get_family", "access_entries", "decide", "open_notifications",
    "overdue_notifications", "audit", "family_history", "family_at", "timeline",
    "report", "access_export", "erasure", "due_for_erasure", "list_families",
    "family_ids", "checkpoint", "fingerprint", "research_export",
)  # fmt: skip
VIEW_QUERIES = ("document", "plan", "consent_register", "caseload", "outcomes")
QUERY_ACTORS = st.sampled_from(
    [
        COORDINATOR,
        LEAD,
        AUDITOR,
        Actor("a-lead", Role.TEAM_LEAD, Municipality("1103")),
        Actor("f-forsker", Role.RESEARCHER, Municipality("4204")),
        Actor("o-berg", Role.COORDINATOR, Municipality("4204")),
    ]
)


@st.composite
def queries(draw: st.DrawFn, family: EnrolledFamily) -> tuple[str, dict[str, Any]]:
    """A query of the application or of its views, with drawn arguments."""
    name = draw(st.sampled_from(QUERIES + tuple(f"views.{q}" for q in VIEW_QUERIES)))
    owner = Views if name.startswith("views.") else FamilyCoordination

    def strategy(parameter: str, tp: Any) -> st.SearchStrategy[Any]:
        if parameter == "actor":
            return QUERY_ACTORS
        if parameter in ("on", "as_of"):
            return _mostly(DAYS, _strategy_for(tp))
        if parameter == "timeout":  # short enough to run (a long one is the caller's)
            return st.sampled_from([0.0, 0.02, -1.0, float("nan"), float("inf"), 1e9])
        return _for(parameter, tp, family)

    method = getattr(owner, name.removeprefix("views."))
    return name, _arguments(draw, method, strategy)


def _logged(app: FamilyCoordination) -> int:
    return len(app._reader.access_log.entries(app._reader.family_ids().__next__()))


_QUERIED: list[EnrolledFamily] = []


def _queried() -> EnrolledFamily:
    """One family for every example: a query changes nothing but the access log."""
    if not _QUERIED:
        _QUERIED.append(EnrolledFamily(FamilyCoordination(clock=FixedClock())))
    return _QUERIED[0]


@settings(
    deadline=None,
    # Half the profile's examples: each query reads a whole family (an audit
    # verifies the store), and the suite has its time budget.
    max_examples=max(10, settings.default.max_examples // 2),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_any_query_with_any_arguments_answers_or_says_what_to_fix_logging_nothing(
    data: st.DataObject,
) -> None:
    family = _queried()
    app = family.app
    name, kwargs = data.draw(queries(family), label="query")
    target = app.views if name.startswith("views.") else app
    before = (_stored(app), _logged(app))
    refused: FamiliekoordineringError | None = None
    try:
        getattr(target, name.removeprefix("views."))(**kwargs)
    except FamiliekoordineringError as error:
        refused = error
    event("answered" if refused is None else f"refused: {type(refused).__name__}")
    if refused is not None:
        assert str(refused).strip(), "an error without a message"
        assert (_stored(app), _logged(app)) == before, f"{name} refused but logged"


# ------------------------------------------------------------------ the CLI


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("fuzz")
    store = directory / "demo.db"
    with (
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        assert main(["--store", str(store), "demo", "--families", "2"]) == 0
    return store


def _command_parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Every command of the parser (``families``, ``projections run``, …) and its parser."""
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[(*path, name)] = sub
                found.update(_command_parsers(sub, (*path, name)))
    return found


PARSER = cli._parser()
COMMAND_PARSERS = _command_parsers(PARSER)
# Words that stand for a path or an id of each example's own copy of the store.
PLACES = ["@store", "@new", "@missing", "@dir", "@link", "@key", "@file", "@checkpoint"]
HOSTILE = st.one_of(
    st.sampled_from(
        [
            "", " ", "..", "-", "--", "--help", "\ud800", "\udcff", "\x00", "\x1b[2J",
            "\x1b]0;x\x07", "\u202e", "\x9b", "9" * 5000, "-1", "0", "1e309", "nan",
            "9999-12-31", "0001-01-01", "/nonexistent/x", "Kristiansand", "a:b:c",
        ]
    ),
    st.text(st.characters(codec=None, exclude_categories=[]), max_size=8),
)  # fmt: skip
# The absolute paths drawn as they are (none can be written); any other is made
# relative to the example's folder.
SYSTEM_PATHS = frozenset({"/nonexistent/x", "/proc/x", "/"})
# For each kind of value: what it expects, and odd values of that kind.
KINDS: dict[str, tuple[list[str], list[str]]] = {
    "date": (
        ["2022-03-01", "2023-05-01", "2026-11-30"],
        ["9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01", "2024-02-30",
         "2024-13-01", "tomorrow", ""],
    ),
    "count": (
        [str(n) for n in range(13)],
        ["0", "-1", "201", "99999999999999999999", "9" * 5000, "1e3", ""],
    ),
    "seconds": (["0", "0.01", "0.5"], ["nan", "inf", "-inf", "-1", "1e309", ""]),
    "output": (["@new"], [*PLACES, "", "\x00", "a\x00b", "\ud800", "..", "/proc/x"]),
    "input": (["@key", "@checkpoint"], [*PLACES, "", "\x00", "\ud800", "..", "/"]),
    "family": (
        ["@family", "@prefix", "@other"],
        ["@short", str(UUID(int=7)), "zzzzzzzz", "c0ffee", "", "-"],
    ),
    "store": (
        ["@store"],
        ["@new", "@missing", "@dir", "@file", "@link", "@key", "memory", "", " ",
         "mysql://x", "\x00", "\ud800"],
    ),
    "actor": (
        ["t-lead:team_lead:4204", "k-lund:coordinator:4204", "r-revisor:auditor:4204",
         "f-forsker:researcher:4204", "a-lead:team_lead:1103"],
        ["t:team_lead:Kristiansand", "t:team_lead:\u0664\u0662\u0660\u0664",
         "x:nobody:4204", ":team_lead:4204", "t\x1b:team_lead:4204", "a:b", "",
         "t:team_lead:4204:x"],
    ),
    "member": (["@member"], ["nope", str(UUID(int=8)), ""]),
    "municipality": (["4204", "1103"], ["9999", "Kristiansand", "\u0664\u0662\u0660\u0664",
                                        "", "42O4", "04204"]),
    "coordinator": (["k-lund"], ["nobody", "", "\x1b[2J"]),
    "fingerprint": (["@fingerprint"], ["x", "", "1-00", "999999999999-00"]),
}  # fmt: skip


def _kind(action: argparse.Action) -> str | None:
    if action.type is cli._date:
        return "date"
    if action.type in (int, cli._batch, cli._years, cli._year, cli._overdue_days):
        return "count"
    if action.type in (float, cli._wait, cli._poll):
        return "seconds"
    if action.type is cli._path:
        return "output" if action.dest == "output" else "input"
    if action.dest in ("family_id", "family_ids"):
        return "family"
    return action.dest if action.dest in KINDS else None


# The commands whose report may hold findings (exit status 4).
FINDINGS = frozenset({"audit", "retention", "inquiries"})
# Who runs a command unless the command line drawn says otherwise: one who may.
RUNS = {
    "audit": "r-revisor:auditor:4204",
    "chain": "r-revisor:auditor:4204",
    "checkpoint": "r-revisor:auditor:4204",
    "research-export": "f-forsker:researcher:4204",
}


def _value(action: argparse.Action) -> st.SearchStrategy[str]:
    """A value for an option or argument: mostly as expected, often odd, or hostile."""
    kind = _kind(action)
    if action.choices:
        usual, odd = [str(c) for c in action.choices], ["", "NB", "xml"]
    elif kind is not None:
        usual, odd = KINDS[kind]
    else:
        return _mostly(st.text(max_size=8), HOSTILE)
    return st.integers(0, 9).flatmap(
        lambda i: HOSTILE if i == 0 else st.sampled_from(odd if i < 3 else usual)
    )


def _values(action: argparse.Action) -> st.SearchStrategy[list[str]]:
    if action.nargs == 0:  # a flag
        return st.just([])
    if action.nargs == "*":
        return st.lists(_value(action), max_size=2)
    if action.nargs == "?":
        return st.lists(_value(action), max_size=1)
    return _value(action).map(lambda v: [v])


def _actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    skip = (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)
    return [a for a in parser._actions if not isinstance(a, skip) and a.dest != "debug"]


@st.composite
def command_lines(draw: st.DrawFn, command: str) -> list[str]:
    """A command line drawn from the parser itself: its options and their values.

    ``command`` is a command (``projections``: one of its actions, or none).
    """
    args: list[str] = []
    for action in draw(st.lists(st.sampled_from(_actions(PARSER)), max_size=2)):
        args += [draw(st.sampled_from(action.option_strings)), *draw(_values(action))]
    path = draw(st.sampled_from(sorted(p for p in COMMAND_PARSERS if p[0] == command)))
    args += path
    words: list[list[str]] = []
    for action in _actions(COMMAND_PARSERS[path]):
        wanted = action.required or not action.option_strings
        if draw(_mostly(st.just(wanted), st.just(not wanted))):
            option = draw(st.sampled_from(action.option_strings or [""]))
            words.append(
                [option, *draw(_values(action))] if option else draw(_values(action))
            )
    for word in draw(st.permutations(words)):
        args += word
    if draw(st.integers(0, 9)) == 0:
        args.insert(draw(st.integers(0, len(args))), draw(HOSTILE))  # a stray word
    return args


def _events(store: Path) -> int | None:
    """How many events the store holds (None once it is no store: replaced, say)."""
    try:
        with contextlib.closing(
            sqlite3.connect(f"file:{store}?mode=ro", uri=True)
        ) as db:
            (count,) = db.execute("SELECT count(*) FROM stored_events").fetchone()
    except sqlite3.Error:
        return None
    return int(count)


@pytest.fixture(scope="module")
def fuzz_ids(demo_store: Path) -> dict[str, str]:
    """The demo's ids, a fingerprint and a checkpoint, for the words standing for them."""
    app = FamilyCoordination(
        demo_store, master_key=load_master_key(Path(f"{demo_store}.key"))
    )
    first, second = (str(f) for f in app.family_ids(actor=LEAD))
    member = next(iter(app.get_family(UUID(first), actor=LEAD).members))
    fingerprint = app.fingerprint(UUID(first), actor=LEAD)
    checkpoint = demo_store.parent / "checkpoint.json"
    checkpoint.write_text(app.checkpoint(actor=AUDITOR).to_json())
    app.close()
    return {"@family": first, "@prefix": first[:8], "@short": first[:4],
            "@other": second, "@member": str(member),
            "@fingerprint": str(fingerprint), "@checkpoint": str(checkpoint)}  # fmt: skip


@pytest.mark.parametrize("command", sorted({path[0] for path in COMMAND_PARSERS}))
@settings(
    deadline=None,
    max_examples=15,  # per command: a few seconds in all
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_the_command_line_answers_any_arguments_without_a_traceback(
    demo_store: Path,
    fuzz_ids: dict[str, str],
    tmp_path: Path,
    command: str,
    data: st.DataObject,
) -> None:
    """Every command, with arguments drawn from its parser and hostile ones.

    Exit status 0, 1 or 2, or 4 for a report with findings (never 3, an internal
    error); no traceback; a refusal is one line; whatever is printed has its
    control characters made visible; and a refused command stores nothing and
    creates no file.
    """
    args = data.draw(command_lines(command), label="args")
    here = Path(tempfile.mkdtemp(dir=tmp_path))  # each example has its own copy
    store = here / "demo.db"
    shutil.copyfile(demo_store, store)
    write_private(here / "demo.db.key", Path(f"{demo_store}.key").read_bytes())
    (here / "notes.txt").write_text("not a store")
    (here / "link").symlink_to(here / "nowhere")
    places = {
        "@store": str(store), "@new": str(here / "new.json"),
        "@missing": str(here / "nope" / "x.db"), "@dir": str(here),
        "@link": str(here / "link"), "@key": str(here / "demo.db.key"),
        "@file": str(here / "notes.txt"), **fuzz_ids,
    }  # fmt: skip
    argv = [
        "--store",
        str(store),
        "--actor",
        RUNS.get(command, "t-lead:team_lead:4204"),
    ]
    # Drawn absolute paths are made relative: nothing is written outside `here`.
    args = [f".{a}" if a.startswith("/") and a not in SYSTEM_PATHS else a for a in args]
    argv += (places.get(a, a) for a in args)  # a later --store or --actor wins
    if "run" in argv:
        argv.append("--once")  # a worker without --once runs until it is stopped
    if "demo" in argv:
        argv += ["--families", "1", "--years", "1"]  # small: a demo takes time
    files = {p.name for p in here.iterdir()}
    before = _events(store)
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.chdir(here),  # a relative path drawn lands in the example's folder
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        status = main(argv)
    said, wrote = err.getvalue(), out.getvalue()
    event(f"exit {status}")
    # 4: the report was printed, and holds findings (violations, families due
    # for erasure, flagged inquiries); only the commands that report say it.
    findings = status == cli.EXIT_FINDINGS and command in FINDINGS
    assert status in (0, 1, 2) or findings, (argv, status, said)
    assert "Traceback" not in said, (argv, said)
    assert visible(wrote, keep="\n") == wrote, (argv, wrote)
    assert visible(said, keep="\n") == said, (argv, said)
    if status == 0 or findings:
        return  # done (4: it ran, and found something)
    errors = [line for line in said.splitlines() if not line.startswith("note: ")]
    assert len(errors) == 1, (argv, said)
    assert _events(store) == before, (argv, said)  # nothing stored
    if not {"demo", "migrate", "--create"} & set(argv):
        made = {p.name for p in here.iterdir()} - files
        assert not {m for m in made if not m.startswith("demo.db-")}, (argv, made)


WRONG = st.sampled_from([None, 7, "2026-01-05", [], b"x", 3.5, object()])


def _fits(tp: Any, value: object) -> bool:
    """Whether ``value`` is of the annotated type ``tp`` (a drawn "wrong" value may fit).

    None fits an optional argument, 7 an ``int | None``, a text a ``str`` and
    an empty list any iterable; those are not wrong, and may be taken.
    """
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, __import__("types").UnionType):
        return any(_fits(a, value) for a in args)
    if tp is type(None):
        return value is None
    if origin is not None and issubclass(origin, collections.abc.Iterable):
        return isinstance(value, list | tuple) and all(_fits(args[0], v) for v in value)
    while hasattr(tp, "__supertype__"):  # a NewType: MemberId, GoalId, …
        tp = tp.__supertype__
    return isinstance(value, tp)


@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_an_argument_of_the_wrong_type_is_refused_clearly_storing_nothing(
    data: st.DataObject,
) -> None:
    app = FamilyCoordination(clock=FixedClock())
    family = EnrolledFamily(app)
    name, kwargs = data.draw(calls(family), label="call")
    victim = data.draw(st.sampled_from(sorted(kwargs)), label="argument")
    kwargs[victim] = data.draw(WRONG, label="wrong value")
    hint = typing.get_type_hints(getattr(FamilyCoordination, name))[victim]
    wrong = not _fits(hint, kwargs[victim])
    before = _stored(app)
    refused: Exception | None = None
    try:
        getattr(app, name)(**kwargs)
    except Exception as error:
        refused = error
    said = f"{name}({victim}={kwargs[victim]!r}) raised {refused!r}"
    if wrong:  # refused, with the library's own error
        assert isinstance(refused, FamiliekoordineringError), said
    else:  # a value of the right type after all: taken, or refused clearly
        assert isinstance(refused, FamiliekoordineringError | type(None)), said
    if refused is not None:
        assert _stored(app) == before


def test_a_wrong_argument_is_named_with_the_type_it_must_have(
    family: EnrolledFamily,
) -> None:
    from familiekoordinering import InvalidInputError

    app = family.app
    with pytest.raises(
        InvalidInputError, match="get_family: family_id must be UUID, not 'abc'"
    ):
        app.get_family("abc", actor=LEAD)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="occurred_on must be date, not"):
        app.set_goal(
            family.id, area=_topic(), words="Jobb", occurred_on="2026-01-05",  # type: ignore[arg-type]
            actor=COORDINATOR,
        )  # fmt: skip
    with pytest.raises(InvalidInputError, match="an iterable of MemberId"):
        app.hold_meeting(
            family.id, participants=["Kari"], members_present="Kari",  # type: ignore[arg-type]
            occurred_on=START, actor=COORDINATOR,
        )  # fmt: skip
    members = (m for m in [family.kari])  # a generator is read once, and still used
    app.hold_meeting(
        family.id, participants=["Kari"], members_present=members, occurred_on=START,
        actor=COORDINATOR,
    )  # fmt: skip
    meeting = list(app.family_at(family.id, actor=LEAD).meetings.values())[-1]
    assert meeting.members_present == frozenset({family.kari})


def _topic() -> Any:
    from familiekoordinering import Topic

    return Topic.WORK


HOSTILE = st.sampled_from(["Kari\x00Hansen", "bostøtte\ud800", "ok\x1b[31m", "NAV\x85"])


def _hostile(name: str, tp: Any, family: EnrolledFamily) -> st.SearchStrategy[Any]:
    """As :func:`_for`, but every text is malformed (a control character, a lone surrogate)."""
    if tp is str or str(tp) in ("str | None", "typing.Optional[str]"):
        return HOSTILE
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (collections.abc.Iterable, list, tuple) and args and args[0] is str:
        return st.lists(HOSTILE, min_size=1, max_size=2)
    return _for(name, tp, family)


TEXT_COMMANDS = tuple(
    name
    for name in COMMANDS
    if any(
        "str" in str(tp) and p not in ("return", "municipality")
        for p, tp in typing.get_type_hints(getattr(FamilyCoordination, name)).items()
    )
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_command_given_malformed_text_refuses_it_storing_nothing(
    data: st.DataObject,
) -> None:
    """Every text argument of every command holds a control character or a lone surrogate.

    Such a command must be refused with the library's own error, nothing
    stored: it is refused for its text, or for something else first.
    """
    app = FamilyCoordination(clock=FixedClock())
    family = EnrolledFamily(app)
    name = data.draw(st.sampled_from(TEXT_COMMANDS), label="command")
    method = getattr(FamilyCoordination, name)
    kwargs = _arguments(data.draw, method, lambda p, tp: _hostile(p, tp, family))
    texts = [t for v in kwargs.values() for t in _texts(v)]
    assume(texts)
    before = _stored(app)
    try:
        getattr(app, name)(**kwargs)
    except FamiliekoordineringError:
        assert _stored(app) == before
    else:
        raise AssertionError(f"{name} stored malformed text {texts!r}")
