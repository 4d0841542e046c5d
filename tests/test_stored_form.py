"""The stored form: every event and snapshot round-trips through clean, typed JSON."""

from __future__ import annotations

import json
from datetime import date

import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent
from hypothesis import given

from familiekoordinering import Family, FamilyCoordination
from familiekoordinering.serialisation import CattrsMapper
from familiekoordinering.testing.examples import EXAMPLES
from tests import strategies
from tests.conftest import LEAD, EnrolledFamily

pytestmark = pytest.mark.application

mapper = CattrsMapper()


@pytest.mark.parametrize("event_class", Family.EVENT_CLASSES, ids=lambda c: c.__name__)
def test_every_event_type_round_trips_through_its_stored_form(
    event_class: type[Family.Event],
) -> None:
    @given(strategies.events_of(event_class))
    def round_trip(event: Family.Event) -> None:
        stored = mapper.to_stored_event(event)
        assert stored.topic == event_class.TOPIC
        payload = json.loads(stored.state)
        assert "originator_id" not in payload
        assert payload["occurred_on"] == event.occurred_on.isoformat()
        again = mapper.to_domain_event(stored)
        assert type(again) is event_class
        assert again == event
        assert mapper.to_stored_event(again).state == stored.state

    round_trip()


def test_sets_are_stored_sorted_so_equal_state_gives_equal_bytes() -> None:
    @given(strategies.events_of(Family.AgencyContacted))
    def check(event: Family.AgencyContacted) -> None:
        payload = json.loads(mapper.to_stored_event(event).state)
        assert payload["member_ids"] == sorted(payload["member_ids"])
        assert payload["topics"] == sorted(payload["topics"])

    check()


def test_a_snapshot_round_trips_to_the_same_family(family: EnrolledFamily) -> None:
    live = family.app.get_family(family.id, actor=LEAD)
    snapshot = Snapshot.take(live)
    stored = mapper.to_stored_event(snapshot)
    assert json.loads(stored.state)["topic"] == "familiekoordinering:Family"
    restored = mapper.to_domain_event(stored).mutate(None)
    assert vars(restored) == vars(live)


def test_events_are_stored_as_plain_json_documents(family: EnrolledFamily) -> None:
    app: FamilyCoordination = family.app
    stored = app._engine.recorder.select_events(family.id)
    first = json.loads(stored[0].state)
    assert stored[0].topic == "familiekoordinering:Family.Enrolled"
    assert first["occurred_on"] == "2026-01-05"
    assert first["programme"]["kind"] == "nye_monstre"
    assert first["actor"] == {
        "user_id": "t-lead",
        "role": "team_lead",
        "municipality": "4204",
    }
    assert all("__type__" not in s.state.decode() for s in stored)


@pytest.mark.parametrize(
    ("state", "problem"),
    [
        (b'{"occurred_on": "2026-01-0', "cannot read stored event 3"),
        (b"{}", "cannot read stored event 3"),
        (b'{"timestamp": "x"}', "cannot read stored event 3"),
    ],
)
def test_a_corrupt_stored_event_names_the_family_and_position(
    state: bytes, problem: str
) -> None:
    from uuid import uuid4

    family_id = uuid4()
    stored = StoredEvent(family_id, 3, Family.MemberAdded.TOPIC, state)
    with pytest.raises(MapperDeserialisationError, match=problem) as raised:
        mapper.to_domain_event(stored)
    assert str(family_id) in str(raised.value)


def test_an_unknown_field_is_an_error_not_silently_dropped() -> None:
    @given(strategies.events_of(Family.GoalDropped))
    def check(event: Family.GoalDropped) -> None:
        stored = mapper.to_stored_event(event)
        payload = json.loads(stored.state)
        payload["surprise"] = 1
        tampered = StoredEvent(
            stored.originator_id, stored.originator_version, stored.topic,
            json.dumps(payload).encode(),
        )  # fmt: skip
        with pytest.raises(MapperDeserialisationError, match="unknown fields"):
            mapper.to_domain_event(tampered)

    check()


@pytest.mark.parametrize("version", [2, 99, "2", None])
def test_a_newer_or_malformed_class_version_is_refused_naming_family_and_position(
    version: object,
) -> None:
    from uuid import uuid4

    event = EXAMPLES["GoalDropped"]
    payload = json.loads(mapper.to_stored_event(event).state)
    payload["class_version"] = version
    family_id = uuid4()
    stored = StoredEvent(
        family_id, 11, Family.GoalDropped.TOPIC, json.dumps(payload).encode()
    )
    with pytest.raises(MapperDeserialisationError, match="not one this library reads"):
        mapper.to_domain_event(stored)
    with pytest.raises(ValueError, match="upgrade familiekoordinering"):
        mapper.payload(stored.topic, stored.state)
    with pytest.raises(MapperDeserialisationError, match=f"11 of {family_id}"):
        mapper.to_domain_event(stored)


def test_an_unknown_event_type_is_an_error_naming_it() -> None:
    from uuid import uuid4

    stored = StoredEvent(uuid4(), 1, "familiekoordinering:Family.Nonsense", b"{}")
    with pytest.raises(MapperDeserialisationError, match=r"Family\.Nonsense"):
        mapper.to_domain_event(stored)


def test_dates_are_iso_strings() -> None:
    assert mapper.transcoder.decode(
        mapper.transcoder.encode({"d": date(2026, 1, 5).isoformat()})
    )
