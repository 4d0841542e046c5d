"""The SQLite view store passes the view-store contract, in a real file."""

from __future__ import annotations

from pathlib import Path

from familiekoordinering.testing.views import ViewStoreContract
from familiekoordinering.views import ViewStore
from familiekoordinering_sqlite import SQLiteViewStore


class TestSQLiteViewStore(ViewStoreContract):
    def make_store(self, tmp_path: Path) -> ViewStore:
        return SQLiteViewStore(str(tmp_path / "views.db"))
