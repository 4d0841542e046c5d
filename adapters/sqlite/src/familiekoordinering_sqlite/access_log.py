"""The SQLite access log: every read of a family's data, append-only and chained.

Each row carries its number ``seq`` (1, 2, 3 …), the digest of the row before
(``prev``) and its own ``digest`` (see
:mod:`familiekoordinering.integrity.access_log`), made while the appending
connection holds the file's write lock (``BEGIN IMMEDIATE``), so that appends
from several processes take turns and number their rows without gaps.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from familiekoordinering.access import Access, AccessEntry
from familiekoordinering.access.log import AccessRow, chain_rows
from familiekoordinering.domain.values import Role
from familiekoordinering.integrity.chain import GENESIS, ChainKey, chain_key
from familiekoordinering_sqlite.connection import connect

__all__ = ["SQLiteAccessLog"]

_UNKEYED = chain_key(None)
_NIL = UUID(int=0)

_TABLE = """
CREATE TABLE IF NOT EXISTS fk_access_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    family_id TEXT NOT NULL,
    at TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    municipality TEXT NOT NULL,
    purpose TEXT NOT NULL,
    what TEXT NOT NULL,
    prev TEXT,
    digest TEXT
)
"""
# Tables made before the log was chained lack the last two columns.
_CHAIN_COLUMNS = ("prev", "digest")
_SCHEMA = (
    "CREATE INDEX IF NOT EXISTS fk_access_log_family ON fk_access_log (family_id, seq)",
    "CREATE TRIGGER IF NOT EXISTS fk_access_log_no_update "
    "BEFORE UPDATE ON fk_access_log "
    "BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS fk_access_log_no_delete "
    "BEFORE DELETE ON fk_access_log "
    "BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END",
    # INSERT OR REPLACE deletes the row it replaces without firing the delete
    # trigger; a row must come after every stored row (NEW.seq is -1 when the
    # statement leaves the number to SQLite).
    "CREATE TRIGGER IF NOT EXISTS fk_access_log_in_order "
    "BEFORE INSERT ON fk_access_log "
    "WHEN NEW.seq <= (SELECT coalesce(max(seq), 0) FROM fk_access_log) "
    "BEGIN SELECT RAISE(ABORT, 'the access log is append-only: "
    "a row must come after every stored row'); END",
)
_INSERT = (
    "INSERT INTO fk_access_log (seq, family_id, at, user_id, role, municipality, "
    "purpose, what, prev, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_HEAD = "SELECT seq, digest FROM fk_access_log ORDER BY seq DESC LIMIT 1"
_ROWS = (
    "SELECT seq, family_id, at, user_id, role, municipality, purpose, what, prev, "
    "digest FROM fk_access_log WHERE seq >= ? ORDER BY seq LIMIT ?"
)


def _uuid(text: Any) -> UUID:
    try:
        return UUID(text)
    except (TypeError, ValueError, AttributeError):
        return _NIL  # not an id: the row's digest no longer matches its text


def _text(value: Any) -> str:
    """A stored value as the text it was hashed as (SQLite keeps whatever SQL stores)."""
    if isinstance(value, str):
        return value
    # Another type than this library writes: never the text of a genuine row.
    return f"\0{type(value).__name__}:{value!r}"


def _row(stored: tuple[Any, ...]) -> AccessRow:
    seq, family, *values, prev, digest = stored
    return AccessRow(
        seq,
        _uuid(family),
        (_text(family), *map(_text, values)),
        None if prev is None else _text(prev),
        None if digest is None else _text(digest),
    )


class SQLiteAccessLog:
    """An :class:`~familiekoordinering.access.AccessLog` in an SQLite file.

    Triggers refuse any ``UPDATE`` or ``DELETE`` of the table and any row not
    numbered after every stored row (so ``INSERT OR REPLACE`` too), so that not
    even SQL through another connection alters an entry without first dropping
    them; and whoever drops them is found by verifying the rows' chain.
    ``key`` makes the rows' digests (unkeyed SHA-256 by default). Times are
    stored as UTC ISO 8601 text, the text the digest covers. Rows written
    before the log was chained keep no digest and are not covered.
    """

    def __init__(
        self, path: str, *, key: ChainKey = _UNKEYED, lock_timeout: float = 30.0
    ) -> None:
        self.path = path
        self.key = key
        self._lock = threading.Lock()
        self._conn = connect(path, lock_timeout=lock_timeout)
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._transaction(self._create)

    def _create(self) -> None:
        self._conn.execute(_TABLE)
        columns = {r[1] for r in self._conn.execute("PRAGMA table_info(fk_access_log)")}
        for column in _CHAIN_COLUMNS:
            if column not in columns:
                self._conn.execute(
                    f"ALTER TABLE fk_access_log ADD COLUMN {column} TEXT"
                )
        for statement in _SCHEMA:
            self._conn.execute(statement)

    def _transaction(self, work: Callable[[], None]) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                work()
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def append(self, entries: Sequence[AccessEntry]) -> None:
        """Record reads, in one transaction, numbered and chained after the newest row."""
        if not entries:
            return

        def work() -> None:
            rows = chain_rows(self.key, self._head(), entries)
            self._conn.executemany(
                _INSERT,
                [(r.seq, *r.fields, r.prev, r.digest) for r in rows],
            )

        self._transaction(work)

    def _head(self) -> tuple[int, str] | None:
        row = self._conn.execute(_HEAD).fetchone()
        if row is None:
            return None
        seq, digest = row
        return int(seq), _text(digest) if digest is not None else GENESIS

    def entries(self, family_id: UUID) -> list[AccessEntry]:
        """Every read of the family's data, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT at, user_id, role, municipality, purpose, what "
                "FROM fk_access_log WHERE family_id = ? ORDER BY seq",
                (str(family_id),),
            ).fetchall()
        return [
            AccessEntry(
                family_id,
                datetime.fromisoformat(at),
                user,
                Role(role),
                municipality,
                Access(purpose),
                what,
            )
            for at, user, role, municipality, purpose, what in rows
        ]

    def rows(self, start: int, limit: int) -> list[AccessRow]:
        """At most ``limit`` stored rows from seq ``start`` on, in seq order."""
        with self._lock:
            rows = self._conn.execute(_ROWS, (start, limit)).fetchall()
        return [_row(r) for r in rows]

    def head(self) -> tuple[int, str] | None:
        """The newest row's seq and digest; None while the log is empty."""
        with self._lock:
            return self._head()

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()
