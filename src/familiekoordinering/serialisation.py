"""The stored form of events and snapshots: clean, typed JSON through cattrs.

eventsourcing's default transcoder cannot encode attrs objects and writes its
own type tags into the JSON. :class:`CattrsMapper` instead turns each event
into plain JSON by the types its fields declare, and back again, so that the
stored payload reads like a document (``{"occurred_on": "2026-01-05", ...}``)
and every value comes back with its type. Snapshots are structured by the
annotations on the aggregate class. Upcasting follows eventsourcing's own
convention (``class_version`` and ``upcast_vN_vN+1`` static methods).

Value objects come back as they were stored, without the checks their
constructors run on new input (see :mod:`familiekoordinering.domain.validation`):
each is built by setting its fields (through their converters) directly, so
that history an earlier version stored, or that a stricter check now refuses,
still loads. That holds for every reader at once and switches nothing off for
anyone else.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import operator
import re
import types
import typing
from collections.abc import Callable, Hashable
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

import attrs
import cattrs
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import CanSnapshotAggregate
from eventsourcing.persistence import (
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoder,
    find_id_convertor,
)
from eventsourcing.utils import get_topic, resolve_topic

from familiekoordinering.domain.actions import FamilyKnows
from familiekoordinering.domain.validation import loading_stored_history
from familiekoordinering.errors import ConfigurationError
from familiekoordinering.integrity.chain import (
    ChainKey,
    chain_key,
    is_chained,
    split_chained,
)
from familiekoordinering.protection.keys import Keyring, family_erased_error
from familiekoordinering.protection.references import refer
from familiekoordinering.protection.sealing import (
    ERASED,
    SEALED,
    PersonalPath,
    collecting,
    holds_clear,
    open_date,
    open_text,
    personal_kind,
    personal_paths,
    restore,
    seal,
    seal_values,
    start_opening,
    stop_opening,
    unseal_values,
)

__all__ = ["CattrsMapper", "JSONBytesTranscoder", "converter", "make_converter"]

_PREV = "_prev"
_SEALED_MEMBER = b'"%s":"' % SEALED.encode()
_DIGEST = "_digest"
_SNAPSHOT_HEAD = re.compile(rb'\{"timestamp":"[^"]*","topic":"([^"\\]*)"')
"""How every snapshot this mapper writes begins: its time, then its aggregate's topic."""
_CLASS_VERSION = re.compile(rb'"class_version":(\d+)')

_BASE_FIELDS = frozenset({"originator_id", "originator_version"})
_AGGREGATE_BASE_STATE: dict[str, Any] = {
    "_created_on": datetime,
    "_modified_on": datetime,
}


def _is_homogeneous_tuple(tp: Any) -> bool:
    args = typing.get_args(tp)
    return typing.get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis


def _is_frozenset(tp: Any) -> bool:
    return typing.get_origin(tp) in (frozenset, set)


def _is_id_dict(tp: Any) -> bool:
    args = typing.get_args(tp)
    return (
        typing.get_origin(tp) is dict and len(args) == 2 and _base_type(args[0]) is UUID
    )


def _structure_uuid(value: Any, _: Any) -> UUID:
    return value if isinstance(value, UUID) else _uuid(value)


@functools.lru_cache(maxsize=65536)
def _uuid(text: str) -> UUID:
    # Ids repeat heavily within a family's history (members, consents, goals).
    return UUID(text)


def _structure_str_enum(value: Any, tp: type[enum.StrEnum]) -> enum.StrEnum:
    try:
        return tp._value2member_map_[value]  # type: ignore[return-value]
    except (KeyError, TypeError):
        return tp(value)  # raises ValueError naming the bad value


def _pass_through(value: Any, _: Any) -> Any:
    return value


