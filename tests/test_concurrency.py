"""Two writers on one family: a lost race stores nothing and the command runs again."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from familiekoordinering import (
    Agency,
    AgencyKind,
    Channel,
    ConcurrentChangeError,
    Family,
    FamilyCoordination,
    FamilyKnows,
    Topic,
)
from familiekoordinering.integrity import split_chained
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


def test_threads_writing_at_once_keep_every_familys_chain(tmp_path: Path) -> None:
    """An app's threads share the heads of its families' chains, without a lock.

    Four threads record on one family (losing races and running again on the
    newer head), two more on families of their own; the heads they leave one
    another may name an older event, which only sends a write to the store to
    read the digest. Every contact is stored once and every chain verifies.
    """
    app = FamilyCoordination(tmp_path / "store.db", retries=200, encryption=False)
    shared, *own = (EnrolledFamily(app) for _ in range(3))
    before = shared.version
    n = 15
    failures: list[BaseException] = []

    def write(family: EnrolledFamily, tag: str) -> None:
        try:
            for i in range(n):
                app.record_contact(
                    family.id, agency=Agency(AgencyKind.NAV), topics=[Topic.ECONOMY],
                    member_ids=[family.kari], purpose=f"{tag} {i}",
                    channel=Channel.PHONE, family_knows=FamilyKnows.present(),
                    occurred_on=START + timedelta(days=2 + i), actor=COORDINATOR,
                )  # fmt: skip
        except BaseException as e:  # reported by the test, not lost in the thread
            failures.append(e)

    threads = [
        threading.Thread(target=write, args=(family, tag))
        for family, tag in [(shared, t) for t in "ABCD"]
        + list(zip(own, "EF", strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert failures == []
    history = app.family_history(shared.id, actor=LEAD)
    assert [e.originator_version for e in history] == list(range(1, before + 4 * n + 1))
    purposes = [e.purpose for e in history if isinstance(e, Family.AgencyContacted)]
    assert sorted(purposes) == sorted(f"{tag} {i}" for tag in "ABCD" for i in range(n))
    assert app.audit(on=START, actor=AUDITOR).breaks == ()
    app.close()


def test_a_head_naming_an_older_event_is_read_again_from_the_store(
    tmp_path: Path,
) -> None:
    """What a slower thread may leave in the shared heads is never chained onto.

    The heads keep one (version, digest) per family; an entry naming another
    version than the one a write follows (a thread that read the family
    before another wrote) sends the write to the store for the digest.
    """
    app = FamilyCoordination(tmp_path / "store.db", encryption=False)
    family = EnrolledFamily(app)
    engine = app._engine
    newest = family.version
    stored = engine.recorder.select_events(family.id)
    digests = [engine.mapper.digest_of(s) for s in stored]
    assert engine.heads.digest_at(family.id, newest) == digests[-1]
    engine.heads.remember(family.id, newest - 2, digests[-3])  # a slower thread's
    assert engine.heads.digest_at(family.id, newest) == digests[-1]  # from the store
    assert engine.heads.digest_at(family.id, newest - 1) == digests[-2]
    # Read from the store, an older event does not take the newest one's place.
    assert engine.heads._known[family.id.int] == (newest, digests[-1])
    assert len(list(engine.events.get(family.id, lte=newest - 3))) == newest - 3
    assert engine.heads._known[family.id.int] == (newest, digests[-1])
    engine.heads.remember(family.id, newest - 2, digests[-3])
    app.record_contact(
        family.id, agency=Agency(AgencyKind.NAV), topics=[Topic.ECONOMY],
        member_ids=[family.kari], purpose="Etter", channel=Channel.PHONE,
        family_knows=FamilyKnows.present(), occurred_on=START + timedelta(days=2),
        actor=COORDINATOR,
    )  # fmt: skip
    written = engine.recorder.select_events(family.id)[-1]
    assert split_chained(written.state) is not None
    assert split_chained(written.state).prev == digests[-1]  # type: ignore[union-attr]
    assert app.audit(on=START, actor=AUDITOR).breaks == ()
    app.close()
