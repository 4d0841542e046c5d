"""Every branch of the consent decision, with the exact answer a coordinator sees.

Each case names one situation and the precise decision: permitted with which
consents, or denied with which code, words and subject. (These pin down the
reasons as well as the verdict, so that a change to either is a visible one.)
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import attrs
import pytest

from familiekoordinering import (
    Agency,
    AgencyKind,
    Consent,
    ConsentAges,
    ConsentForm,
    ConsentId,
    ConsentRefusal,
    ConsentScope,
    ConsentWithdrawal,
    Decision,
    Denial,
    DenialCode,
    Member,
    MemberId,
    MemberKind,
    OutwardActionKind,
    ProposedAction,
    RefusalId,
    Topic,
    decide,
    entitled,
)
from familiekoordinering.domain.capacity import research_say, say_of

pytestmark = pytest.mark.domain

KARI = MemberId(UUID(int=1))
PER = MemberId(UUID(int=2))
EMMA = MemberId(UUID(int=3))
STRANGER = MemberId(UUID(int=4))
C1 = ConsentId(UUID(int=101))
C2 = ConsentId(UUID(int=102))
R1 = RefusalId(UUID(int=201))
MEMBERS = {
    KARI: Member(KARI, "Kari", date(1984, 9, 1), MemberKind.ADULT),
    PER: Member(PER, "Per", date(1980, 1, 1), MemberKind.ADULT),
    EMMA: Member(EMMA, "Emma", date(2010, 3, 1), MemberKind.CHILD, frozenset({KARI})),
}
NAV = Agency(AgencyKind.NAV)
NAV_KRS = Agency(AgencyKind.NAV, "NAV Kristiansand")
SCHOOL = Agency(AgencyKind.SCHOOL)
JAN = date(2026, 1, 10)
KARI_S = f"Kari ({KARI})"
EMMA_S = f"Emma ({EMMA})"


def consent(
    consent_id: ConsentId = C1,
    *,
    agency: Agency = NAV,
    topics: tuple[Topic, ...] = (Topic.ECONOMY,),
    members: tuple[MemberId, ...] = (KARI,),
    excluded: tuple[Topic, ...] = (),
    actions: tuple[OutwardActionKind, ...] = tuple(OutwardActionKind),
    given_by: tuple[MemberId, ...] = (KARI,),
    given_on: date = date(2026, 1, 1),
    valid_until: date | None = None,
) -> Consent:
    return Consent(
        consent_id,
        ConsentScope(agency, frozenset(topics), frozenset(members), frozenset(excluded),
                     frozenset(actions)),
        frozenset(given_by), ConsentForm.WRITTEN, given_on, valid_until, "p",
        given_on=given_on,
    )  # fmt: skip


def refusal(
    *,
    agency: Agency = NAV,
    topics: tuple[Topic, ...] = (Topic.ECONOMY,),
    members: tuple[MemberId, ...] = (KARI,),
    actions: tuple[OutwardActionKind, ...] = tuple(OutwardActionKind),
    by: tuple[MemberId, ...] = (KARI,),
    on: date = date(2026, 1, 5),
) -> ConsentRefusal:
    return ConsentRefusal(
        R1, ConsentScope(agency, frozenset(topics), frozenset(members), actions=frozenset(actions)),
        frozenset(by), on,
    )  # fmt: skip


def ask(
    consents: list[Consent],
    *,
    withdrawals: dict[ConsentId, ConsentWithdrawal] | None = None,
    refusals: list[ConsentRefusal] | None = None,
    agency: Agency = NAV_KRS,
    topics: tuple[Topic, ...] = (Topic.ECONOMY,),
    members: tuple[MemberId, ...] = (KARI,),
    kind: OutwardActionKind = OutwardActionKind.CONTACT,
    on: date = JAN,
    ages: ConsentAges | None = None,
) -> Decision:
    action = ProposedAction(kind, agency, frozenset(topics), frozenset(members), on)
    return decide(
        consents, withdrawals or {}, refusals or [], action, members=MEMBERS,
        ages=ages or ConsentAges.norway(),
    )  # fmt: skip


def denied(code: DenialCode, message: str, **subject: object) -> Decision:
    return Decision(permitted=False, denials=(Denial(code, message, **subject),))  # type: ignore[arg-type]


CASES = {
    "covered by a consent for the agency kind": (
        lambda: ask([consent()]),
        Decision(permitted=True, consent_ids=(C1,)),
    ),
    "each pair takes its own consent, listed once and sorted": (
        lambda: ask(
            [consent(C2, topics=(Topic.WORK,)), consent(C1), consent(C2, topics=(Topic.WORK,))],
            topics=(Topic.ECONOMY, Topic.WORK),
        ),
        Decision(permitted=True, consent_ids=(C1, C2)),
    ),
    "an action naming nothing": (
        lambda: ask([consent()], topics=()),
        denied(DenialCode.NOTHING_NAMED, "the action must name at least one topic and one member"),
    ),
    "no consent names the agency": (
        lambda: ask([consent(agency=SCHOOL)]),
        denied(DenialCode.NO_CONSENT_FOR_AGENCY,
               "no consent names the agency nav (NAV Kristiansand)"),
    ),
    "a consent for another unit": (
        lambda: ask([consent(agency=Agency(AgencyKind.NAV, "NAV Arendal"))]),
        denied(DenialCode.NO_CONSENT_FOR_AGENCY,
               "no consent names the agency nav (NAV Kristiansand)"),
    ),
    "an excluded topic denies even where another consent permits": (
        lambda: ask([consent(C1, excluded=(Topic.PARENTING,)),
                     consent(C2, topics=(Topic.PARENTING,))], topics=(Topic.PARENTING,)),
        denied(DenialCode.TOPIC_EXCLUDED,
               f"consent {C1} excludes the topic parenting for {KARI_S}",
               topic=Topic.PARENTING, member_id=KARI, consent_id=C1),
    ),
    "a refusal after the consent wins": (
        lambda: ask([consent()], refusals=[refusal()]),
        denied(DenialCode.REFUSED,
               f"Kari refused on 2026-01-05 to let the coordinator act towards "
               f"nav (NAV Kristiansand) about economy for {KARI_S} (refusal {R1})",
               topic=Topic.ECONOMY, member_id=KARI),
    ),
    "a refusal on the day of the consent wins": (
        lambda: ask([consent()], refusals=[refusal(on=date(2026, 1, 1))]).permitted,
        False,
    ),
    "a consent given after the refusal applies again": (
        lambda: ask([consent(given_on=date(2026, 1, 6))], refusals=[refusal()]),
        Decision(permitted=True, consent_ids=(C1,)),
    ),
    "a refusal dated after the action does not reach back": (
        lambda: ask([consent()], refusals=[refusal(on=date(2026, 1, 11))]).permitted,
        True,
    ),
    "a refusal to another agency does not deny": (
        lambda: ask([consent()], refusals=[refusal(agency=SCHOOL)]).permitted,
        True,
    ),
    "a refusal of another kind of action does not deny": (
        lambda: ask([consent()], refusals=[refusal(actions=(OutwardActionKind.REFER,))]).permitted,
        True,
    ),
    "a refusal about another topic or member does not deny": (
        lambda: (ask([consent()], refusals=[refusal(topics=(Topic.WORK,))]).permitted,
                 ask([consent()], refusals=[refusal(members=(PER,))]).permitted),
        (True, True),
    ),
    "a refusal by someone not entitled does not deny": (
        lambda: ask([consent()], refusals=[refusal(by=(PER,))]).permitted,
        True,
    ),
    "a refusal with no consent in force is the reason given": (
        lambda: ask([consent(valid_until=date(2026, 1, 2))], refusals=[refusal()]),
        denied(DenialCode.REFUSED,
               f"Kari refused on 2026-01-05 to let the coordinator act towards "
               f"nav (NAV Kristiansand) about economy for {KARI_S}",
               topic=Topic.ECONOMY, member_id=KARI),
    ),
    "a consent given by someone without capacity": (
        lambda: ask([consent(members=(KARI,), given_by=(PER,))]),
        denied(DenialCode.NO_CAPACITY,
               f"consent {C1} was given by Per, who cannot consent for {KARI_S} about "
               "economy: Kari is an adult and decides for themselves",
               topic=Topic.ECONOMY, member_id=KARI, consent_id=C1),
    ),
    "a guardian's health consent once the child decides herself": (
        lambda: ask([consent(topics=(Topic.HEALTH,), members=(EMMA,))],
                    topics=(Topic.HEALTH,), members=(EMMA,), on=date(2026, 3, 1)),
        denied(DenialCode.NO_CAPACITY,
               f"consent {C1} was given by Kari, who cannot consent for {EMMA_S} about "
               "health: Emma is 16 on 2026-03-01 and decides about health alone from 16",
               topic=Topic.HEALTH, member_id=EMMA, consent_id=C1),
    ),
    "a withdrawn consent": (
        lambda: ask([consent()], withdrawals={C1: ConsentWithdrawal(C1, JAN, frozenset({KARI}))}),
        denied(DenialCode.WITHDRAWN, f"consent {C1} was withdrawn on 2026-01-10",
               topic=Topic.ECONOMY, member_id=KARI, consent_id=C1),
    ),
    "a consent withdrawn after the action still covered it": (
        lambda: ask([consent()],
                    withdrawals={C1: ConsentWithdrawal(C1, date(2026, 1, 11), frozenset({KARI}))}),
        Decision(permitted=True, consent_ids=(C1,)),
    ),
    "an expired consent": (
        lambda: ask([consent(valid_until=date(2026, 1, 9))]),
        denied(DenialCode.EXPIRED, f"consent {C1} expired on 2026-01-09",
               topic=Topic.ECONOMY, member_id=KARI, consent_id=C1),
    ),
    "a consent on its last day": (
        lambda: ask([consent(valid_until=JAN)]).permitted,
        True,
    ),
    "a consent not yet valid": (
        lambda: ask([consent(given_on=date(2026, 1, 11))]),
        denied(DenialCode.NOT_YET_VALID, f"consent {C1} is valid only from 2026-01-11",
               topic=Topic.ECONOMY, member_id=KARI, consent_id=C1),
    ),
    "no consent for the agency in force": (
        lambda: ask([consent(topics=(Topic.WORK,), valid_until=date(2026, 1, 2))]),
        denied(DenialCode.NO_CONSENT_FOR_AGENCY,
               "no consent for the agency nav (NAV Kristiansand) is in force on 2026-01-10"),
    ),
    "a member no consent covers": (
        lambda: ask([consent()], members=(PER,)),
        denied(DenialCode.MEMBER_NOT_COVERED,
               f"no consent for nav (NAV Kristiansand) in force on 2026-01-10 covers "
               f"Per ({PER})", member_id=PER),
    ),
    "a topic no consent covers": (
        lambda: ask([consent()], topics=(Topic.HOUSING,)),
        denied(DenialCode.TOPIC_NOT_COVERED,
               f"no consent for nav (NAV Kristiansand) in force on 2026-01-10 covers the "
               f"topic housing for {KARI_S}", topic=Topic.HOUSING, member_id=KARI),
    ),
    "an action the consent does not permit": (
        lambda: ask([consent(actions=(OutwardActionKind.CONTACT,))],
                    kind=OutwardActionKind.REFER),
        denied(DenialCode.ACTION_NOT_COVERED,
               f"no consent for nav (NAV Kristiansand) in force on 2026-01-10 permits the "
               f"action refer about economy for {KARI_S}", topic=Topic.ECONOMY, member_id=KARI),
    ),
    "someone who is not a member": (
        lambda: ask([consent()], members=(STRANGER,)),
        denied(DenialCode.MEMBER_NOT_COVERED,
               f"member {STRANGER} is not a member of the family", member_id=STRANGER),
    ),
    "several reasons, each once, in topic and member order": (
        lambda: ask([consent()], topics=(Topic.WORK, Topic.HOUSING), members=(KARI, PER)).denials,
        (
            Denial(DenialCode.TOPIC_NOT_COVERED,
                   f"no consent for nav (NAV Kristiansand) in force on 2026-01-10 covers the "
                   f"topic housing for {KARI_S}", topic=Topic.HOUSING, member_id=KARI),
            Denial(DenialCode.MEMBER_NOT_COVERED,
                   f"no consent for nav (NAV Kristiansand) in force on 2026-01-10 covers "
                   f"Per ({PER})", member_id=PER),
            Denial(DenialCode.TOPIC_NOT_COVERED,
                   f"no consent for nav (NAV Kristiansand) in force on 2026-01-10 covers the "
                   f"topic work for {KARI_S}", topic=Topic.WORK, member_id=KARI),
        ),
    ),
    "of two same-day consents, the one with the lower id is named": (
        lambda: ask(
            [consent(C2, given_by=(PER,)), consent(C1, given_by=(PER,))]
        ).denials[0].consent_id,
        C1,
    ),
    "a refusal names everyone who refused, by name, in order": (
        lambda: ask(
            [consent()], refusals=[refusal(by=(PER, KARI))]
        ).reasons[0].split(" refused")[0],
        "Kari, Per",
    ),
    "a consent given by someone outside the family names them by id": (
        lambda: ask([consent(given_by=(STRANGER,))]).reasons[0],
        f"consent {C1} was given by {STRANGER}, who cannot consent for {KARI_S} about "
        "economy: Kari is an adult and decides for themselves",
    ),
    "of two same-day refusals, the one with the lower id is named": (
        lambda: ask(
            [consent()],
            refusals=[
                attrs.evolve(refusal(), refusal_id=RefusalId(UUID(int=299))),
                attrs.evolve(refusal(), refusal_id=RefusalId(UUID(int=250))),
            ],
        ).reasons[0].endswith(f"(refusal {UUID(int=250)})"),
        True,
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_the_decision(name: str) -> None:
    question, answer = CASES[name]
    assert question() == answer


def test_a_decision_is_truthy_only_when_permitted() -> None:
    assert bool(ask([consent()]))
    assert not bool(ask([]))
    assert ask([]).reasons == ("no consent names the agency nav (NAV Kristiansand)",)
    assert (
        str(ask([]).denials[0]) == "no consent names the agency nav (NAV Kristiansand)"
    )


def test_the_built_in_age_profiles() -> None:
    assert ConsentAges.norway() == ConsentAges(
        18,
        {Topic.HEALTH: 16, Topic.WELL_BEING: 16, Topic.SCHOOL: 15, Topic.LEISURE: 15},
    )
    assert ConsentAges.denmark() == ConsentAges(
        18, {Topic.HEALTH: 15, Topic.WELL_BEING: 15}
    )
    assert ConsentAges.for_jurisdiction("no") == ConsentAges.norway()
    assert ConsentAges.for_jurisdiction("dk") == ConsentAges.denmark()
    assert ConsentAges().age_for(Topic.HEALTH) == 18


def test_who_decides_in_words() -> None:
    norway = ConsentAges.norway()
    assert say_of(MEMBERS[EMMA], Topic.SCHOOL, date(2025, 2, 28), norway) == (
        "Emma is 14 on 2025-02-28; a guardian decides about school until 15"
    )
    assert say_of(MEMBERS[EMMA], Topic.SCHOOL, date(2025, 3, 1), norway) == (
        "Emma is 15 on 2025-03-01 and decides about school alone from 15"
    )
    assert entitled(MEMBERS[KARI], Topic.PARENTING, JAN, norway) == {KARI}
    orphan = Member(STRANGER, "Ola", date(2015, 1, 1), MemberKind.CHILD)
    assert entitled(orphan, Topic.ECONOMY, JAN, norway) == frozenset()


# ------------------------------------------- what mutation testing found unpinned


def test_a_refusal_is_in_force_from_its_own_day() -> None:
    """A refusal dated the action's day denies it, as a withdrawal does from its day."""
    given = [consent(given_on=date(2026, 1, 1))]
    refused = [refusal(on=date(2026, 2, 2))]
    assert ask(given, refusals=refused, on=date(2026, 2, 1)).permitted
    same_day = ask(given, refusals=refused, on=date(2026, 2, 2))
    assert not same_day.permitted
    assert same_day.denials[0].code is DenialCode.REFUSED


