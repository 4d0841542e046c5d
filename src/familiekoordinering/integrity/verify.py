"""Verify a store's notification log and snapshots against their chains.

:class:`LogVerifier` is fed the store's notifications in order (in batches,
as plain rows) and the snapshot rows first; it checks, for every event, its
own digest, that it follows the family's previous event, and that versions
run on without a gap; it keeps the log's running digest and each family's
head, so that a :class:`~familiekoordinering.integrity.Checkpoint` can be
taken from it or checked against it. It reads no store itself (the
application feeds it), so it is tested on plain rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from familiekoordinering.integrity.breaks import Break, BreakKind, Ledger
from familiekoordinering.integrity.chain import (
    _EVENT,
    _TAIL,
    DIGEST_HEX,
    GENESIS,
    TAIL_LENGTH,
    ChainKey,
    family_hex,
    split_chained,
)
from familiekoordinering.integrity.checkpoint import FAMILY_HEX, Checkpoint

__all__ = ["CHUNK_BITS", "LogVerifier", "NotificationRow", "SnapshotRow", "merge"]

NotificationRow = tuple[int, str | bytes, int, str | bytes, bytes]
"""A notification as the verifier reads it: id, family id, version, topic, JSON bytes.

The family id may be a UUID's text or its 32 hex digits as bytes, the topic
text or UTF-8 bytes (what a database hands out fastest).
"""
SnapshotRow = tuple[str | bytes, int, str | bytes, bytes]
"""A snapshot row: family id, version, topic, JSON bytes."""

_ENROLLED = b"familiekoordinering:Family.Enrolled"
CHUNK_BITS = 16
"""The log's digest is made of one digest per 65,536 notification ids (a chunk),
so that parts of the log can be verified in parallel and a checkpoint compared
chunk by chunk."""
_GENESIS = GENESIS.encode()
_DIGEST_MARK = b',"_digest":"'
_PREV_MARK = b',"_prev":"'
_PREV_AT = TAIL_LENGTH - len(_PREV_MARK)
"""Where ``_prev``'s value starts, counted from the end."""
_REORDER_REACH = 16
"""How far from its position a moved event is looked for (only when one is broken)."""
_FORGED_BARE = (
    "the event carries no digest, where every event written by this library "
    "does: it was written beneath the library"
)
_BEFORE_CHAINING = (
    "the event was written before chaining began: run "
    "'familiekoordinering chain' once to start verification here"
)


