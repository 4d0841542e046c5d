"""The FHIR R5 export: every resource is valid R5, and the consents read back decide alike."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import attrs
import fhir.resources
import pytest
from fhir.resources import get_fhir_model_class
from fhir.resources.bundle import Bundle
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from familiekoordinering import (
    Actor,
    Agency,
    AgencyKind,
    Channel,
    Consent,
    ConsentAges,
    ConsentId,
    ConsentRefusal,
    ConsentScope,
    ConsentWithdrawal,
    Decision,
    FamilyCoordination,
    FamilyKnows,
    Member,
    MemberId,
    Municipality,
    NotFoundError,
    OutwardActionKind,
    ProposedAction,
    Role,
    Topic,
    decide,
    load_master_key,
    new_master_key,
)
from familiekoordinering.cli import main
from familiekoordinering.demo import DemoClock, build_demo, demo_programme
from familiekoordinering.domain.values import ERASED_TEXT
from familiekoordinering.fhir import (
    QUESTIONNAIRE_URL,
    consents_bundle,
    consents_from_fhir,
    survey_questionnaire,
)
from tests.conftest import COORDINATOR, LEAD, START, EnrolledFamily, FixedClock
from tests.strategies import consent_worlds, proposed_actions

pytestmark = pytest.mark.application

# fhir.resources 8.x holds the R5 models (7.x held R4B): pinned in pyproject.toml.
assert fhir.resources.__fhir_version__.startswith("5."), "fhir.resources is not R5"

# Required bindings fhir.resources does not check: the codes R5 allows.
R5_CODES: dict[tuple[str, str], set[str]] = {
    ("Bundle", "type"): {"document", "message", "transaction", "transaction-response",
                         "batch", "batch-response", "history", "searchset",
                         "collection", "subscription-notification"},
    ("Consent", "status"): {"draft", "active", "inactive", "not-done",
                            "entered-in-error", "unknown"},
    ("Consent", "decision"): {"deny", "permit"},
    ("Goal", "lifecycleStatus"): {"proposed", "planned", "accepted", "active",
                                  "on-hold", "completed", "cancelled",
                                  "entered-in-error", "rejected"},
    ("Task", "status"): {"draft", "requested", "received", "accepted", "rejected",
                         "ready", "cancelled", "in-progress", "on-hold", "failed",
                         "completed", "entered-in-error"},
    ("Task", "intent"): {"unknown", "proposal", "plan", "order", "original-order",
                         "reflex-order", "filler-order", "instance-order", "option"},
    ("CarePlan", "status"): {"draft", "active", "on-hold", "revoked", "completed",
                             "entered-in-error", "unknown"},
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option", "directive"},
    ("EpisodeOfCare", "status"): {"planned", "waitlist", "active", "onhold",
                                  "finished", "cancelled", "entered-in-error"},
    ("Communication", "status"): {"preparation", "in-progress", "not-done", "on-hold",
                                  "stopped", "completed", "entered-in-error",
                                  "unknown"},
    ("QuestionnaireResponse", "status"): {"in-progress", "completed", "amended",
                                          "entered-in-error", "stopped"},
    ("Questionnaire", "status"): {"draft", "active", "retired", "unknown"},
    ("Group", "type"): {"person", "animal", "practitioner", "device", "careteam",
                        "healthcareservice", "location", "organization",
                        "relatedperson", "specimen"},
    ("Group", "membership"): {"definitional", "enumerated"},
    ("CareTeam", "status"): {"proposed", "active", "suspended", "inactive",
                             "entered-in-error"},
    ("AuditEvent", "action"): {"C", "R", "U", "D", "E"},
}  # fmt: skip


def _references(
    model: BaseModel, allowed: list[str] | None = None
) -> Iterator[tuple[Any, list[str] | None]]:
    """Every Reference in a parsed resource, with the types its element allows."""
    if type(model).__name__ == "Reference":
        yield model, allowed
        return
    for name, field in type(model).model_fields.items():
        value = getattr(model, name, None)
        extra = (
            field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        )
        types: list[str] | None = extra.get("enum_reference_types")  # type: ignore[assignment]
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, BaseModel) and name != "contained":
                yield from _references(item, types or allowed)


def assert_valid_r5(bundle: dict[str, Any]) -> None:
    """The Bundle and each resource parse with the R5 models; references resolve."""
    Bundle.model_validate(bundle)
    json.dumps(bundle)  # JSON-able as it is
    assert bundle["type"] == "collection"
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    assert len(by_url) == len(bundle["entry"]), "fullUrls are unique"
    questions = _link_ids(survey_questionnaire()["item"])
    for found in bundle["entry"]:
        resource = found["resource"]
        kind = resource["resourceType"]
        model = get_fhir_model_class(kind).model_validate(resource)
        assert found["fullUrl"] == f"urn:uuid:{resource['id']}"
        for (of, element), codes in R5_CODES.items():
            if of == kind and element in resource:
                assert resource[element] in codes, (kind, element, resource[element])
        for ref, allowed in _references(model):
            if ref.reference is None:
                assert ref.identifier is not None  # a logical reference
                continue
            target = by_url.get(ref.reference)
            assert target is not None, f"{kind} refers to {ref.reference}: not found"
            assert ref.type in (None, target["resourceType"])
            if allowed and "Resource" not in allowed:
                assert target["resourceType"] in allowed, (kind, allowed, target)
        if kind == "QuestionnaireResponse":
            assert resource["questionnaire"].startswith(QUESTIONNAIRE_URL + "|")
            assert set(_link_ids(resource["item"])) <= set(questions)
            for link_id, answer in _answers(resource["item"]):
                expected = ANSWER_TYPES[questions[link_id]]
                assert expected in answer, (link_id, answer)


ANSWER_TYPES = {
    "text": "valueString",
    "string": "valueString",
    "coding": "valueCoding",
    "reference": "valueReference",
    "integer": "valueInteger",
    "decimal": "valueDecimal",
}
"""The answer an R5 Questionnaire item of each type takes."""


def _link_ids(items: list[dict[str, Any]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in items:
        found[item["linkId"]] = item.get("type", "")
        found |= _link_ids(item.get("item", []))
    return found


def _answers(items: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for item in items:
        for answer in item.get("answer", []):
            yield item["linkId"], answer
        yield from _answers(item.get("item", []))


def _types(bundle: dict[str, Any]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for found in bundle["entry"]:
        kind = found["resource"]["resourceType"]
        counted[kind] = counted.get(kind, 0) + 1
    return counted


# ---------------------------------------------------------------- the demo


@pytest.fixture(scope="module")
def nye_monstre() -> Iterator[tuple[FamilyCoordination, list[Any]]]:
    clock = DemoClock()
    app = FamilyCoordination("memory", clock=clock)
    demo = build_demo(app, clock, families=3, years=3, seed=4)
    yield app, demo.family_ids
    app.close()


def test_a_demo_family_exports_as_valid_r5_with_every_kind_of_resource(
    nye_monstre: tuple[FamilyCoordination, list[Any]],
) -> None:
    app, family_ids = nye_monstre
    lead = demo_programme("nye-monstre").lead_actor
    for family_id in family_ids:
        bundle = app.fhir_export(family_id, actor=lead)
        assert_valid_r5(bundle)
        record = app.family_at(family_id, actor=lead)
        read = consents_from_fhir(bundle)
        assert {c.consent_id: c for c in read.consents} == record.consents
        assert dict(read.withdrawals) == record.withdrawals
        assert {r.refusal_id: r for r in read.refusals} == record.refusals
        counted = _types(bundle)
        assert counted["Patient"] == len(record.members)
        assert counted["EpisodeOfCare"] == len(record.members)
        assert counted["Group"] == 1
        assert counted.get("Goal", 0) == len(record.goals)
        assert counted.get("Task", 0) == len(record.steps)
        assert counted.get("Communication", 0) == len(record.outward_actions)
        assert counted.get("QuestionnaireResponse", 0) == len(record.surveys)
        # the access log, this export's own read included
        reads = [e["resource"]["code"]["coding"][0]["code"] for e in bundle["entry"]
                 if e["resource"]["resourceType"] == "AuditEvent"]  # fmt: skip
        logged = [e.what for e in app.access_entries(family_id, actor=lead)]
        assert reads == logged[: len(reads)]
        assert reads[-1] == "access export"


def test_the_same_family_exports_the_same_resources(
    nye_monstre: tuple[FamilyCoordination, list[Any]],
) -> None:
    app, family_ids = nye_monstre
    lead = demo_programme("nye-monstre").lead_actor
    first = app.fhir_export(family_ids[0], actor=lead)
    again = app.fhir_export(family_ids[0], actor=lead)
    audit = {"AuditEvent"}  # one more read logged each time
    assert [
        e for e in first["entry"] if e["resource"]["resourceType"] not in audit
    ] == [e for e in again["entry"] if e["resource"]["resourceType"] not in audit]


def test_an_asker_family_exports_its_investment_team() -> None:
    clock = DemoClock()
    app = FamilyCoordination("memory", clock=clock)
    programme = demo_programme("asker")
    demo = build_demo(app, clock, families=1, years=1, seed=2, programme="asker")
    bundle = app.fhir_export(demo.family_ids[0], actor=programme.lead_actor)
    assert_valid_r5(bundle)
    (team,) = [e["resource"] for e in bundle["entry"]
               if e["resource"]["resourceType"] == "CareTeam"]  # fmt: skip
    roles = [p["role"]["coding"][0]["code"] for p in team.get("participant", [])]
    record = app.family_at(demo.family_ids[0], actor=programme.lead_actor)
    assert record.team_members
    assert roles.count("investment-team") == len(record.team_members)
    app.close()


# ----------------------------------------------- the fixture family, in detail


@pytest.fixture
def family() -> Iterator[EnrolledFamily]:
    """The fixture family, in memory only: the export reads as every query does."""
    app = FamilyCoordination("memory", clock=FixedClock(), encryption=False)
    yield EnrolledFamily(app)
    app.close()


def test_consent_withdrawal_refusal_and_contacts_map_as_documented(
    family: EnrolledFamily,
) -> None:
    app = family.app
    school = Agency(AgencyKind.SCHOOL, "Lund skole")
    refusal = app.refuse_consent(
        family.id,
        scope=ConsentScope(school, frozenset({Topic.HEALTH}), frozenset({family.emma})),
        refused_by=[family.kari], occurred_on=START + timedelta(days=3),
        actor=COORDINATOR,
    )  # fmt: skip
    contact = app.record_contact(
        family.id, kind=OutwardActionKind.CONTACT, agency=Agency(AgencyKind.NAV),
        topics=[Topic.ECONOMY], member_ids=[family.kari], purpose="Ask about support",
        channel=Channel.PHONE, family_knows=FamilyKnows.present(),
        occurred_on=START + timedelta(days=5), actor=COORDINATOR,
    )  # fmt: skip
    app.withdraw_consent(
        family.id, family.nav_consent, withdrawn_by=[family.kari, family.ola],
        occurred_on=START + timedelta(days=9), actor=COORDINATOR,
    )  # fmt: skip
    bundle = app.fhir_export(family.id, actor=LEAD)
    assert_valid_r5(bundle)
    resources: dict[str, dict[str, Any]] = {
        e["fullUrl"]: e["resource"] for e in bundle["entry"]
    }

    def resolve(ref: dict[str, Any]) -> dict[str, Any]:
        return resources[ref["reference"]]

    consent, refused = sorted(
        (r for r in resources.values() if r["resourceType"] == "Consent"),
        key=lambda r: r["decision"] == "deny",
    )
    assert consent["status"] == "inactive"
    assert consent["decision"] == "permit"
    provision = consent["provision"][0]
    assert (
        resolve(provision["actor"][0]["reference"])["type"][0]["coding"][0]["code"]
        == "nav"
    )
    assert {c["coding"][0]["code"] for c in provision["code"]} == {"economy", "work"}
    (deny,) = provision["provision"]
    assert {c["coding"][0]["code"] for c in deny["code"]} == {"parenting"}
    assert consent["period"] == {"start": (START + timedelta(days=1)).isoformat()}
    withdrawal = consent["extension"][1]["extension"]
    assert withdrawal[0] == {
        "url": "date", "valueDate": (START + timedelta(days=9)).isoformat()
    }  # fmt: skip
    assert refused["decision"] == "deny"
    assert refused["identifier"][0]["value"] == str(refusal)
    assert resolve(refused["provision"][0]["actor"][0]["reference"])["name"] == (
        "Lund skole"
    )
    (communication,) = [
        r for r in resources.values() if r["resourceType"] == "Communication"
    ]
    assert communication["identifier"][0]["value"] == str(contact)
    (permitted_by,) = communication["reason"]
    assert resolve(permitted_by["reference"]) is consent
    emma = next(
        r for r in resources.values()
        if r["resourceType"] == "Patient" and r["name"][0]["text"] == "Emma Hansen"
    )  # fmt: skip
    guardians = [r for r in resources.values() if r["resourceType"] == "RelatedPerson"]
    assert {g["name"][0]["text"] for g in guardians} == {"Kari Hansen", "Ola Hansen"}
    assert all(g["patient"]["reference"] == f"urn:uuid:{emma['id']}" for g in guardians)


def test_another_municipality_is_refused_as_for_an_unknown_family(
    family: EnrolledFamily,
) -> None:
    elsewhere = Actor("a-lead", Role.TEAM_LEAD, Municipality("1103"))
    with pytest.raises(NotFoundError) as refused:
        family.app.fhir_export(family.id, actor=elsewhere)
    with pytest.raises(NotFoundError) as unknown:
        family.app.fhir_export(uuid4(), actor=elsewhere)
    assert str(refused.value).split(" ", 2)[2] == str(unknown.value).split(" ", 2)[2]
    entries = family.app.access_entries(family.id, actor=LEAD)
    assert [e.what for e in entries] == ["access log"]  # the refusal logged nothing
    family.app.fhir_export(family.id, actor=LEAD)
    entries = family.app.access_entries(family.id, actor=LEAD)
    assert [e.what for e in entries][-2] == "access export"


def test_an_erased_family_exports_as_erased_without_its_personal_data() -> None:
    app = FamilyCoordination("memory", clock=FixedClock(), master_key=new_master_key())
    family = EnrolledFamily(app)
    app.set_goal(
        family.id, area=Topic.ECONOMY, words="Pay the debt before summer",
        member_id=family.kari, occurred_on=START + timedelta(days=2), actor=COORDINATOR,
    )  # fmt: skip
    app.erase(family.id, actor=LEAD)
    bundle = app.fhir_export(family.id, actor=LEAD)
    assert_valid_r5(bundle)
    text = json.dumps(bundle, ensure_ascii=False)
    for personal in ("Hansen", "Kari", "1988-04-02", "2016-02-29", "Practical help",
                     "Pay the debt", ERASED_TEXT, "0001-01-01"):  # fmt: skip
        assert personal not in text, personal
    redacted = {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
                "code": "REDACTED", "display": "redacted"}  # fmt: skip
    assert bundle["meta"]["security"] == [redacted]
    for found in bundle["entry"]:
        resource = found["resource"]
        if resource["resourceType"] == "Patient":
            assert resource["name"] == [{"extension": [_masked()]}]
            assert resource["_birthDate"] == {"extension": [_masked()]}
            assert resource["meta"]["security"] == [redacted]
        if resource["resourceType"] == "Goal":
            assert resource["description"] == {"extension": [_masked()]}
    read = consents_from_fhir(bundle)
    assert [c.purpose for c in read.consents] == [ERASED_TEXT]
    assert [c.scope for c in read.consents] == [
        app.family_at(family.id, actor=LEAD).consents[family.nav_consent].scope
    ]
    app.close()


def _masked() -> dict[str, str]:
    return {
        "url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
        "valueCode": "masked",
    }


# ------------------------------------------------------------ the command line


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("fhir")
    store = directory / "demo.db"
    assert main(["--store", str(store), "demo", "--families", "1", "--years", "1"]) == 0
    return store


def _cli(store: Path, *args: str) -> int:
    return main(["--store", str(store), "--actor", "t-lead:team_lead:4204", *args])


def test_the_command_line_writes_the_bundle_and_never_through_a_link(
    demo_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = FamilyCoordination(
        str(demo_store),
        master_key=_demo_key(demo_store),
    )
    (family_id,) = app.family_ids(actor=LEAD)
    app.close()
    capsys.readouterr()
    out = tmp_path / "family.fhir.json"
    assert _cli(demo_store, "fhir", str(family_id)[:8], "--output", str(out)) == 0
    assert "wrote" in capsys.readouterr().err
    bundle = json.loads(out.read_text("utf-8"))
    assert_valid_r5(bundle)
    assert out.stat().st_mode & 0o777 == 0o600
    assert _cli(demo_store, "fhir", str(family_id)) == 0
    assert json.loads(capsys.readouterr().out)["resourceType"] == "Bundle"
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "target.json")
    for force in ([], ["--force"]):
        assert _cli(demo_store, "fhir", str(family_id), "--output", str(link),
                    *force) == 1  # fmt: skip
        assert "symbolic link" in capsys.readouterr().err
    assert not (tmp_path / "target.json").exists()
    assert _cli(demo_store, "fhir", str(family_id), "--output", str(out)) == 1
    assert "exists already" in capsys.readouterr().err


def _demo_key(store: Path) -> bytes:
    return load_master_key(Path(f"{store}.key"))


# ---------------------------------------------------------- the round trip


UNITS = st.sampled_from([None, None, "Lund skole", "NAV Asker"])
"""Most consents, refusals and actions name a kind of agency; some a unit of it."""


@st.composite
def worlds_with_actions(draw: st.DrawFn) -> tuple[Any, list[ProposedAction]]:
    members, consents, withdrawals, refusals = draw(consent_worlds())
    consents = [_with_unit(c, draw(UNITS)) for c in consents]
    refusals = [_with_unit(r, draw(UNITS)) for r in refusals]
    actions = [
        _with_unit(draw(proposed_actions(members)), draw(UNITS))
        for _ in range(draw(st.integers(1, 3)))
    ]
    return (members, consents, withdrawals, refusals), actions


def _with_unit(value: Any, unit: str | None) -> Any:
    if isinstance(value, ProposedAction):
        return attrs.evolve(value, agency=Agency(value.agency.kind, unit))
    scope = attrs.evolve(value.scope, agency=Agency(value.scope.agency.kind, unit))
    return attrs.evolve(value, scope=scope)


@given(worlds_with_actions(), st.data())
def test_the_consents_read_back_from_fhir_decide_as_the_originals(
    world_and_actions: tuple[Any, list[ProposedAction]], data: st.DataObject
) -> None:
    (members, consents, withdrawals, refusals), actions = world_and_actions
    bundle = consents_bundle(consents, withdrawals, refusals)
    read = consents_from_fhir(json.loads(json.dumps(bundle)))
    assert sorted(read.consents, key=_by_id) == sorted(consents, key=_by_id)
    assert dict(read.withdrawals) == withdrawals
    assert sorted(read.refusals, key=_by_id) == sorted(refusals, key=_by_id)
    ages = data.draw(st.sampled_from([ConsentAges.norway(), ConsentAges.denmark()]))
    for action in actions:
        original = _decide(consents, withdrawals, refusals, action, members, ages)
        again = _decide(
            read.consents, read.withdrawals, read.refusals, action, members, ages
        )
        assert again == original


def _by_id(value: Consent | ConsentRefusal) -> str:
    return str(value.consent_id if isinstance(value, Consent) else value.refusal_id)


def _decide(
    consents: Iterable[Consent],
    withdrawals: Mapping[ConsentId, ConsentWithdrawal],
    refusals: Iterable[ConsentRefusal],
    action: ProposedAction,
    members: dict[MemberId, Member],
    ages: ConsentAges,
) -> Decision:
    return decide(consents, withdrawals, refusals, action, members=members, ages=ages)


@given(worlds_with_actions())
@settings(max_examples=10)
def test_a_consents_bundle_is_valid_r5(
    world_and_actions: tuple[Any, list[ProposedAction]],
) -> None:
    (_, consents, withdrawals, refusals), _ = world_and_actions
    assert_valid_r5(consents_bundle(consents, withdrawals, refusals))
