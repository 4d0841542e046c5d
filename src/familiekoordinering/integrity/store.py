"""Event stores that chain every event they write to the one before it.

eventsourcing's :class:`~eventsourcing.persistence.EventStore` turns domain
events into stored events and hands them to the recorder. These subclasses do
the same, asking the mapper to write each event with the digest of the
family's previous event (its ``_prev``) and to append the event's own digest
(see :mod:`familiekoordinering.integrity.chain`). The digest of a family's
newest event is remembered from what this process last wrote or read, and
read from the store when it is not known (another process wrote since), so
a chain never depends on a cache being right: a save built on a stale head
conflicts on its version and is retried like any other lost race.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import (
    AggregateRecorder,
    EventStore,
    Notification,
    Recording,
    StoredEvent,
)

from familiekoordinering.errors import StoreError
from familiekoordinering.integrity.chain import GENESIS

__all__ = ["ChainedEventStore", "ChainedSnapshotStore", "ChainingMapper", "Heads"]


class ChainingMapper(Protocol):
    """What the chained stores need of the mapper."""

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        """The domain event a stored event holds."""
        ...

    def to_chained_stored_event(
        self, domain_event: Any, prev: str
    ) -> tuple[StoredEvent, str]:
        """The stored form of ``domain_event`` following ``prev``, and its digest."""
        ...

    def digest_of(self, stored_event: StoredEvent) -> str:
        """The digest a stored event carries (or stands for, if unchained)."""
        ...

    def plain(self, data: bytes) -> bytes:
        """A stored payload's JSON bytes (decrypted and decompressed, if configured)."""
        ...

    def reads_snapshot(self, stored_event: StoredEvent) -> bool:
        """Whether loads read a stored snapshot: chained, of a version still read."""
        ...


class Heads:
    """The digest of each family's newest event this process knows of.

    Bounded: when full it forgets everything and reads heads from the store
    again as they are needed. Needs no lock: an entry is only ever used for
    the version it names (:meth:`digest_at`), and events never change once
    written, so an entry another thread overwrote with an older version only
    sends the next write to the store to read the digest.
    """

    LIMIT = 65536

    def __init__(self, recorder: AggregateRecorder, mapper: ChainingMapper) -> None:
        self._recorder = recorder
        self._mapper = mapper
        # Keyed by the id's integer: hashing it is C, a UUID's __hash__ is Python.
        self._known: dict[int, tuple[int, str]] = {}

    def remember(self, family_id: UUID, version: int, digest: str) -> None:
        """Note that event ``version`` of the family, just written, has ``digest``."""
        known = self._known
        if len(known) >= self.LIMIT:
            known.clear()
        known[family_id.int] = (version, digest)

    def remember_read(self, family_id: UUID, version: int, digest: str) -> None:
        """As :meth:`remember`, for an event read: never in place of a newer one.

        A read may be of an older version (a family as it stood, a
        fingerprint of an older event); the head it would replace is the one
        the family's next write needs.
        """
        known = self._known.get(family_id.int)
        if known is None or known[0] < version:
            self.remember(family_id, version, digest)

    def digest_at(self, family_id: UUID, version: int) -> str:
        """The digest of event ``version`` of the family (GENESIS before the first)."""
        if version == 0:
            return GENESIS
        known = self._known.get(family_id.int)
        if known is not None and known[0] == version:
            return known[1]
        stored = self._recorder.select_events(
            family_id, gt=version - 1, lte=version, limit=1
        )
        if not stored:
            raise StoreError(
                f"event {version} of family {family_id} is missing from the store, so "
                "nothing can follow it: the history was changed beneath the library; "
                "run 'familiekoordinering audit' to see what"
            )
        digest = self._mapper.digest_of(stored[0])
        self.remember_read(family_id, version, digest)
        return digest


