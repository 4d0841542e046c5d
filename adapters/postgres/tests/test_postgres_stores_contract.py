"""The PostgreSQL key store and access log pass their contracts, on a real server."""

from __future__ import annotations

from pathlib import Path

import pytest

from familiekoordinering.access import AccessLog
from familiekoordinering.integrity.chain import ChainKey
from familiekoordinering.protection import KeyStore
from familiekoordinering.testing.access_log import AccessLogContract
from familiekoordinering.testing.key_store import KeyStoreContract
from familiekoordinering_postgres import PostgresAccessLog, PostgresKeyStore

pytestmark = pytest.mark.contract


class TestPostgresKeyStore(KeyStoreContract):
    @pytest.fixture(autouse=True)
    def _url(self, postgres_url: str) -> None:
        self.url = postgres_url

    def make_store(self, tmp_path: Path) -> KeyStore:
        return PostgresKeyStore(self.url)


class TestPostgresAccessLog(AccessLogContract):
    @pytest.fixture(autouse=True)
    def _url(self, postgres_url: str) -> None:
        self.url = postgres_url

    def make_log(self, tmp_path: Path, key: ChainKey) -> AccessLog:
        return PostgresAccessLog(self.url, key=key)
