"""Fixtures for every test folder: a throwaway PostgreSQL server and fresh databases.

The tests start the server themselves (it is stopped at the end of the session).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from familiekoordinering.testing.postgres import ThrowawayPostgres

_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[ThrowawayPostgres]:
    """A PostgreSQL cluster of the session's own."""
    server = ThrowawayPostgres()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: ThrowawayPostgres) -> str:
    """The URL of a new, empty database on the session's server."""
    import psycopg  # here: the domain and application tests run without the driver

    name = f"test_{next(_names)}"
    with psycopg.connect(postgres_server.url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return postgres_server.url(name)
