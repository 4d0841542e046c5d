"""The SQLite view store passes the view-store contract, in a real file."""

from __future__ import annotations

from pathlib import Path

import pytest

from familiekoordinering.testing.views import ViewStoreContract
from familiekoordinering.views import ViewStore
from familiekoordinering_sqlite import SQLiteViewStore
from tests.conftest import LEAD

pytestmark = pytest.mark.contract


class TestSQLiteViewStore(ViewStoreContract):
    def make_store(self, tmp_path: Path) -> ViewStore:
        return SQLiteViewStore(str(tmp_path / "views.db"))


def test_the_fast_notification_reader_reads_what_eventsourcing_reads(
    tmp_path: Path,
) -> None:
    from familiekoordinering import FamilyCoordination
    from familiekoordinering.demo import DemoClock, build_demo

    clock = DemoClock()
    app = FamilyCoordination(tmp_path / "store.db", clock=clock, encryption=False)
    build_demo(app, clock, families=2, years=1, seed=3)
    fast = app._engine.factory.select_notification_rows(1, 1000)  # type: ignore[attr-defined]
    slow = [
        (n.id, str(n.originator_id), n.originator_version, n.topic, n.state)
        for n in app._engine.recorder.select_notifications(start=1, limit=1000)
    ]
    assert fast == slow
    assert app._engine.factory.select_notification_rows(len(slow), 10) == slow[-1:]  # type: ignore[attr-defined]


def test_a_rebuild_with_a_second_folding_process_equals_folding_in_one(
    tmp_path: Path,
) -> None:
    from familiekoordinering import FamilyCoordination
    from familiekoordinering.demo import DemoClock, build_demo
    from familiekoordinering.views import InMemoryViewStore, ViewProjector

    clock = DemoClock()
    app = FamilyCoordination(tmp_path / "store.db", clock=clock, encryption=False)
    build_demo(app, clock, families=5, years=3, seed=8)
    app.views.rebuild_batch_size = 17  # many batches down the pipe
    assert app.views.rebuild() == app.position()
    one_process = InMemoryViewStore()
    engine = app._engine
    ViewProjector(
        engine.ports, one_process, payload=engine.mapper.view_payload
    ).rebuild()
    generation = app.views._store.active_generation()
    assert app.views._store.position(generation) == app.position()
    assert app.views._store.families(generation) == one_process.families(
        one_process.active_generation()
    )


def test_an_unreadable_event_stops_a_parallel_rebuild_naming_it(tmp_path: Path) -> None:
    import pytest
    from eventsourcing.persistence import StoredEvent

    from familiekoordinering import Family, FamilyCoordination
    from familiekoordinering.demo import DemoClock, build_demo
    from familiekoordinering.views import UnreadableEventError

    clock = DemoClock()
    app = FamilyCoordination(tmp_path / "store.db", clock=clock, encryption=False)
    report = build_demo(app, clock, families=1, years=1, seed=1)
    family_id = report.family_ids[0]
    version = app.get_family(family_id, actor=LEAD).version
    app._engine.recorder.insert_events(
        [
            StoredEvent(
                family_id, version + 1, Family.GoalSet.TOPIC, b'{"occurred_on": "20'
            )
        ]
    )
    with pytest.raises(
        UnreadableEventError, match=f"event {version + 1} of family {family_id}"
    ):
        app.views.rebuild()
    assert app.views.status().generation == 0  # nothing switched
