"""The SQLite adapter: a real file, WAL mode, reopened stores, large saves, bad files."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from familiekoordinering import (
    Agency,
    AgencyKind,
    Channel,
    ConfigurationError,
    ConsentForm,
    ConsentScope,
    Eligibility,
    Family,
    FamilyCoordination,
    FamilyKnows,
    MemberKind,
    OutwardActionKind,
    Programme,
    ReferralSource,
    Topic,
)
from tests.conftest import COORDINATOR, KOMMUNE, LEAD, START, EnrolledFamily


def test_a_store_path_selects_the_sqlite_adapter_through_eventsourcing(
    tmp_path: Path,
) -> None:
    import familiekoordinering_sqlite

    app = FamilyCoordination(tmp_path / "store.db")
    assert isinstance(app.factory, familiekoordinering_sqlite.Factory)
    assert app.env.get("PERSISTENCE_MODULE") == "familiekoordinering_sqlite"


def test_events_survive_closing_and_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    app = FamilyCoordination(path)
    family = EnrolledFamily(app)
    expected = vars(app.get_family(family.id))
    app.close()
    reopened = FamilyCoordination(path)
    assert vars(reopened.get_family(family.id)) == expected
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        topics = [
            row[0]
            for row in db.execute("SELECT topic FROM stored_events ORDER BY rowid")
        ]
    assert topics[0] == "familiekoordinering:Family.Enrolled"


def test_a_file_that_is_not_sqlite_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are not the droids")
    with pytest.raises(ConfigurationError, match=r"cannot use '.*notes.db' as a store"):
        FamilyCoordination(path)


def test_a_large_history_saves_and_loads_in_one_transaction(tmp_path: Path) -> None:
    """Importing a family's history: 1,500 events in one save."""
    app = FamilyCoordination(tmp_path / "store.db", snapshot_interval=None)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    family = Family.enrol(
        family_id=uuid4(), municipality=KOMMUNE, label="Import",
        programme=Programme.nye_monstre(), referral=ReferralSource.NAV,
        eligibility=Eligibility(1, 2, 3), occurred_on=START, actor=LEAD, recorded_at=now,
    )  # fmt: skip
    kari = uuid4()
    family.add_member(
        member_id=kari, name="Kari", birth_date=date(1990, 1, 1), kind=MemberKind.ADULT,
        occurred_on=START, actor=COORDINATOR, recorded_at=now,
    )  # fmt: skip
    family.grant_consent(
        consent_id=uuid4(), given_by=[kari], form=ConsentForm.WRITTEN, purpose="p",
        scope=ConsentScope(Agency(AgencyKind.NAV), frozenset({Topic.WORK}), frozenset({kari})),
        occurred_on=START, actor=COORDINATOR, recorded_at=now,
    )  # fmt: skip
    for n in range(1_497):
        family.record_outward_action(
            action_id=uuid4(), kind=OutwardActionKind.CONTACT,
            agency=Agency(AgencyKind.NAV), topics=[Topic.WORK], member_ids=[kari],
            purpose=f"contact {n}", channel=Channel.PHONE, family_knows=FamilyKnows.present(),
            occurred_on=START + timedelta(days=n % 365), actor=COORDINATOR, recorded_at=now,
        )  # fmt: skip
    app.save(family)
    loaded = app.get_family(family.id)
    assert loaded.version == 1_500
    assert len(loaded.outward_actions) == 1_497