def test_a_child_who_came_of_age_gives_research_consent_alone() -> None:
    """A member recorded as a child decides about research for themselves once adult."""
    ages = ConsentAges.norway()
    emma = MEMBERS[EMMA]  # a CHILD, born 2010-03-01, Kari her guardian
    assert research_say(emma, date(2028, 2, 29), ages) == frozenset({KARI})
    assert research_say(emma, date(2029, 6, 1), ages) == frozenset({EMMA})


def test_research_say_passes_to_the_child_on_the_adult_age_birthday_itself() -> None:
    """Not the day after: on the birthday that makes the child adult, the child decides."""
    ages = ConsentAges.norway()
    emma = MEMBERS[EMMA]
    birthday = date(2010 + ages.adult_age, 3, 1)
    assert research_say(emma, birthday - timedelta(days=1), ages) == frozenset({KARI})
    assert research_say(emma, birthday, ages) == frozenset({EMMA})


def test_an_adult_member_decides_about_research_whatever_the_birth_date_says() -> None:
    """An ADULT member (a young parent of 17) decides for themselves about research."""
    young_parent = Member(PER, "Per", date(2009, 6, 1), MemberKind.ADULT)
    assert research_say(young_parent, date(2026, 6, 1), ConsentAges.norway()) == (
        frozenset({PER})
    )


def test_own_say_ages_are_kept_in_the_order_of_the_topics_text() -> None:
    """Whatever order they are given in, the stored form lists the topics by their text."""
    given = {Topic.WELL_BEING: 15, Topic.HEALTH: 16}  # neither by text nor by age
    ages = ConsentAges(adult_age=18, own_say_from=given)
    assert list(ages.own_say_from) == [Topic.HEALTH, Topic.WELL_BEING]
    assert type(ages.own_say_from) is dict
