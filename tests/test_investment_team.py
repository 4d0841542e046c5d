"""Asker's investment model: the team, its meetings with the citizen, investments and gains."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from familiekoordinering import (
    Agency,
    AgencyKind,
    ConsentForm,
    ConsentRequiredError,
    ConsentScope,
    Eligibility,
    FamilyCoordination,
    GainKind,
    InvestmentDecision,
    InvestmentKind,
    Member,
    MemberId,
    MemberKind,
    Programme,
    ReferralSource,
    RuleViolationError,
    TeamMemberId,
    Topic,
    new_master_key,
)
from familiekoordinering.audit import FindingKind, audit_history
from familiekoordinering.domain.investment import TeamMember, check_meeting
from familiekoordinering.errors import InvalidInputError, NotFoundError
from tests.conftest import AUDITOR, COORDINATOR, KOMMUNE, LEAD, FixedClock

pytestmark = pytest.mark.application

START = date(2026, 1, 5)
NAV = Agency(AgencyKind.NAV, "NAV Asker")
EMPLOYER = Agency(AgencyKind.PRIVATE, "Asker Bygg AS")


class YoungAdult:
    """Sara, 19, on her own: Asker's unit of one, with NAV and an employer on her team."""

    def __init__(self, app: FamilyCoordination) -> None:
        self.app = app
        self.id = app.enrol_family(
            municipality=KOMMUNE, label="Sara", programme=Programme.asker(),
            referral=ReferralSource.NAV, eligibility=Eligibility(90_000, 280_000, 2),
            occurred_on=START, actor=LEAD,
        )  # fmt: skip
        app.assign_coordinator(
            self.id, coordinator_id=COORDINATOR.user_id,
            coordinator_name="Hanne Vik", occurred_on=START, actor=LEAD,
        )  # fmt: skip
        self.sara = app.add_member(
            self.id, name="Sara Lie", birth_date=date(2006, 8, 14),
            kind=MemberKind.ADULT, occurred_on=START, actor=COORDINATOR,
        )  # fmt: skip
        for agency in (NAV, EMPLOYER):
            app.grant_consent(
                self.id,
                scope=ConsentScope(agency=Agency(agency.kind),
                                   topics=frozenset({Topic.WORK, Topic.ECONOMY}),
                                   member_ids=frozenset({self.sara})),
                given_by=[self.sara], form=ConsentForm.WRITTEN,
                purpose="Investeringsteamet", occurred_on=START, actor=COORDINATOR,
            )  # fmt: skip
        self.nav = self.join(NAV, "Ola Haugen", may_decide=True)
        self.employer = self.join(EMPLOYER, "Per Dahl", may_decide=False)

    def join(self, agency: Agency, person: str, *, may_decide: bool) -> TeamMemberId:
        return self.app.join_investment_team(
            self.id, agency=agency, person=person, role="veileder",
            may_decide=may_decide, topics=[Topic.WORK], member_ids=[self.sara],
            occurred_on=START + timedelta(days=1), actor=COORDINATOR,
        )  # fmt: skip

    def decision(self, **changes: object) -> InvestmentDecision:
        fields: dict[str, object] = {
            "what": "Arbeidstrening i tre måneder", "decided_by": self.nav,
            "authority": "NAV-loven § 14 a", "carried_out_by": self.employer,
            "due_on": START + timedelta(days=30), "member_ids": frozenset({self.sara}),
        }  # fmt: skip
        return InvestmentDecision(**{**fields, **changes})  # type: ignore[arg-type]

    def meet(self, *, members: list[MemberId], decisions: list[InvestmentDecision],
             team: list[TeamMemberId] | None = None) -> object:  # fmt: skip
        return self.app.hold_investment_meeting(
            self.id, team_present=team if team is not None else [self.nav, self.employer],
            members_present=members, decisions=decisions,
            occurred_on=START + timedelta(days=7), actor=COORDINATOR,
        )  # fmt: skip

    def stored(self) -> int:
        return len(self.app.family_history(self.id, actor=LEAD))


