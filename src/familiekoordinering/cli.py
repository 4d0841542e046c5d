"""The ``familiekoordinering`` command line.

The store is a SQLite file path or a ``postgresql://`` URL, given by ``--store``
or the environment variable ``FAMILIEKOORDINERING_STORE``; the default is
``familiekoordinering.db`` in the working directory. Every command that reads
or writes a family names who runs it: ``--actor USER:ROLE:MUNICIPALITY`` (or
``FAMILIEKOORDINERING_ACTOR``). The master key that opens the families'
personal data is read from ``--master-key-file`` (or
``FAMILIEKOORDINERING_MASTER_KEY_FILE``; for a demo store that
``familiekoordinering demo`` created, ``STORE.key`` beside it). Errors print
one line on standard error and exit non-zero (``--debug`` shows the
traceback). Files written with ``--output`` are new files readable by their
owner only (0600), never written through a symbolic link, and an existing one
is replaced only with ``--force``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from familiekoordinering import __version__
from familiekoordinering.application import FamilyCoordination
from familiekoordinering.demo import DemoClock, build_demo
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
from familiekoordinering.store import DEFAULT_STORE
from familiekoordinering.text import render_caseload, render_plan
from familiekoordinering.timeline import DEFAULT_LANGUAGE, LANGUAGES
from familiekoordinering.views import ViewStatus

__all__ = ["main"]

STORE_VARIABLE = "FAMILIEKOORDINERING_STORE"
ACTOR_VARIABLE = "FAMILIEKOORDINERING_ACTOR"
KEY_VARIABLE = "FAMILIEKOORDINERING_MASTER_KEY_FILE"

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit 2 without the usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="familiekoordinering",
        description="Family coordination records: demo, families, plans, timelines.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument(
        "--store",
        default=None,
        help=(
            f"SQLite file path or postgresql:// URL (default: ${STORE_VARIABLE} or "
            f"{DEFAULT_STORE})"
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
        "--master-key-file",
        default=None,
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
    demo.add_argument("--families", type=int, default=3, help="how many (default 3)")
    demo.add_argument("--years", type=int, default=3, help="years followed, 1-5")
    demo.add_argument("--seed", type=int, default=1, help="random seed (default 1)")

    commands.add_parser("families", help="one family per line, its id first")

    plan = commands.add_parser(
        "plan", help="a family's plan as it stands (from the views)"
    )
    plan.add_argument("family_id", metavar="FAMILY_ID")
    plan.add_argument(
        "--on", type=_date, default=None, help="consents in force on DATE"
    )

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
    run.add_argument("--poll", type=float, default=0.5, help="seconds between polls")
    run.add_argument(
        "--batch-size", type=int, default=5000, help="events per transaction"
    )
    actions.add_parser("status", help="each view's position against the log's head")
    rebuild = actions.add_parser(
        "rebuild", help="rebuild from zero beside, then switch"
    )
    rebuild.add_argument(
        "--batch-size", type=int, default=5000, help="events per transaction"
    )

    timeline = commands.add_parser(
        "timeline", help="every event of a family, in order, as the family reads it"
    )
    timeline.add_argument("family_id", metavar="FAMILY_ID")
    timeline.add_argument(
        "--lang", choices=[x.value for x in LANGUAGES], default=DEFAULT_LANGUAGE.value,
        help="language (default nb, Norwegian Bokmål)",
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
        "--output", metavar="PATH", default=None,
        help="write to PATH (.json, or .html for the report); default: print JSON",
    )  # fmt: skip
    _add_force(export)
    export.add_argument(
        "--lang", choices=[x.value for x in LANGUAGES], default=DEFAULT_LANGUAGE.value
    )

    erase = commands.add_parser(
        "erase",
        help="erase families' personal data by destroying their keys (crypto-shredding)",
    )
    erase.add_argument("family_ids", metavar="FAMILY_ID", nargs="*")
    erase.add_argument(
        "--wait",
        metavar="SECONDS",
        type=float,
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
    research.add_argument("--output", metavar="PATH", required=True)
    _add_force(research)
    research.add_argument(
        "--key-file",
        metavar="PATH",
        required=True,
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
        help="families whose follow-up ended more than YEARS ago, not yet erased",
    )
    retention.add_argument("--years", type=int, required=True, metavar="YEARS")
    retention.add_argument(
        "--on", type=_date, default=None, help="as of DATE (default: today)"
    )

    audit = commands.add_parser(
        "audit",
        help="verify the stored history's chains, then check the events: uncovered "
        "actions, overdue notices, legal duties (exit 0: nothing found; 1: "
        "findings; 2: could not run)",
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

    checkpoint = commands.add_parser(
        "checkpoint",
        help="write the head of the store's history as JSON, to keep outside the "
        "database (for 'audit --checkpoint')",
    )
    checkpoint.add_argument(
        "--output", default=None, metavar="PATH", help="write it here (default: stdout)"
    )
    _add_force(checkpoint)

    commands.add_parser(
        "chain",
        help="start verifying a store written before events were chained (once)",
    )
    return parser


def _add_force(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--force",
        action="store_true",
        help="replace the --output file if it exists (never through a symbolic link)",
    )


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: use YYYY-MM-DD"
        ) from None


def _store(args: argparse.Namespace) -> str:
    return str(args.store or os.environ.get(STORE_VARIABLE) or DEFAULT_STORE)


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
    key file planted beside a real store is never used.
    """
    store = _store(args)
    key_file = _key_file(args)
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
    try:
        return Actor(user, Role(role), Municipality(municipality))
    except ValueError:
        raise InvalidInputError(f"{role!r} is not a role: use one of {roles}") from None


