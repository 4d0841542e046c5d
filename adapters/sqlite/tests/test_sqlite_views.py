"""The SQLite view store passes the view-store contract, in a real file."""

from __future__ import annotations

from pathlib import Path

from familiekoordinering.testing.views import ViewStoreContract
from familiekoordinering.views import ViewStore
from familiekoordinering_sqlite import SQLiteViewStore


class TestSQLiteViewStore(ViewStoreContract):
    def make_store(self, tmp_path: Path) -> ViewStore:
        return SQLiteViewStore(str(tmp_path / "views.db"))


def test_the_fast_notification_reader_reads_what_eventsourcing_reads(
    tmp_path: Path,
) -> None:
    from familiekoordinering import FamilyCoordination
    from familiekoordinering.demo import DemoClock, build_demo

    clock = DemoClock()
    app = FamilyCoordination(tmp_path / "store.db", clock=clock)
    build_demo(app, clock, families=2, years=1, seed=3)
    fast = app.factory.select_notification_rows(1, 1000)  # type: ignore[attr-defined]
    slow = [
        (n.id, str(n.originator_id), n.originator_version, n.topic, n.state)
        for n in app.recorder.select_notifications(start=1, limit=1000)
    ]
    assert fast == slow
    assert app.factory.select_notification_rows(len(slow), 10) == slow[-1:]  # type: ignore[attr-defined]
