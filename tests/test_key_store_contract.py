"""The key-store contract, in memory (SQLite and PostgreSQL: the adapters' tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from familiekoordinering.protection import InMemoryKeyStore, KeyStore
from familiekoordinering.testing.key_store import KeyStoreContract

pytestmark = pytest.mark.contract


class TestInMemoryKeyStore(KeyStoreContract):
    def make_store(self, tmp_path: Path) -> KeyStore:
        return InMemoryKeyStore()