@pytest.fixture
def unit() -> YoungAdult:
    return YoungAdult(FamilyCoordination(clock=FixedClock()))


def test_a_young_adult_on_her_own_is_a_unit_with_a_team_a_meeting_and_gains(
    unit: YoungAdult,
) -> None:
    app = unit.app
    unit.meet(members=[unit.sara], decisions=[unit.decision()])
    app.commit_investment(
        unit.id, team_member_id=unit.employer, kind=InvestmentKind.PLACE, amount=1,
        what="Arbeidstrening", occurred_on=START + timedelta(days=8), actor=COORDINATOR,
    )  # fmt: skip
    app.commit_investment(
        unit.id, team_member_id=unit.nav, kind=InvestmentKind.MONEY, amount=45_000,
        what="Tiltakspenger", occurred_on=START + timedelta(days=8), actor=COORDINATOR,
    )  # fmt: skip
    app.record_gain(
        unit.id, member_id=unit.sara, kind=GainKind.WORK, note="Fast jobb, 80 %",
        yearly_value=180_000, occurred_on=date(2026, 9, 1), actor=COORDINATOR,
    )  # fmt: skip
    family = app.get_family(unit.id, actor=LEAD)
    assert set(family.team) == {unit.nav, unit.employer}
    assert family.team[unit.nav].may_decide
    record = app.family_at(unit.id, actor=LEAD)
    (meeting,) = record.investment_meetings.values()
    assert meeting.decisions[0].decided_by == unit.nav
    assert [g.kind for g in record.gains.values()] == [GainKind.WORK]
    nb = app.timeline(unit.id, actor=LEAD, language="nb").render_text()
    assert "Hanne Vik ble investeringsleder" in nb
    assert "Ola Haugen (NAV Asker) ble med i investeringsteamet" in nb
    assert "med myndighet til å ta beslutninger" in nb
    assert "Ola Haugen besluttet (NAV-loven § 14 a): Arbeidstrening" in nb
    assert "Investering fra NAV Asker: Tiltakspenger; 45000 kroner" in nb
    assert "Gevinst for Sara Lie: i arbeid (Fast jobb, 80 %)" in nb
    da = app.timeline(unit.id, actor=LEAD, language="da").render_text()
    assert "kom med i investeringsteamet" in da
    assert "Investeringsmøde" in da
    report = app.audit(unit.id, actor=AUDITOR, on=date(2026, 10, 1))
    assert not report.findings


def test_a_meeting_without_the_citizen_is_refused_and_nothing_is_stored(
    unit: YoungAdult,
) -> None:
    before = unit.stored()
    with pytest.raises(RuleViolationError, match="no decision about me without me"):
        unit.meet(members=[], decisions=[unit.decision()])
    with pytest.raises(RuleViolationError, match="no decision about me without me"):
        unit.meet(members=[], decisions=[])
    assert unit.stored() == before


def test_a_decision_about_an_adult_who_is_absent_is_refused(unit: YoungAdult) -> None:
    app = unit.app
    mother = app.add_member(
        unit.id, name="Liv Lie", birth_date=date(1975, 3, 3), kind=MemberKind.ADULT,
        occurred_on=START, actor=COORDINATOR,
    )  # fmt: skip
    before = unit.stored()
    with pytest.raises(RuleViolationError, match="Sara Lie is not present"):
        unit.meet(members=[mother], decisions=[unit.decision()])
    assert unit.stored() == before
    unit.meet(members=[mother, unit.sara], decisions=[unit.decision()])


