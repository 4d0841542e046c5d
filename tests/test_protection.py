"""Encryption at rest with per-family keys, and erasure by destroying a key."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from uuid import uuid4

import attrs
import pytest
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent
from hypothesis import given, settings

from familiekoordinering import (
    Eligibility,
    FamilyCoordination,
    MasterKeyRequiredError,
    Programme,
    ReferralSource,
)
from familiekoordinering.demo import DemoClock, build_demo
from familiekoordinering.domain.family import EndReason, Family
from familiekoordinering.domain.values import ERASED_DATE, ERASED_TEXT
from familiekoordinering.errors import (
    ConfigurationError,
    FamilyErasedError,
    InvalidInputError,
    RuleViolationError,
)
from familiekoordinering.protection import (
    InMemoryKeyStore,
    Keyring,
    load_master_key,
    new_master_key,
)
from familiekoordinering.protection import keys as keys_module
from familiekoordinering.protection.sealing import (
    SEALED,
    holds_clear,
    personal_paths,
    personal_values,
)
from familiekoordinering.serialisation import CattrsMapper
from tests.conftest import COORDINATOR, LEAD, START
from tests.strategies import any_event

pytestmark = pytest.mark.application

KEY = new_master_key()


def _demo(
    store: str, *, families: int = 3, snapshot_interval: int = 5
) -> tuple[FamilyCoordination, list[Family.Event], list[str]]:
    """A demo programme on ``store`` with encryption; the first family's events."""
    clock = DemoClock()
    app = FamilyCoordination(
        store, clock=clock, master_key=KEY, snapshot_interval=snapshot_interval
    )
    report = build_demo(app, clock, families=families, years=2, seed=5)
    return app, app.family_history(report.family_ids[0], actor=LEAD), report.family_ids


def _texts(events: list[Family.Event]) -> set[str]:
    """The family's personal values as they would be written in the clear."""
    out: set[str] = set()
    for event in events:
        for value in personal_values(event):
            out.add(value.isoformat() if isinstance(value, date) else str(value))
    return out


def _only_theirs(
    app: FamilyCoordination, events: list[Family.Event], family_ids: list[str]
) -> set[str]:
    """The personal values of the family no other family shares (longer than 3).

    The coordinators' names and ids are left out: a meeting's participants
    (personal data) name the coordinator, whose name is not the family's.
    """
    coordinators = {
        text
        for e in events
        if isinstance(e, Family.CoordinatorAssigned)
        for text in (e.coordinator_id, e.coordinator_name)
    }
    others: set[str] = set(coordinators)
    for other in family_ids:
        if other != events[0].originator_id:
            others |= _texts(app.family_history(other, actor=LEAD))
    return {t for t in _texts(events) - others if len(t) > 3}


def test_personal_fields_are_stored_sealed_and_read_back_whole(
    make_app: Callable[..., FamilyCoordination],
) -> None:
    app = make_app(master_key=KEY)
    family_id = app.enrol_family(
        municipality="4204",
        label="Solheim",
        programme=Programme.nye_monstre(),
        referral=ReferralSource.NAV,
        eligibility=Eligibility(250_000, 380_000, 4),
        occurred_on=START,
        actor=LEAD,
        referral_note="Henvist fra helsestasjonen etter samtale med mor",
    )
    stored = list(app._engine.recorder.select_events(family_id))
    payload = json.loads(stored[0].state)
    assert payload["label"] == 0
    assert payload["referral_note"] == 1
    assert SEALED in payload
    assert b"Solheim" not in stored[0].state
    assert b"helsestasjonen" not in stored[0].state
    assert payload["municipality"] == "4204"  # categories stay readable
    again = app.get_family(family_id, actor=LEAD)
    assert again.label == "Solheim"
    assert again.referral_note == "Henvist fra helsestasjonen etter samtale med mor"


@settings(max_examples=60, deadline=None)
@given(event=any_event)
def test_any_event_round_trips_sealed_and_its_payload_reads_as_in_the_clear(
    event: Family.Event,
) -> None:
    keyring = Keyring(KEY, InMemoryKeyStore())
    keyring.ensure_key(event.originator_id)  # as the engine does before mapping
    sealed = CattrsMapper(keyring=keyring)
    clear = CattrsMapper()
    stored = sealed.to_stored_event(event)
    back = sealed.to_domain_event(stored)
    assert back.__dict__ == event.__dict__
    plain = clear.to_stored_event(event)
    assert sealed.payload(
        stored.topic, stored.state, stored.originator_id, stored.originator_version
    ) == clear.payload(plain.topic, plain.state)
    stored_payload = json.loads(stored.state)
    assert not holds_clear(stored_payload, personal_paths(type(event)))
    assert (SEALED in stored_payload) == any(
        v is not None for v in personal_values(event)
    )