def make_converter() -> cattrs.Converter:
    """Build the converter used for every stored payload.

    Dates and datetimes are ISO 8601 strings, UUIDs are strings, enumerations
    their values, and sets sorted lists (so the same state always gives the
    same bytes; an aggregate's own ``set`` comes back a ``set``). Structuring
    trusts the stored shape (no per-field error collection), which keeps
    replay fast; a malformed payload still raises. attrs values are built
    without running their validators: stored history loads as it was stored.
    """
    conv = cattrs.Converter(detailed_validation=False)
    conv.register_unstructure_hook(UUID, str)
    conv.register_structure_hook(UUID, _structure_uuid)
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_structure_hook(date, lambda v, _: date.fromisoformat(v))
    conv.register_unstructure_hook(datetime, datetime.isoformat)
    conv.register_structure_hook(datetime, lambda v, _: datetime.fromisoformat(v))
    # StrEnum is a str: without its own hook, cattrs would structure it as str.
    conv.register_structure_hook(enum.StrEnum, _structure_str_enum)
    # JSON already gives str and int; converting them again only costs time.
    conv.register_structure_hook(str, _pass_through)
    conv.register_structure_hook(int, _pass_through)

    def unstructure_frozenset(tp: Any) -> Callable[[Any], list[Any]]:
        (item_type,) = typing.get_args(tp) or (Any,)
        item_hook = conv.get_unstructure_hook(item_type)

        def unstructure(value: frozenset[Any]) -> list[Any]:
            return sorted(item_hook(item) for item in value)

        return unstructure

    conv.register_unstructure_hook_factory(_is_frozenset, unstructure_frozenset)

    def structure_frozenset(tp: Any) -> Callable[[Any, Any], frozenset[Any] | set[Any]]:
        (item_type,) = typing.get_args(tp) or (Any,)
        make = typing.get_origin(tp)  # frozenset, or set (an aggregate's own)
        base = _base_type(item_type)
        if base is UUID:
            return lambda value, _: make(map(_uuid, value))
        if isinstance(base, type) and issubclass(base, enum.StrEnum):
            members = base._value2member_map_
            return lambda value, _: make(map(members.__getitem__, value))
        item_hook = conv.get_structure_hook(item_type)
        return lambda value, _: make(item_hook(item, item_type) for item in value)

    conv.register_structure_hook_factory(_is_frozenset, structure_frozenset)

    def structure_tuple(tp: Any) -> Callable[[Any, Any], tuple[Any, ...]]:
        item_type = typing.get_args(tp)[0]
        base = _base_type(item_type)
        if base is UUID:
            return lambda value, _: tuple(map(_uuid, value))
        if base in (str, int):
            return lambda value, _: tuple(value)
        item_hook = conv.get_structure_hook(item_type)
        return lambda value, _: tuple([item_hook(item, item_type) for item in value])

    conv.register_structure_hook_factory(_is_homogeneous_tuple, structure_tuple)

    def structure_id_dict(tp: Any) -> Callable[[Any, Any], dict[Any, Any]]:
        # An aggregate's dicts by id (members, consents, goals …): one pass,
        # without cattrs's per-key NewType indirection.
        value_type = typing.get_args(tp)[1]
        if _base_type(value_type) is date:
            as_date = date.fromisoformat
            return lambda value, _: {_uuid(k): as_date(v) for k, v in value.items()}
        hook = conv.get_structure_hook(value_type)
        return lambda value, _: {
            _uuid(k): hook(v, value_type) for k, v in value.items()
        }

    conv.register_structure_hook_factory(_is_id_dict, structure_id_dict)

    def structure_optional(tp: Any) -> Callable[[Any, Any], Any]:
        inner = _optional_of(tp)
        hook = conv.get_structure_hook(inner)
        return lambda value, _: None if value is None else hook(value, inner)

    conv.register_structure_hook_factory(
        lambda tp: _optional_of(tp) is not None, structure_optional
    )
    # Personal data (names, birth dates, free text) goes through the sealing
    # context, which encrypts it where the store has keys.
    conv.register_unstructure_hook_factory(
        lambda tp: personal_kind(tp) is not None,
        lambda tp: (
            seal
            if personal_kind(tp) == "text"
            else (lambda value: seal(value.isoformat()))
        ),
    )
    conv.register_structure_hook_factory(
        lambda tp: personal_kind(tp) is not None,
        lambda tp: (
            (lambda value, _: open_text(value))
            if personal_kind(tp) == "text"
            else (lambda value, _: open_date(value))
        ),
    )
    unstructure_attrs, structure_attrs = _compile_attrs_hooks(conv)
    conv.register_unstructure_hook_factory(attrs.has, unstructure_attrs)
    conv.register_structure_hook_factory(attrs.has, structure_attrs)
    return conv


class JSONBytesTranscoder(Transcoder):
    """Plain JSON to and from UTF-8 bytes; the structure comes from :class:`CattrsMapper`."""

    def __init__(self) -> None:
        self._encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
        self._decoder = json.JSONDecoder()

    def encode(self, obj: Any) -> bytes:
        """Encode a JSON-able value as compact UTF-8 JSON."""
        return self._encoder.encode(obj).encode("utf-8")

    def decode(self, data: bytes) -> Any:
        """Decode UTF-8 JSON."""
        return self._decoder.decode(data.decode("utf-8"))


