"""The read models' fold: stored events → small row operations → documents.

Projections read the *stored form* of events (topic and JSON payload), the
contract the golden payloads pin down, so that rebuilding millions of events
does not pay for rebuilding typed objects. Each event becomes a few
operations on small rows, one row per family and per member, goal, step,
sector plan, consent, refusal, open notice and survey. An operation never
needs to read anything first, so a projection streams: memory stays flat
however long the log, and a batch of operations is written in one
transaction with its position.

:func:`operations` is pure and deterministic; :func:`assemble` turns a
family's rows back into one document for the queries. Dates stay ISO
strings, which order correctly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from eventsourcing.utils import get_topic

from familiekoordinering.domain.events import Interpretation, interpreted
from familiekoordinering.domain.family import Family

__all__ = [
    "FORMAT",
    "KINDS",
    "SURVEY_AREAS",
    "TOPICS",
    "Document",
    "Operation",
    "assemble",
    "operations",
    "survey_scores",
]

Document = dict[str, Any]
"""A family's view document, assembled from its rows (JSON-able)."""

Operation = tuple[Any, ...]
"""A row operation. With ``kind`` a row kind, ``family`` a family id, ``key`` the
row's key within the family (``""`` for the family row):

* ``("put", kind, family, key, data)`` — insert or replace the row;
* ``("set", kind, family, key, fields)`` — set fields of an existing row;
* ``("upd", kind, family, key, {"max": {field: value}, "inc": {field: amount}})``
  — keep the larger of each field and the value, add to each number, in one go;
* ``("del", kind, family, key)`` — delete the row.
"""

FORMAT = 2
"""The views' form: 2 since they hold references instead of personal data.

A family row without it was written by an older library, which copied names
and free text into the views: such views must be rebuilt.
"""

KINDS = (
    "family",
    "member",
    "goal",
    "step",
    "sector_plan",
    "consent",
    "refusal",
    "notice",
    "survey",
    "team_member",
    "investment",
    "gain",
)
"""The kinds of row a family's views are made of."""

SURVEY_AREAS = ("housing", "economy", "work", "school", "leisure", "well_being")
"""The survey areas the outcome scores are grouped by."""


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 3) if total else None


def survey_scores(survey: dict[str, Any]) -> dict[str, Any]:
    """Numbers per area from a stored survey: no names, no free text."""
    housing, economy = survey["housing"], survey["economy"]
    work, leisure = survey["work"], survey["leisure"]
    active = ("full_time", "part_time", "work_oriented_activity", "education")
    return {
        "housing": {
            "persons_per_room": housing["persons_per_room"],
            "standard": housing["standard"],
            "moves_last_12_months": housing["moves_last_12_months"],
        },
        "economy": {
            "income_ratio": round(
                economy["household_income"] / economy["eu60_threshold"], 3
            ),
            "debt": economy["debt"],
            "payments_per_month": economy["payments_per_month"],
            "benefits_not_claimed": len(economy["benefits_not_claimed"]),
        },
        "work": {
            "share_in_work_or_activity": _share(
                sum(1 for a in work if a["status"] in active), len(work)
            )
        },
        "school": {"mean_mastery": _mean([a["mastery"] for a in survey["school"]])},
        "leisure": {
            "share_with_activity": _share(
                sum(1 for a in leisure if a["activities"] > 0), len(leisure)
            )
        },
        "well_being": {
            "mean_ladder": _mean([a["ladder"] for a in survey["well_being"]])
        },
    }


_Ops = list[Operation]
_Fold = Callable[[str, dict[str, Any], str], _Ops]


def _enrolled(f: str, p: dict[str, Any], on: str) -> _Ops:
    programme = p["programme"]
    return [
        (
            "put",
            "family",
            f,
            "",
            {
                "format": FORMAT,
                "municipality": p["municipality"],
                "label": p["label"],
                "programme": {
                    "kind": programme["kind"],
                    "name": programme["name"],
                    "survey_interval_months": programme["survey_interval_months"],
                    "inform_deadline_days": programme["inform_deadline_days"],
                },
                "started_on": on,
                "planned_end_on": p["planned_end_on"],
                "ended": None,
                "coordinator": None,
                "last_meeting_on": None,
                "last_contact_on": None,
                "contacts": 0,
                "legal_duty_actions": 0,
            },
        )
    ]


def _member_added(f: str, p: dict[str, Any], on: str) -> _Ops:
    data = {
        "name": p["name"],
        "kind": p["kind"],
        "birth_date": p["birth_date"],
        "since": on,
        "left_on": None,
        "research_consent_since": None,
    }
    return [("put", "member", f, p["member_id"], data)]


def _member_left(f: str, p: dict[str, Any], on: str) -> _Ops:
    return [("set", "member", f, p["member_id"], {"left_on": on})]


def _coordinator(f: str, p: dict[str, Any], on: str) -> _Ops:
    coordinator = {
        "id": p["coordinator_id"],
        "name": p["coordinator_name"],
        "from_on": on,
    }
    return [("set", "family", f, "", {"coordinator": coordinator})]


