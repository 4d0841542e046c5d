"""The view store in the same SQLite file as the events.

One table holds every view row (``view_rows``: generation, family, kind, key,
JSON data); ``view_families`` indexes families by coordinator and municipality
for caseload queries; ``view_generations`` holds each generation's position and
which one is active. A batch's row operations and its new position are written
in one ``BEGIN IMMEDIATE`` transaction, after checking that the position is
still the one the batch started from: exactly once, whatever happens to the
process. The statements come from
:class:`~familiekoordinering_sqlite.statements.Statements`; a rebuild folds in
a second process (:mod:`familiekoordinering_sqlite.parallel`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from familiekoordinering.views.fold import Document, Operation, assemble
from familiekoordinering.views.projector import FillsInParallel, LogSource, Progress
from familiekoordinering.views.store import ViewConflictError, execute_grouped
from familiekoordinering_sqlite.connection import connect
from familiekoordinering_sqlite.statements import Statement, Statements, row_key

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


def _row_of(op: Operation) -> tuple[str, str, str]:
    return (op[2], op[1], op[3])


def _text(key: bytes | str) -> str:
    return str(UUID(bytes=key)) if isinstance(key, bytes) else key


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
        self._statements = Statements()

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

    def prepare(
        self, generation: int, operations: Sequence[Operation]
    ) -> list[Statement]:
        """The SQL statements, in order, that apply ``operations`` to ``generation``."""
        return self._statements.prepare(generation, operations)

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
        statements: Sequence[Statement],
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
        log: LogSource,
        generation: int,
        batch_size: int,
        progress: Progress | None,
    ) -> int:
        """Fold the log into ``generation``: a second process folds while this one writes.

        See :mod:`familiekoordinering_sqlite.parallel`.
        """
        # Imported here, not with the package: the second process runs that
        # module as ``__main__``, which must not have been imported before.
        from familiekoordinering_sqlite.parallel import fill_in_parallel

        return fill_in_parallel(self, log, generation, batch_size, progress)

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
            (generation, row_key(family_id)),
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

    def worker_lock(self) -> bool:
        """Always True: SQLite elects no worker.

        Every ``projections run`` worker on the file folds; a batch another
        worker committed first is refused by :meth:`commit`'s position check.
        """
        return True

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()


_fills: type[FillsInParallel] = SQLiteViewStore
"""mypy checks here that :class:`SQLiteViewStore` fills a rebuild by itself."""