def _base_type(tp: Any) -> Any:
    """The runtime type behind a NewType (``MemberId`` → ``UUID``)."""
    while hasattr(tp, "__supertype__"):
        tp = tp.__supertype__
    return tp


def _optional_of(tp: Any) -> Any:
    """``X`` for ``X | None``, else ``None``."""
    args = typing.get_args(tp)
    if (
        len(args) == 2
        and type(None) in args
        and typing.get_origin(tp)
        in (
            typing.Union,
            types.UnionType,
        )
    ):
        return args[0] if args[1] is type(None) else args[1]
    return None


def _is_str_enum(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, enum.StrEnum)


class _Compiler:
    """Writes one structure and one unstructure function per event class.

    Replay calls these for every event, so simple field types get inline code
    (ids, dates, enumerations, sets of them); everything else calls the cattrs
    hook for its declared type.
    """

    def __init__(self, conv: cattrs.Converter) -> None:
        self.conv = conv
        self.namespace: dict[str, Any] = {
            "_new": object.__new__,
            "_uuid": _uuid,
            "_date": date.fromisoformat,
            "_datetime": datetime.fromisoformat,
            "_seal": seal,
            "_open_text": open_text,
            "_open_date": open_date,
        }

    def _name(self, prefix: str, value: Any) -> str:
        name = f"_{prefix}{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def structure(self, tp: Any, src: str) -> str:
        kind = personal_kind(tp)
        if kind is not None:
            return f"_open_{kind}({src})"
        base = _base_type(tp)
        if base in (str, int, bool):
            return src
        inner = _optional_of(tp)
        if inner is not None:
            return f"(None if {src} is None else {self.structure(inner, src)})"
        if base is UUID:
            return f"_uuid({src})"
        if base is date:
            return f"_date({src})"
        if base is datetime:
            return f"_datetime({src})"
        if _is_str_enum(base):
            return f"{self._name('enum', base._value2member_map_)}[{src}]"
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin in (frozenset, tuple) and args and args[-1] is not Any:
            item = _base_type(args[0])
            if origin is tuple and (len(args) != 2 or args[1] is not Ellipsis):
                item = None
            if item is UUID:
                return f"{origin.__name__}(map(_uuid, {src}))"
            if _is_str_enum(item):
                members = self._name("enum", item._value2member_map_)
                return f"{origin.__name__}(map({members}.__getitem__, {src}))"
        hook = self._name("hook", self.conv.get_structure_hook(tp))
        return f"{hook}({src}, {self._name('type', tp)})"

    def unstructure(self, tp: Any, src: str) -> str:
        kind = personal_kind(tp)
        if kind == "text":
            return f"_seal({src})"
        if kind == "date":
            return f"_seal({src}.isoformat())"
        base = _base_type(tp)
        if base in (str, int, bool):
            return src
        inner = _optional_of(tp)
        if inner is not None:
            return f"(None if {src} is None else {self.unstructure(inner, src)})"
        if base is UUID:
            return f"str({src})"
        if base in (date, datetime):
            return f"{src}.isoformat()"
        if _is_str_enum(base):
            return f"{src}._value_"
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is frozenset and args:
            item = _base_type(args[0])
            if item is UUID:
                return f"sorted(map(str, {src}))"
            if _is_str_enum(item):
                return f"sorted([x._value_ for x in {src}])"
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            item = _base_type(args[0])
            if item in (str, int):
                return f"list({src})"
            if item is UUID:
                return f"list(map(str, {src}))"
            hook = self._name("hook", self.conv.get_unstructure_hook(args[0]))
            return f"list(map({hook}, {src}))"
        hook = self._name("hook", self.conv.get_unstructure_hook(tp))
        return f"{hook}({src})"

    def compile(self, name: str, body: str, *, call: Any = None) -> Callable[..., Any]:
        """Compile ``def name(s): return {body}`` (or ``return call(body)``)."""
        if call is None:
            code = f"def {name}(s):\n    return {{\n{body}    }}\n"
        else:
            code = f"def {name}(s, _t=None):\n    return {self._name('cls', call)}(\n{body}    )\n"
        return self._exec(name, code)

    def compile_build(
        self, name: str, cls: type[Any], fields: list[tuple[attrs.Attribute[Any], str]]
    ) -> Callable[..., Any]:
        """Compile ``def name(s)`` that builds ``cls`` from ``fields`` without ``__init__``.

        Each field is set to its structured value (through the field's
        converter, if it has one) by the class's slot, so that no validator
        runs: stored history loads as it was stored (see
        :mod:`familiekoordinering.domain.validation`).
        """
        lines = [
            f"def {name}(s, _t=None):\n",
            f"    o = _new({self._name('cls', cls)})\n",
        ]
        for field, value in fields:
            if field.converter is not None:
                value = f"{self._name('convert', field.converter)}({value})"
            slot = self._name("slot", _slot(cls, field.name).__set__)
            lines.append(f"    {slot}(o, {value})\n")
        lines.append("    return o\n")
        return self._exec(name, "".join(lines))

    def _exec(self, name: str, code: str) -> Callable[..., Any]:
        exec(compile(code, f"<familiekoordinering {name}>", "exec"), self.namespace)
        function: Callable[..., Any] = self.namespace.pop(name)
        return function