def _nothing(f: str, p: dict[str, Any], on: str) -> _Ops:
    return []  # on the family's record and timeline; no view shows it


def _consent_granted(f: str, p: dict[str, Any], on: str) -> _Ops:
    scope = p["scope"]
    data = {
        "agency": scope["agency"],
        "topics": scope["topics"],
        "excluded_topics": scope["excluded_topics"],
        "member_ids": scope["member_ids"],
        "actions": scope["actions"],
        "given_by": p["given_by"],
        "given_on": on,
        "valid_from": p["valid_from"],
        "valid_until": p["valid_until"],
        "withdrawn_on": None,
        "purpose": p["purpose"],
    }
    return [("put", "consent", f, p["consent_id"], data)]


def _consent_refused(f: str, p: dict[str, Any], on: str) -> _Ops:
    scope = p["scope"]
    data = {
        "agency": scope["agency"],
        "topics": scope["topics"],
        "member_ids": scope["member_ids"],
        "refused_by": p["refused_by"],
        "refused_on": on,
    }
    return [("put", "refusal", f, p["refusal_id"], data)]


def _consent_withdrawn(f: str, p: dict[str, Any], on: str) -> _Ops:
    return [("set", "consent", f, p["consent_id"], {"withdrawn_on": on})]


def _goal_set(f: str, p: dict[str, Any], on: str) -> _Ops:
    data = {
        "area": p["area"],
        "member_id": p["member_id"],
        "words": p["words"],
        "target_on": p["target_on"],
        "set_on": on,
        "status": "active",
        "latest_progress": None,
        "latest_progress_on": None,
        "latest_rating": None,
        "closed_on": None,
    }
    return [("put", "goal", f, p["goal_id"], data)]


def _goal_progress(f: str, p: dict[str, Any], on: str) -> _Ops:
    fields: dict[str, Any] = {"latest_progress": p["note"], "latest_progress_on": on}
    if p["rating"] is not None:
        fields["latest_rating"] = p["rating"]
    return [("set", "goal", f, p["goal_id"], fields)]


def _goal_closed(status: str) -> _Fold:
    def close(f: str, p: dict[str, Any], on: str) -> _Ops:
        return [("set", "goal", f, p["goal_id"], {"status": status, "closed_on": on})]

    return close


def _step_agreed(f: str, p: dict[str, Any], on: str) -> _Ops:
    data = {
        "description": p["description"],
        "responsible": p["responsible"],
        "due_on": p["due_on"],
        "goal_id": p["goal_id"],
        "agreed_on": on,
        "status": "agreed",
        "completed_on": None,
    }
    return [("put", "step", f, p["step_id"], data)]


def _step_completed(f: str, p: dict[str, Any], on: str) -> _Ops:
    return [
        ("set", "step", f, p["step_id"], {"status": "completed", "completed_on": on})
    ]


def _sector_plan(f: str, p: dict[str, Any], on: str) -> _Ops:
    data = {
        "kind": p["kind"],
        "agency": p["agency"],
        "reference": p["reference"],
        "member_id": p["member_id"],
        "title": p["title"],
        "linked_on": on,
    }
    return [("put", "sector_plan", f, p["sector_plan_id"], data)]


def _meeting(f: str, p: dict[str, Any], on: str) -> _Ops:
    return [("upd", "family", f, "", {"max": {"last_meeting_on": on}, "inc": {}})]


def _outward(f: str, p: dict[str, Any], on: str, counter: str) -> _Ops:
    ops: _Ops = [
        ("upd", "family", f, "", {"max": {"last_contact_on": on}, "inc": {counter: 1}})
    ]
    knows = p["family_knows"]
    if knows["kind"] == "inform_afterwards":
        notice = {
            "agency": p["agency"],
            "kind": p["kind"],
            "occurred_on": on,
            "inform_by": knows["inform_by"],
        }
        ops.append(("put", "notice", f, p["action_id"], notice))
    return ops


def _contacted(f: str, p: dict[str, Any], on: str) -> _Ops:
    return _outward(f, p, on, "contacts")


def _legal_duty(f: str, p: dict[str, Any], on: str) -> _Ops:
    return _outward(f, p, on, "legal_duty_actions")


def _informed(f: str, p: dict[str, Any], on: str) -> _Ops:
    return [("del", "notice", f, p["action_id"])]


def _survey(f: str, p: dict[str, Any], on: str) -> _Ops:
    survey = p["survey"]
    data = {"on": on, "kind": survey["kind"], "scores": survey_scores(survey)}
    return [("put", "survey", f, survey["survey_id"], data)]


def _team_joined(f: str, p: dict[str, Any], on: str) -> _Ops:
    data = {
        "agency": p["agency"],
        "person": p["person"],
        "role": p["role"],
        "may_decide": p["may_decide"],
        "joined_on": on,
    }
    return [("put", "team_member", f, p["team_member_id"], data)]


