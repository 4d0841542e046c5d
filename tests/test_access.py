"""Who may do or read what (a pure policy, property-tested), and the access log."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from hypothesis import given

from familiekoordinering import (
    AccessDeniedError,
    Actor,
    DuplicateIdError,
    Eligibility,
    EndReason,
    FamilyCoordination,
    Municipality,
    NotFoundError,
    Programme,
    ReferralSource,
    Role,
    new_master_key,
)
from familiekoordinering.access import (
    Access,
    AccessLog,
    FamilyFacts,
    InMemoryAccessLog,
    authorize,
)
from familiekoordinering.access.log import READS
from familiekoordinering.demo import DemoClock, build_demo
from familiekoordinering.integrity import LEDGER_ID
from tests.conftest import AUDITOR, COORDINATOR, LEAD, START, EnrolledFamily
from tests.strategies import accesses, family_facts, policy_actors

pytestmark = pytest.mark.application

ELSEWHERE = Actor("a-coord", Role.COORDINATOR, Municipality("1103"))
ELSEWHERE_LEAD = Actor("a-lead", Role.TEAM_LEAD, Municipality("1103"))
ELSEWHERE_AUDITOR = Actor("a-revisor", Role.AUDITOR, Municipality("1103"))
ELSEWHERE_RESEARCHER = Actor("a-forsker", Role.RESEARCHER, Municipality("1103"))
RESEARCHER = Actor("f-forsker", Role.RESEARCHER, Municipality("4204"))
OTHER_COORDINATOR = Actor("o-berg", Role.COORDINATOR, Municipality("4204"))

# ------------------------------------------------------------ the pure policy


@given(actor=policy_actors, access=accesses, family=family_facts)
def test_another_municipalitys_family_is_always_refused(
    actor: Actor, access: Access, family: FamilyFacts
) -> None:
    verdict = authorize(actor, access, family)
    if family.municipality != actor.municipality:
        assert not verdict
        assert actor.user_id in verdict.reason


@given(actor=policy_actors, access=accesses, municipality=policy_actors)
def test_a_family_less_access_needs_the_actors_own_municipality(
    actor: Actor, access: Access, municipality: Actor
) -> None:
    verdict = authorize(
        actor, access, municipality=municipality.municipality, caseload_of=actor.user_id
    )
    if municipality.municipality != actor.municipality:
        assert not verdict


@given(actor=policy_actors, access=accesses, family=family_facts)
def test_a_family_member_reads_only_their_own_familys_timeline(
    actor: Actor, access: Access, family: FamilyFacts
) -> None:
    if actor.role is not Role.FAMILY_MEMBER:
        return
    allowed = bool(authorize(actor, access, family))
    assert allowed == (
        access is Access.READ_TIMELINE
        and actor.user_id in family.members
        and family.municipality == actor.municipality
    )


@given(actor=policy_actors, access=accesses, family=family_facts)
def test_researchers_and_auditors_never_touch_a_familys_record(
    actor: Actor, access: Access, family: FamilyFacts
) -> None:
    if actor.role is Role.RESEARCHER:
        assert not authorize(actor, access, family) or access in (
            Access.RESEARCH_EXPORT,
            Access.READ_STATISTICS,
        )
    if actor.role is Role.AUDITOR:
        assert not authorize(actor, access, family) or access in (
            Access.AUDIT,
            Access.READ_STATISTICS,
        )


@given(actor=policy_actors, access=accesses, family=family_facts)
def test_a_coordinator_touches_only_the_families_they_coordinate(
    actor: Actor, access: Access, family: FamilyFacts
) -> None:
    if actor.role is not Role.COORDINATOR or not authorize(actor, access, family):
        return
    assert actor.user_id in family.coordinators or (
        access is Access.ASSIGN and not family.coordinators
    )


@given(actor=policy_actors, access=accesses, family=family_facts)
def test_a_team_lead_may_do_everything_but_audit_and_research_in_their_municipality(
    actor: Actor, access: Access, family: FamilyFacts
) -> None:
    if actor.role is not Role.TEAM_LEAD or family.municipality != actor.municipality:
        return
    assert bool(authorize(actor, access, family)) == (
        access not in (Access.AUDIT, Access.RESEARCH_EXPORT)
    )


@given(actor=policy_actors, access=accesses, family=family_facts)
def test_being_the_coordinator_never_takes_a_permission_away(
    actor: Actor, access: Access, family: FamilyFacts
) -> None:
    before = authorize(actor, access, family)
    after = authorize(
        actor,
        access,
        FamilyFacts(family.municipality, frozenset({actor.user_id}), family.members),
    )
    assert not before or after
    assert authorize(actor, access, family) == before  # a pure function


def test_a_refusal_says_who_what_and_why() -> None:
    verdict = authorize(
        COORDINATOR, Access.READ_TIMELINE, FamilyFacts("4204", frozenset({"o-berg"}))
    )
    assert not verdict
    assert verdict.reason == (
        "k-lund (coordinator, municipality 4204) may not read timeline: the family "
        "is not among theirs"
    )


# ------------------------------------------------------- in the application


def test_another_municipality_is_refused_commands_and_queries_with_nothing_stored(
    family: EnrolledFamily,
) -> None:
    app, version = family.app, family.version
    unknown = uuid4()

    def refusal(call: Callable[[UUID], object]) -> str:
        """The refusal for the family, with its id written as the unknown one's."""
        with pytest.raises(NotFoundError) as refused:
            call(family.id)
        return str(refused.value).replace(str(family.id), str(unknown))

    def answer_for_unknown(call: Callable[[UUID], object]) -> str:
        with pytest.raises(NotFoundError) as refused:
            call(unknown)
        return str(refused.value)

    # Whatever the command, query or role, a family of another municipality
    # is refused word for word as an id nobody knows: nothing tells it exists.
    calls: list[Callable[[UUID], object]] = [
        lambda f: app.hold_meeting(
            f, participants=["x"], members_present=[], occurred_on=START,
            actor=ELSEWHERE,
        ),
        lambda f: app.get_family(f, actor=ELSEWHERE),
        lambda f: app.timeline(f, actor=ELSEWHERE),
        lambda f: app.report(f, on=START, actor=ELSEWHERE),
        lambda f: app.access_export(f, on=START, actor=ELSEWHERE),
        lambda f: app.access_entries(f, actor=ELSEWHERE),
        lambda f: app.family_history(f, actor=ELSEWHERE),
        lambda f: app.erasure(f, actor=ELSEWHERE),
        lambda f: app.fingerprint(f, actor=ELSEWHERE),
        lambda f: app.timeline(f, actor=ELSEWHERE_RESEARCHER),
        lambda f: app.audit(f, on=START, actor=ELSEWHERE_AUDITOR),
        lambda f: app.views.plan(f, actor=ELSEWHERE, catch_up=True),
        lambda f: app.views.document(f, actor=ELSEWHERE_LEAD, catch_up=True),
    ]  # fmt: skip
    for call in calls:
        assert refusal(call) == answer_for_unknown(call)
        # Nor does anything the error carries: its cause and context.
        for f in (family.id, unknown):
            with pytest.raises(NotFoundError) as refused:
                call(f)
            assert refused.value.__cause__ is None
            assert refused.value.__context__ is None
    with pytest.raises(AccessDeniedError, match="belongs to municipality 4204"):
        app.enrol_family(
            municipality="4204", label="X", programme=Programme.nye_monstre(),
            referral=ReferralSource.NAV, eligibility=Eligibility(1, 2, 3),
            occurred_on=START, actor=ELSEWHERE,
        )  # fmt: skip
    assert family.version == version
    assert app.list_families(actor=ELSEWHERE) == []
    assert not any(
        e.user_id == ELSEWHERE.user_id
        for e in app._reader.access_log.entries(family.id)
    )


