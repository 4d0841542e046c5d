"""The PostgreSQL access log: every read of a family's data, append-only and chained.

Each row carries its number ``seq`` (1, 2, 3 …), the digest of the row before
(``prev``) and its own ``digest`` (see
:mod:`familiekoordinering.integrity.access_log`). An append locks the table
against other appenders (``LOCK TABLE … IN EXCLUSIVE MODE``; readers go on),
reads the newest row and numbers its rows after it, so that appends from
several processes take turns and number their rows without gaps.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from familiekoordinering.access import Access, AccessEntry
from familiekoordinering.access.log import AccessRow, chain_rows
from familiekoordinering.domain.values import Role
from familiekoordinering.integrity.chain import GENESIS, ChainKey, chain_key
from familiekoordinering_postgres.connection import reconnecting, schema_lock

__all__ = ["PostgresAccessLog"]

_UNKEYED = chain_key(None)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS {table} (
    seq BIGINT PRIMARY KEY,
    family_id UUID NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    municipality TEXT NOT NULL,
    purpose TEXT NOT NULL,
    what TEXT NOT NULL,
    prev TEXT,
    digest TEXT
);
CREATE INDEX IF NOT EXISTS fk_access_log_family ON {table} (family_id, seq);
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the access log is append-only'; END $$;
CREATE OR REPLACE TRIGGER fk_access_log_append_only
BEFORE UPDATE OR DELETE OR TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION {function}();
"""
# Tables made before the log was chained lack the last two columns (and number
# their rows from a sequence, which appends no longer use).
_CHAIN_COLUMNS = ("prev", "digest")


def _row(stored: tuple[Any, ...]) -> AccessRow:
    seq, family, at, user, role, municipality, purpose, what, prev, digest = stored
    return AccessRow(
        seq,
        family,
        (
            str(family),
            at.astimezone(UTC).isoformat(),
            user,
            role,
            municipality,
            purpose,
            what,
        ),
        prev,
        digest,
    )


class PostgresAccessLog:
    """An :class:`~familiekoordinering.access.AccessLog` in a PostgreSQL schema.

    A trigger refuses any ``UPDATE``, ``DELETE`` or ``TRUNCATE`` of the table;
    whoever disables it (the table's owner can) is found by verifying the
    rows' chain. ``key`` makes the rows' digests (unkeyed SHA-256 by default).
    Times are hashed, and read back, in UTC (whatever the session's time
    zone). Rows written before the log was chained keep no digest and are not
    covered.
    """

    def __init__(
        self, conninfo: str, *, schema: str = "public", key: ChainKey = _UNKEYED
    ) -> None:
        self.key = key
        self._lock = threading.Lock()
        self._conninfo = conninfo
        self._conn = psycopg.connect(conninfo, autocommit=True)
        s = sql.Identifier(schema)
        self._table = sql.SQL("{}.{}").format(s, sql.Identifier("fk_access_log"))
        function = sql.SQL("{}.{}").format(s, sql.Identifier("fk_access_log_refuse"))
        with schema_lock(conninfo, schema), self._conn.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(s))
            cursor.execute(
                sql.SQL(_SCHEMA).format(table=self._table, function=function)
            )
            cursor.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = 'fk_access_log'",
                (schema,),
            )
            columns = {name for (name,) in cursor.fetchall()}
            for column in _CHAIN_COLUMNS:
                if column not in columns:
                    cursor.execute(
                        sql.SQL(
                            "ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} TEXT"
                        ).format(self._table, sql.Identifier(column))
                    )
        self._lock_table = sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(
            self._table
        )
        self._head_query = sql.SQL(
            "SELECT seq, digest FROM {} ORDER BY seq DESC LIMIT 1"
        ).format(self._table)
        self._insert = sql.SQL(
            "INSERT INTO {} (seq, family_id, at, user_id, role, municipality, "
            "purpose, what, prev, digest) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        ).format(self._table)
        self._rows_query = sql.SQL(
            "SELECT seq, family_id, at, user_id, role, municipality, purpose, what, "
            "prev, digest FROM {} WHERE seq >= %s ORDER BY seq LIMIT %s"
        ).format(self._table)

    def _reconnect(self) -> None:
        with self._lock:
            self._conn.close()
            self._conn = psycopg.connect(self._conninfo, autocommit=True)

    @reconnecting
    def append(self, entries: Sequence[AccessEntry]) -> None:
        """Record reads, in one transaction, numbered and chained after the newest row."""
        if not entries:
            return
        with self._lock, self._conn.transaction(), self._conn.cursor() as cursor:
            cursor.execute(self._lock_table)
            cursor.execute(self._head_query)
            last = cursor.fetchone()
            head = None if last is None else (int(last[0]), last[1] or GENESIS)
            rows = chain_rows(self.key, head, entries)
            cursor.executemany(
                self._insert,
                [
                    (
                        r.seq,
                        r.family_id,
                        # The very instant whose UTC text was hashed.
                        datetime.fromisoformat(r.fields[1]),
                        *r.fields[2:],
                        r.prev,
                        r.digest,
                    )
                    for r in rows
                ],
            )

    @reconnecting
    def entries(self, family_id: UUID) -> list[AccessEntry]:
        """Every read of the family's data, oldest first (times in UTC)."""
        with self._lock, self._conn.cursor() as cursor:
            cursor.execute(
                sql.SQL(
                    "SELECT at, user_id, role, municipality, purpose, what "
                    "FROM {} WHERE family_id = %s ORDER BY seq"
                ).format(self._table),
                (family_id,),
            )
            rows = cursor.fetchall()
        return [
            AccessEntry(
                family_id,
                at.astimezone(UTC),
                user,
                Role(role),
                municipality,
                Access(purpose),
                what,
            )
            for at, user, role, municipality, purpose, what in rows
        ]

    @reconnecting
    def rows(self, start: int, limit: int) -> list[AccessRow]:
        """At most ``limit`` stored rows from seq ``start`` on, in seq order."""
        with self._lock, self._conn.cursor() as cursor:
            cursor.execute(self._rows_query, (start, limit))
            return [_row(r) for r in cursor.fetchall()]

    @reconnecting
    def head(self) -> tuple[int, str] | None:
        """The newest row's seq and digest; None while the log is empty."""
        with self._lock, self._conn.cursor() as cursor:
            cursor.execute(self._head_query)
            last = cursor.fetchone()
        return None if last is None else (int(last[0]), last[1] or GENESIS)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()
