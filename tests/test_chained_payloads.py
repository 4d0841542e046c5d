"""Golden chained payloads: the stored form with ``_prev`` and ``_digest`` is pinned.

Each event type has ``tests/golden/chained/<Event>.json``: the example event
written after a fixed previous digest, with a fixed master key. The library
must write exactly those bytes (so the digest construction never drifts:
every stored chain depends on it), read them back to the same event, and the
audit's verifier must accept them — and refuse them after any one-byte change.
The unchained golden payloads (``tests/golden/*.v1.json``) keep passing as
they are: see ``test_golden_payloads.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import pickle
import sys
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent
from hypothesis import given
from hypothesis import strategies as st

from familiekoordinering.integrity import Chained, ChainKey, chain_key, split_chained
from familiekoordinering.serialisation import CattrsMapper
from familiekoordinering.testing.examples import (  # families' and inquiries'
    STORED_EXAMPLES as EXAMPLES,
)

pytestmark = pytest.mark.domain

GOLDEN = Path(__file__).parent / "golden" / "chained"
KEY = chain_key(bytes(range(32)))
PREV = "5" * 64
mapper = CattrsMapper(chain=KEY)


def _document(name: str) -> dict[str, object]:
    stored, digest = mapper.to_chained_stored_event(EXAMPLES[name], PREV)
    return {
        "topic": stored.topic,
        "originator_id": str(stored.originator_id),
        "originator_version": stored.originator_version,
        "digest": digest,
        "state": json.loads(stored.state),
    }


def _bytes(document: dict[str, object]) -> bytes:
    return json.dumps(
        document["state"], separators=(",", ":"), ensure_ascii=False
    ).encode()


def test_every_event_type_has_a_golden_chained_payload() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == sorted(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_chained_stored_form_is_exactly_the_golden_payload(name: str) -> None:
    golden = json.loads((GOLDEN / f"{name}.json").read_text())
    stored, digest = mapper.to_chained_stored_event(EXAMPLES[name], PREV)
    assert stored.topic == golden["topic"]
    assert stored.state == _bytes(golden)
    assert digest == golden["digest"]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_golden_chained_payload_reads_back_and_verifies(name: str) -> None:
    golden = json.loads((GOLDEN / f"{name}.json").read_text())
    data = _bytes(golden)
    stored = StoredEvent(
        originator_id=UUID(golden["originator_id"]),
        originator_version=golden["originator_version"],
        topic=golden["topic"],
        state=data,
    )
    assert mapper.to_domain_event(stored) == EXAMPLES[name]
    chained = split_chained(data)
    assert chained is not None
    assert (chained.prev, chained.digest) == (PREV, golden["digest"])
    assert mapper.digest_of(stored) == golden["digest"]
    topic, version = golden["topic"], golden["originator_version"]
    assert (
        KEY.event_digest(golden["originator_id"], version, topic, chained.body)
        == (golden["digest"])
    )
    for offset in (0, len(data) // 2, len(data) - 90, len(data) - 3):
        changed = bytearray(data)
        changed[offset] ^= 0x01
        broken = split_chained(bytes(changed))
        assert (
            broken is None
            or KEY.event_digest(golden["originator_id"], version, topic, broken.body)
            != broken.digest
        ), offset


if __name__ == "__main__":  # python tests/test_chained_payloads.py: write missing files
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name in EXAMPLES:
        path = GOLDEN / f"{name}.json"
        if not path.exists():
            path.write_text(
                json.dumps(_document(name), indent=2, ensure_ascii=False) + "\n"
            )
            sys.stdout.write(f"wrote {path}\n")


@given(secret=st.binary(min_size=0, max_size=200), message=st.binary(max_size=2000))
def test_the_keyed_digest_is_hmac_sha256_for_any_key_and_message(
    secret: bytes, message: bytes
) -> None:
    """The precomputed inner and outer states give exactly RFC 2104's HMAC.

    Keys longer than SHA-256's block (64 bytes) are hashed first; shorter
    ones padded: both sides of that line are drawn.
    """
    expected = hmac.new(secret, message, hashlib.sha256).hexdigest()
    key = ChainKey(secret)
    assert key.digest(message) == expected
    assert key.hexdigest()(message) == expected
    assert ChainKey().digest(message) == hashlib.sha256(message).hexdigest()


@given(
    secret=st.none() | st.binary(min_size=1, max_size=80),
    family_id=st.uuids(),
    version=st.integers(min_value=0, max_value=10**12),
    topic=st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"),
        max_size=60,
    ),
    members=st.dictionaries(
        st.text(max_size=10), st.text(max_size=30), min_size=1, max_size=4
    ),
    snapshot=st.booleans(),
)
def test_a_write_chains_with_the_digest_the_verifier_recomputes(
    secret: bytes | None,
    family_id: UUID,
    version: int,
    topic: str,
    members: dict[str, str],
    snapshot: bool,
) -> None:
    """What a write stores and its digest are what the verifier recomputes.

    Both must give one digest for any id, version, topic (any text, not only
    a module path) and payload, keyed or not, event or snapshot; and the id
    and topic given as the verifier reads them (hex and bytes) too.
    """
    key = ChainKey(secret)
    body = json.dumps({**members, "_prev": PREV}, separators=(",", ":")).encode()
    recompute = key.snapshot_digest if snapshot else key.event_digest
    expected = recompute(family_id, version, topic, body)
    stored, digest = key.chain(body, family_id, version, topic, snapshot=snapshot)
    assert digest == expected
    assert stored == body[:-1] + b',"_digest":"' + digest.encode() + b'"}'
    assert split_chained(stored) == Chained(body, PREV, digest)
    as_read = key.chain(
        body, family_id.hex.encode(), version, topic.encode(), snapshot=snapshot
    )
    assert as_read == (stored, digest)


@pytest.mark.parametrize("secret", [None, b"k" * 32])
def test_a_chain_key_pickles_to_one_making_the_same_digests(
    secret: bytes | None,
) -> None:
    """The audit's worker processes get the key pickled; its digests come along."""
    key = ChainKey(secret)
    again = pickle.loads(pickle.dumps(key))
    assert again == key
    assert again.digest(b"message") == key.digest(b"message")
    assert again.chain(b'{"a":1,"_prev":"0"}', UUID(int=1), 1, "t") == key.chain(
        b'{"a":1,"_prev":"0"}', UUID(int=1), 1, "t"
    )
