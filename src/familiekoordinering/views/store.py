"""The port every view store implements, and the in-memory one core ships.

A store keeps a family's views as small rows (see
:mod:`familiekoordinering.views.fold`), per *generation*, and per generation the
position (notification id) of the last event folded into it. Queries read the
*active* generation. A rebuild fills a new generation beside the active one and
activates it when it has caught up, so queries keep working during a rebuild.

:meth:`ViewStore.commit` is the exactly-once point: a batch's row operations and
its position are written in one atomic step, and only if the stored position is
still the one the batch started from; otherwise nothing is written and
:class:`ViewConflictError` is raised (another worker got there first).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

from familiekoordinering.errors import FamiliekoordineringError
from familiekoordinering.views.fold import Document, Operation, assemble

__all__ = [
    "REPLACEMENT",
    "InMemoryViewStore",
    "ViewConflictError",
    "ViewStore",
    "changes_nothing",
    "coalesce",
    "dump_json",
    "execute_grouped",
]

_dump_text = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"
"""What a lone surrogate in a view's text reads as (U+FFFD, the replacement character)."""


def dump_json(value: Any) -> str:
    """A view row as compact JSON text that any database can store.

    Text is written as it is, but for a lone surrogate (UTF-8 cannot encode
    it, nor PostgreSQL's ``jsonb`` hold its escape; written beneath the
    library or by an older version), which is written as :data:`REPLACEMENT`.
    """
    text: str = _dump_text(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub(REPLACEMENT, text)
    return text


class ViewConflictError(FamiliekoordineringError):
    """The view's position moved since the batch began: another worker committed it."""


@runtime_checkable
class ViewStore(Protocol):
    """Where the read models live (in memory, SQLite, PostgreSQL)."""

    def active_generation(self) -> int:
        """The generation queries read; 0 before any generation exists."""

    def position(self, generation: int) -> int:
        """The last notification id folded into ``generation`` (0 for none)."""

    def commit(
        self,
        generation: int,
        expected: int,
        position: int,
        operations: Sequence[Operation],
    ) -> None:
        """Apply ``operations`` and move the position from ``expected`` to ``position``.

        Atomic: all or nothing. Raises :class:`ViewConflictError`, writing
        nothing, when the stored position is not ``expected``.
        """

    def new_generation(self) -> int:
        """Create an empty, inactive generation; return its number."""

    def activate(self, generation: int) -> None:
        """Make ``generation`` the one queries read, and drop older ones."""

    def family(self, generation: int, family_id: str) -> Document | None:
        """One family's document, or None when the generation has no such family."""

    def families(
        self,
        generation: int,
        *,
        coordinator_id: str | None = None,
        municipality: str | None = None,
    ) -> list[Document]:
        """The documents of a coordinator's or a municipality's families (or all)."""

    def worker_lock(self) -> bool:
        """Try to become the one projection worker of these views; True if this is it.

        Does not wait. Once True, the store holds the lock until it is closed
        (or its process dies), and asking again says True. A store that does not
        elect one worker (in memory, SQLite) always says True: every worker then
        folds, and the positions checked by :meth:`commit` keep it exactly once.
        """

    def close(self) -> None:
        """Release connections."""


def execute_grouped(
    target: Any, statements: Iterable[tuple[Any, Sequence[Any]]]
) -> None:
    """Run ``(query, params)`` statements in order on a DB-API cursor or connection.

    Each run of the same query goes in one ``executemany`` (what SQL stores share).
    """
    batch_query: Any = None
    batch: list[Sequence[Any]] = []
    for query, params in statements:
        if batch and query != batch_query:
            target.executemany(batch_query, batch)
            batch = []
        batch_query = query
        batch.append(params)
    if batch:
        target.executemany(batch_query, batch)


def changes_nothing(op: Operation) -> bool:
    """Whether ``op`` is a ``set`` of no fields or an ``upd`` of nothing (SQL stores skip it)."""
    if op[0] == "set":
        return not op[4]
    if op[0] == "upd":
        return not op[4]["max"] and not op[4]["inc"]
    return False


_Rows = dict[str, dict[tuple[str, str], dict[str, Any]]]
"""A generation's rows: by family id, then by (kind, key) — a family's rows at hand."""
_ACTIONS = frozenset({"put", "set", "upd", "del"})


class InMemoryViewStore:
    """A real view store in process memory: the same contract, under a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._positions: dict[int, int] = {}
        self._rows: dict[int, _Rows] = {}

    def active_generation(self) -> int:
        """The generation queries read."""
        with self._lock:
            return self._active

    def position(self, generation: int) -> int:
        """The last notification id folded into ``generation``."""
        with self._lock:
            return self._positions.get(generation, 0)

    def commit(
        self,
        generation: int,
        expected: int,
        position: int,
        operations: Sequence[Operation],
    ) -> None:
        """Apply the operations and move the position, together."""
        with self._lock:
            rows = self._rows.get(generation)
            if rows is None:
                raise ViewConflictError(f"generation {generation} does not exist")
            current = self._positions.get(generation, 0)
            if current != expected:
                raise ViewConflictError(
                    f"generation {generation} is at {current}, not {expected}: another "
                    "worker committed this batch"
                )
            unknown = [op[0] for op in operations if op[0] not in _ACTIONS]
            if unknown:  # checked first, so that a batch applies whole or not at all
                raise ValueError(f"unknown view operation {unknown[0]!r}")
            for op in operations:
                _apply(rows, op)
            self._positions[generation] = position

    def new_generation(self) -> int:
        """Create an empty generation."""
        with self._lock:
            generation = max([self._active, *self._rows], default=0) + 1
            self._rows[generation] = {}
            self._positions[generation] = 0
            return generation

    def activate(self, generation: int) -> None:
        """Switch queries to ``generation``; drop older generations."""
        with self._lock:
            self._active = generation
            for old in [g for g in self._rows if g < generation]:
                del self._rows[old]
                self._positions.pop(old, None)

    def family(self, generation: int, family_id: str) -> Document | None:
        """One family's document."""
        with self._lock:
            rows = self._family_rows(generation, family_id)
        return assemble(family_id, rows)

    def _family_rows(
        self, generation: int, family_id: str
    ) -> list[tuple[str, str, dict[str, Any]]]:
        own = self._rows.get(generation, {}).get(family_id, {})
        return [(kind, key, _copied(data)) for (kind, key), data in own.items()]

    def families(
        self,
        generation: int,
        *,
        coordinator_id: str | None = None,
        municipality: str | None = None,
    ) -> list[Document]:
        """Documents matching the coordinator and the municipality, if given."""
        with self._lock:
            found = []
            for f, own in sorted(self._rows.get(generation, {}).items()):
                data = own.get(("family", ""))
                if (
                    data is not None
                    and (
                        coordinator_id is None
                        or (data["coordinator"] or {}).get("id") == coordinator_id
                    )
                    and (municipality is None or data["municipality"] == municipality)
                ):
                    found.append((f, self._family_rows(generation, f)))
        docs = [assemble(f, rows) for f, rows in found]
        return [d for d in docs if d is not None]

    def worker_lock(self) -> bool:
        """Always True: nothing to elect (each worker folds; positions keep it exactly once)."""
        return True

    def close(self) -> None:
        """Nothing to release."""


def _copied(value: Any) -> Any:
    """A copy of a row's JSON-like data (dicts, lists, scalars): deepcopy, faster."""
    if type(value) is dict:
        return {k: _copied(v) for k, v in value.items()}
    if type(value) is list:
        return [_copied(v) for v in value]
    if type(value) is tuple:
        return tuple(_copied(v) for v in value)
    return value


def _apply(rows: _Rows, op: Operation) -> None:
    """One row operation on in-memory rows (an update of a missing row does nothing)."""
    action, kind, family, key = op[0], op[1], op[2], op[3]
    row_key = (kind, key)
    if action == "put":
        rows.setdefault(family, {})[row_key] = _copied(op[4])
        return
    if action == "del":
        own = rows.get(family)
        if own is not None:
            own.pop(row_key, None)
            if not own:
                del rows[family]
        return
    row = rows.get(family, {}).get(row_key)
    if row is None:
        return
    if action == "set":
        row.update(_copied(op[4]))
    elif action == "upd":
        for field, value in op[4]["max"].items():
            if row.get(field) is None or row[field] < value:
                row[field] = value
        for field, amount in op[4]["inc"].items():
            row[field] = (row.get(field) or 0) + amount
    else:
        raise ValueError(f"unknown view operation {action!r}")


def coalesce(operations: Iterable[Operation]) -> list[Operation] | None:
    """The same changes as ``operations`` with few per row, or None when impossible.

    The result holds per row one ``put`` or one ``del``, or one ``set`` and one
    ``upd`` (sets first), so that a store can apply them set-wise: row order no
    longer matters.
    A ``put`` absorbs the operations after it (applied to its data here), a
    ``del`` or ``put`` discards what came before, sets merge, maxima take the
    larger value and increments add up. Applying the result to any rows gives
    what applying ``operations`` one by one gives, except that it returns None
    when a ``set`` and an ``upd`` of a row touch the same field (their order
    would matter): the caller then applies ``operations`` in order.
    """
    merged: dict[tuple[str, str, str], list[Any]] = {}
    for op in operations:
        action = op[0]
        if action not in _ACTIONS:
            raise ValueError(f"unknown view operation {action!r}")
        row_key = (op[2], op[1], op[3])
        entry = merged.get(row_key)
        if action in ("put", "del"):
            data = dict(op[4]) if action == "put" else None
            merged[row_key] = [action, op[1], op[2], op[3], data, None]
        elif entry is None or entry[0] == "patch":
            if entry is None:
                entry = merged[row_key] = ["patch", op[1], op[2], op[3], None, None]
            if action == "set":
                fields = op[4]
                if entry[5] is not None and not fields.keys().isdisjoint(
                    {*entry[5]["max"], *entry[5]["inc"]}
                ):
                    return None
                entry[4] = {**(entry[4] or {}), **fields}
            else:
                change = entry[5] or {"max": {}, "inc": {}}
                touched = {*op[4]["max"], *op[4]["inc"]}
                if entry[4] is not None and not touched.isdisjoint(entry[4]):
                    return None
                if not set(op[4]["max"]).isdisjoint(change["inc"]) or not set(
                    op[4]["inc"]
                ).isdisjoint(change["max"]):
                    return None
                for field, value in op[4]["max"].items():
                    old = change["max"].get(field)
                    change["max"][field] = value if old is None or old < value else old
                for field, amount in op[4]["inc"].items():
                    change["inc"][field] = change["inc"].get(field, 0) + amount
                entry[5] = change
        elif entry[0] == "put":  # applied to the put's own (top-level) copy
            row = entry[4]
            if action == "set":
                row.update(op[4])
            else:
                for field, value in op[4]["max"].items():
                    if row.get(field) is None or row[field] < value:
                        row[field] = value
                for field, amount in op[4]["inc"].items():
                    row[field] = (row.get(field) or 0) + amount
        # after a del, a set or upd finds no row: nothing to do
    result: list[Operation] = []
    for action, kind, family, key, data, change in merged.values():
        if action == "put":
            result.append(("put", kind, family, key, data))
        elif action == "del":
            result.append(("del", kind, family, key))
        else:
            if data is not None:
                result.append(("set", kind, family, key, data))
            if change is not None:
                result.append(("upd", kind, family, key, change))
    return result
