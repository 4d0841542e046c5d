"""Running commands: load → authorise → domain → save → retry, written once.

A command is a value (:mod:`familiekoordinering.domain.commands`);
:class:`Commands` runs one against a family and :func:`command_method` makes
the application's public method from a command class, so that a command's
parameters are declared once, on the class.
"""

from __future__ import annotations

import inspect
import logging
import types
import typing
import weakref
from collections.abc import Callable
from typing import Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar, overload
from uuid import UUID

import attrs
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from familiekoordinering.access import Access, require
from familiekoordinering.checks import check_arguments
from familiekoordinering.domain.caseload import Caseload, caseload_id
from familiekoordinering.domain.commands import AssignCoordinator, Command, EnrolFamily
from familiekoordinering.domain.family import Family
from familiekoordinering.domain.values import FamilyId
from familiekoordinering.engine import Engine, reading_the_store
from familiekoordinering.errors import (
    DuplicateIdError,
    FamiliekoordineringError,
    FamilyErasedError,
)
from familiekoordinering.integrity import LEDGER_ID
from familiekoordinering.services.reading import Reader, facts, unknown
from familiekoordinering.views import Views

__all__ = [
    "CaseloadInViews",
    "Commands",
    "ConcurrentChangeError",
    "command_method",
    "enrolment_method",
]

_log = logging.getLogger(__name__)
"""Commands refused (the error class, never its message), races lost and retried."""

P = ParamSpec("P")
R = TypeVar("R")


class ConcurrentChangeError(FamiliekoordineringError):
    """Someone else changed the family at the same time; load it again and retry."""


