"""Keys are made by the engine before it stores a family; the mapper only seals.

The stored mapper looks a family's live key up and never makes one (nor
writes anything to the key store): the engine's event and snapshot stores
make each family's key first (``Keyring.ensure_key``), and refuse an erased
family, before anything of it is mapped. Mapping personal data of a family
without a live key is refused, never written in the clear.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast
from uuid import UUID

import pytest

from familiekoordinering import FamilyCoordination, MemberKind, new_master_key
from familiekoordinering.engine import Engine
from familiekoordinering.errors import ConfigurationError, FamilyErasedError
from familiekoordinering.protection import Erasure, InMemoryKeyStore, Keyring
from familiekoordinering.protection.sealing import SEALED, personal_values
from familiekoordinering.serialisation import CattrsMapper
from familiekoordinering.testing.examples import EXAMPLES
from tests.conftest import COORDINATOR, LEAD, START, EnrolledFamily, FixedClock

pytestmark = pytest.mark.application

KEY = new_master_key()
ERASED_AT = datetime(2100, 1, 2, 9, tzinfo=UTC)
WITH_PERSONAL = EXAMPLES["MemberAdded"]  # a name and a birth date
WITHOUT_PERSONAL = EXAMPLES["GoalAchieved"]  # ids and dates only


class CountingKeyStore(InMemoryKeyStore):
    """An in-memory key store that notes every key added to it."""

    def __init__(self) -> None:
        super().__init__()
        self.added: list[UUID] = []

    def add(self, family_id: UUID, wrapped: bytes) -> bool:
        self.added.append(family_id)
        return super().add(family_id, wrapped)


def _keyed_mapper() -> tuple[CattrsMapper, Keyring]:
    keyring = Keyring(KEY, CountingKeyStore())
    return CattrsMapper(keyring=keyring), keyring


def _erasure(family_id: UUID) -> Erasure:
    return Erasure(family_id, ERASED_AT, "another-process")


@pytest.fixture
def app() -> Iterator[FamilyCoordination]:
    app = FamilyCoordination("memory", master_key=KEY, clock=FixedClock())
    yield app
    app.close()


def _engine(app: FamilyCoordination) -> tuple[Engine, Keyring]:
    engine = app._engine
    assert engine.keyring is not None
    return engine, engine.keyring


def _add_member(app: FamilyCoordination, family_id: UUID) -> None:
    app.add_member(
        family_id, name="Per Hansen", birth_date=date(1990, 1, 1),
        kind=MemberKind.ADULT, occurred_on=START, actor=COORDINATOR,
    )  # fmt: skip


# ---------------------------------------------------------------- the keyring


def test_a_sealer_is_only_looked_up_never_made() -> None:
    keyring = Keyring(KEY, CountingKeyStore())
    family_id = WITH_PERSONAL.originator_id
    assert keyring.sealer(family_id) is None
    assert not keyring.store.holds_keys()
    made = keyring.ensure_key(family_id)
    assert keyring.sealer(family_id) is made
    assert cast(CountingKeyStore, keyring.store).added == [family_id]


def test_ensure_key_makes_a_key_once() -> None:
    keyring = Keyring(KEY, CountingKeyStore(), cache_seconds=0)
    family_id = WITH_PERSONAL.originator_id
    keyring.ensure_key(family_id)
    row = keyring.store.get(family_id)
    keyring.ensure_key(family_id)  # read from the store again (nothing cached)
    assert keyring.store.get(family_id) == row
    assert cast(CountingKeyStore, keyring.store).added == [family_id]


def test_ensure_key_uses_the_key_another_process_added_first() -> None:
    store = InMemoryKeyStore()
    family_id = WITH_PERSONAL.originator_id

    class Late(InMemoryKeyStore):
        """Says the family has no row the first time it is asked: another adds one."""

        asked = 0

        def get(self, family_id: UUID) -> Any:
            self.asked += 1
            if self.asked == 1:
                Keyring(KEY, store).ensure_key(family_id)  # the other process
                return None
            return store.get(family_id)

        def add(self, family_id: UUID, wrapped: bytes) -> bool:
            return store.add(family_id, wrapped)

    mine = Keyring(KEY, Late()).ensure_key(family_id)
    theirs = Keyring(KEY, store).sealer(family_id)
    assert theirs is not None
    nonce = b"\0" * 12
    assert mine.decrypt(nonce, theirs.encrypt(nonce, b"Kari", None), None) == b"Kari"


def test_ensure_key_refuses_an_erased_family_and_makes_it_no_new_key() -> None:
    keyring = Keyring(KEY, CountingKeyStore())
    family_id = WITH_PERSONAL.originator_id
    keyring.ensure_key(family_id)
    keyring.erase(_erasure(family_id))
    with pytest.raises(FamilyErasedError) as caught:
        keyring.ensure_key(family_id)
    assert str(caught.value) == (
        f"family {family_id}'s personal data was erased on 2100-01-02 by "
        "another-process: nothing more can be recorded for it"
    )
    assert keyring.sealer(family_id) is None
    assert cast(CountingKeyStore, keyring.store).added == [family_id]


# ----------------------------------------------------------------- the mapper


def test_the_mapper_refuses_personal_data_of_a_family_without_a_key() -> None:
    mapper, keyring = _keyed_mapper()
    with pytest.raises(ConfigurationError, match="ensure_key") as caught:
        mapper.to_stored_event(WITH_PERSONAL)
    assert f"family {WITH_PERSONAL.originator_id}" in str(caught.value)
    assert "never stored in the clear" in str(caught.value)
    with pytest.raises(ConfigurationError, match="ensure_key"):
        mapper.to_chained_stored_event(WITH_PERSONAL, "")
    assert not keyring.store.holds_keys()  # no key was made: nothing was written


def test_the_mapper_leaves_the_key_store_alone_for_an_event_without_personal_data() -> (
    None
):
    assert not list(personal_values(WITHOUT_PERSONAL))
    mapper, keyring = _keyed_mapper()
    stored = mapper.to_stored_event(WITHOUT_PERSONAL)
    assert SEALED.encode() not in stored.state
    assert mapper.to_domain_event(stored) == WITHOUT_PERSONAL
    assert not keyring.store.holds_keys()


def test_the_mapper_refuses_personal_data_of_an_erased_family() -> None:
    mapper, keyring = _keyed_mapper()
    family_id = WITH_PERSONAL.originator_id
    keyring.ensure_key(family_id)
    keyring.erase(_erasure(family_id))
    with pytest.raises(FamilyErasedError, match="erased on 2100-01-02"):
        mapper.to_stored_event(WITH_PERSONAL)


def test_with_a_key_the_mapper_seals_everything_and_adds_no_key() -> None:
    mapper, keyring = _keyed_mapper()
    family_id = WITH_PERSONAL.originator_id
    keyring.ensure_key(family_id)
    for event in EXAMPLES.values():
        stored = mapper.to_stored_event(event)
        assert not mapper.holds_clear_personal_data(stored)
        assert (SEALED.encode() in stored.state) == any(
            v is not None for v in personal_values(event)
        )
        assert mapper.to_domain_event(stored) == event
    assert cast(CountingKeyStore, keyring.store).added == [family_id]


# ----------------------------------------------------------------- the engine


def test_the_engine_makes_the_key_before_the_familys_events_are_mapped(
    app: FamilyCoordination,
) -> None:
    engine, keyring = _engine(app)
    keyring.store = CountingKeyStore()
    mapper = cast(CattrsMapper, engine.mapper)
    mapping = mapper.to_chained_stored_event
    keyed_when_mapped: list[bool] = []

    def watched(event: Any, prev: str) -> Any:
        row = keyring.store.get(event.originator_id)
        keyed_when_mapped.append(row is not None and row.wrapped is not None)
        return mapping(event, prev)

    mapper.to_chained_stored_event = watched  # type: ignore[method-assign]
    family = EnrolledFamily(app)
    _add_member(app, family.id)
    assert keyed_when_mapped
    assert all(keyed_when_mapped)
    assert cast(CountingKeyStore, keyring.store).added == [family.id]


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_a_family_erased_in_the_key_store_between_check_and_save_stores_nothing(
    backend: str, tmp_path: Path
) -> None:
    store = "memory" if backend == "memory" else str(tmp_path / "store.db")
    app = FamilyCoordination(store, master_key=KEY, clock=FixedClock())
    try:
        engine, keyring = _engine(app)
        family = EnrolledFamily(app)
        if backend == "memory":
            # No other process and no database guard in memory: the engine's
            # look at the key store before the save is what refuses.
            keyring.cache_seconds = 0
        version, position = family.version, engine.position()
        saving = engine.save

        def erase_then_save(*objs: Any, **kwargs: Any) -> Any:
            # Directly in the key store, as another process would: this
            # process's keyring is not told.
            keyring.store.erase(_erasure(family.id))
            return saving(*objs, **kwargs)

        engine.save = erase_then_save  # type: ignore[method-assign]
        with pytest.raises(FamilyErasedError, match="erased"):
            _add_member(app, family.id)
        engine.save = saving  # type: ignore[method-assign]
        assert engine.position() == position
        assert [e.originator_version for e in engine.events.get(family.id)] == list(
            range(1, version + 1)
        )
        row = keyring.store.get(family.id)
        assert row is not None
        assert row.wrapped is None  # no new key either
    finally:
        app.close()


def test_a_snapshot_of_a_family_stored_before_encryption_gets_its_key(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "store.db")
    clock = FixedClock()
    clear = FamilyCoordination(path, encryption=False, clock=clock)
    family = EnrolledFamily(clear)
    clear.close()
    app = FamilyCoordination(path, master_key=KEY, clock=clock)
    try:
        engine, keyring = _engine(app)
        assert keyring.store.get(family.id) is None
        engine.take_snapshot(family.id)
        row = keyring.store.get(family.id)
        assert row is not None
        assert row.wrapped is not None
        assert engine.snapshots is not None
        (snapshot,) = engine.snapshots.recorder.select_events(family.id)
        assert SEALED.encode() in snapshot.state
        assert b"Kari Hansen" not in snapshot.state
    finally:
        app.close()


def test_a_snapshot_of_an_erased_family_is_refused(app: FamilyCoordination) -> None:
    engine, _ = _engine(app)
    family = EnrolledFamily(app)
    app.erase(family.id, actor=LEAD)
    assert engine.snapshots is not None
    before = list(engine.snapshots.recorder.select_events(family.id))
    with pytest.raises(FamilyErasedError):
        engine.take_snapshot(family.id)
    assert list(engine.snapshots.recorder.select_events(family.id)) == before


def test_the_engine_takes_its_snapshots_itself_from_the_saved_family() -> None:
    assert "_take_snapshots" not in vars(Engine)  # eventsourcing's private hook
    app = FamilyCoordination(
        "memory", master_key=KEY, clock=FixedClock(), snapshot_interval=2
    )
    try:
        engine, _ = _engine(app)
        assert not engine.snapshotting_intervals  # eventsourcing snapshots nothing
        family = EnrolledFamily(app)
        _add_member(app, family.id)
        assert engine.snapshots is not None
        snapshots = list(engine.snapshots.get(family.id))
        versions = [s.originator_version for s in snapshots]
        assert versions == list(range(2, family.version + 1, 2))
        history = app.family_history(family.id, actor=LEAD)
        for snapshot in snapshots:  # each the family as its events give it
            replayed = None
            for event in history[: snapshot.originator_version]:
                replayed = event.mutate(replayed)
            assert vars(snapshot.mutate(None)) == vars(replayed)
    finally:
        app.close()
