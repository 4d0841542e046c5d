"""Per-family data keys, wrapped by a master key, behind a key-store port.

Each family's personal data is encrypted with its own 256-bit AES-GCM *data
key*. A data key is stored only wrapped (encrypted) by the deploying app's
*master key*, in a :class:`KeyStore` beside the events. Erasing a family
destroys its wrapped key and leaves an erasure marker in its place, so that its
personal data can never be read again and a new key is never created for it by
accident (crypto-shredding).
"""

from __future__ import annotations

import base64
import hmac
import os
import stat
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Protocol
from uuid import UUID

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from familiekoordinering.errors import (
    ConfigurationError,
    FamilyErasedError,
    StoreError,
)

__all__ = [
    "ERASED_REFUSAL",
    "MASTER_KEY_BYTES",
    "Erasure",
    "InMemoryKeyStore",
    "KeyStore",
    "Keyring",
    "StoredKey",
    "family_erased_error",
    "key_check",
    "load_master_key",
    "new_master_key",
]

ERASED_REFUSAL = "familiekoordinering: the family was erased"
"""What a store says when it refuses to store anything for an erased family.

The SQLite and PostgreSQL adapters install triggers that refuse, inside the
writing transaction, any event or snapshot of a family whose key was
destroyed, with this message; the application turns it into
:class:`~familiekoordinering.errors.FamilyErasedError`.
"""

MASTER_KEY_BYTES = 32
"""A master key is 32 random bytes (AES-256)."""
_NONCE = 12


@attrs.frozen
class Erasure:
    """A family's personal data was erased: when, and by whom."""

    family_id: UUID
    erased_at: datetime
    erased_by: str


@attrs.frozen
class StoredKey:
    """A key store's row for a family: its wrapped key, or the erasure that replaced it."""

    wrapped: bytes | None
    erasure: Erasure | None = None


def family_erased_error(family_id: UUID, erasure: Erasure | None) -> FamilyErasedError:
    """The refusal to record anything more for a family whose key was destroyed."""
    if erasure is None:
        return FamilyErasedError(
            f"family {family_id}'s key was destroyed: nothing more can be recorded "
            "for it"
        )
    return FamilyErasedError(
        f"family {family_id}'s personal data was erased on "
        f"{erasure.erased_at:%Y-%m-%d} by {erasure.erased_by}: "
        "nothing more can be recorded for it"
    )


class KeyStore(Protocol):
    """Where the wrapped data keys live (beside the events, in the same store).

    Implementations: :class:`InMemoryKeyStore`; the SQLite and PostgreSQL
    adapters' ``Factory.key_store()``. A wrapped key is never overwritten:
    :meth:`add` refuses when the family has a row (a key or an erasure), and
    :meth:`erase` destroys the key so that no copy remains in the store.
    """

    def get(self, family_id: UUID) -> StoredKey | None:
        """The family's row, or None when it has neither key nor erasure."""
        ...

    def add(self, family_id: UUID, wrapped: bytes) -> bool:
        """Store a new wrapped key; False (and nothing stored) if the family has a row."""
        ...

    def erase(self, erasure: Erasure) -> None:
        """Destroy the family's key (if any) and record the erasure in its place."""
        ...

    def purge(self, wait: float) -> bool:
        """Make destroyed keys' old bytes unreachable in the store's files; True if done.

        Run after an erasure: an SQLite store checkpoints and truncates its
        write-ahead log, a PostgreSQL store rewrites the keys table. Waits up
        to ``wait`` seconds for other connections that hold old copies back,
        and returns False (nothing lost; run it again later) if they still do.
        A store that keeps no old copies (in memory) is done at once: True.
        Every key and erasure stays as it was.
        """
        ...

    def erasures(self) -> list[Erasure]:
        """Every erasure, oldest first."""
        ...

    def holds_keys(self) -> bool:
        """Whether any family has a row (a key or an erasure)."""
        ...

    def close(self) -> None:
        """Release the store's connections."""
        ...


class InMemoryKeyStore:
    """A :class:`KeyStore` in a dict: for the in-memory store and for tests."""

    def __init__(self) -> None:
        self._rows: dict[UUID, StoredKey] = {}
        self._lock = threading.Lock()

    def get(self, family_id: UUID) -> StoredKey | None:
        """The family's row, or None."""
        return self._rows.get(family_id)

    def add(self, family_id: UUID, wrapped: bytes) -> bool:
        """Store a new wrapped key unless the family has a row."""
        with self._lock:
            if family_id in self._rows:
                return False
            self._rows[family_id] = StoredKey(wrapped)
            return True

    def erase(self, erasure: Erasure) -> None:
        """Replace the family's key by the erasure."""
        with self._lock:
            self._rows[erasure.family_id] = StoredKey(None, erasure)

    def purge(self, wait: float) -> bool:
        """Done at once: a replaced key leaves no old copy behind in memory."""
        return True

    def erasures(self) -> list[Erasure]:
        """Every erasure, oldest first."""
        found = [r.erasure for r in self._rows.values() if r.erasure is not None]
        return sorted(found, key=lambda e: e.erased_at)

    def holds_keys(self) -> bool:
        """Whether any family has a row."""
        return bool(self._rows)

    def close(self) -> None:
        """Nothing to release."""


