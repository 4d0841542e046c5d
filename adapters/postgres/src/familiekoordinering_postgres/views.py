"""The view store in PostgreSQL, beside the events (same database and schema).

The same contract as the SQLite store: rows per family, member, goal, … as
JSONB (``view_rows``), a family index (``view_families``), and per generation
its position (``view_generations``). A batch's operations and its position
commit in one transaction, after locking the generation's row and checking
that the position is still the one the batch started from.

A batch goes to the server in a handful of round trips, whatever its size:
its operations are coalesced to one change per row
(:func:`~familiekoordinering.views.store.coalesce`), copied into a temporary
table with ``COPY``, and applied with one set-wise statement per kind of change
(deletes, inserts, merges, maxima and counters through the ``fk_view_upd``
function). A batch that cannot be coalesced is applied statement by statement.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import psycopg
from psycopg import sql

from familiekoordinering.views.fold import Document, Operation, assemble
from familiekoordinering.views.projector import (
    FillsInParallel,
    LogSource,
    Progress,
    fold_rows,
)
from familiekoordinering.views.store import (
    ViewConflictError,
    changes_nothing,
    coalesce,
    dump_json,
    execute_grouped,
)
from familiekoordinering_postgres.connection import reconnecting, schema_lock

__all__ = ["PostgresViewStore", "Prepared"]

_dumps = dump_json


class Prepared(NamedTuple):
    """A batch ready to send: ``COPY`` data of coalesced changes, or statements."""

    copy_data: bytes | None
    statements: list[tuple[sql.Composed, tuple[Any, ...]]]


def _copy_text(value: str) -> str:
    """``value`` as a field of ``COPY``'s text format."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t")
        value = value.replace("\n", "\\n").replace("\r", "\\r")
    return value


_UPD_FUNCTION = """
CREATE OR REPLACE FUNCTION {function}(data jsonb, change jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT data
  || coalesce((
    SELECT jsonb_object_agg(m.key, CASE
      WHEN data->>m.key IS NULL OR data->>m.key < m.value THEN to_jsonb(m.value)
      ELSE data->m.key END)
    FROM jsonb_each_text(change->'max') AS m), '{{}}'::jsonb)
  || coalesce((
    SELECT jsonb_object_agg(i.key,
      to_jsonb(coalesce((data->>i.key)::bigint, 0) + i.value::bigint))
    FROM jsonb_each_text(change->'inc') AS i), '{{}}'::jsonb)
$$
"""
"""Maxima and counters of an ``upd`` change, set-wise (as the ``upd`` statement)."""


