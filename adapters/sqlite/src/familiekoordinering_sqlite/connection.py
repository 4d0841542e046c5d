"""One way to open the adapter's own SQLite connections (views, keys, access log).

A database file that does not exist yet is created here, before SQLite opens
it, readable and writable by its owner only (0600, whatever the umask); SQLite
gives its ``-wal`` and ``-shm`` files the database file's mode. The mode of an
existing file is left as it is.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3

__all__ = ["connect", "create_private"]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def create_private(path: str) -> bool:
    """Create the database file ``path`` with mode 0600 if nothing is there yet.

    Return whether it was created. An existing file (or anything else at
    ``path``, a symbolic link included) is not touched; ``file:`` URIs and
    in-memory databases are left to SQLite. Raises :class:`OSError` when the
    file cannot be created (the directory is missing or not writable).
    """
    if not path or path.startswith("file:") or ":memory:" in path:
        return False
    if os.path.lexists(path):
        return False
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:  # another process created it meanwhile
        return False
    try:
        os.fchmod(fd, 0o600)  # the umask may have taken bits
    finally:
        os.close(fd)
    return True


def connect(
    path: str, *, lock_timeout: float = 30.0, secure_delete: bool = False
) -> sqlite3.Connection:
    """A connection to ``path`` in WAL mode, in autocommit, usable across threads.

    ``secure_delete`` overwrites what updates and deletes free with zeros, for
    tables that hold personal data or keys. Callers guard the connection with
    their own lock. A new file is created 0600 (:func:`create_private`).
    """
    # If it cannot be created, SQLite says why below.
    with contextlib.suppress(OSError):
        create_private(path)
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
