"""Plain-text views for people: the timeline, the plan, a caseload.

These are the readable forms the CLI prints. They take events, view
documents or caseload entries and return text; they read nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from familiekoordinering.domain.actions import KnowledgeKind, OutwardAction
from familiekoordinering.domain.consent import ConsentScope
from familiekoordinering.domain.family import Family
from familiekoordinering.domain.plan import Responsible, ResponsibleKind
from familiekoordinering.domain.values import MemberId
from familiekoordinering.views.queries import CaseloadEntry, consent_register

__all__ = ["describe_event", "render_caseload", "render_plan", "render_timeline"]


def _names(family: Family, member_ids: Iterable[MemberId]) -> str:
    names = sorted(
        family.members[m].name if m in family.members else str(m) for m in member_ids
    )
    return ", ".join(names) if names else "nobody"


def _who_for(family: Family, member_id: MemberId | None) -> str:
    if member_id is None:
        return "the whole family"
    member = family.members.get(member_id)
    return member.name if member else str(member_id)


def _scope(family: Family, scope: ConsentScope) -> str:
    text = (
        f"{scope.agency} about {', '.join(sorted(t.value for t in scope.topics))} "
        f"for {_names(family, scope.member_ids)}"
    )
    if scope.excluded_topics:
        text += f", not {', '.join(sorted(t.value for t in scope.excluded_topics))}"
    return text


def _responsible(family: Family, responsible: Responsible) -> str:
    if responsible.kind is ResponsibleKind.AGENCY:
        return str(responsible.agency)
    if responsible.kind is ResponsibleKind.FAMILY and responsible.member_id:
        return _who_for(family, responsible.member_id)
    return responsible.kind.value


def _knows(action: OutwardAction) -> str:
    knows = action.family_knows
    if knows.kind is KnowledgeKind.PRESENT:
        return "the family was present"
    if knows.kind is KnowledgeKind.AGREED_BEFOREHAND:
        return f"agreed beforehand ({knows.agreed_in})"
    deadline = knows.inform_by.isoformat() if knows.inform_by else "?"
    if action.informed_on:
        return f"family told afterwards on {action.informed_on.isoformat()}"
    return f"family to be told by {deadline}"


_Describer = Callable[[Any, Family], str]


def _enrolled(e: Family.Enrolled, f: Family) -> str:
    return (
        f"Enrolled in {e.programme.name} (municipality {e.municipality}, referred by "
        f"{e.referral.value}); planned end {e.planned_end_on.isoformat()}"
    )


def _contacted(e: Family.AgencyContacted, f: Family) -> str:
    verb = {
        "contact": "Contacted",
        "share_information": "Shared information with",
        "refer": "Referred to",
    }[e.kind.value]
    action = f.outward_actions.get(e.action_id)
    consents = ", ".join(str(c)[:8] for c in e.consent_ids)
    knows = _knows(action) if action else e.family_knows.kind.value
    return (
        f"{verb} {e.agency} about {', '.join(sorted(t.value for t in e.topics))} "
        f"for {_names(f, e.member_ids)} by {e.channel.value}: {e.purpose} "
        f"[consent {consents}; {knows}]"
    )


_DESCRIBERS: dict[type[Any], _Describer] = {
    Family.Enrolled: _enrolled,
    Family.MemberAdded: lambda e, f: (
        f"{e.name} ({e.kind.value}, born {e.birth_date.isoformat()}) joined"
    ),
    Family.MemberLeft: lambda e, f: f"{_who_for(f, e.member_id)} left the follow-up",
    Family.CoordinatorAssigned: lambda e, f: (
        f"Coordinator {e.coordinator_name} assigned"
    ),
    Family.ConsentGranted: lambda e, f: (
        f"Consent {str(e.consent_id)[:8]} given by {_names(f, e.given_by)} "
        f"({e.form.value}): {_scope(f, e.scope)}, from {e.valid_from.isoformat()}"
        + (f" until {e.valid_until.isoformat()}" if e.valid_until else "")
        + f" — {e.purpose}"
    ),
    Family.ConsentRefused: lambda e, f: (
        f"{_names(f, e.refused_by)} refused consent: {_scope(f, e.scope)}"
    ),
    Family.ConsentWithdrawn: lambda e, f: (
        f"Consent {str(e.consent_id)[:8]} withdrawn by {_names(f, e.withdrawn_by)}"
    ),
    Family.GoalSet: lambda e, f: (
        f"Goal for {_who_for(f, e.member_id)} ({e.area.value}): “{e.words}”"
    ),
    Family.GoalProgressRecorded: lambda e, f: (
        f"Progress on goal {str(e.goal_id)[:8]}: {e.note}"
        + (f" (rated {e.rating}/10)" if e.rating is not None else "")
    ),
    Family.GoalAchieved: lambda e, f: f"Goal {str(e.goal_id)[:8]} achieved",
    Family.GoalDropped: lambda e, f: f"Goal {str(e.goal_id)[:8]} dropped",
    Family.StepAgreed: lambda e, f: (
        f"Step agreed: {_responsible(f, e.responsible)} will {e.description}"
        + (f" by {e.due_on.isoformat()}" if e.due_on else "")
    ),
    Family.StepCompleted: lambda e, f: f"Step {str(e.step_id)[:8]} completed",
    Family.SectorPlanLinked: lambda e, f: (
        f"Linked {e.kind.value} at {e.agency} ({e.reference})"
    ),
    Family.MeetingHeld: lambda e, f: (
        f"Meeting with {', '.join(e.participants) or 'the family'}"
        f"; present: {_names(f, e.members_present)}"
        + (f"; decided: {'; '.join(e.decisions)}" if e.decisions else "")
    ),
    Family.AgencyContacted: _contacted,
    Family.ActedUnderLegalDuty: lambda e, f: (
        f"Without consent, under a legal duty ({e.legal_basis}): {e.kind.value} "
        f"{e.agency} about {', '.join(sorted(t.value for t in e.topics))} for "
        f"{_names(f, e.member_ids)}: {e.purpose}"
    ),
    Family.FamilyInformed: lambda e, f: (
        f"Family told of action {str(e.action_id)[:8]} by {e.channel.value}"
    ),
    Family.SurveyCompleted: lambda e, f: (
        f"{e.survey.kind.value.capitalize()} survey completed"
    ),
    Family.FollowUpEnded: lambda e, f: f"Follow-up ended ({e.reason.value})",
}


def describe_event(event: Family.Event, family: Family) -> str:
    """One line saying what ``event`` recorded, with names from ``family``."""
    describer = _DESCRIBERS.get(type(event))
    if describer is None:
        return type(event).__name__
    return describer(event, family)


def render_timeline(events: Sequence[Family.Event], family: Family) -> str:
    """Every event in the order recorded: date, what happened, who recorded it, when."""
    lines = [f"Timeline of {family.label} ({family.id})"]
    for event in events:
        recorded = event.recorded_at.strftime("%Y-%m-%d %H:%M")
        late = (
            " (recorded late)" if event.recorded_at.date() > event.occurred_on else ""
        )
        lines.append(
            f"{event.originator_version:>4}  {event.occurred_on.isoformat()}  "
            f"{describe_event(event, family)}\n"
            f"      recorded {recorded} by {event.actor.user_id} "
            f"({event.actor.role.value}){late}"
        )
    return "\n".join(lines)


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
