r"""What a value object accepts: the checks its constructor runs, as pure functions.

Every value object of the domain (:class:`~familiekoordinering.Agency`,
:class:`~familiekoordinering.Consent`, :class:`~familiekoordinering.Survey`, …)
checks its fields when it is built, with the validators made here, so that a
malformed value cannot exist: building one raises
:class:`~familiekoordinering.errors.InvalidInputError` naming the field and
what to give. The checks are pure (no clock, storage or environment) and reuse
the limits of :mod:`familiekoordinering.domain.rules` (``MAX_TEXT``,
``check_text``, ``check_range``, ``check_municipality``).

What a field accepts, by its kind:

* **Free text** (notes, purposes, a goal in the family's own words,
  decisions): a ``str`` that is not blank, at most ``rules.MAX_TEXT`` (4,000)
  characters, with no lone surrogate (U+D800–U+DFFF) and no control character
  (Unicode category Cc) except tab and line breaks: ``\n``, and ``\r`` only as
  part of ``\r\n`` (what a browser's text area sends). Right-to-left text and
  its bidirectional marks are accepted, as the family's own words may need them.
* **Names, labels, units and ids** (a member's name, an agency's unit, a
  user id, a programme's name, a sector plan's reference): as free text, but
  on one line and at most :data:`NAME_MAX` (200) characters: no control
  character at all (no tab or line break), no line or paragraph separator
  (U+2028, U+2029) and no bidirectional override or isolate (U+202A–U+202E,
  U+2066–U+2069), which can make a name display as another.
* **Categories** are members of their enumeration: ``AgencyKind.NAV``, not the
  text ``"nav"``.
* **Counts and scores** are ``int`` (not ``bool``, not ``float``) within the
  documented range; a measure such as persons per room may be a ``float``,
  finite and within range.
* **Dates** are ``datetime.date``, not ``datetime.datetime``; **ids** are
  ``uuid.UUID``; **sets** are ``frozenset`` of the right item type; **lists**
  are ``tuple`` of the right item type; a value inside a value (a consent's
  scope) is of its class.
* **Consent ages** are plausible: the adult age from 15 to 25 and each age of
  a child's own say from 12 to 25 (:data:`ADULT_AGES`, :data:`OWN_SAY_AGES`).

Stored history always loads, even where it holds values these checks refuse
(earlier versions stored some, and the checks may become stricter): the stored
form is read without running them (see
:mod:`familiekoordinering.serialisation`), and values rebuilt from stored
events inside :func:`loading_stored_history` are not checked either. That is
per thread and per task (a :class:`contextvars.ContextVar`), never global:
another thread building values from its input is checked as always.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import math
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any, Final, ParamSpec, TypeVar
from uuid import UUID

import attrs

from familiekoordinering.errors import InvalidInputError

__all__ = [
    "ADULT_AGES",
    "NAME_MAX",
    "OWN_SAY_AGES",
    "Validator",
    "check_choice",
    "check_day",
    "check_free_text",
    "check_id",
    "check_label",
    "check_municipality",
    "check_number",
    "check_whole_number",
    "choice",
    "day",
    "free_text",
    "identifier",
    "instance_of",
    "label",
    "loading_stored_history",
    "loads_stored_history",
    "mapping_of",
    "municipality",
    "number",
    "set_of",
    "tuple_of",
    "whole_number",
    "whole_value",
]

NAME_MAX: Final = 200
"""The longest name, label, unit or id accepted, in characters."""
ADULT_AGES: Final = (15, 25)
"""The plausible ages of majority (inclusive): no country's is outside them."""
OWN_SAY_AGES: Final = (12, 25)
"""The plausible ages (inclusive) from which a child consents alone about a topic.

The youngest in Nordic law are 15 and 16; 12 leaves room for a programme's own
policy without letting an infant consent alone.
"""

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]
"""An attrs validator: called with the instance, the field and the field's value."""

P = ParamSpec("P")
R = TypeVar("R")

_LOADING: ContextVar[bool] = ContextVar(
    "familiekoordinering_loading_stored_history", default=False
)

# Cc except tab, line feed and a carriage return before a line feed; surrogates.
_NOT_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]|\r(?!\n)")
# Cc, surrogates, line and paragraph separators, bidirectional overrides/isolates.
_NOT_IN_LABEL = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SHOWN = 60
_HUGE = 10**18


# The primitive input checks; domain.rules (which builds on the values) uses
# them too and re-exports them.

