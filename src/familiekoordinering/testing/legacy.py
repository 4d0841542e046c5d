"""A store as the library wrote it before events were chained, for tests and benchmarks.

:class:`UnchainedCoordination` is :class:`~familiekoordinering.FamilyCoordination`
with eventsourcing's own event and snapshot stores: it writes events and
snapshots without ``_prev`` and ``_digest``, as versions before chaining did.
Use it to build an older store (to test ``familiekoordinering chain``) or to
measure what chaining costs; never to run a programme.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import EventStore

from familiekoordinering.application import FamilyCoordination
from familiekoordinering.engine import Engine

__all__ = ["UnchainedCoordination"]


class _UnchainedEngine(Engine):
    """The event store before chaining: eventsourcing's own stores, no ledger."""

    def _check_protection(self, encryption: bool | None, demo: bool) -> bool:
        return self.master_key is not None

    def construct_event_store(self) -> EventStore[UUID]:
        """Eventsourcing's event store (the chained one still keeps the heads read)."""
        store = super().construct_event_store()
        return EventStore(mapper=self.mapper, recorder=store.recorder)

    def construct_snapshot_store(self) -> EventStore[UUID]:
        """Eventsourcing's snapshot store."""
        return EventStore(
            mapper=self.mapper,
            recorder=self.factory.aggregate_recorder(purpose="snapshots"),
        )


class UnchainedCoordination(FamilyCoordination):
    """The library before chaining: eventsourcing's own stores (tests and benchmarks).

    Like those versions, it records no protection in the store's ledger.
    """

    _engine_class = _UnchainedEngine
