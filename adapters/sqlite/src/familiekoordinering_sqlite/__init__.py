"""SQLite storage for familiekoordinering, through eventsourcing's SQLite recorders.

The module is a persistence module in eventsourcing's sense: the application
selects it with ``PERSISTENCE_MODULE=familiekoordinering_sqlite`` (which
``FamilyCoordination("path.db")`` does for you) and eventsourcing finds
:class:`Factory` in it. Events, snapshots and (later) read models live in one
SQLite file in WAL mode; the read models too (:class:`SQLiteViewStore`), and
the families' wrapped keys (:class:`SQLiteKeyStore`). :class:`Factory`
implements the library's storage ports
(:class:`~familiekoordinering.ports.StoragePorts`). A new store file is
created readable and writable by its owner only (0600); so are its ``-wal``
and ``-shm`` files, which SQLite gives the database file's mode. An existing
file keeps its mode. :func:`holds_store` tells whether a file holds a store,
without creating one.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from urllib.parse import quote
from uuid import UUID

from eventsourcing import sqlite as es_sqlite
from eventsourcing.persistence import PersistenceError
from eventsourcing.utils import Environment, EnvType

from familiekoordinering.errors import ConfigurationError
from familiekoordinering.integrity.chain import ChainKey
from familiekoordinering.ports import StoragePorts
from familiekoordinering.protection import ERASED_REFUSAL
from familiekoordinering.store import HoldsStore, sqlite_file
from familiekoordinering_sqlite.access_log import SQLiteAccessLog
from familiekoordinering_sqlite.connection import create_private
from familiekoordinering_sqlite.keys import SQLiteKeyStore
from familiekoordinering_sqlite.views import SQLiteViewStore

__all__ = [
    "Factory",
    "SQLiteAccessLog",
    "SQLiteKeyStore",
    "SQLiteViewStore",
    "holds_store",
]

_EVENTS_TABLE = "stored_events"
"""eventsourcing's events table in an SQLite store."""


