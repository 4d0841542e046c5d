"""The SQLite key store: each family's wrapped data key, or its erasure, in the store's file."""

from __future__ import annotations

import threading
from datetime import datetime
from uuid import UUID

from familiekoordinering.protection import Erasure, StoredKey
from familiekoordinering_sqlite.connection import connect

__all__ = ["SQLiteKeyStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fk_family_keys (
    family_id TEXT PRIMARY KEY,
    wrapped BLOB,
    erased_at TEXT,
    erased_by TEXT
) WITHOUT ROWID;
-- The erased families, named as the events table names them (32 hex digits),
-- for the triggers that refuse their events (see Factory.guard_erasures).
CREATE INDEX IF NOT EXISTS fk_erased_families
    ON fk_family_keys (lower(replace(family_id, '-', '')))
    WHERE erased_at IS NOT NULL;
"""


class SQLiteKeyStore:
    """A :class:`~familiekoordinering.protection.KeyStore` in an SQLite file.

    The connection runs with ``secure_delete`` on, so that a destroyed key is
    overwritten with zeros in the file rather than left in free space, and an
    erasure ends with a WAL checkpoint that truncates the log, so that no old
    page holding the key survives there either (see :meth:`purge`).
    """

    def __init__(self, path: str, *, lock_timeout: float = 30.0) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._lock_timeout = lock_timeout
        self._conn = connect(path, lock_timeout=lock_timeout, secure_delete=True)
        self._conn.executescript(_SCHEMA)

    def get(self, family_id: UUID) -> StoredKey | None:
        """The family's row, or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT wrapped, erased_at, erased_by FROM fk_family_keys "
                "WHERE family_id = ?",
                (str(family_id),),
            ).fetchone()
        if row is None:
            return None
        wrapped, erased_at, erased_by = row
        erasure = (
            Erasure(family_id, datetime.fromisoformat(erased_at), erased_by)
            if erased_at is not None
            else None
        )
        return StoredKey(wrapped, erasure)

    def add(self, family_id: UUID, wrapped: bytes) -> bool:
        """Store a new wrapped key unless the family has a row."""
        with self._lock:
            cursor = self._conn.execute(
                "INSERT OR IGNORE INTO fk_family_keys (family_id, wrapped) VALUES (?, ?)",
                (str(family_id), wrapped),
            )
            return cursor.rowcount == 1

    def erase(self, erasure: Erasure) -> None:
        """Overwrite the family's key with the erasure (zeroed in the file by ``secure_delete``).

        An old copy of the page may still sit in the write-ahead log until
        :meth:`purge` succeeds.
        """
        with self._lock:
            self._conn.execute(
                "INSERT INTO fk_family_keys (family_id, wrapped, erased_at, "
                "erased_by) VALUES (?, NULL, ?, ?) ON CONFLICT (family_id) DO "
                "UPDATE SET wrapped = NULL, erased_at = excluded.erased_at, "
                "erased_by = excluded.erased_by",
                (
                    str(erasure.family_id),
                    erasure.erased_at.isoformat(),
                    erasure.erased_by,
                ),
            )

    def purge(self, wait: float) -> bool:
        """Checkpoint the write-ahead log into the file and truncate it; True if done.

        Destroyed content (zeroed by ``secure_delete``) then exists nowhere in
        the store's files. A connection in the middle of a read holds the log
        back: it is waited for up to ``wait`` seconds, and False returned if
        it is still reading (run it again later).
        """
        with self._lock:
            self._conn.execute(f"PRAGMA busy_timeout = {max(0, int(wait * 1000))}")
            try:
                busy, _, _ = self._conn.execute(
                    "PRAGMA wal_checkpoint(TRUNCATE)"
                ).fetchone()
            finally:
                self._conn.execute(
                    f"PRAGMA busy_timeout = {int(self._lock_timeout * 1000)}"
                )
        return bool(busy == 0)

    def erasures(self) -> list[Erasure]:
        """Every erasure, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT family_id, erased_at, erased_by FROM fk_family_keys "
                "WHERE erased_at IS NOT NULL ORDER BY erased_at"
            ).fetchall()
        return [Erasure(UUID(f), datetime.fromisoformat(at), by) for f, at, by in rows]

    def holds_keys(self) -> bool:
        """Whether any family has a row (a key or an erasure)."""
        with self._lock:
            row = self._conn.execute("SELECT 1 FROM fk_family_keys LIMIT 1").fetchone()
        return row is not None

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()
