"""The stored form of events and snapshots: clean, typed JSON through cattrs.

eventsourcing's default transcoder cannot encode attrs objects and writes its
own type tags into the JSON. :class:`CattrsMapper` instead turns each event
into plain JSON by the types its fields declare, and back again, so that the
stored payload reads like a document (``{"occurred_on": "2026-01-05", ...}``)
and every value comes back with its type. Snapshots are structured by the
annotations on the aggregate class. Upcasting follows eventsourcing's own
convention (``class_version`` and ``upcast_vN_vN+1`` static methods).
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Callable, Hashable
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

import cattrs
from eventsourcing.domain import CanSnapshotAggregate
from eventsourcing.persistence import (
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoder,
    find_id_convertor,
)
from eventsourcing.utils import get_topic, resolve_topic

__all__ = ["CattrsMapper", "JSONBytesTranscoder", "converter", "make_converter"]

_BASE_FIELDS = frozenset({"originator_id", "originator_version"})
_AGGREGATE_BASE_STATE: dict[str, Any] = {
    "_created_on": datetime,
    "_modified_on": datetime,
}


def _is_frozenset(tp: Any) -> bool:
    return typing.get_origin(tp) is frozenset


def make_converter() -> cattrs.Converter:
    """Build the converter used for every stored payload.

    Dates and datetimes are ISO 8601 strings, UUIDs are strings, enumerations
    their values, and sets sorted lists (so the same state always gives the
    same bytes).
    """
    conv = cattrs.Converter()
    conv.register_unstructure_hook(UUID, str)
    conv.register_structure_hook(
        UUID, lambda v, _: v if isinstance(v, UUID) else UUID(v)
    )
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_structure_hook(date, lambda v, _: date.fromisoformat(v))
    conv.register_unstructure_hook(datetime, datetime.isoformat)
    conv.register_structure_hook(datetime, lambda v, _: datetime.fromisoformat(v))

    def unstructure_frozenset(tp: Any) -> Callable[[Any], list[Any]]:
        (item_type,) = typing.get_args(tp) or (Any,)
        item_hook = conv.get_unstructure_hook(item_type)

        def unstructure(value: frozenset[Any]) -> list[Any]:
            return sorted(item_hook(item) for item in value)

        return unstructure

    conv.register_unstructure_hook_factory(_is_frozenset, unstructure_frozenset)
    return conv


converter = make_converter()
"""The library's converter (see :func:`make_converter`)."""


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


_Field = tuple[str, Callable[[Any], Any], Callable[[Any, Any], Any], Any]


class _Codec:
    """Unstructures and structures one event class, field by field."""

    def __init__(self, cls: type[Any], conv: cattrs.Converter) -> None:
        self.cls = cls
        self.topic = get_topic(cls)
        self.class_version: int = getattr(cls, "class_version", 1)
        hints = typing.get_type_hints(cls)
        self.fields: list[_Field] = []
        for field in dataclasses.fields(cls):
            if field.name in _BASE_FIELDS:
                continue
            tp = hints[field.name]
            self.fields.append(
                (
                    field.name,
                    conv.get_unstructure_hook(tp),
                    conv.get_structure_hook(tp),
                    tp,
                )
            )
        self.is_snapshot = issubclass(cls, CanSnapshotAggregate)
        self.conv = conv

    def unstructure(self, event: Any) -> dict[str, Any]:
        state = vars(event)
        out = {name: un(state[name]) for name, un, _, _ in self.fields}
        if self.is_snapshot:
            out["state"] = _unstructure_aggregate_state(
                self.conv, resolve_topic(event.topic), event.state
            )
        if self.class_version > 1:
            out["class_version"] = self.class_version
        return out

    def structure(self, state: dict[str, Any]) -> dict[str, Any]:
        from_version = state.pop("class_version", 1)
        while from_version < self.class_version:
            getattr(self.cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        out: dict[str, Any] = {}
        for name, _, st, tp in self.fields:
            if self.is_snapshot and name == "state":
                continue
            out[name] = st(state[name], tp)
        if self.is_snapshot:
            out["state"] = _structure_aggregate_state(
                self.conv, resolve_topic(out["topic"]), state["state"]
            )
        if len(state) != len(self.fields):
            extra = state.keys() - out.keys() - {"state"}
            msg = f"unknown fields {sorted(extra)}"
            raise ValueError(msg)
        return out


def _state_types(aggregate_cls: type[Any]) -> dict[str, Any]:
    hints = {
        name: tp
        for name, tp in typing.get_type_hints(aggregate_cls).items()
        if typing.get_origin(tp) is not typing.ClassVar
    }
    hints.update(_AGGREGATE_BASE_STATE)
    return hints


def _unstructure_aggregate_state(
    conv: cattrs.Converter, aggregate_cls: type[Any], state: dict[str, Any]
) -> dict[str, Any]:
    types = _state_types(aggregate_cls)
    out: dict[str, Any] = {}
    for name, value in state.items():
        if name == "class_version":
            out[name] = value
            continue
        if name not in types:
            msg = (
                f"{aggregate_cls.__qualname__}.{name} has no annotation on the class: "
                "annotate it so that snapshots can store it"
            )
            raise TypeError(msg)
        out[name] = conv.unstructure(value, types[name])
    return out


def _structure_aggregate_state(
    conv: cattrs.Converter, aggregate_cls: type[Any], state: dict[str, Any]
) -> dict[str, Any]:
    types = _state_types(aggregate_cls)
    out: dict[str, Any] = {}
    for name, value in state.items():
        if name == "class_version":
            out[name] = value
        else:
            out[name] = conv.structure(value, types[name])
    return out


class CattrsMapper(Mapper[UUID]):
    """An eventsourcing :class:`~eventsourcing.persistence.Mapper` built on cattrs.

    Events (and snapshots) are written as plain JSON objects of their fields, by
    the types the fields declare; compression and encryption, when configured,
    apply to the bytes as in eventsourcing's own mapper.
    """

    def __init__(
        self,
        transcoder: Transcoder | None = None,
        compressor: Any = None,
        cipher: Any = None,
    ) -> None:
        super().__init__(
            transcoder=transcoder or JSONBytesTranscoder(),
            compressor=compressor,
            cipher=cipher,
        )
        self._codecs: dict[type[Any], _Codec] = {}
        self._conv = converter

    def _codec(self, cls: type[Any]) -> _Codec:
        try:
            return self._codecs[cls]
        except KeyError:
            codec = self._codecs[cls] = _Codec(cls, self._conv)
            return codec

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        """Convert a domain event (or snapshot) to its stored form."""
        codec = self._codec(type(domain_event))
        data = self.transcoder.encode(codec.unstructure(domain_event))
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=codec.topic,
            state=data,
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
            state = codec.structure(self.transcoder.decode(data))
            id_convertor = find_id_convertor(
                cls, cast("Hashable", type(stored_event.originator_id))
            )
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
