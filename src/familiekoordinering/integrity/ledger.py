"""The store's own ledger: its protection, and where verification of an older store starts.

Every store created by this library records in its ledger whether it seals
personal data (:class:`StoreLedger.ProtectionDeclared`): a store written with
a master key then refuses to open without one, and the audit reports a store
that was declared unencrypted.

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
    declarations: list[tuple[bool, int]]
    """Each protection declared: whether encrypted, and the log's newest
    notification id when it was (what was written up to then is not)."""
    demo: bool
    """Whether the store is a demo store (its master key may sit beside it)."""

    def __init__(self) -> None:
        self.chain_starts = []
        self.declarations = []
        self.demo = False
        self.key_check: str | None = None

    @property
    def encrypted(self) -> bool | None:
        """Whether the store seals personal data now (None: not declared yet)."""
        return self.declarations[-1][0] if self.declarations else None

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

    class ProtectionDeclared(Event):
        """Whether the store seals personal data from here on, and if it is a demo.

        Recorded when a store is created, and again when encryption is turned
        on for a store written without it; never for turning it off.
        """

        TOPIC = f"{LEDGER_TOPIC}.ProtectionDeclared"
        encrypted: bool
        demo: bool
        position: int
        """The log's newest notification id before the declaration."""
        key_check: str | None
        """With encryption: a check value of the master key (HMAC of a fixed
        text under it, 32 hex digits), so that a wrong key is refused at once."""

        def apply(self, aggregate: Any) -> None:
            """Note the declaration."""
            aggregate.declarations.append((self.encrypted, self.position))
            aggregate.demo = self.demo
            if self.key_check is not None:
                aggregate.key_check = self.key_check

    @classmethod
    def open(cls, *, recorded_at: datetime) -> StoreLedger:
        """A new, empty ledger."""
        return cls._create(cls.Opened, id=LEDGER_ID, timestamp=recorded_at)

    def declare_protection(
        self,
        *,
        encrypted: bool,
        demo: bool,
        position: int,
        key_check: str | None,
        recorded_at: datetime,
    ) -> None:
        """Record whether the store seals personal data, and whether it is a demo.

        ``position`` is the log's newest notification id now; ``key_check``
        the master key's check value (with encryption).
        """
        self.trigger_event(
            self.ProtectionDeclared,
            timestamp=recorded_at,
            encrypted=encrypted,
            demo=demo,
            position=position,
            key_check=key_check,
        )

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
