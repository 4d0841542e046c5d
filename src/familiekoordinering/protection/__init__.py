"""Data protection: per-family encryption at rest and erasure by destroying keys.

* :class:`Keyring` and the :class:`KeyStore` port (:class:`InMemoryKeyStore`;
  the SQLite and PostgreSQL adapters have their own) — per-family data keys
  wrapped by the deploying app's master key;
* :mod:`~familiekoordinering.protection.sealing` — how the stored mapper seals
  the fields the domain marks as personal data, and opens them again.
"""

from __future__ import annotations

from familiekoordinering.protection.keys import (
    ERASED_REFUSAL,
    MASTER_KEY_BYTES,
    Erasure,
    InMemoryKeyStore,
    Keyring,
    KeyStore,
    StoredKey,
    key_check,
    load_master_key,
    new_master_key,
)

__all__ = [
    "ERASED_REFUSAL",
    "MASTER_KEY_BYTES",
    "Erasure",
    "InMemoryKeyStore",
    "KeyStore",
    "Keyring",
    "StoredKey",
    "key_check",
    "load_master_key",
    "new_master_key",
]
