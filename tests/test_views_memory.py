"""The in-memory view store passes the view-store contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from familiekoordinering.testing.views import ViewStoreContract
from familiekoordinering.views import InMemoryViewStore, ViewStore

pytestmark = pytest.mark.contract


class TestInMemoryViewStore(ViewStoreContract):
    def make_store(self, tmp_path: Path) -> ViewStore:
        return InMemoryViewStore()
