"""Generate the event catalogue (``events.md``) from the code, at build time.

mkdocs-gen-files runs this script during ``mkdocs build``. For every class in
``Family.EVENT_CLASSES`` it writes the event's name, its permanent stored topic,
its docstring, a table of its fields and an example of the JSON payload exactly
as the store keeps it. The examples are the fixed ones in
``familiekoordinering.testing.examples`` (the same the golden-payload tests use),
so the page is the same on every build.

Nothing here is maintained by hand: a new event class, field or enumeration
value shows up on the next build. A new event class also needs an example in
``familiekoordinering.testing.examples``, or the catalogue says that its example
is missing (and ``tests/test_docs.py`` fails).
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import json
import re
import types
import typing
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import attrs

import familiekoordinering as fk
from familiekoordinering import (
    Family,
    Inquiry,
)
from familiekoordinering.domain.caseload import Caseload
from familiekoordinering.testing.examples import STORED_EXAMPLES, golden_document

PAGE = "events.md"
BASE_FIELDS = frozenset({"originator_id", "originator_version"})
ENVELOPE = tuple(
    f.name for f in dataclasses.fields(Family.Event) if f.name not in BASE_FIELDS
)
ENVELOPE_MEANING = {
    "timestamp": "When the event was recorded: the application's clock, set by "
    "the library, not by the caller (also readable as `recorded_at`).",
    "occurred_on": "When the thing happened in the family's life, as the caller "
    "says. Rules are judged on this date.",
    "actor": "Who recorded it: user id, role and municipality.",
}
CREATED_FIELD_MEANING = {
    "originator_topic": "The stored topic of the aggregate the event creates "
    "(only on the creating event).",
}


# --------------------------------------------------------------------------- example


def example_payloads() -> dict[type[Any], tuple[str, dict[str, Any]]]:
    """The stored topic and JSON payload of the fixed example of each event class.

    The examples are the ones the golden-payload tests pin down
    (:mod:`familiekoordinering.testing.examples`), so the page shows exactly
    what the store keeps.
    """
    out: dict[type[Any], tuple[str, dict[str, Any]]] = {}
    for event in STORED_EXAMPLES.values():
        document = golden_document(event)
        out[type(event)] = (document["topic"], document["state"])
    return out


# ------------------------------------------------------------------------ formatting

_ROLE = re.compile(r":(?:py:)?[a-z]+:`~?([^`]+)`")


def _docstring(obj: Any) -> str:
    """The docstring as Markdown: reST roles become code spans."""
    text = inspect.getdoc(obj) or ""
    return _ROLE.sub(lambda m: f"`{m.group(1).rsplit('.', 1)[-1]}`", text)


def _public(tp: Any) -> str | None:
    """The public name of ``tp`` if ``familiekoordinering`` exports it, else None."""
    name = getattr(tp, "__name__", None)
    if name and getattr(fk, name, None) is tp and name in fk.__all__:
        return name
    return None


def _ref(tp: Any) -> str:
    """A link to the API reference for a public type; plain code otherwise."""
    name = getattr(tp, "__name__", repr(tp))
    if _public(tp):
        return f"[`{name}`][{tp.__module__}.{getattr(tp, '__qualname__', name)}]"
    return f"`{name}`"


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def format_type(tp: Any) -> str:
    """A field's type as Markdown, safe inside a table cell."""
    if tp is type(None):
        return "`None`"
    if tp is Ellipsis:
        return "`...`"
    if _is_union(tp):
        return " \\| ".join(format_type(arg) for arg in typing.get_args(tp))
    origin = typing.get_origin(tp)
    if origin is not None:
        args = ", ".join(format_type(arg) for arg in typing.get_args(tp))
        return f"`{origin.__name__}`\\[{args}\\]"
    return _ref(tp)