def _slot(cls: type[Any], name: str) -> Any:
    """The slot (member descriptor) that holds field ``name`` of ``cls``, or ``None``."""
    for klass in cls.__mro__:
        if name in vars(klass):
            found = vars(klass)[name]
            return found if isinstance(found, types.MemberDescriptorType) else None
    return None


def _builds_without_init(cls: type[Any]) -> bool:
    """Whether :meth:`_Compiler.compile_build` can build ``cls`` as ``__init__`` would.

    That is a slotted attrs class whose ``__init__`` only sets its fields (with
    plain converters): no hooks around it, no cached hash, no field left out of it.
    """
    return (
        not hasattr(cls, "__attrs_pre_init__")
        and not hasattr(cls, "__attrs_post_init__")
        and not hasattr(cls, "_attrs_cached_hash")
        and all(
            f.init
            and not isinstance(f.converter, attrs.Converter)
            and _slot(cls, f.name) is not None
            for f in attrs.fields(cls)
        )
    )


def _compile_attrs_hooks(
    conv: cattrs.Converter,
) -> tuple[
    Callable[[Any], Callable[[Any], Any]], Callable[[Any], Callable[[Any, Any], Any]]
]:
    """Hook factories that compile one function per attrs class, as for events."""

    def fields(cls: type[Any]) -> list[tuple[str, Any]]:
        hints = typing.get_type_hints(cls, include_extras=True)
        return [(f.name, hints[f.name]) for f in attrs.fields(cls)]

    def unstructure(cls: type[Any]) -> Callable[[Any], Any]:
        compiler = _Compiler(conv)
        body = "".join(
            f"        {name!r}: {compiler.unstructure(tp, f's.{name}')},\n"
            for name, tp in fields(cls)
        )
        return compiler.compile("unstructure", body)

    def structure(cls: type[Any]) -> Callable[[Any, Any], Any]:
        # Stored values are rebuilt as they were stored, without the checks
        # their constructors run on new input (see domain.validation).
        compiler = _Compiler(conv)
        cls_fields = fields(cls)
        build: Callable[[Any, Any], Any]
        if _builds_without_init(cls):
            build = compiler.compile_build(
                "structure",
                cls,
                [
                    (field, compiler.structure(tp, f"s[{name!r}]"))
                    for field, (name, tp) in zip(
                        attrs.fields(cls), cls_fields, strict=True
                    )
                ],
            )
        else:
            by_init = compiler.compile(
                "structure",
                "".join(
                    f"        {name}={compiler.structure(tp, f's[{name!r}]')},\n"
                    for name, tp in cls_fields
                ),
                call=cls,
            )

            def build(s: Any, _t: Any = None) -> Any:
                with loading_stored_history():
                    return by_init(s, _t)

        if cls not in _SHARED_VALUES:
            return build
        return _memoised(build, tuple(name for name, _ in cls_fields))

    return unstructure, structure


_SHARED_VALUES: frozenset[type[Any]] = frozenset({FamilyKnows})
"""Immutable values that repeat throughout a family's history (the same "inform
by" promise): one instance stands for every equal one when stored payloads are
structured. Values holding personal data or free text are left out, so that
nothing about a family outlives its payload in memory — and because a sealed
field stores only an index into its event's sealed values, which means
another value in every event: :class:`Agency`, whose unit is sealed since the
unit became personal data, must never be shared."""
_MEMO_LIMIT = 4096
"""How many distinct values of one class :func:`_memoised` keeps at most."""