@pytest.mark.parametrize(
    ("change", "team", "error"),
    [
        ("employer decides", None, "has no authority to decide"),
        ("decider absent", "employer only", "was not"),
        ("carried out by a stranger", None, "is not on the investment team"),
        ("due before the meeting", None, "cannot be due before it"),
        ("nobody concerned", None, "concerns at least one member"),
    ],
)
def test_a_decision_is_taken_by_a_present_member_with_authority(
    unit: YoungAdult, change: str, team: str | None, error: str
) -> None:
    decision = {
        "employer decides": lambda: unit.decision(decided_by=unit.employer),
        "decider absent": lambda: unit.decision(),
        "carried out by a stranger": lambda: unit.decision(carried_out_by=uuid4()),
        "due before the meeting": lambda: unit.decision(due_on=START),
        "nobody concerned": lambda: unit.decision(member_ids=frozenset()),
    }[change]()
    before = unit.stored()
    with pytest.raises((RuleViolationError, InvalidInputError), match=error):
        unit.meet(members=[unit.sara], decisions=[decision],
                  team=[unit.employer] if team else None)  # fmt: skip
    assert unit.stored() == before


def test_joining_the_team_needs_the_family_s_consent_to_share(unit: YoungAdult) -> None:
    before = unit.stored()
    with pytest.raises(ConsentRequiredError, match="cannot join the investment team"):
        unit.join(
            Agency(AgencyKind.HOUSING_OFFICE, "Boligkontoret"), "Eva", may_decide=True
        )
    assert unit.stored() == before


def test_a_meeting_with_a_member_whose_consent_was_withdrawn_is_refused(
    unit: YoungAdult,
) -> None:
    app = unit.app
    family = app.get_family(unit.id, actor=LEAD)
    (nav_consent,) = [c for c in family.consents.values()
                      if c.scope.agency.kind is AgencyKind.NAV]  # fmt: skip
    app.withdraw_consent(
        unit.id, consent_id=nav_consent.consent_id, withdrawn_by=[unit.sara],
        reason="Vil ikke dele mer med NAV", occurred_on=START + timedelta(days=3),
        actor=COORDINATOR,
    )  # fmt: skip
    before = unit.stored()
    with pytest.raises(
        ConsentRequiredError, match="cannot sit in the investment meeting"
    ):
        unit.meet(members=[unit.sara], decisions=[])
    assert unit.stored() == before
    unit.meet(members=[unit.sara], decisions=[], team=[unit.employer])  # without NAV
    # Stored anyway (as by an older library or an edit): the audit reports it.
    events = list(app.family_history(unit.id, actor=LEAD))
    forged = [e for e in events if type(e).__name__ != "ConsentWithdrawn"]
    findings, _ = audit_history(unit.id, forged, on=date(2026, 10, 1))
    assert not [f for f in findings if f.kind is FindingKind.UNCOVERED_ACTION]
    held = next(e for e in events if type(e).__name__ == "InvestmentMeetingHeld")
    object.__setattr__(held, "team_present", frozenset({unit.nav, unit.employer}))
    findings, _ = audit_history(unit.id, events, on=date(2026, 10, 1))
    (uncovered,) = [f for f in findings if f.kind is FindingKind.UNCOVERED_ACTION]
    assert "sitting in an investment meeting" in uncovered.message


def test_only_team_members_invest_and_only_on_the_team(unit: YoungAdult) -> None:
    with pytest.raises(NotFoundError, match="not on the family's investment team"):
        unit.app.commit_investment(
            unit.id, team_member_id=uuid4(), kind=InvestmentKind.MONEY, amount=1,
            what="x", occurred_on=START + timedelta(days=8), actor=COORDINATOR,
        )  # fmt: skip
    with pytest.raises(InvalidInputError, match="amount"):
        unit.app.commit_investment(
            unit.id, team_member_id=unit.nav, kind=InvestmentKind.MONEY, amount=0,
            what="x", occurred_on=START + timedelta(days=8), actor=COORDINATOR,
        )  # fmt: skip


def test_the_audit_reports_a_team_member_stored_without_consent(
    unit: YoungAdult,
) -> None:
    events = list(unit.app.family_history(unit.id, actor=LEAD))
    # As if the consents had been withdrawn before the join: drop them.
    without_consent = [e for e in events if type(e).__name__ != "ConsentGranted"]
    findings, _ = audit_history(unit.id, without_consent, on=date(2026, 10, 1))
    uncovered = [f for f in findings if f.kind is FindingKind.UNCOVERED_ACTION]
    assert len(uncovered) == 2
    assert "joining the investment team as veileder" in uncovered[0].message


