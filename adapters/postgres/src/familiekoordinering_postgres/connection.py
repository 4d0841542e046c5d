"""The adapter's own PostgreSQL connections (views, keys, access log), reconnecting.

eventsourcing's pool replaces broken connections; the adapter's stores hold one
connection each. :func:`reconnecting` wraps a store method: when the server
went away (restarted, failed over) and the connection is broken, the store
connects again and the method runs once more. A transaction that was cut off
was rolled back by the server, so running it again stores it once.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar, cast

import psycopg

from familiekoordinering.errors import StoreError

__all__ = ["Reconnects", "reconnecting", "schema_lock"]

F = TypeVar("F", bound=Callable[..., Any])


class Reconnects(Protocol):
    """A store with one connection it can make again."""

    _conn: psycopg.Connection[Any]

    def _reconnect(self) -> None: ...


def reconnecting(method: F) -> F:
    """Run ``method`` again, once, on a new connection if the old one broke."""

    @functools.wraps(method)
    def wrapper(self: Reconnects, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except psycopg.OperationalError:
            if not (self._conn.closed or self._conn.broken):
                raise
            self._reconnect()
            return method(self, *args, **kwargs)

    return cast(F, wrapper)


@contextlib.contextmanager
def schema_lock(conninfo: str, schema: str) -> Iterator[None]:
    """Hold the schema's DDL lock: one process at a time creates tables and functions.

    eventsourcing's recorders and the adapter's stores create their tables (``IF
    NOT EXISTS``) and functions (``CREATE OR REPLACE``) whenever a process starts;
    PostgreSQL refuses two such statements at once ("tuple concurrently
    updated"), so processes starting together take turns on an advisory lock.
    """
    try:
        conn = psycopg.connect(conninfo, autocommit=True)
    except psycopg.OperationalError as e:
        message = " ".join(str(e).split())
        raise StoreError(f"cannot reach the PostgreSQL store: {message}") from e
    with conn:
        key = f"familiekoordinering-ddl:{schema}"
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))
