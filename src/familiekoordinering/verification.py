"""Verifying a whole store: reads its rows through ports and feeds the pure verifiers.

:class:`Integrity` is what the application delegates to for checkpoints,
chain starts, fingerprints and the verification half of the audit. It reads
the store's notification log in batches (through the adapter's fast row
reader, or eventsourcing's recorder), every snapshot row, and the access log,
and hands plain rows to the pure verifiers
(:class:`~familiekoordinering.integrity.verify.LogVerifier`,
:class:`~familiekoordinering.integrity.access_log.AccessLogVerifier`).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import attrs
from eventsourcing.persistence import AggregateRecorder, ApplicationRecorder

from familiekoordinering.access.log import AccessLog
from familiekoordinering.errors import StoreError
from familiekoordinering.integrity.access_log import AccessLogVerifier
from familiekoordinering.integrity.breaks import Break, BreakKind, Ledger
from familiekoordinering.integrity.chain import ChainKey, family_hex, is_chained
from familiekoordinering.integrity.checkpoint import Checkpoint, Fingerprint
from familiekoordinering.integrity.ledger import LEDGER_ID, StoreLedger
from familiekoordinering.integrity.verify import (
    CHUNK_BITS,
    LogVerifier,
    NotificationRow,
    SnapshotRow,
    merge,
)
from familiekoordinering.ports import MemoryPorts

__all__ = ["ChainStart", "Integrity", "Verification"]

_BATCH = 5000
PARALLEL_FROM = 400_000
"""From how many events a store's log is verified by two processes."""
_LOWEST = -(2**63)
"""The lowest notification id (or access-log seq) a database can hold."""


@attrs.frozen
class ChainStart:
    """Where verification of a store written before chaining starts (from its ledger)."""

    position: int
    events: int
    head: str
    access_seq: int


class _Plain(Protocol):
    def plain(self, data: bytes) -> bytes: ...

    def digest_of(self, stored_event: Any) -> str: ...

    def to_domain_event(self, stored_event: Any) -> Any: ...


@attrs.frozen
class Verification:
    """What verifying a store (or one family) found."""

    breaks: tuple[Break, ...]
    events: int
    """How many events were verified."""
    municipalities: dict[str, str]
    """Each family's municipality (by id as text), as far as its enrolment tells."""
    access_rows: int = 0
    """How many access-log rows were verified."""


