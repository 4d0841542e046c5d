"""The application and its views on PostgreSQL: the same behaviour as on every backend."""

from __future__ import annotations

from datetime import date

import pytest

from familiekoordinering import (
    ConfigurationError,
    FamilyCoordination,
)
from familiekoordinering.demo import DemoClock, build_demo
from familiekoordinering.store import store_settings
from familiekoordinering.views import InMemoryViewStore, ViewProjector


def test_a_postgresql_url_selects_the_adapter_with_its_settings() -> None:
    settings = store_settings(
        "postgresql://kari:s%40cret@db.example:6543/families?schema=k4204"
    )
    assert settings["PERSISTENCE_MODULE"] == "familiekoordinering_postgres"
    assert settings["POSTGRES_USER"] == "kari"
    assert settings["POSTGRES_PASSWORD"] == "s@cret"
    assert settings["POSTGRES_HOST"] == "db.example"
    assert settings["POSTGRES_PORT"] == "6543"
    assert settings["POSTGRES_DBNAME"] == "families"
    assert settings["POSTGRES_SCHEMA"] == "k4204"
    with pytest.raises(ConfigurationError, match="needs a user, a host and a database"):
        store_settings("postgresql://db.example")


def test_a_demo_programme_is_stored_replayed_and_viewed_on_postgresql(
    postgres_url: str,
) -> None:
    clock = DemoClock()
    app = FamilyCoordination(postgres_url, clock=clock)
    report = build_demo(app, clock, families=3, years=2, seed=6)
    again = FamilyCoordination(postgres_url, cache_size=0)
    for family_id in report.family_ids:
        assert vars(again.get_family(family_id)) == vars(app.get_family(family_id))
    assert again.audit(on=date(2026, 1, 1)).violations == ()
    app.views.catch_up()
    expected = InMemoryViewStore()
    ViewProjector(app, expected).rebuild()
    generation = app.views.store.active_generation()
    assert app.views.store.families(generation) == expected.families(
        expected.active_generation()
    )
    assert app.views.caseload(on=date(2022, 3, 1))
    app.views.rebuild()
    assert app.views.store.families(
        app.views.store.active_generation()
    ) == expected.families(expected.active_generation())
    app.close()
    again.close()


def test_a_large_history_saves_in_one_go_without_hanging(postgres_url: str) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    from bench.fixtures import build_history

    app = FamilyCoordination(postgres_url, snapshot_interval=None)
    family = build_history(1500)
    app.save(family)
    assert app.get_family(family.id).version == 1500
    app.close()
