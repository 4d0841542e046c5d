"""One way to open the adapter's own SQLite connections (views, keys, access log)."""

from __future__ import annotations

import sqlite3

__all__ = ["connect"]


def connect(
    path: str, *, lock_timeout: float = 30.0, secure_delete: bool = False
) -> sqlite3.Connection:
    """A connection to ``path`` in WAL mode, in autocommit, usable across threads.

    ``secure_delete`` overwrites what updates and deletes free with zeros, for
    tables that hold personal data or keys. Callers guard the connection with
    their own lock.
    """
    conn = sqlite3.connect(
        path,
        uri=path.startswith("file:"),
        isolation_level=None,
        check_same_thread=False,
        timeout=lock_timeout,
        cached_statements=256,
    )
    conn.execute("PRAGMA journal_mode=WAL")
    if secure_delete:
        conn.execute("PRAGMA secure_delete=ON")
    return conn