def new_master_key() -> bytes:
    """A new random master key (keep it outside the store, e.g. in a secrets manager)."""
    return os.urandom(MASTER_KEY_BYTES)


_KEY_FILE_LIMIT = 4096
"""The most of a key file read: a key is 44 characters of base64."""


def load_master_key(path: str | Path) -> bytes:
    """Read a master key written as base64 text (``base64.b64encode(key)``).

    The file must be its owner's only: a file that its group or others may read
    or write (mode ``& 0o077``; through a symbolic link, the mode of the file
    it points to) is refused with a :class:`ConfigurationError` saying to run
    ``chmod 600 PATH``.
    """
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; only a regular
        # file is read, and no more of it than a key file can hold.
        flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(path, flags)
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            os.close(fd)
            raise ConfigurationError(
                f"{str(path)!r} is not a file: give the path of the key file"
            )
        with os.fdopen(fd, "rb") as f:
            _check_key_file_mode(path, mode)
            text = f.read(_KEY_FILE_LIMIT).decode("ascii").strip()
        key = base64.b64decode(text, validate=True)
    except (OSError, ValueError) as e:
        raise ConfigurationError(
            f"cannot read a key from {str(path)!r}: {e}. The file holds the "
            f"base64 of {MASTER_KEY_BYTES} random bytes"
        ) from e
    _check_master_key(key)
    return key


def _check_key_file_mode(path: str | Path, mode: int) -> None:
    """Refuse a key file (the file opened, not a link to it) others may use."""
    import shlex

    if os.name == "posix" and mode & 0o077:
        raise ConfigurationError(
            f"the key file {str(path)!r} may be read or written by others (mode "
            f"{mode & 0o777:04o}); a key file must be its owner's only: run "
            f"chmod 600 {shlex.quote(str(path))}"
        )


def key_check(master_key: bytes) -> str:
    """A check value of a master key: 32 hex digits of HMAC-SHA-256 of a fixed text.

    Stored with a store's protection, so that a wrong key is refused when the
    store opens; it tells nothing about the key.
    """
    return hmac.digest(master_key, b"familiekoordinering key check v1", "sha256")[
        :16
    ].hex()


def _check_master_key(key: object) -> bytes:
    if not isinstance(key, bytes) or len(key) != MASTER_KEY_BYTES:
        size = len(key) if isinstance(key, bytes) else type(key).__name__
        raise ConfigurationError(
            f"a master key is {MASTER_KEY_BYTES} bytes, not {size}: make one with "
            "familiekoordinering.protection.new_master_key()"
        )
    return key


