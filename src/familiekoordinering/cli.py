r"""The ``familiekoordinering`` command line.

The store is a SQLite file path or a ``postgresql://`` URL, given by ``--store``
or the environment variable ``FAMILIEKOORDINERING_STORE``; the default is
``familiekoordinering.db`` in the working directory. Only ``demo`` and
``migrate`` create a store that does not exist yet (a missing SQLite file, or
a database without the library's tables); every other command refuses one,
unless ``--create`` is given, so that a mistyped ``--store`` never opens a new,
empty store. Every command that reads or writes a family names who runs it:
``--actor USER:ROLE:MUNICIPALITY`` (or ``FAMILIEKOORDINERING_ACTOR``; the
municipality is its official number, e.g. 4204). The master key that opens the
families' personal data is read from ``--master-key-file`` (or
``FAMILIEKOORDINERING_MASTER_KEY_FILE``; for a demo store that
``familiekoordinering demo`` created, ``STORE.key`` beside it).

Exit status, the same for every command: 0 done; 1 refused (access denied,
not found, a rule or a value refused), with one line on standard error saying
what to fix (``--debug`` shows the traceback); 2 a usage error (an unknown
option, a malformed date or number); 3 an internal error, which is a bug; 4 the
report was printed and holds findings: ``audit`` found violations,
``retention`` found families due for erasure, ``inquiries`` flagged inquiries
without an outcome after the set number of days. Every command that lists or
reports takes ``--format text|json``; the JSON is data for programs (keys in
English, dates in ISO form, ids as text, never translated), and a command with
nothing to list says so in text (an empty list in JSON).
Stored text is printed with its control characters made visible (``\x1b``,
``\u202e``: see :func:`familiekoordinering.text.visible`), JSON with them
escaped as ``\uXXXX``. ``erase`` acts on whole family ids: a shortened one
needs ``--yes``, and the family's label and member count are printed before it
is erased. Files written with ``--output`` are new files readable by their
owner only (0600), never written through a symbolic link, and an existing one
is replaced only with ``--force``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import enum
import json
import math
import os
import re
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from copy import copy as shallow_copy
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import monotonic
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

import attrs

from familiekoordinering import __version__
from familiekoordinering.application import FamilyCoordination
from familiekoordinering.audit import AuditReport
from familiekoordinering.demo import DemoClock, build_demo, rehearse_demo
from familiekoordinering.domain.rules import check_municipality
from familiekoordinering.domain.values import (
    Actor,
    FamilyId,
    MemberId,
    Municipality,
    Role,
)
from familiekoordinering.errors import (
    AccessDeniedError,
    ConfigurationError,
    DuplicateIdError,
    FamiliekoordineringError,
    InvalidInputError,
    MasterKeyRequiredError,
    NotFoundError,
)
from familiekoordinering.files import write_private
from familiekoordinering.integrity import Checkpoint
from familiekoordinering.protection import load_master_key, new_master_key
from familiekoordinering.store import (
    DEFAULT_STORE,
    holds_store,
    sqlite_file,
    store_settings,
)
from familiekoordinering.text import json_visible, render_caseload, render_plan, visible
from familiekoordinering.timeline import DEFAULT_LANGUAGE, LANGUAGES, Timeline
from familiekoordinering.timeline.inquiries import render_inquiry_report
from familiekoordinering.views import ViewStatus
from familiekoordinering.views.queries import CaseloadEntry, consent_register, plan_of

__all__ = ["main"]

STORE_VARIABLE = "FAMILIEKOORDINERING_STORE"
ACTOR_VARIABLE = "FAMILIEKOORDINERING_ACTOR"
KEY_VARIABLE = "FAMILIEKOORDINERING_MASTER_KEY_FILE"

EXIT_OK = 0
"""Done (a report without findings)."""
EXIT_REFUSED = 1
"""Refused: access denied, not found, a rule or a value refused; one line says why."""
EXIT_ERROR = EXIT_REFUSED
"""The older name of :data:`EXIT_REFUSED`."""
EXIT_USAGE = 2
"""A usage error: an unknown command or option, a malformed date or number."""
EXIT_INTERNAL = 3
"""An internal error: a bug, to be reported."""
EXIT_FINDINGS = 4
"""The report was printed and holds findings: ``audit`` violations, ``retention``
families due for erasure, ``inquiries`` flagged."""
EXIT_FLAGGED = EXIT_FINDINGS
"""``inquiries``: the report was printed, and some inquiries are flagged."""


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit 2 without the usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        # The message may quote the arguments: their control characters are shown.
        self.exit(EXIT_USAGE, f"{self.prog}: error: {visible(message)} (see --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="familiekoordinering",
        description="Family coordination records: demo, families, plans, timelines.",
        epilog=(
            "Exit status: 0 done; 1 refused (one line on standard error says what "
            "to fix); 2 a usage error; 3 an internal error, a bug; 4 the report "
            "holds findings (audit: violations; retention: families due for "
            "erasure; inquiries: some flagged). Every command that lists or "
            "reports takes --format text|json. Stored text is printed with its "
            "control characters made visible (\\x1b, \\u202e)."
        ),
    )
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument(
        "--store",
        default=None,
        help=(
            f"SQLite file path or postgresql:// URL (default: ${STORE_VARIABLE} or "
            f"{DEFAULT_STORE}); it must exist, except for demo, migrate and --create"
        ),
    )
    parser.add_argument(
        "--actor",
        default=None,
        metavar="USER:ROLE:MUNICIPALITY",
        help=(
            f"who runs the command, e.g. t-lead:team_lead:4204 (default: "
            f"${ACTOR_VARIABLE}); roles: {', '.join(r.value for r in Role)}. "
            "It names an operator working on a local store, trusted as given: "
            "it is not authentication"
        ),
    )
    parser.add_argument(
        "--create",
        action="store_true",
        help=(
            "create the store if it does not exist yet (a new store needs "
            "--master-key-file); without it only 'demo' and 'migrate' create one, "
            "and every other command refuses a store that does not exist"
        ),
    )
    parser.add_argument(
        "--master-key-file",
        default=None,
        type=_path,
        metavar="PATH",
        help=(
            f"the master key (base64 of 32 bytes) that opens personal data (default: "
            f"${KEY_VARIABLE}, or STORE.key beside a demo store)"
        ),
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback on errors"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser("demo", help="build a realistic demo programme")
    demo.add_argument(
        "--families",
        type=int,
        default=3,
        help="how many (default 3); for drammen, the inquiries of the first year",
    )
    demo.add_argument("--years", type=int, default=3, help="years followed, 1-5")
    demo.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    from familiekoordinering.demo import PROGRAMMES

    demo.add_argument(
        "--programme",
        choices=list(PROGRAMMES),
        default=next(iter(PROGRAMMES)),
        help=(
            "the programme model: nye-monstre (default, Bokmål), brondby (Danish), "
            "asker (an investment team, Bokmål) or drammen (a competence team's "
            "inquiries, Bokmål)"
        ),
    )

    families = commands.add_parser("families", help="one family per line, its id first")
    _add_format(families)

    plan = commands.add_parser(
        "plan", help="a family's plan as it stands (from the views)"
    )
    plan.add_argument("family_id", metavar="FAMILY_ID")
    plan.add_argument(
        "--on", type=_date, default=None, help="consents in force on DATE"
    )
    _add_format(plan)

    caseload = commands.add_parser(
        "caseload",
        help="families of a coordinator or a municipality, and what needs doing",
    )
    caseload.add_argument("--coordinator", metavar="ID", default=None)
    caseload.add_argument("--municipality", metavar="NR", default=None)
    caseload.add_argument(
        "--on", type=_date, default=None, help="as of DATE (default today)"
    )
    caseload.add_argument("--all", action="store_true", help="include ended follow-ups")
    _add_format(caseload)

    commands.add_parser(
        "migrate",
        help="create (or bring up to date) the store's tables, events and views",
    )

    projections = commands.add_parser(
        "projections", help="keep the read models up to date"
    )
    actions = projections.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = actions.add_parser(
        "run", help="fold new events into the views, and keep doing so"
    )
    run.add_argument("--once", action="store_true", help="stop when caught up")
    run.add_argument(
        "--poll", type=_poll, default=0.5, help="seconds between polls (above 0)"
    )
    run.add_argument(
        "--batch-size", type=_batch, default=5000, help="events per transaction"
    )
    status = actions.add_parser(
        "status", help="each view's position against the log's head"
    )
    _add_format(status)
    rebuild = actions.add_parser(
        "rebuild", help="rebuild from zero beside, then switch"
    )
    rebuild.add_argument(
        "--batch-size", type=_batch, default=5000, help="events per transaction"
    )

    timeline = commands.add_parser(
        "timeline", help="every event of a family, in order, as the family reads it"
    )
    timeline.add_argument("family_id", metavar="FAMILY_ID")
    timeline.add_argument(
        "--lang", choices=[x.value for x in LANGUAGES], default=DEFAULT_LANGUAGE.value,
        help="language: nb Norwegian Bokmål (default), nn Norwegian Nynorsk, da Danish, "
        "en English",
    )  # fmt: skip
    timeline.add_argument(
        "--as-of", type=_date, default=None,
        help="as it stood on DATE: what had happened by then (late records included)",
    )  # fmt: skip
    timeline.add_argument(
        "--as-recorded", type=_date, default=None,
        help="as the store knew it on DATE: what had been recorded by then",
    )  # fmt: skip
    timeline.add_argument(
        "--format", choices=["text", "json", "html"], default="text",
        help="text (default), json, or html (the family report)",
    )  # fmt: skip

    export = commands.add_parser(
        "export",
        help="everything stored about a family or one member (access request, innsyn)",
    )
    export.add_argument("family_id", metavar="FAMILY_ID")
    export.add_argument("--member", metavar="MEMBER_ID", default=None)
    export.add_argument(
        "--output", metavar="PATH", default=None, type=_path,
        help="write to PATH (.json, or .html for the report); default: print JSON",
    )  # fmt: skip
    _add_force(export)
    export.add_argument(
        "--lang", choices=[x.value for x in LANGUAGES], default=DEFAULT_LANGUAGE.value,
        help="language of the timeline's words: nb (default), nn, da or en",
    )  # fmt: skip

    fhir = commands.add_parser(
        "fhir",
        help="a family's whole record as a FHIR R5 Bundle (JSON): members, "
        "follow-up, plan, consents, surveys, contacts and access log",
    )
    fhir.add_argument("family_id", metavar="FAMILY_ID")
    fhir.add_argument(
        "--output", metavar="PATH", default=None, type=_path,
        help="write the Bundle to PATH; default: print it",
    )  # fmt: skip
    _add_force(fhir)

    erase = commands.add_parser(
        "erase",
        help="erase families' personal data by destroying their keys (crypto-shredding)",
    )
    erase.add_argument(
        "family_ids",
        metavar="FAMILY_ID",
        nargs="*",
        help="the whole id (from 'familiekoordinering families'); its first "
        "characters only with --yes",
    )
    erase.add_argument(
        "--yes",
        action="store_true",
        help="erase the family a shortened id names, after printing its label and "
        "how many members it has",
    )
    erase.add_argument(
        "--wait",
        metavar="SECONDS",
        type=_wait,
        default=None,
        help="how long to wait for other connections reading the store before "
        "the destroyed keys' old bytes can be removed from its files (default: 5)",
    )
    erase.add_argument(
        "--finish",
        action="store_true",
        help="only remove the old bytes an earlier erasure could not remove yet",
    )

    research = commands.add_parser(
        "research-export",
        help="the pseudonymised research export (CSV) of the actor's municipality",
    )
    research.add_argument("--output", metavar="PATH", required=True, type=_path)
    _add_force(research)
    research.add_argument(
        "--key-file",
        metavar="PATH",
        required=True,
        type=_path,
        help="the research side's pseudonym key (base64 of 32 random bytes)",
    )
    research.add_argument(
        "--k",
        type=int,
        default=5,
        metavar="N",
        help="every combination of quasi-identifiers in at least N rows "
        "(default 5, at least 3)",
    )

    retention = commands.add_parser(
        "retention",
        help="families whose follow-up ended more than YEARS ago, not yet erased "
        "(exit 0: none due; 4: some due)",
    )
    retention.add_argument("--years", type=_years, required=True, metavar="YEARS")
    retention.add_argument(
        "--on", type=_date, default=None, help="as of DATE (default: today)"
    )
    _add_format(retention)

    audit = commands.add_parser(
        "audit",
        help="verify the stored history's chains, then check the events: uncovered "
        "actions, overdue notices, legal duties (exit 0: no violation; 4: "
        "violations found; 1: refused, it could not run)",
    )
    audit.add_argument("family_id", metavar="FAMILY_ID", nargs="?", default=None)
    audit.add_argument(
        "--on",
        type=_date,
        default=None,
        help="judge deadlines as of DATE (default: today)",
    )
    audit.add_argument(
        "--checkpoint",
        default=None,
        type=_path,
        metavar="PATH",
        help="prove the store is an append-only extension of this checkpoint "
        "(written by 'checkpoint')",
    )
    audit.add_argument(
        "--fingerprint",
        default=None,
        metavar="VERSION-HEX",
        help="with FAMILY_ID: prove the family's history up to this fingerprint "
        "(from its report or access export) is unchanged",
    )
    _add_format(audit)

    checkpoint = commands.add_parser(
        "checkpoint",
        help="write the head of the store's history as JSON, to keep outside the "
        "database (for 'audit --checkpoint')",
    )
    checkpoint.add_argument(
        "--output",
        default=None,
        type=_path,
        metavar="PATH",
        help="write it here (default: stdout)",
    )
    _add_force(checkpoint)

    commands.add_parser(
        "chain",
        help="start verifying a store written before events were chained (once)",
    )

    inquiries = commands.add_parser(
        "inquiries",
        help="the year's inquiries to the competence team of the actor's "
        "municipality, counted (exit 0: none flagged; 4: some without an outcome "
        "after the set days)",
    )
    inquiries.add_argument(
        "--year", type=_year, default=None, help="the year (default: this year)"
    )
    inquiries.add_argument(
        "--overdue-days", type=_overdue_days, default=30, metavar="N",
        help="flag an inquiry without an outcome after N days (default 30)",
    )  # fmt: skip
    inquiries.add_argument(
        "--on", type=_date, default=None, help="judge the flags as of DATE (default today)"
    )  # fmt: skip
    inquiries.add_argument(
        "--lang", choices=[x.value for x in LANGUAGES], default=DEFAULT_LANGUAGE.value,
        help="language: nb (default), nn, da or en",
    )  # fmt: skip
    _add_format(inquiries)
    return parser


def _add_format(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text for a person (default), or json for a program",
    )


def _add_force(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--force",
        action="store_true",
        help="replace the --output file if it exists (never through a symbolic link)",
    )


# The dates the command line takes: a family's record lies well within them, and
# the library's date arithmetic (deadlines, retention periods) stays in the calendar.
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


def _date(text: str) -> date:
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: use YYYY-MM-DD"
        ) from None
    if not EARLIEST <= value <= LATEST:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date a record can be about: give one from "
            f"{EARLIEST.isoformat()} to {LATEST.isoformat()}"
        )
    return value


def _years(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 200:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of years from 0 to 200"
        )
    return value


def _year(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not EARLIEST.year <= value <= LATEST.year:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a year from {EARLIEST.year} to {LATEST.year}"
        )
    return value


def _overdue_days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 3650:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of days from 1 to 3650"
        )
    return value


def _path(text: str) -> str:
    """A file path: not empty, and one the operating system can name."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the path is empty: give a file path")
    try:
        encoded = os.fsencode(text)
    except UnicodeError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a path this system can name: give a file path"
        ) from None
    if b"\0" in encoded:
        raise argparse.ArgumentTypeError(
            f"{text!r} holds a NUL character, which no path can: give a file path"
        )
    return text


