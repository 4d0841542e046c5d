"""Fixtures for every test folder: a throwaway PostgreSQL server and fresh databases.

The tests start the server themselves (it is stopped at the end of the session).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from familiekoordinering.testing.postgres import ThrowawayPostgres

_names = itertools.count(1)

_POSTGRES_FIXTURES = {"postgres_url", "postgres_server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs PostgreSQL ``postgres``.

    Those asking for its fixtures, and the cases of a test parametrized by
    backend whose backend is ``"postgres"`` (they ask for the fixture when they
    run). The domain and application tiers run, less these, without the
    PostgreSQL driver: ``-m "(domain or application) and not postgres"``.
    """
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        params = callspec.params.values() if callspec is not None else ()
        if fixtures & _POSTGRES_FIXTURES or any(p == "postgres" for p in params):
            item.add_marker(pytest.mark.postgres)


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