def _memoised(
    build: Callable[[Any, Any], Any], names: tuple[str, ...]
) -> Callable[[Any, Any], Any]:
    """``build``, reusing the instance built before from the same stored fields."""
    memo: dict[tuple[Any, ...], Any] = {}
    getter = operator.itemgetter(*names)
    key_of: Callable[[Any], tuple[Any, ...]] = (
        getter if len(names) > 1 else (lambda s: (getter(s),))
    )

    def structure(s: Any, _t: Any = None) -> Any:
        try:
            return memo[key_of(s)]
        except KeyError:
            pass
        except TypeError:  # an unhashable (malformed) field: let build complain
            return build(s, _t)
        value = build(s, _t)
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[key_of(s)] = value
        return value

    return structure


def _upcast_stored(cls: type[Any], state: dict[str, Any]) -> int:
    """Bring a stored payload (of an event, or a snapshot's state) of ``cls`` up to date.

    Pops its ``class_version`` and applies ``cls.upcast_vN_vN+1`` in turn, in
    place, on the stored (JSON) form; returns the class's current version. A
    payload of a newer version than this library knows is refused: reading it
    as the old shape could silently drop what the newer version added.
    """
    current: int = getattr(cls, "class_version", 1)
    version = state.pop("class_version", 1)
    if not isinstance(version, int) or version > current:
        msg = (
            f"stored class_version {version!r} of {cls.__qualname__} is not one "
            f"this library reads (it knows up to {current}): upgrade "
            "familiekoordinering"
        )
        raise ValueError(msg)
    while version < current:
        getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
    return current


class _Codec:
    """Unstructures and structures one event class, field by field."""

    def __init__(self, cls: type[Any], conv: cattrs.Converter) -> None:
        self.cls = cls
        self.topic = get_topic(cls)
        self.class_version: int = getattr(cls, "class_version", 1)
        self.is_snapshot = issubclass(cls, CanSnapshotAggregate)
        self.conv = conv
        hints = typing.get_type_hints(cls, include_extras=True)
        fields = [
            (f.name, hints[f.name])
            for f in dataclasses.fields(cls)
            if f.name not in _BASE_FIELDS
            and not (self.is_snapshot and f.name == "state")
        ]
        self.field_count = len(fields) + self.is_snapshot
        self.personal: list[PersonalPath] = (
            [] if self.is_snapshot else personal_paths(cls)
        )
        compiler = _Compiler(conv)
        self._structure = compiler.compile(
            "structure",
            "".join(
                f"        {name!r}: {compiler.structure(tp, f's[{name!r}]')},\n"
                for name, tp in fields
            ),
        )
        self._unstructure = compiler.compile(
            "unstructure",
            "".join(
                f"        {name!r}: {compiler.unstructure(tp, f's[{name!r}]')},\n"
                for name, tp in fields
            ),
        )

    def unstructure(self, event: Any) -> dict[str, Any]:
        out: dict[str, Any] = self._unstructure(vars(event))
        if self.is_snapshot:
            out["state"] = _unstructure_aggregate_state(
                self.conv, resolve_topic(event.topic), event.state
            )
        if self.class_version > 1:
            out["class_version"] = self.class_version
        return out

    def upcast(self, state: dict[str, Any]) -> None:
        """Bring a stored payload of an older class version up to date, in place."""
        _upcast_stored(self.cls, state)

    def structure(self, state: dict[str, Any]) -> dict[str, Any]:
        if self.class_version > 1 or "class_version" in state:
            self.upcast(state)
        out: dict[str, Any] = self._structure(state)
        if self.is_snapshot:
            out["state"] = _structure_aggregate_state(
                self.conv, resolve_topic(out["topic"]), state["state"]
            )
        if len(state) != self.field_count:
            extra = state.keys() - out.keys()
            msg = f"unknown fields {sorted(extra)}"
            raise ValueError(msg)
        return out


_StateHooks = dict[str, tuple[Callable[[Any], Any], Callable[[Any, Any], Any], Any]]
_state_hooks_cache: dict[type[Any], _StateHooks] = {}


