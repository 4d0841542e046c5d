"""Exactly once under SIGKILL: a real projection process killed mid-run, restarted.

The views count things (contacts per family, open notices) with increments, so
a batch applied twice, or half a batch, would show in the counts.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from uuid import UUID

import pytest

from familiekoordinering import FamilyCoordination
from familiekoordinering.demo import DemoClock, build_demo
from familiekoordinering.views import InMemoryViewStore, ViewProjector
from tests.conftest import LEAD

pytestmark = pytest.mark.slow

ROUNDS = int(os.environ.get("FAMILIEKOORDINERING_CRASH_ROUNDS", "6"))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "store.db"
    clock = DemoClock()
    app = FamilyCoordination(path, clock=clock, encryption=False)
    build_demo(app, clock, families=30, years=5, seed=5)
    app.close()
    return path


def projections(store: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "familiekoordinering", "--store", str(store), "projections",
         *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_projection_killed_mid_run_resumes_with_exact_counts(
    store: Path, tmp_path: Path, round_: int
) -> None:
    copy = tmp_path / "store.db"
    copy.write_bytes(store.read_bytes())
    rng = random.Random(round_)
    worker = projections(
        copy, "run", "--batch-size", str(rng.randint(3, 40)), "--poll", "0.05"
    )
    time.sleep(rng.uniform(0.3, 1.2))
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)

    app = FamilyCoordination(copy, encryption=False)
    status = app.views.status()
    assert 0 <= status.position <= status.head  # often mid-way; never past the head
    finished = projections(copy, "run", "--once")
    assert finished.wait(timeout=120) == 0

    expected = InMemoryViewStore()
    engine = app._engine
    ViewProjector(engine.ports, expected, payload=engine.mapper.view_payload).rebuild()
    generation = app.views._store.active_generation()
    assert app.views._store.position(generation) == app.position()
    got = {d["family_id"]: d for d in app.views._store.families(generation)}
    want = {d["family_id"]: d for d in expected.families(expected.active_generation())}
    assert got == want
    for family_id, doc in got.items():
        family = app.family_at(UUID(family_id), actor=LEAD)
        assert doc["contacts"] == sum(
            1 for a in family.outward_actions.values() if not a.legal_basis
        )
        assert len(doc["notices"]) == len(family.open_notifications())
    app.close()
