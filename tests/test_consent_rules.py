"""Properties of the consent rules, each stated once and checked on random worlds."""

from __future__ import annotations

import random
from datetime import date, timedelta
from uuid import UUID

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from familiekoordinering import (
    Agency,
    AgencyKind,
    Consent,
    ConsentAges,
    ConsentForm,
    ConsentId,
    ConsentScope,
    ConsentWithdrawal,
    DenialCode,
    FamilyCoordination,
    Member,
    MemberId,
    MemberKind,
    OutwardActionKind,
    ProposedAction,
    Topic,
    decide,
    entitled,
)
from familiekoordinering.demo import DemoClock, build_demo
from tests.conftest import LEAD
from tests.strategies import SMALL_TOPICS, consent_worlds, proposed_actions

pytestmark = pytest.mark.application

NORWAY = ConsentAges.norway()
PROFILES = [ConsentAges.norway(), ConsentAges.denmark()]
KARI = MemberId(UUID(int=1))
EMMA = MemberId(UUID(int=2))


@st.composite
def worlds_and_actions(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    world = draw(consent_worlds())
    return world, draw(proposed_actions(world[0]))


@given(worlds_and_actions(), st.randoms())
def test_the_decision_does_not_depend_on_the_order_things_were_recorded(
    case, shuffle: random.Random
) -> None:  # type: ignore[no-untyped-def]
    (members, consents, withdrawals, refusals), action = case
    before = decide(
        consents, withdrawals, refusals, action, members=members, ages=NORWAY
    )
    shuffle.shuffle(consents)
    shuffle.shuffle(refusals)
    after = decide(
        consents, withdrawals, refusals, action, members=members, ages=NORWAY
    )
    assert after == before


@given(worlds_and_actions(), st.data())
def test_a_withdrawal_takes_effect_on_its_day_and_stays_in_force(case, data) -> None:  # type: ignore[no-untyped-def]
    (members, consents, withdrawals, refusals), action = case
    candidates = [c for c in consents if c.consent_id not in withdrawals]
    assume(candidates)
    consent = data.draw(st.sampled_from(candidates))
    withdrawn_on = consent.given_on + timedelta(days=data.draw(st.integers(0, 900)))
    with_it = {
        **withdrawals,
        consent.consent_id: ConsentWithdrawal(
            consent.consent_id, withdrawn_on, consent.given_by
        ),
    }
    decision = decide(consents, with_it, refusals, action, members=members, ages=NORWAY)
    if action.on < withdrawn_on:
        # Before its day, a withdrawal changes nothing.
        assert decision == decide(
            consents, withdrawals, refusals, action, members=members, ages=NORWAY
        )
    else:
        # From its day on, the withdrawn consent covers nothing, for ever.
        for later in (0, 1, 365, 3650):
            moved = ProposedAction(
                action.kind, action.agency, action.topics, action.member_ids,
                action.on + timedelta(days=later),
            )  # fmt: skip
            again = decide(
                consents, with_it, refusals, moved, members=members, ages=NORWAY
            )
            assert consent.consent_id not in again.consent_ids
        assert consent.consent_id not in decision.consent_ids


@given(worlds_and_actions())
def test_a_permitted_action_uses_only_consents_in_force_and_given_by_someone_entitled(
    case,
) -> None:  # type: ignore[no-untyped-def]
    (members, consents, withdrawals, refusals), action = case
    decision = decide(
        consents, withdrawals, refusals, action, members=members, ages=NORWAY
    )
    if not decision.permitted:
        assert decision.denials
        return
    used = [c for c in consents if c.consent_id in decision.consent_ids]
    assert used
    for consent in used:
        assert consent.in_period(action.on)
        withdrawal = withdrawals.get(consent.consent_id)
        assert withdrawal is None or action.on < withdrawal.withdrawn_on
        assert consent.scope.agency.covers(action.agency)
    for topic in action.topics:
        for member_id in action.member_ids:
            deciders = entitled(members[member_id], topic, action.on, NORWAY)
            assert any(
                topic in c.scope.topics and member_id in c.scope.member_ids
                and c.given_by & deciders
                for c in used
            )  # fmt: skip


@given(worlds_and_actions())
def test_a_refusal_by_everyone_entitled_denies_the_action_it_names(case) -> None:  # type: ignore[no-untyped-def]
    (members, consents, withdrawals, refusals), action = case
    from familiekoordinering import ConsentRefusal, RefusalId

    before = decide(
        consents, withdrawals, refusals, action, members=members, ages=NORWAY
    )
    everyone = frozenset(members)
    refusal = ConsentRefusal(
        RefusalId(UUID(int=9999)),
        ConsentScope(action.agency, action.topics, action.member_ids),
        everyone,
        action.on,
    )
    after = decide(
        consents,
        withdrawals,
        [*refusals, refusal],
        action,
        members=members,
        ages=NORWAY,
    )
    assert (
        not after.permitted
    )  # a refusal by those entitled wins, whatever was permitted
    del before


def first_day_of_age(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # born on 29 February: the birthday is 1 March
        return date(born.year + years, 3, 1)


@given(
    born=st.dates(date(2000, 1, 1), date(2020, 12, 31)),
    topic=st.sampled_from(list(Topic)),
    ages=st.sampled_from(PROFILES),
)
def test_a_child_gains_a_say_of_their_own_exactly_on_the_birthday(
    born: date, topic: Topic, ages: ConsentAges
) -> None:
    child = Member(EMMA, "Emma", born, MemberKind.CHILD, frozenset({KARI}))
    birthday = first_day_of_age(born, ages.age_for(topic))
    assert entitled(child, topic, birthday - timedelta(days=1), ages) == {KARI}
    assert entitled(child, topic, birthday, ages) == {EMMA}
    assert entitled(child, topic, first_day_of_age(born, 18), ages) == {EMMA}


@given(
    born=st.dates(date(2000, 1, 1), date(2020, 12, 31)), ages=st.sampled_from(PROFILES)
)
def test_a_guardians_health_consent_stops_covering_the_child_on_that_birthday(
    born: date, ages: ConsentAges
) -> None:
    kari = Member(KARI, "Kari", date(1980, 1, 1), MemberKind.ADULT)
    emma = Member(EMMA, "Emma", born, MemberKind.CHILD, frozenset({KARI}))
    members = {KARI: kari, EMMA: emma}
    consent = Consent(
        ConsentId(UUID(int=7)),
        ConsentScope(Agency(AgencyKind.GP), frozenset({Topic.HEALTH}), frozenset({EMMA})),
        frozenset({KARI}), ConsentForm.WRITTEN, born, None, "health", given_on=born,
    )  # fmt: skip
    birthday = first_day_of_age(born, ages.age_for(Topic.HEALTH))

    def on(day: date):  # type: ignore[no-untyped-def]
        action = ProposedAction(
            OutwardActionKind.CONTACT, Agency(AgencyKind.GP), frozenset({Topic.HEALTH}),
            frozenset({EMMA}), day,
        )  # fmt: skip
        return decide([consent], {}, [], action, members=members, ages=ages)

    assert on(birthday - timedelta(days=1)).permitted
    denied = on(birthday)
    assert not denied.permitted
    assert denied.denials[0].code is DenialCode.NO_CAPACITY
    assert "decides about health alone" in denied.reasons[0]


def test_norway_and_denmark_differ_on_health_at_fifteen() -> None:
    assert ConsentAges.norway().age_for(Topic.HEALTH) == 16
    assert ConsentAges.denmark().age_for(Topic.HEALTH) == 15
    assert ConsentAges.norway().age_for(Topic.ECONOMY) == 18
    assert (
        ConsentAges(adult_age=18, own_say_from={Topic.ECONOMY: 25}).age_for(
            Topic.ECONOMY
        )
        == 18
    )


def test_a_consent_with_an_end_date_expires_without_any_event() -> None:
    kari = Member(KARI, "Kari", date(1980, 1, 1), MemberKind.ADULT)
    consent = Consent(
        ConsentId(UUID(int=7)),
        ConsentScope(Agency(AgencyKind.NAV), frozenset({Topic.WORK}), frozenset({KARI})),
        frozenset({KARI}), ConsentForm.WRITTEN, date(2026, 1, 1), date(2026, 6, 30), "work",
        given_on=date(2026, 1, 1),
    )  # fmt: skip

    def on(day: date):  # type: ignore[no-untyped-def]
        action = ProposedAction(
            OutwardActionKind.CONTACT, Agency(AgencyKind.NAV), frozenset({Topic.WORK}),
            frozenset({KARI}), day,
        )  # fmt: skip
        return decide([consent], {}, [], action, members={KARI: kari}, ages=NORWAY)

    assert on(date(2026, 6, 30)).permitted
    assert on(date(2026, 7, 1)).denials[0].code is DenialCode.EXPIRED


@given(
    probes=st.lists(
        st.tuples(
            st.sampled_from(
                [AgencyKind.NAV, AgencyKind.SCHOOL, AgencyKind.CHILD_WELFARE]
            ),
            st.sampled_from(SMALL_TOPICS),
            st.integers(0, 1500),
            st.sampled_from(list(OutwardActionKind)),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_a_family_replayed_from_its_stored_events_decides_as_the_live_one(
    probes,
) -> None:  # type: ignore[no-untyped-def]
    clock = DemoClock()
    app = FamilyCoordination(
        "memory", clock=clock, snapshot_interval=None, cache_size=0
    )
    report = build_demo(app, clock, families=1, years=3, seed=7)
    family_id = report.family_ids[0]
    live = None
    for event in app.family_history(family_id, actor=LEAD):
        live = event.mutate(live)
    replayed = app.get_family(family_id, actor=LEAD)
    members = sorted(replayed.members)
    for agency, topic, days, kind in probes:
        kwargs = {
            "kind": kind, "agency": Agency(agency), "topics": [topic], "member_ids": members,
            "on": replayed.started_on + timedelta(days=days),
        }  # fmt: skip
        assert replayed.decide(**kwargs) == live.decide(**kwargs)  # type: ignore[union-attr, arg-type]
