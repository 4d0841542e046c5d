"""Arguments checked against their annotations at the application's boundary.

Apps call :class:`~familiekoordinering.FamilyCoordination` from code that type
checkers do not always see (web forms, JSON, scripts). :func:`checked` wraps a
public method so that an argument of the wrong type is refused with an
:class:`~familiekoordinering.errors.InvalidInputError` naming the argument and
the type it must have — before anything is loaded or stored — instead of a
``TypeError`` or ``AttributeError`` from deep inside. Iterables are read once
into tuples (so a generator can be checked and still used).
"""

from __future__ import annotations

import collections.abc
import functools
import inspect
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar, cast

from familiekoordinering.errors import InvalidInputError

__all__ = ["check_arguments", "checked"]

F = TypeVar("F", bound=Callable[..., Any])

_ITERABLES = (
    collections.abc.Iterable,
    collections.abc.Sequence,
    collections.abc.Collection,
    list,
    tuple,
    frozenset,
    set,
)


def _describe(tp: Any) -> str:
    if tp is type(None):
        return "None"
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(tp))
    if origin in _ITERABLES:
        (item,) = typing.get_args(tp)[:1] or (Any,)
        return f"an iterable of {_describe(item)}"
    if origin is typing.Annotated:
        return _describe(tp.__origin__)
    return str(getattr(tp, "__name__", tp))


def _always(_: Any) -> bool:
    return True


@functools.cache
def _checker(tp: Any) -> Callable[[Any], bool]:
    """A fast check for one annotation, made once per type."""
    if tp is Any or tp is object:
        return _always
    if tp is type(None) or tp is None:
        return lambda value: value is None
    while hasattr(tp, "__supertype__"):  # NewType
        tp = tp.__supertype__
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _checker(tp.__origin__)
    if origin in (typing.Union, types.UnionType):
        options = tuple(_checker(a) for a in typing.get_args(tp))
        return lambda value: any(check(value) for check in options)
    if origin in _ITERABLES:
        (item,) = typing.get_args(tp)[:1] or (Any,)
        each = _checker(item)

        def iterable(value: Any) -> bool:
            if isinstance(value, str | bytes | dict) or not isinstance(
                value, collections.abc.Iterable
            ):
                return False
            return all(each(v) for v in value)

        return iterable
    if origin is not None:  # another generic (Mapping, Callable): not checked
        return _always
    if tp is date:
        return lambda value: (
            type(value) is date
            or (isinstance(value, date) and not isinstance(value, datetime))
        )
    if tp is int:
        return lambda value: (
            type(value) is int
            or (isinstance(value, int) and not isinstance(value, bool))
        )
    if tp is float:
        return lambda value: (
            isinstance(value, int | float) and not isinstance(value, bool)
        )
    if isinstance(tp, type):
        return lambda value: isinstance(value, tp)
    return _always


def check_arguments(
    name: str,
    signature: inspect.Signature,
    hints: dict[str, Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> inspect.BoundArguments:
    """Bind a call's arguments to ``signature`` and check each against ``hints``.

    Refuses a missing or unknown argument, and one of the wrong type, with an
    :class:`InvalidInputError` naming ``name`` (the method called); an iterator
    given for an iterable is read once into a tuple.
    """
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as e:
        raise InvalidInputError(f"{name}: {e}") from None
    for arg, value in list(bound.arguments.items()):
        tp = hints.get(arg)
        if tp is None or arg == "self":
            continue
        origin = typing.get_origin(tp)
        if origin in _ITERABLES and isinstance(value, collections.abc.Iterator):
            value = bound.arguments[arg] = tuple(value)
        if not _checker(tp)(value):
            raise InvalidInputError(
                f"{name}: {arg} must be {_describe(tp)}, not {value!r:.60}"
            )
    return bound


def checked(method: F) -> F:
    """Wrap a public method: refuse arguments that do not match its annotations."""
    signature = inspect.signature(method)
    hints: dict[str, Any] | None = None

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal hints
        if hints is None:
            hints = {
                name: tp
                for name, tp in typing.get_type_hints(
                    method, include_extras=True
                ).items()
                if name != "return"
            }
        bound = check_arguments(method.__name__, signature, hints, args, kwargs)
        return method(*bound.args, **bound.kwargs)

    return cast(F, wrapper)
