"""The view store in the same SQLite file as the events.

One table holds every view row (``view_rows``: generation, family, kind, key,
JSON data); ``view_families`` indexes families by coordinator and municipality
for caseload queries; ``view_generations`` holds each generation's position and
which one is active. A batch's row operations and its new position are written
in one ``BEGIN IMMEDIATE`` transaction, after checking that the position is
still the one the batch started from: exactly once, whatever happens to the
process.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from familiekoordinering.views.fold import Document, Operation, assemble
from familiekoordinering.views.store import (
    ViewConflictError,
    changes_nothing,
    dump_json,
    execute_grouped,
)
from familiekoordinering_sqlite.connection import connect

__all__ = ["SQLiteViewStore", "execute_grouped"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS view_generations (
    generation INTEGER PRIMARY KEY,
    position INTEGER NOT NULL,
    active INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS view_rows (
    generation INTEGER NOT NULL,
    family_id NOT NULL,  -- 16 bytes for an id, text otherwise
    kind TEXT NOT NULL,
    key NOT NULL,
    data TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS view_rows_key
    ON view_rows (generation, family_id, kind, key);
CREATE TABLE IF NOT EXISTS view_families (
    generation INTEGER NOT NULL,
    family_id NOT NULL,
    municipality TEXT,
    coordinator_id TEXT,
    PRIMARY KEY (generation, family_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS view_families_coordinator
    ON view_families (generation, coordinator_id);
CREATE INDEX IF NOT EXISTS view_families_municipality
    ON view_families (generation, municipality);
"""

_WHERE = "WHERE generation = ? AND family_id = ? AND kind = ? AND key = ?"
_PUT = (
    "INSERT OR REPLACE INTO view_rows (generation, family_id, kind, key, data) "
    "VALUES (?, ?, ?, ?, ?)"
)
_DEL = f"DELETE FROM view_rows {_WHERE}"


def _row_of(op: Operation) -> tuple[str, str, str]:
    return (op[2], op[1], op[3])


def _key(text: str) -> bytes | str:
    """Ids as their 16 bytes (a smaller index that stays in cache); other keys as text."""
    if len(text) == 36 and text[8] == "-":
        return bytes.fromhex(text.replace("-", ""))
    return text


def _text(key: bytes | str) -> str:
    return str(UUID(bytes=key)) if isinstance(key, bytes) else key


_dumps = dump_json


