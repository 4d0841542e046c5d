"""Benchmark ``rebuild``: all views from zero over a municipality-sized log on SQLite.

The log: 10,000 families × 200 events (2 M events; ``--quick`` 1,000 families),
written interleaved as five years of a programme would write them: every
family's first event, then every family's second, and so on. Each family's
history is a copy of one realistic 200-event history (bench.fixtures) under its
own id, inserted straight through eventsourcing's recorder. The SQLite store is
encrypted, as a new store is by default: a random master key made for the run
(in a 0600 file in the run's temporary directory, passed by path to the child
process), each family's personal data sealed with its own key and the chains
keyed, byte for byte as the library writes them (checked on the first family).

* Ours: ``app.views.rebuild()`` in a child process (so that its memory is its
  own), with the resident set size sampled as the rebuild goes. On SQLite the
  rebuild folds in a second process while the first writes; that process's peak
  memory is reported too.
* Baseline (a): eventsourcing's way, one transaction per event: each event's
  view changes and eventsourcing's tracking record (``SQLiteTrackingRecorder``)
  commit together. Measured on a sample of the log.
* Baseline (b): raw ``sqlite3`` ``executemany`` of the very same row
  statements, in the same transactions as ours: the floor for writing them.

Targets: at least 50,000 events/s; at least 20× (a); memory flat and under
300 MB as the log grows.

On the rebuilt store, results of their own: ``integrity-verify`` (the chains),
``plan-query`` (p99 at most 5 ms) and ``caseload-query`` (a coordinator's 25
families, p99 at most 50 ms), each against reading the raw view documents, and
``erase-one-family`` (at most 1 s, against replaying the family).
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any, cast

from eventsourcing.persistence import StoredEvent, Tracking
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

from bench.common import Result, Size, temp_dir
from bench.fixtures import READER, build_history
from familiekoordinering import (
    ERASED_TEXT,
    Actor,
    Family,
    FamilyCoordination,
    Municipality,
    Role,
    load_master_key,
    new_master_key,
)
from familiekoordinering.integrity import GENESIS
from familiekoordinering.integrity.chain import split_chained
from familiekoordinering.integrity.ledger import LEDGER_TOPIC
from familiekoordinering.protection.sealing import collecting, seal_values
from familiekoordinering.serialisation import CattrsMapper
from familiekoordinering.views.fold import operations
from familiekoordinering.views.store import execute_grouped
from familiekoordinering_sqlite import SQLiteViewStore

__all__ = ["NAME", "run"]

NAME = "rebuild"
FAMILIES = {Size.FULL: 10_000, Size.QUICK: 1_000, Size.TINY: 20, Size.NATIONAL: 100_000}
EVENTS_PER_FAMILY = {Size.FULL: 200, Size.QUICK: 200, Size.TINY: 50, Size.NATIONAL: 200}
SAMPLE = {Size.FULL: 20_000, Size.QUICK: 5_000, Size.TINY: 200, Size.NATIONAL: 20_000}
TARGET_EVENTS_PER_S = 50_000
TARGET_RATIO = 20.0
MEMORY_LIMIT_MB = 300
VERIFY_TARGET_EVENTS_PER_S = 200_000
"""The audit verifies at least this many events a second (``integrity-verify``)."""


FAMILIES_PER_COORDINATOR = 25
"""Each coordinator follows 25 families (10,000 families: 400 coordinators)."""
_COORDINATOR = re.compile(rb'"coordinator_id":"[^"]*"')
_SEALED_MEMBER = re.compile(rb',"_sealed":"([^"]*)"')
QUERIES = 200
"""Plan queries timed after the rebuild."""
CASELOAD_QUERIES = {Size.FULL: 200, Size.QUICK: 50, Size.TINY: 20, Size.NATIONAL: 50}
"""Caseload queries timed after the rebuild (each opens 25 families' personal data)."""
PLAN_LIMIT_MS = 5.0
"""A plan query's p99 at most (``plan-query``)."""
CASELOAD_LIMIT_MS = 50.0
"""A caseload query's (a coordinator's 25 families) p99 at most (``caseload-query``)."""
ERASE_LIMIT_S = 1.0
"""Erasing one family takes at most this long (``erase-one-family``)."""


def _family_id(n: int) -> uuid.UUID:
    """Family ``n``'s id in the benchmark log."""
    return uuid.UUID(int=n + 1, version=4)


def _coordinator_of(n: int) -> str:
    return f"c{n // FAMILIES_PER_COORDINATOR}"


def _open(db: Path | str, master_key: bytes | None) -> FamilyCoordination:
    """The benchmark store: encrypted with ``master_key``, or explicitly not."""
    if master_key is None:
        return FamilyCoordination(
            db, snapshot_interval=None, cache_size=0, encryption=False
        )
    return FamilyCoordination(
        db, snapshot_interval=None, cache_size=0, master_key=master_key
    )


def _key_file(directory: Path) -> tuple[bytes, Path]:
    """A fresh random master key, written (base64, mode 0600) into ``directory``."""
    key = new_master_key()
    path = directory / "master.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(base64.b64encode(key))
    return key, path


def _p50_p99(ms: list[float]) -> list[float]:
    ordered = sorted(ms)
    return [
        round(ordered[len(ordered) // 2], 2),
        round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
    ]


def _query_latencies(
    app: FamilyCoordination, families: int, caseloads: int = QUERIES // 4
) -> dict[str, Any]:
    """p50 and p99 (ms) of plan queries (random families) and caseload queries.

    Each query is what an app runs for a screen, access log entries included,
    and the sealed personal values it shows opened with the family's key.
    Right after each, the same family's (coordinator's) raw view documents are
    read from the view store: the baseline, which neither checks access,
    logs the read nor opens anything.
    """
    rng = random.Random(1)
    ids = [_family_id(rng.randrange(families)) for _ in range(QUERIES)]
    coordinators = max(1, families // FAMILIES_PER_COORDINATOR)
    picked = [rng.randrange(coordinators) for _ in range(caseloads)]
    store = app.views._store  # the raw store: the baseline of the figures
    generation = store.active_generation()
    on = date(2030, 1, 1)

    def caseload_actor(c: int) -> Actor:
        return Actor(f"c{c}", Role.COORDINATOR, Municipality("4204"))

    # One untimed query of each kind: codecs compiled, statements prepared.
    app.views.plan(ids[0], actor=READER)
    app.views.caseload(on=on, actor=caseload_actor(0), coordinator_id="c0")
    plan, plan_raw, caseload, caseload_raw = [], [], [], []
    for family_id in ids:
        start = time.perf_counter()
        app.views.plan(family_id, actor=READER)
        plan.append((time.perf_counter() - start) * 1e3)
        start = time.perf_counter()
        store.family(generation, str(family_id))
        plan_raw.append((time.perf_counter() - start) * 1e3)
    for c in picked:
        actor = caseload_actor(c)
        start = time.perf_counter()
        app.views.caseload(on=on, actor=actor, coordinator_id=actor.user_id)
        caseload.append((time.perf_counter() - start) * 1e3)
        start = time.perf_counter()
        store.families(generation, coordinator_id=actor.user_id, municipality="4204")
        caseload_raw.append((time.perf_counter() - start) * 1e3)
    return {
        "plan_ms_p50_p99": _p50_p99(plan),
        "plan_raw_ms_p50_p99": _p50_p99(plan_raw),
        "caseload_ms_p50_p99": _p50_p99(caseload),
        "caseload_raw_ms_p50_p99": _p50_p99(caseload_raw),
        "plan_queries": len(plan),
        "caseload_queries": len(caseload),
    }


def _template(
    app: FamilyCoordination, events: list[Any]
) -> list[tuple[int, str, bytes, list[Any]]]:
    """Each template event as the store's mapper writes it, made once.

    Per event: its version, topic, payload JSON without its closing brace
    (personal fields as indices into the values, when the store seals) and the
    personal values to seal: what ``CattrsMapper._unstructure`` makes, before
    ``_sealed``, ``_prev`` and ``_digest`` are added.
    """
    mapper = cast(CattrsMapper, app._engine.mapper)
    out = []
    for event in events:
        codec = mapper._codec(type(event))
        if app._engine.keyring is None:
            payload, values = codec.unstructure(event), []
        else:
            with collecting() as values:
                payload = codec.unstructure(event)
        data = mapper.transcoder.encode(payload)
        out.append((event.originator_version, codec.topic, data[:-1], values))
    return out


def _write_log(
    db: Path | str,
    families: int,
    per_family: int,
    *,
    first: int = 0,
    master_key: bytes | None = None,
) -> int:
    """Write the interleaved log of families ``first`` to ``families - 1``.

    Returns how many events were written. Family ``n`` is followed by
    coordinator ``c{n // 25}``, so that a grown log has more coordinators,
    each with 25 families, as a growing municipality would.

    With ``master_key`` the store is encrypted as the library encrypts it:
    each family gets its own data key (``keyring.cipher``, which stores it
    wrapped), each event's personal values are sealed with it, and the
    chains are keyed. The bytes are spliced from the template's once-made
    payload; :func:`_check_family` proves them equal to what the library
    writes, on the first family.
    """
    app = _open(db, master_key)
    try:
        history = build_history(per_family)
        events = history.collect_events()
        template = _template(app, events)
        numbers = range(first, families)
        ids = {n: _family_id(n) for n in numbers}
        ciphers = (
            {n: app._engine.keyring.cipher(ids[n], create=True) for n in numbers}
            if app._engine.keyring is not None
            else {}
        )
        chain = app._engine.chain.chain
        # Each family's events chained as the library writes them.
        prevs = dict.fromkeys(numbers, GENESIS)
        chunk: list[StoredEvent] = []
        for version, topic, head, values in template:
            coordinated = topic == Family.CoordinatorAssigned.TOPIC
            for n in numbers:
                family_id = ids[n]
                body = head
                if coordinated:
                    body = _COORDINATOR.sub(
                        f'"coordinator_id":"{_coordinator_of(n)}"'.encode(), body
                    )
                if values and ciphers:
                    sealed = seal_values(ciphers[n], values, family_id, version, topic)
                    body = b'%s,"_sealed":"%s"' % (body, sealed.encode())
                state, prevs[n] = chain(
                    b'%s,"_prev":"%s"}' % (body, prevs[n].encode()),
                    family_id,
                    version,
                    topic,
                )
                chunk.append(StoredEvent(family_id, version, topic, state))
                if len(chunk) >= 20_000:
                    app._engine.recorder.insert_events(chunk)
                    chunk = []
        if chunk:
            app._engine.recorder.insert_events(chunk)
        if families > first:
            _check_family(app, history, events, first)
        return len(numbers) * len(template)
    finally:
        app.close()


def _as_family(event: Any, n: int) -> Any:
    """A template event as family ``n``'s (its id; its coordinator on assignment)."""
    copied = copy.copy(event)
    object.__setattr__(copied, "originator_id", _family_id(n))
    if isinstance(copied, Family.CoordinatorAssigned):
        object.__setattr__(copied, "coordinator_id", _coordinator_of(n))
    return copied


def _unsealed(data: bytes) -> tuple[bytes, bytes | None]:
    """A chained payload's body (no ``_digest``) without ``_sealed``; and ``_sealed``."""
    chained = split_chained(data)
    if chained is None:
        raise AssertionError("a benchmark event is not chained")
    found = _SEALED_MEMBER.search(chained.body)
    if found is None:
        return chained.body, None
    return chained.body[: found.start()] + chained.body[found.end() :], found[1]


def _check_family(
    app: FamilyCoordination, history: Family, events: list[Any], n: int
) -> None:
    """Prove family ``n``'s spliced events are what the library writes, and read back.

    Each stored event must equal ``mapper.to_chained_stored_event`` of the
    template event made family ``n``'s, byte for byte but for the random
    nonce in ``_sealed`` (and so the digest), and its ``_sealed`` must open to
    the same values; the family must read back with the template's names.
    (``_verify`` checks every chain of the store.)
    """
    mapper = cast(CattrsMapper, app._engine.mapper)
    family_id = _family_id(n)
    stored = app._engine.recorder.select_events(family_id)
    if len(stored) != len(events):
        raise AssertionError(f"family {n}: {len(stored)} events stored")
    prev = GENESIS
    sealed_events = 0
    for event, written in zip(events, stored, strict=True):
        made, _ = mapper.to_chained_stored_event(_as_family(event, n), prev)
        ours, our_seal = _unsealed(written.state)
        theirs, their_seal = _unsealed(made.state)
        same = (written.originator_version, written.topic) == (
            made.originator_version,
            made.topic,
        )
        if not same or ours != theirs or (our_seal is None) != (their_seal is None):
            raise AssertionError(
                f"event {made.originator_version} of family {n} is not stored as the "
                f"library stores it:\n{written.state!r}\n{made.state!r}"
            )
        if our_seal is None and written.state != made.state:
            raise AssertionError(f"event {made.originator_version}: digests differ")
        if our_seal is not None:
            sealed_events += 1
            if mapper.sealed_values(written) != mapper.sealed_values(made):
                raise AssertionError(
                    f"event {made.originator_version} of family {n}: its sealed "
                    "values do not open to the library's"
                )
        chained = split_chained(written.state)
        prev = chained.digest if chained is not None else prev
    if app._engine.keyring is not None and not sealed_events:
        raise AssertionError("an encrypted benchmark store sealed nothing")
    family = app.get_family(family_id, actor=READER)
    names = {m: (x.name, x.birth_date) for m, x in family.members.items()}
    expected = {m: (x.name, x.birth_date) for m, x in history.members.items()}
    if family.label != history.label or names != expected:
        raise AssertionError(f"family {n} does not read back with the template's names")


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _worker(db: str, families: int, caseloads: int, key_file: str | None) -> None:
    """Child process: rebuild, sampling memory, then query; print a JSON line."""
    app = _open(db, load_master_key(key_file) if key_file else None)
    samples: list[tuple[int, float, float]] = [(0, _rss_mb(), 0.0)]
    start = time.perf_counter()

    def progress(position: int, head: int) -> None:
        samples.append((position, _rss_mb(), time.perf_counter() - start))

    count = app.views.rebuild(progress=progress)
    seconds = time.perf_counter() - start
    latencies = _query_latencies(app, families, caseloads)
    app.close()
    # The SQLite store folds in a second process; its peak counts too.
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "events": count,
                "seconds": seconds,
                "rss": samples,
                "child": child_mb,
                **latencies,
            }
        )
    )


def _ours(
    db: Path | str,
    families: int,
    caseloads: int = QUERIES // 4,
    key_file: Path | None = None,
) -> dict[str, Any]:
    """Rebuild and query in a child process; the master key goes by its file's path."""
    root = Path(__file__).resolve().parent.parent
    key = [str(key_file)] if key_file is not None else []
    out = subprocess.run(
        [sys.executable, "-m", "bench.rebuild", "--worker", str(db), str(families),
         str(caseloads), *key],
        cwd=root, capture_output=True, text=True, check=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


class _PerEventViews(SQLiteTrackingRecorder):
    """eventsourcing's tracking recorder, committing each event's view changes with it."""

    def __init__(self, datastore: SQLiteDatastore, store: SQLiteViewStore) -> None:
        super().__init__(datastore)
        self.store = store

    def process(self, ops: list[Any], tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            for op in ops:
                sql, params = self.store._statements._statement(999, op)
                cursor.execute(sql, params)
            self._insert_tracking(cursor, tracking)


def _rows(app: FamilyCoordination, start: int, limit: int) -> list[Any]:
    rows: list[Any] = app._engine.factory.select_notification_rows(start, limit)  # type: ignore[attr-defined]
    return rows


def _operations(
    payload: Any, family_id: str, version: int, topic: str, state: bytes
) -> list[Any]:
    """A stored event's row operations, as the rebuild folds it (none for the ledger)."""
    if topic.startswith(LEDGER_TOPIC):
        return []
    return operations(family_id, topic, payload(topic, state, family_id, version))


def _baseline_per_event(db: Path, sample: int, master_key: bytes | None) -> float:
    app = _open(db, master_key)
    store = SQLiteViewStore(str(db))
    datastore = SQLiteDatastore(db_name=str(db))
    view = _PerEventViews(datastore, store)
    view.create_table()
    payload = app._engine.mapper.view_payload  # type: ignore[attr-defined]
    start = time.perf_counter()
    done = 0
    while done < sample:
        for n, family_id, version, topic, state in _rows(app, done + 1, 500):
            view.process(
                _operations(payload, family_id, version, topic, state),
                Tracking("bench", n),
            )
            done += 1
    seconds = time.perf_counter() - start
    datastore.close()
    store.close()
    app.close()
    return done / seconds


def _baseline_raw(db: Path, sample: int, batch: int, master_key: bytes | None) -> float:
    """The same row statements, through raw sqlite3 executemany, timed writes only."""
    app = _open(db, master_key)
    store = SQLiteViewStore(str(db))
    payload = app._engine.mapper.view_payload  # type: ignore[attr-defined]
    batches: list[list[tuple[str, tuple[Any, ...]]]] = []
    done = 0
    while done < sample:
        rows = _rows(app, done + 1, batch)
        batches.append(
            [
                store._statements._statement(998, op)
                for _, family_id, version, topic, state in rows
                for op in _operations(payload, family_id, version, topic, state)
            ]
        )
        done += len(rows)
    store.close()
    app.close()
    import sqlite3

    conn = sqlite3.connect(db, isolation_level=None)
    start = time.perf_counter()
    for statements in batches:
        conn.execute("BEGIN IMMEDIATE")
        execute_grouped(conn, statements)
        conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return done / seconds


def _verify(db: Path, events: int, master_key: bytes | None) -> Result:
    """How fast the audit verifies the store's chains, against reading the log bare."""
    app = _open(db, master_key)
    try:
        started = time.perf_counter()
        verification = app._audits.integrity.verify_store()
        seconds = time.perf_counter() - started
        # The log holds the families' events and the store ledger's own.
        stored = app._engine.recorder.max_notification_id() or 0
        if verification.breaks or verification.events != stored or stored < events:
            raise AssertionError(
                f"the benchmark store does not verify: {len(verification.breaks)} "
                f"break(s), {verification.events} of {stored} events verified "
                f"({events} written)"
            )
        started = time.perf_counter()
        read = 0
        start = 1
        while notes := app._engine.recorder.select_notifications(
            start=start, limit=5000
        ):
            read += len(notes)
            start = notes[-1].id + 1
        bare = time.perf_counter() - started
    finally:
        app.close()
    return Result(
        name="integrity-verify",
        description=f"verify the chains of {stored:,} events (the audit's first half) "
        "on SQLite, encrypted (keyed digests): every event's digest, its link, the "
        "log's running digest; baseline: reading the same notifications with "
        "eventsourcing's recorder",
        ours=stored / seconds,
        baseline=read / bare,
        unit="events/s",
        higher_is_better=True,
        target=None,
        minimum=VERIFY_TARGET_EVENTS_PER_S,
        details={"events": stored, "seconds": round(seconds, 2)},
    )


def _erase(db: Path, families: int, master_key: bytes) -> Result:
    """Erase two families of the rebuilt store, each timed against reading it back.

    Baseline: ``get_family`` of the same family just before (a replay of its
    events). Afterwards the erased families' plans must read as erased and
    another family's must not.
    """
    picks = sorted({families // 3, (2 * families) // 3} - {0})
    app = _open(db, master_key)
    try:
        app.get_family(_family_id(0), actor=READER)  # untimed: codecs, connections
        replays, erasures = [], []
        for n in picks:
            started = time.perf_counter()
            app.get_family(_family_id(n), actor=READER)
            replays.append(time.perf_counter() - started)
            started = time.perf_counter()
            app.erase(_family_id(n), actor=READER, wait=5.0)
            erasures.append(time.perf_counter() - started)
        for n in picks:
            plan = app.views.plan(_family_id(n), actor=READER)
            names = [plan["label"], *(m["name"] for m in plan["members"].values())]
            if any(name != ERASED_TEXT for name in names):
                raise AssertionError(
                    f"family {n} was erased but its plan reads {names}"
                )
        kept = app.views.plan(_family_id(0), actor=READER)
        kept_names = [kept["label"], *(m["name"] for m in kept["members"].values())]
        if ERASED_TEXT in kept_names:
            raise AssertionError(f"family 0 was not erased but reads {kept_names}")
    finally:
        app.close()
    return Result(
        name="erase-one-family",
        description=f"erase one family ({families:,} in the rebuilt SQLite store, "
        "encrypted): destroy its key, no view rebuilt; the slower of two; "
        "baseline: get_family of the same family (a replay of its events)",
        ours=max(erasures),
        baseline=max(replays),
        unit="s",
        higher_is_better=False,
        target=None,
        maximum=ERASE_LIMIT_S,
        details={
            "erase_s": [round(s, 4) for s in erasures],
            "get_family_s": [round(s, 4) for s in replays],
            "families_erased": [str(_family_id(n)) for n in picks],
            "erased_plans_read_erased": True,
        },
    )


def run(size: Size) -> list[Result]:
    """Run the benchmark at ``size`` on an encrypted store.

    The verification of the same store, the plan and caseload queries after
    the rebuild and the erasure of a family are results of their own.
    """
    families = FAMILIES[size]
    with temp_dir() as tmp:
        db = tmp / "store.db"
        key, key_file = _key_file(tmp)
        started = time.perf_counter()
        events = _write_log(db, families, EVENTS_PER_FAMILY[size], master_key=key)
        written_in = time.perf_counter() - started
        verify = _verify(db, events, key)
        ours = _ours(db, families, CASELOAD_QUERIES[size], key_file)
        ours_rate = ours["events"] / ours["seconds"]
        per_event = _baseline_per_event(db, min(SAMPLE[size], events), key)
        raw = _baseline_raw(db, min(SAMPLE[size] * 5, events), 5000, key)
        db_bytes = db.stat().st_size
        erase = _erase(db, families, key)
    rss = [mb for _, mb, _ in ours["rss"]]
    quarter = [
        rss[min(len(rss) - 1, round(q * (len(rss) - 1)))]
        for q in (0.25, 0.5, 0.75, 1.0)
    ]
    per_coordinator = min(FAMILIES_PER_COORDINATOR, families)
    return [
        verify,
        Result(
            name=NAME,
            description=(
                f"rebuild every view from {events:,} events ({families:,} families) on "
                "SQLite, encrypted; baseline: one transaction per event with "
                "eventsourcing's tracking"
            ),
            ours=ours_rate,
            baseline=per_event,
            unit="events/s",
            higher_is_better=True,
            target=TARGET_RATIO,
            minimum=TARGET_EVENTS_PER_S,
            details={
                "events": events,
                "ours_seconds": round(ours["seconds"], 2),
                "raw_executemany_events_per_s": round(raw),
                "ours_vs_raw_executemany": round(ours_rate / raw, 2),
                "rss_mb_at_25_50_75_100_pct": [round(x, 1) for x in quarter],
                "peak_rss_mb": round(max(rss), 1),
                "folding_process_peak_rss_mb": round(ours["child"], 1),
                "memory_flat_under_limit": max(max(rss), ours["child"])
                < MEMORY_LIMIT_MB,
                "log_written_in_s": round(written_in, 1),
                "store_mb": round(db_bytes / 2**20, 1),
                "plan_query_ms_p50_p99": ours["plan_ms_p50_p99"],
                "caseload_query_ms_p50_p99": ours["caseload_ms_p50_p99"],
                "throughput_by_position": _throughput_curve(ours["rss"]),
            },
        ),
        Result(
            name="plan-query",
            description=f"p99 of {ours['plan_queries']} plan queries (random families "
            f"of the rebuilt {events:,}-event store, encrypted: access checked, read "
            "logged, personal values opened from the sealed events); baseline: p99 of "
            "reading the same families' raw view documents",
            ours=ours["plan_ms_p50_p99"][1],
            baseline=ours["plan_raw_ms_p50_p99"][1],
            unit="ms",
            higher_is_better=False,
            target=None,
            maximum=PLAN_LIMIT_MS,
            details={
                "ours_ms_p50": ours["plan_ms_p50_p99"][0],
                "baseline_ms_p50": ours["plan_raw_ms_p50_p99"][0],
                "queries": ours["plan_queries"],
            },
        ),
        Result(
            name="caseload-query",
            description=f"p99 of {ours['caseload_queries']} caseload queries (a "
            f"coordinator's {per_coordinator} families, {events:,}-event store, "
            "encrypted, personal values opened); baseline: p99 of reading the same "
            "coordinators' raw view documents",
            ours=ours["caseload_ms_p50_p99"][1],
            baseline=ours["caseload_raw_ms_p50_p99"][1],
            unit="ms",
            higher_is_better=False,
            target=None,
            maximum=CASELOAD_LIMIT_MS,
            details={
                "ours_ms_p50": ours["caseload_ms_p50_p99"][0],
                "baseline_ms_p50": ours["caseload_raw_ms_p50_p99"][0],
                "queries": ours["caseload_queries"],
                "families_per_coordinator": per_coordinator,
            },
        ),
        erase,
    ]


def _throughput_curve(
    samples: list[list[float]], points: int = 10
) -> list[tuple[int, float]]:
    """Events per second over about ``points`` stretches of the rebuild: (position, rate)."""
    step = max(1, (len(samples) - 1) // points)
    picked = samples[::step]
    if picked[-1] is not samples[-1]:
        picked.append(samples[-1])
    if len(picked) > 2 and (picked[-1][0] - picked[-2][0]) * 2 < (
        picked[-2][0] - picked[-3][0]
    ):
        # A last batch of a few events (the ledger's shift the batches) is no
        # stretch of its own: it joins the one before.
        del picked[-2]
    curve = []
    for (p0, _, t0), (p1, _, t1) in itertools.pairwise(picked):
        if t1 > t0:
            curve.append((int(p1), round((p1 - p0) / (t1 - t0))))
    return curve


# ------------------------------------------------------------------ PostgreSQL

NAME_POSTGRES = "rebuild-postgres"
TARGET_EVENTS_PER_S_POSTGRES = 40_000


def _postgres_per_event(url: str, sample: int) -> float:
    """eventsourcing's way on PostgreSQL: each event's rows with its tracking record."""
    from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder

    from familiekoordinering_postgres import PostgresViewStore

    app = FamilyCoordination(
        url, snapshot_interval=None, cache_size=0, encryption=False
    )
    store = PostgresViewStore(app._engine.factory._conninfo)  # type: ignore[attr-defined]
    datastore: PostgresDatastore = app._engine.factory.datastore  # type: ignore[attr-defined]
    tracking = PostgresTrackingRecorder(datastore, tracking_table_name="bench_tracking")
    tracking.create_table()
    payload = app._engine.mapper.view_payload  # type: ignore[attr-defined]
    start = time.perf_counter()
    done = 0
    while done < sample:
        for n, family_id, version, topic, state in _rows(app, done + 1, 500):
            ops = _operations(payload, family_id, version, topic, state)
            with datastore.transaction(commit=True) as cursor:
                for op in ops:
                    query, params = store._statement(999, op)
                    cursor.execute(query, params, prepare=True)
                tracking._insert_tracking(cursor, Tracking("bench", n))
            done += 1
    seconds = time.perf_counter() - start
    store.close()
    app.close()
    return done / seconds


def _postgres_raw_copy(url: str, sample: int, batch: int) -> float:
    """The same row changes sent with raw psycopg ``COPY``, a transaction per batch.

    The floor for getting a batch's changes to the server (they are copied,
    not applied), timed over the writes only.
    """
    import psycopg

    app = FamilyCoordination(
        url, snapshot_interval=None, cache_size=0, encryption=False
    )
    payload = app._engine.mapper.view_payload  # type: ignore[attr-defined]
    batches: list[list[tuple[str, str, str, str, str | None]]] = []
    done = 0
    while done < sample:
        rows = _rows(app, done + 1, batch)
        batches.append(
            [
                (op[0], op[2], op[1], op[3], json.dumps(op[4]) if len(op) > 4 else None)
                for _, family_id, version, topic, state in rows
                for op in _operations(payload, family_id, version, topic, state)
            ]
        )
        done += len(rows)
    conninfo = app._engine.factory._conninfo  # type: ignore[attr-defined]
    app.close()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE raw_changes (action TEXT, family_id TEXT, kind TEXT, "
            "key TEXT, data JSONB)"
        )
        start = time.perf_counter()
        for changes in batches:
            with (
                conn.transaction(),
                conn.cursor() as cursor,
                cursor.copy("COPY raw_changes FROM STDIN") as copy,
            ):
                for change in changes:
                    copy.write_row(change)
        seconds = time.perf_counter() - start
    return done / seconds


GROWTH = (0.1, 0.25, 0.5, 1.0)
"""The PostgreSQL log grows in these stages (shares of the families)."""


def _postgres_sizes(url: str) -> dict[str, float]:
    """The database's size and its event log's (table and indexes), in MB."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT pg_database_size(current_database()), "
            "(SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND c.relname LIKE '%%\\_events' "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema'))"
        ).fetchone()
    database, log = (int(row[0]), int(row[1])) if row else (0, 0)
    return {"database_mb": round(database / 2**20, 1), "log_mb": round(log / 2**20, 1)}


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares line through the points: (slope, intercept)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    return slope, my - slope * mx


def _extrapolate(growth: list[dict[str, Any]], events: int) -> dict[str, float]:
    """Database size and rebuild time at ``events``, from a line through the stages."""
    xs = [float(g["events"]) for g in growth]
    if len(set(xs)) < 2:
        return {}
    size = _fit(xs, [g["database_mb"] for g in growth])
    seconds = _fit(xs, [g["rebuild_s"] for g in growth])
    return {
        "events": events,
        "database_gb": round((size[0] * events + size[1]) / 1024, 1),
        "rebuild_min": round((seconds[0] * events + seconds[1]) / 60, 1),
    }


def run_postgres(size: Size) -> Result:
    """The rebuild on a throwaway PostgreSQL server, with both baselines, in one run.

    The log grows in :data:`GROWTH` stages; after each, every view is rebuilt
    from zero and the database size, rebuild time, memory and query latencies
    are measured: the growth curve. The last stage is the result.
    """
    import psycopg

    from familiekoordinering.testing.postgres import ThrowawayPostgres

    server = ThrowawayPostgres()
    server.start()
    growth: list[dict[str, Any]] = []
    try:
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute('CREATE DATABASE "rebuild"')
        url = server.url("rebuild")
        per_family = EVENTS_PER_FAMILY[size]
        stages = sorted({max(2, round(FAMILIES[size] * share)) for share in GROWTH})
        events, written_in, first = 0, 0.0, 0
        for families in stages:
            started = time.perf_counter()
            events += _write_log(url, families, per_family, first=first)
            written_in += time.perf_counter() - started
            first = families
            ours = _ours(url, families)
            growth.append(
                {
                    "families": families,
                    "events": events,
                    "rebuild_s": round(ours["seconds"], 2),
                    "events_per_s": round(ours["events"] / ours["seconds"]),
                    "peak_rss_mb": round(max(mb for _, mb, _ in ours["rss"]), 1),
                    "plan_ms_p50_p99": ours["plan_ms_p50_p99"],
                    "caseload_ms_p50_p99": ours["caseload_ms_p50_p99"],
                    **_postgres_sizes(url),
                }
            )
        ours_rate = ours["events"] / ours["seconds"]
        per_event = _postgres_per_event(url, min(SAMPLE[size], events))
        raw = _postgres_raw_copy(url, min(SAMPLE[size] * 5, events), 5000)
    finally:
        server.stop()
    rss = [mb for _, mb, _ in ours["rss"]]
    return Result(
        name=NAME_POSTGRES,
        description=(
            f"rebuild every view from {events:,} events ({FAMILIES[size]:,} families) on "
            "PostgreSQL (a throwaway local server); baseline: one transaction per "
            "event with eventsourcing's PostgreSQL tracking"
        ),
        ours=ours_rate,
        baseline=per_event,
        unit="events/s",
        higher_is_better=True,
        target=None,
        minimum=TARGET_EVENTS_PER_S_POSTGRES,
        details={
            "events": events,
            "ours_seconds": round(ours["seconds"], 2),
            "ours_vs_per_event": round(ours_rate / per_event, 1),
            "raw_psycopg_copy_events_per_s": round(raw),
            "ours_vs_raw_psycopg_copy": round(ours_rate / raw, 2),
            "peak_rss_mb": round(max(rss), 1),
            "memory_flat_under_limit": max(rss) < MEMORY_LIMIT_MB,
            "log_written_in_s": round(written_in, 1),
            "database_mb": growth[-1]["database_mb"],
            "log_mb": growth[-1]["log_mb"],
            "plan_query_ms_p50_p99": ours["plan_ms_p50_p99"],
            "caseload_query_ms_p50_p99": ours["caseload_ms_p50_p99"],
            "growth": growth,
            "extrapolated": _extrapolate(growth, 100_000_000),
        },
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _worker(
            sys.argv[2],
            int(sys.argv[3]),
            int(sys.argv[4]),
            (sys.argv[5:6] or [None])[0],
        )
