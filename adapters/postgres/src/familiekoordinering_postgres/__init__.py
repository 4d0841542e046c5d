"""PostgreSQL storage for familiekoordinering, through eventsourcing's PostgreSQL recorders.

The module is a persistence module in eventsourcing's sense: the application
selects it with ``PERSISTENCE_MODULE=familiekoordinering_postgres`` (which
``FamilyCoordination("postgresql://…")`` does for you) and eventsourcing finds
:class:`Factory` in it. Events, snapshots, the read models
(:class:`PostgresViewStore`) and the families' wrapped keys
(:class:`PostgresKeyStore`) live in the same database and schema.
:class:`Factory` implements the library's storage ports
(:class:`~familiekoordinering.ports.StoragePorts`); :func:`holds_store` tells
whether a database holds a store, without creating one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing import postgres as es_postgres
from eventsourcing.utils import Environment, EnvType
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.rows import tuple_row

from familiekoordinering.errors import StoreError
from familiekoordinering.integrity.chain import ChainKey
from familiekoordinering.ports import StoragePorts
from familiekoordinering.protection import ERASED_REFUSAL
from familiekoordinering.store import HoldsStore
from familiekoordinering_postgres.access_log import PostgresAccessLog
from familiekoordinering_postgres.connection import schema_lock
from familiekoordinering_postgres.keys import PostgresKeyStore
from familiekoordinering_postgres.views import PostgresViewStore

__all__ = [
    "Factory",
    "NotificationListener",
    "PostgresAccessLog",
    "PostgresKeyStore",
    "PostgresViewStore",
    "holds_store",
]


class NotificationListener:
    """Wakes a projection worker when events are recorded (LISTEN/NOTIFY).

    eventsourcing's PostgreSQL recorder sends a ``NOTIFY`` on its events
    table's channel with every save; this listener holds its own connection
    listening on that channel.
    """

    def __init__(self, conninfo: str, channel: str) -> None:
        self._conn = psycopg.connect(conninfo, autocommit=True)
        self._conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))

    def wait(self, timeout: float) -> bool:
        """Block until events are recorded or ``timeout`` seconds pass; True if woken."""
        woken = False
        for _ in self._conn.notifies(timeout=timeout, stop_after=1):
            woken = True
        if woken:  # several saves while busy: one catch-up covers them all
            for _ in self._conn.notifies(timeout=0.001):
                pass
        return woken

    def close(self) -> None:
        """Stop listening and close the connection."""
        self._conn.close()


class Factory(es_postgres.PostgresFactory):
    """eventsourcing's PostgreSQL factory, with the read models' store beside it.

    Implements the library's :class:`~familiekoordinering.ports.StoragePorts`.
    """

    store_failures: tuple[type[BaseException], ...] = (psycopg.Error,)
    """The driver's errors (and its pool's: a server down, a timeout) are store
    failures."""

    def __init__(self, env: Environment | EnvType | None):
        super().__init__(env)
        get = self.env.get
        self._conninfo = make_conninfo(
            dbname=get(self.POSTGRES_DBNAME) or "",
            host=get(self.POSTGRES_HOST) or "",
            port=get(self.POSTGRES_PORT) or "5432",
            user=get(self.POSTGRES_USER) or "",
            password=get(self.POSTGRES_PASSWORD) or "",
            connect_timeout=get(self.POSTGRES_CONNECT_TIMEOUT) or "30",
        )
        self._schema = get(self.POSTGRES_SCHEMA) or "public"
        # The table (and NOTIFY channel) eventsourcing names after the application.
        self._events_table = (self.env.name.lower() or "stored") + "_events"
        self._select_rows = sql.SQL(
            "SELECT notification_id, originator_id::text, originator_version, topic, "
            "state FROM {}.{} WHERE notification_id >= %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(sql.Identifier(self._schema), sql.Identifier(self._events_table))
        self._select_head = sql.SQL("SELECT max(notification_id) FROM {}.{}").format(
            sql.Identifier(self._schema), sql.Identifier(self._events_table)
        )
        self._select_versions = sql.SQL(
            "SELECT originator_version, topic, state FROM {}.{} "
            "WHERE originator_id = %s AND originator_version = ANY(%s)"
        ).format(sql.Identifier(self._schema), sql.Identifier(self._events_table))

    def aggregate_recorder(self, purpose: str = "events") -> Any:
        """Eventsourcing's recorder, its tables made while holding the DDL lock."""
        with schema_lock(self._conninfo, self._schema):
            return super().aggregate_recorder(purpose)

    def application_recorder(self) -> Any:
        """Eventsourcing's recorder, its tables made while holding the DDL lock."""
        with schema_lock(self._conninfo, self._schema):
            return super().application_recorder()

    def tracking_recorder(self, *args: Any, **kwargs: Any) -> Any:
        """Eventsourcing's recorder, its tables made while holding the DDL lock."""
        with schema_lock(self._conninfo, self._schema):
            return super().tracking_recorder(*args, **kwargs)

    def select_notification_rows(
        self, start: int, limit: int
    ) -> list[tuple[int, str, int, str, bytes]]:
        """Notifications from ``start`` as plain rows, for the view projector.

        The same rows eventsourcing's ``select_notifications`` reads, without
        building a ``Notification`` and a ``UUID`` for each.
        """
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row, binary=True) as cursor,
        ):
            cursor.execute(self._select_rows, (start, limit), prepare=True)
            return [
                (n, family, version, topic, bytes(state))
                for n, family, version, topic, state in cursor.fetchall()
            ]

    def max_notification_id(self) -> int:
        """The newest notification id in the log (0 when it is empty)."""
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as cursor,
        ):
            cursor.execute(self._select_head)
            row = cursor.fetchone()
        return int(row[0] or 0) if row is not None else 0

    def select_chain_rows(
        self, start: int, limit: int
    ) -> list[tuple[int, str, int, str, bytes]]:
        """Notifications from ``start`` for the audit's verification.

        The rows of :meth:`select_notification_rows`: the columns' types are
        fixed by the table, so every value comes as the library writes it.
        """
        return self.select_notification_rows(start, limit)

    def snapshot_rows(self) -> Iterator[tuple[str, int, str, bytes]]:
        """Every row of the snapshots table, whatever family it names, for the audit.

        Streamed through a server-side cursor.
        """
        table = sql.SQL("{}.{}").format(
            sql.Identifier(self._schema),
            sql.Identifier((self.env.name.lower() or "stored") + "_snapshots"),
        )
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as cursor,
        ):
            exists = cursor.execute(
                "SELECT to_regclass(%s)", (table.as_string(conn),)
            ).fetchone()
        if not exists or exists[0] is None:
            return  # no process of this store ever took a snapshot
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor(
                "fk_snapshot_rows", row_factory=tuple_row, binary=True
            ) as cursor,
        ):
            cursor.execute(
                sql.SQL(
                    "SELECT originator_id::text, originator_version, topic, state "
                    "FROM {}"
                ).format(table)
            )
            while rows := cursor.fetchmany(500):
                for family, version, topic, state in rows:
                    yield family, version, topic, bytes(state)

    def select_versions(
        self, family_id: UUID, versions: Sequence[int]
    ) -> list[tuple[int, str, bytes]]:
        """Some events of one family, by version: (version, topic, state) rows.

        What the views' queries read to open the personal data their
        documents refer to, in one statement.
        """
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row, binary=True) as cursor,
        ):
            cursor.execute(
                self._select_versions, (family_id, list(versions)), prepare=True
            )
            return [
                (version, topic, bytes(state))
                for version, topic, state in cursor.fetchall()
            ]

    def guard_erasures(self) -> None:
        """Refuse events and snapshots of erased families inside the writing transaction.

        Installs (again, if someone dropped them) a trigger on the events and
        snapshots tables that raises
        :data:`~familiekoordinering.protection.ERASED_REFUSAL` for a family
        whose key row records an erasure. The check takes no lock: a save that
        passed it while an erasure committed stores only data sealed with the
        key just destroyed, which no one can read.
        """
        schema = sql.Identifier(self._schema)
        keys = sql.SQL("{}.{}").format(schema, sql.Identifier("fk_family_keys"))
        function = sql.SQL("{}.{}").format(schema, sql.Identifier("fk_refuse_erased"))
        prefix = self.env.name.lower() or "stored"
        with (
            schema_lock(self._conninfo, self._schema),
            psycopg.connect(self._conninfo, autocommit=True) as conn,
        ):
            if conn.execute(
                "SELECT to_regclass(%s)", (keys.as_string(conn),)
            ).fetchone() == (None,):
                return
            conn.execute(
                sql.SQL(
                    "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger "
                    "LANGUAGE plpgsql AS $fk$ BEGIN "
                    "IF EXISTS (SELECT 1 FROM {keys} WHERE family_id = NEW.originator_id "
                    "AND erased_at IS NOT NULL) THEN RAISE EXCEPTION USING MESSAGE = "
                    "{message}, ERRCODE = 'integrity_constraint_violation'; END IF; "
                    "RETURN NEW; END $fk$"
                ).format(
                    function=function, keys=keys, message=sql.Literal(ERASED_REFUSAL)
                )
            )
            for suffix in ("_events", "_snapshots"):
                table = sql.SQL("{}.{}").format(schema, sql.Identifier(prefix + suffix))
                exists = conn.execute(
                    "SELECT to_regclass(%s)", (table.as_string(conn),)
                ).fetchone()
                if exists is None or exists[0] is None:
                    continue
                name = f"fk_erased{suffix}"
                trigger = sql.Identifier(name)
                state = conn.execute(
                    "SELECT tgenabled FROM pg_trigger WHERE tgrelid = %s::regclass "
                    "AND tgname = %s",
                    (table.as_string(conn), name),
                ).fetchone()
                if state == ("O",):
                    continue  # in place and enabled: no lock on the table needed
                if state is not None:  # disabled beneath the library
                    conn.execute(
                        sql.SQL("DROP TRIGGER {} ON {}").format(trigger, table)
                    )
                conn.execute(
                    sql.SQL(
                        "CREATE TRIGGER {} BEFORE INSERT ON {} FOR EACH ROW "
                        "EXECUTE FUNCTION {}()"
                    ).format(trigger, table, function)
                )

    def listener(self) -> NotificationListener:
        """A listener woken by every save (for ``projections run``)."""
        return NotificationListener(self._conninfo, self._events_table)

    def view_store(self) -> PostgresViewStore:
        """The read models' store, in the same database and schema as the events."""
        return PostgresViewStore(self._conninfo, schema=self._schema)

    def access_log(self, key: ChainKey | None = None) -> PostgresAccessLog:
        """The access log, in the same database and schema as the events.

        ``key`` chains its rows (the store's chain key; unkeyed when None).
        """
        if key is None:
            return PostgresAccessLog(self._conninfo, schema=self._schema)
        return PostgresAccessLog(self._conninfo, schema=self._schema, key=key)

    def key_store(self) -> PostgresKeyStore:
        """The families' wrapped data keys, in the same database and schema."""
        return PostgresKeyStore(self._conninfo, schema=self._schema)


