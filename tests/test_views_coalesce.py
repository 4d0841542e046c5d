"""Coalescing a batch's row operations changes nothing but their number."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

from familiekoordinering import FamilyCoordination
from familiekoordinering.demo import DemoClock, build_demo
from familiekoordinering.views.fold import Operation, operations
from familiekoordinering.views.store import _apply, coalesce
from tests.strategies import view_operation_lists

pytestmark = pytest.mark.application

Rows = dict[tuple[str, str, str], dict[str, Any]]


def _applied(rows: Rows, operations: list[Operation]) -> Rows:
    result = {key: dict(data) for key, data in rows.items()}
    for op in operations:
        _apply(result, op)
    return result


@given(view_operation_lists, view_operation_lists)
def test_coalesced_operations_leave_any_rows_as_the_operations_do(
    before: list[Operation], batch: list[Operation]
) -> None:
    rows = _applied({}, before)  # whatever rows earlier batches left
    changes = coalesce(batch)
    if changes is not None:
        assert _applied(rows, changes) == _applied(rows, batch)


@given(view_operation_lists)
def test_coalesced_operations_touch_each_row_once_or_with_one_set_and_one_upd(
    batch: list[Operation],
) -> None:
    changes = coalesce(batch)
    if changes is None:
        return
    seen: dict[tuple[str, str, str], list[str]] = {}
    for op in changes:
        seen.setdefault((op[1], op[2], op[3]), []).append(op[0])
    assert all(
        actions in (["put"], ["del"], ["set"], ["upd"], ["set", "upd"])
        for actions in seen.values()
    )


def test_a_set_and_an_upd_of_the_same_field_are_not_coalesced() -> None:
    batch: list[Operation] = [
        ("upd", "family", "f", "", {"max": {"seen_on": "2026-01-02"}, "inc": {}}),
        ("set", "family", "f", "", {"seen_on": "2025-01-01"}),
    ]
    assert coalesce(batch) is None


def test_the_folds_own_operations_always_coalesce() -> None:
    clock = DemoClock()
    app = FamilyCoordination(clock=clock)
    build_demo(app, clock, families=4, years=3, seed=5)
    batch = [
        op
        for n in app._engine.recorder.select_notifications(start=1, limit=10_000)
        for op in operations(
            str(n.originator_id),
            n.topic,
            app._engine.mapper.payload(n.topic, n.state),  # type: ignore[attr-defined]
        )
    ]
    changes = coalesce(batch)
    assert changes is not None
    assert len(changes) < len(batch)
    assert _applied({}, changes) == _applied({}, batch)


def test_an_unknown_operation_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown view operation 'explode'"):
        coalesce([("explode", "family", "f", "")])