MAX_TEXT = 4000
"""The longest free text accepted in one field, in characters."""

_MUNICIPALITY = re.compile(r"[0-9]{3,4}")  # ASCII digits only: "٤٢٠٤" is no number


def check_text(name: str, value: object, *, required: bool = True) -> None:
    """Refuse empty (when required), blank or over-long free text."""
    if value is None:
        if required:
            raise InvalidInputError(f"{name} is required: give a non-empty text")
        return
    if not isinstance(value, str):
        raise InvalidInputError(f"{name} must be a text, not {type(value).__name__}")
    if not value.strip():
        raise InvalidInputError(f"{name} must not be blank: give a non-empty text")
    if len(value) > MAX_TEXT:
        raise InvalidInputError(
            f"{name} is {len(value)} characters long; shorten it to at most {MAX_TEXT}"
        )


def check_range(name: str, value: float, low: float, high: float) -> None:
    """Refuse a number outside ``low``–``high`` (inclusive)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(f"{name} must be a number, not {value!r}")
    if value != value or not low <= value <= high:
        raise InvalidInputError(f"{name} is {value}; it must be from {low} to {high}")


def check_municipality_number(value: str) -> None:
    """Refuse anything but a 3- or 4-digit official municipality number."""
    if not isinstance(value, str) or not _MUNICIPALITY.fullmatch(value):
        raise InvalidInputError(
            f"municipality {value!r} is not a municipality number: give the official "
            "number, four digits in Norway (e.g. '4204') or three in Denmark ('153')"
        )


@contextlib.contextmanager
def _loading() -> Iterator[None]:
    token = _LOADING.set(True)
    try:
        yield
    finally:
        _LOADING.reset(token)


def loading_stored_history() -> AbstractContextManager[None]:
    """Inside it, values rebuilt from stored history are not checked.

    Use it where stored events are folded into values (an aggregate's replay,
    a family's record, the audit), so that history the checks now refuse still
    loads::

        with loading_stored_history():
            family = replay(events)

    It holds for the current thread or task only, and nests; each call gives
    a new context manager, used once. Never run a command inside it: the
    values a command builds would not be checked either.
    """
    return _loading()


def loads_stored_history(function: Callable[P, R]) -> Callable[P, R]:
    """Decorate a function that rebuilds values from stored history: they are not checked.

    The same as calling it inside :func:`loading_stored_history`, for less
    cost: decorate the ``apply`` of an event that builds values from its
    fields, so that only those events pay for it on replay.
    """

    @functools.wraps(function)
    def loads(*args: P.args, **kwargs: P.kwargs) -> R:
        token = _LOADING.set(True)
        try:
            return function(*args, **kwargs)
        finally:
            _LOADING.reset(token)

    return loads


def _shown(value: object) -> str:
    """``value`` as a caller can recognise it, at most a line long."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _HUGE:
        return "a number of more than 18 digits"
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__: name the type instead
        return f"a {type(value).__name__}"
    return text if len(text) <= _SHOWN else f"{text[: _SHOWN - 5]}…{text[-4:]}"


def _refuse_char(
    name: str, found: re.Match[str], *, one_line: bool
) -> InvalidInputError:
    """The error for a character ``name`` must not hold, saying what to do."""
    char, at = found.group(), found.start()
    code = f"U+{ord(char):04X}"
    if "\ud800" <= char <= "\udfff":
        what = f"a lone surrogate ({code}, half of a character)"
        fix = "give valid Unicode"
    elif char in "\r\n\u2028\u2029\x0b\x0c\x85":
        what = f"a line break ({code})"
        fix = "give it on one line" if one_line else "give line breaks as \\n or \\r\\n"
    elif char in _BIDI:
        what = f"the bidirectional control {code}"
        fix = "remove it (it can make the text display as other text)"
    else:
        what, fix = f"the control character {code}", "remove it"
    return InvalidInputError(f"{name} holds {what} at position {at}: {fix}")


def check_free_text(name: str, value: object, *, required: bool = True) -> None:
    r"""Refuse free text that is missing (when required), blank, over-long or malformed.

    Accepts tab and line breaks (``\n``, ``\r\n``) but no other control
    character and no lone surrogate.
    """
    check_text(name, value, required=required)
    if value is None:
        return
    assert isinstance(value, str)  # check_text refused anything else
    found = _NOT_IN_TEXT.search(value)
    if found is not None:
        raise _refuse_char(name, found, one_line=False)


def check_label(name: str, value: object, *, required: bool = True) -> None:
    """Refuse a name, label, unit or id that is missing (when required), blank or malformed.

    As :func:`check_free_text`, but on one line, at most :data:`NAME_MAX`
    characters and without bidirectional overrides or isolates.
    """
    if isinstance(value, str) and len(value) > NAME_MAX:
        raise InvalidInputError(
            f"{name} is {len(value)} characters long; shorten it to at most {NAME_MAX}"
        )
    check_text(name, value, required=required)
    if value is None:
        return
    assert isinstance(value, str)  # check_text refused anything else
    found = _NOT_IN_LABEL.search(value)
    if found is not None:
        raise _refuse_char(name, found, one_line=True)


def check_whole_number(name: str, value: object, low: int, high: int) -> None:
    """Refuse anything but an ``int`` (not a ``bool``) from ``low`` to ``high``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(
            f"{name} must be a whole number from {low} to {high}, not {_shown(value)}"
        )
    if abs(value) > _HUGE:
        raise InvalidInputError(
            f"{name} is {_shown(value)}; it must be from {low} to {high}"
        )
    check_range(name, value, low, high)


def check_number(name: str, value: object, low: float, high: float) -> None:
    """Refuse anything but a finite ``int`` or ``float`` from ``low`` to ``high``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(
            f"{name} must be a number from {low} to {high}, not {_shown(value)}"
        )
    if isinstance(value, int) and abs(value) > _HUGE:
        raise InvalidInputError(
            f"{name} is {_shown(value)}; it must be from {low} to {high}"
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInputError(
            f"{name} is {value}; it must be a number from {low} to {high}"
        )
    check_range(name, value, low, high)


def _a(cls: type) -> str:
    """``"an Agency"``, ``"a Survey"``: the class's name with its article."""
    article = "an" if cls.__name__[0] in "AEIOU" else "a"
    return f"{article} {cls.__name__}"


def _choices(enum_cls: type[enum.Enum]) -> str:
    return ", ".join(f"{enum_cls.__name__}.{m.name}" for m in enum_cls)


def check_choice(name: str, value: object, enum_cls: type[enum.Enum]) -> None:
    """Refuse anything but a member of ``enum_cls`` (the text of one included)."""
    if isinstance(value, enum_cls):
        return
    hint = ""
    if isinstance(value, str) and value in enum_cls._value2member_map_:
        member = enum_cls._value2member_map_[value]
        hint = f" (for the text {value!r}, give {enum_cls.__name__}.{member.name})"
    raise InvalidInputError(
        f"{name} must be one of {_choices(enum_cls)}; not {_shown(value)}{hint}"
    )


def check_day(name: str, value: object) -> None:
    """Refuse anything but a ``datetime.date`` (a ``datetime`` included)."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidInputError(
            f"{name} must be a date (datetime.date), not {_shown(value)}"
        )


def check_id(name: str, value: object) -> None:
    """Refuse anything but a ``uuid.UUID``."""
    if not isinstance(value, UUID):
        raise InvalidInputError(f"{name} must be an id (a UUID), not {_shown(value)}")


def check_municipality(name: str, value: object) -> None:
    """Refuse anything but an official municipality number in ASCII digits.

    The number is judged by ``rules.check_municipality``; digits of other
    scripts (``"٤٢٠٤"``) are refused too.
    """
    try:
        if not isinstance(value, str) or not value.isascii():
            raise InvalidInputError(value)
        check_municipality_number(value)
    except InvalidInputError:
        raise InvalidInputError(
            f"{name} {_shown(value)} is not a municipality number: give the official "
            "number, four digits in Norway (e.g. '4204') or three in Denmark ('153')"
        ) from None


def _item_name(item_type: type) -> str:
    return "ids (UUIDs)" if item_type is UUID else f"{item_type.__name__} values"


def _check_item(name: str, item: object, item_type: type) -> None:
    if item_type is UUID:
        check_id(name, item)
    elif issubclass(item_type, enum.Enum):
        check_choice(name, item, item_type)
    elif not isinstance(item, item_type):
        raise InvalidInputError(f"{name} must be {_a(item_type)}, not {_shown(item)}")


def _field(check: Callable[[Any], None], *, optional: bool = False) -> Validator:
    loading = _LOADING.get  # called for every field built: kept close at hand
    if optional:

        def validate_optional(_instance: Any, _field: Any, value: Any) -> None:
            if value is not None and not loading():
                check(value)

        return validate_optional

    def validate(_instance: Any, _field: Any, value: Any) -> None:
        if not loading():
            check(value)

    return validate


def free_text(name: str, *, required: bool = True) -> Validator:
    """A validator for free text (see :func:`check_free_text`); ``None`` if not required."""
    return _field(lambda value: check_free_text(name, value, required=required))


def label(name: str, *, required: bool = True) -> Validator:
    """A validator for a name, label, unit or id (see :func:`check_label`)."""
    return _field(lambda value: check_label(name, value, required=required))


def whole_number(
    name: str, low: int, high: int, *, optional: bool = False
) -> Validator:
    """A validator for an ``int`` from ``low`` to ``high`` (or ``None``, if optional)."""
    return _field(
        lambda value: check_whole_number(name, value, low, high), optional=optional
    )


def number(name: str, low: float, high: float) -> Validator:
    """A validator for a finite ``int`` or ``float`` from ``low`` to ``high``."""
    return _field(lambda value: check_number(name, value, low, high))


def choice(
    name: str, enum_cls: type[enum.Enum], *, optional: bool = False
) -> Validator:
    """A validator for a member of ``enum_cls`` (or ``None``, if optional)."""
    return _field(lambda value: check_choice(name, value, enum_cls), optional=optional)


def day(name: str, *, optional: bool = False) -> Validator:
    """A validator for a ``datetime.date`` (or ``None``, if optional)."""
    return _field(lambda value: check_day(name, value), optional=optional)


def identifier(name: str, *, optional: bool = False) -> Validator:
    """A validator for a ``uuid.UUID`` (or ``None``, if optional)."""
    return _field(lambda value: check_id(name, value), optional=optional)


def municipality(name: str) -> Validator:
    """A validator for an official municipality number (see :func:`check_municipality`)."""
    return _field(lambda value: check_municipality(name, value))


def instance_of(name: str, cls: type, *, optional: bool = False) -> Validator:
    """A validator for a value of class ``cls`` (or ``None``, if optional)."""

    def check(value: Any) -> None:
        if not isinstance(value, cls):
            raise InvalidInputError(f"{name} must be {_a(cls)}, not {_shown(value)}")

    return _field(check, optional=optional)


def set_of(name: str, item_type: type) -> Validator:
    """A validator for a ``frozenset`` of ``item_type`` (an enumeration, ``UUID``, a class)."""

    def check(value: Any) -> None:
        if not isinstance(value, frozenset):
            raise InvalidInputError(
                f"{name} must be a frozenset of {_item_name(item_type)}, not "
                f"{_shown(value)}: give frozenset({{…}})"
            )
        for item in value:
            _check_item(f"each of {name}", item, item_type)

    return _field(check)


def tuple_of(
    name: str,
    item_type: type | None = None,
    *,
    each: Callable[[str, Any], None] | None = None,
) -> Validator:
    """A validator for a ``tuple`` whose items are ``item_type`` (or pass ``each``).

    ``each(name, item)`` checks one item, for items that are not simply of a
    class (texts: pass :func:`check_label` or :func:`check_free_text`).
    """

    def check(value: Any) -> None:
        if not isinstance(value, tuple):
            raise InvalidInputError(
                f"{name} must be a tuple, not {_shown(value)}: give (…, …)"
            )
        for i, item in enumerate(value):
            if each is not None:
                each(f"{name}[{i}]", item)
            if item_type is not None:
                _check_item(f"{name}[{i}]", item, item_type)

    return _field(check)


def whole_value(check: Callable[[Any], None]) -> Validator:
    """A validator that checks the whole instance (rules across its fields).

    attrs runs validators once every field is set, so ``check(instance)`` sees
    them all; attach it to the last field.
    """
    loading = _LOADING.get

    def validate(instance: Any, _field: Any, _value: Any) -> None:
        if not loading():
            check(instance)

    return validate


def mapping_of(name: str, key_type: type[enum.Enum], low: int, high: int) -> Validator:
    """A validator for a mapping of ``key_type`` members to ``int`` from ``low`` to ``high``."""

    def check(value: Any) -> None:
        if not isinstance(value, Mapping):
            raise InvalidInputError(
                f"{name} must be a dict of {key_type.__name__} to a whole number, "
                f"not {_shown(value)}"
            )
        for key, number in value.items():
            check_choice(f"each key of {name}", key, key_type)
            check_whole_number(f"{name}[{key.value}]", number, low, high)

    return _field(check)