def stored_as(tp: Any) -> str:
    """How a value of type ``tp`` looks in the stored JSON."""
    if tp is type(None):
        return "`null`"
    if _is_union(tp):
        return " or ".join(stored_as(arg) for arg in typing.get_args(tp))
    origin = typing.get_origin(tp)
    if origin is frozenset:
        return f"list of {stored_as(typing.get_args(tp)[0])}, sorted"
    if origin is tuple:
        return f"list of {stored_as(typing.get_args(tp)[0])}"
    supertype = getattr(tp, "__supertype__", None)
    if supertype is not None:  # a NewType such as MemberId
        return stored_as(supertype)
    if tp is datetime:
        return "string: date and time with offset (ISO 8601)"
    if tp is date:
        return "string: date (ISO 8601)"
    if tp is uuid.UUID:
        return "string: UUID"
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return f"string: one of the [`{tp.__name__}`](#{_anchor(tp)}) values"
    if attrs.has(tp):
        return f"object: [`{tp.__name__}`](#{_anchor(tp)})"
    return {str: "string", int: "integer", float: "number", bool: "boolean"}.get(
        tp, f"`{getattr(tp, '__name__', tp)}`"
    )


def _anchor(tp: type[Any]) -> str:
    return f"value-{tp.__name__.lower()}"


def _walk_types(tp: Any) -> Iterator[Any]:
    """``tp`` and every type nested in it (union members, items, attrs fields)."""
    yield tp
    for arg in typing.get_args(tp):
        yield from _walk_types(arg)
    if isinstance(tp, type) and attrs.has(tp):
        for hint in typing.get_type_hints(tp).values():
            yield from _walk_types(hint)


def _fields(cls: type[Any]) -> list[tuple[str, Any]]:
    hints = typing.get_type_hints(cls)
    return [
        (f.name, hints[f.name])
        for f in dataclasses.fields(cls)
        if f.name not in BASE_FIELDS
    ]