def _number(text: str, *, low: float, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= low):
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
    return value


def _wait(text: str) -> float:
    return _number(text, low=0, what="a number of seconds, 0 or more")


def _poll(text: str) -> float:
    value = _number(text, low=0, what="a number of seconds above 0")
    if value == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return value


def _batch(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of events from 1 to 1000000"
        )
    return value


def _store(args: argparse.Namespace) -> str:
    """The store named by ``--store``, the environment (if set and not empty) or the default."""
    if args.store is None:
        store = os.environ.get(STORE_VARIABLE) or DEFAULT_STORE
    elif not args.store.strip():
        raise InvalidInputError(
            "--store is empty: give the store's SQLite file path or postgresql:// "
            f"URL, or leave --store out for ${STORE_VARIABLE} or {DEFAULT_STORE}"
        )
    else:
        store = str(args.store)
    try:
        _path(store)
    except argparse.ArgumentTypeError as e:
        raise InvalidInputError(f"the store: {e}") from None
    return store


# The commands that may create a store that does not exist yet (and any, with --create).
_CREATING = frozenset({"demo", "migrate"})


def _missing_store(store: str) -> str | None:
    """Why the store does not exist (a missing file, a database without tables), if not.

    A store that cannot be told apart here (not a database at all, a URL of an
    unknown kind) counts as existing: the library says what is wrong with it.
    The store's adapter looks (:func:`~familiekoordinering.store.holds_store`).
    """
    name = store.strip()
    if name.startswith(("postgresql://", "postgres://")):
        if holds_store(name):
            return None
        return (
            f"the PostgreSQL database of {_without_password(name)!r} holds no "
            f"familiekoordinering store (none of its tables){_HOW_TO_CREATE}"
        )
    if "://" in name:
        return None
    path = sqlite_file(name)
    if path is None:
        return (
            f"the store {name!r} is in memory, which is new and empty in every "
            f"process: give the store's file path or URL{_HOW_TO_CREATE}"
        )
    if not os.path.exists(path):  # False too for a path no file can have
        return (
            f"the store {name!r} does not exist: check --store (or "
            f"${STORE_VARIABLE}){_HOW_TO_CREATE}"
        )
    if holds_store(name) is False:
        return (
            f"the file {name!r} holds no familiekoordinering store (none of its "
            f"tables): check --store (or ${STORE_VARIABLE}){_HOW_TO_CREATE}"
        )
    return None


