"""The adapter's own PostgreSQL connections (views, keys, access log), reconnecting.

eventsourcing's pool replaces broken connections; the adapter's stores hold one
connection each. :func:`reconnecting` wraps a store method: when the server
went away (restarted, failed over) and the connection is broken, the store
connects again and the method runs once more. A transaction that was cut off
was rolled back by the server, so running it again stores it once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast

import psycopg

__all__ = ["Reconnects", "reconnecting"]

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