def test_the_portfolio_counts_what_each_kind_of_actor_put_in_and_the_gains(
    tmp_path: Path,
) -> None:
    app = FamilyCoordination(tmp_path / "asker.db", clock=FixedClock(),
                             master_key=new_master_key())  # fmt: skip
    units = [YoungAdult(app) for _ in range(5)]
    for unit in units:
        app.commit_investment(
            unit.id, team_member_id=unit.nav, kind=InvestmentKind.MONEY, amount=10_000,
            what="Tiltakspenger", occurred_on=date(2026, 2, 1), actor=COORDINATOR,
        )  # fmt: skip
    for unit in units[:3]:
        app.record_gain(
            unit.id, member_id=unit.sara, kind=GainKind.EDUCATION, note="Begynte på vgs",
            yearly_value=50_000, occurred_on=date(2027, 8, 20), actor=COORDINATOR,
        )  # fmt: skip
    years = app.views.portfolio(actor=LEAD, catch_up=True)
    by_year = {y.year: y for y in years}
    assert by_year[2026].families == 5
    assert by_year[2026].invested == {"money": {"nav": 50_000}}
    assert by_year[2027].withheld  # three families: fewer than five
    assert app.views.portfolio(actor=LEAD, k=3)[1].gains == {"education": 3}
    assert app.views.portfolio(actor=LEAD, k=3)[1].yearly_value == 150_000
    app.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    for clear in ("Ola Haugen", "Asker Bygg", "Arbeidstrening", "Begynte", "veileder"):
        assert clear.encode() not in stored, clear


# ---------------------------------------------------------------- the pure rule

_ON = date(2026, 3, 2)
_ADULT = Member(MemberId(uuid4()), "Sara", date(2006, 1, 1), MemberKind.ADULT)
_CHILD = Member(MemberId(uuid4()), "Emil", date(2020, 1, 1), MemberKind.CHILD)
_DECIDER, _ADVISER = TeamMemberId(uuid4()), TeamMemberId(uuid4())
_TEAM = {
    _DECIDER: TeamMember(NAV, True, _ON),
    _ADVISER: TeamMember(EMPLOYER, False, _ON),
}


def _decision(concerns: frozenset[MemberId]) -> InvestmentDecision:
    return InvestmentDecision(
        what="Jobb", decided_by=_DECIDER, authority="§ 14 a", carried_out_by=_ADVISER,
        due_on=_ON, member_ids=concerns,
    )  # fmt: skip


@given(
    present=st.sets(st.sampled_from([_ADULT, _CHILD]).map(lambda m: m.member_id)),
    concerns=st.lists(
        st.sets(st.sampled_from([_ADULT.member_id, _CHILD.member_id]), min_size=1),
        max_size=3,
    ),
    team_present=st.sets(st.sampled_from([_DECIDER, _ADVISER]), min_size=1),
)
def test_check_meeting_refuses_exactly_what_the_model_says(
    present: set[MemberId],
    concerns: list[set[MemberId]],
    team_present: set[TeamMemberId],
) -> None:
    members = {_ADULT.member_id: _ADULT, _CHILD.member_id: _CHILD}
    decisions = [_decision(frozenset(c)) for c in concerns]
    # The model, written plainly: someone of the family is there; the decider is
    # there; an adult concerned is there; a child concerned has an adult there.
    adult_there = _ADULT.member_id in present
    allowed = bool(present) and all(
        _DECIDER in team_present
        and (_ADULT.member_id not in c or adult_there)
        and (_CHILD.member_id not in c or adult_there)
        for c in concerns
    )
    call = lambda: check_meeting(  # noqa: E731
        on=_ON, team=_TEAM, team_present=team_present,
        present=[members[m] for m in present], concerned=members, decisions=decisions,
    )  # fmt: skip
    if allowed:
        call()
    else:
        with pytest.raises(RuleViolationError):
            call()