def _table(rows: list[tuple[str, str, str]], header: tuple[str, str, str]) -> str:
    lines = [f"| {' | '.join(header)} |", "| --- | --- | --- |"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- page


def _event_section(
    cls: type[Any],
    examples: dict[type[Any], tuple[str, dict[str, Any]]],
    value_types: dict[str, type[Any]],
) -> list[str]:
    """One event class's section: its topic, docstring, fields and example payload."""
    out: list[str] = []
    add = out.append
    add(f"### {cls.__name__}\n")
    add(f"Stored topic: `{cls.TOPIC}`\n")
    add(_docstring(cls) + "\n")
    own = [(n, t) for n, t in _fields(cls) if n not in ENVELOPE]
    rows = []
    for name, tp in own:
        note = CREATED_FIELD_MEANING.get(name)
        rows.append(
            (
                f"`{name}`",
                format_type(tp),
                stored_as(tp) + (f". {note}" if note else ""),
            )
        )
        for nested in _walk_types(tp):
            if isinstance(nested, type) and (
                attrs.has(nested) or issubclass(nested, enum.Enum)
            ):
                value_types.setdefault(nested.__name__, nested)
    if rows:
        add("Fields (besides the envelope):\n")
        add(_table(rows, ("Field", "Type", "Stored as")) + "\n")
    example = examples.get(cls)
    if example is None:
        add(
            '!!! warning "No example yet"\n'
            "    Add this event to the scenario in `docs/gen_event_catalogue.py`.\n"
        )
    else:
        topic, payload = example
        if topic != cls.TOPIC:  # pragma: no cover - a guard for the docs build
            msg = f"{cls.__name__} is stored as {topic!r}, not its TOPIC {cls.TOPIC!r}"
            raise RuntimeError(msg)
        add("Example stored payload:\n")
        add("```json\n" + json.dumps(payload, indent=2, ensure_ascii=False) + "\n```\n")
    return out


def render() -> str:
    """The whole catalogue page as Markdown."""
    examples = example_payloads()
    value_types: dict[str, type[Any]] = {}
    out: list[str] = []
    add = out.append

    add("# Event catalogue\n")
    add(
        '!!! info "Generated from the code"\n'
        "    This page is written at build time by `docs/gen_event_catalogue.py` from\n"
        "    `Family.EVENT_CLASSES`, the event classes' docstrings and type annotations,\n"
        "    and the stored form of example events. Edit the code, not this page.\n"
    )
    add(
        "Everything that happens with a family is recorded as one of the events "
        f"below, {len(Family.EVENT_CLASSES)} kinds in all, in the family's own "
        "stream. Events are never changed or deleted once stored: whatever is "
        "recorded later, a correction included, is a new event. Each event class "
        "has a permanent **topic**, the name under which it is stored; the topic "
        "does not follow the Python module path, so "
        "code can move without breaking stored history.\n"
    )
    add("## The envelope: what every event carries\n")
    add(
        "Besides the fields listed for each event, every event carries these, and "
        "the store keeps the family id (`originator_id`) and the event's position in "
        "the family's stream (`originator_version`) beside the payload:\n"
    )
    hints = typing.get_type_hints(Family.Event)
    add(
        _table(
            [
                (f"`{n}`", format_type(hints[n]), ENVELOPE_MEANING.get(n, ""))
                for n in ENVELOPE
            ],
            ("Field", "Type", "Meaning"),
        )
        + "\n"
    )
    add("## Events\n")
    add(
        _table(
            [
                (
                    f"[{cls.__name__}](#{cls.__name__.lower()})",
                    f"`{cls.TOPIC}`",
                    _docstring(cls)
                    .split("\n\n")[0]
                    .replace("\n", " ")
                    .replace("|", "\\|"),
                )
                for cls in Family.EVENT_CLASSES
            ],
            ("Event", "Stored topic", "What happened"),
        )
        + "\n"
    )
    for cls in Family.EVENT_CLASSES:
        out += _event_section(cls, examples, value_types)
    add("## Inquiries\n")
    add(
        "An inquiry to a competence team (Drammen's *henvendelser*, see "
        "[the Drammen page](programme-drammen.md)) is stored in a stream of its "
        f"own, as one of these {len(Inquiry.EVENT_CLASSES)} events, with the same "
        "envelope as a family's event.\n"
    )
    add(
        _table(
            [
                (
                    f"[{cls.__name__}](#{cls.__name__.lower()})",
                    f"`{cls.TOPIC}`",
                    _docstring(cls)
                    .split("\n\n")[0]
                    .replace("\n", " ")
                    .replace("|", "\\|"),
                )
                for cls in Inquiry.EVENT_CLASSES
            ],
            ("Event", "Stored topic", "What happened"),
        )
        + "\n"
    )
    for cls in Inquiry.EVENT_CLASSES:
        out += _event_section(cls, examples, value_types)
    add("## Caseloads\n")
    add(
        "Where a programme sets a caseload, every assignment it counts also records, "
        "in the same save, that the coordinator took on the family, on the "
        "coordinator's caseload (a stream of its own per coordinator and "
        "municipality): two assignments racing in two processes then conflict, and "
        "the one that runs again counts the other's family "
        "(`familiekoordinering.domain.caseload`). It holds ids and counts only.\n"
    )
    for cls in (Caseload.Started, Caseload.FamilyTakenOn):
        out += _event_section(cls, examples, value_types)
    for tp in _walk_types(hints["actor"]):
        if isinstance(tp, type) and (attrs.has(tp) or issubclass(tp, enum.Enum)):
            value_types.setdefault(tp.__name__, tp)

    add("## Values inside events\n")
    add(
        "Value objects are stored as JSON objects of their fields; enumerations as "
        "their string values. Adding a value to an enumeration is safe; renaming or "
        "removing one needs an upcast (see [Storage](storage.md)).\n"
    )
    for name in sorted(value_types):
        tp = value_types[name]
        add(f'### {name} {{ #{_anchor(tp)} data-toc-label="{name}" }}\n')
        add(f"API reference: {_ref(tp)}\n" if _public(tp) else "")
        if tp.__doc__:
            add(_docstring(tp).split("\n\n")[0] + "\n")
        if attrs.has(tp):
            field_hints = typing.get_type_hints(tp)
            add(
                _table(
                    [
                        (
                            f"`{f.name}`",
                            format_type(field_hints[f.name]),
                            stored_as(field_hints[f.name]),
                        )
                        for f in attrs.fields(tp)
                    ],
                    ("Field", "Type", "Stored as"),
                )
                + "\n"
            )
        else:
            add("Values: " + ", ".join(f"`{m.value}`" for m in tp) + "\n")
    return "\n".join(out)


def write(open_: Callable[..., Any]) -> None:
    """Write the page through ``open_`` (mkdocs-gen-files' ``open`` in a build)."""
    with open_(PAGE, "w") as page:
        page.write(render())


if __name__ in {"__main__", "<run_path>"}:
    import mkdocs_gen_files

    write(mkdocs_gen_files.open)
    mkdocs_gen_files.set_edit_path(PAGE, "gen_event_catalogue.py")
