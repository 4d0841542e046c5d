"""The contract every key store passes: subclass it in the adapter's tests.

::

    class TestMyKeyStore(KeyStoreContract):
        def make_store(self, tmp_path):
            return MyKeyStore(...)

Each test gets a fresh, empty store (closed after the test). The contract
covers the :class:`~familiekoordinering.protection.KeyStore` port: what is
written reads back, a family's key is never replaced (a second :meth:`add` is
refused), an erasure is final and readable (oldest first), :meth:`holds_keys`
and :meth:`purge`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from familiekoordinering.protection.keys import (
    Erasure,
    Keyring,
    KeyStore,
    StoredKey,
    new_master_key,
)

__all__ = ["KeyStoreContract"]

_WHEN = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)


def _erasure(family_id: UUID, days: int, by: str = "t-lead") -> Erasure:
    return Erasure(family_id, _WHEN + timedelta(days=days), by)


class KeyStoreContract:
    """Tests every key store must pass (in memory, SQLite, PostgreSQL, …)."""

    def make_store(self, tmp_path: Path) -> KeyStore:
        """A fresh, empty key store for one test (override in the adapter's test class)."""
        raise NotImplementedError

    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[KeyStore]:
        """The key store of this test, closed after it."""
        store = self.make_store(tmp_path)
        yield store
        store.close()

    def test_an_empty_store_holds_nothing(self, store: KeyStore) -> None:
        """No row, no erasure, no keys."""
        assert store.get(uuid4()) is None
        assert store.erasures() == []
        assert not store.holds_keys()

    def test_a_key_written_reads_back(self, store: KeyStore) -> None:
        """``add`` stores the wrapped key as given, for that family only."""
        first, second = uuid4(), uuid4()
        assert store.add(first, b"\x00wrapped-1\xff" * 5)
        assert store.add(second, b"wrapped-2")
        assert store.get(first) == StoredKey(b"\x00wrapped-1\xff" * 5, None)
        assert store.get(second) == StoredKey(b"wrapped-2", None)
        assert store.get(uuid4()) is None
        assert store.holds_keys()
        assert store.erasures() == []

    def test_a_second_key_for_a_family_is_refused(self, store: KeyStore) -> None:
        """A wrapped key is never overwritten: the second ``add`` returns False."""
        family = uuid4()
        assert store.add(family, b"first") is True
        assert store.add(family, b"second") is False
        assert store.get(family) == StoredKey(b"first", None)

    def test_an_erasure_destroys_the_key_for_good(self, store: KeyStore) -> None:
        """After ``erase`` the key is gone, the erasure reads back, no key comes back."""
        family, other = uuid4(), uuid4()
        store.add(family, b"secret")
        store.add(other, b"kept")
        erasure = _erasure(family, 0)
        store.erase(erasure)
        assert store.get(family) == StoredKey(None, erasure)
        assert store.add(family, b"a new key") is False
        assert store.get(family) == StoredKey(None, erasure)
        assert store.get(other) == StoredKey(b"kept", None)
        assert store.erasures() == [erasure]
        assert store.holds_keys()

    def test_a_family_without_a_key_can_be_erased(self, store: KeyStore) -> None:
        """An erasure is recorded even where no key was made; none can be made after."""
        family = uuid4()
        erasure = _erasure(family, 1)
        store.erase(erasure)
        assert store.get(family) == StoredKey(None, erasure)
        assert store.add(family, b"late") is False
        assert store.holds_keys()

    def test_erasures_are_listed_oldest_first(self, store: KeyStore) -> None:
        """Whatever order they were made in; a time in another zone is the same instant."""
        families = [uuid4() for _ in range(4)]
        oslo = timezone(timedelta(hours=2))
        made = [
            _erasure(families[0], 3),
            _erasure(families[1], -2, by="a-lead"),
            Erasure(families[2], (_WHEN + timedelta(days=1)).astimezone(oslo), "x"),
            _erasure(families[3], 10),
        ]
        for family in families[:2]:
            store.add(family, family.bytes)
        for erasure in made:
            store.erase(erasure)
        assert store.erasures() == sorted(made, key=lambda e: e.erased_at)
        keyring = Keyring(new_master_key(), store)
        for erasure in made:
            assert keyring.erasure(erasure.family_id) == erasure
        assert keyring.erasure(uuid4()) is None
        assert list(keyring.erasures()) == store.erasures()

    def test_purge_says_whether_it_was_done(self, store: KeyStore) -> None:
        """``purge`` returns a bool (directly and through the keyring) and keeps every row."""
        family, erased = uuid4(), uuid4()
        store.add(family, b"kept")
        store.add(erased, b"destroyed")
        erasure = _erasure(erased, 0)
        store.erase(erasure)
        done = Keyring(new_master_key(), store).purge(5.0)
        assert isinstance(done, bool)
        assert isinstance(store.purge(5.0), bool)
        assert store.get(family) == StoredKey(b"kept", None)
        assert store.get(erased) == StoredKey(None, erasure)