class Commands:
    """Runs commands against the families of one store."""

    def __init__(
        self,
        reader: Reader,
        *,
        retries: int,
        caseload_of: Callable[[str, str, UUID], list[UUID]] = lambda *_: [],
    ) -> None:
        self.reader = reader
        self.engine: Engine = reader.engine
        self.retries = retries
        """How many times a command runs again after losing a race (read at each run)."""
        self.caseload_of = caseload_of
        """The families a coordinator follows in a municipality, less this one."""

    def run(self, family_id: UUID, command: Command[R]) -> R:
        """Load the family, check the actor may, run the command, save; on a race, again.

        A save that loses a race stores nothing, so the command is safe to run
        again on the family as it now stands (its checks run again too), up to
        ``retries`` more times. Returns what the command returns (the id it
        creates, or None).
        """
        if isinstance(command, AssignCoordinator):
            access, assignee = Access.ASSIGN, command.coordinator_id
        else:
            access, assignee = Access.RECORD, None
        attempt, retries = 0, self.retries
        while True:
            family = self.reader.load(family_id)
            require(command.actor, access, facts(family), assignee=assignee,
                    unknown=unknown(family_id))  # fmt: skip
            self._refuse_erased(family_id)
            # The coordinator's caseload is read before the count: an assignment
            # stored meanwhile makes this one's save conflict (domain.caseload).
            caseload = self._caseload(command, family)
            beyond = self._facts_for(command, family)
            recorded_at = self.engine.now()
            try:
                family.handle(command, recorded_at=recorded_at, **beyond)
            except FamiliekoordineringError as refused:
                # The class and the command only: a refusal's message may name
                # a member or quote the family's words.
                _log.info("%s refused for family %s: %s", type(command).__name__,
                          family_id, type(refused).__name__)  # fmt: skip
                raise
            if caseload is not None:
                caseload.take_on(
                    FamilyId(family.id), beyond["caseload"],
                    occurred_on=command.occurred_on, actor=command.actor,
                    recorded_at=recorded_at,
                )  # fmt: skip
            try:
                self.engine.save(family, *([caseload] if caseload else []))
            except IntegrityError as e:
                if attempt < retries:
                    attempt += 1
                    _log.warning("%s lost a race on family %s: running it again "
                                 "(attempt %d of %d)", type(command).__name__,
                                 family_id, attempt + 1, retries + 1)  # fmt: skip
                    continue
                _log.error("%s on family %s lost %d races: nothing was stored",
                           type(command).__name__, family_id, attempt + 1)  # fmt: skip
                raise ConcurrentChangeError(
                    f"family {family_id} was changed by someone else while this command "
                    f"ran ({attempt + 1} attempt(s)): nothing was stored; try again"
                ) from e
            break
        if self.engine.repository.cache is not None:
            # The family just saved is the newest state: the next command starts
            # from it instead of reading its own event back (others' events are
            # still fast-forwarded from the store on every read).
            self.engine.repository.cache.put(family.id, family)
        return command.result()

    def _facts_for(self, command: Command[Any], family: Family) -> dict[str, Any]:
        """What a command's handler needs from beyond the family."""
        if isinstance(command, AssignCoordinator) and family.programme.max_caseload:
            ids = self.caseload_of(
                command.coordinator_id, family.municipality, family.id
            )
            # An erased family can be neither ended nor handed over: it holds no place.
            return {"caseload": sum(1 for i in ids if self.reader.erasure(i) is None)}
        return {}

    def _caseload(self, command: Command[Any], family: Family) -> Caseload | None:
        """The caseload of the coordinator an assignment counts for, or None.

        Saved with the assignment, in the same transaction as the family's
        event, it makes two assignments of one coordinator that race in two
        processes conflict: one is stored, the other runs again and counts the
        first one's family (see :mod:`~familiekoordinering.domain.caseload`).
        """
        if not (
            isinstance(command, AssignCoordinator) and family.programme.max_caseload
        ):
            return None
        caseload: Caseload
        with reading_the_store(self.engine.ports.store_failures):
            try:
                caseload = self.engine.repository.get(
                    caseload_id(family.municipality, command.coordinator_id)
                )
            except AggregateNotFoundError:
                caseload = Caseload.start(
                    family.municipality, command.coordinator_id,
                    occurred_on=command.occurred_on, actor=command.actor,
                    recorded_at=self.engine.now(),
                )  # fmt: skip
        return caseload

    def _refuse_erased(self, family_id: UUID) -> None:
        keyring = self.engine.keyring
        if keyring is None or keyring.known_live(family_id):
            return
        erasure = keyring.erasure(family_id)
        if erasure is not None:
            raise FamilyErasedError(
                f"family {family_id}'s personal data was erased on "
                f"{erasure.erased_at:%Y-%m-%d} by {erasure.erased_by}: nothing "
                "more can be recorded for it"
            )

    def enrol(self, command: EnrolFamily, *, chosen_id: bool) -> FamilyId:
        """Enrol a family; ``chosen_id`` says the caller chose its id (checked first)."""
        require(command.actor, Access.ENROL, municipality=command.municipality)
        taken = DuplicateIdError(
            f"family id {command.family_id} cannot be used: leave family_id out to "
            "have a new one generated"
        )
        if chosen_id and self._taken(command.family_id):
            # The same answer whoever's the id is, erased or not: an enrolment
            # does not tell which families exist in other municipalities.
            raise taken
        family = Family.enrol(command, recorded_at=self.engine.now())
        try:
            self.engine.save(family)
        except (IntegrityError, FamilyErasedError):  # taken meanwhile
            taken_meanwhile = True
        else:
            taken_meanwhile = False
        if taken_meanwhile:
            raise taken
        return command.result()

    def _taken(self, family_id: UUID) -> bool:
        """Whether the store holds anything of ``family_id`` (events, a key, an erasure)."""
        if family_id == LEDGER_ID:
            return True
        with reading_the_store(self.engine.ports.store_failures):
            if self.engine.recorder.select_events(family_id, limit=1):
                return True
            keyring = self.engine.keyring
            return keyring is not None and keyring.store.get(family_id) is not None


class _HasViews(Protocol):
    @property
    def views(self) -> Views: ...


@attrs.frozen
class CaseloadInViews:
    """Lists a coordinator's families from an app's views (the app held weakly: no cycle)."""

    app: weakref.ref[_HasViews]

    def __call__(
        self, coordinator_id: str, municipality: str, family_id: UUID
    ) -> list[UUID]:
        """The municipality's active families the coordinator follows, less this one."""
        app = self.app()
        if app is None:
            raise ReferenceError("the application these commands ran for is gone")
        return app.views.active_family_ids_of(
            coordinator_id, municipality, excluding=family_id
        )


class _HasCommands(Protocol):
    @property
    def _commands(self) -> Commands: ...


