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
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from familiekoordinering.errors import ConfigurationError

__all__ = ["DEFAULT_STORE", "MEMORY", "store_settings"]

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
