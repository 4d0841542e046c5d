"""Golden stored payloads: stored history written today must read the same for ever.

Each event type has a committed file ``tests/golden/<Event>.v1.json`` holding its
stored topic and JSON. The library must (1) write the example event to exactly
those bytes and (2) read those bytes back to exactly the example event. A change
that breaks either needs an upcaster, a new golden file and a CHANGELOG entry.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eventsourcing.persistence import StoredEvent

from familiekoordinering import Family, Inquiry
from familiekoordinering.domain.caseload import Caseload
from familiekoordinering.serialisation import CattrsMapper
from familiekoordinering.testing.examples import (  # families' and inquiries'
    STORED_EXAMPLES as EXAMPLES,
)
from familiekoordinering.testing.examples import golden_path

pytestmark = pytest.mark.domain

mapper = CattrsMapper()
GOLDEN = Path(__file__).parent / "golden"


def test_every_event_type_has_a_golden_example() -> None:
    classes = (*Family.EVENT_CLASSES, *Inquiry.EVENT_CLASSES)
    caseload = [
        f"Caseload{c.__name__}" for c in (Caseload.Started, Caseload.FamilyTakenOn)
    ]
    assert sorted(EXAMPLES) == sorted([*(cls.__name__ for cls in classes), *caseload])
    assert sorted(p.name for p in GOLDEN.glob("*.json")) == sorted(
        golden_path(GOLDEN, name).name for name in EXAMPLES
    )


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_stored_form_is_exactly_the_golden_payload(name: str) -> None:
    golden = json.loads(golden_path(GOLDEN, name).read_text())
    stored = mapper.to_stored_event(EXAMPLES[name])
    assert stored.topic == golden["topic"]
    expected = json.dumps(golden["state"], separators=(",", ":"), ensure_ascii=False)
    assert stored.state.decode() == expected


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_golden_payload_reads_back_to_the_same_event(name: str) -> None:
    golden = json.loads(golden_path(GOLDEN, name).read_text())
    from uuid import UUID

    stored = StoredEvent(
        originator_id=UUID(golden["originator_id"]),
        originator_version=golden["originator_version"],
        topic=golden["topic"],
        state=json.dumps(golden["state"]).encode(),
    )
    assert mapper.to_domain_event(stored) == EXAMPLES[name]
