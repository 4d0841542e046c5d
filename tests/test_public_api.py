"""The public API: what __all__ promises exists, is documented, and is typed."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import familiekoordinering
import familiekoordinering_sqlite
from familiekoordinering import errors, store

pytestmark = pytest.mark.application


def test_every_exported_name_exists_and_has_a_docstring() -> None:
    missing = [
        name
        for name in familiekoordinering.__all__
        if not hasattr(familiekoordinering, name)
    ]
    assert missing == []
    undocumented = []
    for name in familiekoordinering.__all__:
        obj = getattr(familiekoordinering, name)
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and not inspect.getdoc(
            obj
        ):
            undocumented.append(name)
    assert undocumented == []


def test_every_public_method_of_the_application_and_aggregate_has_a_docstring() -> None:
    for cls in (familiekoordinering.FamilyCoordination, familiekoordinering.Family):
        for name in vars(cls):
            member = getattr(cls, name)  # a command or a service's method, as called
            if name.startswith("_") or not callable(member) or inspect.isclass(member):
                continue
            assert inspect.getdoc(member), f"{cls.__name__}.{name} has no docstring"


def test_the_application_keeps_every_public_method_apps_call() -> None:
    app = familiekoordinering.FamilyCoordination()
    for name in (
        "enrol_family", "add_member", "record_member_left", "assign_coordinator",
        "grant_consent", "refuse_consent", "give_research_consent",
        "withdraw_research_consent", "withdraw_consent", "set_goal",
        "record_goal_progress", "achieve_goal", "drop_goal", "agree_step",
        "complete_step", "link_sector_plan", "hold_meeting", "record_contact",
        "record_family_informed", "complete_survey", "end_follow_up",
        "act_under_legal_duty", "get_family", "access_entries", "decide",
        "open_notifications", "overdue_notifications", "audit", "family_history",
        "family_at", "timeline", "report", "access_export", "research_export", "erase",
        "finish_erasures", "erasure", "due_for_erasure", "list_families", "family_ids",
        "checkpoint", "start_chain", "fingerprint", "position", "close",
    ):  # fmt: skip
        method = getattr(app, name)
        assert callable(method), name
        assert inspect.getdoc(method), name
        assert "self" not in inspect.signature(method).parameters, name


def test_errors_form_one_hierarchy() -> None:
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.FamiliekoordineringError)


def test_packages_ship_py_typed() -> None:
    for module in (familiekoordinering, familiekoordinering_sqlite):
        assert (Path(module.__file__).parent / "py.typed").exists()  # type: ignore[arg-type]


def test_the_default_store_is_an_sqlite_file_in_the_working_directory() -> None:
    assert store.DEFAULT_STORE == "familiekoordinering.db"