def test_roles_in_the_application(family: EnrolledFamily) -> None:
    app = family.app
    with pytest.raises(AccessDeniedError, match="not among theirs"):
        app.timeline(family.id, actor=OTHER_COORDINATOR)
    with pytest.raises(AccessDeniedError, match="does not allow it"):
        app.timeline(family.id, actor=RESEARCHER)
    with pytest.raises(AccessDeniedError, match="does not allow it"):
        app.audit(family.id, on=START, actor=LEAD)
    assert app.audit(family.id, on=START, actor=AUDITOR).violations == ()
    kari = Actor(str(family.kari), Role.FAMILY_MEMBER, Municipality("4204"))
    assert app.timeline(family.id, actor=kari).entries
    assert "<!DOCTYPE html>" in app.report(family.id, on=START, actor=kari)
    with pytest.raises(AccessDeniedError, match="does not allow it"):
        app.get_family(family.id, actor=kari)
    stranger = Actor("someone", Role.FAMILY_MEMBER, Municipality("4204"))
    with pytest.raises(AccessDeniedError, match="their own family only"):
        app.timeline(family.id, actor=stranger)
    with pytest.raises(AccessDeniedError, match="not among theirs"):
        app.hold_meeting(
            family.id, participants=["x"], members_present=[], occurred_on=START,
            actor=OTHER_COORDINATOR,
        )  # fmt: skip
    with pytest.raises(AccessDeniedError, match="own caseload only"):
        app.views.caseload(on=START, actor=COORDINATOR, catch_up=True)
    assert app.views.caseload(
        on=START, actor=COORDINATOR, coordinator_id="k-lund", catch_up=True
    )


