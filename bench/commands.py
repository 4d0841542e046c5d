"""Benchmark ``commands``: recording agency contacts, one command at a time.

Ours: ``FamilyCoordination.record_contact`` on a fresh SQLite file, for one
enrolled family of four whose consent covers the contact, with snapshots at the
library's default interval. Each command loads the family (latest snapshot and
the events after it), checks the rules and the consent, and saves one
``AgencyContacted`` event (and, every ``interval`` events, a snapshot).

Baseline: a bare eventsourcing application on its own SQLite file, snapshotting
at the same interval; each command gets the aggregate, triggers one event
carrying the plain-JSON twin of an ``AgencyContacted`` payload, and saves.

Both sides keep every contact in the aggregate's state, so snapshots grow with
the history on both sides. Both keep aggregates in eventsourcing's cache (the
library's default; the baseline without copying, its fastest form), so a command
reads only the events written since. Ours snapshots the family it has just
saved; bare eventsourcing reloads the aggregate from the store to snapshot it.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from bench.baseline import Case, open_bare_app
from bench.common import Result, Size, stored_size, temp_dir
from bench.fixtures import (
    ACTOR,
    CONTACT_AGENCY,
    CONTACT_PURPOSE,
    READER,
    SETUP_EVENTS,
    START,
    bare_contact_payload,
    enrol_consenting_family,
)
from familiekoordinering import FamilyCoordination
from familiekoordinering.domain.actions import Channel, FamilyKnows
from familiekoordinering.domain.values import Topic

__all__ = ["NAME", "run"]

NAME = "commands"
COMMANDS = {Size.FULL: 2000, Size.QUICK: 300, Size.TINY: 30}
_FIRST_CONTACT_ON = START + timedelta(days=5)
_WINDOW = 0.1  # the share of commands at the start and end reported separately


def _day(i: int) -> int:
    """Contacts move through the first ten months, a few a day.

    The last is on 2026-11-05: the bench records with the real clock, and an
    event cannot be dated after the day it is recorded.
    """
    return i % 300


def _time_each(n: int, command: Callable[[int], object]) -> list[float]:
    """Run ``command(i)`` for i in range(n); return each call's seconds."""
    gc.collect()
    times = []
    clock = time.perf_counter
    for i in range(n):
        start = clock()
        command(i)
        times.append(clock() - start)
    return times


def interleaved_rounds(
    rounds: int,
    n: int,
    open_baseline: Callable[[int], FamilyCoordination],
    open_ours: Callable[[int], FamilyCoordination],
) -> tuple[list[float], list[float]]:
    """:func:`run_interleaved` over ``rounds`` pairs of fresh stores (opened by round).

    Returns the per-command seconds of the baseline and of ours, all rounds
    together.
    """
    baseline: list[float] = []
    ours: list[float] = []
    for i in range(rounds):
        first, second = open_baseline(i), open_ours(i)
        try:
            b, o = run_interleaved(n, first, second)
        finally:
            first.close()
            second.close()
        baseline += b
        ours += o
    return baseline, ours


def contact_command(
    app: FamilyCoordination,
) -> tuple[Callable[[int], object], Callable[[int], None]]:
    """Enrol a consenting family in ``app``; return its command and its check.

    ``command(i)`` records the family's i-th contact; ``check(n)`` raises if
    the family does not hold exactly ``n`` contacts.
    """
    family = enrol_consenting_family(app)

    def command(i: int) -> object:
        return app.record_contact(
            family.family_id,
            agency=CONTACT_AGENCY,
            topics=[Topic.ECONOMY],
            member_ids=[family.adult],
            purpose=CONTACT_PURPOSE,
            channel=Channel.PHONE,
            family_knows=FamilyKnows.inform_afterwards(),
            occurred_on=_FIRST_CONTACT_ON + timedelta(days=_day(i)),
            actor=ACTOR,
        )

    def check(n: int) -> None:
        if app.get_family(family.family_id, actor=READER).version != SETUP_EVENTS + n:
            raise AssertionError("ours: not every contact was stored")

    return command, check


def run_interleaved(
    n: int, first: FamilyCoordination, second: FamilyCoordination
) -> tuple[list[float], list[float]]:
    """Record ``n`` contacts in each app, one command on each in turn.

    Which side goes first alternates command by command, so a drift of the
    machine's speed (another process, the disk flushing) lands on both sides
    alike; returns each side's per-command seconds.
    """
    sides = [contact_command(first), contact_command(second)]
    times: list[list[float]] = [[], []]
    clock = time.perf_counter
    gc.collect()
    for i in range(n):
        for side in (0, 1) if i % 2 == 0 else (1, 0):
            start = clock()
            sides[side][0](i)
            times[side].append(clock() - start)
    for command_check in sides:
        command_check[1](n)
    return times[0], times[1]


