"""The SQLite adapter: a real file, WAL mode, reopened stores, large saves, bad files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from familiekoordinering import (
    ConfigurationError,
    FamilyCoordination,
)
from tests.conftest import LEAD, EnrolledFamily

pytestmark = pytest.mark.contract


def test_a_store_path_selects_the_sqlite_adapter_through_eventsourcing(
    tmp_path: Path,
) -> None:
    import familiekoordinering_sqlite

    app = FamilyCoordination(tmp_path / "store.db", encryption=False)
    assert isinstance(app._engine.factory, familiekoordinering_sqlite.Factory)
    assert app._engine.env.get("PERSISTENCE_MODULE") == "familiekoordinering_sqlite"


def test_events_survive_closing_and_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    app = FamilyCoordination(path, encryption=False)
    family = EnrolledFamily(app)
    expected = vars(app.get_family(family.id, actor=LEAD))
    app.close()
    reopened = FamilyCoordination(path, encryption=False)
    assert vars(reopened.get_family(family.id, actor=LEAD)) == expected
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        topics = [
            row[0]
            for row in db.execute("SELECT topic FROM stored_events ORDER BY rowid")
        ]
    assert topics[:3] == [  # the store's ledger declares its protection first
        "familiekoordinering:StoreLedger.Opened",
        "familiekoordinering:StoreLedger.ProtectionDeclared",
        "familiekoordinering:Family.Enrolled",
    ]


def test_a_file_that_is_not_sqlite_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are not the droids")
    with pytest.raises(ConfigurationError, match=r"cannot use '.*notes.db' as a store"):
        FamilyCoordination(path, encryption=False)
