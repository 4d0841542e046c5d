"""The SQLite key store and access log pass their contracts, in a real file."""

from __future__ import annotations

from pathlib import Path

import pytest

from familiekoordinering.access import AccessLog
from familiekoordinering.integrity.chain import ChainKey
from familiekoordinering.protection import KeyStore
from familiekoordinering.testing.access_log import AccessLogContract
from familiekoordinering.testing.key_store import KeyStoreContract
from familiekoordinering_sqlite import SQLiteAccessLog, SQLiteKeyStore

pytestmark = pytest.mark.contract


class TestSQLiteKeyStore(KeyStoreContract):
    def make_store(self, tmp_path: Path) -> KeyStore:
        return SQLiteKeyStore(str(tmp_path / "store.db"))


class TestSQLiteAccessLog(AccessLogContract):
    def make_log(self, tmp_path: Path, key: ChainKey) -> AccessLog:
        return SQLiteAccessLog(str(tmp_path / "store.db"), key=key)
