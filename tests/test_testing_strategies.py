"""The strategies shipped for apps' property tests draw what they promise.

Every value strategy draws values its type's own checks accept; ids and
enumerations come out of :func:`strategy_for`; consent histories decide as
:func:`decide` does; the realistic histories under each programme profile are
built through the rules and replay, as stored, without the audit finding a rule
broken; and without hypothesis the modules say which extra to install. (That
every value class callers build has a strategy is checked beside the list of
them, in ``tests/test_values_validation.py``.)
"""

from __future__ import annotations

import enum
import importlib
import inspect
import re
import sys
import typing
from typing import Any
from uuid import UUID

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import familiekoordinering
from familiekoordinering import (
    Family,
    FamilyRecord,
    Jurisdiction,
    Programme,
    ProgrammeKind,
    decide,
)
from familiekoordinering.audit import FindingKind, audit_history
from familiekoordinering.testing import strategies
from familiekoordinering.testing.strategies import (
    HISTORY_START,
    VALUE_STRATEGIES,
    ConsentHistory,
    consent_histories,
    family_histories,
    proposed_actions,
    strategy_for,
)

pytestmark = pytest.mark.domain

FAST = settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
PROFILES = [Programme.nye_monstre(), Programme.brondby(), Programme.asker()]


@pytest.mark.parametrize(
    "tp", list(VALUE_STRATEGIES), ids=lambda t: getattr(t, "__name__", str(t))
)
@FAST
@given(data=st.data())
def test_each_value_strategy_draws_values_its_type_accepts(
    tp: Any, data: st.DataObject
) -> None:
    value = data.draw(strategy_for(tp))
    if isinstance(tp, type):
        assert isinstance(value, tp)
        attrs.validate(value)  # the field checks pass again on what was drawn
        assert attrs.evolve(value) == value  # and rebuilding it re-runs them all
    else:  # Municipality
        assert tp(value) == value


def _public(kind: type) -> list[Any]:
    found = []
    for name in familiekoordinering.__all__:
        obj = getattr(familiekoordinering, name)
        is_enum = inspect.isclass(obj) and issubclass(obj, enum.Enum)
        is_id = getattr(obj, "__supertype__", None) is UUID
        if (kind is enum.Enum and is_enum) or (kind is UUID and is_id):
            found.append(obj)
    return found


@pytest.mark.parametrize("tp", _public(UUID) + _public(enum.Enum), ids=str)
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_every_public_id_and_enumeration_has_a_strategy(
    tp: Any, data: st.DataObject
) -> None:
    value = data.draw(strategy_for(tp))
    assert isinstance(value, UUID if isinstance(tp, typing.NewType) else tp)


@settings(max_examples=10, deadline=None)
@given(strategy_for(tuple[familiekoordinering.Agency, ...] | None))
def test_type_hints_are_drawn_from_their_parts(value: Any) -> None:
    assert value is None or all(
        isinstance(a, familiekoordinering.Agency) for a in value
    )


@FAST
@given(history=consent_histories(), data=st.data())
def test_a_consent_history_decides_as_decide_does(
    history: ConsentHistory, data: st.DataObject
) -> None:
    action = data.draw(proposed_actions(history.members))
    members, consents, withdrawals, refusals = history
    expected = decide(
        consents,
        withdrawals,
        refusals,
        action,
        members=members,
        ages=familiekoordinering.ConsentAges.norway(),
    )
    decision = history.decide(action)
    assert decision == expected
    assert set(decision.consent_ids) <= {c.consent_id for c in consents}
    assert action.member_ids <= members.keys()


RULES_BROKEN = {
    FindingKind.UNCOVERED_ACTION,
    FindingKind.UNKNOWN_MEMBER,
    FindingKind.OUTSIDE_PROGRAMME_PERIOD,
    FindingKind.UNREADABLE_EVENT,
}


@pytest.mark.parametrize("programme", PROFILES, ids=lambda p: p.kind.value)
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_a_history_under_each_programme_replays_without_a_rule_broken(
    programme: Programme, data: st.DataObject
) -> None:
    family: Family = data.draw(family_histories(programme, max_events=120))
    version = family.version
    events = family.collect_events()
    assert len(events) == version
    assert events[0].occurred_on == HISTORY_START
    replayed = None
    for event in events:
        replayed = event.mutate(replayed)
    assert isinstance(replayed, Family)
    assert replayed.version == version
    assert replayed.programme == programme
    assert all(e.occurred_on <= replayed.planned_end_on for e in events)
    record = FamilyRecord.of(events)
    assert record is not None
    last_day = max(e.occurred_on for e in events)
    findings, count = audit_history(family.id, events, on=last_day)
    assert count == version
    assert [f for f in findings if f.kind in RULES_BROKEN] == []
    names = {type(e).__name__ for e in events}
    if programme.kind is ProgrammeKind.ASKER:
        assert "TeamMemberJoined" in names
    else:
        assert "TeamMemberJoined" not in names
    danish = programme.jurisdiction is Jurisdiction.DENMARK
    assert (family.municipality == "153") is danish


def test_without_a_profile_the_histories_come_under_every_profile() -> None:
    kinds = set()

    @settings(max_examples=30, deadline=None, database=None)
    @given(family_histories(max_events=20))
    def collect(family: Family) -> None:
        kinds.add(family.programme.kind)

    collect()
    assert kinds == {p.kind for p in PROFILES}


def test_every_public_name_of_the_module_is_documented() -> None:
    for name in strategies.__all__:
        assert hasattr(strategies, name), name
    source = inspect.getsource(strategies)
    for name in strategies.__all__:
        obj = getattr(strategies, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert inspect.getdoc(obj), name
        else:  # a strategy or a constant: a docstring follows its assignment
            after = re.split(rf"\n{name}(?:: [^=\n]+)? = ", source, maxsplit=1)[1]
            assignment = after.split("\n\n", 1)[0]
            assert '\n"""' in assignment, f"{name} has no docstring"


@pytest.mark.parametrize(
    ("module", "needs"),
    [
        ("familiekoordinering.testing.strategies", "hypothesis"),
        ("familiekoordinering.testing.views", "hypothesis"),
        ("familiekoordinering.testing.views", "pytest"),
    ],
)
def test_without_hypothesis_the_module_names_the_extra_to_install(
    module: str, needs: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, needs, None)  # type: ignore[arg-type]
    monkeypatch.delitem(sys.modules, module, raising=False)
    with pytest.raises(
        ImportError, match=r"pip install 'familiekoordinering\[testing\]'"
    ):
        importlib.import_module(module)
