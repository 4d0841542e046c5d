"""Golden *sealed* payloads: which fields are sealed, in which order, is pinned.

With a master key, each personal field of an event stores an index into the
event's sealed values, and the values travel encrypted in ``_sealed`` (with a
random nonce, so the bytes differ on every write). ``tests/golden/sealed/<Event>.json``
holds, per event type, the stored payload with ``_sealed`` replaced by
``"<sealed>"`` and the list of values it opens to. Since version 2 of this
form an agency's unit and a legal basis are sealed too; a payload of the
older form (those two in the clear beside ``_sealed``) must still read back:
the reader takes a text stored in the clear as it is.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from familiekoordinering.protection import InMemoryKeyStore, Keyring
from familiekoordinering.protection.sealing import SEALED, seal_values, unseal_values
from familiekoordinering.serialisation import CattrsMapper
from familiekoordinering.testing.examples import INQUIRY_EXAMPLES
from familiekoordinering.testing.examples import (  # families' and inquiries'
    STORED_EXAMPLES as EXAMPLES,
)

pytestmark = pytest.mark.domain

GOLDEN = Path(__file__).parent / "golden" / "sealed"
keyring = Keyring(bytes(range(32)), InMemoryKeyStore())
mapper = CattrsMapper(keyring=keyring)


def _document(name: str) -> dict[str, Any]:
    event = EXAMPLES[name]
    keyring.ensure_key(event.originator_id)  # as the engine does before mapping
    stored = mapper.to_stored_event(event)
    state = json.loads(stored.state)
    values: list[Any] = []
    if SEALED in state:
        cipher = keyring.cipher(event.originator_id, create=False)
        assert cipher is not None
        values = unseal_values(
            cipher,
            state[SEALED],
            event.originator_id,
            event.originator_version,
            stored.topic,
        )
        state[SEALED] = "<sealed>"
    return {"topic": stored.topic, "state": state, "sealed_values": values}


def _golden(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text())
    return document


if os.environ.get("FAMILIEKOORDINERING_WRITE_GOLDEN"):  # pragma: no cover
    GOLDEN.mkdir(exist_ok=True)
    for _name in EXAMPLES:
        path = GOLDEN / f"{_name}.json"
        if not path.exists():
            path.write_text(
                json.dumps(_document(_name), indent=2, ensure_ascii=False) + "\n"
            )


def test_every_event_type_has_a_golden_sealed_payload() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == sorted(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_sealed_stored_form_is_the_golden_one(name: str) -> None:
    assert _document(name) == _golden(name)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_golden_sealed_payload_reads_back_to_the_same_event(name: str) -> None:
    event, golden = EXAMPLES[name], _golden(name)
    state = dict(golden["state"])
    if SEALED in state:
        cipher = keyring.cipher(event.originator_id, create=True)
        assert cipher is not None
        state[SEALED] = seal_values(
            cipher,
            golden["sealed_values"],
            event.originator_id,
            event.originator_version,
            golden["topic"],
        )
    stored = StoredEvent(
        originator_id=event.originator_id,
        originator_version=event.originator_version,
        topic=golden["topic"],
        state=json.dumps(state).encode(),
    )
    assert mapper.to_domain_event(stored) == event


def _units_and_bases(node: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Where an agency's unit or a legal basis sits in a payload."""
    found: list[tuple[str, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("unit", "legal_basis") and value is not None:
                found.append((*path, key))
            found += _units_and_bases(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _units_and_bases(value, (*path, str(i)))
    return found


SEALED_SINCE_V2 = sorted(
    name for name in EXAMPLES if _units_and_bases(_golden(name)["state"])
)
WRITTEN_BEFORE_V2 = sorted(set(SEALED_SINCE_V2) - set(INQUIRY_EXAMPLES))
"""The event types that were stored in the older form (inquiries came later)."""


def test_units_and_legal_bases_are_sealed() -> None:
    assert SEALED_SINCE_V2, "the examples must hold a unit or a legal basis"
    for name in SEALED_SINCE_V2:
        golden = _golden(name)
        for path in _units_and_bases(golden["state"]):
            node: Any = golden["state"]
            for step in path:
                node = node[int(step)] if isinstance(node, list) else node[step]
            assert type(node) is int, (name, path)  # an index, not the text
            assert isinstance(golden["sealed_values"][node], str)


@pytest.mark.parametrize("name", WRITTEN_BEFORE_V2)
def test_the_older_sealed_form_with_units_in_the_clear_still_reads(name: str) -> None:
    """The upcast: an event sealed before units and legal bases were."""
    event, golden = EXAMPLES[name], _golden(name)
    state = json.loads(json.dumps(golden["state"]))
    values = list(golden["sealed_values"])
    for path in _units_and_bases(state):  # put the text back in the clear
        node: Any = state
        for step in path[:-1]:
            node = node[int(step)] if isinstance(node, list) else node[step]
        node[path[-1]] = values[node[path[-1]]]
    cipher = keyring.cipher(event.originator_id, create=True)
    assert cipher is not None
    # The remaining indices still point into the full list: the older form
    # sealed the same list without those texts, but indices are all it needs.
    state[SEALED] = seal_values(
        cipher, values, event.originator_id, event.originator_version, golden["topic"]
    )
    stored = StoredEvent(
        originator_id=UUID(str(event.originator_id)),
        originator_version=event.originator_version,
        topic=golden["topic"],
        state=json.dumps(state).encode(),
    )
    assert mapper.to_domain_event(stored) == event
    views = mapper.view_payload(
        golden["topic"], stored.state, event.originator_id, event.originator_version
    )
    assert "$p" in json.dumps(views) or not golden["sealed_values"]
    for path in _units_and_bases(state):
        node = views
        for step in path:
            node = node[int(step)] if isinstance(node, list) else node[step]
        assert isinstance(node, str)  # the view keeps the clear text it found


def test_equal_sealed_indices_in_two_events_read_as_their_own_values() -> None:
    """A sealed field stores an index: no value may be shared between events by it.

    (The mapper once reused one structured ``Agency`` for equal stored fields,
    which after units were sealed meant equal *indices*: one event's unit read
    as another's.)
    """
    import dataclasses

    from familiekoordinering.domain.values import Agency, AgencyKind

    base = EXAMPLES["AgencyContacted"]
    fresh_keys = Keyring(bytes(range(32)), InMemoryKeyStore())
    fresh_keys.ensure_key(base.originator_id)  # as the engine does before mapping
    fresh = CattrsMapper(keyring=fresh_keys)
    units = ["NAV Kristiansand", "NAV Vennesla", "Lund skole", "NAV Grimstad"]
    stored = [
        fresh.to_stored_event(
            dataclasses.replace(
                base,
                originator_version=base.originator_version + i,
                agency=Agency(AgencyKind.NAV, unit),
            )
        )
        for i, unit in enumerate(units)
    ]
    indices = {json.loads(s.state)["agency"]["unit"] for s in stored}
    assert len(indices) == 1  # the same index in every event
    for _ in range(2):  # and again, once anything could have been remembered
        assert [fresh.to_domain_event(s).agency.unit for s in stored] == units
