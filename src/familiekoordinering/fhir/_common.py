"""What the FHIR mapping's modules share: systems, resource ids, references, erased values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final
from uuid import UUID, uuid5

from familiekoordinering.domain.values import (
    ERASED_DATE,
    ERASED_TEXT,
    Agency,
    AgencyKind,
    MemberId,
)

Json = dict[str, Any]
"""A FHIR resource or element as JSON-able data."""

PREFIX: Final = "urn:familiekoordinering"


def system(name: str) -> str:
    """The URI of one of the library's code systems (``urn:familiekoordinering:topic``)."""
    return f"{PREFIX}:{name}"


def id_system(kind: str) -> str:
    """The URI of the identifiers of one kind of thing (``urn:familiekoordinering:id:member``)."""
    return f"{PREFIX}:id:{kind}"


def extension_url(name: str) -> str:
    """The URL of one of the library's extensions."""
    return f"{PREFIX}:extension:{name}"


TOPIC: Final = system("topic")
AGENCY_KIND: Final = system("agency-kind")
ACTION: Final = system("action")
CONSENT_FORM: Final = system("consent-form")

DATA_ABSENT: Final = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
REDACTED: Final = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "REDACTED",
    "display": "redacted",
}
"""The security label of a resource whose personal data was erased."""

_NAMESPACE: Final = UUID("b6f1c0de-5a1e-4f0b-9d3c-6b2f8e7a4c21")


def resource_id(resource_type: str, *keys: object) -> str:
    """A stable id for a resource: the same thing always gets the same id."""
    return str(uuid5(_NAMESPACE, "/".join([resource_type, *(str(k) for k in keys)])))


def full_url(resource_id: str) -> str:
    """The ``fullUrl`` of a Bundle entry for a resource with this id."""
    return f"urn:uuid:{resource_id}"


def reference(resource_type: str, resource_id: str) -> Json:
    """A reference to a resource in the same Bundle."""
    return {"reference": full_url(resource_id), "type": resource_type}


def coding(system_uri: str, code: str, display: str | None = None) -> Json:
    """A Coding; ``display`` only when given."""
    found: Json = {"system": system_uri, "code": code}
    if display is not None:
        found["display"] = display
    return found


def concept(system_uri: str, code: str, text: str | None = None) -> Json:
    """A CodeableConcept of one coding."""
    found: Json = {"coding": [coding(system_uri, code)]}
    if text is not None:
        found["text"] = text
    return found


def identifier(kind: str, value: object) -> Json:
    """An Identifier in the library's system for ``kind``."""
    return {"system": id_system(kind), "value": str(value)}


def masked() -> Json:
    """The extension of a value that was erased (data-absent-reason ``masked``)."""
    return {"url": DATA_ABSENT, "valueCode": "masked"}


def erased(value: str | None) -> bool:
    """Whether a text was erased with the family's key."""
    return value == ERASED_TEXT


def put_text(resource: Json, name: str, value: str | None) -> None:
    """Set a string element, or mark it masked when erased; nothing for None."""
    if value is None:
        return
    if erased(value):
        resource["_" + name] = {"extension": [masked()]}
    else:
        resource[name] = value


def put_day(resource: Json, name: str, value: date | None) -> None:
    """Set a date element, or mark it masked when erased; nothing for None."""
    if value is None:
        return
    if value == ERASED_DATE:
        resource["_" + name] = {"extension": [masked()]}
    else:
        resource[name] = value.isoformat()


def text_concept(value: str) -> Json:
    """A CodeableConcept holding only text, or masked when erased."""
    return {"extension": [masked()]} if erased(value) else {"text": value}


def period(start: date | None, end: date | None) -> Json:
    """A Period of dates (either end may be open)."""
    found: Json = {}
    if start is not None:
        found["start"] = start.isoformat()
    if end is not None:
        found["end"] = end.isoformat()
    return found


def member_ref(member_id: MemberId) -> Json:
    """A reference to a member's Patient."""
    return reference("Patient", resource_id("Patient", member_id))


def agency_id(agency: Agency) -> str:
    """The id of an agency's Organization."""
    return resource_id("Organization", "agency", agency.kind.value, agency.unit or "")


def agency_ref(agency: Agency) -> Json:
    """A reference to an agency's Organization."""
    return reference("Organization", agency_id(agency))


def agency_organization(agency: Agency) -> Json:
    """An agency as an Organization: its kind as type and identifier, its unit as name.

    An agency named by its kind alone (every unit of the kind) has no name.
    """
    found: Json = {
        "resourceType": "Organization",
        "id": agency_id(agency),
        "identifier": [{"system": AGENCY_KIND, "value": agency.kind.value}],
        "type": [concept(AGENCY_KIND, agency.kind.value)],
    }
    put_text(found, "name", agency.unit)
    return found


def agency_of(organization: Json) -> Agency:
    """The agency an Organization written by :func:`agency_organization` stands for."""
    kinds = [
        c["code"]
        for t in organization.get("type", ())
        for c in t.get("coding", ())
        if c.get("system") == AGENCY_KIND
    ]
    if len(kinds) != 1:
        raise ValueError(
            f"Organization {organization.get('id')} has no single {AGENCY_KIND} type"
        )
    unit: str | None = organization.get("name")
    if unit is None and "_name" in organization:
        unit = ERASED_TEXT
    return Agency(AgencyKind(kinds[0]), unit)


def municipality_id(number: str) -> str:
    """The id of a municipality's Organization."""
    return resource_id("Organization", "municipality", number)


def municipality_ref(number: str) -> Json:
    """A reference to a municipality's Organization."""
    return reference("Organization", municipality_id(number))


def municipality_organization(number: str) -> Json:
    """A municipality as a (government) Organization, identified by its number."""
    return {
        "resourceType": "Organization",
        "id": municipality_id(number),
        "identifier": [identifier("municipality", number)],
        "type": [
            {
                "coding": [
                    coding(
                        "http://terminology.hl7.org/CodeSystem/organization-type",
                        "govt",
                        "Government",
                    )
                ]
            }
        ],
    }


def codes(concepts: Iterable[Json], system_uri: str) -> list[str]:
    """The codes of one system in some CodeableConcepts."""
    return [
        c["code"]
        for found in concepts
        for c in found.get("coding", ())
        if c.get("system") == system_uri
    ]


def identified(resource: Json, kind: str) -> str | None:
    """The value of a resource's identifier of the library's ``kind``, if any."""
    for found in resource.get("identifier", ()):
        if found.get("system") == id_system(kind):
            value: str = found["value"]
            return value
    return None


def extensions(element: Mapping[str, Any], url: str) -> list[Json]:
    """An element's extensions with ``url``."""
    return [e for e in element.get("extension", ()) if e.get("url") == url]


def entry(resource: Json) -> Json:
    """A Bundle entry for a resource."""
    return {"fullUrl": full_url(resource["id"]), "resource": resource}
