"""What a verification finds: a break in a chain, where, and of which kind."""

from __future__ import annotations

import enum
from uuid import UUID

import attrs

__all__ = ["Break", "BreakKind", "Ledger"]


class BreakKind(enum.StrEnum):
    """How the stored history differs from what was written."""

    MODIFIED = "modified"
    """Stored bytes differ from what their digest (or a checkpoint) says was written."""
    INSERTED = "inserted"
    """Something is stored that this library, holding the store's key, did not write."""
    DELETED = "deleted"
    """Something written is missing from the middle of a chain (or the whole family)."""
    REORDERED = "reordered"
    """Something written is stored at another position than it was written at."""
    TRUNCATED = "truncated"
    """The newest part of a chain is missing, against a checkpoint."""
    UNCHAINED = "unchained"
    """Stored before chaining began and not covered by a recorded chain start."""


class Ledger(enum.StrEnum):
    """Which stored history a break is in."""

    EVENTS = "events"
    SNAPSHOTS = "snapshots"
    ACCESS_LOG = "access log"
    STORE = "store"
    """The store's notification log as a whole (against a checkpoint)."""


@attrs.frozen
class Break:
    """One place where a stored history is not what was written.

    ``family_id`` is None for a break of the store's log as a whole;
    ``position`` is the event's version (events, snapshots), the row's
    sequence number (access log) or the notification id (store).
    """

    kind: BreakKind
    ledger: Ledger
    family_id: UUID | None
    position: int
    message: str

    def __str__(self) -> str:
        where = f"family {self.family_id} " if self.family_id is not None else ""
        return (
            f"{self.kind.value} ({self.ledger.value}): {where}position "
            f"{self.position}: {self.message}"
        )
