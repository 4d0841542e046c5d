"""A stateful test of the family: random command sequences against a simple reference.

Hypothesis drives the application (on the real in-memory store) and, in step,
a shadow ``Family`` kept only in memory. After every step the family replayed
from the store equals the shadow, and every outward action's fate (stored or
refused) matches a deliberately simple reference reading of the consent rules.
"""

from __future__ import annotations

from datetime import date, timedelta

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
    Family,
    FamilyCoordination,
    FamilyKnows,
    MemberId,
    MemberKind,
    OutwardActionKind,
    Programme,
    ReferralSource,
    Topic,
)
from tests.conftest import COORDINATOR, KOMMUNE, LEAD, START, FixedClock

AGENCIES = [AgencyKind.NAV, AgencyKind.SCHOOL, AgencyKind.HEALTH_STATION]
TOPICS = [Topic.ECONOMY, Topic.WORK, Topic.SCHOOL, Topic.PARENTING]


def reference_permits(
    grants: list[dict[str, object]],
    refusals: list[dict[str, object]],
    agency: AgencyKind,
    kind: OutwardActionKind,
    topics: frozenset[Topic],
    members: frozenset[MemberId],
    on: date,
) -> bool:
    """The rules as plainly as they can be said, written apart from the library."""

    def in_force(g: dict[str, object]) -> bool:
        withdrawn = g["withdrawn_on"]
        return (
            g["agency"] == agency
            and g["valid_from"] <= on  # type: ignore[operator]
            and (withdrawn is None or on < withdrawn)  # type: ignore[operator]
        )

    for topic in topics:
        for member in members:
            if any(
                in_force(g) and member in g["members"] and topic in g["excluded"]  # type: ignore[operator]
                for g in grants
            ):
                return False
            ok = False
            for g in grants:
                if not (
                    in_force(g)
                    and topic in g["topics"]  # type: ignore[operator]
                    and member in g["members"]  # type: ignore[operator]
                    and kind in g["actions"]  # type: ignore[operator]
                ):
                    continue
                overridden = any(
                    r["agency"] == agency
                    and r["on"] <= on  # type: ignore[operator]
                    and r["on"] > g["valid_from"]  # type: ignore[operator]
                    and topic in r["topics"]  # type: ignore[operator]
                    and member in r["members"]  # type: ignore[operator]
                    and kind in r["actions"]  # type: ignore[operator]
                    for r in refusals
                )
                if not overridden:
                    ok = True
                    break
            if not ok:
                return False
    return True


class FamilyMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock()
        self.app = FamilyCoordination("memory", clock=self.clock, snapshot_interval=5)
        self.today = START
        self.adults: list[MemberId] = []
        self.children: list[MemberId] = []
        self.grants: list[dict[str, object]] = []
        self.refusals: list[dict[str, object]] = []
        self.stored_actions = 0

    @initialize()
    def enrol(self) -> None:
        self.family_id = self.app.enrol_family(
            municipality=KOMMUNE, label="Test", programme=Programme.nye_monstre(),
            referral=ReferralSource.OTHER, eligibility=Eligibility(1, 2, 3),
            occurred_on=START, actor=LEAD,
        )  # fmt: skip
        self.adults.append(
            self.app.add_member(
                self.family_id, name="Kari", birth_date=date(1990, 1, 1),
                kind=MemberKind.ADULT, occurred_on=START, actor=COORDINATOR,
            )
        )  # fmt: skip

    @property
    def members(self) -> list[MemberId]:
        return self.adults + self.children

    @rule(days=st.integers(0, 60))
    def time_passes(self, days: int) -> None:
        self.today += timedelta(days=days)

    @rule(child=st.booleans())
    def add_member(self, child: bool) -> None:
        member = self.app.add_member(
            self.family_id, name="X", birth_date=date(2015 if child else 1985, 5, 5),
            kind=MemberKind.CHILD if child else MemberKind.ADULT,
            guardian_ids=self.adults[:1] if child else [], occurred_on=self.today,
            actor=COORDINATOR,
        )  # fmt: skip
        (self.children if child else self.adults).append(member)

    @rule(data=st.data(), agency=st.sampled_from(AGENCIES))
    def grant(self, data: st.DataObject, agency: AgencyKind) -> None:
        topics = data.draw(st.frozensets(st.sampled_from(TOPICS), min_size=1))
        rest = [t for t in TOPICS if t not in topics]
        excluded = (
            data.draw(st.frozensets(st.sampled_from(rest))) if rest else frozenset()
        )
        members = data.draw(st.frozensets(st.sampled_from(self.members), min_size=1))
        actions = data.draw(
            st.frozensets(st.sampled_from(OutwardActionKind), min_size=1)
        )
        consent_id = self.app.grant_consent(
            self.family_id,
            scope=ConsentScope(Agency(agency), topics, members, excluded, actions),
            given_by=self.adults, form=ConsentForm.WRITTEN, purpose="p",
            occurred_on=self.today, actor=COORDINATOR,
        )  # fmt: skip
        self.grants.append(
            {"id": consent_id, "agency": agency, "topics": topics, "excluded": excluded,
             "members": members, "actions": actions, "valid_from": self.today,
             "withdrawn_on": None}
        )  # fmt: skip

    @rule(data=st.data(), agency=st.sampled_from(AGENCIES))
    def refuse(self, data: st.DataObject, agency: AgencyKind) -> None:
        topics = data.draw(st.frozensets(st.sampled_from(TOPICS), min_size=1))
        members = data.draw(st.frozensets(st.sampled_from(self.members), min_size=1))
        actions = data.draw(
            st.frozensets(st.sampled_from(OutwardActionKind), min_size=1)
        )
        self.app.refuse_consent(
            self.family_id, scope=ConsentScope(Agency(agency), topics, members, actions=actions),
            refused_by=self.adults[:1], occurred_on=self.today, actor=COORDINATOR,
        )  # fmt: skip
        self.refusals.append(
            {"agency": agency, "topics": topics, "members": members, "actions": actions,
             "on": self.today}
        )  # fmt: skip

    @precondition(lambda self: any(g["withdrawn_on"] is None for g in self.grants))
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        grant = data.draw(
            st.sampled_from([g for g in self.grants if g["withdrawn_on"] is None])
        )
        self.app.withdraw_consent(
            self.family_id, grant["id"], withdrawn_by=self.adults, occurred_on=self.today,  # type: ignore[arg-type]
            actor=COORDINATOR,
        )  # fmt: skip
        grant["withdrawn_on"] = self.today

    @rule(
        data=st.data(),
        agency=st.sampled_from(AGENCIES),
        kind=st.sampled_from(OutwardActionKind),
        days_back=st.integers(0, 30),
        afterwards=st.booleans(),
    )
    def outward_action(
        self,
        data: st.DataObject,
        agency: AgencyKind,
        kind: OutwardActionKind,
        days_back: int,
        afterwards: bool,
    ) -> None:
        on = max(START, self.today - timedelta(days=days_back))
        current = [
            m
            for m in self.members
            if self.app.get_family(self.family_id).is_member_on(m, on)
        ]
        topics = data.draw(st.frozensets(st.sampled_from(TOPICS), min_size=1))
        members = data.draw(st.frozensets(st.sampled_from(current), min_size=1))
        expected = reference_permits(
            self.grants, self.refusals, agency, kind, topics, members, on
        )
        version = self.app.get_family(self.family_id).version
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
            assert self.app.get_family(self.family_id).version == version
        else:
            assert expected, "the library permitted what the reference refuses"
            self.stored_actions += 1

    @precondition(lambda self: self.stored_actions > 0)
    @rule(data=st.data())
    def inform(self, data: st.DataObject) -> None:
        open_items = self.app.open_notifications(self.family_id)
        if not open_items:
            return
        item = data.draw(st.sampled_from(open_items))
        self.app.record_family_informed(
            self.family_id, item.action_id, channel=Channel.LETTER,
            occurred_on=max(self.today, item.occurred_on), actor=COORDINATOR,
        )  # fmt: skip

    @invariant()
    def replay_from_the_store_equals_replay_of_the_live_events(self) -> None:
        family = self.app.get_family(self.family_id)
        history = self.app.family_history(self.family_id)
        replayed = None
        for event in history:
            replayed = event.mutate(replayed)
        assert vars(replayed) == vars(family)

    @invariant()
    def every_stored_action_was_covered_on_its_date_by_what_was_known(self) -> None:
        actions = 0
        for event in self.app.family_history(self.family_id):
            if isinstance(event, Family.AgencyContacted):
                actions += 1
                before = self.app.get_family(
                    self.family_id, version=event.originator_version - 1
                )
                decision = before.decide(
                    kind=event.kind, agency=event.agency, topics=event.topics,
                    member_ids=event.member_ids, on=event.occurred_on,
                )  # fmt: skip
                assert decision.permitted
                assert decision.consent_ids == event.consent_ids
        assert actions == self.stored_actions


TestFamilyMachine = FamilyMachine.TestCase
