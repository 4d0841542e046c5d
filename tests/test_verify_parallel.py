"""Verifying a log in two parts (two processes) finds exactly what one pass finds.

The audit verifies a large store's log in two processes and merges the two
verifiers (:func:`familiekoordinering.integrity.verify.merge`). Here the rows
of a real store, spread over several chunks of notification ids and tampered
with at random, are verified in one pass and in two parts split at a random
chunk boundary: the breaks, the log's digest and the checkpoint comparison
must be the same. The worker process itself is run on a store above the
threshold.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from familiekoordinering import Actor, FamilyCoordination, Municipality, Role
from familiekoordinering.demo import DemoClock, build_demo
from familiekoordinering.integrity import chain_key
from familiekoordinering.integrity.verify import (
    CHUNK_BITS,
    LogVerifier,
    NotificationRow,
    merge,
)

pytestmark = pytest.mark.slow

KEY = chain_key(bytes(range(32)))
CHUNK = 1 << CHUNK_BITS


@pytest.fixture(scope="module")
def rows() -> list[NotificationRow]:
    clock = DemoClock()
    app = FamilyCoordination("memory", clock=clock, master_key=bytes(range(32)))
    build_demo(app, clock, families=4, years=1, seed=11)
    return list(app._audits.integrity._rows(1, 10_000))


def _spread(rows: list[NotificationRow], rng: random.Random) -> list[NotificationRow]:
    """The same rows at notification ids that cross several chunk boundaries."""
    out, n = [], 0
    for _, family, version, topic, data in rows:
        n += rng.randint(1, CHUNK // 8)
        out.append((n, family, version, topic, data))
    return out


def _tamper(rows: list[NotificationRow], rng: random.Random, kind: str) -> None:
    i = rng.randrange(len(rows))
    n, family, version, topic, data = rows[i]
    if kind == "drop":
        del rows[i]
    elif kind == "byte":
        changed = bytearray(data)
        changed[rng.randrange(len(changed))] ^= 0x20
        rows[i] = (n, family, version, topic, bytes(changed))
    elif kind == "swap":
        j = rng.randrange(len(rows))
        rows[i], rows[j] = (n, *rows[j][1:]), (rows[j][0], family, version, topic, data)
    elif kind == "version":
        rows[i] = (n, family, version + rng.randint(1, 3), topic, data)


def _outcome(verifier: LogVerifier) -> tuple[list[tuple[str, str, int]], str]:
    breaks = sorted(
        (b.kind.value, str(b.family_id), b.position) for b in verifier.finish()
    )
    return breaks, verifier.head()


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    tamperings=st.lists(
        st.sampled_from(["drop", "byte", "swap", "version"]), max_size=3
    ),
    with_checkpoint=st.booleans(),
)
def test_two_parts_merged_find_what_one_pass_finds(
    rows: list[NotificationRow], seed: int, tamperings: list[str], with_checkpoint: bool
) -> None:
    rng = random.Random(seed)
    spread = _spread(rows, rng)
    checkpoint = None
    if with_checkpoint:
        upto = rng.randrange(1, len(spread))
        before = LogVerifier(KEY)
        before.feed(spread[:upto])
        checkpoint = before.take_checkpoint(taken_at=datetime.now(UTC), access_log=None)
    for kind in tamperings:
        _tamper(spread, rng, kind)
    one = LogVerifier(KEY, checkpoint=checkpoint)
    one.feed(spread)
    chunks = sorted({(n - 1) >> CHUNK_BITS for n, *_ in spread})
    boundary = (rng.choice(chunks) << CHUNK_BITS) + 1
    first = LogVerifier(KEY, checkpoint=checkpoint)
    first.feed([r for r in spread if r[0] < boundary])
    later = LogVerifier(KEY, checkpoint=checkpoint, deferred=True)
    later.feed([r for r in spread if r[0] >= boundary])
    assert _outcome(merge([first, later])) == _outcome(one)


def test_a_large_store_is_verified_by_two_processes_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above the threshold a worker process verifies the later chunks."""
    from bench.rebuild import _write_log

    import familiekoordinering.verification as verification

    path = str(tmp_path / "store.db")
    events = _write_log(path, 400, 200)  # 80,000 events: two chunks of ids
    assert events > CHUNK
    app = FamilyCoordination(
        path, snapshot_interval=None, cache_size=0, encryption=False
    )
    auditor = Actor("r-revisor", Role.AUDITOR, Municipality("4204"))
    checkpoint = app.checkpoint(actor=auditor)
    one = app._audits.integrity.verify_store(checkpoint)
    monkeypatch.setattr(verification, "PARALLEL_FROM", 1)  # a worker process, now
    two = app._audits.integrity.verify_store(checkpoint)
    assert one.breaks == two.breaks == ()
    assert (one.events, one.municipalities) == (two.events, two.municipalities)
    # A change in the worker's half is found the same way.
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM stored_events WHERE rowid = ?", (CHUNK + 5000,))
    monkeypatch.setattr(verification, "PARALLEL_FROM", 10**9)
    one = app._audits.integrity.verify_store(checkpoint)
    monkeypatch.setattr(verification, "PARALLEL_FROM", 1)
    two = app._audits.integrity.verify_store(checkpoint)
    app.close()
    assert one.breaks == two.breaks
    assert {b.kind.value for b in two.breaks} == {"deleted", "truncated"}
