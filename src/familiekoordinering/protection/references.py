"""References in place of personal data: how the views hold none.

The views (:mod:`familiekoordinering.views`) are built from stored events.
An event's personal fields are sealed with its family's key
(:mod:`~familiekoordinering.protection.sealing`): each such field stores an
index into the event's sealed values. Instead of opening them, the projector
puts a *reference* in the view for each — the event's version and the index —
so a view row holds no name, birth date or free text, not even encrypted:

* ``{"$p": [version, index]}`` for a personal text,
* ``{"$d": [version, index]}`` for a personal date.

A query opens the references of the documents it returns (:func:`versions`,
then :func:`fill` with the values of those events, read from the store and
opened with the family's key at that moment), so an erased family's views
read as erased in every process the moment its key is destroyed.

Events stored without a seal (a store written without encryption) keep their
values in the clear, and so do their views. Everything here is pure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from familiekoordinering.domain.values import ERASED_DATE, ERASED_TEXT
from familiekoordinering.protection.sealing import ERASED, PersonalPath, replace_at

__all__ = ["DATE", "TEXT", "fill", "is_reference", "refer", "versions"]

TEXT = "$p"
"""The key of a reference to a personal text."""
DATE = "$d"
"""The key of a reference to a personal date (ISO form)."""
_KEYS = (TEXT, DATE)


def refer(payload: dict[str, Any], paths: list[PersonalPath], version: int) -> None:
    """Replace a sealed payload's personal fields by references, in place.

    ``payload`` is an event's stored payload with its ``_sealed`` member
    removed; each personal field holds its index into the sealed values.
    Raises ``ValueError`` if one holds anything else (the event was altered).
    """
    for path in paths:
        key = TEXT if path.kind == "text" else DATE

        def reference(index: Any, key: str = key) -> Any:
            if type(index) is str:
                return index  # written in the clear before the field was sealed
            if type(index) is not int or index < 0:
                raise ValueError(
                    f"a sealed payload's personal field holds {type(index).__name__}, "
                    "not the index of a sealed value: the event was altered"
                )
            return {key: [version, index]}

        replace_at(payload, path, reference)


def is_reference(value: Any) -> bool:
    """Whether ``value`` is a reference made by :func:`refer`."""
    return (
        type(value) is dict
        and len(value) == 1
        and next(iter(value)) in _KEYS
        and _valid(next(iter(value.values())))
    )


def _valid(target: Any) -> bool:
    return (
        type(target) is list
        and len(target) == 2
        and all(type(x) is int and x >= 0 for x in target)
    )


def versions(document: Any) -> set[int]:
    """The versions of the events whose sealed values a document refers to."""
    found: set[int] = set()
    _walk(document, lambda ref: found.add(ref[0]))
    return found


def fill(document: Any, opened: Mapping[int, list[Any] | Any]) -> Any:
    """A copy of ``document`` with every reference replaced by its value.

    ``opened`` maps each version :func:`versions` named to that event's
    sealed values, or to :data:`~familiekoordinering.protection.sealing.ERASED`
    when the family's key was destroyed (the value then reads as erased). A
    reference to a version or an index that is not there raises ``ValueError``.
    """

    def value(key: str, ref: list[int]) -> Any:
        version, index = ref
        if version not in opened:
            raise ValueError(f"no sealed values were given for event {version}")
        values = opened[version]
        if values is ERASED:
            return ERASED_TEXT if key == TEXT else ERASED_DATE.isoformat()
        if index >= len(values):
            raise ValueError(
                f"event {version} has {len(values)} sealed value(s), not {index + 1}"
            )
        return values[index]

    return _copy(document, value)


def _copy(node: Any, value: Callable[[str, list[int]], Any]) -> Any:
    if type(node) is dict:
        if is_reference(node):
            key, ref = next(iter(node.items()))
            return value(key, ref)
        return {k: _copy(v, value) for k, v in node.items()}
    if type(node) is list:
        return [_copy(v, value) for v in node]
    return node


def _walk(node: Any, visit: Callable[[list[int]], None]) -> None:
    if type(node) is dict:
        if is_reference(node):
            visit(next(iter(node.values())))
            return
        for v in node.values():
            _walk(v, visit)
    elif type(node) is list:
        for v in node:
            _walk(v, visit)
