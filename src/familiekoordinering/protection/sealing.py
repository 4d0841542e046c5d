"""Sealing an event's personal fields with its family's key, and opening them.

The stored mapper (:class:`~familiekoordinering.serialisation.CattrsMapper`)
writes each field marked :data:`~familiekoordinering.domain.values.PersonalText`
or :data:`~familiekoordinering.domain.values.PersonalDate` through
:func:`seal` and reads it through :func:`open_text` / :func:`open_date`. Around
one event, the mapper sets a context:

* while writing, :func:`collecting` gathers the personal values in a list and
  each field stores its index into it; the list is then encrypted as one
  AES-GCM message (:func:`seal_values`) and stored as the payload's ``_sealed``
  member, bound to the event's family, version and topic;
* while reading, :func:`start_opening` provides the decrypted list, or
  :data:`ERASED` when the family's key was destroyed, in which case the fields
  read as :data:`~familiekoordinering.domain.values.ERASED_TEXT` and
  :data:`~familiekoordinering.domain.values.ERASED_DATE`.

Without a context (no encryption configured, or an event stored before
encryption was turned on) the fields are written and read as they are.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import os
import typing
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import date
from typing import Any, Final, Literal, cast
from uuid import UUID

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from familiekoordinering.domain.values import ERASED_DATE, ERASED_TEXT, PersonalData

__all__ = [
    "ERASED",
    "SEALED",
    "PersonalKind",
    "PersonalPath",
    "UnreadableSealError",
    "collecting",
    "holds_clear",
    "holds_erased",
    "open_date",
    "open_text",
    "personal_kind",
    "personal_paths",
    "personal_values",
    "replace_at",
    "restore",
    "seal",
    "seal_values",
    "start_opening",
    "stop_opening",
    "unseal_values",
]

_DECODER = json.JSONDecoder()
SEALED: Final = "_sealed"
"""The payload member that holds an event's sealed personal values."""
_VERSION = "1."
_NONCE = 12


class _Erased:
    def __repr__(self) -> str:
        return "ERASED"


ERASED: Final = _Erased()
"""The opening context of a family whose key was destroyed."""

_collecting: ContextVar[list[Any] | None] = ContextVar("fk_collecting", default=None)
_opening: ContextVar[list[Any] | _Erased | None] = ContextVar(
    "fk_opening", default=None
)

PersonalKind = Literal["text", "date"]


class UnreadableSealError(ValueError):
    """A sealed payload does not open with its family's key (altered or misplaced)."""


def personal_kind(tp: Any) -> PersonalKind | None:
    """``"text"`` or ``"date"`` for a type marked as personal data, else None."""
    if typing.get_origin(tp) is not typing.Annotated:
        return None
    if not any(isinstance(m, PersonalData) for m in tp.__metadata__):
        return None
    return "date" if tp.__origin__ is date else "text"


# ---------------------------------------------------------------- the context


@contextmanager
def collecting() -> Iterator[list[Any]]:
    """Gather the personal values written while the context is open."""
    values: list[Any] = []
    token = _collecting.set(values)
    try:
        yield values
    finally:
        _collecting.reset(token)


def start_opening(values: list[Any] | _Erased) -> Token[list[Any] | _Erased | None]:
    """Read personal fields from ``values`` (or as erased) until :func:`stop_opening`.

    A token rather than a context manager: this runs once per event on replay.
    """
    return _opening.set(values)


def stop_opening(token: Token[list[Any] | _Erased | None]) -> None:
    """End what :func:`start_opening` began."""
    _opening.reset(token)


def seal(value: Any) -> Any:
    """Write a personal value: its index in the collected values, or itself."""
    values = _collecting.get()
    if values is None:
        return value
    values.append(value)
    return len(values) - 1


def open_text(stored: Any) -> str:
    """Read a personal text: from the opened values, as erased, or as stored.

    A text stored in the clear inside a sealed event (an agency's unit or a
    legal basis, written before the library sealed those) reads as stored:
    that is the upcast from the older stored form.
    """
    values = _opening.get()
    if values is None or type(stored) is str:
        return typing.cast(str, stored)
    if values is ERASED:
        return ERASED_TEXT
    return typing.cast(str, values[stored])  # type: ignore[index]


def open_date(stored: Any) -> date:
    """Read a personal date: from the opened values, as erased, or as stored."""
    values = _opening.get()
    if values is None:
        return date.fromisoformat(stored)
    if values is ERASED:
        return ERASED_DATE
    return date.fromisoformat(values[stored])  # type: ignore[index]


# ------------------------------------------------------------------ the crypto


def _aad(originator_id: UUID, version: int, topic: str) -> bytes:
    return f"{_id_text(originator_id)}:{version}:{topic}".encode()


@functools.lru_cache(maxsize=4096)
def _id_text(originator_id: UUID) -> str:
    # Every event of a family binds its id: format it once per family.
    return str(originator_id)


def seal_values(
    cipher: AESGCM, values: list[Any], originator_id: UUID, version: int, topic: str
) -> str:
    """Encrypt ``values`` (as JSON) for one stored event; return the ``_sealed`` text."""
    nonce = os.urandom(_NONCE)
    plain = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()
    sealed = cipher.encrypt(nonce, plain, _aad(originator_id, version, topic))
    return _VERSION + base64.b64encode(nonce + sealed).decode("ascii")