def _without_password(url: str) -> str:
    """A URL as it may be shown: its password, if any, left out."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


_HOW_TO_CREATE = (
    "; 'familiekoordinering demo' or 'familiekoordinering migrate' creates a "
    "store, and so does any command given --create"
)


def _key_file(args: argparse.Namespace) -> Path | None:
    """The master-key file named by ``--master-key-file`` or the environment."""
    given = args.master_key_file or os.environ.get(KEY_VARIABLE)
    return Path(given) if given else None


def _beside(store: str) -> Path | None:
    """Where a demo store's key is kept: ``STORE.key`` beside an SQLite file."""
    if "://" in store or store == "memory":
        return None
    return Path(f"{store}.key")


def _open(
    args: argparse.Namespace, *, demo: bool = False, **kwargs: Any
) -> FamilyCoordination:
    """Open the store with the key given; a demo store also with the key beside it.

    The key beside the store is read only when the store itself is marked as
    a demo store (``familiekoordinering demo`` marks the stores it creates): a
    key file planted beside a real store is never used. A store that does not
    exist is refused unless the command may create it (``demo``, ``migrate``,
    or any command with ``--create``). The application is closed when the
    command ends.
    """
    if args.command not in _WITHOUT_ACTOR:
        _actor(args)  # a malformed actor is refused before the store is opened
    app = _open_store(args, demo=demo, **kwargs)
    args.opened.append(app)
    return app