def _state_hooks(conv: cattrs.Converter, aggregate_cls: type[Any]) -> _StateHooks:
    """Per state attribute of the aggregate class: unstructure and structure hooks."""
    try:
        return _state_hooks_cache[aggregate_cls]
    except KeyError:
        pass
    hints = {
        name: tp
        for name, tp in typing.get_type_hints(
            aggregate_cls, include_extras=True
        ).items()
        if typing.get_origin(tp) is not typing.ClassVar
    }
    hints.update(_AGGREGATE_BASE_STATE)
    hooks = _state_hooks_cache[aggregate_cls] = {
        name: (conv.get_unstructure_hook(tp), conv.get_structure_hook(tp), tp)
        for name, tp in hints.items()
    }
    return hooks


def _unstructure_aggregate_state(
    conv: cattrs.Converter, aggregate_cls: type[Any], state: dict[str, Any]
) -> dict[str, Any]:
    hooks = _state_hooks(conv, aggregate_cls)
    out: dict[str, Any] = {}
    # By name, so that the stored bytes do not depend on the order in which
    # the aggregate happened to set its attributes.
    for name, value in sorted(state.items()):
        if name == "class_version":
            out[name] = value
            continue
        if name not in hooks:
            msg = (
                f"{aggregate_cls.__qualname__}.{name} has no annotation on the class: "
                "annotate it so that snapshots can store it"
            )
            raise TypeError(msg)
        out[name] = hooks[name][0](value)
    return out


def _structure_aggregate_state(
    conv: cattrs.Converter, aggregate_cls: type[Any], state: dict[str, Any]
) -> dict[str, Any]:
    """A snapshot's stored state as the aggregate's current class version holds it.

    A state of an older class version is upcast first, on its stored form
    (``upcast_vN_vN+1`` static methods of the aggregate class), and comes out
    marked with the current version, so that eventsourcing's snapshot does not
    upcast it again. A newer version than this library knows is refused.
    """
    hooks = _state_hooks(conv, aggregate_cls)
    current = _upcast_stored(aggregate_cls, state)
    out: dict[str, Any] = {}
    for name, value in state.items():
        _, structure, tp = hooks[name]
        out[name] = structure(value, tp)
    if current > 1:
        out["class_version"] = current
    return out


@functools.lru_cache(maxsize=64)
def _oldest_snapshot_read(topic: bytes) -> int:
    """The aggregate's ``oldest_snapshot_read`` (1: every version); 1 if unknown."""
    try:
        cls = resolve_topic(topic.decode("ascii"))
    except Exception:
        return 1
    oldest = getattr(cls, "oldest_snapshot_read", 1)
    return oldest if isinstance(oldest, int) else 1