class PostgresViewStore:
    """View rows and positions in PostgreSQL."""

    def __init__(self, conninfo: str, *, schema: str = "public") -> None:
        self.schema = schema
        self._lock = threading.Lock()
        self._conninfo = conninfo
        self._conn = psycopg.connect(conninfo, autocommit=True)
        s = sql.Identifier(schema)
        self._t = {
            name: sql.SQL("{}.{}").format(s, sql.Identifier(name))
            for name in ("view_generations", "view_rows", "view_families")
        }
        with schema_lock(conninfo, schema), self._conn.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(s))
            cursor.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (generation INTEGER PRIMARY KEY, "
                    "position BIGINT NOT NULL, active BOOLEAN NOT NULL DEFAULT false)"
                ).format(self._t["view_generations"])
            )
            cursor.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (generation INTEGER NOT NULL, "
                    "family_id TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, "
                    "data JSONB NOT NULL, PRIMARY KEY (generation, family_id, kind, key))"
                ).format(self._t["view_rows"])
            )
            cursor.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (generation INTEGER NOT NULL, "
                    "family_id TEXT NOT NULL, municipality TEXT, coordinator_id TEXT, "
                    "PRIMARY KEY (generation, family_id))"
                ).format(self._t["view_families"])
            )
            cursor.execute(
                sql.SQL(_UPD_FUNCTION).format(
                    function=sql.SQL("{}.fk_view_upd").format(s)
                )
            )
            for column in ("coordinator_id", "municipality"):
                cursor.execute(
                    sql.SQL(
                        "CREATE INDEX IF NOT EXISTS {} ON {} (generation, {})"
                    ).format(
                        sql.Identifier(f"view_families_{column}"),
                        self._t["view_families"],
                        sql.Identifier(column),
                    )
                )
        self._statements: dict[Any, sql.Composed] = {}
        self._staging = False

    def _reconnect(self) -> None:
        """Connect again after the server went away (the worker lock is lost with it)."""
        with self._lock:
            self._conn.close()
            self._conn = psycopg.connect(self._conninfo, autocommit=True)

    @reconnecting
    def _read(self, query: sql.Composed, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock, self._conn.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall()

    def active_generation(self) -> int:
        """The generation queries read."""
        rows = self._read(
            sql.SQL("SELECT generation FROM {} WHERE active").format(
                self._t["view_generations"]
            )
        )
        return int(rows[0][0]) if rows else 0

    def position(self, generation: int) -> int:
        """The last notification id folded into ``generation``."""
        rows = self._read(
            sql.SQL("SELECT position FROM {} WHERE generation = %s").format(
                self._t["view_generations"]
            ),
            (generation,),
        )
        return int(rows[0][0]) if rows else 0

    def _where(self) -> sql.Composable:
        return sql.SQL(
            "WHERE generation = %s AND family_id = %s AND kind = %s AND key = %s"
        )

    def _statement(
        self, generation: int, op: Operation
    ) -> tuple[sql.Composed, tuple[Any, ...]]:
        action, kind, family, key = op[0], op[1], op[2], op[3]
        rows = self._t["view_rows"]
        if action == "put":
            query = self._statements.get("put")
            if query is None:
                query = self._statements["put"] = sql.SQL(
                    "INSERT INTO {} (generation, family_id, kind, key, data) "
                    "VALUES (%s, %s, %s, %s, %s::jsonb) "
                    "ON CONFLICT (generation, family_id, kind, key) "
                    "DO UPDATE SET data = EXCLUDED.data"
                ).format(rows)
            return query, (generation, family, kind, key, _dumps(op[4]))
        if action == "set":
            query = self._statements.get("set")
            if query is None:
                query = self._statements["set"] = sql.SQL(
                    "UPDATE {} SET data = data || %s::jsonb {}"
                ).format(rows, self._where())
            return query, (_dumps(op[4]), generation, family, kind, key)
        if action == "upd":
            maxima, increments = op[4]["max"], op[4]["inc"]
            shape = ("upd", tuple(maxima), tuple(increments))
            query = self._statements.get(shape)
            if query is None:
                expression: sql.Composable = sql.SQL("data")
                for name in maxima:
                    path = sql.Literal("{" + name + "}")
                    field = sql.Literal(name)
                    expression = sql.SQL(
                        "jsonb_set({e}, {p}, CASE WHEN data->>{f} IS NULL OR data->>{f} < %s "
                        "THEN to_jsonb(%s::text) ELSE data->{f} END)"
                    ).format(e=expression, p=path, f=field)
                for name in increments:
                    path = sql.Literal("{" + name + "}")
                    field = sql.Literal(name)
                    expression = sql.SQL(
                        "jsonb_set({e}, {p}, to_jsonb(coalesce((data->>{f})::bigint, 0) + %s))"
                    ).format(e=expression, p=path, f=field)
                query = self._statements[shape] = sql.SQL(
                    "UPDATE {} SET data = {} {}"
                ).format(rows, expression, self._where())
            params = (
                *(x for value in maxima.values() for x in (value, value)),
                *increments.values(),
                generation,
                family,
                kind,
                key,
            )
            return query, params
        if action == "del":
            query = self._statements.get("del")
            if query is None:
                query = self._statements["del"] = sql.SQL("DELETE FROM {} {}").format(
                    rows, self._where()
                )
            return query, (generation, family, kind, key)
        raise ValueError(f"unknown view operation {action!r}")

    def _index(
        self, generation: int, op: Operation
    ) -> tuple[sql.Composed, tuple[Any, ...]] | None:
        data = op[4]
        coordinator = (data.get("coordinator") or {}).get("id")
        families = self._t["view_families"]
        if op[0] == "put":
            return (
                sql.SQL(
                    "INSERT INTO {} VALUES (%s, %s, %s, %s) ON CONFLICT (generation, family_id) "
                    "DO UPDATE SET municipality = EXCLUDED.municipality, "
                    "coordinator_id = EXCLUDED.coordinator_id"
                ).format(families),
                (generation, op[2], data.get("municipality"), coordinator),
            )
        if "coordinator" in data:
            return (
                sql.SQL(
                    "UPDATE {} SET coordinator_id = %s WHERE generation = %s AND family_id = %s"
                ).format(families),
                (coordinator, generation, op[2]),
            )
        return None

    def commit(
        self,
        generation: int,
        expected: int,
        position: int,
        operations: Sequence[Operation],
    ) -> None:
        """Apply the operations and move the position, in one transaction."""
        self.commit_prepared(
            generation, expected, position, self.prepare(generation, operations)
        )

    def prepare(self, generation: int, operations: Sequence[Operation]) -> Prepared:
        """What :meth:`commit_prepared` sends for ``operations`` (no database needed).

        Coalesced changes as ``COPY`` data, or, when they cannot be coalesced,
        the statements in order.
        """
        for op in operations:
            if op[0] not in ("put", "set", "upd", "del"):
                raise ValueError(f"unknown view operation {op[0]!r}")
        changes = coalesce(operations)
        if changes is None:
            return Prepared(None, self._ordered(generation, operations))
        lines = [
            "\t".join(
                (
                    op[0],  # put, set, upd or del
                    _copy_text(op[2]),
                    _copy_text(op[1]),
                    _copy_text(op[3]),
                    _copy_text(_dumps(op[4])) if len(op) > 4 else "\\N",
                )
            )
            for op in changes
        ]
        return Prepared("".join(line + "\n" for line in lines).encode(), [])

    @reconnecting
    def commit_prepared(
        self, generation: int, expected: int, position: int, prepared: Prepared
    ) -> None:
        """Send prepared changes and move the position from ``expected``, atomically."""
        with self._lock, self._conn.transaction(), self._conn.cursor() as cursor:
            cursor.execute(
                sql.SQL(
                    "SELECT position FROM {} WHERE generation = %s FOR UPDATE"
                ).format(self._t["view_generations"]),
                (generation,),
            )
            row = cursor.fetchone()
            if row is None:
                raise ViewConflictError(f"generation {generation} does not exist")
            if row[0] != expected:
                raise ViewConflictError(
                    f"generation {generation} is at {row[0]}, not {expected}: another "
                    "worker committed this batch"
                )
            if prepared.copy_data is None:
                execute_grouped(cursor, prepared.statements)
            elif prepared.copy_data:
                self._setwise(cursor, generation, prepared.copy_data)
            cursor.execute(
                sql.SQL("UPDATE {} SET position = %s WHERE generation = %s").format(
                    self._t["view_generations"]
                ),
                (position, generation),
            )

    def fill_in_parallel(
        self,
        log: LogSource,
        generation: int,
        batch_size: int,
        progress: Progress | None,
    ) -> int:
        """Fold the log into ``generation`` while a thread sends the previous batch.

        The server applies one batch while this process reads and folds the
        next (psycopg lets go of the interpreter while it waits); batches are
        still committed one after another, each with its position.
        """
        read = log.ports.select_notification_rows
        head = log.ports.max_notification_id()
        pending: queue.Queue[tuple[int, int, Prepared] | None] = queue.Queue(maxsize=2)
        failure: list[BaseException] = []

        def send() -> None:
            while (item := pending.get()) is not None:
                if failure:
                    continue
                try:
                    self.commit_prepared(generation, *item)
                    if progress is not None:
                        progress(item[1], head)
                except BaseException as e:  # handed to the folding thread
                    failure.append(e)

        sender = threading.Thread(target=send, name="view-sender", daemon=True)
        sender.start()
        done = 0
        try:
            position = self.position(generation)
            while not failure:
                rows = read(position + 1, batch_size)
                if not rows:
                    break
                ops = fold_rows(log.payload, rows)
                pending.put((position, rows[-1][0], self.prepare(generation, ops)))
                position = rows[-1][0]
                done += len(rows)
        finally:
            pending.put(None)
            sender.join()
        if failure:
            raise failure[0]
        return done

    def _ordered(
        self, generation: int, operations: Sequence[Operation]
    ) -> list[tuple[sql.Composed, tuple[Any, ...]]]:
        statements = []
        for op in operations:
            if changes_nothing(op):
                continue
            if op[1] == "family" and op[0] in ("put", "set"):
                index = self._index(generation, op)
                if index is not None:
                    statements.append(index)
            statements.append(self._statement(generation, op))
        return statements

    def _setwise(
        self, cursor: psycopg.Cursor[Any], generation: int, copy_data: bytes
    ) -> None:
        """Coalesced changes (one per row and kind of change) in a few statements."""
        if not self._staging:
            cursor.execute(
                "CREATE TEMPORARY TABLE IF NOT EXISTS fk_view_changes (action TEXT, "
                "family_id TEXT, kind TEXT, key TEXT, data JSONB) ON COMMIT DELETE ROWS"
            )
            self._staging = True
        with cursor.copy(
            "COPY fk_view_changes (action, family_id, kind, key, data) FROM STDIN"
        ) as copy:
            copy.write(copy_data)
        rows, families = self._t["view_rows"], self._t["view_families"]
        match = sql.SQL(
            "r.generation = %(g)s AND r.family_id = c.family_id AND r.kind = c.kind "
            "AND r.key = c.key"
        )
        statements = [
            sql.SQL("DELETE FROM {} r USING fk_view_changes c "
                    "WHERE c.action = 'del' AND {}").format(rows, match),
            sql.SQL(
                "INSERT INTO {} (generation, family_id, kind, key, data) "
                "SELECT %(g)s, family_id, kind, key, data FROM fk_view_changes "
                "WHERE action = 'put' ON CONFLICT (generation, family_id, kind, key) "
                "DO UPDATE SET data = EXCLUDED.data"
            ).format(rows),
            sql.SQL("UPDATE {} r SET data = r.data || c.data FROM fk_view_changes c "
                    "WHERE c.action = 'set' AND {}").format(rows, match),
            sql.SQL("UPDATE {} r SET data = {}(r.data, c.data) FROM fk_view_changes c "
                    "WHERE c.action = 'upd' AND {}").format(
                rows, sql.SQL("{}.fk_view_upd").format(sql.Identifier(self.schema)),
                match,
            ),
            sql.SQL(
                "INSERT INTO {} (generation, family_id, municipality, coordinator_id) "
                "SELECT %(g)s, family_id, data->>'municipality', "
                "data->'coordinator'->>'id' FROM fk_view_changes "
                "WHERE kind = 'family' AND action = 'put' "
                "ON CONFLICT (generation, family_id) DO UPDATE SET "
                "municipality = EXCLUDED.municipality, "
                "coordinator_id = EXCLUDED.coordinator_id"
            ).format(families),
            sql.SQL(
                "UPDATE {} f SET coordinator_id = c.data->'coordinator'->>'id' "
                "FROM fk_view_changes c WHERE c.kind = 'family' AND c.action = 'set' "
                "AND c.data ? 'coordinator' AND f.generation = %(g)s "
                "AND f.family_id = c.family_id"
            ).format(families),
        ]  # fmt: skip
        # Planned for any generation (prepared, generic plans): the statistics
        # of a table holding older generations say the new one is empty, and a
        # plan made for an empty generation joins every row of it with every
        # change of the batch, which grows without bound during a rebuild
        # beside existing views. The generic plan looks up each change by the
        # primary key. JIT compiling would cost more than these statements.
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("SET LOCAL jit = off")
        for statement in statements:
            cursor.execute(statement, {"g": generation}, prepare=True)

    @reconnecting
    def new_generation(self) -> int:
        """Create an empty, inactive generation."""
        generations = self._t["view_generations"]
        with self._lock, self._conn.transaction(), self._conn.cursor() as cursor:
            cursor.execute(
                sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(generations)
            )
            cursor.execute(
                sql.SQL("SELECT coalesce(max(generation), 0) FROM {}").format(
                    generations
                )
            )
            row = cursor.fetchone()
            generation = int(row[0] if row else 0) + 1
            cursor.execute(
                sql.SQL("INSERT INTO {} (generation, position) VALUES (%s, 0)").format(
                    generations
                ),
                (generation,),
            )
        return generation

    @reconnecting
    def activate(self, generation: int) -> None:
        """Switch queries to ``generation`` in one step, then drop older generations."""
        with self._lock, self._conn.transaction(), self._conn.cursor() as cursor:
            cursor.execute(
                sql.SQL("UPDATE {} SET active = (generation = %s)").format(
                    self._t["view_generations"]
                ),
                (generation,),
            )
        with self._lock, self._conn.transaction(), self._conn.cursor() as cursor:
            for table in ("view_rows", "view_families", "view_generations"):
                cursor.execute(
                    sql.SQL("DELETE FROM {} WHERE generation < %s").format(
                        self._t[table]
                    ),
                    (generation,),
                )

    def family(self, generation: int, family_id: str) -> Document | None:
        """One family's document."""
        rows = self._read(
            sql.SQL(
                "SELECT kind, key, data FROM {} WHERE generation = %s AND family_id = %s"
            ).format(self._t["view_rows"]),
            (generation, family_id),
        )
        return assemble(family_id, ((kind, key, data) for kind, key, data in rows))

    def families(
        self,
        generation: int,
        *,
        coordinator_id: str | None = None,
        municipality: str | None = None,
    ) -> list[Document]:
        """Documents of a coordinator's or a municipality's families (or all)."""
        conditions = [sql.SQL("generation = %s")]
        params: list[Any] = [generation]
        if coordinator_id is not None:
            conditions.append(sql.SQL("coordinator_id = %s"))
            params.append(coordinator_id)
        if municipality is not None:
            conditions.append(sql.SQL("municipality = %s"))
            params.append(municipality)
        query = sql.SQL("SELECT family_id FROM {} WHERE {} ORDER BY family_id").format(
            self._t["view_families"], sql.SQL(" AND ").join(conditions)
        )
        ids: Iterable[str] = sorted(row[0] for row in self._read(query, params))
        docs = [self.family(generation, family_id) for family_id in ids]
        return [d for d in docs if d is not None]

    @reconnecting
    def worker_lock(self) -> bool:
        """Try to become the one projection worker of this schema; True if this is it.

        A session-level advisory lock: held until this store's connection closes,
        so when the worker's process dies the server releases it and another
        worker's next try succeeds.
        """
        rows = self._read(
            sql.SQL("SELECT pg_try_advisory_lock(hashtext({}))").format(
                sql.Literal(f"familiekoordinering-views:{self.schema}")
            )
        )
        return bool(rows[0][0])

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()


_fills: type[FillsInParallel] = PostgresViewStore
"""mypy checks here that :class:`PostgresViewStore` fills a rebuild by itself."""
