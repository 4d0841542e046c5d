"""The store's own ledger: where verification of an older store starts.

A store written before events were chained holds events without digests.
``familiekoordinering chain`` (:meth:`FamilyCoordination.start_chain`) records,
once, a :class:`StoreLedger.ChainStarted` event naming the newest notification
then, how many events the log held and the log's running digest up to it. The
audit accepts events without digests up to that position only, and checks
that the log up to it still gives the recorded digest. The ledger's events
are chained like a family's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from familiekoordinering.domain.values import Actor

__all__ = ["LEDGER_ID", "LEDGER_TOPIC", "StoreLedger"]

LEDGER_ID = UUID("a7c6d3f2-5b1e-4c9a-8e2d-0f4b6a1c9e37")
"""The ledger's aggregate id: the same in every store."""
LEDGER_TOPIC = "familiekoordinering:StoreLedger"
"""The prefix of the ledger's stored topics (the views skip them)."""


class StoreLedger(Aggregate):
    """The store's own record of when chaining began (see the module docs)."""

    TOPIC = LEDGER_TOPIC

    chain_starts: list[tuple[int, int, str]]
    """Each recorded chain start: notification id, event count, log digest."""

    def __init__(self) -> None:
        self.chain_starts = []

    class Event(Aggregate.Event):
        """Base of the ledger's events."""

        TOPIC = f"{LEDGER_TOPIC}.Event"

    class Opened(Event, Aggregate.Created):
        """The ledger was opened (before its first entry)."""

        TOPIC = f"{LEDGER_TOPIC}.Opened"

    Created = Opened

    class ChainStarted(Event):
        """Verification starts here: events up to ``position`` need no digest."""

        TOPIC = f"{LEDGER_TOPIC}.ChainStarted"
        position: int
        events: int
        head: str
        access_seq: int
        """Access-log rows up to this one were written before chaining."""
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            """Note the start."""
            aggregate.chain_starts.append((self.position, self.events, self.head))

    @classmethod
    def open(cls, *, recorded_at: datetime) -> StoreLedger:
        """A new, empty ledger."""
        return cls._create(cls.Opened, id=LEDGER_ID, timestamp=recorded_at)

    def start_chain(
        self,
        *,
        position: int,
        events: int,
        head: str,
        access_seq: int,
        actor: Actor,
        recorded_at: datetime,
    ) -> None:
        """Record that verification starts after notification ``position``.

        ``access_seq`` is the newest access-log row then (older ones carry no
        digest either).
        """
        self.trigger_event(
            self.ChainStarted,
            timestamp=recorded_at,
            position=position,
            events=events,
            head=head,
            access_seq=access_seq,
            actor=actor,
        )