def test_only_a_team_lead_hands_a_family_over(family: EnrolledFamily) -> None:
    app, version = family.app, family.version
    # The family's own coordinator may not hand it to anyone, herself included.
    for to in ("mallory", COORDINATOR.user_id):
        with pytest.raises(AccessDeniedError, match="a team lead hands a family over"):
            app.assign_coordinator(
                family.id, coordinator_id=to, coordinator_name="M", occurred_on=START,
                actor=COORDINATOR,
            )  # fmt: skip
    assert family.version == version
    app.assign_coordinator(
        family.id, coordinator_id=OTHER_COORDINATOR.user_id, coordinator_name="O Berg",
        occurred_on=START + timedelta(days=2), actor=LEAD,
    )  # fmt: skip
    assert app.get_family(family.id, actor=LEAD).coordinator.coordinator_id == "o-berg"  # type: ignore[union-attr]


def test_a_coordinator_takes_on_a_family_without_one_for_herself_only(
    app: FamilyCoordination,
) -> None:
    family_id = app.enrol_family(
        municipality="4204", label="Berg", programme=Programme.nye_monstre(),
        referral=ReferralSource.NAV, eligibility=Eligibility(1, 2, 3),
        occurred_on=START, actor=LEAD,
    )  # fmt: skip
    with pytest.raises(AccessDeniedError, match="takes a family on themselves"):
        app.assign_coordinator(
            family_id, coordinator_id="mallory", coordinator_name="M",
            occurred_on=START, actor=COORDINATOR,
        )  # fmt: skip
    app.assign_coordinator(
        family_id, coordinator_id=COORDINATOR.user_id, coordinator_name="K Lund",
        occurred_on=START, actor=COORDINATOR,
    )  # fmt: skip
    assert app.get_family(family_id, actor=COORDINATOR).coordinator is not None


def test_a_member_who_left_reads_only_what_was_recorded_up_to_leaving(
    family: EnrolledFamily,
) -> None:
    app = family.app
    ola = Actor(str(family.ola), Role.FAMILY_MEMBER, Municipality("4204"))
    kari = Actor(str(family.kari), Role.FAMILY_MEMBER, Municipality("4204"))
    app.record_member_left(
        family.id, family.ola, occurred_on=START + timedelta(days=3), actor=COORDINATOR
    )
    left = family.version
    app.timeline(family.id, actor=COORDINATOR)  # a read after Ola left
    app.hold_meeting(
        family.id, participants=["Kari", "Lærer"], members_present=[family.kari],
        decisions=["Kari flytter til Lillesand"], occurred_on=START + timedelta(days=9),
        actor=COORDINATOR,
    )  # fmt: skip
    assert family.version == left + 1
    everything = app.timeline(family.id, actor=kari).render_text()
    assert "Lillesand" in everything
    for read in (
        app.timeline(family.id, actor=ola).render_text(),
        app.report(family.id, on=START + timedelta(days=20), actor=ola),
        json.dumps(
            app.access_export(family.id, on=START + timedelta(days=20), actor=ola),
            ensure_ascii=False,
        ),
    ):
        assert "Lillesand" not in read
    export = app.access_export(family.id, on=START + timedelta(days=20), actor=ola)
    assert export["fingerprint"]["fingerprint"] == str(
        app.fingerprint(family.id, actor=ola)
    )
    assert app.fingerprint(family.id, actor=ola).version == left
    assert app.fingerprint(family.id, actor=kari).version == left + 1
    # The reads made after Ola left are not his to see; his own are.
    seen = app.access_entries(family.id, actor=ola)
    assert {e.user_id for e in seen if e.what == "timeline"} == {str(family.ola)}
    assert "k-lund" in {e.user_id for e in app.access_entries(family.id, actor=kari)}


