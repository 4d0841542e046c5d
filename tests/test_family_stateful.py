"""A stateful test of consent and "the family knows", against a plain reference model.

Hypothesis drives the application (on the real in-memory store) through random
sequences of enrolling, adding adults and children (some near the ages at which
they gain a say of their own), granting, refusing and withdrawing consent,
contacting, sharing and referring, acting under a legal duty, telling the family
and letting time pass. Every command's fate (stored or refused) must match the
reference model below, which restates the rules as plainly as possible and
shares no code with the library. After every step: the family replayed from
the store equals the live one, decisions on the replayed family equal decisions
on the live one, and the audit of the stored events finds no uncovered action.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from familiekoordinering import (
    Agency,
    AgencyKind,
    Channel,
    ConsentForm,
    ConsentRequiredError,
    ConsentScope,
    Eligibility,
    FamilyCoordination,
    FamilyKnows,
    MemberId,
    MemberKind,
    OutwardActionKind,
    Programme,
    ReferralSource,
    RuleViolationError,
    Topic,
)
from tests.conftest import AUDITOR, COORDINATOR, KOMMUNE, LEAD, START, FixedClock
from tests.test_record import assert_record_agrees

pytestmark = pytest.mark.application

AGENCIES = [AgencyKind.NAV, AgencyKind.SCHOOL, AgencyKind.HEALTH_STATION]
TOPICS = [Topic.ECONOMY, Topic.SCHOOL, Topic.HEALTH, Topic.PARENTING]
# The reference's own copy of the Norwegian ages (health 16, school 15, adult 18).
OWN_SAY = {Topic.HEALTH: 16, Topic.SCHOOL: 15, Topic.ECONOMY: 18, Topic.PARENTING: 18}


def years_old(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass
class Person:
    id: MemberId
    adult: bool
    born: date
    guardians: frozenset[MemberId] = frozenset()

    def deciders(self, topic: Topic, on: date) -> frozenset[MemberId]:
        if self.adult or years_old(self.born, on) >= OWN_SAY[topic]:
            return frozenset({self.id})
        return self.guardians


@dataclass
class Grant:
    id: object
    agency: AgencyKind
    topics: frozenset[Topic]
    excluded: frozenset[Topic]
    members: frozenset[MemberId]
    actions: frozenset[OutwardActionKind]
    given_by: frozenset[MemberId]
    given_on: date
    withdrawn_on: date | None = None


@dataclass
class Refusal:
    agency: AgencyKind
    topics: frozenset[Topic]
    members: frozenset[MemberId]
    actions: frozenset[OutwardActionKind]
    by: frozenset[MemberId]
    on: date


@dataclass
class Reference:
    people: dict[MemberId, Person] = field(default_factory=dict)
    grants: list[Grant] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)

    def can_grant(self, topics: frozenset[Topic], members: frozenset[MemberId],
                  given_by: frozenset[MemberId], on: date) -> bool:  # fmt: skip
        return all(
            self.people[m].deciders(t, on) & given_by for m in members for t in topics
        )

    def permits(self, agency: AgencyKind, kind: OutwardActionKind, topics: frozenset[Topic],
                members: frozenset[MemberId], on: date) -> bool:  # fmt: skip
        def in_force(g: Grant) -> bool:
            return (
                g.agency == agency
                and g.given_on <= on
                and (g.withdrawn_on is None or on < g.withdrawn_on)
            )

        for t in topics:
            for m in members:
                deciders = self.people[m].deciders(t, on)
                if any(
                    in_force(g) and m in g.members and t in g.excluded
                    for g in self.grants
                ):
                    return False
                covered = False
                for g in self.grants:
                    if not (in_force(g) and t in g.topics and m in g.members
                            and kind in g.actions and g.given_by & deciders):  # fmt: skip
                        continue
                    refused = any(
                        r.agency == agency and g.given_on <= r.on <= on and t in r.topics
                        and m in r.members and kind in r.actions and r.by & deciders
                        for r in self.refusals
                    )  # fmt: skip
                    if not refused:
                        covered = True
                if not covered:
                    return False
        return True


class ConsentMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.app = FamilyCoordination("memory", clock=FixedClock(), snapshot_interval=7)
        self.today = START
        self.ref = Reference()
        self.stored_actions = 0

    @initialize()
    def enrol(self) -> None:
        self.family_id = self.app.enrol_family(
            municipality=KOMMUNE, label="Test", programme=Programme.nye_monstre(),
            referral=ReferralSource.OTHER, eligibility=Eligibility(1, 2, 3),
            occurred_on=START, actor=LEAD,
        )  # fmt: skip
        self.planned_end = Programme.nye_monstre().planned_end(START)
        self.app.assign_coordinator(
            self.family_id, coordinator_id=COORDINATOR.user_id,
            coordinator_name="Kristin Lund", occurred_on=START, actor=LEAD,
        )  # fmt: skip
        self._add(adult=True, born=date(1985, 5, 5))

    def _add(self, *, adult: bool, born: date) -> None:
        guardians = frozenset(p.id for p in self.ref.people.values() if p.adult)
        member = self.app.add_member(
            self.family_id, member_id=UUID(int=1000 + len(self.ref.people)),
            name=f"M{len(self.ref.people)}", birth_date=born,
            kind=MemberKind.ADULT if adult else MemberKind.CHILD,
            guardian_ids=[] if adult else sorted(guardians)[:1], occurred_on=self.today,
            actor=COORDINATOR,
        )  # fmt: skip
        self.ref.people[member] = Person(
            member,
            adult,
            born,
            frozenset() if adult else frozenset(sorted(guardians)[:1]),
        )

    @property
    def members(self) -> list[MemberId]:
        return sorted(self.ref.people)

    @rule(days=st.sampled_from([0, 1, 30, 200, 365]))
    def time_passes(self, days: int) -> None:
        """Time moves on; past the programme's planned end, the follow-up is extended."""
        day = self.today + timedelta(days=days)
        if day > self.planned_end:
            self.planned_end = day + timedelta(days=5 * 365)
            self.app.extend_follow_up(
                self.family_id, until=self.planned_end, reason="Still needed",
                decided_by="Team lead", occurred_on=self.today, actor=LEAD,
            )  # fmt: skip
        self.today = day

    @rule()
    def add_adult(self) -> None:
        self._add(adult=True, born=date(1980, 1, 1))

    @rule(age=st.integers(12, 17), days=st.integers(0, 364))
    def add_child(self, age: int, days: int) -> None:
        """A child somewhere between 12 and 17, often close to a birthday that matters."""
        born = date(self.today.year - age, self.today.month, 1) - timedelta(days=days)
        self._add(adult=False, born=min(born, self.today))

    @rule(data=st.data(), agency=st.sampled_from(AGENCIES))
    def grant(self, data: st.DataObject, agency: AgencyKind) -> None:
        topics = data.draw(st.frozensets(st.sampled_from(TOPICS), min_size=1), "topics")
        rest = [t for t in TOPICS if t not in topics]
        excluded = (
            data.draw(st.frozensets(st.sampled_from(rest)), "excluded")
            if rest
            else frozenset()
        )
        members = data.draw(
            st.frozensets(st.sampled_from(self.members), min_size=1), "members"
        )
        actions = data.draw(
            st.frozensets(st.sampled_from(OutwardActionKind), min_size=1)
        )
        given_by = data.draw(
            st.frozensets(st.sampled_from(self.members), min_size=1), "by"
        )
        expected = self.ref.can_grant(topics, members, given_by, self.today)
        try:
            consent_id = self.app.grant_consent(
                self.family_id, consent_id=UUID(int=2000 + len(self.ref.grants)),
                scope=ConsentScope(Agency(agency), topics, members, excluded, actions),
                given_by=given_by, form=ConsentForm.WRITTEN, purpose="p",
                occurred_on=self.today, actor=COORDINATOR,
            )  # fmt: skip
        except RuleViolationError:
            assert not expected, "the library refused a consent the reference accepts"
            return
        assert expected, "the library accepted a consent the reference refuses"
        self.ref.grants.append(
            Grant(
                consent_id,
                agency,
                topics,
                excluded,
                members,
                actions,
                given_by,
                self.today,
            )
        )

    @rule(data=st.data(), agency=st.sampled_from(AGENCIES))
    def refuse(self, data: st.DataObject, agency: AgencyKind) -> None:
        topics = data.draw(st.frozensets(st.sampled_from(TOPICS), min_size=1))
        members = data.draw(st.frozensets(st.sampled_from(self.members), min_size=1))
        actions = data.draw(
            st.frozensets(st.sampled_from(OutwardActionKind), min_size=1)
        )
        by = data.draw(st.frozensets(st.sampled_from(self.members), min_size=1))
        self.app.refuse_consent(
            self.family_id, scope=ConsentScope(Agency(agency), topics, members, actions=actions),
            refused_by=by, occurred_on=self.today, actor=COORDINATOR,
        )  # fmt: skip
        self.ref.refusals.append(
            Refusal(agency, topics, members, actions, by, self.today)
        )

    @precondition(lambda self: any(g.withdrawn_on is None for g in self.ref.grants))
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        grant = data.draw(
            st.sampled_from([g for g in self.ref.grants if g.withdrawn_on is None])
        )
        self.app.withdraw_consent(
            self.family_id, grant.id, withdrawn_by=grant.given_by,  # type: ignore[arg-type]
            occurred_on=self.today, actor=COORDINATOR,
        )  # fmt: skip
        grant.withdrawn_on = self.today

    @rule(
        data=st.data(),
        agency=st.sampled_from(AGENCIES),
        kind=st.sampled_from(OutwardActionKind),
        days_back=st.sampled_from([0, 0, 1, 10, 100]),
        afterwards=st.booleans(),
    )
    def outward_action(self, data: st.DataObject, agency: AgencyKind, kind: OutwardActionKind,
                       days_back: int, afterwards: bool) -> None:  # fmt: skip
        family = self.app.get_family(self.family_id, actor=LEAD)
        on = max(START, self.today - timedelta(days=days_back))
        current = [m for m in self.members if family.is_member_on(m, on)]
        if not current:
            return
        topics = data.draw(st.frozensets(st.sampled_from(TOPICS), min_size=1))
        members = data.draw(st.frozensets(st.sampled_from(current), min_size=1))
        expected = self.ref.permits(agency, kind, topics, members, on)
        try:
            self.app.record_contact(
                self.family_id, kind=kind, agency=Agency(agency), topics=topics,
                member_ids=members, purpose="p", channel=Channel.PHONE,
                family_knows=(
                    FamilyKnows.inform_afterwards() if afterwards else FamilyKnows.present()
                ),
                occurred_on=on, actor=COORDINATOR,
            )  # fmt: skip
        except ConsentRequiredError:
            assert not expected, "the library refused what the reference permits"
            assert (
                self.app.get_family(self.family_id, actor=LEAD).version
                == family.version
            )
        else:
            assert expected, "the library permitted what the reference refuses"
            self.stored_actions += 1

    @rule()
    def act_under_legal_duty(self) -> None:
        self.app.act_under_legal_duty(
            self.family_id, agency=Agency(AgencyKind.CHILD_WELFARE),
            topics=[Topic.PARENTING], member_ids=self.members[:1], purpose="notify",
            channel=Channel.LETTER, legal_basis="barnevernsloven § 13-2",
            family_knows=FamilyKnows.inform_afterwards(), occurred_on=self.today,
            actor=COORDINATOR,
        )  # fmt: skip
        self.stored_actions += 1

    @rule(data=st.data())
    def inform(self, data: st.DataObject) -> None:
        open_items = self.app.open_notifications(self.family_id, actor=LEAD)
        if not open_items:
            return
        item = data.draw(st.sampled_from(open_items))
        self.app.record_family_informed(
            self.family_id, item.action_id, channel=Channel.LETTER,
            occurred_on=max(self.today, item.occurred_on), actor=COORDINATOR,
        )  # fmt: skip

    @invariant()
    def replay_from_the_store_equals_the_live_family(self) -> None:
        family = self.app.get_family(self.family_id, actor=LEAD)
        replayed = None
        for event in self.app.family_history(self.family_id, actor=LEAD):
            replayed = event.mutate(replayed)
        assert vars(replayed) == vars(family)
        assert len(family.action_ids) == self.stored_actions
        record = self.app.family_at(self.family_id, actor=LEAD)
        assert_record_agrees(family, record)
        assert len(record.outward_actions) == self.stored_actions

    @invariant()
    def the_audit_finds_no_uncovered_action_in_the_stored_events(self) -> None:
        report = self.app.audit(
            self.family_id, on=START, actor=AUDITOR
        )  # deadlines aside
        assert list(report.violations) == []


TestConsentMachine = ConsentMachine.TestCase
# Up to 30 steps a run (hypothesis's default is 50): the invariants audit the
# whole stored family after every step, so a run's cost grows with the square
# of its length; consent interplay shows within a few steps, and the profile
# decides how many runs.
TestConsentMachine.settings = settings(
    settings.default, stateful_step_count=30, deadline=None
)
