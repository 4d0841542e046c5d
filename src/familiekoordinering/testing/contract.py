"""The contract every storage backend passes: subclass it in the backend's tests.

::

    class TestMyBackend(StoreContract):
        def location(self, tmp_path):
            return "postgresql://…/a_fresh_database"

``location`` gives what :class:`~familiekoordinering.FamilyCoordination` takes
as its store (``"memory"``, an SQLite path, a ``postgresql://`` URL), fresh and
empty for each test. The contract runs the same programme on the backend and
in memory and requires the same stored events, the same families after
reopening the store, the same views, and the library's guarantees: a stale
save stores nothing, a thousand events save at once, notifications number
every event once and in order, and a clean store passes its audit. What passes
on one backend passes on all.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from familiekoordinering.application import FamilyCoordination
from familiekoordinering.demo import DemoClock, build_demo
from familiekoordinering.domain.commands import SetGoal
from familiekoordinering.domain.values import Actor, GoalId, Municipality, Role, Topic
from familiekoordinering.integrity.ledger import LEDGER_TOPIC
from familiekoordinering.serialisation import CattrsMapper
from familiekoordinering.testing.commands import run
from familiekoordinering.testing.histories import ACTOR, build_history
from familiekoordinering.views import InMemoryViewStore, ViewProjector

__all__ = ["StoreContract"]

_SEED = 7

READER = Actor("contract-lead", Role.TEAM_LEAD, Municipality("4204"))
"""Who reads the families back in the contract (a team lead of their municipality)."""
AUDITOR = Actor("contract-auditor", Role.AUDITOR, Municipality("4204"))
"""Who audits the contract's store."""


def _stored(app: FamilyCoordination, family_id: UUID) -> list[tuple[int, str, bytes]]:
    return [
        (e.originator_version, e.topic, bytes(e.state))
        for e in app._engine.recorder.select_events(family_id)
    ]


