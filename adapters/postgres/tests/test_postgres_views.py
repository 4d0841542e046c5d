"""The PostgreSQL view store passes the view-store contract, on a real server."""

from __future__ import annotations

from pathlib import Path

import pytest

from familiekoordinering.testing.views import ViewStoreContract
from familiekoordinering.views import ViewStore
from familiekoordinering_postgres import PostgresViewStore

pytestmark = pytest.mark.contract


class TestPostgresViewStore(ViewStoreContract):
    @pytest.fixture(autouse=True)
    def _url(self, postgres_url: str) -> None:
        self.url = postgres_url

    def make_store(self, tmp_path: Path) -> ViewStore:
        return PostgresViewStore(self.url)