def test_reads_through_the_views_are_checked_against_the_familys_current_facts(
    family: EnrolledFamily,
) -> None:
    app = family.app
    app.views.catch_up()
    assert app.views.plan(family.id, actor=COORDINATOR)
    assert app.views.caseload(on=START, actor=COORDINATOR, coordinator_id="k-lund")
    app.assign_coordinator(
        family.id, coordinator_id=OTHER_COORDINATOR.user_id, coordinator_name="O Berg",
        occurred_on=START + timedelta(days=2), actor=LEAD,
    )  # fmt: skip
    # The views have not caught up: their copy still names k-lund.
    assert app.views.status().behind > 0
    for lag in (1000, 0):  # the views a little behind, or more than they look through
        app.views.STALE_LIMIT = lag  # type: ignore[misc]
        with pytest.raises(AccessDeniedError, match="not among theirs"):
            app.views.plan(family.id, actor=COORDINATOR)
        caseload = app.views.caseload(
            on=START, actor=COORDINATOR, coordinator_id="k-lund"
        )
        assert caseload == []
        assert app.views.plan(family.id, actor=OTHER_COORDINATOR)


# ------------------------------------------------------------ the access log


def test_every_read_is_logged_with_who_when_why_and_what(
    family: EnrolledFamily,
) -> None:
    app = family.app
    app.get_family(family.id, actor=LEAD)
    app.timeline(family.id, actor=COORDINATOR)
    app.views.plan(family.id, actor=COORDINATOR, catch_up=True)
    app.audit(family.id, on=START, actor=AUDITOR)
    entries = app._reader.access_log.entries(family.id)
    assert [(e.user_id, e.role, e.purpose, e.what) for e in entries] == [
        ("t-lead", Role.TEAM_LEAD, Access.READ_RECORD, "record"),
        ("k-lund", Role.COORDINATOR, Access.READ_TIMELINE, "timeline"),
        ("k-lund", Role.COORDINATOR, Access.READ_RECORD, "plan"),
        ("r-revisor", Role.AUDITOR, Access.AUDIT, "audit"),
    ]
    assert all(e.municipality == "4204" and e.at.tzinfo for e in entries)
    assert {e.what for e in entries} <= set(READS)


def test_the_family_sees_who_read_its_record_in_its_report_and_export(
    family: EnrolledFamily,
) -> None:
    app = family.app
    app.timeline(family.id, actor=COORDINATOR)
    html = app.report(family.id, on=START, actor=LEAD)
    assert "Hvem som har lest opplysningene deres" in html
    assert "k-lund (koordinator)" in html
    assert "tidslinjen" in html
    assert "rapporten" in html
    export = app.access_export(family.id, on=START, actor=LEAD)
    assert [a["what"] for a in export["access_log"]] == [
        "timeline",
        "report",
        "access export",
    ]


def test_the_access_log_offers_no_way_to_change_an_entry() -> None:
    for log in (AccessLog, InMemoryAccessLog):
        public = {n for n in vars(log) if not n.startswith("_")}
        # Reading rows and the head (for verification) changes nothing.
        assert public <= {"append", "entries", "close", "rows", "head"}


