"""What a storage adapter provides beyond eventsourcing's recorders: its ports.

eventsourcing's persistence factory makes the recorders (the events, the
snapshots). The library needs more of a store, and :class:`StoragePorts`
declares all of it: where the read models, the access log and the families'
wrapped keys live; fast readers of the notification log, the snapshots and
single events; a guard refusing events of erased families inside the writing
transaction; a listener woken by every save; and which of the driver's own
exceptions mean the store failed (to turn them into
:class:`~familiekoordinering.errors.StoreError`).

An adapter's ``Factory`` implements the protocol explicitly (the SQLite and
PostgreSQL adapters check it with ``_ports: type[StoragePorts] = Factory``);
the engine then takes the factory as the store's ports. Any other persistence
module (eventsourcing's in-memory store) gets :class:`MemoryPorts`: the read
models, access log and keys in memory, the log read through eventsourcing's
recorder, no guard and no listener.

The core never asks a factory what it can do: it uses the ports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder, ApplicationRecorder
from eventsourcing.popo import POPOAggregateRecorder

from familiekoordinering.access.log import AccessLog, InMemoryAccessLog
from familiekoordinering.integrity.chain import ChainKey
from familiekoordinering.integrity.verify import NotificationRow as ChainRow
from familiekoordinering.integrity.verify import SnapshotRow
from familiekoordinering.protection.keys import InMemoryKeyStore, KeyStore
from familiekoordinering.views.store import InMemoryViewStore, ViewStore

__all__ = [
    "ChainRow",
    "Listener",
    "MemoryPorts",
    "NotificationRow",
    "SnapshotRow",
    "StoragePorts",
    "VersionRow",
]

NotificationRow = tuple[int, str, int, str, bytes]
"""A notification as the views read it (:meth:`StoragePorts.select_notification_rows`):
id, family id (with hyphens), version, topic, state as stored."""

VersionRow = tuple[int, str, bytes]
"""One stored event of a family, as :meth:`StoragePorts.select_versions` reads it:
version, topic, state."""


@runtime_checkable
class Listener(Protocol):
    """Wakes a projection worker when events are saved (PostgreSQL's LISTEN/NOTIFY)."""

    def wait(self, timeout: float) -> bool:
        """Block until events are saved or ``timeout`` seconds pass; True if woken."""
        ...

    def close(self) -> None:
        """Stop listening and release the connection."""
        ...


@runtime_checkable
class StoragePorts(Protocol):
    """What a store provides beyond eventsourcing's recorders (see the module).

    Each ``view_store``, ``access_log``, ``key_store`` and ``listener`` call
    makes a new object with its own connections; the caller closes it.
    """

    store_failures: tuple[type[BaseException], ...]
    """The driver's exceptions that mean the store failed (unreachable, full,
    locked): the library turns them into
    :class:`~familiekoordinering.errors.StoreError`. eventsourcing's
    ``PersistenceError`` and ``OSError`` count always; name here what the
    adapter's own code may raise from its driver (usually the driver's base
    error class)."""

    def view_store(self) -> ViewStore:
        """The read models' store, beside the events.

        Called once per application, when its views are first used.
        """
        ...

    def access_log(self, key: ChainKey | None = None) -> AccessLog:
        """The access log (every read of a family's data), beside the events.

        ``key`` chains its rows (the store's chain key; unkeyed when None).
        Called once per application, at its first logged read.
        """
        ...

    def key_store(self) -> KeyStore:
        """The families' wrapped data keys, beside the events.

        Called when an application opens the store with a master key, and
        when one without a key looks whether the store holds any keys.
        """
        ...

    def select_notification_rows(
        self, start: int, limit: int
    ) -> Sequence[NotificationRow]:
        """At most ``limit`` notifications from id ``start`` on, in id order.

        Plain rows (id, family id with hyphens, version, topic, state as
        stored), for the view projector's batches.
        """
        ...

    def max_notification_id(self) -> int:
        """The newest notification id in the log; 0 when the log is empty.

        What the views measure how far behind they are against, and what a
        rebuild's progress counts up to.
        """
        ...

    def select_chain_rows(self, start: int, limit: int) -> Sequence[ChainRow]:
        """At most ``limit`` notifications from id ``start`` on, for verification.

        Like :meth:`select_notification_rows`, but family ids and topics may
        come as bytes (what the digests are made of), and a value of another
        type than the library writes as None, so that the audit reports it.
        ``start`` may be the lowest id the database holds (negative).
        """
        ...

    def snapshot_rows(self) -> Iterator[SnapshotRow]:
        """Every row of the snapshots table, whatever family it names, for the audit.

        (family id, version, topic, state as stored); none when the store has
        no snapshots table.
        """
        ...

    def select_versions(
        self, family_id: UUID, versions: Sequence[int]
    ) -> Sequence[VersionRow]:
        """Some stored events of one family, by version, in any order.

        What the views' queries read to open the personal data their
        documents refer to. A version the store does not hold is left out.
        """
        ...

    def guard_erasures(self) -> None:
        """Make the store refuse events and snapshots of erased families.

        Called when an application opens the store with a master key. The
        refusal happens inside the writing transaction and names
        :data:`~familiekoordinering.protection.ERASED_REFUSAL`. A store read
        and written by one process only may do nothing.
        """
        ...

    def listener(self) -> Listener | None:
        """A listener woken by every save, or None when the store cannot push.

        Called by each ``projections run`` worker; without a listener it polls.
        """
        ...


class MemoryPorts:
    """The ports of a store whose factory declares none (eventsourcing's in-memory one).

    Read models, access log and keys in memory (a new, empty one per call);
    the log read through eventsourcing's ``recorder()``; snapshots read from
    an in-memory ``snapshots()`` recorder; no guard (one process holds the
    store) and no listener. ``recorder`` and ``snapshots`` are called at
    each read, so the ports can be made before the recorders are.
    """

    store_failures: tuple[type[BaseException], ...] = ()
    """No driver: eventsourcing's ``PersistenceError`` and ``OSError`` only."""

    def __init__(
        self,
        recorder: Callable[[], ApplicationRecorder],
        snapshots: Callable[[], AggregateRecorder | None],
    ) -> None:
        self._recorder = recorder
        self._snapshots = snapshots

    def view_store(self) -> InMemoryViewStore:
        """A new, empty view store in memory."""
        return InMemoryViewStore()

    def access_log(self, key: ChainKey | None = None) -> InMemoryAccessLog:
        """A new, empty access log in memory, chained with ``key``."""
        return InMemoryAccessLog(key)

    def key_store(self) -> InMemoryKeyStore:
        """A new, empty key store in memory."""
        return InMemoryKeyStore()

    def select_notification_rows(self, start: int, limit: int) -> list[NotificationRow]:
        """Notifications from ``start`` as plain rows, through the recorder."""
        return [
            (n.id, str(n.originator_id), n.originator_version, n.topic, n.state)
            for n in self._recorder().select_notifications(start=start, limit=limit)
        ]

    def max_notification_id(self) -> int:
        """The newest notification id, through the recorder (0 when empty)."""
        return self._recorder().max_notification_id() or 0

    def select_chain_rows(self, start: int, limit: int) -> list[ChainRow]:
        """The same rows as :meth:`select_notification_rows` (the recorder's types)."""
        return list(self.select_notification_rows(start, limit))

    def snapshot_rows(self) -> Iterator[SnapshotRow]:
        """Every snapshot the in-memory snapshot recorder holds (none from others)."""
        recorder = self._snapshots()
        if not isinstance(recorder, POPOAggregateRecorder):
            return
        for s in list(recorder._stored_events):
            yield str(s.originator_id), s.originator_version, s.topic, s.state

    def select_versions(
        self, family_id: UUID, versions: Sequence[int]
    ) -> list[VersionRow]:
        """Some events of one family, by version, one recorder read each."""
        recorder = self._recorder()
        return [
            (e.originator_version, e.topic, e.state)
            for v in versions
            for e in recorder.select_events(family_id, gt=v - 1, lte=v, limit=1)
        ]

    def guard_erasures(self) -> None:
        """Nothing: erasures in memory hold at once in the one process."""

    def listener(self) -> None:
        """None: a worker polls."""
        return None
