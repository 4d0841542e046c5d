"""The access-log contract, in memory (SQLite and PostgreSQL: the adapters' tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from familiekoordinering.access import AccessLog, InMemoryAccessLog
from familiekoordinering.integrity.chain import ChainKey
from familiekoordinering.testing.access_log import AccessLogContract

pytestmark = pytest.mark.contract


class TestInMemoryAccessLog(AccessLogContract):
    def make_log(self, tmp_path: Path, key: ChainKey) -> AccessLog:
        return InMemoryAccessLog(key)