class SQLiteViewStore:
    """View rows and positions in an SQLite file (usually the event store's own)."""

    def __init__(
        self, path: str, *, lock_timeout: float = 30.0, cache_mb: int = 64
    ) -> None:
        self.path = path
        self._lock = threading.Lock()
        # The rows hold personal data in the clear (names, a goal's words): what
        # an update or delete frees is overwritten with zeros, so that after an
        # erasure and a rebuild none of it is left in the file's free space.
        self._conn = connect(path, lock_timeout=lock_timeout, secure_delete=True)
        # Rows and position commit together in the WAL, so a crash loses whole
        # batches or none; NORMAL skips the fsync per commit (a power cut may
        # roll the views back a few batches, which the next run re-folds).
        self._conn.execute("PRAGMA synchronous=NORMAL")
        # A rebuild touches rows all over a large index: keep more of it in memory.
        self._conn.execute(f"PRAGMA cache_size=-{cache_mb * 1024}")
        self._conn.executescript(_SCHEMA)
        self._set_statements: dict[tuple[str, ...], str] = {}

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cursor = self._conn.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            else:
                cursor.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def active_generation(self) -> int:
        """The generation queries read."""
        rows = self._read("SELECT generation FROM view_generations WHERE active = 1")
        return int(rows[0][0]) if rows else 0

    def position(self, generation: int) -> int:
        """The last notification id folded into ``generation``."""
        rows = self._read(
            "SELECT position FROM view_generations WHERE generation = ?", (generation,)
        )
        return int(rows[0][0]) if rows else 0

    def _set_sql(self, fields: tuple[str, ...]) -> str:
        sql = self._set_statements.get(fields)
        if sql is None:
            paths = ", ".join(f"'$.{name}', json(?)" for name in fields)
            sql = self._set_statements[fields] = (
                f"UPDATE view_rows SET data = json_set(data, {paths}) {_WHERE}"
            )
        return sql

    def _upd_sql(self, maxima: tuple[str, ...], increments: tuple[str, ...]) -> str:
        sql = self._set_statements.get(("upd", *maxima, "inc", *increments))
        if sql is None:
            parts = [
                f"'$.{name}', CASE WHEN json_extract(data, '$.{name}') IS NULL OR "
                f"json_extract(data, '$.{name}') < ? THEN ? ELSE "
                f"json_extract(data, '$.{name}') END"
                for name in maxima
            ] + [
                f"'$.{name}', coalesce(json_extract(data, '$.{name}'), 0) + ?"
                for name in increments
            ]
            sql = self._set_statements[("upd", *maxima, "inc", *increments)] = (
                f"UPDATE view_rows SET data = json_set(data, {', '.join(parts)}) {_WHERE}"
            )
        return sql

    def _statement(self, generation: int, op: Operation) -> tuple[str, tuple[Any, ...]]:
        action, kind, family, key = op[0], op[1], _key(op[2]), _key(op[3])
        if action == "put":
            return _PUT, (generation, family, kind, key, _dumps(op[4]))
        if action == "set":
            fields = tuple(op[4])
            values = tuple(_dumps(v) for v in op[4].values())
            return self._set_sql(fields), (*values, generation, family, kind, key)
        if action == "upd":
            maxima, increments = op[4]["max"], op[4]["inc"]
            return self._upd_sql(tuple(maxima), tuple(increments)), (
                *(x for value in maxima.values() for x in (value, value)),
                *increments.values(),
                generation,
                family,
                kind,
                key,
            )
        if action == "del":
            return _DEL, (generation, family, kind, key)
        raise ValueError(f"unknown view operation {action!r}")

    def _index(
        self, generation: int, op: Operation
    ) -> tuple[str, tuple[Any, ...]] | None:
        """The ``view_families`` statement that keeps a family's index row in step."""
        data = op[4]
        coordinator = (data.get("coordinator") or {}).get("id")
        if op[0] == "put":
            return (
                "INSERT OR REPLACE INTO view_families VALUES (?, ?, ?, ?)",
                (generation, _key(op[2]), data.get("municipality"), coordinator),
            )
        if "coordinator" in data:
            return (
                "UPDATE view_families SET coordinator_id = ? "
                "WHERE generation = ? AND family_id = ?",
                (coordinator, generation, _key(op[2])),
            )
        return None

    def prepare(
        self, generation: int, operations: Sequence[Operation]
    ) -> list[tuple[str, tuple[Any, ...]]]:
        """The SQL statements, in order, that apply ``operations`` to ``generation``."""
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

    def commit_prepared(
        self,
        generation: int,
        expected: int,
        position: int,
        statements: Sequence[tuple[str, tuple[Any, ...]]],
    ) -> None:
        """Run prepared statements and move the position, in one transaction.

        Refused, writing nothing, when the stored position is not ``expected``.
        """
        with self._transaction() as cursor:
            row = cursor.execute(
                "SELECT position FROM view_generations WHERE generation = ?",
                (generation,),
            ).fetchone()
            if row is None:
                raise ViewConflictError(f"generation {generation} does not exist")
            if row[0] != expected:
                raise ViewConflictError(
                    f"generation {generation} is at {row[0]}, not {expected}: another "
                    "worker committed this batch"
                )
            # Consecutive operations with the same statement go in one executemany.
            execute_grouped(cursor, statements)
            cursor.execute(
                "UPDATE view_generations SET position = ? WHERE generation = ?",
                (position, generation),
            )

    def fill_in_parallel(
        self,
        app: Any,
        generation: int,
        batch_size: int,
        progress: Callable[[int, int], None] | None,
    ) -> int:
        """Fold the log into ``generation``: a second process folds while this one writes.

        See :mod:`familiekoordinering_sqlite.parallel`.
        """
        from familiekoordinering_sqlite.parallel import fill_in_parallel

        return fill_in_parallel(self, app, generation, batch_size, progress)

    def new_generation(self) -> int:
        """Create an empty, inactive generation."""
        with self._transaction() as cursor:
            (latest,) = cursor.execute(
                "SELECT coalesce(max(generation), 0) FROM view_generations"
            ).fetchone()
            generation = int(latest) + 1
            cursor.execute(
                "INSERT INTO view_generations (generation, position, active) VALUES (?, 0, 0)",
                (generation,),
            )
        return generation

    def activate(self, generation: int) -> None:
        """Switch queries to ``generation`` in one step, then drop older generations."""
        with self._transaction() as cursor:
            cursor.execute(
                "UPDATE view_generations SET active = (generation = ?)", (generation,)
            )
        with self._transaction() as cursor:
            cursor.execute("DELETE FROM view_rows WHERE generation < ?", (generation,))
            cursor.execute(
                "DELETE FROM view_generations WHERE generation < ?", (generation,)
            )

    def _assemble(self, generation: int, family_id: str) -> Document | None:
        rows = self._read(
            "SELECT kind, key, data FROM view_rows WHERE generation = ? AND family_id = ?",
            (generation, _key(family_id)),
        )
        return assemble(
            family_id, ((k, _text(key), json.loads(d)) for k, key, d in rows)
        )

    def family(self, generation: int, family_id: str) -> Document | None:
        """One family's document."""
        return self._assemble(generation, family_id)

    def families(
        self,
        generation: int,
        *,
        coordinator_id: str | None = None,
        municipality: str | None = None,
    ) -> list[Document]:
        """Documents of a coordinator's or a municipality's families (or all)."""
        sql = "SELECT family_id FROM view_families WHERE generation = ?"
        params: list[Any] = [generation]
        if coordinator_id is not None:
            sql += " AND coordinator_id = ?"
            params.append(coordinator_id)
        if municipality is not None:
            sql += " AND municipality = ?"
            params.append(municipality)
        ids = sorted(_text(row[0]) for row in self._read(sql, params))
        docs = [self._assemble(generation, family_id) for family_id in ids]
        return [d for d in docs if d is not None]

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()
