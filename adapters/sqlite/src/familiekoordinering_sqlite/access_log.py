"""The SQLite access log: every read of a family's data, append-only."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from familiekoordinering.access import Access, AccessEntry
from familiekoordinering.domain.values import Role
from familiekoordinering_sqlite.connection import connect

__all__ = ["SQLiteAccessLog"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fk_access_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    family_id TEXT NOT NULL,
    at TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    municipality TEXT NOT NULL,
    purpose TEXT NOT NULL,
    what TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS fk_access_log_family ON fk_access_log (family_id, seq);
CREATE TRIGGER IF NOT EXISTS fk_access_log_no_update
BEFORE UPDATE ON fk_access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS fk_access_log_no_delete
BEFORE DELETE ON fk_access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
"""


class SQLiteAccessLog:
    """An :class:`~familiekoordinering.access.AccessLog` in an SQLite file.

    Triggers refuse any ``UPDATE`` or ``DELETE`` of the table, so that not even
    SQL through another connection alters an entry without first dropping them.
    """

    def __init__(self, path: str, *, lock_timeout: float = 30.0) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn = connect(path, lock_timeout=lock_timeout)
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

    def append(self, entries: Sequence[AccessEntry]) -> None:
        """Record reads, in one transaction."""
        rows = [
            (
                str(e.family_id),
                e.at.isoformat(),
                e.user_id,
                e.role.value,
                e.municipality,
                e.purpose.value,
                e.what,
            )
            for e in entries
        ]
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(
                    "INSERT INTO fk_access_log (family_id, at, user_id, role, "
                    "municipality, purpose, what) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

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

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()
