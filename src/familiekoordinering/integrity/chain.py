"""Digests that chain a store's history: pure functions over bytes.

Every stored event carries two members at the end of its JSON payload:
``_prev``, the digest of the family's previous event (64 zeros for the first),
and ``_digest``, the digest of the event itself::

    {"occurred_on":"2026-01-05", …,"_prev":"<64 hex>","_digest":"<64 hex>"}

``_digest`` is SHA-256 — or, when the store has a master key, HMAC-SHA-256
under a key derived from it, which the database never holds — over a tag,
the family's id (32 hex digits), the event's version, its topic and the payload's bytes as
written up to and including ``_prev`` (sealed personal data included, so the
chain still verifies after the family's key was destroyed). Changing any byte
of an event, moving it to another position or family, or removing an event
from the middle of a family breaks the chain; what a chain inside the store
cannot show by itself — that a family's newest events, or a whole family, were
removed — a :class:`~familiekoordinering.integrity.Checkpoint` kept outside
the database shows.

The same construction chains the access log row by row (:func:`access_digest`).
Nothing here reads a clock, a file or the environment.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import attrs

__all__ = [
    "DIGEST_HEX",
    "GENESIS",
    "ChainKey",
    "Chained",
    "chain_key",
    "family_hex",
    "is_chained",
    "split_chained",
]

DIGEST_HEX = 64
"""A digest is 32 bytes, written as 64 lower-case hexadecimal digits."""
GENESIS = "0" * DIGEST_HEX
"""What the first event of a family (and the first access-log row) follows."""

_PREV = b',"_prev":"'
_DIGEST = b',"_digest":"'
_TAIL = len(_DIGEST) + DIGEST_HEX + 2  # ,"_digest":"<64>"}
TAIL_LENGTH = len(_PREV) + DIGEST_HEX + 1 + _TAIL
_PREV_TAIL = len(_PREV) + DIGEST_HEX + 2  # ,"_prev":"<64>"}

_EVENT = b"familiekoordinering/event/1\0"
_SNAPSHOT = b"familiekoordinering/snapshot/1\0"
_LEGACY = b"familiekoordinering/unchained/1\0"
_ACCESS = b"familiekoordinering/access/1\0"
_LOG = b"familiekoordinering/log/1\0"
_DERIVE = b"familiekoordinering chain key v1"
_BLOCK = 64
"""SHA-256's block size in bytes, what HMAC pads its key to."""


def _sha256_hex(message: bytes) -> str:
    return hashlib.sha256(message).hexdigest()


@functools.lru_cache(maxsize=16)
def _hmac_sha256(secret: bytes) -> Callable[[bytes], str]:
    """HMAC-SHA-256 with ``secret`` as a function of the message (RFC 2104).

    Its inner and outer hash states (the key padded to SHA-256's block and
    XORed with 0x36 and 0x5C) are computed once; each message then costs two
    copies of them, not ``hmac.digest``'s key set-up as well.
    """
    if len(secret) > _BLOCK:
        secret = hashlib.sha256(secret).digest()
    secret = secret.ljust(_BLOCK, b"\0")
    inner_copy = hashlib.sha256(bytes(b ^ 0x36 for b in secret)).copy
    outer_copy = hashlib.sha256(bytes(b ^ 0x5C for b in secret)).copy

    def keyed(message: bytes) -> str:
        h = inner_copy()
        h.update(message)
        o = outer_copy()
        o.update(h.digest())
        return o.hexdigest()

    return keyed


