"""A programme's caseload is checked on assignment: refused, or overridden on the record."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest

from familiekoordinering import (
    Actor,
    Eligibility,
    EndReason,
    Family,
    FamilyCoordination,
    Jurisdiction,
    Municipality,
    Programme,
    ProgrammeKind,
    ReferralSource,
    Role,
    new_master_key,
)
from familiekoordinering.domain.values import FamilyId
from familiekoordinering.errors import InvalidInputError, RuleViolationError
from tests.conftest import FixedClock

pytestmark = pytest.mark.application

ON = date(2026, 2, 2)
LEAD = Actor("t-holm", Role.TEAM_LEAD, Municipality("153"))
PILOT = Programme(
    kind=ProgrammeKind.CUSTOM, name="Pilot", jurisdiction=Jurisdiction.DENMARK,
    duration_months=12, survey_interval_months=12, max_caseload=2,
)  # fmt: skip


def _family(app: FamilyCoordination, programme: Programme = PILOT,
            lead: Actor = LEAD) -> FamilyId:  # fmt: skip
    return app.enrol_family(
        municipality=lead.municipality, label="Jensen", programme=programme,
        referral=ReferralSource.NAV, eligibility=Eligibility(210_000, 330_000, 3),
        occurred_on=ON, actor=lead,
    )  # fmt: skip


def _assign(app: FamilyCoordination, family_id: FamilyId, *, lead: Actor = LEAD,
            over_caseload: str | None = None, coordinator: str = "m-lund") -> None:  # fmt: skip
    app.assign_coordinator(family_id, coordinator_id=coordinator,
                           coordinator_name="Maja Lund", occurred_on=ON, actor=lead,
                           over_caseload=over_caseload)  # fmt: skip


def _stored(app: FamilyCoordination) -> int:
    return len(app._engine.recorder.select_notifications(start=1, limit=100_000))


@pytest.fixture
def app() -> FamilyCoordination:
    return FamilyCoordination(clock=FixedClock())


def test_a_coordinator_at_the_caseload_is_refused_a_family_and_nothing_is_stored(
    app: FamilyCoordination,
) -> None:
    for _ in range(2):
        _assign(app, _family(app))
    third = _family(app)
    before = _stored(app)
    with pytest.raises(RuleViolationError, match="already follows 2 families"):
        _assign(app, third)
    assert _stored(app) == before
    assert app.get_family(third, actor=LEAD).coordinator is None


def test_an_override_says_why_and_stands_on_the_family_s_record(
    app: FamilyCoordination,
) -> None:
    for _ in range(2):
        _assign(app, _family(app))
    third = _family(app)
    _assign(app, third, over_caseload="Agreed with Tine Holm until March")
    events = app.family_history(third, actor=LEAD)
    assert [type(e).__name__ for e in events[-2:]] == [
        "CoordinatorAssigned",
        "CaseloadExceeded",
    ]
    over = events[-1]
    assert isinstance(over, Family.CaseloadExceeded)
    assert (over.coordinator_id, over.families, over.limit) == ("m-lund", 2, 2)
    assert over.reason == "Agreed with Tine Holm until March"
    text = app.timeline(third, actor=LEAD, language="da").entries[-1].what
    assert "ud over programmets grænse på 2 familier" in text
    assert "Agreed with Tine Holm until March" in text


def test_an_override_below_the_caseload_or_without_one_is_refused(
    app: FamilyCoordination,
) -> None:
    first = _family(app)
    with pytest.raises(
        InvalidInputError, match="fewer than the programme's caseload of 2"
    ):
        _assign(app, first, over_caseload="Just in case")
    norwegian = Actor("t-lead", Role.TEAM_LEAD, Municipality("4204"))
    other = _family(app, Programme.nye_monstre(), norwegian)
    with pytest.raises(InvalidInputError, match="sets no caseload"):
        _assign(app, other, lead=norwegian, over_caseload="Just in case")


def test_ended_families_and_other_coordinators_families_do_not_count(
    app: FamilyCoordination,
) -> None:
    first, second = _family(app), _family(app)
    _assign(app, first)
    _assign(app, second)
    app.end_follow_up(first, reason=EndReason.COMPLETED, occurred_on=ON, actor=LEAD)
    _assign(app, _family(app))  # one ended: two active, with this one
    _assign(app, _family(app), coordinator="o-berg")


def test_another_municipality_s_families_do_not_count(app: FamilyCoordination) -> None:
    elsewhere = Actor("t-lead", Role.TEAM_LEAD, Municipality("101"))
    for _ in range(2):
        _assign(app, _family(app, lead=elsewhere), lead=elsewhere)
    _assign(app, _family(app))


def test_a_handover_counts_against_the_new_coordinator(app: FamilyCoordination) -> None:
    for _ in range(2):
        _assign(app, _family(app))
    family = _family(app)
    _assign(app, family, coordinator="o-berg")
    with pytest.raises(RuleViolationError, match="already follows 2 families"):
        _assign(app, family)


def test_an_erased_family_holds_no_place_in_the_caseload() -> None:
    app = FamilyCoordination(clock=FixedClock(), master_key=new_master_key())
    first, second = _family(app), _family(app)
    _assign(app, first)
    _assign(app, second)
    app.erase(first, actor=LEAD)
    _assign(app, _family(app))


# ------------------------------------------------ two processes, one coordinator


def _interleaved(other: FamilyCoordination, family_id: FamilyId,
                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Let ``other`` assign ``family_id`` to m-lund after the next count, before its save."""
    state = {"first": True}
    handle = Family.handle

    def interfered(family: Family, command: object, **kwargs: object) -> object:
        if state["first"] and "caseload" in kwargs:
            state["first"] = False
            _assign(other, family_id)
        return handle(family, command, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Family, "handle", interfered)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_processes_cannot_both_take_the_last_place(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    store = (
        str(tmp_path / "store.db")
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    first = FamilyCoordination(store, cache_size=0, encryption=False)
    second = FamilyCoordination(store, cache_size=0, encryption=False)
    one, two, three = (_family(first) for _ in range(3))
    _assign(first, one)  # m-lund follows one; the caseload is 2
    # The first process counts one family and is about to take on a second;
    # meanwhile the second process takes on a second too. The first one's save
    # conflicts on m-lund's caseload, runs again, counts two: refused.
    _interleaved(second, three, monkeypatch)
    with pytest.raises(RuleViolationError, match="already follows 2 families"):
        _assign(first, two)
    assert set(first.views.active_family_ids_of("m-lund", "153", excluding=uuid4())) == {
        one, three,
    }  # fmt: skip
    assert not first.get_family(two, actor=LEAD).coordinators
    # Every caseload event is chained with the rest: the store's audit verifies.
    auditor = Actor("r-revisor", Role.AUDITOR, Municipality("153"))
    assert first.audit(on=ON, actor=auditor).breaks == ()


RACER = """
import sys
from datetime import date
from uuid import UUID
from familiekoordinering import Actor, FamilyCoordination, Municipality, Role
from familiekoordinering.errors import RuleViolationError
store, family_id, ready, go = sys.argv[1], UUID(sys.argv[2]), sys.argv[3], sys.argv[4]
app = FamilyCoordination(store, encryption=False)
app.views.catch_up()
open(ready, "w").close()
import os, time
while not os.path.exists(go):
    time.sleep(0.001)
try:
    app.assign_coordinator(family_id, coordinator_id="m-lund", coordinator_name="Maja Lund",
                           occurred_on=date(2026, 2, 2),
                           actor=Actor("t-holm", Role.TEAM_LEAD, Municipality("153")))
    print("assigned")
except RuleViolationError:
    print("refused")
"""


def test_four_processes_racing_for_two_places_fill_exactly_two(tmp_path: Path) -> None:
    store = str(tmp_path / "store.db")
    app = FamilyCoordination(store, encryption=False)
    families = [_family(app) for _ in range(4)]
    go = tmp_path / "go"
    racers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                RACER,
                store,
                str(f),
                str(tmp_path / f"ready{i}"),
                str(go),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, f in enumerate(families)
    ]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready{i}").exists() for i in range(4)):
        for racer in racers:
            assert racer.poll() is None, racer.communicate()[1]  # died starting
        assert time.monotonic() < deadline, "the racers did not start"
        time.sleep(0.01)
    go.touch()
    said = []
    for racer in racers:
        out, err = racer.communicate(timeout=120)
        assert racer.returncode == 0, err
        said.append(out.strip())
    assert sorted(said) == ["assigned", "assigned", "refused", "refused"]
    assert len(app.views.active_family_ids_of("m-lund", "153", excluding=uuid4())) == 2


@pytest.mark.parametrize("replaced_by", ["first catch-up", "rebuild"])
def test_a_catch_up_whose_generation_another_process_replaced_goes_on_in_the_new_one(
    tmp_path: Path, replaced_by: str
) -> None:
    """Found by the four racing processes: two processes' first catch-ups each
    made a generation, the second dropped the first's, and the first failed with
    "generation 1 does not exist". Here the other process steps in between the
    first's choice of generation and its first batch."""
    store = str(tmp_path / "store.db")
    app = FamilyCoordination(store, encryption=False)
    family_id = _family(app)
    other = FamilyCoordination(store, encryption=False)
    projector = app.views._projector
    read = projector._read
    stepped_in: list[int] = []

    def interleaved(start: int, limit: int) -> object:
        if not stepped_in:
            stepped_in.append(projector.store.active_generation())
            if replaced_by == "rebuild":
                other.views.rebuild()
            else:  # another process that saw no active generation either
                other.views._projector.store.activate(
                    other.views._projector.store.new_generation()
                )
        return read(start, limit)

    projector._read = interleaved  # type: ignore[method-assign]
    app.views.catch_up()
    assert stepped_in == [1]
    assert projector.store.active_generation() == 2
    assert projector.store.position(2) == projector.head() > 0
    assert app.views.plan(family_id, actor=LEAD)["label"]
    other.close()
    app.close()
