"""The PostgreSQL key store: each family's wrapped data key, or its erasure."""

from __future__ import annotations

import threading
import time
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from familiekoordinering.protection import Erasure, StoredKey
from familiekoordinering_postgres.connection import reconnecting, schema_lock

__all__ = ["PostgresKeyStore"]


# What holds back the horizon VACUUM FULL keeps row versions for, older than
# the transaction id ``now``: a session's snapshot (backend_xmin), a session's
# own transaction id (a read-committed writer between two statements holds one
# and no snapshot), a prepared transaction, a replication slot. Sessions with
# no database (walsenders) count, as they do for the server.
_OLDER = (
    "SELECT (SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
    "AND (datname = current_database() OR datname IS NULL) AND "
    "((backend_xmin IS NOT NULL AND age(backend_xmin) > age(%(now)s::xid)) OR "
    "(backend_xid IS NOT NULL AND age(backend_xid) > age(%(now)s::xid)))) + "
    "(SELECT count(*) FROM pg_prepared_xacts WHERE database = current_database() "
    "AND age(transaction) > age(%(now)s::xid)) + "
    "(SELECT count(*) FROM pg_replication_slots WHERE "
    "(xmin IS NOT NULL AND age(xmin) > age(%(now)s::xid)))"
)


class PostgresKeyStore:
    """A :class:`~familiekoordinering.protection.KeyStore` in a PostgreSQL schema.

    PostgreSQL keeps an updated row's old version until the table is vacuumed,
    so :meth:`purge` (run after an erasure) rewrites the small keys table with
    ``VACUUM FULL``: the destroyed key is then in no table file. The wrapped
    keys' column collects no statistics (``SET STATISTICS 0``), so that no
    sample of them is copied into ``pg_statistic``. Copies in the
    server's write-ahead log and in backups last until those are recycled;
    they are wrapped by the master key.
    """

    def __init__(self, conninfo: str, *, schema: str = "public") -> None:
        self.schema = schema
        self._lock = threading.Lock()
        self._conninfo = conninfo
        self._conn = psycopg.connect(conninfo, autocommit=True)
        self._table = sql.SQL("{}.{}").format(
            sql.Identifier(schema), sql.Identifier("fk_family_keys")
        )
        with schema_lock(conninfo, schema):
            self._execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
            )
            self._execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (family_id UUID PRIMARY KEY, "
                    "wrapped BYTEA, erased_at TIMESTAMPTZ, erased_by TEXT)"
                ).format(self._table)
            )
            # ANALYZE (autovacuum's too) would copy sample wrapped keys into
            # pg_statistic, where erasing a family never reaches them.
            target = self._execute(
                sql.SQL(
                    "SELECT attstattarget FROM pg_attribute WHERE attrelid = "
                    "%s::regclass AND attname = 'wrapped'"
                ),
                (self._table.as_string(self._conn),),
            )
            if not target or target[0][0] != 0:
                self._execute(
                    sql.SQL(
                        "ALTER TABLE {} ALTER COLUMN wrapped SET STATISTICS 0"
                    ).format(self._table)
                )

    def _reconnect(self) -> None:
        with self._lock:
            self._conn.close()
            self._conn = psycopg.connect(self._conninfo, autocommit=True)

    @reconnecting
    def _execute(self, query: sql.Composed | sql.SQL, params: Any = None) -> list[Any]:
        with self._lock, self._conn.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def get(self, family_id: UUID) -> StoredKey | None:
        """The family's row, or None."""
        rows = self._execute(
            sql.SQL(
                "SELECT wrapped, erased_at, erased_by FROM {} WHERE family_id = %s"
            ).format(self._table),
            (family_id,),
        )
        if not rows:
            return None
        wrapped, erased_at, erased_by = rows[0]
        erasure = (
            Erasure(family_id, erased_at, erased_by) if erased_at is not None else None
        )
        return StoredKey(bytes(wrapped) if wrapped is not None else None, erasure)

    def add(self, family_id: UUID, wrapped: bytes) -> bool:
        """Store a new wrapped key unless the family has a row."""
        rows = self._execute(
            sql.SQL(
                "INSERT INTO {} (family_id, wrapped) VALUES (%s, %s) "
                "ON CONFLICT (family_id) DO NOTHING RETURNING family_id"
            ).format(self._table),
            (family_id, wrapped),
        )
        return bool(rows)

    def erase(self, erasure: Erasure) -> None:
        """Overwrite the family's key with the erasure (the old row stays until :meth:`purge`)."""
        self._execute(
            sql.SQL(
                "INSERT INTO {} (family_id, wrapped, erased_at, erased_by) "
                "VALUES (%s, NULL, %s, %s) ON CONFLICT (family_id) DO UPDATE SET "
                "wrapped = NULL, erased_at = excluded.erased_at, "
                "erased_by = excluded.erased_by"
            ).format(self._table),
            (erasure.family_id, erasure.erased_at, erasure.erased_by),
        )

    def purge(self, wait: float) -> bool:
        """Rewrite the keys table, so that no old row version holds a destroyed key.

        ``VACUUM FULL`` copies every row version some running transaction may
        still see, so it first waits for everything that holds the server's
        horizon back to before now (``_OLDER``: a session's snapshot, a
        writing transaction between two statements, a prepared transaction, a
        replication slot; any of them could still see a destroyed key), then
        for the table itself — at most ``wait`` seconds in all — and returns False (nothing
        changed; run it again later) if they are still going on.
        """
        deadline = time.monotonic() + wait
        with self._lock, self._conn.cursor() as cursor:
            now = cursor.execute("SELECT pg_current_xact_id()::xid::text").fetchone()
            assert now is not None
            while True:
                older = cursor.execute(_OLDER, {"now": now[0]}).fetchone()
                if older is not None and older[0] == 0:
                    break
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.05)
            left = max(0.001, deadline - time.monotonic())
            cursor.execute(
                sql.SQL("SET lock_timeout = {}").format(
                    sql.Literal(f"{max(1, int(left * 1000))}ms")
                )
            )
            try:
                cursor.execute(sql.SQL("VACUUM FULL {}").format(self._table))
            except psycopg.errors.LockNotAvailable:
                return False
            finally:
                cursor.execute("RESET lock_timeout")
        return True

    def erasures(self) -> list[Erasure]:
        """Every erasure, oldest first."""
        rows = self._execute(
            sql.SQL(
                "SELECT family_id, erased_at, erased_by FROM {} "
                "WHERE erased_at IS NOT NULL ORDER BY erased_at"
            ).format(self._table)
        )
        return [Erasure(f, at, by) for f, at, by in rows]

    def holds_keys(self) -> bool:
        """Whether any family has a row (a key or an erasure)."""
        rows = self._execute(sql.SQL("SELECT 1 FROM {} LIMIT 1").format(self._table))
        return bool(rows)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()