@attrs.frozen(repr=False)
class ChainKey:
    """How a store's digests are made: keyed (HMAC) or not (SHA-256).

    Build one with :func:`chain_key`. The key bytes never appear in a repr.
    """

    secret: bytes | None = attrs.field(default=None)

    def __repr__(self) -> str:
        return f"ChainKey(keyed={self.keyed})"

    def hexdigest(self) -> Callable[[bytes], str]:
        """A function giving :meth:`digest` of a message, for hot loops.

        Keyed, it is HMAC-SHA-256 from the key's inner and outer hash states
        computed once (the audit's verification spends most of its time
        here); ``tests/test_chained_payloads.py`` holds it to ``hmac``.
        """
        if self.secret is None:
            return _sha256_hex
        return _hmac_sha256(self.secret)

    @property
    def keyed(self) -> bool:
        """Whether digests need a key the database does not hold."""
        return self.secret is not None

    def digest(self, message: bytes) -> str:
        """The hex digest of ``message`` (HMAC-SHA-256 with the key, else SHA-256)."""
        if self.secret is None:
            return hashlib.sha256(message).hexdigest()
        return _hmac_sha256(self.secret)(message)

    def unkeyed(self) -> ChainKey:
        """The unkeyed construction (what a writer without the key would compute)."""
        return _UNKEYED

    # ------------------------------------------------------------------ events

    def event_digest(
        self,
        family_id: UUID | str | bytes,
        version: int,
        topic: str | bytes,
        body: bytes,
    ) -> str:
        """The digest of an event whose payload up to its ``_prev`` is ``body``."""
        return self.digest(b"".join((_EVENT, _head(family_id, version, topic), body)))

    def snapshot_digest(
        self,
        family_id: UUID | str | bytes,
        version: int,
        topic: str | bytes,
        body: bytes,
    ) -> str:
        """The digest of a snapshot (tagged apart, so an event cannot pass for one)."""
        return self.digest(
            b"".join((_SNAPSHOT, _head(family_id, version, topic), body))
        )

    def unchained_digest(
        self,
        family_id: UUID | str | bytes,
        version: int,
        topic: str | bytes,
        data: bytes,
    ) -> str:
        """The digest standing for an event written before chaining began.

        Such an event carries no digest of its own; the next one's ``_prev``
        and the log's running digest use this.
        """
        return self.digest(b"".join((_LEGACY, _head(family_id, version, topic), data)))

    def chain(
        self,
        body: bytes,
        family_id: UUID | str | bytes,
        version: int,
        topic: str | bytes,
        *,
        snapshot: bool = False,
    ) -> tuple[bytes, str]:
        """Append ``_digest`` to a payload that ends with its ``_prev`` member.

        Returns the bytes to store and their digest.
        """
        make = self.snapshot_digest if snapshot else self.event_digest
        digest = make(family_id, version, topic, body)
        return b"".join((body[:-1], _DIGEST, digest.encode("ascii"), b'"}')), digest

    # -------------------------------------------------------------- access log

    def access_digest(self, prev: str, seq: int, fields: Sequence[str]) -> str:
        """The digest of access-log row ``seq`` following the row whose digest is ``prev``.

        ``fields`` are the row's values as text (family id, time, user, role,
        municipality, purpose, what), in that order.
        """
        row = json.dumps(
            [prev, seq, *fields], ensure_ascii=False, separators=(",", ":")
        )
        return self.digest(_ACCESS + row.encode("utf-8"))

    # -------------------------------------------------------------------- log

    def log_hash(self) -> Any:
        """A running digest over (a chunk of) the notification log."""
        h: Any = (
            hashlib.sha256()
            if self.secret is None
            else hmac.new(self.secret, digestmod="sha256")
        )
        h.update(_LOG)
        return h


_UNKEYED = ChainKey()


def chain_key(master_key: bytes | None) -> ChainKey:
    """The chain key of a store: derived from its master key, or unkeyed without one."""
    if master_key is None:
        return _UNKEYED
    return ChainKey(hmac.digest(master_key, _DERIVE, "sha256"))


def family_hex(family_id: UUID | str | bytes) -> bytes:
    """A family id as digests name it: 32 lower-case hex digits, as bytes."""
    if isinstance(family_id, UUID):
        return family_id.hex.encode("ascii")
    if isinstance(family_id, str):
        return family_id.replace("-", "").lower().encode("ascii")
    return family_id


def _head(family_id: UUID | str | bytes, version: int, topic: str | bytes) -> bytes:
    if isinstance(topic, str):
        topic = topic.encode()
    return b"%s\0%d\0%s\0" % (family_hex(family_id), version, topic)


@attrs.frozen
class Chained:
    """A stored payload split into what its digest covers and its two chain members."""

    body: bytes
    """The payload up to and including ``_prev`` (closed with ``}``)."""
    prev: str
    """The digest of the event before it (:data:`GENESIS` for the first)."""
    digest: str
    """The digest it carries."""


def is_chained(data: bytes) -> bool:
    """Whether a stored payload ends with the chain members (no copy, no parsing)."""
    if not isinstance(data, bytes):
        return False
    end = len(data)
    return (
        end >= _TAIL + _PREV_TAIL
        and data.startswith(_DIGEST, end - _TAIL)
        and data.startswith(_PREV, end - TAIL_LENGTH)
        and data.endswith(b'"}')
    )


def split_chained(data: bytes) -> Chained | None:
    """Split a stored payload into body, ``_prev`` and ``_digest``; None if unchained.

    Reads fixed positions at the end of the bytes (no JSON parsing), so that
    the audit can verify hundreds of thousands of events a second.
    """
    if not is_chained(data):
        return None
    body = data[:-_TAIL] + b"}"
    # latin-1 never fails: a tampered digest just compares unequal.
    digest = data[-DIGEST_HEX - 2 : -2].decode("latin-1")
    return Chained(body, body[-DIGEST_HEX - 2 : -2].decode("latin-1"), digest)
