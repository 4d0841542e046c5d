"""The PostgreSQL access log: every read of a family's data, append-only."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from uuid import UUID

import psycopg
from psycopg import sql

from familiekoordinering.access import Access, AccessEntry
from familiekoordinering.domain.values import Role
from familiekoordinering_postgres.connection import reconnecting, schema_lock

__all__ = ["PostgresAccessLog"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS {table} (
    seq BIGSERIAL PRIMARY KEY,
    family_id UUID NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    municipality TEXT NOT NULL,
    purpose TEXT NOT NULL,
    what TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS fk_access_log_family ON {table} (family_id, seq);
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the access log is append-only'; END $$;
CREATE OR REPLACE TRIGGER fk_access_log_append_only
BEFORE UPDATE OR DELETE OR TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION {function}();
"""


class PostgresAccessLog:
    """An :class:`~familiekoordinering.access.AccessLog` in a PostgreSQL schema.

    A trigger refuses any ``UPDATE``, ``DELETE`` or ``TRUNCATE`` of the table.
    """

    def __init__(self, conninfo: str, *, schema: str = "public") -> None:
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

    def _reconnect(self) -> None:
        with self._lock:
            self._conn.close()
            self._conn = psycopg.connect(self._conninfo, autocommit=True)

    @reconnecting
    def append(self, entries: Sequence[AccessEntry]) -> None:
        """Record reads, in one transaction."""
        rows = [
            (
                e.family_id,
                e.at,
                e.user_id,
                e.role.value,
                e.municipality,
                e.purpose.value,
                e.what,
            )
            for e in entries
        ]
        with self._lock, self._conn.transaction(), self._conn.cursor() as cursor:
            cursor.executemany(
                sql.SQL(
                    "INSERT INTO {} (family_id, at, user_id, role, municipality, "
                    "purpose, what) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                ).format(self._table),
                rows,
            )

    @reconnecting
    def entries(self, family_id: UUID) -> list[AccessEntry]:
        """Every read of the family's data, oldest first."""
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
                family_id, at, user, Role(role), municipality, Access(purpose), what
            )
            for at, user, role, municipality, purpose, what in rows
        ]

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()