def unseal_values(
    cipher: AESGCM, text: str, originator_id: UUID, version: int, topic: str
) -> list[Any]:
    """Decrypt an event's ``_sealed`` text back to its personal values."""
    if not isinstance(text, str) or not text.startswith(_VERSION):
        raise UnreadableSealError(f"unknown sealed format {str(text)[:8]!r}")
    try:
        raw = binascii.a2b_base64(text[len(_VERSION) :])
        plain = cipher.decrypt(
            raw[:_NONCE], raw[_NONCE:], _aad(originator_id, version, topic)
        )
    except (InvalidTag, binascii.Error, ValueError):
        raise UnreadableSealError(
            "the sealed personal data does not open with the family's key: it was "
            "altered, or belongs to another event"
        ) from None
    # The plain text is authenticated (it is exactly what was sealed), so the
    # decoder's checks for surrounding whitespace are not needed.
    values: list[Any] = _DECODER.raw_decode(plain.decode("utf-8"))[0]
    return values


# --------------------------------------------------------- paths in a payload


@attrs.frozen
class PersonalPath:
    """Where a personal value sits in a stored payload (``*``: every item)."""

    steps: tuple[str, ...]
    kind: PersonalKind


def _optional_inner(tp: Any) -> Any:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    return args[0] if len(args) == 1 else None


def personal_paths(tp: Any, prefix: tuple[str, ...] = ()) -> list[PersonalPath]:
    """Every path to a personal field in the stored form of ``tp``.

    ``tp`` is an attrs class, an event class (a dataclass) or a field type.
    """
    kind = personal_kind(tp)
    if kind is not None:
        return [PersonalPath(prefix, kind)]
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        inner = _optional_inner(tp)
        return personal_paths(inner, prefix) if inner is not None else []
    if origin in (tuple, list, frozenset, set) and args:
        return personal_paths(args[0], (*prefix, "*"))
    if origin is dict and len(args) == 2:
        return personal_paths(args[1], (*prefix, "*"))
    fields: list[tuple[str, Any]] = []
    if isinstance(tp, type) and attrs.has(tp):
        hints = typing.get_type_hints(tp, include_extras=True)
        fields = [(f.name, hints[f.name]) for f in attrs.fields(tp)]
    elif isinstance(tp, type) and hasattr(tp, "__dataclass_fields__"):
        hints = typing.get_type_hints(tp, include_extras=True)
        fields = [(name, hints[name]) for name in tp.__dataclass_fields__]
    out: list[PersonalPath] = []
    for name, field_type in fields:
        out += personal_paths(field_type, (*prefix, name))
    return out


def restore(
    payload: dict[str, Any],
    paths: list[PersonalPath],
    values: list[Any] | _Erased,
) -> None:
    """Put the personal values back into a stored payload, in place.

    With :data:`ERASED`, the fields read as erased (dates in ISO form).
    """
    fill: Callable[[Any], Any]
    for path in paths:
        if isinstance(values, _Erased):
            erased = ERASED_TEXT if path.kind == "text" else ERASED_DATE.isoformat()
            fill = functools.partial(_constant, erased)
        else:
            fill = values.__getitem__
        _restore(payload, path.steps, 0, fill)


def replace_at(
    payload: dict[str, Any], path: PersonalPath, fill: Callable[[Any], Any]
) -> None:
    """Replace each (non-null) value at ``path`` in a payload by ``fill(value)``, in place."""
    _restore(payload, path.steps, 0, fill)


def _constant(value: Any, _: Any) -> Any:
    return value


def _restore(
    node: Any, steps: tuple[str, ...], i: int, fill: Callable[[Any], Any]
) -> None:
    step, last = steps[i], i == len(steps) - 1
    if step == "*":
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(items):
            if value is None:
                continue
            if last:
                node[key] = fill(value)
            else:
                _restore(value, steps, i + 1, fill)
        return
    if not isinstance(node, dict) or node.get(step) is None:
        return
    if last:
        node[step] = fill(node[step])
    else:
        _restore(node[step], steps, i + 1, fill)


@functools.cache
def _paths_of(cls: Any) -> tuple[PersonalPath, ...]:
    return tuple(personal_paths(cls))


def personal_values(obj: Any) -> Iterator[Any]:
    """Every personal value (name, birth date, free text) an event or value holds."""
    for path in _paths_of(cast(Hashable, type(obj))):
        yield from _values_at(obj, path.steps)


def holds_erased(obj: Any) -> bool:
    """Whether any personal field of an event (or value) reads as erased."""
    return any(value in (ERASED_TEXT, ERASED_DATE) for value in personal_values(obj))


def holds_clear(payload: dict[str, Any], paths: Sequence[PersonalPath]) -> bool:
    """Whether a stored payload holds personal data in the clear (not sealed)."""
    if SEALED in payload:
        return False
    return any(
        value is not None for path in paths for value in _values_at(payload, path.steps)
    )


def _values_at(node: Any, steps: tuple[str, ...]) -> Iterator[Any]:
    if node is None:
        return
    if not steps:
        yield node
        return
    step, rest = steps[0], steps[1:]
    if step == "*":
        items = node.values() if isinstance(node, dict) else node
        for item in items:
            yield from _values_at(item, rest)
    elif isinstance(node, dict):
        yield from _values_at(node.get(step), rest)
    else:
        yield from _values_at(getattr(node, step, None), rest)
