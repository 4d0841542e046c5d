"""A family's whole record as one FHIR R5 ``collection`` Bundle.

See :func:`fhir_bundle` and the guide page *FHIR R5 export* for the mapping.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from familiekoordinering.access.log import AccessEntry
from familiekoordinering.domain.actions import OutwardAction
from familiekoordinering.domain.plan import (
    Goal,
    GoalStatus,
    PlanStep,
    ResponsibleKind,
    SectorPlanLink,
    StepStatus,
)
from familiekoordinering.domain.record import FamilyRecord
from familiekoordinering.domain.values import Agency, Member, MemberId
from familiekoordinering.fhir._common import (
    ACTION,
    REDACTED,
    TOPIC,
    Json,
    agency_organization,
    agency_ref,
    coding,
    concept,
    entry,
    erased,
    extension_url,
    identifier,
    masked,
    member_ref,
    municipality_organization,
    municipality_ref,
    period,
    put_day,
    put_text,
    reference,
    resource_id,
    system,
    text_concept,
)
from familiekoordinering.fhir.consents import consent_resource, refusal_resource
from familiekoordinering.fhir.survey import survey_questionnaire, survey_response

__all__ = ["FORMAT", "fhir_bundle"]

FORMAT: Final = "familiekoordinering.fhir/1"
"""The name and version of the mapping, as the Bundle's ``meta.tag`` says it."""

_GUARDIAN = coding(
    "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "GUARD", "guardian"
)