def _family_id(app: FamilyCoordination, text: str, actor: Actor) -> FamilyId:
    """Accept a whole id or a unique prefix of one (as printed by ``families``)."""
    text = text.strip().lower()
    try:
        return FamilyId(UUID(text))
    except ValueError:
        pass
    if len(text) < 4:
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


def _demo(args: argparse.Namespace) -> int:
    clock = DemoClock()
    store = _store(args)
    beside = _beside(store)
    if _key_file(args) is None and beside is not None and not Path(store).exists():
        # A new demo store is encrypted like a real one and marked as a demo:
        # only then may its master key be kept beside it.
        key = new_master_key()
        write_private(beside, base64.b64encode(key) + b"\n", overwrite=False)
        print(f"note: wrote the demo store's master key to {beside}", file=sys.stderr)
        app = FamilyCoordination(store, master_key=key, demo=True, clock=clock)
    else:
        app = _open(args, demo=True, clock=clock)
    if any(True for _ in app._family_ids()):
        print(
            f"note: the store already holds families; adding the demo for seed "
            f"{args.seed}",
            file=sys.stderr,
        )
    try:
        report = build_demo(
            app, clock, families=args.families, years=args.years, seed=args.seed
        )
    except DuplicateIdError:
        raise DuplicateIdError(
            f"the store {app.store} already holds the demo for seed {args.seed}: "
            "use another --seed or another --store"
        ) from None
    print(
        f"Enrolled {len(report.family_ids)} families followed for {args.years} "
        f"year(s): {report.events} events stored in {app.store}."
    )
    for line in report.refused:
        print(f"Refused as it should be (nothing stored): {line}")
    lead = Actor("t-lead", Role.TEAM_LEAD, Municipality("4204"))
    family = app.get_family(report.family_ids[0], actor=lead)
    last_day = max(e.occurred_on for e in app.family_history(family.id, actor=lead))
    print()
    print(
        render_plan(app.views.document(family.id, actor=lead, catch_up=True), last_day)
    )
    print()
    print(app.timeline(family.id, actor=lead).render_text())
    print()
    print(
        "Next, as the demo's team lead (--actor t-lead:team_lead:4204): "
        "familiekoordinering families; familiekoordinering timeline <id>"
    )
    return EXIT_OK


def _families(args: argparse.Namespace) -> int:
    app = _open(args)
    for summary in app.list_families(actor=_actor(args)):
        ended = f" ended {summary.ended_on.isoformat()}" if summary.ended_on else ""
        print(
            f"{summary.family_id}  {summary.label:<14} {summary.municipality}  "
            f"{summary.started_on.isoformat()} – {summary.planned_end_on.isoformat()}"
            f"  {summary.coordinator or '-'}{ended}"
        )
    return EXIT_OK