class Keyring:
    """The application's view of the keys: unwraps, creates, caches and erases them.

    ``master_key`` wraps every family's data key (AES-GCM, bound to the
    family's id); ``store`` keeps the wrapped keys. Keys are created in one
    place only, :meth:`ensure_key`, which the engine calls for each family
    before it stores the family's events or snapshots; the mapper only looks
    a live key up (:meth:`sealer`) and reads with :meth:`opener`. The application calls
    :meth:`refresh` before every command and read of a family, which reads
    the key state from the store, so an erasure made by another process holds
    at once; between those, an unwrapped key is cached for at most
    ``cache_seconds`` (for the rest of one operation), and dropped at once on
    an erasure made through this keyring. An expired key is not kept either:
    the next key cached drops every key expired by then, so a process that
    reads many families holds only the keys of the last ``cache_seconds``.
    """

    DEFAULT_CACHE_SECONDS = 0.5

    def __init__(
        self,
        master_key: bytes,
        store: KeyStore,
        *,
        cache_seconds: float = DEFAULT_CACHE_SECONDS,
    ) -> None:
        self._master = AESGCM(_check_master_key(master_key))
        self.store = store
        self.cache_seconds = cache_seconds
        # family → (cipher, valid until, the wrapped key it was unwrapped from),
        # oldest first: every entry lives cache_seconds, so the order of
        # caching is the order of expiry (see _cache_row).
        self._cache: OrderedDict[UUID, tuple[AESGCM, float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def ensure_key(self, family_id: UUID) -> AESGCM:
        """Make sure the family has a live key, creating it if it has none; its cipher.

        Called by the engine for every family whose events or snapshots it is
        about to store, before they are mapped: a new key is made, wrapped and
        added to the key store only when the family has neither key nor
        erasure (another process's key, added first, is used instead). A key
        cached for the rest of the operation is used without asking the store.

        Raises :class:`FamilyErasedError` when the family was erased: nothing
        more may be recorded for it, and it never gets a new key.
        """
        cached = self._cache.get(family_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        row = self.store.get(family_id)
        if row is None:
            row = self._add_key(family_id)
        if row.wrapped is None:
            raise family_erased_error(family_id, row.erasure)
        return self._cache_row(family_id, row.wrapped)

    def _add_key(self, family_id: UUID) -> StoredKey:
        """Make, wrap and add a new key for the family; the family's row after."""
        data_key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(_NONCE)
        wrapped = nonce + self._master.encrypt(nonce, data_key, family_id.bytes)
        if self.store.add(family_id, wrapped):
            return StoredKey(wrapped)
        row = self.store.get(family_id)  # another process made one (or erased) first
        if row is None:
            raise StoreError(
                f"the key store neither took family {family_id}'s new key nor holds "
                "one for it: nothing was stored; try again"
            )
        return row

    def sealer(self, family_id: UUID) -> AESGCM | None:
        """The cipher of the family's live key, to seal its personal data with; or None.

        Never creates a key and never writes: None when the family has no key
        (:meth:`ensure_key` was not called for it) or was erased, and whoever
        was about to seal must then refuse to write the personal data at all.
        A key cached for the rest of the operation is used without asking the
        store.
        """
        cached = self._cache.get(family_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        row = self.store.get(family_id)
        if row is None or row.wrapped is None:
            return None
        return self._cache_row(family_id, row.wrapped)

    def cipher(self, family_id: UUID, *, create: bool) -> AESGCM | None:
        """The family's data cipher: :meth:`ensure_key` with ``create``, else :meth:`sealer`.

        With ``create``, a family without a key gets one and an erased family
        raises :class:`FamilyErasedError`; without, None is returned for both.
        """
        return self.ensure_key(family_id) if create else self.sealer(family_id)

    def refresh(self, family_id: UUID) -> Erasure | None:
        """Read the family's key state from the store now; return its erasure, if any.

        Called at the start of every command and every read of a family, so
        that an erasure made by another process takes effect at once: an
        erased family's cached key is dropped, and a live one is cached again
        for the rest of the operation (at most ``cache_seconds``).
        """
        row = self.store.get(family_id)
        if row is None or row.wrapped is None:
            with self._lock:
                self._cache.pop(family_id, None)
            return row.erasure if row is not None else None
        self._cache_row(family_id, row.wrapped)
        return None

    def known_live(self, family_id: UUID) -> bool:
        """Whether the family's key is in the cache (so it was not erased when read)."""
        cached = self._cache.get(family_id)
        return cached is not None and cached[1] > time.monotonic()

    def _cache_row(self, family_id: UUID, wrapped: bytes) -> AESGCM:
        """Cache the family's cipher for ``cache_seconds``, unwrapping only a new key."""
        cached = self._cache.get(family_id)
        if cached is not None and cached[2] == wrapped:
            cipher = cached[0]  # the same wrapped key as read before
        else:
            cipher = self._unwrap(family_id, wrapped)
        now = time.monotonic()
        with self._lock:
            cache = self._cache
            cache[family_id] = (cipher, now + self.cache_seconds, wrapped)
            cache.move_to_end(family_id)
            while cache:  # drop the keys expired by now, oldest first
                oldest = next(iter(cache))
                if cache[oldest][1] > now:
                    break
                del cache[oldest]
        return cipher

    def _unwrap(self, family_id: UUID, wrapped: bytes) -> AESGCM:
        try:
            data_key = self._master.decrypt(
                wrapped[:_NONCE], wrapped[_NONCE:], family_id.bytes
            )
        except InvalidTag:
            raise ConfigurationError(
                f"the master key given does not open family {family_id}'s key: give "
                "the master key this store was written with"
            ) from None
        return AESGCM(data_key)

    def opener(self, family_id: UUID) -> AESGCM | None:
        """The cipher that opens the family's sealed data, or None if it was erased.

        Raises :class:`ConfigurationError` when the store has neither key nor
        erasure for the family (the key store was lost or is not this store's).
        """
        cipher = self.sealer(family_id)
        if cipher is not None:
            return cipher
        if self.erasure(family_id) is not None:
            return None
        raise ConfigurationError(
            f"family {family_id} has encrypted personal data but the key store has no "
            "key for it: the key store is missing or belongs to another store"
        )

    def erasure(self, family_id: UUID) -> Erasure | None:
        """The family's erasure, or None if its data was not erased."""
        row = self.store.get(family_id)
        return row.erasure if row is not None else None

    def erase(self, erasure: Erasure) -> None:
        """Destroy the family's key; its sealed data is unreadable from now on."""
        with self._lock:
            self._cache.pop(erasure.family_id, None)
        self.store.erase(erasure)

    def purge(self, wait: float) -> bool:
        """Make destroyed keys' old bytes unreachable in the store's files; True if done.

        Waits up to ``wait`` seconds for other connections that hold old
        copies back (an SQLite reader, a PostgreSQL session reading the keys);
        a store without such copies (in memory) is done at once.
        """
        return self.store.purge(wait)

    def erasures(self) -> Iterator[Erasure]:
        """Every erasure, oldest first."""
        return iter(self.store.erasures())