class _Export:
    """One family's Bundle in the making."""

    def __init__(self, record: FamilyRecord, erased_at: datetime | None) -> None:
        self.record = record
        self.erased_at = erased_at
        self.resources: dict[str, Json] = {}
        self.household = reference("Group", resource_id("Group", record.id))
        self.plan = reference("CarePlan", resource_id("CarePlan", record.id))
        self.team = reference("CareTeam", resource_id("CareTeam", record.id))

    def add(self, resource: Json) -> None:
        self.resources.setdefault(resource["id"], resource)

    def agency(self, agency: Agency) -> Json:
        self.add(agency_organization(agency))
        return agency_ref(agency)

    def subject(self, member_ids: frozenset[MemberId]) -> Json:
        """One member's Patient, or the household for several."""
        if len(member_ids) == 1:
            return member_ref(next(iter(member_ids)))
        return self.household

    # ------------------------------------------------------------ the people

    def members(self) -> None:
        record = self.record
        for member in record.members.values():
            patient: Json = {
                "resourceType": "Patient",
                "id": resource_id("Patient", member.member_id),
                "identifier": [identifier("member", member.member_id)],
                "extension": [
                    {
                        "url": extension_url("member-kind"),
                        "valueCode": member.kind.value,
                    }
                ],
            }
            self._name_and_birth(patient, member)
            links = [
                {"other": self._guardian(child, member), "type": "seealso"}
                for child in record.members.values()
                if member.member_id in child.guardian_ids
            ]
            if links:
                patient["link"] = links
            self.add(patient)
        group: Json = {
            "resourceType": "Group",
            "id": self.household["reference"].removeprefix("urn:uuid:"),
            "identifier": [identifier("family", record.id)],
            "active": record.ended is None,
            "type": "person",
            "membership": "enumerated",
            "managingEntity": municipality_ref(record.municipality),
            "member": [
                {
                    "entity": member_ref(m),
                    "period": period(
                        record.member_since.get(m, record.started_on),
                        record.departed.get(m),
                    ),
                    "inactive": m in record.departed,
                }
                for m in record.members
            ],
        }
        put_text(group, "name", record.label)
        if self.erased_at is not None:
            group["extension"] = [
                {
                    "url": extension_url("erased-at"),
                    "valueDateTime": self.erased_at.isoformat(),
                }
            ]
        self.add(group)

    def _name_and_birth(self, person: Json, member: Member) -> None:
        if erased(member.name):
            person["name"] = [{"extension": [masked()]}]
        else:
            person["name"] = [{"text": member.name}]
        put_day(person, "birthDate", member.birth_date)

    def _guardian(self, child: Member, guardian: Member) -> Json:
        """The guardian as a RelatedPerson of the child; a reference to it."""
        related: Json = {
            "resourceType": "RelatedPerson",
            "id": resource_id("RelatedPerson", child.member_id, guardian.member_id),
            "identifier": [identifier("member", guardian.member_id)],
            "patient": member_ref(child.member_id),
            "relationship": [{"coding": [_GUARDIAN]}],
        }
        self._name_and_birth(related, guardian)
        self.add(related)
        return reference("RelatedPerson", related["id"])

    def care_team(self) -> None:
        record = self.record
        participants: list[Json] = []
        for assignment in record.coordinators:
            practitioner: Json = {
                "resourceType": "Practitioner",
                "id": resource_id("Practitioner", assignment.coordinator_id),
                "identifier": [identifier("user", assignment.coordinator_id)],
                "name": [{"text": assignment.name}],
            }
            self.add(practitioner)
            participants.append(
                {
                    "role": concept(system("care-team-role"), "coordinator"),
                    "member": reference("Practitioner", practitioner["id"]),
                    "coveragePeriod": period(assignment.from_on, assignment.until_on),
                }
            )
        for team_member in record.team_members.values():
            person: Json = {
                "resourceType": "Practitioner",
                "id": resource_id("Practitioner", "team", team_member.team_member_id),
                "identifier": [identifier("team-member", team_member.team_member_id)],
            }
            if erased(team_member.person):
                person["name"] = [{"extension": [masked()]}]
            else:
                person["name"] = [{"text": team_member.person}]
            self.add(person)
            participants.append(
                {
                    "role": concept(
                        system("care-team-role"),
                        "investment-team",
                        None if erased(team_member.role) else team_member.role,
                    ),
                    "member": reference("Practitioner", person["id"]),
                    "onBehalfOf": self.agency(team_member.agency),
                    "coveragePeriod": period(team_member.joined_on, None),
                }
            )
        team: Json = {
            "resourceType": "CareTeam",
            "id": self.team["reference"].removeprefix("urn:uuid:"),
            "identifier": [identifier("family", record.id)],
            "status": "active" if record.ended is None else "inactive",
            "subject": self.household,
            "managingOrganization": [municipality_ref(record.municipality)],
        }
        if participants:
            team["participant"] = participants
        self.add(team)

    def episodes(self) -> None:
        """The follow-up: one EpisodeOfCare per member (R5 requires its Patient)."""
        record = self.record
        ended = record.ended.ended_on if record.ended else None
        coordinator = record.coordinator
        for member_id in record.members:
            since = record.member_since.get(member_id, record.started_on)
            left = record.departed.get(member_id)
            end = min((d for d in (ended, left) if d is not None), default=None)
            episode: Json = {
                "resourceType": "EpisodeOfCare",
                "id": resource_id("EpisodeOfCare", record.id, member_id),
                "identifier": [identifier("family", record.id)],
                "status": "active" if end is None else "finished",
                "type": [
                    concept(
                        system("programme"),
                        record.programme.kind.value,
                        record.programme.name,
                    )
                ],
                "patient": member_ref(member_id),
                "managingOrganization": municipality_ref(record.municipality),
                "period": period(max(since, record.started_on), end),
                "careTeam": [self.team],
            }
            if coordinator is not None and coordinator.until_on is None:
                episode["careManager"] = reference(
                    "Practitioner",
                    resource_id("Practitioner", coordinator.coordinator_id),
                )
            self.add(episode)

    # ------------------------------------------------------------- the plan

    def plan_(self) -> None:
        record = self.record
        goals = [self._goal(g) for g in record.goals.values()]
        tasks = [self._step(s) for s in record.steps.values()]
        linked = [self._sector_plan(p) for p in record.sector_plans.values()]
        care_plan: Json = {
            "resourceType": "CarePlan",
            "id": self.plan["reference"].removeprefix("urn:uuid:"),
            "identifier": [identifier("family", record.id)],
            "status": "active" if record.ended is None else "completed",
            "intent": "plan",
            "title": "The family's plan",
            "subject": self.household,
            "period": period(
                record.started_on, record.ended.ended_on if record.ended else None
            ),
            "custodian": municipality_ref(record.municipality),
            "careTeam": [self.team],
        }
        if goals:
            care_plan["goal"] = goals
        if tasks:
            care_plan["activity"] = [{"plannedActivityReference": t} for t in tasks]
        if linked:
            care_plan["supportingInfo"] = linked
        self.add(care_plan)

    def _goal(self, goal: Goal) -> Json:
        lifecycle = {
            GoalStatus.ACTIVE: "active",
            GoalStatus.ACHIEVED: "completed",
            GoalStatus.DROPPED: "cancelled",
        }[goal.status]
        resource: Json = {
            "resourceType": "Goal",
            "id": resource_id("Goal", goal.goal_id),
            "identifier": [identifier("goal", goal.goal_id)],
            "lifecycleStatus": lifecycle,
            "category": [concept(TOPIC, goal.area.value)],
            "description": text_concept(goal.words),
            "subject": (
                self.household if goal.member_id is None else member_ref(goal.member_id)
            ),
        }
        if goal.status is GoalStatus.ACHIEVED:
            resource["achievementStatus"] = {
                "coding": [
                    coding(
                        "http://terminology.hl7.org/CodeSystem/goal-achievement",
                        "achieved",
                        "Achieved",
                    )
                ]
            }
        put_day(resource, "startDate", goal.set_on)
        if goal.target_on is not None:
            resource["target"] = [{"dueDate": goal.target_on.isoformat()}]
        put_day(resource, "statusDate", goal.closed_on)
        put_text(resource, "statusReason", goal.closing_note)
        notes = []
        for progress in goal.progress:
            note: Json = {"time": progress.on.isoformat()}
            put_text(note, "text", progress.note)  # masked when erased
            if progress.rating is not None:
                note["extension"] = [
                    {"url": extension_url("rating"), "valueInteger": progress.rating}
                ]
            notes.append(note)
        if notes:
            resource["note"] = notes
        self.add(resource)
        return reference("Goal", resource["id"])

    def _step(self, step: PlanStep) -> Json:
        responsible = step.responsible
        resource: Json = {
            "resourceType": "Task",
            "id": resource_id("Task", step.step_id),
            "identifier": [identifier("step", step.step_id)],
            "status": (
                "completed" if step.status is StepStatus.COMPLETED else "accepted"
            ),
            "intent": "plan",
            "basedOn": [self.plan],
            "for": (
                member_ref(responsible.member_id)
                if responsible.member_id is not None
                else self.household
            ),
            "requestedPerformer": [
                {"concept": concept(system("responsible"), responsible.kind.value)}
            ],
        }
        put_text(resource, "description", step.description)
        if step.goal_id is not None:
            resource["focus"] = reference("Goal", resource_id("Goal", step.goal_id))
        if step.agreed_on is not None:
            resource["authoredOn"] = step.agreed_on.isoformat()
        if step.due_on is not None:
            resource["requestedPeriod"] = period(None, step.due_on)
        if step.completed_on is not None:
            resource["executionPeriod"] = period(None, step.completed_on)
        if responsible.kind is ResponsibleKind.AGENCY and responsible.agency:
            resource["owner"] = self.agency(responsible.agency)
        elif responsible.member_id is not None:
            resource["owner"] = member_ref(responsible.member_id)
        elif responsible.kind is ResponsibleKind.COORDINATOR:
            resource["owner"] = municipality_ref(self.record.municipality)
        if step.completion_note is not None and not erased(step.completion_note):
            resource["note"] = [{"text": step.completion_note}]
        self.add(resource)
        return reference("Task", resource["id"])

    def _sector_plan(self, link: SectorPlanLink) -> Json:
        """An agency's own plan: a CarePlan of which only the reference is known."""
        ids = [identifier("sector-plan", link.sector_plan_id)]
        if not erased(link.reference):
            ids.append(
                {"system": system("sector-plan-reference"), "value": link.reference}
            )
        resource: Json = {
            "resourceType": "CarePlan",
            "id": resource_id("CarePlan", "sector", link.sector_plan_id),
            "identifier": ids,
            "status": "unknown",
            "intent": "plan",
            "category": [concept(system("sector-plan-kind"), link.kind.value)],
            "subject": (
                self.household if link.member_id is None else member_ref(link.member_id)
            ),
            "custodian": self.agency(link.agency),
        }
        put_text(resource, "title", link.title)
        self.add(resource)
        return reference("CarePlan", resource["id"])

    # ------------------------------------------------- consents and actions

    def consents(self) -> None:
        record = self.record
        for consent in record.consents.values():
            self.agency(consent.scope.agency)
            self.add(
                consent_resource(
                    consent,
                    record.withdrawals.get(consent.consent_id),
                    municipality=record.municipality,
                    household=self.household,
                )
            )
        for refusal in record.refusals.values():
            self.agency(refusal.scope.agency)
            self.add(
                refusal_resource(
                    refusal, municipality=record.municipality, household=self.household
                )
            )

    def action(self, action: OutwardAction) -> None:
        """An outward action (or an act under a legal duty) as a Communication."""
        knows = action.family_knows
        parts: list[Json] = [{"url": "kind", "valueCode": knows.kind.value}]
        if knows.agreed_in is not None:
            parts.append(
                {
                    "url": "agreedIn",
                    "valueIdentifier": identifier("meeting-or-step", knows.agreed_in),
                }
            )
        if knows.inform_by is not None:
            parts.append({"url": "informBy", "valueDate": knows.inform_by.isoformat()})
        if action.informed_on is not None:
            parts.append(
                {"url": "informedOn", "valueDate": action.informed_on.isoformat()}
            )
        if action.under_legal_duty:
            basis: Json = concept(system("permitted-by"), "legal-duty")
            if action.legal_basis is not None and not erased(action.legal_basis):
                basis["text"] = action.legal_basis
            reasons: list[Json] = [{"concept": basis}]
        else:
            reasons = [
                {"reference": reference("Consent", resource_id("Consent", c))}
                for c in action.consent_ids
            ]
        resource: Json = {
            "resourceType": "Communication",
            "id": resource_id("Communication", action.action_id),
            "identifier": [identifier("outward-action", action.action_id)],
            "status": "completed",
            "category": [concept(TOPIC, t.value) for t in sorted(action.topics)],
            "topic": concept(ACTION, action.kind.value),
            "medium": [concept(system("channel"), action.channel.value)],
            "subject": self.subject(action.member_ids),
            "about": [member_ref(m) for m in sorted(action.member_ids)],
            "sent": action.occurred_on.isoformat(),
            "sender": municipality_ref(self.record.municipality),
            "recipient": [self.agency(action.agency)],
            "reason": reasons,
            "extension": [{"url": extension_url("family-knows"), "extension": parts}],
        }
        if not erased(action.purpose):
            resource["note"] = [{"text": action.purpose}]
        self.add(resource)

    # ------------------------------------------------------- the access log

    def audit_event(self, number: int, read: AccessEntry) -> None:
        self.add(municipality_organization(read.municipality))
        self.add(
            {
                "resourceType": "AuditEvent",
                "id": resource_id("AuditEvent", self.record.id, number),
                "category": [
                    {
                        "coding": [
                            coding(
                                "http://terminology.hl7.org/CodeSystem/audit-event-type",
                                "rest",
                                "RESTful Operation",
                            )
                        ]
                    }
                ],
                "code": concept(system("read"), read.what),
                "action": "R",
                "recorded": read.at.isoformat(),
                "authorization": [concept(system("access"), read.purpose.value)],
                "agent": [
                    {
                        "who": {
                            "identifier": identifier("user", read.user_id),
                            "display": read.user_id,
                        },
                        "role": [concept(system("role"), read.role.value)],
                        "requestor": True,
                    }
                ],
                "source": {"observer": municipality_ref(read.municipality)},
                "entity": [{"what": self.household}],
            }
        )