def test_a_decision_about_a_child_with_only_the_child_present_is_refused() -> None:
    with pytest.raises(RuleViolationError, match="needs an adult of the family"):
        check_meeting(
            on=_ON, team=_TEAM, team_present=[_DECIDER], present=[_CHILD],
            concerned={_CHILD.member_id: _CHILD},
            decisions=[_decision(frozenset({_CHILD.member_id}))],
        )  # fmt: skip


def test_someone_not_on_the_team_present_at_a_meeting_is_refused_by_name() -> None:
    stranger = TeamMemberId(uuid4())
    with pytest.raises(RuleViolationError, match=f"{stranger} is not on the family"):
        check_meeting(
            on=_ON, team=_TEAM, team_present=[_DECIDER, stranger], present=[_ADULT],
            concerned={}, decisions=[],
        )  # fmt: skip


def _as_version_4(app: FamilyCoordination, family_id: object, path: Path) -> None:
    """Rewrite the family's newest snapshot as version 4 wrote it, chained as it was.

    Version 4 kept neither the sittings in meetings among the actions taken
    nor the extensions in ``latest_on``: the meeting's day is taken out of the
    sharing it repeated. The digest is made again with the store's own chain,
    as the library of that version would have written it.
    """
    engine = app._engine
    assert engine.snapshots is not None
    (row,) = engine.snapshots.recorder.select_events(family_id, desc=True, limit=1)
    document = json.loads(row.state)
    state = document["state"]
    assert state["class_version"] == 5
    state["class_version"] = 4
    meeting_day = (START + timedelta(days=7)).isoformat()
    for taken in state["actions_taken"]:
        if meeting_day in taken["days"]:
            taken["days"] = [d for d in taken["days"] if d != meeting_day]
    del document["_digest"]
    body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    data, _ = engine.chain.chain(
        body, family_id, row.originator_version, row.topic, snapshot=True
    )  # type: ignore[arg-type]
    with sqlite3.connect(path) as db:
        (table,) = [n for (n,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%snapshot%'"
        )]  # fmt: skip
        db.execute(f"UPDATE {table} SET state = ? WHERE originator_version = ?",
                   (data, row.originator_version))  # fmt: skip
        assert db.total_changes == 1


def test_a_version_4_snapshot_is_not_read_and_does_not_fail_the_audit(
    tmp_path: Path,
) -> None:
    """A store written before version 5: the family loads exactly from its events.

    Its version 4 snapshot cannot say what version 5 counts (the meeting's
    sharing), so loads do not read it and the audit does not judge it: no
    false report of tampering, and a "no" dated before the meeting is
    refused as for a family that never had a snapshot.
    """
    path = tmp_path / "store.db"
    app = FamilyCoordination(path, clock=FixedClock(), encryption=False)
    unit = YoungAdult(app)
    unit.meet(members=[unit.sara], decisions=[unit.decision()])
    app._engine.take_snapshot(unit.id)
    _as_version_4(app, unit.id, path)
    app.close()

    again = FamilyCoordination(path, clock=FixedClock(), encryption=False)
    engine = again._engine
    assert engine.snapshots is not None
    (row,) = engine.snapshots.recorder.select_events(unit.id)
    assert not engine.mapper.reads_snapshot(row)  # type: ignore[attr-defined]
    assert list(engine.snapshots.get(unit.id, desc=True, limit=1)) == []
    events = again.family_history(unit.id, actor=LEAD)
    family = again.get_family(unit.id, actor=LEAD)
    replayed = None
    for event in events:
        replayed = event.mutate(replayed)
    assert vars(family) == vars(replayed)
    report = again.audit(unit.id, on=START, actor=AUDITOR)
    assert report.breaks == ()
    assert [f for f in report.findings if f.kind is FindingKind.HISTORY_MODIFIED] == []
    consent = next(iter(family.consents))
    with pytest.raises(RuleViolationError, match="already recorded"):
        again.withdraw_consent(unit.id, consent_id=consent, withdrawn_by=[unit.sara],
                               occurred_on=START + timedelta(days=3),
                               actor=COORDINATOR)  # fmt: skip
    again.close()
