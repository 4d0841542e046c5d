"""The storage contract, in memory and on SQLite (PostgreSQL: the adapter's tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from familiekoordinering.testing.contract import StoreContract

pytestmark = pytest.mark.contract


class TestInMemoryStore(StoreContract):
    durable = False

    def location(self, tmp_path: Path) -> str:
        return "memory"


class TestSQLiteStore(StoreContract):
    def location(self, tmp_path: Path) -> str:
        return str(tmp_path / "store.db")
