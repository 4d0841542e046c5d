"""The storage contract on PostgreSQL, a fresh database on the session's own server."""

from __future__ import annotations

from pathlib import Path

import pytest

from familiekoordinering.testing.contract import StoreContract

pytestmark = pytest.mark.contract


class TestPostgresStore(StoreContract):
    @pytest.fixture(autouse=True)
    def _url(self, postgres_url: str) -> None:
        self.url = postgres_url

    def location(self, tmp_path: Path) -> str:
        return self.url
