"""Consents, withdrawals and refusals as R5 ``Consent`` resources, and back.

A consent is a ``Consent`` whose ``decision`` is ``permit``; its root
``provision`` is what it permits: ``actor`` the agency (an Organization, in
the role of information recipient), ``action`` the kinds of outward action,
``code`` the topics, ``data`` the members (each a Patient, meaning
``related``: the data about that member), ``purpose`` coordination of care.
The topics it excludes are a nested ``provision``, which in R5 negates its
parent: a deny. ``period`` is the consent's period, ``date`` the day it was
given, ``grantor`` the members who gave it; the family's words for its purpose
are the extension ``urn:familiekoordinering:extension:purpose``. A withdrawn
consent has the status ``inactive`` and the extension
``urn:familiekoordinering:extension:withdrawal`` (the day, who withdrew it and
why). A refusal is a ``Consent`` whose ``decision`` is ``deny``, dated the day
it was made, with the same kind of provision.

:func:`consents_from_fhir` reads them back, so that
:func:`~familiekoordinering.domain.consent.decide` over what was read gives
the same answers as over the library's own consents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any
from uuid import UUID

import attrs

from familiekoordinering.domain.consent import (
    Consent,
    ConsentForm,
    ConsentRefusal,
    ConsentScope,
    ConsentWithdrawal,
    OutwardActionKind,
)
from familiekoordinering.domain.values import (
    ERASED_TEXT,
    ConsentId,
    MemberId,
    RefusalId,
    Topic,
)
from familiekoordinering.fhir._common import (
    ACTION,
    CONSENT_FORM,
    TOPIC,
    Json,
    agency_of,
    agency_organization,
    agency_ref,
    codes,
    coding,
    concept,
    entry,
    extension_url,
    extensions,
    identified,
    identifier,
    member_ref,
    municipality_organization,
    municipality_ref,
    period,
    resource_id,
)

__all__ = [
    "FhirConsents",
    "consent_resource",
    "consents_bundle",
    "consents_from_fhir",
    "refusal_resource",
]

PURPOSE_EXTENSION = extension_url("purpose")
WITHDRAWAL_EXTENSION = extension_url("withdrawal")
NOTE_EXTENSION = extension_url("note")

_RECIPIENT = {
    "coding": [
        coding(
            "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
            "IRCP",
            "information recipient",
        )
    ]
}
_COORDINATION_OF_CARE = coding(
    "http://terminology.hl7.org/CodeSystem/v3-ActReason", "COC", "coordination of care"
)
_DISCLOSE = coding(
    "http://terminology.hl7.org/CodeSystem/consentaction", "disclose", "Disclose"
)


def _provision(scope: ConsentScope) -> Json:
    provision: Json = {
        "actor": [{"role": _RECIPIENT, "reference": agency_ref(scope.agency)}],
        "action": [
            {"coding": [coding(ACTION, kind.value), _DISCLOSE]}
            for kind in sorted(scope.actions)
        ],
        "purpose": [_COORDINATION_OF_CARE],
        "code": [concept(TOPIC, topic.value) for topic in sorted(scope.topics)],
        "data": [
            {"meaning": "related", "reference": member_ref(m)}
            for m in sorted(scope.member_ids)
        ],
    }
    if scope.excluded_topics:
        provision["provision"] = [
            {"code": [concept(TOPIC, t.value) for t in sorted(scope.excluded_topics)]}
        ]
    return provision


def _subject(member_ids: frozenset[MemberId], household: Json | None) -> Json | None:
    if len(member_ids) == 1:
        return member_ref(next(iter(member_ids)))
    return household


def _text_extension(url: str, value: str | None) -> list[Json]:
    if value is None or value == ERASED_TEXT:
        return []
    return [{"url": url, "valueString": value}]


def consent_resource(
    consent: Consent,
    withdrawal: ConsentWithdrawal | None,
    *,
    municipality: str,
    household: Json | None = None,
) -> Json:
    """One consent (and its withdrawal, if any) as an R5 ``Consent`` resource.

    ``municipality`` is the number of the municipality whose coordinator acts
    under it (the consent's controller and grantee); ``household`` a
    reference to the family's Group, the subject of a consent about more than
    one member.
    """
    resource: Json = {
        "resourceType": "Consent",
        "id": resource_id("Consent", consent.consent_id),
        "identifier": [identifier("consent", consent.consent_id)],
        "status": "active" if withdrawal is None else "inactive",
        "category": [concept(CONSENT_FORM, consent.form.value)],
        "date": consent.given_on.isoformat(),
        "period": period(consent.valid_from, consent.valid_until),
        "grantor": [member_ref(m) for m in sorted(consent.given_by)],
        "grantee": [municipality_ref(municipality)],
        "controller": [municipality_ref(municipality)],
        "decision": "permit",
        "provision": [_provision(consent.scope)],
    }
    subject = _subject(consent.scope.member_ids, household)
    if subject is not None:
        resource["subject"] = subject
    found = _text_extension(PURPOSE_EXTENSION, consent.purpose)
    if withdrawal is not None:
        parts: list[Json] = [
            {"url": "date", "valueDate": withdrawal.withdrawn_on.isoformat()},
            *(
                {"url": "by", "valueReference": member_ref(m)}
                for m in sorted(withdrawal.withdrawn_by)
            ),
            *_text_extension("reason", withdrawal.reason),
        ]
        found.append({"url": WITHDRAWAL_EXTENSION, "extension": parts})
    if found:
        resource["extension"] = found
    return resource


def refusal_resource(
    refusal: ConsentRefusal, *, municipality: str, household: Json | None = None
) -> Json:
    """A recorded refusal as an R5 ``Consent`` whose decision is ``deny``."""
    resource: Json = {
        "resourceType": "Consent",
        "id": resource_id("Consent", "refusal", refusal.refusal_id),
        "identifier": [identifier("refusal", refusal.refusal_id)],
        "status": "active",
        "date": refusal.refused_on.isoformat(),
        "period": period(refusal.refused_on, None),
        "grantor": [member_ref(m) for m in sorted(refusal.refused_by)],
        "controller": [municipality_ref(municipality)],
        "decision": "deny",
        "provision": [_provision(refusal.scope)],
    }
    subject = _subject(refusal.scope.member_ids, household)
    if subject is not None:
        resource["subject"] = subject
    note = _text_extension(NOTE_EXTENSION, refusal.note)
    if note:
        resource["extension"] = note
    return resource


def consents_bundle(
    consents: Iterable[Consent],
    withdrawals: Mapping[ConsentId, ConsentWithdrawal],
    refusals: Iterable[ConsentRefusal],
    *,
    municipality: str = "0000",
) -> Json:
    """A ``collection`` Bundle of consents and refusals alone, with what they reference.

    The agencies as Organizations, the municipality as an Organization, and
    each member named as a Patient holding only the member's id. For a
    family's whole record use :func:`~familiekoordinering.fhir.fhir_bundle`.
    """
    consents = list(consents)
    refusals = list(refusals)
    resources: list[Json] = [municipality_organization(municipality)]
    scopes = [c.scope for c in consents] + [r.scope for r in refusals]
    members: set[MemberId] = set()
    for c in consents:
        members |= c.given_by
    for r in refusals:
        members |= r.refused_by
    for w in withdrawals.values():
        members |= w.withdrawn_by
    agencies = {}
    for scope in scopes:
        members |= scope.member_ids
        agencies[agency_ref(scope.agency)["reference"]] = scope.agency
    resources += [agency_organization(a) for a in agencies.values()]
    resources += [
        {
            "resourceType": "Patient",
            "id": member_ref(m)["reference"].removeprefix("urn:uuid:"),
            "identifier": [identifier("member", m)],
        }
        for m in sorted(members)
    ]
    resources += [
        consent_resource(c, withdrawals.get(c.consent_id), municipality=municipality)
        for c in consents
    ]
    resources += [refusal_resource(r, municipality=municipality) for r in refusals]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [entry(r) for r in resources],
    }


@attrs.frozen
class FhirConsents:
    """The consents, withdrawals and refusals read back from a FHIR Bundle.

    The arguments :func:`~familiekoordinering.domain.consent.decide` takes, so
    ``decide(read.consents, read.withdrawals, read.refusals, action, …)``.
    """

    consents: tuple[Consent, ...]
    withdrawals: Mapping[ConsentId, ConsentWithdrawal]
    refusals: tuple[ConsentRefusal, ...]


class _Bundle:
    """A Bundle's resources, found by the references the library writes."""

    def __init__(self, bundle: Mapping[str, Any]) -> None:
        if bundle.get("resourceType") != "Bundle":
            raise ValueError("give a FHIR Bundle (resourceType 'Bundle')")
        self.resources: dict[str, Json] = {}
        self.all: list[Json] = []
        for found in bundle.get("entry", ()):
            resource = found.get("resource")
            if resource is None:
                continue
            self.all.append(resource)
            if "fullUrl" in found:
                self.resources[found["fullUrl"]] = resource
            if "id" in resource:
                self.resources[f"{resource['resourceType']}/{resource['id']}"] = (
                    resource
                )

    def resolve(self, ref: Mapping[str, Any]) -> Json:
        target = ref.get("reference")
        if target not in self.resources:
            raise ValueError(f"the Bundle holds no resource {target!r}")
        return self.resources[target]

    def member(self, ref: Mapping[str, Any]) -> MemberId:
        found = identified(self.resolve(ref), "member")
        if found is None:
            raise ValueError(f"{ref.get('reference')} has no member identifier")
        return MemberId(UUID(found))

    def scope(self, provision: Json) -> ConsentScope:
        actors = provision.get("actor", ())
        if len(actors) != 1:
            raise ValueError("a consent's provision names one agency as its actor")
        nested = provision.get("provision", ())
        return ConsentScope(
            agency=agency_of(self.resolve(actors[0]["reference"])),
            topics=frozenset(Topic(c) for c in codes(provision.get("code", ()), TOPIC)),
            member_ids=frozenset(
                self.member(d["reference"]) for d in provision.get("data", ())
            ),
            excluded_topics=frozenset(
                Topic(c)
                for inner in nested
                for c in codes(inner.get("code", ()), TOPIC)
            ),
            actions=frozenset(
                OutwardActionKind(c) for c in codes(provision.get("action", ()), ACTION)
            ),
        )


def _string(resource: Json, url: str) -> str | None:
    found = extensions(resource, url)
    return found[0]["valueString"] if found else None


def _consent(bundle: _Bundle, resource: Json, consent_id: str) -> Consent:
    valid = resource.get("period", {})
    forms = codes(resource.get("category", ()), CONSENT_FORM)
    return Consent(
        consent_id=ConsentId(UUID(consent_id)),
        scope=bundle.scope(resource["provision"][0]),
        given_by=frozenset(bundle.member(g) for g in resource.get("grantor", ())),
        form=ConsentForm(forms[0]) if forms else ConsentForm.WRITTEN,
        valid_from=date.fromisoformat(valid["start"]),
        valid_until=date.fromisoformat(valid["end"]) if "end" in valid else None,
        purpose=_string(resource, PURPOSE_EXTENSION) or ERASED_TEXT,
        given_on=date.fromisoformat(resource["date"]),
    )


def _withdrawal(
    bundle: _Bundle, resource: Json, consent_id: ConsentId
) -> ConsentWithdrawal | None:
    found = extensions(resource, WITHDRAWAL_EXTENSION)
    if not found:
        return None
    parts = found[0].get("extension", ())
    (day,) = (p["valueDate"] for p in parts if p["url"] == "date")
    reasons = [p["valueString"] for p in parts if p["url"] == "reason"]
    return ConsentWithdrawal(
        consent_id,
        date.fromisoformat(day),
        frozenset(
            bundle.member(p["valueReference"]) for p in parts if p["url"] == "by"
        ),
        reasons[0] if reasons else None,
    )


def consents_from_fhir(bundle: Mapping[str, Any]) -> FhirConsents:
    """Read the consents, withdrawals and refusals back from a Bundle this module wrote.

    Reads every ``Consent`` with a consent or refusal identifier of the
    library (``urn:familiekoordinering:id:consent`` or ``…:refusal``),
    resolving its references within the Bundle (by ``fullUrl``, or
    ``Type/id``). A purpose that was erased reads as the erased marker.
    Raises :class:`ValueError` for a Consent the library could not have
    written.
    """
    found = _Bundle(bundle)
    consents: list[Consent] = []
    withdrawals: dict[ConsentId, ConsentWithdrawal] = {}
    refusals: list[ConsentRefusal] = []
    for resource in found.all:
        if resource.get("resourceType") != "Consent":
            continue
        consent_id = identified(resource, "consent")
        refusal_id = identified(resource, "refusal")
        if consent_id is not None and resource.get("decision") == "permit":
            consent = _consent(found, resource, consent_id)
            consents.append(consent)
            withdrawal = _withdrawal(found, resource, consent.consent_id)
            if withdrawal is not None:
                withdrawals[consent.consent_id] = withdrawal
        elif refusal_id is not None and resource.get("decision") == "deny":
            refusals.append(
                ConsentRefusal(
                    RefusalId(UUID(refusal_id)),
                    found.scope(resource["provision"][0]),
                    frozenset(found.member(g) for g in resource.get("grantor", ())),
                    date.fromisoformat(resource["date"]),
                    _string(resource, NOTE_EXTENSION),
                )
            )
    return FhirConsents(tuple(consents), withdrawals, tuple(refusals))