def _run_ours(
    db: Path | str,
    n: int,
    *,
    master_key: bytes | None = None,
    app_class: type[FamilyCoordination] = FamilyCoordination,
) -> list[float]:
    # The default snapshot interval and cache; encryption when given a master key.
    app = app_class(db, master_key=master_key, encryption=None if master_key else False)
    try:
        command, check = contact_command(app)
        times = _time_each(n, command)
        check(n)
        return times
    finally:
        app.close()


def _run_baseline(db: Path | str, n: int) -> list[float]:
    app = open_bare_app(db, snapshots=True, cache=True)
    try:
        # As many set-up events as ours has before its first contact.
        case = Case(
            kind="Enrolled", payload={"label": "Hansen", "municipality": "4204"}
        )
        for _ in range(SETUP_EVENTS - 1):
            case.record("SetUp", {"note": "a member added or a consent given"})
        app.save(case)
        member_id, consent_id = uuid4(), uuid4()

        def command(i: int) -> object:
            on = _FIRST_CONTACT_ON + timedelta(days=_day(i))
            aggregate: Case = app.repository.get(case.id)
            aggregate.record(
                "AgencyContacted",
                bare_contact_payload(member_id, consent_id, on, on + timedelta(days=7)),
            )
            return app.save(aggregate)

        times = _time_each(n, command)
        if app.repository.get(case.id).version != SETUP_EVENTS + n:
            raise AssertionError("baseline: not every contact was stored")
        return times
    finally:
        app.close()


def _rate(times: list[float]) -> float:
    return len(times) / sum(times)


def _window_rates(times: list[float]) -> dict[str, float]:
    k = max(1, int(len(times) * _WINDOW))
    return {
        "first_10pct_per_s": _rate(times[:k]),
        "last_10pct_per_s": _rate(times[-k:]),
    }


def _result(
    name: str, backend: str, ours: list[float], bare: list[float], extra: dict[str, Any]
) -> Result:
    interval = FamilyCoordination.DEFAULT_SNAPSHOT_INTERVAL
    return Result(
        name=name,
        description=f"{len(ours)} x record_contact on {backend}, snapshot every {interval} events",
        ours=_rate(ours),
        baseline=_rate(bare),
        unit="commands/s",
        higher_is_better=True,
        details={
            "n": len(ours),
            "snapshot_interval": interval,
            "ours_detail": _window_rates(ours),
            "baseline_detail": _window_rates(bare),
            **extra,
        },
    )


def run(size: Size) -> Result:
    """Run the benchmark at ``size``; return ours and the baseline in commands/s."""
    n = COMMANDS[size]
    with temp_dir() as tmp:
        ours_db, bare_db = tmp / "ours.db", tmp / "baseline.db"
        ours_times = _run_ours(ours_db, n)
        bare_times = _run_baseline(bare_db, n)
        ours_events = stored_size(ours_db, after_version=SETUP_EVENTS)
        bare_events = stored_size(bare_db, after_version=SETUP_EVENTS)
        ours_snaps = stored_size(ours_db, "stored_snapshots")
        bare_snaps = stored_size(bare_db, "stored_snapshots")
    return _result(
        NAME,
        "SQLite",
        ours_times,
        bare_times,
        {
            "ours_bytes_per_event": ours_events.bytes_per_row,
            "baseline_bytes_per_event": bare_events.bytes_per_row,
            "ours_snapshots": ours_snaps.rows,
            "baseline_snapshots": bare_snaps.rows,
            "ours_bytes_per_snapshot": ours_snaps.bytes_per_row,
            "baseline_bytes_per_snapshot": bare_snaps.bytes_per_row,
        },
    )


NAME_POSTGRES = "commands-postgres"


def run_postgres(size: Size) -> Result:
    """The same commands on a throwaway PostgreSQL server, ours and bare, in one run."""
    import psycopg

    from familiekoordinering.testing.postgres import ThrowawayPostgres

    n = COMMANDS[size]
    server = ThrowawayPostgres()
    server.start()
    try:
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute('CREATE DATABASE "ours"')
            conn.execute('CREATE DATABASE "bare"')
        ours_times = _run_ours(server.url("ours"), n)
        bare_times = _run_baseline(server.url("bare"), n)
    finally:
        server.stop()
    return _result(
        NAME_POSTGRES,
        "PostgreSQL (a throwaway local server)",
        ours_times,
        bare_times,
        {},
    )
