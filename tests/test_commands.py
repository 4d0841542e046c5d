"""Commands as values: declared once, each handled by the family, each a public method."""

from __future__ import annotations

import inspect
from datetime import date
from typing import Any
from uuid import uuid4

import attrs
import pytest

from familiekoordinering import Family, FamilyCoordination, Topic
from familiekoordinering.domain import family as family_module
from familiekoordinering.domain.commands import (
    COMMANDS,
    Command,
    EnrolFamily,
    HoldMeeting,
    RecordContact,
    SetGoal,
)
from familiekoordinering.errors import InvalidInputError
from familiekoordinering.testing.commands import run
from tests.conftest import COORDINATOR, START, EnrolledFamily

pytestmark = pytest.mark.application


def _method_name(command_type: type[Command[Any]]) -> str:
    """The application's method for a command class: ``SetGoal`` → ``set_goal``."""
    name = command_type.__name__
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
    return {"enrol_family": "enrol_family"}.get(snake, snake)


def test_every_command_but_the_enrolment_has_exactly_one_handler_on_the_family() -> (
    None
):
    handled = set(family_module._HANDLERS)
    assert handled == set(COMMANDS) - {EnrolFamily}


def test_every_command_subclass_is_listed() -> None:
    def subclasses(cls: type[Any]) -> set[type[Any]]:
        found = set(cls.__subclasses__())
        return found.union(*(subclasses(c) for c in found)) if found else found

    assert subclasses(Command) == set(COMMANDS)


@pytest.mark.parametrize("command_type", COMMANDS, ids=lambda c: c.__name__)
def test_the_application_method_takes_exactly_the_command_s_fields(
    command_type: type[Command[Any]],
) -> None:
    method = getattr(FamilyCoordination, _method_name(command_type))
    parameters = list(inspect.signature(method).parameters)
    fields = {f.name for f in attrs.fields(command_type)}
    expected = fields if command_type is EnrolFamily else fields | {"family_id"}
    assert parameters[0] == "self"
    assert set(parameters[1:]) == expected
    assert inspect.getdoc(method) == inspect.getdoc(command_type)


def test_a_field_added_to_a_command_reaches_its_event_or_fails_loudly() -> None:
    @attrs.frozen(kw_only=True)
    class SetGoalWithColour(SetGoal):
        colour: str = "blue"

    family = EnrolledFamily(FamilyCoordination())
    loaded = family.app.get_family(family.id, actor=COORDINATOR)
    command = SetGoalWithColour(area=Topic.WORK, words="Jobb", occurred_on=START,
                                actor=COORDINATOR)  # fmt: skip
    with pytest.raises(TypeError, match="colour"):
        loaded._record(Family.GoalSet, command, family.app._engine.now())


def test_a_command_the_family_does_not_handle_is_refused() -> None:
    @attrs.frozen(kw_only=True)
    class Unknown(Command[None]):
        def result(self) -> None:
            """Nothing."""

    family = EnrolledFamily(FamilyCoordination())
    loaded = family.app.get_family(family.id, actor=COORDINATOR)
    with pytest.raises(InvalidInputError, match="not a command a family handles"):
        run(loaded, Unknown, occurred_on=START, actor=COORDINATOR,
            recorded_at=family.app._engine.now())  # fmt: skip


def test_a_command_s_fields_are_carried_over_to_its_event_by_name() -> None:
    app = FamilyCoordination()
    family = EnrolledFamily(app)
    goal_id = app.set_goal(family.id, area=Topic.WORK, words="Jobb", occurred_on=START,
                           actor=COORDINATOR, target_on=date(2030, 1, 1))  # fmt: skip
    event = app.family_history(family.id, actor=COORDINATOR)[-1]
    assert isinstance(event, Family.GoalSet)
    assert (event.goal_id, event.area, event.words, event.target_on) == (
        goal_id,
        Topic.WORK,
        "Jobb",
        date(2030, 1, 1),
    )


def test_ids_left_out_are_made_and_ids_given_are_kept() -> None:
    given = uuid4()
    assert attrs.fields(RecordContact).action_id.default is None
    command = SetGoal(area=Topic.WORK, words="x", occurred_on=START, actor=COORDINATOR,
                      goal_id=given)  # fmt: skip
    assert command.result() == given
    made = SetGoal(area=Topic.WORK, words="x", occurred_on=START, actor=COORDINATOR)
    assert made.goal_id != given
    assert made.goal_id.version == 4
    with pytest.raises(InvalidInputError, match="ids are UUIDs"):
        SetGoal(area=Topic.WORK, words="x", occurred_on=START, actor=COORDINATOR,
                goal_id="not-a-uuid")  # type: ignore[arg-type]  # fmt: skip


def test_a_subclass_override_of_a_command_or_query_runs_on_every_call() -> None:
    calls: list[str] = []

    class Audited(FamilyCoordination):
        def add_member(self, family_id: Any, **fields: Any) -> Any:  # type: ignore[override]
            calls.append("add_member")
            return super().add_member(family_id, **fields)

        def get_family(self, family_id: Any, **fields: Any) -> Any:  # type: ignore[override]
            calls.append("get_family")
            return super().get_family(family_id, **fields)

    app = Audited()
    family = EnrolledFamily(app)  # adds three members
    app.get_family(family.id, actor=COORDINATOR)
    app.get_family(family.id, actor=COORDINATOR)
    assert calls == ["add_member"] * 3 + ["get_family"] * 2


def test_a_query_called_on_the_class_takes_the_app() -> None:
    app = FamilyCoordination()
    family = EnrolledFamily(app)
    assert (
        FamilyCoordination.get_family(app, family.id, actor=COORDINATOR).id == family.id
    )
    assert list(inspect.signature(FamilyCoordination.get_family).parameters)[:2] == [
        "self",
        "family_id",
    ]


def test_retries_set_on_the_app_hold_for_its_next_command() -> None:
    app = FamilyCoordination()
    app.retries = 0
    assert app._commands.retries == 0


def test_an_app_is_freed_without_the_garbage_collector() -> None:
    import gc
    import weakref

    gc.disable()
    try:
        app = FamilyCoordination()
        EnrolledFamily(app)
        app.get_family  # noqa: B018 - a bound query, as apps use them
        freed = weakref.ref(app)
        del app
        assert freed() is None
    finally:
        gc.enable()


@pytest.mark.parametrize("text", ["Kari", b"Kari", {"Kari": 1}])
def test_a_text_or_a_mapping_is_not_taken_for_a_collection(text: object) -> None:
    with pytest.raises(InvalidInputError, match="as a list or a set"):
        HoldMeeting(participants=text, members_present=[], occurred_on=START,  # type: ignore[arg-type]
                    actor=COORDINATOR)  # fmt: skip