# The commands that name no actor: they touch no family's data.
_WITHOUT_ACTOR = frozenset({"demo", "migrate", "projections"})


def _open_store(
    args: argparse.Namespace, *, demo: bool, **kwargs: Any
) -> FamilyCoordination:
    store = _store(args)
    key_file = _key_file(args)
    missing = _missing_store(store)
    if missing is not None:
        if not (args.create or args.command in _CREATING):
            raise ConfigurationError(missing)
        store_settings(store)  # a store that cannot be: refused before it is made
        if key_file is None and sqlite_file(store.strip()) is not None:
            # Not in memory: refused here, before the library makes a file or tables.
            raise ConfigurationError(
                "a new store is encrypted: give its master key with "
                f"--master-key-file PATH (or set {KEY_VARIABLE}), a file holding "
                "the base64 of 32 random bytes; 'familiekoordinering demo' makes a "
                "demo store with its own key"
            )
    if key_file is not None:
        return FamilyCoordination(
            store, master_key=load_master_key(key_file), demo=demo, **kwargs
        )
    try:
        return FamilyCoordination(store, demo=demo, **kwargs)
    except MasterKeyRequiredError as e:
        beside = _beside(store)
        if not (e.demo_store and beside is not None and beside.exists()):
            raise MasterKeyRequiredError(
                f"{e} (give --master-key-file PATH or set {KEY_VARIABLE})",
                demo_store=e.demo_store,
            ) from None
        return FamilyCoordination(
            store, master_key=load_master_key(beside), demo=demo, **kwargs
        )
    except ConfigurationError as e:
        if "master_key=" not in str(e):
            raise
        raise ConfigurationError(
            f"{e}. On the command line: --master-key-file PATH (or set "
            f"{KEY_VARIABLE}); 'familiekoordinering demo' makes a demo store "
            "with its own key"
        ) from None


def _actor(args: argparse.Namespace) -> Actor:
    """Who runs the command: ``--actor USER:ROLE:MUNICIPALITY``."""
    text = args.actor or os.environ.get(ACTOR_VARIABLE)
    roles = ", ".join(r.value for r in Role)
    if not text:
        raise InvalidInputError(
            "name who runs the command: --actor USER:ROLE:MUNICIPALITY, e.g. "
            f"t-lead:team_lead:4204 (or set {ACTOR_VARIABLE}); roles: {roles}"
        )
    parts = text.split(":")
    if len(parts) != 3 or not all(p.strip() for p in parts):
        raise InvalidInputError(
            f"{text!r} is not USER:ROLE:MUNICIPALITY, e.g. t-lead:team_lead:4204"
        )
    user, role, municipality = (p.strip() for p in parts)
    if visible(user) != user:
        raise InvalidInputError(
            f"--actor {text!r}: the user id holds control characters: give the "
            "user's id as your app knows it"
        )
    try:
        chosen = Role(role)
    except ValueError:
        raise InvalidInputError(f"{role!r} is not a role: use one of {roles}") from None
    return Actor(user, chosen, _municipality(municipality, f"--actor {text!r}"))


def _municipality(text: str, where: str) -> Municipality:
    """An official municipality number given on the command line, or a clear refusal."""
    try:
        check_municipality(text)  # ASCII digits: another script's are no number
    except InvalidInputError as e:
        raise InvalidInputError(f"{where}: {e}") from None
    return Municipality(text)


def _whole_id(text: str) -> FamilyId | None:
    """The family id ``text`` spells out whole (36 characters, or 32 hex digits), if it does."""
    try:
        return FamilyId(UUID(text.strip()))
    except ValueError:
        return None