class LogVerifier:
    """Checks a store's log as it is fed (see the module docs).

    ``chained_from``: notifications up to this id may carry no digest (they
    were written before chaining began, and a recorded chain start covers
    them); after it, an event without one is a break. ``started``: a chain
    start was recorded (snapshots without a digest are then never read, and
    no break). ``checkpoint``: a checkpoint to hold the store against.
    """

    def __init__(
        self,
        key: ChainKey,
        *,
        checkpoint: Checkpoint | None = None,
        chained_from: int = 0,
        started: bool = False,
        deferred: bool = False,
    ) -> None:
        self.key = key
        self.checkpoint = checkpoint
        self.chained_from = chained_from
        self.started = started or chained_from > 0
        self.deferred = deferred
        """A later part of the log (see :func:`merge`): a family's first event
        here is judged against the parts before it, when they are merged."""
        self.breaks: list[Break] = []
        self.position = 0
        self.events = 0
        self._heads: dict[bytes, tuple[int, bytes]] = {}
        self._municipalities: dict[bytes, str] = {}
        self._chunks: dict[int, str] = {}
        """Each closed chunk's digest, by chunk number (see :data:`CHUNK_BITS`)."""
        self._chunk: int | None = None
        self._chunk_hash: Any  # the open chunk's running digest (set while one is open)
        self._pending: dict[bytes, tuple[int, bytes | None, bytes]] = {}
        self._cp_chunk = (
            (checkpoint.position - 1) >> CHUNK_BITS if checkpoint is not None else None
        )
        self._cp_partial: str | None = None
        self._events_le_cp = 0
        self._broken: set[tuple[bytes, int]] = set()
        self._wanted: dict[tuple[bytes, int], bytes | None] = {}
        self._snapshots: list[tuple[bytes, int, bytes]] = []
        self.unchained = False
        """Whether any event fed carries no digest."""
        self._chained_families: set[bytes] = set()
        self._newest_snapshot: dict[bytes, int] = {}
        self._unchained_snapshots: list[tuple[bytes, int]] = []
        self._held: list[tuple[bytes, int]] = []
        """In a deferred part, the links next to a family's first event (see _link)."""
        self._provisional: list[int] = []
        """Where the UNCHAINED events' breaks are: a later part's are INSERTED
        (see :func:`merge`) if a part before it holds a chained event."""
        if checkpoint is not None:
            for family_id, (version, _) in checkpoint.families.items():
                self._wanted[family_hex(family_id), version] = None

    def __getstate__(self) -> dict[str, Any]:
        """What a worker process hands back (its open chunk closed first)."""
        self._close_chunk()
        return self.__dict__.copy()

    @property
    def heads(self) -> dict[str, tuple[int, str]]:
        """Each family's newest (version, digest) as stored, by family id."""
        return {
            str(UUID(family.decode())): (version, digest.decode())
            for family, (version, digest) in self._heads.items()
        }

    @property
    def municipalities(self) -> dict[str, str]:
        """Each family's municipality (by id), from its enrolment where that is intact."""
        return {
            str(UUID(family.decode())): municipality
            for family, municipality in self._municipalities.items()
        }

    # --------------------------------------------------------------- feeding

    def want(self, family_id: str | bytes, version: int) -> None:
        """Keep the digest of event ``version`` of the family (see :meth:`digest_at`)."""
        self._wanted.setdefault((family_hex(family_id), version))

    def digest_at(self, family_id: str | bytes, version: int) -> str | None:
        """The digest event ``version`` of the family carries, if wanted and seen."""
        found = self._wanted.get((family_hex(family_id), version))
        return None if found is None else found.decode()

    def feed_snapshots(self, rows: Iterable[SnapshotRow]) -> None:
        """Check snapshots' own digests; their links are checked by :meth:`finish`.

        Feed them before the notifications.
        """
        for family_id, version, topic, data in rows:
            try:
                family = family_hex(family_id)
                newest = self._newest_snapshot.get(family, 0)
                self._newest_snapshot[family] = max(newest, version)
                chained = split_chained(data)
                if chained is None:
                    self._unchained_snapshots.append((family, version))
                    continue
                expected = self.key.snapshot_digest(
                    family, version, topic, chained.body
                )
                if expected != chained.digest:
                    self._break(
                        BreakKind.MODIFIED,
                        Ledger.SNAPSHOTS,
                        family,
                        version,
                        "the snapshot's bytes are not what was written",
                    )
                    continue
                self.want(family, version)
                self._snapshots.append((family, version, chained.prev.encode()))
            except Exception as e:  # a row that breaks the check is a finding
                self._break(
                    BreakKind.MODIFIED,
                    Ledger.SNAPSHOTS,
                    family_id if isinstance(family_id, bytes) else None,
                    version if type(version) is int else 0,
                    f"the snapshot is stored in a form this library never writes "
                    f"({type(e).__name__}: {e})",
                )

    def feed(self, rows: Iterable[NotificationRow]) -> None:
        """Check notifications, in the order of their ids.

        The hot loop of the audit: family ids and topics may come as bytes
        (32 hex digits, UTF-8) straight from the database, digests stay bytes
        until they are reported, and everything the loop reads is local.
        """
        digest_of = self.key.hexdigest()
        heads = self._heads
        wanted = self._wanted
        chained_families = self._chained_families
        entries: list[bytes] = []
        append = entries.append
        checkpoint_position = (
            self.checkpoint.position if self.checkpoint is not None else None
        )
        bits = CHUNK_BITS
        digest_mark, prev_mark = _DIGEST_MARK, _PREV_MARK
        digest_tail, tail_length, prev_at = _TAIL, TAIL_LENGTH, _PREV_AT
        digest_at = DIGEST_HEX + 2  # where the digest's value starts, from the end
        event_tag, enrolled = _EVENT, _ENROLLED
        chunk_now = self._chunk
        events, position = self.events, self.position
        for notification_id, family, version, topic, data in rows:
            try:
                if (
                    type(version) is not int
                    or type(data) is not bytes
                    or (notification_id <= 0)
                ):
                    self._malformed((notification_id, family, version, topic, data))
                    continue
                if not isinstance(family, bytes):
                    family = family_hex(family)
                if not isinstance(topic, bytes):
                    topic = topic.encode()
                if checkpoint_position is not None:
                    if notification_id <= checkpoint_position:
                        self._events_le_cp += 1
                    elif chunk_now == self._cp_chunk and self._cp_partial is None:
                        # The chunk holding the checkpoint's position, as it was there.
                        self._flush(entries)
                        self._cp_partial = self._chunk_hash.copy().hexdigest()
                chunk = (notification_id - 1) >> bits
                if chunk != chunk_now:
                    self._flush(entries)
                    self._close_chunk()
                    self._chunk = chunk_now = chunk
                    self._chunk_hash = self.key.log_hash()
                # The chain members sit at fixed places at the end (see chain.is_chained).
                end = len(data)
                if (
                    data.startswith(digest_mark, end - digest_tail)
                    and data.startswith(prev_mark, end - tail_length)
                    and data.endswith(b'"}')
                ):
                    chained_families.add(family)
                    prev = data[end - prev_at : end - digest_tail - 1]
                    digest = data[end - digest_at : end - 2]
                    body = data[: end - digest_tail] + b"}"
                    message = b"%s%s\0%d\0%s\0%s" % (
                        event_tag,
                        family,
                        version,
                        topic,
                        body,
                    )
                    intact = digest_of(message).encode() == digest
                    if not intact:
                        self._bad_digest(family, version, topic, body, digest)
                else:
                    digest = self.key.unchained_digest(
                        family, version, topic, data
                    ).encode()
                    prev = None
                    self.unchained = True
                    # Events written before chaining only ever come before a
                    # family's chained ones, and only up to a chain start.
                    intact = (
                        notification_id <= self.chained_from
                        and family not in chained_families
                    )
                    if not intact:
                        self._unchained(family, version)
                last = heads.get(family)
                if last is None:
                    if self.deferred:  # judged against the parts before, in merge()
                        self._pending[family] = (version, prev, digest)
                    else:
                        self._judge_link(family, version, prev)
                    heads[family] = (version, digest)
                else:
                    if version != last[0] + 1:
                        self._misplaced(family, version, last[0])
                    elif prev is not None and prev != last[1]:
                        self._link(family, version)
                    # The next event is judged against this one, even out of
                    # place: one moved event is one break, not a cascade.
                    heads[family] = (version, digest)
                if topic == enrolled and intact:
                    # Only an intact enrolment tells whose family it is: a forged
                    # municipality must not hide the family's breaks from its auditor.
                    municipality = _municipality(data)
                    if municipality is not None:
                        self._municipalities[family] = municipality
                if wanted and (family, version) in wanted:
                    wanted[family, version] = digest
                append(b"%d:%s;" % (notification_id, digest))
                position = notification_id
                events += 1
            except Exception as e:  # a row that breaks the check is a finding
                self._malformed((notification_id, family, version, topic, data), e)
        self.events, self.position = events, position
        self._flush(entries)

    def _flush(self, entries: list[bytes]) -> None:
        if entries:
            self._chunk_hash.update(b"".join(entries))
            entries.clear()

    def _close_chunk(self) -> None:
        """Close the open chunk, if any (its entries flushed)."""
        if self._chunk is None:
            return
        digest = self._chunk_hash.hexdigest()
        if self._chunk == self._cp_chunk and self._cp_partial is None:
            self._cp_partial = digest  # nothing after the checkpoint's position here
        self._chunks[self._chunk] = digest
        self._chunk = None
        del self._chunk_hash  # (a running digest cannot be pickled)

    # ---------------------------------------------------------------- results

    def head(self) -> str:
        """The log's digest over every notification fed (its chunks' digests, in order)."""
        self._close_chunk()
        return self._combine(self._chunks)

    def _combine(self, chunks: dict[int, str]) -> str:
        h = self.key.log_hash()
        for number in sorted(chunks):
            h.update(b"%d:%s;" % (number, chunks[number].encode()))
        return str(h.hexdigest())

    def _head_at_checkpoint(self) -> tuple[int, str]:
        """Events up to the checkpoint's position, and the log's digest there."""
        assert self._cp_chunk is not None
        self._close_chunk()
        chunks = {n: d for n, d in self._chunks.items() if n < self._cp_chunk}
        if self._cp_partial is not None:
            chunks[self._cp_chunk] = self._cp_partial
        return self._events_le_cp, self._combine(chunks)

    def take_checkpoint(
        self,
        *,
        taken_at: datetime,
        access_log: tuple[int, str] | None,
        municipality: str | None = None,
    ) -> Checkpoint:
        """A checkpoint of what was fed (families of ``municipality``, or all)."""
        return Checkpoint(
            taken_at=taken_at,
            keyed=self.key.keyed,
            position=self.position,
            events=self.events,
            head=self.head(),
            families={
                UUID(family.decode()): (version, digest[:FAMILY_HEX].decode())
                for family, (version, digest) in self._heads.items()
                if municipality is None
                or self._municipalities.get(family) == municipality
            },
            access_log=access_log,
            municipality=municipality,
        )

    def finish(self, *, store_level: bool = True) -> list[Break]:
        """Every break found, once everything was fed (snapshots and the checkpoint too).

        ``store_level=False`` when only some families were fed: the checkpoint
        is then held against those families only, not the store's whole log.
        """
        if not self.started:  # else never read: the library skips them
            for family_id, version in self._unchained_snapshots:
                self._break(
                    BreakKind.UNCHAINED,
                    Ledger.SNAPSHOTS,
                    family_id,
                    version,
                    "the snapshot carries no digest: it was written before chaining "
                    "began; run 'familiekoordinering chain' once",
                )
        for family_id, version, prev in self._snapshots:
            if self._wanted.get((family_id, version)) != prev:
                self._break(
                    BreakKind.MODIFIED,
                    Ledger.SNAPSHOTS,
                    family_id,
                    version,
                    f"the snapshot does not stand for event {version} as stored "
                    "(the event or the snapshot was changed, or the event is gone)",
                )
        if self.checkpoint is not None:
            self._against(self.checkpoint, store_level=store_level)
        return self.breaks

    def chain_start_break(self, position: int, events: int) -> Break:
        """The break when the log up to a recorded chain start no longer gives its digest."""
        return Break(
            BreakKind.MODIFIED,
            Ledger.STORE,
            None,
            position,
            f"chaining began at notification {position} with {events} event(s) "
            f"before it; the store now holds {self.events} there, and they are not "
            "what they were: events written before chaining was started were "
            "changed, removed or inserted since",
        )

    # ---------------------------------------------------------------- helpers

    def _against(self, checkpoint: Checkpoint, *, store_level: bool) -> None:
        if checkpoint.keyed != self.key.keyed:
            self._break(
                BreakKind.MODIFIED,
                Ledger.STORE,
                None,
                checkpoint.position,
                "the checkpoint was taken "
                + ("with" if checkpoint.keyed else "without")
                + " the master key, and this audit runs "
                + ("with" if self.key.keyed else "without")
                + " it: audit with the same key",
            )
            return
        for family_id, (version, digest) in checkpoint.families.items():
            fid = family_hex(family_id)
            head = self._heads.get(fid)
            if head is None:
                self._break(
                    BreakKind.DELETED,
                    Ledger.EVENTS,
                    fid,
                    1,
                    f"the whole family ({version} event(s) at the checkpoint of "
                    f"{checkpoint.taken_at:%Y-%m-%d %H:%M}) is gone from the store",
                )
            elif head[0] < version:
                self._break(
                    BreakKind.TRUNCATED,
                    Ledger.EVENTS,
                    fid,
                    head[0] + 1,
                    f"{_events(head[0] + 1, version, past=True)} in the store at the checkpoint "
                    f"of {checkpoint.taken_at:%Y-%m-%d %H:%M}, and gone now",
                )
            else:
                stored = self._wanted.get((fid, version))
                if stored is None or stored[:FAMILY_HEX].decode() != digest:
                    self._break(
                        BreakKind.MODIFIED,
                        Ledger.EVENTS,
                        fid,
                        version,
                        "the family's history up to this event is not what it was at "
                        f"the checkpoint of {checkpoint.taken_at:%Y-%m-%d %H:%M}",
                    )
        if not store_level:
            return
        at = self._head_at_checkpoint()
        if self.position < checkpoint.position or at[0] < checkpoint.events:
            self._break(
                BreakKind.TRUNCATED,
                Ledger.STORE,
                None,
                checkpoint.position,
                f"the checkpoint counted {checkpoint.events} event(s) up to "
                f"notification {checkpoint.position}; the store holds {at[0]} there",
            )
        elif at[1] != checkpoint.head:
            self._break(
                BreakKind.MODIFIED,
                Ledger.STORE,
                None,
                checkpoint.position,
                "the store's log up to the checkpoint is not what it was: an event "
                "was changed, removed, inserted or moved",
            )

    def _bad_digest(
        self, family_id: bytes, version: int, topic: bytes, body: bytes, stored: bytes
    ) -> None:
        key = self.key
        digest = stored.decode()
        if (
            key.keyed
            and key.unkeyed().event_digest(family_id, version, topic, body) == digest
        ):
            self._break(
                BreakKind.INSERTED,
                Ledger.EVENTS,
                family_id,
                version,
                "the event was written without the store's key: it was forged "
                "beneath the library",
            )
            return
        for other in range(max(1, version - _REORDER_REACH), version + _REORDER_REACH):
            if (
                other != version
                and key.event_digest(family_id, other, topic, body) == digest
            ):
                self._break(
                    BreakKind.REORDERED,
                    Ledger.EVENTS,
                    family_id,
                    version,
                    f"the event stored here was written as event {other}",
                )
                return
        self._break(
            BreakKind.MODIFIED,
            Ledger.EVENTS,
            family_id,
            version,
            "the event's bytes are not what was written (or it was moved here "
            "from another family or topic)",
        )

    def _judge_link(self, family: bytes, version: int, prev: bytes | None) -> None:
        """Judge how a family's first event (or a later part's) follows its head so far."""
        last = self._heads.get(family)
        if last is None:
            if version != 1:
                self._break(
                    BreakKind.DELETED,
                    Ledger.EVENTS,
                    family,
                    version,
                    f"the family's history starts at event {version}: "
                    f"{_events(1, version - 1)} missing",
                )
            elif prev is not None and prev != _GENESIS:
                self._link(family, version)
        elif version != last[0] + 1:
            self._misplaced(family, version, last[0])
        elif prev is not None and prev != last[1]:
            self._link(family, version)

    def _misplaced(self, family: bytes, version: int, last_version: int) -> None:
        """An event whose version does not follow the family's newest one."""
        if version <= last_version:
            self._break(
                BreakKind.REORDERED,
                Ledger.EVENTS,
                family,
                version,
                f"stored after event {last_version} of the same family",
            )
        else:
            self._break(
                BreakKind.DELETED,
                Ledger.EVENTS,
                family,
                last_version + 1,
                f"{_events(last_version + 1, version - 1)} missing",
            )

    def _malformed(self, row: NotificationRow, error: Exception | None = None) -> None:
        """A row that is not as the library writes any row: a break, never a crash."""
        notification_id, family, version, topic, _ = row
        family_id = family if isinstance(family, bytes) else None
        if family_id is None and isinstance(family, str):
            family_id = family.replace("-", "").encode("utf-8", "replace")
        why = f" ({type(error).__name__}: {error})" if error is not None else ""
        self._break(
            BreakKind.INSERTED
            if isinstance(notification_id, int) and notification_id <= 0
            else BreakKind.MODIFIED,
            Ledger.EVENTS,
            family_id,
            version if type(version) is int else 0,
            f"notification {notification_id!r} (event {version!r}, topic {topic!r}) "
            "is stored in a form this library never writes: a position below 1, or "
            f"a missing or mistyped value{why}",
        )

    def _unchained(self, family_id: bytes, version: int) -> None:
        if self._chained_families or self.chained_from > 0:
            self._break(
                BreakKind.INSERTED, Ledger.EVENTS, family_id, version, _FORGED_BARE
            )
        else:
            self._provisional.append(len(self.breaks))
            self._break(
                BreakKind.UNCHAINED, Ledger.EVENTS, family_id, version, _BEFORE_CHAINING
            )

    def _link(self, family_id: bytes, version: int) -> None:
        if (family_id, version - 1) in self._broken or (
            family_id,
            version,
        ) in self._broken:
            return
        first = self._pending.get(family_id)
        if first is not None and first[0] == version - 1:
            # Next to a family's first event in a later part: reported in
            # merge(), after that event is judged, unless that broke there.
            self._held.append((family_id, version))
            return
        self._break(
            BreakKind.MODIFIED,
            Ledger.EVENTS,
            family_id,
            max(version - 1, 1),
            f"event {version} does not follow this event as stored: it was "
            "replaced, or an event was inserted before it",
        )

    def _break(
        self,
        kind: BreakKind,
        ledger: Ledger,
        family_id: bytes | None,
        position: int,
        message: str,
    ) -> None:
        if family_id is not None:
            self._broken.add((family_id, position))
            if _uuid(family_id) is None:
                message += f" (stored under the malformed family id {family_id!r})"
        self.breaks.append(
            Break(
                kind,
                ledger,
                _uuid(family_id) if family_id is not None else None,
                position,
                message,
            )
        )


