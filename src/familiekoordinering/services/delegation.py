"""Public methods that are a role service's: ``app.audit`` is ``Audits.audit``."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

__all__ = ["delegated"]

S = TypeVar("S")
P = ParamSpec("P")
R = TypeVar("R")


class _Delegated(Generic[S, P, R]):
    """A public method that is a role service's: ``app.audit`` is ``Audits.audit``."""

    def __init__(self, service: str, function: Callable[Concatenate[S, P], R]) -> None:
        self.service = service
        self.function = function
        self.__doc__ = function.__doc__
        self.name = function.__name__

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(
        self, app: None, owner: type[Any]
    ) -> Callable[Concatenate[S, P], R]: ...
    @overload
    def __get__(self, app: object, owner: type[Any]) -> Callable[P, R]: ...
    def __get__(self, app: object | None, owner: type[Any]) -> Any:
        if app is None:
            return self.function
        method = types.MethodType(self.function, getattr(app, self.service))
        vars(app)[self.name] = method  # bound once per app
        return method


def delegated(
    service: str, function: Callable[Concatenate[S, P], R]
) -> _Delegated[S, P, R]:
    """A method of the composition root that is ``function`` of its attribute ``service``.

    ``app.name(…)`` calls ``function(app.<service>, …)``: the same signature,
    docstring and type (without ``self``); on the class, it is ``function``.
    """
    return _Delegated(service, function)
