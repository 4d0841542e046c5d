"""Selecting PostgreSQL by URL (the behaviour itself: test_postgres_contract.py)."""

from __future__ import annotations

import pytest

from familiekoordinering import (
    ConfigurationError,
)
from familiekoordinering.store import store_settings

pytestmark = pytest.mark.contract


def test_a_postgresql_url_selects_the_adapter_with_its_settings() -> None:
    settings = store_settings(
        "postgresql://kari:s%40cret@db.example:6543/families?schema=k4204"
    )
    assert settings["PERSISTENCE_MODULE"] == "familiekoordinering_postgres"
    assert settings["POSTGRES_USER"] == "kari"
    assert settings["POSTGRES_PASSWORD"] == "s@cret"
    assert settings["POSTGRES_HOST"] == "db.example"
    assert settings["POSTGRES_PORT"] == "6543"
    assert settings["POSTGRES_DBNAME"] == "families"
    assert settings["POSTGRES_SCHEMA"] == "k4204"
    with pytest.raises(ConfigurationError, match="needs a user, a host and a database"):
        store_settings("postgresql://db.example")
