"""Bad input: every public command, and the command line, fuzzed with hypothesis.

A command either succeeds or raises one of the library's own errors (a
:class:`FamiliekoordineringError`, whose message says what to fix) — never a
``TypeError``, ``KeyError`` or the like — and when it raises, nothing is stored.
The command line answers any arguments with exit status 0, 1 or 2 and one
clear line, never a traceback.
"""

from __future__ import annotations

import collections.abc
import contextlib
import inspect
import io
import typing
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from familiekoordinering import (
    Actor,
    FamiliekoordineringError,
    FamilyCoordination,
    MemberId,
    Municipality,
    Role,
)
from familiekoordinering.cli import main
from familiekoordinering.protection import load_master_key
from tests.conftest import COORDINATOR, LEAD, START, EnrolledFamily, FixedClock
from tests.strategies import _strategy_for

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
)


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
    hints = typing.get_type_hints(method)
    kwargs: dict[str, Any] = {}
    for parameter in inspect.signature(method).parameters.values():
        if parameter.name == "self":
            continue
        required = parameter.default is inspect.Parameter.empty
        if required or draw(st.booleans()):
            kwargs[parameter.name] = draw(
                _for(parameter.name, hints[parameter.name], family)
            )
    return name, kwargs


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


TOKENS = st.one_of(
    st.sampled_from(
        [
            "families", "plan", "caseload", "timeline", "export", "audit", "erase",
            "retention", "research-export", "projections", "status", "migrate",
            "--lang", "nb", "en", "sv", "--format", "json", "html", "text", "--on",
            "--as-of", "--as-recorded", "2024-02-30", "2023-05-01", "tomorrow",
            "--member", "--output", "--years", "-3", "5", "--key-file", "--all",
            "--coordinator", "k-lund", "--municipality", "4204", "9999", "--once",
            "--actor", "t-lead:team_lead:4204", "x:nobody:4204", "a:b", "--debug",
            "--master-key-file", "/nonexistent", "--help", "--version", "",
        ]
    ),
    st.text(max_size=12),
)  # fmt: skip


@settings(
    deadline=None,
    max_examples=120,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(args=st.lists(TOKENS, max_size=7), family_prefix=st.booleans())
def test_the_command_line_answers_any_arguments_without_a_traceback(
    demo_store: Path, args: list[str], family_prefix: bool, tmp_path: Path
) -> None:
    app = FamilyCoordination(
        demo_store, master_key=load_master_key(Path(f"{demo_store}.key"))
    )
    first = str(app.family_ids(actor=LEAD)[0])
    before = _stored(app)
    app.close()
    if family_prefix and args:
        args = [*args[:1], first[:8], *args[1:]]
    args = [str(tmp_path / "out.json") if a == "--output-path" else a for a in args]
    if "run" in args and "--once" not in args:
        args.append("--once")  # a worker without --once runs until stopped
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(["--store", str(demo_store), *args])
        except SystemExit as done:  # argparse: usage errors, --help, --version
            status = done.code if isinstance(done.code, int) else 2
    assert status in (0, 1, 2), (args, status, err.getvalue())
    assert "Traceback" not in err.getvalue() or "--debug" in args
    assert "internal error" not in err.getvalue(), (args, err.getvalue())
    again = FamilyCoordination(
        demo_store, master_key=load_master_key(Path(f"{demo_store}.key"))
    )
    assert _stored(again) == before  # no command here records events
    again.close()


WRONG = st.sampled_from([None, 7, "2026-01-05", [], b"x", 3.5, object()])


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
    before = _stored(app)
    refused: Exception | None = None
    try:
        getattr(app, name)(**kwargs)
    except Exception as error:
        refused = error
    assert isinstance(refused, FamiliekoordineringError | type(None)), (
        f"{name}({victim}={kwargs[victim]!r}) raised {refused!r}"
    )
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
