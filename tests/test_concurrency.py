"""Two writers on one family: a lost race stores nothing and the command runs again."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from familiekoordinering import (
    ConcurrentChangeError,
    Family,
    FamilyCoordination,
    Topic,
)
from tests.conftest import AUDITOR, COORDINATOR, LEAD, START, EnrolledFamily

pytestmark = pytest.mark.slow


def interfering(
    other: FamilyCoordination, family_id: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Make the next command, the first time it runs, let another writer in before it saves."""
    state = {"first": True}
    handle = Family.handle

    def interfered(family: Family, command: Any, *, recorded_at: Any) -> object:
        if state["first"]:
            state["first"] = False
            other.set_goal(family_id, area=Topic.WORK, words="Jobb", occurred_on=START,  # type: ignore[arg-type]
                           actor=COORDINATOR)  # fmt: skip
        return handle(family, command, recorded_at=recorded_at)

    monkeypatch.setattr(Family, "handle", interfered)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_command_that_loses_a_race_runs_again_on_the_newer_family(
    backend: str,
    tmp_path: object,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = (
        str(tmp_path / "store.db")  # type: ignore[operator]
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    first = FamilyCoordination(store, cache_size=0, encryption=False)
    second = FamilyCoordination(store, cache_size=0, encryption=False)
    family = EnrolledFamily(first)
    before = family.version
    interfering(second, family.id, monkeypatch)
    first.set_goal(family.id, area=Topic.HOUSING, words="Bolig", occurred_on=START,
                   actor=COORDINATOR)  # fmt: skip
    history = first.family_history(family.id, actor=LEAD)
    assert len(history) == before + 2
    assert [e.originator_version for e in history] == list(range(1, before + 3))

    strict = FamilyCoordination(store, cache_size=0, retries=0, encryption=False)
    interfering(second, family.id, monkeypatch)
    with pytest.raises(ConcurrentChangeError, match="nothing was stored"):
        strict.set_goal(family.id, area=Topic.HOUSING, words="Bolig",
                        occurred_on=START, actor=COORDINATOR)  # fmt: skip
    assert (
        len(first.family_history(family.id, actor=LEAD)) == before + 3
    )  # only the other writer's


WRITER = """
import sys
from datetime import date, timedelta
from uuid import UUID
from familiekoordinering import *
from familiekoordinering import Actor, Role, Municipality
COORDINATOR = Actor('k-lund', Role.COORDINATOR, Municipality('4204'))
store, family_id, n, tag = sys.argv[1], UUID(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
app = FamilyCoordination(store, retries=50, settings={"CREATE_TABLE": "n"})
for i in range(n):
    app.record_contact(
        family_id, agency=Agency(AgencyKind.NAV), topics=[Topic.ECONOMY],
        member_ids=[MemberId(UUID(sys.argv[5]))], purpose=f"{tag} {i}", channel=Channel.PHONE,
        family_knows=FamilyKnows.present(), occurred_on=date(2026, 2, 1) + timedelta(days=i % 20),
        actor=COORDINATOR,
    )
print("done", tag)
"""


def test_two_writer_processes_on_one_postgresql_family_lose_and_duplicate_nothing(
    postgres_url: str,
) -> None:
    app = FamilyCoordination(postgres_url, encryption=False)
    family = EnrolledFamily(app)
    before = family.version
    n = 40
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                postgres_url,
                str(family.id),
                str(n),
                tag,
                str(family.kari),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("A", "B")
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    history = app.family_history(family.id, actor=LEAD)
    assert [e.originator_version for e in history] == list(range(1, before + 2 * n + 1))
    purposes = [e.purpose for e in history if isinstance(e, Family.AgencyContacted)]
    assert sorted(purposes) == sorted(f"{tag} {i}" for tag in "AB" for i in range(n))
    assert (
        len({e.action_id for e in history if isinstance(e, Family.AgencyContacted)})
        == 2 * n
    )
    # Two processes chained onto one family: each lost race was retried on the
    # newer head, so the whole chain verifies.
    assert app.audit(family.id, on=START, actor=AUDITOR).breaks == ()
    assert app.audit(on=START, actor=AUDITOR).breaks == ()