class ChainedEventStore(EventStore[UUID]):
    """An event store whose events each carry the digest of the one before."""

    def __init__(
        self, mapper: ChainingMapper, recorder: AggregateRecorder, heads: Heads
    ) -> None:
        super().__init__(mapper=mapper, recorder=recorder)  # type: ignore[arg-type]
        self.heads = heads
        self._chaining = mapper

    def put(self, domain_events: Sequence[Any], **kwargs: Any) -> list[Recording[UUID]]:
        """Chain and store the events (atomically, as eventsourcing's ``put``)."""
        heads, chained = self.heads, self._chaining.to_chained_stored_event
        if len(domain_events) == 1:  # what a command saves (the loop: ~0.7 % slower)
            event = domain_events[0]
            family_id, version = event.originator_id, event.originator_version
            stored, digest = chained(event, heads.digest_at(family_id, version - 1))
            stored_events = [stored]
            notification_ids = self.recorder.insert_events(stored_events, **kwargs)
            heads.remember(family_id, version, digest)
        else:
            stored_events = []
            newest: dict[UUID, tuple[int, str]] = {}
            for event in domain_events:
                family_id, version = event.originator_id, event.originator_version
                last = newest.get(family_id)
                prev = (
                    last[1]
                    if last is not None and last[0] == version - 1
                    else heads.digest_at(family_id, version - 1)
                )
                stored, digest = chained(event, prev)
                stored_events.append(stored)
                newest[family_id] = (version, digest)
            notification_ids = self.recorder.insert_events(stored_events, **kwargs)
            for family_id, (version, digest) in newest.items():
                heads.remember(family_id, version, digest)
        if not notification_ids:
            return []
        return [
            Recording(
                d,
                Notification(
                    originator_id=s.originator_id,
                    originator_version=s.originator_version,
                    topic=s.topic,
                    state=s.state,
                    id=n,
                ),
            )
            for d, s, n in zip(
                domain_events, stored_events, notification_ids, strict=True
            )
        ]

    def get(
        self,
        originator_id: UUID,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Iterator[Any]:
        """The family's events (as eventsourcing's ``get``), noting the newest's digest."""
        stored = self.recorder.select_events(
            originator_id, gt=gt, lte=lte, desc=desc, limit=limit
        )
        if not stored:  # a cached family with nothing newer: no generator to run
            return iter(())
        return self._reading(originator_id, stored, desc)

    def _reading(
        self, family_id: UUID, stored: Sequence[StoredEvent], desc: bool
    ) -> Iterator[Any]:
        to_domain_event = self._chaining.to_domain_event
        for event in stored:
            yield to_domain_event(event)
        newest = stored[0] if desc else stored[-1]
        self.heads.remember_read(
            family_id, newest.originator_version, self._chaining.digest_of(newest)
        )


class ChainedSnapshotStore(EventStore[UUID]):
    """A snapshot store whose snapshots carry the digest of the event they stand for."""

    def __init__(
        self, mapper: ChainingMapper, recorder: AggregateRecorder, heads: Heads
    ) -> None:
        super().__init__(mapper=mapper, recorder=recorder)  # type: ignore[arg-type]
        self.heads = heads
        self._chaining = mapper

    def put(self, domain_events: Sequence[Any], **kwargs: Any) -> list[Recording[UUID]]:
        """Chain and store snapshots."""
        stored = [
            self._chaining.to_chained_stored_event(
                snapshot,
                self.heads.digest_at(
                    snapshot.originator_id, snapshot.originator_version
                ),
            )[0]
            for snapshot in domain_events
        ]
        self.recorder.insert_events(stored, **kwargs)
        return []

    def get(
        self,
        originator_id: UUID,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Iterator[Any]:
        """The family's snapshots that loads read (as eventsourcing's ``get``).

        A snapshot without a digest was written before chaining began (or
        beneath the library): nothing shows it stands for the family's events.
        One of a class version the aggregate no longer reads cannot be upcast
        exactly. Neither is read; the family loads from an older snapshot or
        its events (see :meth:`ChainingMapper.reads_snapshot`).
        """
        reads = self._chaining.reads_snapshot
        stored = self.recorder.select_events(
            originator_id, gt=gt, lte=lte, desc=desc, limit=limit
        )
        if not all(reads(s) for s in stored):
            # Some are not read: leave them out, look further.
            stored = [
                s
                for s in self.recorder.select_events(
                    originator_id, gt=gt, lte=lte, desc=desc
                )
                if reads(s)
            ][:limit]
        return map(self._chaining.to_domain_event, stored)