class Factory(es_sqlite.SQLiteFactory):
    """eventsourcing's SQLite factory, checking first that the file is usable.

    A path that is not an SQLite database, or cannot be opened, is refused with
    a :class:`~familiekoordinering.errors.ConfigurationError` naming the file
    instead of failing later inside a command. Implements the library's
    :class:`~familiekoordinering.ports.StoragePorts`.
    """

    store_failures: tuple[type[BaseException], ...] = (sqlite3.Error,)
    """The driver's errors (a locked, full or broken file) are store failures."""

    def __init__(self, env: Environment | EnvType | None):
        super().__init__(env)
        db_name = self.env.get(self.SQLITE_DBNAME) or ""
        try:
            # Before SQLite opens it: a new store file is its owner's only (0600).
            create_private(db_name)
        except OSError as e:
            self.datastore.close()
            raise ConfigurationError(
                f"cannot create the store {db_name!r}: {e.strerror or e}. Give a "
                "path in a directory that exists and that you may write to"
            ) from e
        try:
            with self.datastore.transaction(commit=False) as cursor:
                cursor.execute("PRAGMA schema_version")
        except (sqlite3.Error, PersistenceError) as e:
            self.datastore.close()
            raise ConfigurationError(
                f"cannot use {db_name!r} as a store: {e}. Give the path of an "
                "SQLite file, or of a new file to create"
            ) from e
        self._db_name = db_name

    def select_notification_rows(
        self, start: int, limit: int
    ) -> list[tuple[int, str, int, str, bytes]]:
        """Notifications from ``start`` as plain rows, for the view projector.

        The same rows eventsourcing's ``select_notifications`` reads, without
        building a ``Notification`` and a ``UUID`` for each.
        """
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                "SELECT rowid, originator_id, originator_version, topic, state "
                "FROM stored_events WHERE rowid >= ? ORDER BY rowid LIMIT ?",
                (start, limit),
            )
            rows = cursor.fetchall()
        return [(n, _canonical(h), v, topic, state) for n, h, v, topic, state in rows]

    def max_notification_id(self) -> int:
        """The newest notification id in the log (0 when it is empty)."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT MAX(rowid) FROM {_EVENTS_TABLE}")
            (newest,) = cursor.fetchone()
        return int(newest or 0)

    def select_chain_rows(
        self, start: int, limit: int
    ) -> list[tuple[int, bytes, int, bytes, bytes]]:
        """Notifications from ``start`` for the audit's verification, as stored.

        Family ids (32 hex digits) and topics come as bytes, which is what the
        digests are made of: no conversion per row; a value not of the type the
        library writes comes as None.
        """
        with self.datastore.transaction(commit=False) as cursor:
            # A value of another type than the library writes (an id stored as
            # a BLOB, which eventsourcing's lookups never match; a TEXT state)
            # comes back NULL, so that the verifier reports it.
            cursor.execute(
                "SELECT rowid, "
                "CASE typeof(originator_id) WHEN 'text' "
                "THEN CAST(originator_id AS BLOB) END, "
                "CASE typeof(originator_version) WHEN 'integer' "
                "THEN originator_version END, "
                "CASE typeof(topic) WHEN 'text' THEN CAST(topic AS BLOB) END, "
                "CASE typeof(state) WHEN 'blob' THEN state END "
                "FROM stored_events WHERE rowid >= ? ORDER BY rowid LIMIT ?",
                (start, limit),
            )
            rows: list[tuple[int, bytes, int, bytes, bytes]] = cursor.fetchall()
        return rows

    def snapshot_rows(self) -> Iterator[tuple[str, int, str, bytes]]:
        """Every row of the snapshots table, whatever family it names, for the audit.

        Read in batches, in key order.
        """
        select = (
            "SELECT originator_id, originator_version, topic, state "
            "FROM stored_snapshots WHERE (originator_id, originator_version) > (?, ?) "
            "ORDER BY originator_id, originator_version LIMIT 500"
        )
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                "name = 'stored_snapshots'"
            )
            if not cursor.fetchall():
                return  # no process of this store ever took a snapshot
        after: tuple[str, int] = ("", -1)
        while True:
            with self.datastore.transaction(commit=False) as cursor:
                cursor.execute(select, after)
                rows = cursor.fetchall()
            for h, version, topic, state in rows:
                yield _canonical(h), version, topic, state
            if len(rows) < 500:
                return
            after = (rows[-1][0], rows[-1][1])

    def select_versions(
        self, family_id: UUID, versions: Sequence[int]
    ) -> list[tuple[int, str, bytes]]:
        """Some events of one family, by version: (version, topic, state) rows.

        What the views' queries read to open the personal data their
        documents refer to, in one statement.
        """
        marks = ", ".join("?" * len(versions))
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                "SELECT originator_version, topic, state FROM stored_events "
                f"WHERE originator_id = ? AND originator_version IN ({marks})",
                (family_id.hex, *versions),
            )
            rows: list[tuple[int, str, bytes]] = cursor.fetchall()
        return rows

    def guard_erasures(self) -> None:
        """Refuse events and snapshots of erased families inside the writing transaction.

        Installs (again, if someone dropped them) one trigger per table, which
        aborts an insert for a family whose key row records an erasure with
        :data:`~familiekoordinering.protection.ERASED_REFUSAL`: a process that
        had the family loaded before another process erased it stores nothing.
        """
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN "
                "('stored_events', 'stored_snapshots', 'fk_family_keys')"
            )
            tables = {name for (name,) in cursor.fetchall()}
            if "fk_family_keys" not in tables:
                return
            for table in sorted(tables - {"fk_family_keys"}):
                # The key table names a family by its hyphenated id, the events
                # table by its 32 hex digits: the key store's partial index on
                # the latter form (erased rows only) answers this lookup.
                cursor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS fk_refuse_erased_{table} BEFORE "
                    f"INSERT ON {table} WHEN EXISTS (SELECT 1 FROM fk_family_keys "
                    "WHERE lower(replace(family_id, '-', '')) = NEW.originator_id "
                    "AND erased_at IS NOT NULL) BEGIN "
                    f"SELECT RAISE(ABORT, '{ERASED_REFUSAL}'); END"
                )

    def view_store(self) -> SQLiteViewStore:
        """The read models' store, in the same SQLite file as the events."""
        return SQLiteViewStore(self._db_name)

    def access_log(self, key: ChainKey | None = None) -> SQLiteAccessLog:
        """The access log, in the same SQLite file as the events.

        ``key`` chains its rows (the store's chain key; unkeyed when None).
        """
        if key is None:
            return SQLiteAccessLog(self._db_name)
        return SQLiteAccessLog(self._db_name, key=key)

    def key_store(self) -> SQLiteKeyStore:
        """The families' wrapped data keys, in the same SQLite file as the events."""
        return SQLiteKeyStore(self._db_name)

    def listener(self) -> None:
        """None: SQLite cannot push; a projection worker polls."""
        return None


_ports: type[StoragePorts] = Factory
"""mypy checks here that :class:`Factory` implements the storage ports."""


def holds_store(settings: Mapping[str, str]) -> bool | None:
    """Whether the SQLite file of ``settings`` (``SQLITE_DBNAME``) holds the events table.

    None when it cannot tell (no such file, not a database, unreadable: the
    library says which when it opens it); False in memory. The file is opened
    read-only: nothing is created.
    """
    path = sqlite_file(settings.get(Factory.SQLITE_DBNAME) or "")
    if path is None:
        return False
    try:
        uri = f"file:{quote(os.fsencode(path))}?mode=ro"
        connection = sqlite3.connect(uri, uri=True, timeout=5)
    except (sqlite3.Error, UnicodeError, ValueError):
        return None
    try:
        found = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
            (_EVENTS_TABLE,),
        ).fetchall()
    except sqlite3.Error:
        return None  # not a database, or unreadable: the library says which
    finally:
        connection.close()
    return bool(found)


_holds: HoldsStore = holds_store
"""mypy checks here that :func:`holds_store` is what the core asks an adapter."""


def _canonical(h: str) -> str:
    """Eventsourcing keeps UUIDs as 32 hex digits; the views use the usual form."""
    if len(h) == 32:
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return h