def _investment(f: str, p: dict[str, Any], on: str) -> _Ops:
    data = {
        "team_member_id": p["team_member_id"],
        "kind": p["kind"],
        "amount": p["amount"],
        "what": p["what"],
        "committed_on": on,
    }
    return [("put", "investment", f, p["investment_id"], data)]


def _gain(f: str, p: dict[str, Any], on: str) -> _Ops:
    data = {
        "member_id": p["member_id"],
        "kind": p["kind"],
        "yearly_value": p["yearly_value"],
        "note": p["note"],
        "recorded_on": on,
    }
    return [("put", "gain", f, p["gain_id"], data)]


def _extended(f: str, p: dict[str, Any], on: str) -> _Ops:
    return [("set", "family", f, "", {"planned_end_on": p["until"]})]


def _ended(f: str, p: dict[str, Any], on: str) -> _Ops:
    return [("set", "family", f, "", {"ended": {"on": on, "reason": p["reason"]}})]


def _research_given(f: str, p: dict[str, Any], on: str) -> _Ops:
    return [("set", "member", f, p["member_id"], {"research_consent_since": on})]


def _research_withdrawn(f: str, p: dict[str, Any], on: str) -> _Ops:
    return [("set", "member", f, p["member_id"], {"research_consent_since": None})]


_BY_EVENT: dict[type[Family.Event], _Fold] = interpreted(
    Interpretation.VIEWS,
    {
        Family.Enrolled: _enrolled,
        Family.MemberAdded: _member_added,
        Family.MemberLeft: _member_left,
        Family.CoordinatorAssigned: _coordinator,
        Family.CaseloadExceeded: _nothing,
        Family.ConsentGranted: _consent_granted,
        Family.ConsentRefused: _consent_refused,
        Family.ConsentWithdrawn: _consent_withdrawn,
        Family.GoalSet: _goal_set,
        Family.GoalProgressRecorded: _goal_progress,
        Family.GoalAchieved: _goal_closed("achieved"),
        Family.GoalDropped: _goal_closed("dropped"),
        Family.StepAgreed: _step_agreed,
        Family.StepCompleted: _step_completed,
        Family.SectorPlanLinked: _sector_plan,
        Family.MeetingHeld: _meeting,
        Family.AgencyContacted: _contacted,
        Family.ActedUnderLegalDuty: _legal_duty,
        Family.FamilyInformed: _informed,
        Family.SurveyCompleted: _survey,
        Family.TeamMemberJoined: _team_joined,
        Family.InvestmentMeetingHeld: _meeting,
        Family.InvestmentCommitted: _investment,
        Family.GainRecorded: _gain,
        Family.FollowUpExtended: _extended,
        Family.FollowUpEnded: _ended,
        Family.ResearchConsentGiven: _research_given,
        Family.ResearchConsentWithdrawn: _research_withdrawn,
    },
)

_FOLDS: dict[str, _Fold] = {
    get_topic(cls): fold for cls, fold in _BY_EVENT.items()
}  # keyed by the topic each event is stored under

TOPICS: tuple[str, ...] = tuple(_FOLDS)
"""The stored topics the views read (every family event)."""


def operations(family_id: str, topic: str, payload: dict[str, Any]) -> list[Operation]:
    """The row operations one stored event (its topic and JSON payload) makes.

    Raises :class:`KeyError` for a topic the views do not know, so that a
    projection never skips an event silently.
    """
    fold = _FOLDS.get(topic)
    if fold is None:
        raise KeyError(f"the views do not know the event topic {topic!r}")
    return fold(family_id, payload, payload["occurred_on"])


def assemble(
    family_id: str, rows: Iterable[tuple[str, str, dict[str, Any]]]
) -> Document | None:
    """One family's document from its rows ``(kind, key, data)``; None without a family row."""
    doc: Document = {
        "family_id": family_id,
        "members": {},
        "goals": {},
        "steps": {},
        "sector_plans": {},
        "consents": {},
        "refusals": [],
        "notices": {},
        "surveys": [],
        "team": {},
        "investments": {},
        "gains": {},
    }
    plural = {
        "member": "members",
        "goal": "goals",
        "step": "steps",
        "sector_plan": "sector_plans",
        "consent": "consents",
        "notice": "notices",
        "team_member": "team",
        "investment": "investments",
        "gain": "gains",
    }
    found = False
    for kind, key, data in rows:
        if kind == "family":
            doc.update(data)
            found = True
        elif kind == "refusal":
            doc["refusals"].append(data)
        elif kind == "survey":
            doc["surveys"].append({"survey_id": key, **data})
        else:
            doc[plural[kind]][key] = data
    if not found:
        return None
    doc["refusals"].sort(key=lambda r: r["refused_on"])
    doc["surveys"].sort(key=lambda s: (s["on"], s["survey_id"]))
    baselines = [s for s in doc["surveys"] if s["kind"] == "baseline"]
    doc["baseline"] = baselines[0] if baselines else None
    doc["latest"] = doc["surveys"][-1] if doc["surveys"] else None
    return doc