def test_a_sealed_value_moved_to_another_event_does_not_open() -> None:
    keyring = Keyring(KEY, InMemoryKeyStore())
    mapper = CattrsMapper(keyring=keyring)
    clock = DemoClock()
    app = FamilyCoordination(clock=clock)
    build_demo(app, clock, families=1, years=1, seed=2)
    keyring.ensure_key(app.family_ids(actor=LEAD)[0])  # as the engine does
    stored = [
        mapper.to_stored_event(e)
        for e in app.family_history(app.family_ids(actor=LEAD)[0], actor=LEAD)
    ]
    one, two = [s for s in stored if SEALED.encode() in s.state][:2]
    moved = json.loads(two.state)
    moved[SEALED] = json.loads(one.state)[SEALED]
    forged = StoredEvent(
        two.originator_id, two.originator_version, two.topic, json.dumps(moved).encode()
    )
    with pytest.raises(MapperDeserialisationError, match="does not open") as caught:
        mapper.to_domain_event(forged)
    assert f"stored event {two.originator_version} of {two.originator_id}" in str(
        caught.value
    )


def test_snapshots_hold_personal_data_sealed_and_read_back_whole(
    tmp_path: Path,
) -> None:
    app, events, _ = _demo(str(tmp_path / "store.db"), families=1, snapshot_interval=5)
    family_id = events[0].originator_id
    family = app.get_family(family_id, actor=LEAD)
    snapshots = list(app._engine.snapshots.recorder.select_events(family_id))  # type: ignore[union-attr]
    assert snapshots
    newest = snapshots[-1].state
    assert SEALED.encode() in newest
    for text in _texts(events):
        if len(text) > 3 and text not in ("Kristin Lund", "k-lund"):
            assert text.encode() not in newest, text
    again = FamilyCoordination(str(tmp_path / "store.db"), master_key=KEY, cache_size=0)
    assert vars(again.get_family(family_id, actor=LEAD)) == vars(family)
    again.close()
    app.close()


def test_a_store_written_with_a_master_key_refuses_to_open_without_it_or_with_another(
    tmp_path: Path,
) -> None:
    store = str(tmp_path / "store.db")
    app, events, _ = _demo(store, families=1)
    family_id = events[0].originator_id
    position = app.position()
    app.close()
    for opened in (
        lambda: FamilyCoordination(store),
        lambda: FamilyCoordination(store, encryption=False),
        lambda: FamilyCoordination(store, cache_size=0, snapshot_interval=None),
    ):
        with pytest.raises(MasterKeyRequiredError, match="opened without its master"):
            opened()
    with pytest.raises(ConfigurationError, match="not this store's"):
        FamilyCoordination(store, master_key=new_master_key())
    reopened = FamilyCoordination(store, master_key=KEY)
    assert reopened.position() == position  # nothing was written by the refusals
    assert reopened.get_family(family_id, actor=LEAD).label != ERASED_TEXT
    reopened.close()


def test_a_master_key_must_be_32_bytes_and_loads_from_base64(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="32 bytes, not 16"):
        FamilyCoordination(master_key=b"0" * 16)
    path = tmp_path / "master.key"
    path.write_text("bm90IGEga2V5\n")
    path.chmod(0o600)  # a key file must be its owner's only
    with pytest.raises(ConfigurationError, match="32 bytes"):
        load_master_key(path)
    path.write_text(base64.b64encode(KEY).decode() + "\n")
    assert load_master_key(path) == KEY


# ------------------------------------------------------------------- erasure


