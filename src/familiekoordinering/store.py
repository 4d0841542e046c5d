"""Choosing storage: a store location becomes eventsourcing settings.

A store is named by one string:

* ``"memory"`` (or ``":memory:"``): eventsourcing's in-memory recorders, for
  tests and experiments; nothing survives the process.
* a file path (``familiekoordinering.db``): an SQLite file, through the
  ``familiekoordinering-sqlite`` adapter (``pip install familiekoordinering[sqlite]``).
* ``postgresql://user:password@host:port/dbname?schema=NAME``: PostgreSQL,
  through the ``familiekoordinering-postgres`` adapter
  (``pip install familiekoordinering[postgres]``).

Adapters plug in through eventsourcing's own ``PERSISTENCE_MODULE`` setting.
Besides its ``Factory``, each adapter module declares ``holds_store`` (see
:data:`HoldsStore`), through which :func:`holds_store` asks whether a store
exists without creating it: the core itself opens no database.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from familiekoordinering.errors import ConfigurationError

__all__ = [
    "DEFAULT_STORE",
    "MEMORY",
    "HoldsStore",
    "holds_store",
    "sqlite_file",
    "store_settings",
]

DEFAULT_STORE = "familiekoordinering.db"
"""The store used when none is given: an SQLite file in the working directory."""

MEMORY = "memory"
"""The name of the in-memory store."""

_SQLITE_MODULE = "familiekoordinering_sqlite"
_POSTGRES_MODULE = "familiekoordinering_postgres"


def _require(module: str, extra: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise ConfigurationError(
            f"this store needs the {module.replace('_', '-')} adapter, which is not "
            f"installed: pip install 'familiekoordinering[{extra}]'"
        )


def _postgres_settings(url: str) -> dict[str, str]:
    """Eventsourcing's ``POSTGRES_*`` settings from a ``postgresql://`` URL.

    ``postgresql://user:password@host:port/dbname?schema=NAME`` (a Unix socket
    directory goes in ``?host=/path``). ``schema`` keeps one municipality's
    tables apart from another's in a shared database; ``connect_timeout`` is in
    seconds.
    """
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or ""])[0]
    dbname = unquote(parts.path.lstrip("/"))
    if not host or not dbname or not parts.username:
        raise ConfigurationError(
            f"the PostgreSQL URL {url!r} needs a user, a host and a database: "
            "postgresql://user:password@host:5432/dbname"
        )
    settings = {
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": host,
        "POSTGRES_PORT": query.get("port", [str(parts.port or 5432)])[0],
        "POSTGRES_USER": unquote(parts.username),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        # Large saves through psycopg's pipeline could hang; the functions avoid it.
        "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
    }
    if "schema" in query:
        settings["POSTGRES_SCHEMA"] = query["schema"][0]
    if "connect_timeout" in query:
        settings["POSTGRES_CONNECT_TIMEOUT"] = query["connect_timeout"][0]
    return settings


def store_settings(store: str | Path) -> dict[str, str]:
    """Return the eventsourcing environment for ``store`` (see the module docs).

    Raises :class:`ConfigurationError` when the store cannot be used: an empty
    name, a missing adapter, or a directory that does not exist.
    """
    name = str(store).strip()
    if not name:
        raise ConfigurationError(
            "the store is empty: give a SQLite file path, 'memory' or a "
            "postgresql:// URL"
        )
    if name in (MEMORY, ":memory:"):
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if name.startswith(("postgresql://", "postgres://")):
        _require(_POSTGRES_MODULE, "postgres")
        return {"PERSISTENCE_MODULE": _POSTGRES_MODULE, **_postgres_settings(name)}
    if "://" in name:
        raise ConfigurationError(
            f"unknown store {name!r}: give a SQLite file path, 'memory' or a "
            "postgresql:// URL"
        )
    _require(_SQLITE_MODULE, "sqlite")
    if not name.startswith("file:"):
        path = Path(name)
        if path.is_dir():
            raise ConfigurationError(
                f"the store {name!r} is a directory: give a file path inside it, "
                f"e.g. {str(path / DEFAULT_STORE)!r}"
            )
        if not path.parent.exists():
            raise ConfigurationError(
                f"the directory of the store {name!r} does not exist: create "
                f"{str(path.parent)!r} first"
            )
    return {"PERSISTENCE_MODULE": _SQLITE_MODULE, "SQLITE_DBNAME": name}


HoldsStore = Callable[[Mapping[str, str]], bool | None]
"""What a storage adapter module declares as ``holds_store(settings)``.

Given a store's eventsourcing settings (as :func:`store_settings` makes them),
whether its database holds the library's events table: True, False, or None
when it cannot tell. It opens the database read-only and creates nothing; a
server it cannot reach raises :class:`~familiekoordinering.errors.StoreError`.
"""


def sqlite_file(name: str) -> str | None:
    """The file an SQLite store name (a path or a ``file:`` URI) names; None in memory."""
    if name in (MEMORY, ":memory:"):
        return None
    if not name.startswith("file:"):
        return name
    rest, _, query = name.removeprefix("file:").partition("?")
    if rest in ("", ":memory:") or "mode=memory" in query:
        return None
    if rest.startswith("//"):  # file://host/path: SQLite takes only "" or localhost
        _, slash, tail = rest[2:].partition("/")
        rest = slash + tail
    return unquote(rest)


def holds_store(store: str | Path) -> bool | None:
    """Whether the database ``store`` names holds the library's events table.

    False in memory (a new, empty store in every process) and for an SQLite
    file that does not exist; None when it cannot tell (a file that is no
    database or cannot be read, a URL of an unknown kind, an SQLite store
    whose adapter is not installed): opening the store then says what is
    wrong. Creates nothing.

    The store's adapter answers (its ``holds_store``, see :data:`HoldsStore`).
    A PostgreSQL URL is read by :func:`store_settings` first: a malformed one,
    or a missing adapter, raises :class:`ConfigurationError`; a server that
    cannot be reached raises :class:`~familiekoordinering.errors.StoreError`.
    """
    name = str(store).strip()
    if name.startswith(("postgresql://", "postgres://")):
        return _adapter(_POSTGRES_MODULE)(store_settings(name))
    if "://" in name:
        return None
    path = sqlite_file(name)
    if path is None or not os.path.exists(path):
        return False
    if importlib.util.find_spec(_SQLITE_MODULE) is None:
        return None
    settings = {"PERSISTENCE_MODULE": _SQLITE_MODULE, "SQLITE_DBNAME": name}
    return _adapter(_SQLITE_MODULE)(settings)


def _adapter(module: str) -> HoldsStore:
    """The ``holds_store`` that the adapter ``module`` declares."""
    holds: HoldsStore = importlib.import_module(module).holds_store
    return holds
