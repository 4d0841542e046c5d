r"""Plain-text views for coordinators: the plan, a caseload (the timeline: ``timeline``).

These are the readable forms the CLI prints. They take events, view
documents or caseload entries and return text; they read nothing else.

Stored text is shown with its control characters made visible
(:func:`visible`): a name holding a terminal escape sequence, a bell or a
right-to-left override prints as ``\x1b[2J``, ``\x07`` or ``\u202e``
instead of acting on the reader's terminal or reordering the line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from familiekoordinering.views.queries import CaseloadEntry, consent_register

__all__ = ["json_visible", "render_caseload", "render_plan", "visible"]

# C0 controls, DEL and C1 controls (ESC, BEL, CSI, ...); the line and paragraph
# separators; the bidirectional embeddings and overrides (U+202A-E) and isolates
# (U+2066-9), which can make a text display as another; lone surrogates. The
# bidirectional marks (LRM, RLM, ALM) stay: right-to-left text needs them.
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _shown(char: str) -> str:
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, keep: str = "") -> str:
    r"""``text`` with every control character written out as an escape, as Python would.

    C0 and C1 control characters (ESC, BEL, NUL, CSI, ...), DEL, the bidirectional
    embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), the line and
    paragraph separators (U+2028, U+2029) and lone surrogates become ``\x1b``,
    ``\x07``, ``\u202e``, ``\udc80``; a newline, carriage return and tab become
    ``\n``, ``\r`` and ``\t``, except the characters in ``keep`` (the
    command line keeps the newlines between the lines it writes itself). Every
    other character, letters of any script included, is left as it is, so the
    result is safe to write to a terminal and prints on one line.
    """

    def shown(match: re.Match[str]) -> str:
        char = match.group()
        return char if char in keep else _shown(char)

    return _INVISIBLE.sub(shown, text)


def json_visible(document: str) -> str:
    r"""A JSON document with the control characters JSON leaves raw escaped as ``\uXXXX``.

    ``json.dumps(..., ensure_ascii=False)`` escapes the C0 controls inside
    strings but writes DEL, the C1 controls, the bidirectional overrides and
    isolates and the separators as they are (and lone surrogates, which UTF-8 cannot encode).
    This escapes them too: the document still parses to the same values, and is
    safe to print. The newlines between its lines (outside strings) are kept.
    """

    def shown(match: re.Match[str]) -> str:
        char = match.group()
        return char if char == "\n" else f"\\u{ord(char):04x}"

    return _INVISIBLE.sub(shown, document)


def _visible_values(value: Any) -> Any:
    """Every text in a view document (a tree of dicts and lists) made visible."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, dict):
        return {key: _visible_values(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_visible_values(item) for item in value]
    return value


def _agency_text(agency: dict[str, Any] | None) -> str:
    if not agency:
        return "?"
    kind: str = agency["kind"]
    return kind + (f" ({agency['unit']})" if agency.get("unit") else "")


def render_plan(doc: dict[str, Any], on: date) -> str:
    """The family's plan from its view document: members, goals, steps, consents.

    Stored text is shown with its control characters made visible (:func:`visible`).
    """
    doc = _visible_values(doc)
    members = doc["members"]

    def who(member_id: str | None) -> str:
        if member_id is None:
            return "the whole family"
        member = members.get(member_id)
        return member["name"] if member else member_id

    ended = doc["ended"]
    lines = [
        f"Plan of {doc['label']} ({doc['family_id']})",
        f"Programme: {doc['programme']['name']}, {doc['started_on']} – {doc['planned_end_on']}"
        + (f" (ended {ended['on']}: {ended['reason']})" if ended else ""),
        f"Coordinator: {doc['coordinator']['name'] if doc['coordinator'] else 'none yet'}",
        "Members:",
    ]
    for member in members.values():
        left = f", left {member['left_on']}" if member["left_on"] else ""
        lines.append(
            f"  - {member['name']} ({member['kind']}, born {member['birth_date']}){left}"
        )
    lines.append("Goals:")
    for goal in doc["goals"].values():
        status = "" if goal["status"] == "active" else f" [{goal['status']}]"
        latest = (
            f" — latest: {goal['latest_progress']}" if goal["latest_progress"] else ""
        )
        lines.append(
            f"  - ({goal['area']}) {who(goal['member_id'])}: “{goal['words']}”{status}{latest}"
        )
    lines.append("Steps:")
    for step in doc["steps"].values():
        responsible = step["responsible"]
        if responsible["kind"] == "agency":
            doer = _agency_text(responsible["agency"])
        elif responsible["kind"] == "family" and responsible["member_id"]:
            doer = who(responsible["member_id"])
        else:
            doer = responsible["kind"]
        due = f" by {step['due_on']}" if step["due_on"] else ""
        mark = "x" if step["status"] == "completed" else " "
        lines.append(f"  - [{mark}] {doer}: {step['description']}{due}")
    if doc["sector_plans"]:
        lines.append("Sector plans:")
        for link in doc["sector_plans"].values():
            lines.append(
                f"  - {link['kind']} at {_agency_text(link['agency'])}: {link['reference']}"
            )
    lines.append(f"Consents in force on {on.isoformat()}:")
    for permitted in consent_register(doc, on):
        until = (
            f" until {permitted.valid_until.isoformat()}"
            if permitted.valid_until
            else ""
        )
        lines.append(
            f"  - {permitted.agency} about {', '.join(permitted.topics)} for "
            f"{', '.join(permitted.members)}{until}"
        )
    if doc["notices"]:
        lines.append("To tell the family:")
        for notice in sorted(doc["notices"].values(), key=lambda n: n["inform_by"]):
            lines.append(
                f"  - {notice['kind']} {_agency_text(notice['agency'])} on "
                f"{notice['occurred_on']}, tell by {notice['inform_by']}"
            )
    return "\n".join(lines)


def render_caseload(entries: Sequence[CaseloadEntry], on: date) -> str:
    """A caseload as a table, families needing attention marked with ``!``.

    Stored text is shown with its control characters made visible (:func:`visible`).
    """
    lines = [f"Caseload on {on.isoformat()}: {len(entries)} families"]
    for e in entries:
        flags = []
        if e.overdue_notices:
            flags.append(f"{e.overdue_notices} notice(s) overdue")
        if e.survey_overdue:
            flags.append("annual survey overdue")
        if e.consents_expiring:
            flags.append(f"{len(e.consents_expiring)} consent(s) expiring")
        if e.quiet:
            flags.append(
                "no contact yet"
                if e.weeks_without_contact is None
                else f"no contact for {e.weeks_without_contact} weeks"
            )
        lines.append(
            f"{'!' if e.needs_attention else ' '} {e.family_id}  {visible(e.label):<14} "
            f"{visible(e.municipality)}  {visible(e.coordinator_name or '-'):<16} "
            f"ends {e.planned_end_on.isoformat()}"
            f"  survey due {e.next_survey_due.isoformat()}"
            + (f"  [{'; '.join(flags)}]" if flags else "")
        )
    return "\n".join(lines)
