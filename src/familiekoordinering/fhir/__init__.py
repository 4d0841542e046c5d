"""The family's record as HL7 FHIR R5: a Bundle of standard resources, and consents back.

A pure mapping from a :class:`~familiekoordinering.domain.record.FamilyRecord`
(and its access log) to JSON-able data: the library needs no FHIR package at
run time (its tests validate every resource with ``fhir.resources``' R5
models). :func:`fhir_bundle` builds the whole Bundle; the application's
``fhir_export`` reads the family as its access export does and returns it.
:func:`consents_from_fhir` reads the consents, withdrawals and refusals back
from a Bundle, so that :func:`~familiekoordinering.domain.consent.decide`
gives the same answers over them. The guide page *FHIR R5 export* has the
mapping table, the code systems and the extensions.
"""

from familiekoordinering.fhir.bundle import FORMAT, fhir_bundle
from familiekoordinering.fhir.consents import (
    FhirConsents,
    consent_resource,
    consents_bundle,
    consents_from_fhir,
    refusal_resource,
)
from familiekoordinering.fhir.survey import (
    QUESTIONNAIRE_URL,
    QUESTIONNAIRE_VERSION,
    survey_questionnaire,
    survey_response,
)

__all__ = [
    "FORMAT",
    "QUESTIONNAIRE_URL",
    "QUESTIONNAIRE_VERSION",
    "FhirConsents",
    "consent_resource",
    "consents_bundle",
    "consents_from_fhir",
    "fhir_bundle",
    "refusal_resource",
    "survey_questionnaire",
    "survey_response",
]
