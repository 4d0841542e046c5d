"""The access log (*innsynslogg*): every read of a family's data, append-only.

Each read through the application's queries appends one :class:`AccessEntry`
— who (user, role, municipality), when, for what purpose and what was read —
before the data is returned. The :class:`AccessLog` port can only append and
list: the API offers no way to change or remove an entry. The family sees its
entries in its report.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

import attrs

from familiekoordinering.access.policy import Access
from familiekoordinering.domain.values import Role

__all__ = ["READS", "AccessEntry", "AccessLog", "InMemoryAccessLog"]

READS: tuple[str, ...] = (
    "record",
    "record as of a date",
    "history",
    "consent decision",
    "open notices",
    "overdue notices",
    "timeline",
    "report",
    "access export",
    "access log",
    "audit",
    "family list",
    "view document",
    "plan",
    "consent register",
    "caseload",
    "research export",
)
"""What a logged read can be (:attr:`AccessEntry.what`); the report words them."""


@attrs.frozen
class AccessEntry:
    """One read of a family's data."""

    family_id: UUID
    at: datetime
    user_id: str
    role: Role
    municipality: str
    purpose: Access
    """Why: the kind of access (reading the record, the timeline, a caseload, …)."""
    what: str
    """What was read, e.g. ``timeline``, ``report``, ``plan``, ``caseload``."""


class AccessLog(Protocol):
    """Where the access log lives (beside the events, in the same store).

    Implementations: :class:`InMemoryAccessLog`; the SQLite and PostgreSQL
    adapters' ``Factory.access_log()``. Append and read only.
    """

    def append(self, entries: Sequence[AccessEntry]) -> None:
        """Record reads, in one go."""
        ...

    def entries(self, family_id: UUID) -> list[AccessEntry]:
        """Every read of the family's data, oldest first."""
        ...

    def close(self) -> None:
        """Release the store's connections."""
        ...


class InMemoryAccessLog:
    """An :class:`AccessLog` in a list: for the in-memory store and for tests."""

    def __init__(self) -> None:
        self._entries: list[AccessEntry] = []
        self._lock = threading.Lock()

    def append(self, entries: Sequence[AccessEntry]) -> None:
        """Record reads."""
        with self._lock:
            self._entries.extend(entries)

    def entries(self, family_id: UUID) -> list[AccessEntry]:
        """Every read of the family's data, oldest first."""
        return [e for e in self._entries if e.family_id == family_id]

    def close(self) -> None:
        """Nothing to release."""
