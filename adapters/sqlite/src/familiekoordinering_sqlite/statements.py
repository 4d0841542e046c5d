"""The SQL that applies the views' row operations to an SQLite view store.

Pure: it builds statements and runs none, so that a second process can
prepare a batch's statements while the store's own process commits the
previous batch (see :mod:`familiekoordinering_sqlite.parallel`).
:class:`~familiekoordinering_sqlite.views.SQLiteViewStore` commits what
:class:`Statements` prepares.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from familiekoordinering.views.fold import Operation
from familiekoordinering.views.store import changes_nothing, dump_json

__all__ = ["Statement", "Statements", "row_key"]

Statement = tuple[str, tuple[Any, ...]]
"""One SQL statement and its parameters."""

_WHERE = "WHERE generation = ? AND family_id = ? AND kind = ? AND key = ?"
_PUT = (
    "INSERT OR REPLACE INTO view_rows (generation, family_id, kind, key, data) "
    "VALUES (?, ?, ?, ?, ?)"
)
_DEL = f"DELETE FROM view_rows {_WHERE}"


def row_key(text: str) -> bytes | str:
    """Ids as their 16 bytes (a smaller index that stays in cache); other keys as text."""
    if len(text) == 36 and text[8] == "-":
        return bytes.fromhex(text.replace("-", ""))
    return text


_dumps = dump_json


class Statements:
    """Builds the statements of row operations, keeping the SQL of each shape made."""

    def __init__(self) -> None:
        self._set_statements: dict[tuple[str, ...], str] = {}

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
        action, kind, family, key = op[0], op[1], row_key(op[2]), row_key(op[3])
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
                (generation, row_key(op[2]), data.get("municipality"), coordinator),
            )
        if "coordinator" in data:
            return (
                "UPDATE view_families SET coordinator_id = ? "
                "WHERE generation = ? AND family_id = ?",
                (coordinator, generation, row_key(op[2])),
            )
        return None

    def prepare(
        self, generation: int, operations: Sequence[Operation]
    ) -> list[Statement]:
        """The SQL statements, in order, that apply ``operations`` to ``generation``."""
        statements: list[Statement] = []
        for op in operations:
            if changes_nothing(op):
                continue
            if op[1] == "family" and op[0] in ("put", "set"):
                index = self._index(generation, op)
                if index is not None:
                    statements.append(index)
            statements.append(self._statement(generation, op))
        return statements