class CattrsMapper(Mapper[UUID]):
    """An eventsourcing :class:`~eventsourcing.persistence.Mapper` built on cattrs.

    Events (and snapshots) are written as plain JSON objects of their fields, by
    the types the fields declare; compression and encryption, when configured,
    apply to the bytes as in eventsourcing's own mapper.

    With a ``keyring``, the fields marked as personal data are sealed with the
    family's own key (see :mod:`familiekoordinering.protection`): the stored
    payload keeps ids, dates, categories and scores readable, holds an index in
    place of each personal value and the values themselves, encrypted, in its
    ``_sealed`` member. The mapper neither creates keys nor decides who may
    still record: the family's key must exist before its events are mapped
    (the engine makes sure of it, and refuses an erased family, with
    :meth:`~familiekoordinering.protection.Keyring.ensure_key`); the mapper
    only looks the live key up (see :meth:`_sealer`).

    Written through :meth:`to_chained_stored_event`, a payload ends with the
    chain members ``_prev`` and ``_digest`` (see
    :mod:`familiekoordinering.integrity.chain`), made with ``chain``.
    """

    def __init__(
        self,
        transcoder: Transcoder | None = None,
        compressor: Any = None,
        cipher: Any = None,
        keyring: Keyring | None = None,
        chain: ChainKey | None = None,
    ) -> None:
        super().__init__(
            transcoder=transcoder or JSONBytesTranscoder(),
            compressor=compressor,
            cipher=cipher,
        )
        self._codecs: dict[type[Any], _Codec] = {}
        self._conv = converter
        self.keyring = keyring
        self.chain = chain or chain_key(None)

    def _codec(self, cls: type[Any]) -> _Codec:
        try:
            return self._codecs[cls]
        except KeyError:
            codec = self._codecs[cls] = _Codec(cls, self._conv)
            return codec

    def _unstructure(self, codec: _Codec, domain_event: Any) -> dict[str, Any]:
        if self.keyring is None:
            return codec.unstructure(domain_event)
        with collecting() as values:
            out = codec.unstructure(domain_event)
        if values:
            family_id = domain_event.originator_id
            version = domain_event.originator_version
            out[SEALED] = seal_values(
                self._sealer(self.keyring, family_id, version),
                values,
                family_id,
                version,
                codec.topic,
            )
        return out

    @staticmethod
    def _sealer(keyring: Keyring, family_id: UUID, version: int) -> AESGCM:
        """The family's live key, to seal an event's personal values; else a refusal.

        Only looks the key up (:meth:`Keyring.sealer`): it never creates one
        and never writes. The engine makes every family's key before mapping
        its events and refuses an erased family there, so the refusals here
        are a safety net, not the rule: whatever maps an event without that
        step gets an error, and the personal data is never written in the clear.
        """
        cipher = keyring.sealer(family_id)
        if cipher is not None:
            return cipher
        erasure = keyring.erasure(family_id)
        if erasure is not None:
            raise family_erased_error(family_id, erasure)
        raise ConfigurationError(
            f"event {version} of family {family_id} holds personal data, but the "
            "family has no key to seal it with: nothing was written (personal data "
            "is never stored in the clear). Make the family's key before mapping "
            "its events, with keyring.ensure_key(family_id) as the application's "
            "save does, and check that the key store is this store's"
        )

    def _opened(
        self, sealed: Any, originator_id: Any, version: int, topic: str
    ) -> list[Any] | Any:
        """The sealed values of a stored event, or ERASED."""
        family_id = (
            originator_id
            if isinstance(originator_id, UUID)
            else UUID(str(originator_id))
        )
        if self.keyring is None:
            raise ConfigurationError(
                f"event {version} of family {family_id} holds encrypted personal "
                "data: open the store with the master key it was written with"
            )
        cipher = self.keyring.opener(family_id)
        if cipher is None:
            return ERASED
        return unseal_values(cipher, sealed, family_id, version, topic)

    def holds_clear_personal_data(self, stored_event: StoredEvent) -> bool:
        """Whether a stored event holds personal data that is not sealed."""
        data = stored_event.state
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        codec = self._codec(resolve_topic(stored_event.topic))
        return holds_clear(self.transcoder.decode(data), codec.personal)

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        """Convert a domain event (or snapshot) to its stored form, unchained."""
        codec = self._codec(type(domain_event))
        return self._stored(
            domain_event,
            codec.topic,
            self.transcoder.encode(self._unstructure(codec, domain_event)),
        )

    def to_chained_stored_event(
        self, domain_event: Any, prev: str
    ) -> tuple[StoredEvent, str]:
        """The stored form of a domain event (or snapshot) that follows ``prev``.

        The payload ends with ``_prev`` and ``_digest``; returns the stored
        event and its digest (what the family's next event will follow).
        """
        codec = self._codec(type(domain_event))
        out = self._unstructure(codec, domain_event)
        out[_PREV] = prev
        data, digest = self.chain.chain(
            self.transcoder.encode(out),
            domain_event.originator_id,
            domain_event.originator_version,
            codec.topic,
            snapshot=codec.is_snapshot,
        )
        return self._stored(domain_event, codec.topic, data), digest

    def _stored(self, domain_event: Any, topic: str, data: bytes) -> StoredEvent:
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=topic,
            state=data,
        )

    def plain(self, data: bytes) -> bytes:
        """A stored payload's JSON bytes: decrypted and decompressed, if configured."""
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        return data

    def reads_snapshot(self, stored_event: StoredEvent) -> bool:
        """Whether loads read a stored snapshot (and the audit judges it).

        It must carry the chain members (one written before chaining, or
        beneath the library, has nothing to show it stands for the family's
        events), and be of a class version its aggregate still reads
        (``oldest_snapshot_read``; older ones cannot be upcast exactly). Reads
        fixed places of the bytes, no JSON: only an object's key can hold
        ``"class_version":`` unescaped, and only the aggregate's state has it.
        What is not in this mapper's form is left to :meth:`to_domain_event`.
        """
        data = self.plain(stored_event.state)
        if not is_chained(data):
            return False
        head = _SNAPSHOT_HEAD.match(data)
        if head is None:
            return True
        oldest = _oldest_snapshot_read(head[1])
        if oldest <= 1:
            return True
        found = _CLASS_VERSION.search(data)  # version 1 wrote none
        return found is not None and int(found[1]) >= oldest

    def digest_of(self, stored_event: StoredEvent) -> str:
        """The digest a stored event carries, or stands for if written unchained."""
        data = self.plain(stored_event.state)
        chained = split_chained(data)
        if chained is not None:
            return chained.digest
        return self.chain.unchained_digest(
            stored_event.originator_id,
            stored_event.originator_version,
            stored_event.topic,
            data,
        )

    def payload(
        self,
        topic: str,
        data: bytes,
        originator_id: UUID | str | None = None,
        version: int | None = None,
    ) -> dict[str, Any]:
        """A stored event's JSON payload as a dict: decrypted, decompressed, upcast.

        What projections read: the stored form (``topic`` and ``state`` of a
        stored event), without typed objects; the chain members ``_prev`` and
        ``_digest`` of a chained event are kept. Personal data sealed with the
        family's key is opened (or reads as erased), which needs the event's
        ``originator_id`` and ``version``.
        """
        return self._payload(topic, data, originator_id, version, refer_only=False)

    def view_payload(
        self, topic: str, data: bytes, originator_id: UUID | str, version: int
    ) -> dict[str, Any]:
        """A stored event's payload for the views: personal fields as references.

        As :meth:`payload`, but a sealed event's personal fields are not
        opened: each becomes a reference to the event's sealed value (see
        :mod:`familiekoordinering.protection.references`), so the views hold
        no personal data and need no key to be built.
        """
        return self._payload(topic, data, originator_id, version, refer_only=True)

    def _payload(
        self,
        topic: str,
        data: bytes,
        originator_id: UUID | str | None,
        version: int | None,
        *,
        refer_only: bool,
    ) -> dict[str, Any]:
        data = self.plain(data)
        state: dict[str, Any] = self.transcoder.decode(data)
        codec = self._codec(resolve_topic(topic))
        sealed = state.pop(SEALED, None)
        if sealed is not None:
            if originator_id is None or version is None:
                raise ValueError(
                    "this payload holds sealed personal data: give its originator_id "
                    "and version to open it"
                )
            if refer_only:
                refer(state, codec.personal, version)
            else:
                restore(
                    state,
                    codec.personal,
                    self._opened(sealed, originator_id, version, topic),
                )
        if codec.class_version > 1 or "class_version" in state:
            codec.upcast(state)
        return state

    def sealed_values(self, stored_event: StoredEvent) -> list[Any] | Any:
        """The opened personal values of a stored event (or ERASED; [] if unsealed).

        Finds the ``_sealed`` member without decoding the rest of the payload:
        the mapper writes it after every field, and its base64 text holds no
        quote (a quote inside any text is escaped, so ``"_sealed":"`` as
        written can only be the member itself).
        """
        data = self.plain(stored_event.state)
        start = data.rfind(_SEALED_MEMBER)
        if start < 0:
            return []
        start += len(_SEALED_MEMBER)
        end = data.index(b'"', start)
        return self._opened(
            data[start:end].decode("ascii"),
            stored_event.originator_id,
            stored_event.originator_version,
            stored_event.topic,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        """Convert a stored event back to the domain event (or snapshot) it was."""
        try:
            cls = resolve_topic(stored_event.topic)
            codec = self._codec(cls)
            data = stored_event.state
            if self.cipher:
                data = self.cipher.decrypt(data)
            if self.compressor:
                data = self.compressor.decompress(data)
            stored = self.transcoder.decode(data)
            stored.pop(_DIGEST, None)
            stored.pop(_PREV, None)
            sealed = stored.pop(SEALED, None)
            if sealed is None:
                state = codec.structure(stored)
            else:
                values = self._opened(
                    sealed,
                    stored_event.originator_id,
                    stored_event.originator_version,
                    stored_event.topic,
                )
                token = start_opening(values)
                try:
                    state = codec.structure(stored)
                finally:
                    stop_opening(token)
            id_convertor = find_id_convertor(
                cls, cast("Hashable", type(stored_event.originator_id))
            )
        except ConfigurationError:
            raise
        except Exception as e:
            msg = (
                f"cannot read stored event {stored_event.originator_version} of "
                f"{stored_event.originator_id} (topic '{stored_event.topic}'): {e}"
            )
            raise MapperDeserialisationError(msg) from e
        state["originator_id"] = id_convertor(stored_event.originator_id)
        state["originator_version"] = stored_event.originator_version
        domain_event = object.__new__(cls)
        object.__setattr__(domain_event, "__dict__", state)
        return domain_event


converter = make_converter()
"""The library's converter (see :func:`make_converter`)."""