def fhir_bundle(
    record: FamilyRecord,
    *,
    access_log: Sequence[AccessEntry] = (),
    erased_at: datetime | None = None,
    exported_at: datetime | None = None,
) -> Json:
    """The family's record as a FHIR R5 ``collection`` Bundle, as JSON-able data.

    A pure function: ``record`` is the family's whole record (see
    :class:`~familiekoordinering.domain.record.FamilyRecord`), ``access_log``
    the reads of its data, ``erased_at`` when its personal data was erased (if
    it was) and ``exported_at`` the Bundle's timestamp. Every resource has a
    stable id (the same thing gets the same id in every export), every entry
    the ``fullUrl`` ``urn:uuid:<id>``, and references point at those. An
    erased value is left out and marked with the ``data-absent-reason``
    ``masked``; the Bundle and every resource of an erased family carry the
    security label ``REDACTED``. The mapping is described on the guide page
    *FHIR R5 export*.
    """
    export = _Export(record, erased_at)
    export.add(municipality_organization(record.municipality))
    export.members()
    export.care_team()
    export.episodes()
    export.plan_()
    export.consents()
    for action in record.outward_actions.values():
        export.action(action)
    questionnaire = survey_questionnaire()
    if record.surveys:
        export.add(questionnaire)
    for completed in record.surveys.values():
        export.add(survey_response(completed, household=export.household))
    for number, read in enumerate(access_log, start=1):
        export.audit_event(number, read)
    meta: Json = {"tag": [coding(system("format"), FORMAT)]}
    resources = list(export.resources.values())
    if erased_at is not None:
        meta["security"] = [REDACTED]
        for resource in resources:
            if resource is not questionnaire:
                resource.setdefault("meta", {})["security"] = [REDACTED]
    bundle: Json = {
        "resourceType": "Bundle",
        "id": resource_id("Bundle", record.id, record.version),
        "meta": meta,
        "identifier": identifier("fhir-export", f"{record.id}/{record.version}"),
        "type": "collection",
    }
    if exported_at is not None:
        bundle["timestamp"] = exported_at.isoformat()
    bundle["entry"] = [entry(r) for r in resources]
    return bundle
