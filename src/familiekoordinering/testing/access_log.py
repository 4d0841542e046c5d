"""The contract every access log passes: subclass it in the adapter's tests.

::

    class TestMyAccessLog(AccessLogContract):
        def make_log(self, tmp_path, key):
            return MyAccessLog(..., key=key)

Each test gets a fresh, empty log chained with ``key`` (closed after the
test). The contract covers the :class:`~familiekoordinering.access.AccessLog`
port: entries append and read back in order, one family's only; rows are
numbered 1, 2, 3 … without gaps and chained, so that
:func:`~familiekoordinering.integrity.access_log.verify_access_log` finds them
intact; :meth:`head` names the newest row.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from familiekoordinering.access.log import AccessEntry, AccessLog, access_fields
from familiekoordinering.access.policy import Access
from familiekoordinering.domain.values import Role
from familiekoordinering.integrity.access_log import verify_access_log
from familiekoordinering.integrity.chain import GENESIS, ChainKey, chain_key

__all__ = ["AccessLogContract"]

_WHEN = datetime(2026, 3, 2, 9, 30, 15, 250000, tzinfo=UTC)


def _entry(family_id: UUID, n: int, what: str = "record") -> AccessEntry:
    return AccessEntry(
        family_id,
        _WHEN + timedelta(minutes=n),
        f"user-{n}",
        Role.COORDINATOR if n % 2 else Role.TEAM_LEAD,
        "4204",
        Access.READ_RECORD if n % 3 else Access.READ_TIMELINE,
        what,
    )


class AccessLogContract:
    """Tests every access log must pass (in memory, SQLite, PostgreSQL, …)."""

    def make_log(self, tmp_path: Path, key: ChainKey) -> AccessLog:
        """A fresh, empty log chained with ``key`` (override in the adapter's test class)."""
        raise NotImplementedError

    @pytest.fixture
    def key(self) -> ChainKey:
        """The chain key of this test's log (keyed: HMAC of a fixed master key)."""
        return chain_key(b"contract master key, 32 bytes.!")

    @pytest.fixture
    def log(self, tmp_path: Path, key: ChainKey) -> Iterator[AccessLog]:
        """The access log of this test, closed after it."""
        log = self.make_log(tmp_path, key)
        yield log
        log.close()

    def test_an_empty_log_has_no_rows_and_no_head(self, log: AccessLog) -> None:
        """Nothing to read, nothing to verify."""
        assert log.head() is None
        assert log.rows(1, 10) == []
        assert log.entries(uuid4()) == []

    def test_entries_read_back_in_order_for_their_family_only(
        self, log: AccessLog
    ) -> None:
        """Each family sees its own entries, oldest first, as they were appended."""
        first, second = uuid4(), uuid4()
        batch = [_entry(first, 0), _entry(second, 1), _entry(first, 2, "timeline")]
        log.append(batch)
        log.append([])
        log.append([_entry(second, 3, "report"), _entry(first, 4, "plan")])
        assert log.entries(first) == [batch[0], batch[2], _entry(first, 4, "plan")]
        assert log.entries(second) == [batch[1], _entry(second, 3, "report")]
        assert log.entries(uuid4()) == []

    def test_a_time_in_another_zone_reads_back_as_the_same_instant(
        self, log: AccessLog
    ) -> None:
        """The time is kept as an instant (and hashed in UTC)."""
        family = uuid4()
        oslo = timezone(timedelta(hours=1))
        entry = _entry(family, 7)
        entry = AccessEntry(
            family,
            entry.at.astimezone(oslo),
            entry.user_id,
            entry.role,
            entry.municipality,
            entry.purpose,
            entry.what,
        )
        log.append([entry])
        assert log.entries(family) == [entry]
        [row] = log.rows(1, 10)
        assert row.fields == access_fields(entry)

    def test_rows_are_numbered_without_gaps_and_chained(
        self, log: AccessLog, key: ChainKey
    ) -> None:
        """Seq 1, 2, 3 …; each row follows the one before; the chain verifies."""
        families = [uuid4(), uuid4()]
        appended: list[AccessEntry] = []
        for batch in range(4):
            entries = [
                _entry(families[n % 2], batch * 10 + n) for n in range(batch + 1)
            ]
            log.append(entries)
            appended += entries
        rows = log.rows(1, 100)
        assert [r.seq for r in rows] == list(range(1, len(appended) + 1))
        assert [r.fields for r in rows] == [access_fields(e) for e in appended]
        assert [r.family_id for r in rows] == [e.family_id for e in appended]
        prev = GENESIS
        for row in rows:
            assert row.prev == prev
            assert row.digest == key.access_digest(prev, row.seq, row.fields)
            prev = row.digest
        assert log.head() == (len(appended), prev)
        assert verify_access_log(key, rows, checkpoint=log.head()) == []
        assert verify_access_log(chain_key(None), rows) != []  # another key: broken

    def test_rows_are_read_a_page_at_a_time(self, log: AccessLog) -> None:
        """``rows(start, limit)``: at most ``limit`` rows from seq ``start`` on."""
        family = uuid4()
        log.append([_entry(family, n) for n in range(7)])
        assert [r.seq for r in log.rows(3, 2)] == [3, 4]
        assert [r.seq for r in log.rows(6, 10)] == [6, 7]
        assert log.rows(8, 10) == []
        assert log.rows(1, 0) == []
        paged = log.rows(1, 4) + log.rows(5, 4)
        assert paged == log.rows(1, 100)
