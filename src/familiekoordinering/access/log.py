"""The access log (*innsynslogg*): every read of a family's data, append-only.

Each read through the application's queries appends one :class:`AccessEntry`
— who (user, role, municipality), when, for what purpose and what was read —
before the data is returned. The :class:`AccessLog` port can only append and
read: the API offers no way to change or remove an entry. The family sees its
entries in its report.

Every stored row is numbered (``seq`` 1, 2, 3 …, with no gaps) and carries a
digest chaining it to the row before (:class:`AccessRow`), made with the
store's :class:`~familiekoordinering.integrity.chain.ChainKey`; so a row changed,
removed, inserted or moved beneath the library, in the database itself, is
found by :func:`~familiekoordinering.integrity.access_log.verify_access_log`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

import attrs

from familiekoordinering.access.policy import Access
from familiekoordinering.domain.values import Role

if TYPE_CHECKING:
    from familiekoordinering.integrity.chain import ChainKey

# The chain's primitives are imported where they are used: the integrity
# package (which verifies this log) may import this module while it loads.

__all__ = [
    "READS",
    "AccessEntry",
    "AccessLog",
    "AccessRow",
    "InMemoryAccessLog",
    "access_fields",
    "chain_rows",
]

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
    "erasure status",
    "fingerprint",
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


@attrs.frozen
class AccessRow:
    """One stored row of the access log, as its digest covers it.

    Rows written before the log was chained (by an earlier version of the
    library) carry no ``prev`` and no ``digest``: they are not covered by the
    chain.
    """

    seq: int
    """The row's number: 1 for the first row, each next row one more."""
    family_id: UUID
    """The family whose data was read (the nil UUID if the stored id is not one)."""
    fields: tuple[str, ...]
    """The row's values as text, as hashed: see :func:`access_fields`."""
    prev: str | None
    """The digest of the row before (``GENESIS`` for the first chained row)."""
    digest: str | None
    """The row's own digest: ``key.access_digest(prev, seq, fields)``."""


def access_fields(entry: AccessEntry) -> tuple[str, ...]:
    """The entry's values as the text its row's digest covers.

    Family id (canonical UUID form), time (converted to UTC, ISO 8601), user,
    role, municipality, purpose and what was read. Stores keep the time as this
    UTC text or as an instant that reads back to it, so the digest verifies on
    every backend. Raises :class:`ValueError` for a time without a time zone.
    """
    if entry.at.tzinfo is None or entry.at.utcoffset() is None:
        raise ValueError("an access-log entry's time must be timezone-aware")
    return (
        str(entry.family_id),
        entry.at.astimezone(UTC).isoformat(),
        entry.user_id,
        entry.role.value,
        entry.municipality,
        entry.purpose.value,
        entry.what,
    )


def chain_rows(
    key: ChainKey,
    head: tuple[int, str] | None,
    entries: Sequence[AccessEntry],
) -> list[AccessRow]:
    """The rows that append ``entries`` after the row ``head`` (seq, digest).

    ``head`` is the newest stored row's (or None for an empty log, which
    starts at seq 1 after :data:`~familiekoordinering.integrity.chain.GENESIS`);
    a store calls this while holding its append lock, and stores the rows.
    """
    from familiekoordinering.integrity.chain import GENESIS

    seq, prev = head if head is not None else (0, GENESIS)
    rows = []
    for entry in entries:
        seq += 1
        fields = access_fields(entry)
        digest = key.access_digest(prev, seq, fields)
        rows.append(AccessRow(seq, entry.family_id, fields, prev, digest))
        prev = digest
    return rows


class AccessLog(Protocol):
    """Where the access log lives (beside the events, in the same store).

    Implementations: :class:`InMemoryAccessLog`; the SQLite and PostgreSQL
    adapters' ``Factory.access_log()``. Append and read only.
    """

    def append(self, entries: Sequence[AccessEntry]) -> None:
        """Record reads, in one go, numbered and chained after the newest row."""
        ...

    def entries(self, family_id: UUID) -> list[AccessEntry]:
        """Every read of the family's data, oldest first."""
        ...

    def rows(self, start: int, limit: int) -> list[AccessRow]:
        """At most ``limit`` stored rows from seq ``start`` on, in seq order (to verify)."""
        ...

    def head(self) -> tuple[int, str] | None:
        """The newest row's seq and digest (a checkpoint); None while the log is empty.

        A row written before chaining stands for ``GENESIS`` here.
        """
        ...

    def close(self) -> None:
        """Release the store's connections."""
        ...


class InMemoryAccessLog:
    """An :class:`AccessLog` in a list: for the in-memory store and for tests.

    ``key`` makes the rows' digests; None stands for ``chain_key(None)``, the
    unkeyed SHA-256 construction.
    """

    def __init__(self, key: ChainKey | None = None) -> None:
        from familiekoordinering.integrity.chain import chain_key

        self.key: ChainKey = chain_key(None) if key is None else key
        self._entries: list[AccessEntry] = []
        self._rows: list[AccessRow] = []
        self._lock = threading.Lock()

    def append(self, entries: Sequence[AccessEntry]) -> None:
        """Record reads, numbered and chained after the newest row."""
        with self._lock:
            rows = chain_rows(self.key, self._head(), entries)
            self._rows.extend(rows)
            self._entries.extend(entries)

    def entries(self, family_id: UUID) -> list[AccessEntry]:
        """Every read of the family's data, oldest first."""
        return [e for e in self._entries if e.family_id == family_id]

    def rows(self, start: int, limit: int) -> list[AccessRow]:
        """At most ``limit`` rows from seq ``start`` on, in seq order."""
        first = max(start, 1) - 1
        return self._rows[first : first + max(limit, 0)]

    def head(self) -> tuple[int, str] | None:
        """The newest row's seq and digest; None while the log is empty."""
        with self._lock:
            return self._head()

    def _head(self) -> tuple[int, str] | None:
        if not self._rows:
            return None
        last = self._rows[-1]
        # Every row of this log is chained; the digest is never None.
        return last.seq, last.digest or ""

    def close(self) -> None:
        """Nothing to release."""