class Integrity:
    """Checkpoints, chain starts, fingerprints and verification over one store."""

    def __init__(
        self,
        *,
        key: ChainKey,
        opener: Callable[[], Integrity] | None = None,
        recorder: ApplicationRecorder,
        snapshots: AggregateRecorder | None,
        mapper: _Plain,
        access_log: Callable[[], AccessLog],
        notification_rows: Callable[[int, int], Sequence[NotificationRow]] | None,
        snapshot_rows: Callable[[], Iterator[SnapshotRow]] | None,
    ) -> None:
        self.key = key
        self._recorder = recorder
        self._snapshots = snapshots
        self._mapper = mapper
        self._access_log = access_log
        self._fast_rows = notification_rows
        if snapshot_rows is None:
            # No adapter's reader: every snapshot as the in-memory store's ports
            # read them (eventsourcing's in-memory recorder; none from others).
            snapshot_rows = MemoryPorts(
                lambda: recorder, lambda: snapshots
            ).snapshot_rows
        self._snapshot_rows = snapshot_rows
        self._opener = opener
        # eventsourcing's own cipher or compressor, if the app configured one.
        self._encrypted = bool(
            getattr(mapper, "cipher", None) or getattr(mapper, "compressor", None)
        )

    # ------------------------------------------------------------- reading

    def _rows(self, start: int, limit: int) -> Sequence[NotificationRow]:
        rows: Sequence[NotificationRow]
        if self._fast_rows is not None:
            rows = self._fast_rows(start, limit)
        else:
            rows = [
                (n.id, str(n.originator_id), n.originator_version, n.topic, n.state)
                for n in self._recorder.select_notifications(start=start, limit=limit)
            ]
        if self._encrypted:
            plain = self._mapper.plain
            return [(n, f, v, t, plain(s)) for n, f, v, t, s in rows]
        return rows

    def _log(
        self, upto: int | None = None, *, start: int | None = None
    ) -> Iterator[Sequence[NotificationRow]]:
        # From the lowest id a database can hold, not 1: an event stored at a
        # position the library never writes (0, -5) is still read, and found.
        if start is None:
            start = _LOWEST if self._fast_rows is not None else 1
        while True:
            rows = self._rows(start, _BATCH)
            if upto is not None:
                rows = [row for row in rows if row[0] <= upto]
            if rows:
                yield rows
            if len(rows) < _BATCH:
                return
            start = rows[-1][0] + 1

    def _all_snapshots(self) -> Iterator[SnapshotRow]:
        plain = self._mapper.plain
        for family_id, version, topic, state in self._snapshot_rows():
            yield family_id, version, topic, plain(state)

    def unchained_snapshot_families(self) -> list[UUID]:
        """The families whose newest snapshot carries no digest (written before chaining)."""
        newest: dict[bytes, tuple[int, bool]] = {}
        for family_id, version, _, data in self._all_snapshots():
            family = family_hex(family_id)
            known = newest.get(family)
            if known is None or known[0] < version:
                newest[family] = (version, not is_chained(data))
        return [UUID(f.decode()) for f, (_, unchained) in newest.items() if unchained]

    def chain_starts(self) -> tuple[list[ChainStart], list[Break]]:
        """The chain starts recorded in the store's ledger, and what is wrong with it.

        The ledger is trusted only when its own chain verifies: a forged chain
        start must not make unchained events pass.
        """
        plain = self._mapper.plain
        stored = self._recorder.select_events(LEDGER_ID)
        if not stored:
            return [], []
        verifier = LogVerifier(self.key)
        ledger = family_hex(LEDGER_ID)
        verifier.feed(
            (1, ledger, s.originator_version, s.topic, plain(s.state)) for s in stored
        )
        breaks = verifier.finish(store_level=False)
        if breaks:
            return [], breaks
        starts = []
        for s in stored:
            try:
                event: Any = self._mapper.to_domain_event(s)
            except Exception as e:  # unreadable, though its digest verifies
                return [], [_ledger_break(s.originator_version, f"cannot be read: {e}")]
            if isinstance(event, StoreLedger.ChainStarted):
                starts.append(
                    ChainStart(
                        event.position, event.events, event.head, event.access_seq
                    )
                )
        return starts, []

    # -------------------------------------------------------------- verify

    def verify_store(self, checkpoint: Checkpoint | None = None) -> Verification:
        """Verify every snapshot, event and access-log row of the store."""
        starts, ledger_breaks = self.chain_starts()
        verifier = LogVerifier(
            self.key,
            checkpoint=checkpoint,
            chained_from=max((s.position for s in starts), default=0),
            started=bool(starts),
        )
        verifier.feed_snapshots(self._all_snapshots())
        verifier = self._feed_log(verifier)
        breaks = ledger_breaks + verifier.finish() + self._chain_start_breaks(starts)
        access, count = self._verify_access_log(checkpoint, starts)
        return Verification(
            tuple(breaks + access), verifier.events, verifier.municipalities, count
        )

    def _feed_log(self, verifier: LogVerifier) -> LogVerifier:
        """Feed the whole log; a large store's second half in another process.

        Verifying is CPU work in Python: on a store of more than
        :data:`PARALLEL_FROM` events (with a process opener), the log is split
        at a chunk boundary and a worker process verifies the later half while
        this one verifies the first; :func:`merge` joins them.
        """
        head = self._recorder.max_notification_id() or 0
        if self._opener is None or head < PARALLEL_FROM:
            for rows in self._log():
                verifier.feed(rows)
            return verifier
        middle = ((head // 2) >> CHUNK_BITS << CHUNK_BITS) + 1
        later = LogVerifier(
            self.key,
            checkpoint=verifier.checkpoint,
            chained_from=verifier.chained_from,
            started=verifier.started,
            deferred=True,
        )
        later._wanted = dict.fromkeys(verifier._wanted)
        # A process of its own (not multiprocessing, which would import the
        # app's main module again), isolated from the working directory.
        worker = subprocess.Popen(
            [sys.executable, "-I", "-m", "familiekoordinering._verify_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        stdin, stdout = worker.stdin, worker.stdout
        assert stdin is not None
        assert stdout is not None
        pickle.dump((self._opener, later, middle), stdin)
        stdin.close()
        try:
            for rows in self._log(upto=middle - 1):
                verifier.feed(rows)
            result = stdout.read()
        finally:
            code = worker.wait()
        if code != 0:
            raise StoreError(
                f"the verifying worker process failed (exit status {code}): run the "
                "audit again; if it fails again, the store cannot be read"
            )
        return merge([verifier, pickle.loads(result)])

    def verify_family(
        self,
        family_id: UUID,
        checkpoint: Checkpoint | None = None,
        fingerprint: Fingerprint | None = None,
    ) -> tuple[Verification, str | None]:
        """Verify one family's events and snapshots (and a checkpoint's word on it).

        Also returns the digest of the event a ``fingerprint`` names, if stored.
        """
        mine = (
            None
            if checkpoint is None
            else attrs.evolve(
                checkpoint,
                families={
                    f: head for f, head in checkpoint.families.items() if f == family_id
                },
            )
        )
        # Without notification ids, a family's events are all numbered 1: events
        # without a digest pass only as the family's first ones, and only where
        # a chain start was recorded (in a ledger whose own chain verifies).
        starts, ledger_breaks = self.chain_starts()
        verifier = LogVerifier(
            self.key,
            checkpoint=mine,
            chained_from=1 if starts else 0,
            started=bool(starts),
        )
        fid = str(family_id)
        if fingerprint is not None:
            verifier.want(fid, fingerprint.version)
        plain = self._mapper.plain
        if self._snapshots is not None:
            verifier.feed_snapshots(
                (fid, s.originator_version, s.topic, plain(s.state))
                for s in self._snapshots.select_events(family_id)
            )
        stored = self._recorder.select_events(family_id)
        verifier.feed(
            (1, fid, s.originator_version, s.topic, plain(s.state)) for s in stored
        )
        breaks = ledger_breaks + verifier.finish(store_level=False)
        if verifier.unchained and starts:
            # Its first events were written before chaining: the log digest
            # recorded at the chain start is what covers them.
            breaks += self._chain_start_breaks(starts)
        found = (
            None
            if fingerprint is None
            else verifier.digest_at(fid, fingerprint.version)
        )
        return Verification(
            tuple(breaks), verifier.events, verifier.municipalities
        ), found

    def _verify_access_log(
        self, checkpoint: Checkpoint | None, starts: list[ChainStart]
    ) -> tuple[list[Break], int]:
        log = self._access_log()
        verifier = AccessLogVerifier(
            self.key,
            checkpoint.access_log if checkpoint is not None else None,
            unchained_upto=max((s.access_seq for s in starts), default=0),
        )
        start = _LOWEST
        count = 0
        while True:
            rows = log.rows(start, _BATCH)
            verifier.feed(rows)
            count += len(rows)
            if len(rows) < _BATCH:
                break
            start = rows[-1].seq + 1
        return verifier.finish(), count

    def _chain_start_breaks(self, starts: list[ChainStart]) -> list[Break]:
        """Check that the log up to each recorded chain start still gives its digest."""
        breaks: list[Break] = []
        for start in starts:
            again = LogVerifier(self.key, chained_from=start.position)
            for rows in self._log(upto=start.position):
                again.feed(rows)
            if again.events != start.events or again.head() != start.head:
                breaks.append(again.chain_start_break(start.position, start.events))
        return breaks

    # ---------------------------------------------------------- checkpoints

    def checkpoint(self, *, taken_at: datetime, municipality: str | None) -> Checkpoint:
        """The store's head now, with the heads of ``municipality``'s families."""
        verifier = self._feed_log(LogVerifier(self.key))
        return verifier.take_checkpoint(
            taken_at=taken_at,
            access_log=self._access_log().head(),
            municipality=municipality,
        )

    def log_head(self) -> tuple[int, int, str, bool]:
        """Newest notification id, event count and running digest of the log now.

        The last is whether any event carries no digest (was written before
        chaining began).
        """
        verifier = self._feed_log(LogVerifier(self.key))
        return verifier.position, verifier.events, verifier.head(), verifier.unchained


def _ledger_break(version: int, why: str) -> Break:
    return Break(
        BreakKind.MODIFIED,
        Ledger.STORE,
        LEDGER_ID,
        version,
        f"the store's ledger (where chaining began) {why}: no chain start is trusted",
    )


def verify_part(
    opener: Callable[[], Integrity], verifier: LogVerifier, start: int
) -> LogVerifier:
    """In a worker process: feed the log from ``start`` on to ``verifier``."""
    integrity = opener()
    for rows in integrity._log(start=start):
        verifier.feed(rows)
    return verifier
