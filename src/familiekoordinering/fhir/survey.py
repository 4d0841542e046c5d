"""The survey (*kartlegging*) as a FHIR R5 Questionnaire, and each completed one as a response.

The Questionnaire is the library's own (no licensed questionnaire text): one
group per area of :class:`~familiekoordinering.domain.survey.Survey`, the
per-member answers as repeating groups naming the member (a ``reference``
item). Its canonical URL is :data:`QUESTIONNAIRE_URL`, version
:data:`QUESTIONNAIRE_VERSION`.
"""

from __future__ import annotations

import enum
from typing import Any, Final

from familiekoordinering.domain.core import CompletedSurvey
from familiekoordinering.domain.survey import Benefit, SurveyKind, WorkStatus
from familiekoordinering.domain.values import ERASED_TEXT, MemberId
from familiekoordinering.fhir._common import (
    Json,
    coding,
    identifier,
    member_ref,
    resource_id,
    system,
)

__all__ = [
    "QUESTIONNAIRE_URL",
    "QUESTIONNAIRE_VERSION",
    "survey_questionnaire",
    "survey_response",
]

QUESTIONNAIRE_URL: Final = "urn:familiekoordinering:questionnaire:survey"
"""The canonical URL of the survey's Questionnaire."""
QUESTIONNAIRE_VERSION: Final = "1"
"""The version of the survey's Questionnaire; a changed question gives a new one."""


def _options(values: type[enum.StrEnum], name: str) -> list[Json]:
    return [{"valueCoding": coding(system(name), v.value)} for v in values]


def _item(link_id: str, text: str, kind: str, **more: Any) -> Json:
    return {"linkId": link_id, "text": text, "type": kind, **more}


def _member(prefix: str) -> Json:
    return _item(f"{prefix}.member", "Member", "reference", required=True)


def survey_questionnaire() -> Json:
    """The survey as an R5 ``Questionnaire`` resource (the same every time)."""
    return {
        "resourceType": "Questionnaire",
        "id": resource_id("Questionnaire", "survey", QUESTIONNAIRE_VERSION),
        "url": QUESTIONNAIRE_URL,
        "version": QUESTIONNAIRE_VERSION,
        "name": "FamiliekoordineringSurvey",
        "title": "The survey of a family's situation (kartlegging)",
        "status": "active",
        "subjectType": ["Group"],
        "item": [
            _item("kind", "When in the follow-up", "coding", required=True,
                  answerOption=_options(SurveyKind, "survey-kind")),
            _item("housing", "Housing", "group", required=True, item=[
                _item("housing.persons-per-room", "Persons per room", "decimal"),
                _item("housing.standard", "Standard (1 very poor - 5 very good)",
                      "integer"),
                _item("housing.moves", "Moves in the last 12 months", "integer"),
            ]),
            _item("economy", "Economy", "group", required=True, item=[
                _item("economy.household-income", "Yearly household income",
                      "integer"),
                _item("economy.eu60-threshold", "EU60 threshold", "integer"),
                _item("economy.debt", "Debt", "integer"),
                _item("economy.payments-per-month", "Payments a month", "integer"),
                _item("economy.benefits-not-claimed", "Benefits not claimed",
                      "coding", repeats=True,
                      answerOption=_options(Benefit, "benefit")),
            ]),
            _item("work", "Work or activity of an adult", "group", repeats=True,
                  item=[_member("work"),
                        _item("work.status", "Status", "coding",
                              answerOption=_options(WorkStatus, "work-status"))]),
            _item("school", "A child's school", "group", repeats=True, item=[
                _member("school"),
                _item("school.mastery", "Mastery (1 low - 5 high)", "integer"),
                _item("school.absence-days", "Days absent this school year",
                      "integer"),
            ]),
            _item("leisure", "A child's leisure", "group", repeats=True, item=[
                _member("leisure"),
                _item("leisure.activities", "Organised activities with peers",
                      "integer"),
            ]),
            _item("well-being", "A member's well-being", "group", repeats=True,
                  item=[_member("well-being"),
                        _item("well-being.ladder", "Cantril ladder (0-10)",
                              "integer")]),
            _item("note", "Note", "text"),
        ],
    }  # fmt: skip


def _answer(link_id: str, kind: str, value: Any) -> Json:
    return {"linkId": link_id, "answer": [{kind: value}]}


def _per_member(
    link_id: str, member_id: MemberId, answers: list[tuple[str, str, Any]]
) -> Json:
    return {
        "linkId": link_id,
        "item": [
            _answer(f"{link_id}.member", "valueReference", member_ref(member_id)),
            *(
                _answer(f"{link_id}.{name}", kind, value)
                for name, kind, value in answers
                if value is not None
            ),
        ],
    }


def survey_response(completed: CompletedSurvey, *, household: Json) -> Json:
    """A completed survey as an R5 ``QuestionnaireResponse`` about the household."""
    survey = completed.survey
    housing, economy = survey.housing, survey.economy
    items: list[Json] = [
        _answer("kind", "valueCoding", coding(system("survey-kind"), survey.kind.value)),
        {"linkId": "housing", "item": [
            _answer("housing.persons-per-room", "valueDecimal",
                    housing.persons_per_room),
            _answer("housing.standard", "valueInteger", housing.standard),
            _answer("housing.moves", "valueInteger", housing.moves_last_12_months),
        ]},
        {"linkId": "economy", "item": [
            _answer("economy.household-income", "valueInteger",
                    economy.household_income),
            _answer("economy.eu60-threshold", "valueInteger", economy.eu60_threshold),
            _answer("economy.debt", "valueInteger", economy.debt),
            _answer("economy.payments-per-month", "valueInteger",
                    economy.payments_per_month),
            *([{"linkId": "economy.benefits-not-claimed", "answer": [
                {"valueCoding": coding(system("benefit"), b.value)}
                for b in sorted(economy.benefits_not_claimed)
            ]}] if economy.benefits_not_claimed else []),
        ]},
        *(_per_member("work", w.member_id,
                      [("status", "valueCoding",
                        coding(system("work-status"), w.status.value))])
          for w in survey.work),
        *(_per_member("school", s.member_id,
                      [("mastery", "valueInteger", s.mastery),
                       ("absence-days", "valueInteger", s.absence_days)])
          for s in survey.school),
        *(_per_member("leisure", x.member_id,
                      [("activities", "valueInteger", x.activities)])
          for x in survey.leisure),
        *(_per_member("well-being", x.member_id,
                      [("ladder", "valueInteger", x.ladder)])
          for x in survey.well_being),
    ]  # fmt: skip
    if survey.note is not None and survey.note != ERASED_TEXT:
        items.append(_answer("note", "valueString", survey.note))
    return {
        "resourceType": "QuestionnaireResponse",
        "id": resource_id("QuestionnaireResponse", survey.survey_id),
        "identifier": [identifier("survey", survey.survey_id)],
        "questionnaire": f"{QUESTIONNAIRE_URL}|{QUESTIONNAIRE_VERSION}",
        "status": "completed",
        "subject": household,
        "authored": completed.completed_on.isoformat(),
        "item": items,
    }