class StoreContract:
    """Tests every storage backend must pass (in memory, SQLite, PostgreSQL, …)."""

    durable = True
    """False for a store that lives only as long as its application (memory)."""

    def location(self, tmp_path: Path) -> str:
        """A fresh, empty store for one test (override in the backend's test class)."""
        raise NotImplementedError

    @pytest.fixture
    def where(self, tmp_path: Path) -> str:
        """The store of this test."""
        return self.location(tmp_path)

    @pytest.fixture
    def programme(self, where: str) -> Iterator[tuple[FamilyCoordination, list[UUID]]]:
        """Two families followed for two years on the backend (the demo programme)."""
        clock = DemoClock()
        app = FamilyCoordination(where, clock=clock, encryption=False)
        report = build_demo(app, clock, families=2, years=2, seed=_SEED)
        yield app, list(report.family_ids)
        app.close()

    def reopen(self, where: str, app: FamilyCoordination) -> FamilyCoordination:
        """A second application on the same store (the same one for memory)."""
        if not self.durable:
            return app
        return FamilyCoordination(where, cache_size=0, encryption=False)

    @staticmethod
    def _reference() -> tuple[FamilyCoordination, list[UUID]]:
        clock = DemoClock()
        app = FamilyCoordination("memory", clock=clock)
        report = build_demo(app, clock, families=2, years=2, seed=_SEED)
        return app, list(report.family_ids)

    def test_the_same_commands_store_the_same_events_as_in_memory(
        self, programme: tuple[FamilyCoordination, list[UUID]]
    ) -> None:
        app, family_ids = programme
        reference, reference_ids = self._reference()
        assert family_ids == reference_ids
        for family_id in family_ids:
            assert _stored(app, family_id) == _stored(reference, family_id)

    def test_a_reopened_store_gives_every_family_back_as_it_was_saved(
        self, where: str, programme: tuple[FamilyCoordination, list[UUID]]
    ) -> None:
        # Compared with the same programme run on a separate in-memory
        # application: never with the application that saved (for the memory
        # store, ``reopen`` gives that one back, and it would equal itself).
        app, family_ids = programme
        reference, reference_ids = self._reference()
        again = self.reopen(where, app)
        try:
            assert [
                s.family_id for s in again.list_families(actor=READER)
            ] == reference_ids
            for family_id in family_ids:
                expected = vars(reference.get_family(family_id, actor=READER))
                assert vars(again.get_family(family_id, actor=READER)) == expected
                replayed = None
                for event in again.family_history(family_id, actor=READER):
                    replayed = event.mutate(replayed)
                assert vars(replayed) == expected
        finally:
            if again is not app:
                again.close()
            reference.close()

    def test_notifications_number_every_event_once_in_order(
        self, programme: tuple[FamilyCoordination, list[UUID]]
    ) -> None:
        app, family_ids = programme
        notifications = app._engine.recorder.select_notifications(
            start=1, limit=100_000
        )
        ids = [n.id for n in notifications]
        assert ids == sorted(set(ids))
        assert app.position() == ids[-1]
        total = sum(len(_stored(app, family_id)) for family_id in family_ids)
        ledger = [n for n in notifications if n.topic.startswith(LEDGER_TOPIC)]
        # The store's own ledger (its protection, declared when it was made).
        assert len(ids) == total + len(ledger)

    def test_the_views_are_those_folded_in_memory(
        self, programme: tuple[FamilyCoordination, list[UUID]]
    ) -> None:
        app, _ = programme
        app.views.catch_up()
        reference = InMemoryViewStore()
        engine = app._engine
        payload = cast(CattrsMapper, engine.mapper).view_payload
        ViewProjector(engine.ports, reference, payload=payload).rebuild()
        store = app.views._store
        expected = reference.families(reference.active_generation())
        assert store.families(store.active_generation()) == expected
        app.views.rebuild()
        assert store.families(store.active_generation()) == expected

    def test_a_stale_save_stores_nothing(self, where: str) -> None:
        app = FamilyCoordination(where, encryption=False)
        try:
            family = build_history(40)
            app._engine.save(family)
            last = app.family_history(family.id, actor=READER)[-1]
            stamp: dict[str, Any] = {
                "occurred_on": last.occurred_on,
                "actor": ACTOR,
                "recorded_at": last.timestamp + timedelta(minutes=1),
            }
            first, second = (
                app.get_family(family.id, actor=READER),
                app.get_family(family.id, actor=READER),
            )
            run(
                first,
                SetGoal,
                goal_id=GoalId(uuid4()),
                area=Topic.WORK,
                words="A",
                **stamp,
            )
            run(
                second,
                SetGoal,
                goal_id=GoalId(uuid4()),
                area=Topic.SCHOOL,
                words="B",
                **stamp,
            )
            app._engine.save(first)
            with pytest.raises(IntegrityError):
                app._engine.save(second)
            stored = _stored(app, family.id)
            assert len(stored) == 41
            assert app.get_family(family.id, actor=READER).goal_standing == (
                first.goal_standing
            )
        finally:
            app.close()

    def test_a_thousand_events_save_at_once_without_hanging(self, where: str) -> None:
        app = FamilyCoordination(where, snapshot_interval=None, encryption=False)
        family = build_history(1_200)
        saved = threading.Thread(target=app._engine.save, args=(family,), daemon=True)
        saved.start()
        saved.join(timeout=60)
        assert not saved.is_alive(), "saving 1,200 events at once hung"
        again = self.reopen(where, app)
        try:
            assert again.get_family(family.id, actor=READER).version == 1_200
            assert len(_stored(again, family.id)) == 1_200
        finally:
            if again is not app:
                again.close()
            app.close()

    def test_a_clean_store_passes_its_audit(
        self, programme: tuple[FamilyCoordination, list[UUID]]
    ) -> None:
        app, _ = programme
        assert app.audit(on=date(2026, 1, 1), actor=AUDITOR).violations == ()