_ports: type[StoragePorts] = Factory
"""mypy checks here that :class:`Factory` implements the storage ports."""


def holds_store(settings: Mapping[str, str]) -> bool:
    """Whether the PostgreSQL database (and schema) of ``settings`` holds the events table.

    ``settings`` are a store's eventsourcing settings (``POSTGRES_*``). Creates
    nothing; a server that cannot be reached raises
    :class:`~familiekoordinering.errors.StoreError`.
    """
    conninfo = make_conninfo(
        dbname=settings["POSTGRES_DBNAME"],
        host=settings["POSTGRES_HOST"],
        port=settings["POSTGRES_PORT"],
        user=settings["POSTGRES_USER"],
        password=settings["POSTGRES_PASSWORD"],
        connect_timeout=settings.get("POSTGRES_CONNECT_TIMEOUT", "30"),
    )
    # eventsourcing names the events table after the application (FamilyCoordination).
    table = sql.Identifier(
        settings.get("POSTGRES_SCHEMA") or "public", "familycoordination_events"
    )
    try:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            row = connection.execute(
                "SELECT to_regclass(%s)", (table.as_string(connection),)
            ).fetchone()
    except psycopg.Error as e:
        message = " ".join(str(e).split())
        raise StoreError(f"cannot reach the PostgreSQL store: {message}") from None
    return row is not None and row[0] is not None


_holds: HoldsStore = holds_store
"""mypy checks here that :func:`holds_store` is what the core asks an adapter."""