@pytest.mark.parametrize("backend", ["memory", "sqlite", "postgres"])
def test_erasure_makes_personal_data_unreadable_and_keeps_the_anonymous_record(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store = {
        "memory": "memory",
        "sqlite": str(tmp_path / "store.db"),
    }.get(backend) or request.getfixturevalue("postgres_url")
    app, events, family_ids = _demo(store)
    family_id = events[0].originator_id
    app.views.catch_up()
    outcomes = app.views.outcomes(actor=LEAD)
    assert outcomes
    surveys = [e.survey for e in events if isinstance(e, Family.SurveyCompleted)]
    version = app.get_family(family_id, actor=LEAD).version

    erasure = app.erase(family_id, actor=LEAD)

    assert app.erasure(family_id, actor=LEAD) == erasure
    family = app.get_family(family_id, actor=LEAD)
    assert family.version == version  # nothing stored by the erasure
    assert family.label == ERASED_TEXT
    assert {m.name for m in family.members.values()} == {ERASED_TEXT}
    assert {m.birth_date for m in family.members.values()} == {ERASED_DATE}
    after = app.family_history(family_id, actor=LEAD)
    assert [type(e) for e in after] == [type(e) for e in events]
    assert [e.occurred_on for e in after] == [e.occurred_on for e in events]
    assert [  # survey scores stay, free text goes
        attrs_without_note(e.survey)
        for e in after
        if isinstance(e, Family.SurveyCompleted)
    ] == [attrs_without_note(s) for s in surveys]
    assert app.views.outcomes(actor=LEAD) == outcomes
    plan = json.dumps(
        app.views.plan(family_id, actor=LEAD), ensure_ascii=False, default=str
    )
    assert not any(text in plan for text in _only_theirs(app, events, family_ids))
    other = app.get_family(family_ids[1], actor=LEAD)  # other families are untouched
    assert ERASED_TEXT not in {m.name for m in other.members.values()}
    app.close()


def attrs_without_note(survey: object) -> dict[str, object]:
    return {k: v for k, v in attrs.asdict(survey).items() if k != "note"}  # type: ignore[arg-type]


def test_after_erasure_the_sqlite_files_hold_none_of_the_familys_personal_data(
    tmp_path: Path,
) -> None:
    store = tmp_path / "store.db"
    app, events, family_ids = _demo(str(store), families=4)
    family_id = events[0].originator_id
    assert app._engine.keyring is not None
    row = app._engine.keyring.store.get(family_id)
    assert row is not None
    assert row.wrapped is not None
    family = app.get_family(family_id, actor=LEAD)
    app.hold_meeting(  # free text no other family has
        family_id,
        participants=["Solveig Haugen (mormor)", "Trond Bakke fra NAV"],
        members_present=list(family.members),
        decisions=[
            "Søke om støtte til fotballskole for Emma",
            "Ny leilighet i Vågsbygd",
        ],
        occurred_on=events[-1].occurred_on,
        actor=COORDINATOR,
    )
    events = app.family_history(family_id, actor=LEAD)
    # What only this family has: its names, birth dates and free text.
    secrets = _only_theirs(app, events, family_ids)
    names = {m.name for m in family.members.values()}
    assert names <= secrets
    assert "Ny leilighet i Vågsbygd" in secrets
    assert len(secrets) > 10
    app.views.catch_up()
    app._engine.take_snapshot(family_id)
    plan = json.dumps(app.views.plan(family_id, actor=LEAD), ensure_ascii=False)
    assert all(name in plan for name in names)  # the plan query opens them
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert row.wrapped in raw
    # Even before the erasure, the files hold none of it: events and snapshots
    # are sealed, and the views hold references to the sealed values.
    assert sorted(t for t in secrets if t.encode() in raw) == []

    app.erase(family_id, actor=LEAD)
    app.close()

    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    found = sorted(t for t in secrets if t.encode() in raw)
    assert found == []
    assert row.wrapped not in raw  # the wrapped key is gone too
    reopened = FamilyCoordination(str(store), master_key=KEY)
    assert reopened.get_family(family_id, actor=LEAD).label == ERASED_TEXT
    assert reopened.get_family(family_ids[1], actor=LEAD).label != ERASED_TEXT
    reopened.close()


def test_an_erased_family_takes_no_more_commands_and_never_gets_a_new_key(
    tmp_path: Path,
) -> None:
    app, events, _ = _demo(str(tmp_path / "store.db"), families=1)
    family_id = events[0].originator_id
    app.erase(family_id, actor=LEAD)
    version = app.get_family(family_id, actor=LEAD).version
    with pytest.raises(FamilyErasedError, match="was erased on"):
        app.hold_meeting(
            family_id,
            participants=["Kristin Lund"],
            members_present=[],
            occurred_on=events[-1].occurred_on,
            actor=COORDINATOR,
        )
    assert app.get_family(family_id, actor=LEAD).version == version
    with pytest.raises(FamilyErasedError, match="erased already"):
        app.erase(family_id, actor=LEAD)
    assert app._engine.keyring is not None
    row = app._engine.keyring.store.get(family_id)
    assert row is not None
    assert row.wrapped is None
    app.close()


def test_the_timeline_report_and_export_show_erased_entries_as_such(
    tmp_path: Path,
) -> None:
    app, events, _ = _demo(str(tmp_path / "store.db"), families=1)
    family_id = events[0].originator_id
    names = {m.name for m in app.get_family(family_id, actor=LEAD).members.values()}
    app.erase(family_id, actor=LEAD)
    timeline = app.timeline(family_id, actor=LEAD)
    text = timeline.render_text()
    assert "Personopplysningene ble slettet" in text
    assert "[slettet]" in text
    assert not any(name in text for name in names)
    assert ERASED_TEXT not in text
    assert "0001-01-01" not in text
    member_added = [e for e in timeline.entries if e.event == "MemberAdded"]
    assert member_added
    assert all(e.erased for e in member_added)
    assert not any(e.erased for e in timeline.entries if e.event == "GoalAchieved")
    english = app.timeline(family_id, language="en", actor=LEAD).render_text()
    assert "[erased]" in english
    assert "Personal data erased on" in english
    html = app.report(family_id, on=events[-1].occurred_on, actor=LEAD)
    assert "[slettet]" in html
    assert not any(name in html for name in names)
    export = app.access_export(family_id, on=events[-1].occurred_on, actor=LEAD)
    assert export["erased_at"] is not None
    assert not any(name in json.dumps(export, ensure_ascii=False) for name in names)
    app.close()


def test_erasure_needs_encryption_and_refuses_events_stored_in_the_clear(
    tmp_path: Path,
) -> None:
    store = str(tmp_path / "store.db")
    clock = DemoClock()
    clear = FamilyCoordination(store, clock=clock, encryption=False)
    report = build_demo(clear, clock, families=1, years=1, seed=5)
    family_id = report.family_ids[0]
    with pytest.raises(ConfigurationError, match="needs encryption"):
        clear.erase(family_id, actor=LEAD)
    clear.close()
    sealed = FamilyCoordination(store, clock=clock, master_key=KEY)
    with pytest.raises(RuleViolationError, match="before encryption was turned on"):
        sealed.erase(family_id, actor=LEAD)
    assert sealed.erasure(family_id, actor=LEAD) is None
    sealed.close()


def test_families_due_for_erasure_are_those_ended_longer_ago_than_the_retention(
    tmp_path: Path,
) -> None:
    app, events, family_ids = _demo(str(tmp_path / "store.db"), families=3)
    ended = events[-1].occurred_on
    first = family_ids[0]
    app.end_follow_up(first, reason=EndReason.COMPLETED, occurred_on=ended, actor=LEAD)
    assert (
        app.due_for_erasure(on=ended.replace(year=ended.year + 5), years=5, actor=LEAD)
        == []
    )
    later = ended.replace(year=ended.year + 5) + (date(2000, 1, 2) - date(2000, 1, 1))
    assert app.due_for_erasure(on=later, years=5, actor=LEAD) == [first]
    app.erase(first, actor=LEAD)
    assert app.due_for_erasure(on=later, years=5, actor=LEAD) == []
    # Retentions reaching back past the calendar's start: nothing is due.
    assert app.due_for_erasure(on=later, years=later.year, actor=LEAD) == []
    assert app.due_for_erasure(on=date(1, 1, 1), years=1, actor=LEAD) == []
    with pytest.raises(InvalidInputError, match="years"):
        app.due_for_erasure(on=later, years=2.5, actor=LEAD)  # type: ignore[arg-type]
    app.close()


def test_the_keyring_keeps_no_expired_key_so_its_cache_stays_small(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A process reading many families holds only the keys of the last moments.

    Each unwrapped key is cached for ``cache_seconds``; the next key cached
    drops every key expired by then (before, they stayed in memory for the
    life of the process, one per family ever read).
    """
    now = [0.0]
    monkeypatch.setattr(keys_module, "time", SimpleNamespace(monotonic=lambda: now[0]))
    store = InMemoryKeyStore()
    keyring = Keyring(KEY, store, cache_seconds=0.5)
    families = [uuid4() for _ in range(100)]
    for i, family_id in enumerate(families):
        now[0] = i * 0.001
        keyring.ensure_key(family_id)
    assert list(keyring._cache) == families  # all live, oldest first
    now[0] = 0.45
    keyring.refresh(families[0])  # read again: cached anew, last to expire
    now[0] = 0.5005  # families[1] (cached at 0.001) is still live, [0] was renewed
    late = uuid4()
    keyring.ensure_key(late)
    assert list(keyring._cache)[:2] == [families[1], families[2]]
    now[0] = 10.0
    last = uuid4()
    keyring.ensure_key(last)
    assert list(keyring._cache) == [last]  # every other key dropped from memory
    assert not keyring.known_live(families[5])
    sealed = keyring.sealer(families[5])  # read from the store again when needed
    assert sealed is not None
    assert list(keyring._cache) == [last, families[5]]
    nonce = bytes(12)
    opened = keyring.opener(families[5])
    assert opened is not None
    assert opened.decrypt(nonce, sealed.encrypt(nonce, b"Kari", None), None) == b"Kari"
