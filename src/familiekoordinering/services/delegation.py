"""Public methods that are a role service's: ``app.audit`` is ``Audits.audit``."""

from __future__ import annotations

import functools
import inspect
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
    ) -> Callable[Concatenate[Any, P], R]: ...
    @overload
    def __get__(self, app: object, owner: type[Any]) -> Callable[P, R]: ...
    def __get__(self, app: object | None, owner: type[Any]) -> Any:
        # Bound on every access, not kept on the app: a subclass's override or
        # a patch of the class stays in force.
        if app is None:
            return self._on_class(owner)
        return types.MethodType(self.function, getattr(app, self.service))

    def _on_class(self, owner: type[Any]) -> Callable[..., R]:
        """``Owner.name(app, …)``: the service's method, called with the app's service."""
        service, function = self.service, self.function

        @functools.wraps(function)
        def method(app: Any, /, *args: Any, **kwargs: Any) -> R:
            return function(getattr(app, service), *args, **kwargs)

        method.__qualname__ = f"{owner.__qualname__}.{self.name}"
        method.__signature__ = inspect.signature(function)  # type: ignore[attr-defined]
        return method  # (self, …) as on the service, ``self`` being the app


def delegated(
    service: str, function: Callable[Concatenate[S, P], R]
) -> _Delegated[S, P, R]:
    """A method of the composition root that is ``function`` of its attribute ``service``.

    ``app.name(…)`` calls ``function(app.<service>, …)``: the same signature,
    docstring and type (without ``self``); on the class, it is ``function``.
    """
    return _Delegated(service, function)
