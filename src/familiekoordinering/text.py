"""Plain-text views for coordinators: the plan, a caseload (the timeline: ``timeline``).

These are the readable forms the CLI prints. They take events, view
documents or caseload entries and return text; they read nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from familiekoordinering.views.queries import CaseloadEntry, consent_register

__all__ = ["render_caseload", "render_plan"]


def _agency_text(agency: dict[str, Any] | None) -> str:
    if not agency:
        return "?"
    kind: str = agency["kind"]
    return kind + (f" ({agency['unit']})" if agency.get("unit") else "")


def render_plan(doc: dict[str, Any], on: date) -> str:
    """The family's plan from its view document: members, goals, steps, consents."""
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
    """A caseload as a table, families needing attention marked with ``!``."""
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
            f"{'!' if e.needs_attention else ' '} {e.family_id}  {e.label:<14} {e.municipality}"
            f"  {e.coordinator_name or '-':<16} ends {e.planned_end_on.isoformat()}"
            f"  survey due {e.next_survey_due.isoformat()}"
            + (f"  [{'; '.join(flags)}]" if flags else "")
        )
    return "\n".join(lines)