def _today() -> date:
    # The command line is where the clock is read: today, in this machine's time zone.
    return datetime.now(UTC).astimezone().date()


def _plan(args: argparse.Namespace) -> int:
    app = _open(args)
    family_id = _family_id(app, args.family_id, _actor(args))
    doc = app.views.document(family_id, actor=_actor(args), catch_up=True)
    print(render_plan(doc, args.on or _today()))
    return EXIT_OK


def _caseload(args: argparse.Namespace) -> int:
    app = _open(args)
    on = args.on or _today()
    entries = app.views.caseload(
        on=on,
        actor=_actor(args),
        coordinator_id=args.coordinator,
        municipality=args.municipality,
        include_ended=args.all,
        catch_up=True,
    )
    print(render_caseload(entries, on))
    return EXIT_OK


def _progress_bar(position: int, head: int) -> None:
    width = 40
    done = int(width * position / head) if head else width
    sys.stderr.write(
        f"\r[{'#' * done}{'.' * (width - done)}] {position:,}/{head:,} events"
    )
    sys.stderr.flush()


def _migrate(args: argparse.Namespace) -> int:
    # Opening the application creates eventsourcing's tables; touching the views
    # creates theirs. Run it once before starting several processes on a new
    # PostgreSQL database: creating tables from many processes at once races.
    app = _open(args)
    status = app.views.status()
    print(
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
        print(_status_line(views.status()))
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
        print(
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
        print(json.dumps(timeline.to_json(), ensure_ascii=False, indent=2))
    else:
        print(timeline.render_text())
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
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
        content = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if args.output:
        write_private(args.output, content.encode("utf-8"), overwrite=args.force)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        print(content, end="")
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
                f"cannot read the checkpoint {args.checkpoint}: {e}"
            ) from None
        checkpoint = Checkpoint.from_json(text)
    report = app.audit(
        family_id,
        on=args.on or _today(),
        actor=_actor(args),
        checkpoint=checkpoint,
        fingerprint=args.fingerprint,
    )
    print(report)
    return report.exit_status


def _checkpoint(args: argparse.Namespace) -> int:
    app = _open(args)
    checkpoint = app.checkpoint(actor=_actor(args))
    text = checkpoint.to_json()
    if args.output:
        write_private(args.output, text.encode("utf-8"), overwrite=args.force)
        print(
            f"wrote {args.output}: position {checkpoint.position}, "
            f"{checkpoint.events} events, {len(checkpoint.families)} families; keep "
            "it outside the database",
            file=sys.stderr,
        )
    else:
        print(text, end="")
    return EXIT_OK


def _chain(args: argparse.Namespace) -> int:
    app = _open(args)
    position = app.start_chain(actor=_actor(args))
    print(
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
    for text in args.family_ids:
        erasure = app.erase(_family_id(app, text, actor), actor=actor, wait=args.wait)
        print(
            f"erased {erasure.family_id} at "
            f"{erasure.erased_at.isoformat(timespec='seconds')} by {erasure.erased_by}"
        )
    return EXIT_OK


def _research_export(args: argparse.Namespace) -> int:
    app = _open(args)
    key = load_master_key(args.key_file)
    text = app.research_export(actor=_actor(args), key=key, k=args.k)
    write_private(args.output, text.encode("utf-8"), overwrite=args.force)
    rows = text.count("\n") - 1
    print(f"wrote {args.output}: {rows} row(s)", file=sys.stderr)
    return EXIT_OK


def _retention(args: argparse.Namespace) -> int:
    app = _open(args)
    for family_id in app.due_for_erasure(
        on=args.on or _today(), years=args.years, actor=_actor(args)
    ):
        print(family_id)
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
    "erase": _erase,
    "retention": _retention,
    "research-export": _research_export,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except FamiliekoordineringError as e:
        if args.debug:
            traceback.print_exc()
        print(f"familiekoordinering: {e}", file=sys.stderr)
        # The audit's 1 means "findings": that it could not run is 2.
        return EXIT_USAGE if args.command == "audit" else EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:
        if args.debug:
            traceback.print_exc()
        print(
            f"familiekoordinering: internal error: {type(e).__name__}: {e} "
            "(run again with --debug for the traceback, and please report it)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
