"""The views: incremental equals rebuild, and they agree with the families."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from familiekoordinering import FamilyCoordination, StepStatus
from familiekoordinering.demo import DemoClock, build_demo
from familiekoordinering.views import InMemoryViewStore, ViewProjector, ViewsBehindError
from familiekoordinering.views.store import ViewStore
from tests.conftest import LEAD, EnrolledFamily

pytestmark = pytest.mark.application


def all_documents(store: ViewStore) -> dict[str, object]:
    generation = store.active_generation()
    return {d["family_id"]: d for d in store.families(generation)}


@settings(max_examples=25, deadline=None)
@given(
    seeds=st.lists(st.integers(0, 10_000), min_size=1, max_size=3, unique=True),
    batch_sizes=st.lists(st.integers(1, 300), min_size=1, max_size=4),
    families=st.integers(1, 3),
    years=st.integers(1, 3),
)
def test_folding_in_any_batches_as_events_arrive_equals_a_rebuild_from_zero(
    seeds: list[int], batch_sizes: list[int], families: int, years: int
) -> None:
    clock = DemoClock()
    app = FamilyCoordination("memory", clock=clock)
    incremental = InMemoryViewStore()
    for n, seed in enumerate(seeds):
        build_demo(app, clock, families=families, years=years, seed=seed)
        ViewProjector(
            app._engine.ports,
            incremental,
            payload=app._engine.mapper.view_payload,
            batch_size=batch_sizes[n % len(batch_sizes)],
        ).catch_up()
    rebuilt = InMemoryViewStore()
    ViewProjector(
        app._engine.ports,
        rebuilt,
        payload=app._engine.mapper.view_payload,
        batch_size=10_000,
    ).rebuild()
    assert all_documents(incremental) == all_documents(rebuilt)
    assert incremental.position(incremental.active_generation()) == app.position()


def test_the_views_agree_with_the_families_they_come_from() -> None:
    clock = DemoClock()
    app = FamilyCoordination("memory", clock=clock)
    report = build_demo(app, clock, families=6, years=4, seed=11)
    app.views.catch_up()
    for family_id in report.family_ids:
        family = app.family_at(family_id, actor=LEAD)
        doc = app.views.document(family_id, actor=LEAD)
        assert doc["label"] == family.label
        assert doc["planned_end_on"] == family.planned_end_on.isoformat()
        assert doc["coordinator"]["name"] == family.coordinator.name  # type: ignore[union-attr]
        assert {str(m): v.name for m, v in family.members.items()} == {
            m: v["name"] for m, v in doc["members"].items()
        }
        assert {str(g): v.status.value for g, v in family.goals.items()} == {
            g: v["status"] for g, v in doc["goals"].items()
        }
        assert sum(
            s.status is StepStatus.COMPLETED for s in family.steps.values()
        ) == sum(s["status"] == "completed" for s in doc["steps"].values())
        assert {
            str(c): (w.withdrawn_on.isoformat()) for c, w in family.withdrawals.items()
        } == {
            c: v["withdrawn_on"]
            for c, v in doc["consents"].items()
            if v["withdrawn_on"]
        }
        assert sorted(str(a.action_id) for a in family.open_notifications()) == sorted(
            doc["notices"]
        )
        assert doc["contacts"] == sum(
            1 for a in family.outward_actions.values() if not a.legal_basis
        )
        assert len(doc["surveys"]) == len(family.surveys)
        assert (doc["ended"] is None) == (family.ended is None)


def test_read_your_writes_waits_for_the_position_of_a_command(tmp_path: Path) -> None:
    clock = DemoClock()
    app = FamilyCoordination(tmp_path / "store.db", clock=clock, encryption=False)
    report = build_demo(app, clock, families=1, years=1, seed=2)
    with pytest.raises(ViewsBehindError, match="is a projection worker running"):
        app.views.plan(
            report.family_ids[0], wait_for=app.position(), timeout=0.2, actor=LEAD
        )
    plan = app.views.plan(
        report.family_ids[0], catch_up=True, wait_for=app.position(), actor=LEAD
    )
    assert plan["label"]


def test_a_rebuild_switches_only_when_caught_up_and_queries_keep_working(
    tmp_path: Path,
) -> None:
    clock = DemoClock()
    app = FamilyCoordination(tmp_path / "store.db", clock=clock, encryption=False)
    report = build_demo(app, clock, families=3, years=2, seed=4)
    app.views.catch_up()
    before = app.views.caseload(on=date(2022, 6, 1), actor=LEAD)
    seen: list[tuple[int, int]] = []

    def progress(position: int, head: int) -> None:
        # Mid-rebuild, queries still read the old generation, whole.
        assert app.views.caseload(on=date(2022, 6, 1), actor=LEAD) == before
        seen.append((position, head))

    app.views.rebuild_batch_size = 25
    old = app.views.status().generation
    app.views.rebuild(progress=progress)
    assert len(seen) > 2
    assert app.views.status().generation > old
    assert app.views.caseload(on=date(2022, 6, 1), actor=LEAD) == before
    assert len(report.family_ids) == len(before)


def test_an_event_the_views_cannot_read_stops_them_naming_family_and_position() -> None:
    from eventsourcing.persistence import StoredEvent

    from familiekoordinering import Family
    from familiekoordinering.views import UnreadableEventError

    clock = DemoClock()
    app = FamilyCoordination("memory", clock=clock)
    report = build_demo(app, clock, families=1, years=1, seed=1)
    family_id = report.family_ids[0]
    version = app.get_family(family_id, actor=LEAD).version
    app._engine.recorder.insert_events(
        [
            StoredEvent(
                family_id, version + 1, Family.GoalSet.TOPIC, b'{"occurred_on": "2021-0'
            )
        ]
    )
    with pytest.raises(
        UnreadableEventError, match=f"event {version + 1} of family {family_id}"
    ):
        app.views.catch_up()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_batch_another_process_folded_first_is_passed_over_not_raised(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    store = (
        str(tmp_path / "store.db")
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    first = FamilyCoordination(store, encryption=False)
    second = FamilyCoordination(store, encryption=False)
    family = EnrolledFamily(first)
    views = first.views._projector.store
    commit = views.commit
    raced = []

    def after_the_other(*args: object) -> None:
        if not raced:  # the other process catches up between our read and commit
            raced.append(second.views.catch_up())
        commit(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(views, "commit", after_the_other)
    first.views.catch_up()  # its first commit conflicts: passed over, not raised
    assert raced
    assert raced[0] > 0
    assert first.views.status().behind == 0
    assert first.views.plan(family.id, actor=LEAD)["label"] == "Hansen"