def test_the_stored_access_log_refuses_updates_and_deletes_even_in_sql(
    make_app: Callable[..., FamilyCoordination], store: str
) -> None:
    app = make_app()
    family = EnrolledFamily(app)
    app.timeline(family.id, actor=COORDINATOR)
    if store == "memory":
        return  # no SQL: the in-memory log has only append and entries
    if store.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(store) as conn:
            for sql in (
                "UPDATE fk_access_log SET what = 'x'",
                "DELETE FROM fk_access_log",
            ):
                with pytest.raises(psycopg.Error, match="append-only"):
                    conn.execute(sql)
                conn.rollback()
    else:
        conn = sqlite3.connect(store)
        for sql in ("UPDATE fk_access_log SET what = 'x'", "DELETE FROM fk_access_log"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute(sql)
        conn.close()
    assert [e.what for e in app._reader.access_log.entries(family.id)] == ["timeline"]


def test_a_caseload_logs_a_read_of_each_family_it_lists(tmp_path: Path) -> None:
    clock = DemoClock()
    app = FamilyCoordination(tmp_path / "store.db", clock=clock, encryption=False)
    report = build_demo(app, clock, families=3, years=1, seed=2)
    entries = app.views.caseload(on=date(2021, 6, 1), actor=LEAD, catch_up=True)
    assert entries
    for entry in entries:
        assert any(
            e.what == "caseload" and e.user_id == "t-lead"
            for e in app._reader.access_log.entries(entry.family_id)  # type: ignore[arg-type]
        )
    assert len(report.family_ids) == 3
    json.dumps([e.family_id for e in entries])
    app.close()


def test_no_handle_of_the_app_reads_around_the_policy(family: EnrolledFamily) -> None:
    """eventsourcing's handles, the keys and the views' store are not on the app.

    They read and write a family's data with no policy check and no log entry
    (``app.repository.get(id)`` would hand out the family, names and all), so
    the public object offers none of them: only its checked, logged queries.
    """
    app = family.app
    for name in (
        "repository", "recorder", "events", "snapshots", "mapper", "factory",
        "notification_log", "keyring", "master_key", "save", "take_snapshot",
        "integrity",
    ):  # fmt: skip
        assert not hasattr(app, name), name
    for name in ("store", "projector"):
        assert not hasattr(app.views, name), name
    assert not [n for n in dir(app) if not n.startswith("_") and "engine" in n]


def test_an_enrolment_does_not_tell_whose_an_id_is(tmp_path: Path) -> None:
    """An id already used is refused the same, whoever's family it is, erased or not."""
    app = FamilyCoordination(tmp_path / "store.db", master_key=new_master_key())
    enrol = {
        "label": "X", "programme": Programme.nye_monstre(),
        "referral": ReferralSource.NAV, "eligibility": Eligibility(1, 2, 3),
        "occurred_on": START,
    }  # fmt: skip
    ours = app.enrol_family(municipality="4204", actor=LEAD, **enrol)
    theirs = app.enrol_family(municipality="1103", actor=ELSEWHERE_LEAD, **enrol)
    erased = app.enrol_family(municipality="1103", actor=ELSEWHERE_LEAD, **enrol)
    app.erase(erased, actor=ELSEWHERE_LEAD)
    stored = app.position()
    answers = set()
    for taken in (ours, theirs, erased, LEDGER_ID):
        with pytest.raises(DuplicateIdError) as refused:
            app.enrol_family(municipality="4204", actor=LEAD, family_id=taken, **enrol)
        assert refused.value.__cause__ is None
        assert refused.value.__context__ is None
        answers.add(str(refused.value).replace(str(taken), "ID"))
    assert len(answers) == 1, answers
    assert app.position() == stored
    app.close()


def test_the_stores_ledger_is_no_family(family: EnrolledFamily) -> None:
    app = family.app
    for call in (
        lambda: app.get_family(LEDGER_ID, actor=LEAD),
        lambda: app.family_history(LEDGER_ID, actor=LEAD),
        lambda: app.timeline(LEDGER_ID, actor=LEAD),
        lambda: app.audit(LEDGER_ID, on=START, actor=AUDITOR),
    ):
        with pytest.raises(NotFoundError, match="does not exist in this store"):
            call()


def test_families_due_for_erasure_are_a_logged_read(family: EnrolledFamily) -> None:
    app = family.app
    app.end_follow_up(
        family.id, reason=EndReason.COMPLETED, occurred_on=START + timedelta(days=3),
        actor=LEAD,
    )  # fmt: skip
    later = START.replace(year=START.year + 11)
    assert app.due_for_erasure(on=later, years=10, actor=LEAD) == [family.id]
    (entry,) = [
        e
        for e in app._reader.access_log.entries(family.id)
        if e.purpose is Access.ERASE
    ]
    assert (entry.user_id, entry.what) == ("t-lead", "family list")