def _family_id(app: FamilyCoordination, text: str, actor: Actor) -> FamilyId:
    """Accept a whole id or a unique prefix of one (as printed by ``families``)."""
    whole = _whole_id(text)
    if whole is not None:
        return whole
    text = text.strip().lower()
    if len(text) < 4 or not re.fullmatch(r"[0-9a-f-]+", text):
        raise NotFoundError(
            f"{text!r} is not a family id: give the id (or its first characters) "
            "from 'familiekoordinering families'"
        )
    try:
        listed = app.family_ids(actor=actor)
    except AccessDeniedError:
        raise InvalidInputError(
            f"{text!r} is not a whole family id, and a {actor.role.value} may not "
            "list families to find it by its first characters: give the whole id"
        ) from None
    matches = [f for f in listed if str(f).startswith(text)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFoundError(
            f"no family id starts with {text!r}: list them with "
            "'familiekoordinering families'"
        )
    raise NotFoundError(
        f"{len(matches)} families start with {text!r}: give more of the id"
    )


def _print(text: str = "", *, end: str = "\n") -> None:
    """Write text for the terminal: its control characters but newlines made visible."""
    print(visible(text, keep="\n"), end=end)


def _note(text: str) -> None:
    """A note on standard error, on one line."""
    print(f"note: {visible(text)}", file=sys.stderr)


def _raw_value(_instance: Any, _field: Any, value: Any) -> Any:
    """A value as the command line's JSON holds it: dates in ISO form, ids as text."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _raw(instance: Any) -> dict[str, Any]:
    """An attrs value as JSON-able data, its fields by name (see :func:`_raw_value`)."""
    return attrs.asdict(instance, value_serializer=_raw_value)


def _json(data: Any) -> str:
    """JSON as the command line writes it: readable, control characters escaped."""
    return json_visible(json.dumps(data, ensure_ascii=False, indent=2)) + "\n"


def _check_output(path: str | None, *, force: bool) -> None:
    """Refuse an ``--output`` path that cannot be written, before any work is done.

    :func:`write_private` checks again when it writes (the file system may
    change meanwhile); this says what is wrong before the store is read.
    """
    if path is None:
        return
    if os.path.islink(path):
        raise InvalidInputError(
            f"{path} is a symbolic link: files are never written through one; give "
            "the path of the file itself, or remove the link"
        )
    if os.path.isdir(path):
        raise InvalidInputError(
            f"{path} is a directory: give the path of a file, e.g. "
            f"{os.path.join(path, 'output')}"
        )
    if os.path.lexists(path) and not force:
        raise InvalidInputError(
            f"{path} exists already: give the path of a new file, or --force to "
            "replace it"
        )
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise InvalidInputError(
            f"cannot write {path}: the directory {folder} does not exist; create "
            "it first, or give a path in a directory that exists"
        )


def _write(path: str, data: bytes, *, force: bool) -> None:
    """Write an ``--output`` file (see :func:`write_private`); a directory is refused."""
    _check_output(path, force=force)
    write_private(path, data, overwrite=force)


def _timeline_text(timeline: Timeline) -> str:
    """The timeline as text, its stored words' control characters made visible."""

    def shown(text: str | None) -> str | None:
        return None if text is None else visible(text)

    return attrs.evolve(
        timeline,
        label=visible(timeline.label),
        entries=tuple(
            attrs.evolve(
                entry,
                what=visible(entry.what),
                who=visible(entry.who),
                permitted_by=shown(entry.permitted_by),
                family_knew=shown(entry.family_knew),
            )
            for entry in timeline.entries
        ),
    ).render_text()


class _ProgressClock(DemoClock):
    """The demo's clock, drawing on a terminal how far the demo has come.

    The demo moves its clock once before each step it records
    (:meth:`DemoClock.at`), the same steps in the rehearsal in memory as in the
    store. The rehearsal's clock (this clock's :meth:`copy`) counts them;
    writing the store then shows how many of them are done, as a bar. Drawn on
    standard error, at most ten times a second; :meth:`end` ends the line.
    """

    def __init__(self) -> None:
        super().__init__()
        self._start("writing")
        self.rehearsal: _ProgressClock | None = None

    def _start(self, phase: str) -> None:
        self.phase = phase
        self.steps = 0
        self.total: int | None = None
        self.day: date | None = None
        self.drawn_at: float | None = None

    def at(self, day: date, late_days: int = 0, time_of_day: time = time(9)) -> None:
        super().at(day, late_days, time_of_day)
        self.steps += 1
        self.day = day + timedelta(days=late_days)
        now = monotonic()
        if self.drawn_at is None or now - self.drawn_at >= 0.1:
            self.drawn_at = now
            self._draw()

    def _draw(self) -> None:
        done = (
            f"{self.steps:,} steps"
            if self.total is None
            else f"{_bar(min(self.steps, self.total), self.total)} steps"
        )
        day = f", recorded up to {self.day.isoformat()}" if self.day else ""
        sys.stderr.write(f"\rdemo, {self.phase}: {done}{day}")
        sys.stderr.flush()

    def end(self) -> None:
        """Draw where the demo stands and end the line, if anything was drawn."""
        if self.drawn_at is not None:
            self._draw()
            sys.stderr.write("\n")
            sys.stderr.flush()
            self.drawn_at = None

    def copy(self) -> DemoClock:
        """A clock at the same "now" that moves on its own: the rehearsal's."""
        twin = shallow_copy(self)
        twin._start("rehearsing in memory")
        self.rehearsal = twin
        return twin


def _demo(args: argparse.Namespace) -> int:
    # On a terminal, the demo shows its progress on standard error.
    clock = _ProgressClock() if sys.stderr.isatty() else DemoClock()
    store = _store(args)
    store_settings(store)  # a store that cannot be: refused before a key is written
    # As build_demo checks them, but before a new store and its key are made.
    if not 1 <= args.families <= 10_000:
        raise InvalidInputError(f"--families is {args.families}: give 1 to 10000")
    if not 1 <= args.years <= 5:
        raise InvalidInputError(f"--years is {args.years}: give 1 to 5")
    # Rehearsed in memory first: a demo the library refuses makes no store and no key.
    try:
        rehearse_demo(
            clock,
            families=args.families,
            years=args.years,
            seed=args.seed,
            programme=args.programme,
        )
    finally:
        if isinstance(clock, _ProgressClock) and clock.rehearsal is not None:
            clock.rehearsal.end()
            clock.total = clock.rehearsal.steps
    beside = _beside(store)
    if _key_file(args) is None and beside is not None and not Path(store).exists():
        # A new demo store is encrypted like a real one and marked as a demo:
        # only then may its master key be kept beside it.
        key = new_master_key()
        write_private(beside, base64.b64encode(key) + b"\n", overwrite=False)
        _note(f"wrote the demo store's master key to {beside}")
        app = FamilyCoordination(store, master_key=key, demo=True, clock=clock)
        args.opened.append(app)
    else:
        app = _open(args, demo=True, clock=clock)
    if any(True for _ in app._reader.family_ids()):
        _note(f"the store already holds families; adding the demo for seed {args.seed}")
    try:
        report = build_demo(
            app,
            clock,
            families=args.families,
            years=args.years,
            seed=args.seed,
            rehearse=False,
            programme=args.programme,
        )
    except DuplicateIdError:
        raise DuplicateIdError(
            f"the store {app.store} already holds the demo for seed {args.seed}: "
            "use another --seed or another --store"
        ) from None
    finally:
        if isinstance(clock, _ProgressClock):
            clock.end()
    # A competence team's inquiries (Drammen): the years in numbers.
    if report.inquiries:
        from familiekoordinering.demo import PROGRAMMES

        lead = PROGRAMMES[args.programme].lead_actor
        years = ", ".join(f"{year}: {n}" for year, n in report.inquiries.items())
        _print(
            f"Received {len(report.inquiry_ids)} inquiries in {args.years} year(s) "
            f"({years}), each closed with an outcome; {len(report.family_ids)} "
            f"families enrolled: {report.events} events stored in {app.store}."
        )
        last = max(report.inquiries)
        print()
        _print(render_inquiry_report(app.inquiries(actor=lead, year=last), "nb"))
        print()
        actor = f"{lead.user_id}:{lead.role.value}:{lead.municipality}"
        print(
            f"Next, as the demo's team lead (--actor {actor}): "
            f"familiekoordinering inquiries --year {last}; familiekoordinering families"
        )
        return EXIT_OK
    _print(
        f"Enrolled {len(report.family_ids)} families followed for {args.years} "
        f"year(s): {report.events} events stored in {app.store}."
    )
    if report.refused:  # one line, however many families showed it
        _print(
            f"Refused as it should be (nothing stored): {visible(report.refused[0])}"
            + (
                f" (and {len(report.refused) - 1} more)"
                if len(report.refused) > 1
                else ""
            )
        )
    from familiekoordinering.demo import PROGRAMMES

    programme = PROGRAMMES[args.programme]
    lead = programme.lead_actor
    family = app.get_family(report.family_ids[0], actor=lead)
    last_day = max(e.occurred_on for e in app.family_history(family.id, actor=lead))
    print()
    _print(
        render_plan(app.views.document(family.id, actor=lead, catch_up=True), last_day)
    )
    print()
    language = programme.language.value
    _print(_timeline_text(app.timeline(family.id, actor=lead, language=language)))
    print()
    actor = f"{lead.user_id}:{lead.role.value}:{lead.municipality}"
    lang = "" if programme.language is DEFAULT_LANGUAGE else f" --lang {language}"
    print(
        f"Next, as the demo's team lead (--actor {actor}): "
        f"familiekoordinering families; familiekoordinering timeline <id>{lang}"
    )
    return EXIT_OK


def _families(args: argparse.Namespace) -> int:
    app = _open(args)
    actor = _actor(args)
    summaries = app.list_families(actor=actor)
    if args.format == "json":
        print(_json({"families": [_raw(s) for s in summaries]}), end="")
        return EXIT_OK
    if not summaries:
        _note(
            f"no families to list: the store holds none that {actor.user_id} "
            f"({actor.role.value} in municipality {actor.municipality}) may read"
        )
    for summary in summaries:
        ended = f" ended {summary.ended_on.isoformat()}" if summary.ended_on else ""
        _print(
            f"{summary.family_id}  {visible(summary.label):<14} "
            f"{visible(summary.municipality)}  {summary.started_on.isoformat()} – "
            f"{summary.planned_end_on.isoformat()}  "
            f"{visible(summary.coordinator or '-')}{ended}"
        )
    return EXIT_OK


def _today() -> date:
    # The command line is where the clock is read: today, in this machine's time zone.
    return datetime.now(UTC).astimezone().date()


def _plan(args: argparse.Namespace) -> int:
    app = _open(args)
    family_id = _family_id(app, args.family_id, _actor(args))
    doc = app.views.document(family_id, actor=_actor(args), catch_up=True)
    on = args.on or _today()
    if args.format == "json":
        print(_json(_plan_json(doc, on)), end="")
    else:
        _print(render_plan(doc, on))
    return EXIT_OK


def _plan_json(doc: dict[str, Any], on: date) -> dict[str, Any]:
    """The plan as ``plan`` prints it, as data: the views' plan, consents, notices."""
    notices = sorted(doc["notices"].items(), key=lambda item: item[1]["inform_by"])
    return {
        "on": on.isoformat(),
        **plan_of(doc),
        "consents_in_force": [_raw(p) for p in consent_register(doc, on)],
        "notices": [{"action_id": key, **notice} for key, notice in notices],
    }


def _caseload(args: argparse.Namespace) -> int:
    municipality = (
        None
        if args.municipality is None
        else _municipality(args.municipality, "--municipality")
    )
    app = _open(args)
    on = args.on or _today()
    entries = app.views.caseload(
        on=on,
        actor=_actor(args),
        coordinator_id=args.coordinator,
        municipality=municipality,
        include_ended=args.all,
        catch_up=True,
    )
    if args.format == "json":
        print(_json(_caseload_json(entries, on)), end="")
        return EXIT_OK
    _print(render_caseload(entries, on))
    if not entries:
        _print(
            "  nothing to list"
            + ("" if args.all else " (ended follow-ups are left out: --all shows them)")
        )
    return EXIT_OK


def _bar(done: int, total: int, width: int = 40) -> str:
    """``[####....] done/total``: a progress bar's line, for standard error."""
    filled = min(width, int(width * done / total)) if total else width
    return f"[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}"


def _caseload_json(entries: Sequence[CaseloadEntry], on: date) -> dict[str, Any]:
    """The caseload as data: each family's entry, and whether it needs attention."""
    families = [
        {
            **_raw(entry),
            "consents_expiring": [
                {"consent_id": consent_id, "valid_until": until.isoformat()}
                for consent_id, until in entry.consents_expiring
            ],
            "needs_attention": entry.needs_attention,
        }
        for entry in entries
    ]
    return {"on": on.isoformat(), "families": families}


def _progress_bar(position: int, head: int) -> None:
    sys.stderr.write(f"\r{_bar(position, head)} events")
    sys.stderr.flush()


def _migrate(args: argparse.Namespace) -> int:
    # Opening the application creates eventsourcing's tables; touching the views
    # creates theirs. Run it once before starting several processes on a new
    # PostgreSQL database: creating tables from many processes at once races.
    app = _open(args)
    status = app.views.status()
    _print(
        f"the store {app.store} is ready: {status.head:,} events; {_status_line(status)}"
    )
    return EXIT_OK


def _status_line(status: ViewStatus) -> str:
    return (
        f"views (generation {status.generation}): at {status.position:,} of "
        f"{status.head:,} events, {status.behind:,} behind"
    )


def _projections(args: argparse.Namespace) -> int:
    app = _open(args)
    views = app.views
    if args.action == "status":
        status = views.status()
        if args.format == "json":
            print(_json({**attrs.asdict(status), "behind": status.behind}), end="")
        else:
            print(_status_line(status))
        return EXIT_OK
    if args.action == "rebuild":
        views.rebuild_batch_size = args.batch_size
        count = views.rebuild(progress=_progress_bar if sys.stderr.isatty() else None)
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        print(
            f"rebuilt the views from {count:,} events; {_status_line(views.status())}"
        )
        return EXIT_OK
    views.batch_size = args.batch_size
    if args.once:
        count = views.catch_up()
        print(f"folded {count:,} events into the views; {_status_line(views.status())}")
        return EXIT_OK
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("keeping the views up to date (Ctrl-C or SIGTERM to stop)", file=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):
        views.run(until=stop.is_set, poll_interval=args.poll)
    print(f"stopped: {_status_line(views.status())}")
    return EXIT_OK


def _timeline(args: argparse.Namespace) -> int:
    app = _open(args)
    family_id = _family_id(app, args.family_id, _actor(args))
    if args.format == "html":
        on = args.as_of or datetime.now(UTC).date()
        _print(
            app.report(family_id, on=on, actor=_actor(args), language=args.lang),
            end="",
        )
        return EXIT_OK
    timeline = app.timeline(
        family_id,
        actor=_actor(args),
        language=args.lang,
        as_of=args.as_of,
        as_recorded=args.as_recorded,
    )
    if args.format == "json":
        print(_json(timeline.to_json()), end="")
    else:
        _print(_timeline_text(timeline))
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    _check_output(args.output, force=args.force)
    app = _open(args)
    family_id = _family_id(app, args.family_id, _actor(args))
    member_id = None
    if args.member is not None:
        try:
            member_id = MemberId(UUID(args.member))
        except ValueError:
            raise InvalidInputError(
                f"{args.member!r} is not a member id: see the family's timeline"
            ) from None
    today = datetime.now(UTC).date()
    if args.output and str(args.output).endswith(".html"):
        if member_id is not None:
            raise InvalidInputError(
                "the HTML report covers the whole family: export one member as .json"
            )
        content = app.report(
            family_id, on=today, actor=_actor(args), language=args.lang
        )
    else:
        data = app.access_export(
            family_id,
            on=today,
            actor=_actor(args),
            member_id=member_id,
            language=args.lang,
        )
        content = _json(data)
    if args.output:
        # Lone surrogates (in text written beneath the library) cannot be UTF-8.
        data_bytes = content.encode("utf-8", errors="backslashreplace")
        _write(args.output, data_bytes, force=args.force)
        print(f"wrote {visible(args.output)}", file=sys.stderr)
    else:
        _print(content, end="")
    return EXIT_OK


def _fhir(args: argparse.Namespace) -> int:
    _check_output(args.output, force=args.force)
    app = _open(args)
    family_id = _family_id(app, args.family_id, _actor(args))
    content = _json(app.fhir_export(family_id, actor=_actor(args)))
    if args.output:
        _write(args.output, content.encode("utf-8", errors="backslashreplace"),
               force=args.force)  # fmt: skip
        print(f"wrote {visible(args.output)}", file=sys.stderr)
    else:
        _print(content, end="")
    return EXIT_OK


def _audit(args: argparse.Namespace) -> int:
    app = _open(args)
    family_id = (
        _family_id(app, args.family_id, _actor(args)) if args.family_id else None
    )
    checkpoint = None
    if args.checkpoint:
        try:
            text = Path(args.checkpoint).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InvalidInputError(
                f"cannot read the checkpoint {args.checkpoint!r}: {e}"
            ) from None
        checkpoint = Checkpoint.from_json(text)
    report = app.audit(
        family_id,
        on=args.on or _today(),
        actor=_actor(args),
        checkpoint=checkpoint,
        fingerprint=args.fingerprint,
    )
    if args.format == "json":
        print(_json(_audit_json(report)), end="")
    else:
        _print(_audit_text(report))
    if report.violations:
        _note(
            f"{len(report.violations)} violation(s) found (exit status {EXIT_FINDINGS})"
        )
        return EXIT_FINDINGS
    return EXIT_OK


def _audit_json(report: AuditReport) -> dict[str, Any]:
    """The audit's report as data: its counts, and each finding with its kind."""
    return {
        "on": report.on.isoformat(),
        "families": report.families,
        "events": report.events,
        "verified": report.verified,
        "violations": len(report.violations),
        "breaks": len(report.breaks),
        "notes": len(report.findings) - len(report.violations),
        "findings": [
            {"kind": finding.kind.value, "violation": finding.is_violation}
            | _raw(finding)
            for finding in report.findings
        ],
    }


def _audit_text(report: AuditReport) -> str:
    """The audit's report as text, the findings' control characters made visible."""
    findings = tuple(
        attrs.evolve(f, message=visible(f.message)) for f in report.findings
    )
    return str(attrs.evolve(report, findings=findings))


def _checkpoint(args: argparse.Namespace) -> int:
    _check_output(args.output, force=args.force)
    app = _open(args)
    checkpoint = app.checkpoint(actor=_actor(args))
    text = checkpoint.to_json()
    if args.output:
        _write(args.output, text.encode("utf-8"), force=args.force)
        print(
            f"wrote {visible(args.output)}: position {checkpoint.position}, "
            f"{checkpoint.events} events, {len(checkpoint.families)} families; keep "
            "it outside the database",
            file=sys.stderr,
        )
    else:
        _print(text, end="")
    return EXIT_OK


def _chain(args: argparse.Namespace) -> int:
    app = _open(args)
    position = app.start_chain(actor=_actor(args))
    _print(
        f"verification of {app.store} starts after notification {position}: events "
        "up to there carry no digest and are covered by the recorded log digest"
    )
    return EXIT_OK


def _erase(args: argparse.Namespace) -> int:
    if args.finish == bool(args.family_ids):
        raise InvalidInputError(
            "give the ids of the families to erase, or --finish alone to finish "
            "earlier erasures"
        )
    app = _open(args)
    actor = _actor(args)
    if args.finish:
        app.finish_erasures(actor=actor, wait=args.wait)
        print("every erased family's key is gone from the store's files")
        return EXIT_OK
    # Every id is checked before any family is erased.
    chosen: list[tuple[FamilyId, bool]] = []
    for text in args.family_ids:
        whole = _whole_id(text)
        if whole is not None:
            chosen.append((whole, False))
            continue
        family_id = _family_id(app, text, actor)
        if not args.yes:
            raise InvalidInputError(
                f"{text!r} is only the first characters of the family id "
                f"{family_id}: erasing needs the whole id, or --yes to erase the "
                "family it names after printing its label and member count"
            )
        chosen.append((family_id, True))
    for family_id, shortened in chosen:
        if shortened:
            family = app.get_family(family_id, actor=actor)
            _print(
                f"erasing {family_id}: {visible(family.label)}, "
                f"{len(family.members)} member(s)"
            )
        erasure = app.erase(family_id, actor=actor, wait=args.wait)
        _print(
            f"erased {erasure.family_id} at "
            f"{erasure.erased_at.isoformat(timespec='seconds')} by "
            f"{visible(str(erasure.erased_by))}"
        )
    return EXIT_OK


def _research_export(args: argparse.Namespace) -> int:
    _check_output(args.output, force=args.force)
    key = load_master_key(args.key_file)
    app = _open(args)
    text = app.research_export(actor=_actor(args), key=key, k=args.k)
    data = text.encode("utf-8", errors="backslashreplace")
    _write(args.output, data, force=args.force)
    rows = text.count("\n") - 1
    print(f"wrote {visible(args.output)}: {rows} row(s)", file=sys.stderr)
    return EXIT_OK


def _retention(args: argparse.Namespace) -> int:
    app = _open(args)
    actor = _actor(args)
    on = args.on or _today()
    due = app.due_for_erasure(on=on, years=args.years, actor=actor)
    if args.format == "json":
        data = {"on": on.isoformat(), "years": args.years, "due": [str(f) for f in due]}
        print(_json(data), end="")
    else:
        for family_id in due:
            print(family_id)
        if not due:
            _note(
                f"no family is due for erasure: none of municipality "
                f"{actor.municipality} ended its follow-up more than {args.years} "
                f"year(s) before {on.isoformat()} without being erased"
            )
    if not due:
        return EXIT_OK
    _note(
        f"{len(due)} family(ies) due for erasure (exit status {EXIT_FINDINGS}): "
        "'familiekoordinering erase FAMILY_ID' erases one"
    )
    return EXIT_FINDINGS


def _inquiries(args: argparse.Namespace) -> int:
    app = _open(args)
    on = args.on or _today()
    report = app.inquiries(
        actor=_actor(args),
        year=args.year if args.year is not None else on.year,
        overdue_after_days=args.overdue_days,
        on=on,
    )
    if args.format == "json":
        print(_json(report.to_json()), end="")
    else:
        _print(render_inquiry_report(report, args.lang))
    if report.flagged:
        _note(
            f"{len(report.flagged)} inquiry(ies) of {report.year} without an outcome "
            f"after more than {report.overdue_after_days} days (exit status "
            f"{EXIT_FLAGGED})"
        )
        return EXIT_FLAGGED
    return EXIT_OK


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "audit": _audit,
    "chain": _chain,
    "checkpoint": _checkpoint,
    "caseload": _caseload,
    "migrate": _migrate,
    "projections": _projections,
    "demo": _demo,
    "families": _families,
    "plan": _plan,
    "timeline": _timeline,
    "export": _export,
    "fhir": _fhir,
    "erase": _erase,
    "retention": _retention,
    "research-export": _research_export,
    "inquiries": _inquiries,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    0 done; 1 refused; 2 a usage error; 3 an internal error (a bug); 4 the
    report holds findings (``audit``, ``retention``, ``inquiries``).
    """
    try:
        args = _parser().parse_args(argv)
    except SystemExit as done:  # --help, --version, a usage error
        if done.code is None or isinstance(done.code, int):
            return done.code or EXIT_OK
        return EXIT_USAGE
    args.opened = []  # the applications the command opens, closed when it ends
    try:
        return _COMMANDS[args.command](args)
    except FamiliekoordineringError as e:
        if args.debug:
            traceback.print_exc()
        # One line, whatever the message quotes.
        print(f"familiekoordinering: {visible(str(e))}", file=sys.stderr)
        return EXIT_REFUSED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:
        if args.debug:
            traceback.print_exc()
        print(
            f"familiekoordinering: internal error: {type(e).__name__}: "
            f"{visible(str(e))} (run again with --debug for the traceback, and "
            "please report it)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    finally:
        for app in args.opened:
            with contextlib.suppress(Exception):
                app.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