def _events(first: int, last: int, *, past: bool = False) -> str:
    """``event 4 is`` or ``events 4–7 are`` (``was``/``were`` in the past)."""
    if first == last:
        return f"event {first} {'was' if past else 'is'}"
    return f"events {first}–{last} {'were' if past else 'are'}"


def _uuid(family: bytes) -> UUID | None:
    try:
        return UUID(family.decode("latin-1"))
    except ValueError:
        return None


def _municipality(data: bytes) -> str | None:
    try:
        doc: Mapping[str, Any] = json.loads(data)
        return str(doc["municipality"])
    except (ValueError, KeyError, TypeError):
        return None


def merge(parts: list[LogVerifier]) -> LogVerifier:
    """One verifier of the whole log from verifiers of its consecutive parts.

    Every part but the first was ``deferred``: the first event of each family
    in it is judged here, against the heads the parts before it left, then
    the links next to those events; and its events without a digest that it
    took for written before chaining are inserted ones if a part before it
    holds a chained event. The breaks are those one pass finds.
    """
    whole = parts[0]
    whole._close_chunk()
    for part in parts[1:]:
        part._close_chunk()
        whole._broken |= part._broken
        for family, (version, prev, _) in part._pending.items():
            whole._judge_link(family, version, prev)
        for family, version in part._held:  # after the first events, as one pass
            whole._link(family, version)
        if whole._chained_families:  # as one pass would have judged them
            for i in part._provisional:
                bare = part.breaks[i]
                part.breaks[i] = Break(
                    BreakKind.INSERTED,
                    bare.ledger,
                    bare.family_id,
                    bare.position,
                    bare.message.replace(_BEFORE_CHAINING, _FORGED_BARE),
                )
        whole.breaks += part.breaks
        whole._heads.update(part._heads)
        whole._municipalities.update(part._municipalities)
        whole._chained_families |= part._chained_families
        for wanted, found in part._wanted.items():
            if found is not None:
                whole._wanted[wanted] = found
        whole._chunks.update(part._chunks)
        whole._events_le_cp += part._events_le_cp
        whole._cp_partial = whole._cp_partial or part._cp_partial
        whole.events += part.events
        whole.position = max(whole.position, part.position)
        whole.unchained = whole.unchained or part.unchained
    return whole