class _CommandMethod(Generic[P, R]):
    """A public method made from a command class (see :func:`command_method`)."""

    def __init__(self, command_type: Callable[P, Command[R]]) -> None:
        cls = typing.cast(type[Command[R]], command_type)
        self.command_type = cls
        self.name = self.qualname = ""
        self.creates_family = cls is EnrolFamily
        init = inspect.signature(cls)
        hints = typing.get_type_hints(
            cls.__init__, globalns=vars(inspect.getmodule(cls))
        )
        hints.pop("return", None)
        parameters = list(init.parameters.values())
        if not self.creates_family:
            family_id = inspect.Parameter(
                "family_id", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=UUID
            )
            parameters.insert(0, family_id)
            hints["family_id"] = UUID
        returns = typing.get_type_hints(
            cls.result, globalns=vars(inspect.getmodule(cls))
        ).get("return", Any)
        returns = None if returns is type(None) else returns
        self.signature = init.replace(parameters=parameters, return_annotation=returns)
        self.hints = hints
        self.__doc__ = cls.__doc__

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name
        self.qualname = f"{owner.__qualname__}.{name}"
        self._unbound = self._make_unbound()

    def call(
        self, app: _HasCommands, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> R:
        """Check the arguments, build the command, run it."""
        bound = check_arguments(self.name, self.signature, self.hints, args, kwargs)
        given = dict(bound.arguments)
        if self.creates_family:  # a new id is made when none was chosen
            chosen = given.get("family_id") is not None
            command = typing.cast(EnrolFamily, self.command_type(**given))
            return typing.cast(R, app._commands.enrol(command, chosen_id=chosen))
        family_id = given.pop("family_id")
        return app._commands.run(family_id, self.command_type(**given))

    def _bound(self, app: _HasCommands) -> Callable[..., R]:
        # Bound on every access, not kept on the app: a subclass's override of
        # the method, or a patch of the class, stays in force (and the app
        # holds no reference to itself).
        return types.MethodType(self._unbound, app)

    def _make_unbound(self) -> Callable[..., R]:
        """The method as the class holds it: ``(self, family_id, …fields)``."""

        def method(app: _HasCommands, /, *args: Any, **kwargs: Any) -> R:
            return self.call(app, args, kwargs)

        method.__name__, method.__qualname__ = self.name, self.qualname
        method.__doc__ = self.__doc__
        self_parameter = inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)
        method.__signature__ = self.signature.replace(  # type: ignore[attr-defined]
            parameters=[self_parameter, *self.signature.parameters.values()]
        )
        method.__annotations__ = {
            **self.hints,
            "return": self.signature.return_annotation,
        }
        return method


class _FamilyCommand(_CommandMethod[P, R]):
    """A command on one family: ``app.name(family_id, …fields)``."""

    @overload
    def __get__(
        self, app: None, owner: type[Any]
    ) -> Callable[Concatenate[Any, UUID, P], R]: ...
    @overload
    def __get__(
        self, app: _HasCommands, owner: type[Any]
    ) -> Callable[Concatenate[UUID, P], R]: ...
    def __get__(self, app: _HasCommands | None, owner: type[Any]) -> Any:
        return self._unbound if app is None else self._bound(app)


class _Enrolment(_CommandMethod[P, R]):
    """The command that makes a family: ``app.enrol_family(…fields)``."""

    @overload
    def __get__(
        self, app: None, owner: type[Any]
    ) -> Callable[Concatenate[Any, P], R]: ...
    @overload
    def __get__(self, app: _HasCommands, owner: type[Any]) -> Callable[P, R]: ...
    def __get__(self, app: _HasCommands | None, owner: type[Any]) -> Any:
        return self._unbound if app is None else self._bound(app)


def enrolment_method(command_type: Callable[P, EnrolFamily]) -> _Enrolment[P, FamilyId]:
    """The public method that enrols a family from the fields of ``command_type``."""
    return _Enrolment(command_type)


def command_method(command_type: Callable[P, Command[R]]) -> _FamilyCommand[P, R]:
    """A public method that builds ``command_type`` from its arguments and runs it.

    Its parameters are the command's fields (after ``family_id``, except for
    the enrolment, which makes the family); arguments of the wrong type are
    refused with :class:`~familiekoordinering.errors.InvalidInputError` before
    anything is read, and the command's id is returned.
    """
    return _FamilyCommand(command_type)
