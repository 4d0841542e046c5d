"""*Nye mønstre – trygg oppvekst* (Kristiansand, Norway): five years of follow-up.

Families are enrolled from 2021, three weeks apart or, in a large demo, closer
so that all are enrolled within two years, and followed for up to the
programme's five years: members (siblings born well apart), a coordinator (and
a handover), consents with an exclusion, a refusal and a withdrawal, goals
with progress, steps, the NAV activity plan, meetings, contacts (one told
afterwards), surveys every year and, for some, the end of follow-up; followed
for five years, each family ends it (some after an extension). It also tries
one contact that no consent covers, and reports that it was refused. The
coordinator's own words are Norwegian Bokmål, from :data:`PHRASES`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Final

from familiekoordinering.demo._common import (
    DEMO_START,
    DemoProgramme,
    DemoRun,
    Story,
    Words,
    birth_dates,
    givers,
    workday,
    workday_before,
)
from familiekoordinering.demo._story import FamilyPlan, Household, coordinators, enrol
from familiekoordinering.domain.actions import Channel, FamilyKnows
from familiekoordinering.domain.consent import ConsentForm
from familiekoordinering.domain.core import EndReason
from familiekoordinering.domain.programme import (
    Eligibility,
    Programme,
    ReferralSource,
    add_months,
)
from familiekoordinering.domain.survey import SurveyKind
from familiekoordinering.domain.values import (
    Agency,
    AgencyKind,
    MemberKind,
    Municipality,
    Topic,
)
from familiekoordinering.timeline.i18n import Language

__all__ = ["NYE_MONSTRE", "PHRASES"]

ENROLMENT_DAYS = 730
"""Families are enrolled three weeks apart, or closer, so that all are in within two years."""
CASELOAD = 20
"""Families per coordinator: a large demo has more coordinators than the first three."""

_SURNAMES = [
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen",
    "Kristiansen", "Jensen", "Karlsen", "Ali", "Mohammed", "Haugen", "Berg",
]  # fmt: skip
_ADULT_NAMES = ["Kari", "Ola", "Fatima", "Ahmed", "Ingrid", "Jonas", "Maria", "Amina"]
_CHILD_NAMES = ["Emma", "Noah", "Nora", "Lucas", "Sara", "Yusuf", "Ella", "Filip"]
_COORDINATORS = [
    ("k-lund", "Kristin Lund"),
    ("e-said", "Elias Said"),
    ("m-dahl", "Mette Dahl"),
]
_MORE_FIRST_NAMES = [
    "Hanne", "Jon", "Leila", "Sindre", "Tone", "Aksel", "Randi", "Omar", "Siri", "Petter",
]  # fmt: skip
_MORE_SURNAMES = [
    "Bakke", "Moen", "Strand", "Eide", "Solberg", "Aas", "Vik", "Holm", "Lie", "Sand",
]  # fmt: skip
_LEAD = ("t-lead", "Hilde Brekke")
"""The demo's team lead: user id and name."""
_NAV = Agency(AgencyKind.NAV, "NAV Kristiansand")

PHRASES: Final[Mapping[str, tuple[str, ...]]] = {
    # The first meeting's decisions, and the consents' purposes.
    "plan_decision": (
        "Vi lager samarbeidsavtale og familieplan",
        "Samarbeidsavtalen er gjennomgått og signert",
        "Familien og koordinator lager planen sammen",
    ),
    "nav_decision": (
        "Koordinator spør NAV om bostøtte",
        "Sjekke med NAV om familien har rett til bostøtte",
    ),
    "nav_purpose": (
        "Praktisk hjelp med økonomi, arbeid og bolig",
        "Hjelp til å få orden på økonomi, arbeid og bolig",
    ),
    "school_purpose": (
        "Følge opp barnas skolegang, trivsel og fritid",
        "Samarbeid med skolen om barnas hverdag",
    ),
    "own_school_purpose": (
        "{child} har fylt {age} år og samtykker selv til kontakt med skolen",
    ),
    "refusal_note": (
        "Familien ønsker ikke at barnevernet involveres",
        "Foreldrene vil ikke ha barnevernet inn i saken nå",
    ),
    # Goals, in the family's own words, and the steps agreed.
    "work_goal": (
        "Jeg vil ha en jobb jeg kan leve av",
        "Jeg vil komme i fast arbeid",
        "Jeg vil ta fagbrev og få meg jobb",
    ),
    "economy_goal": (
        "Vi vil ha oversikt over regningene",
        "Vi vil slippe å få inkassobrev",
        "Vi vil klare oss uten forbrukslån",
    ),
    "housing_step": ("søke om bostøtte", "søke Husbanken om bostøtte"),
    # A child's leisure goal, its first step, how it went and how it goes; one
    # activity per family, the same position in each list.
    "leisure_goal": (
        "Jeg vil spille fotball med venner",
        "Jeg vil lære å svømme",
        "Jeg vil spille i korps",
        "Jeg vil gå på dans",
    ),
    "leisure_step": (
        "bli med på første fotballtrening",
        "bli med på første svømmetime",
        "bli med på første korpsøvelse",
        "bli med på første dansetime",
    ),
    "leisure_done": (
        "Var med på første trening",
        "Var med i bassenget første gang",
        "Var med på første øvelse",
        "Var med på første time",
    ),
    "leisure_progress": (
        "Spiller fotball hver tirsdag",
        "Svømmer hver torsdag",
        "Øver med korpset hver mandag",
        "Danser hver onsdag",
    ),
    # Contacts and telling the family.
    "nav_contact_purpose": (
        "Spørre om bostøtte familien kan ha rett til",
        "Avklare om familien har rett til bostøtte",
    ),
    "school_contact_purpose": (
        "Avtale et møte om leksehjelp for {child}",
        "Be om et møte med kontaktlæreren om leksehjelp",
    ),
    "informed_note": (
        "Ringte {adult} og fortalte om møtet med skolen",
        "Fortalte {adult} om kontakten med skolen",
    ),
    "refused_purpose": ("Drøfte foreldrerollen",),
    "year_contact_purpose": (
        "Følge opp aktivitetsplanen",
        "Oppfølging av aktivitetsplanen i NAV",
    ),
    # The yearly meeting, and progress on the goals.
    "year_decision": (
        "År {year}: vi går gjennom planen sammen",
        "Oppfølgingsmøte år {year}: planen justeres",
    ),
    "nav_participant": ("NAV-veileder",),
    "economy_progress": (
        "Regningene er sortert sammen med koordinator",
        "Har fått oversikt over regningene",
    ),
    "work_progress": (
        "Har begynt på et arbeidsrettet kurs",
        "Er i arbeidspraksis tre dager i uka",
    ),
    "budget_progress": (
        "Færre betalinger og et budsjett som holder",
        "Betaler regningene i tide hver måned",
    ),
    # Handover, withdrawal, extension and the end.
    "handover_note": (
        "Overlevering: forrige koordinator har byttet team",
        "Ny koordinator etter omorganisering i teamet",
    ),
    "withdraw_reason": (
        "Familien vil heller ha kontakten med skolen selv",
        "Foreldrene ønsker å snakke med skolen selv",
    ),
    "extension_reason": (
        "{adult} har nettopp begynt i jobb, og familien trenger støtte et halvår til",
        "Familien skal flytte og trenger oppfølging gjennom flyttingen",
    ),
    "extension_decided_by": ("teamleder {lead}",),
    "closing_decision": (
        "Planlegge avslutningen av oppfølgingen",
        "Avtale hvem familien kan kontakte etter avslutningen",
    ),
    "moved_note": (
        "Familien har flyttet til en annen kommune",
        "Familien flyttet, og oppfølgingen avsluttes her",
    ),
    "completed_note": (
        "Familien har gjennomført programmet",
        "Oppfølgingen avsluttes som planlagt",
    ),
}
"""The coordinator's own words in the demo, in Bokmål: each text the demo
records is one of these, its ``{fields}`` filled in with names and numbers."""


def _stories(run: DemoRun) -> list[Story]:
    found = coordinators(
        run.families, _COORDINATORS, CASELOAD, _MORE_FIRST_NAMES, _MORE_SURNAMES
    )
    return [_demo_family(run, index, found) for index in range(run.families)]


def _enrolment_day(rng: random.Random, index: int, families: int) -> date:
    """When family ``index`` is enrolled: in order, all within two years."""
    if 21 * families <= ENROLMENT_DAYS:  # three weeks apart, on a Monday
        return DEMO_START + timedelta(weeks=3 * index + rng.randrange(3))
    return workday(DEMO_START + timedelta(days=index * ENROLMENT_DAYS // families))


def _demo_family(
    run: DemoRun, index: int, coordinators: list[tuple[str, str]]
) -> Story:
    rng, ids, years = run.rng, run.ids, run.years
    start = _enrolment_day(rng, index, run.families)
    planned_end = NYE_MONSTRE.programme.planned_end(start)
    yield (start, 0)
    say = Words(rng, PHRASES)
    surname = rng.choice(_SURNAMES)
    threshold = 380_000 + 40_000 * rng.randrange(3)
    family = enrol(
        run,
        index,
        NYE_MONSTRE,
        say,
        coordinators[index % len(coordinators)],
        start,
        family_id=next(ids),
        label=surname,
        referral=rng.choice(list(ReferralSource)),
        eligibility=Eligibility(
            household_income=int(threshold * rng.uniform(0.45, 0.95)),
            eu60_threshold=threshold,
            years_in_low_income=rng.randrange(3, 9),
        ),
    )

    # The family: one or two parents and one to three children, oldest first.
    parents, kids = birth_dates(
        rng, start, adults=1 + (rng.random() < 0.5), children=1 + rng.randrange(3)
    )
    adults = family.add(
        MemberKind.ADULT,
        (
            _ADULT_NAMES[(2 * index + a) % len(_ADULT_NAMES)]
            for a in range(len(parents))
        ),
        parents,
        start,
    )
    children = family.add(
        MemberKind.CHILD,
        (_CHILD_NAMES[(3 * index + c) % len(_CHILD_NAMES)] for c in range(len(kids))),
        kids,
        start,
    )
    everyone = family.everyone
    first_name = family.first_name(adults[0])
    oldest = family.members[children[0]]

    # The cooperation agreement: NAV for economy, work and housing but not the
    # parenting role; school for the children; a refusal of child welfare in
    # some families. Who gives each is who decides on the day.
    day = workday(start + timedelta(days=7))
    yield (day, 0)
    start_meeting = family.meeting(day, "plan_decision", "nav_decision")
    family.consent(
        day,
        Agency(AgencyKind.NAV),
        frozenset({Topic.ECONOMY, Topic.WORK, Topic.HOUSING}),
        everyone,
        "nav_purpose",
        form=ConsentForm.WRITTEN,
        excluded=frozenset({Topic.PARENTING}),
    )
    if index % 3 != 1:  # most families also say yes to research, separately
        family.research_consents(day)
    school_topics = frozenset({Topic.SCHOOL, Topic.WELL_BEING, Topic.LEISURE})
    ages = NYE_MONSTRE.programme.consent_ages
    school_givers = givers(family.members, children, school_topics, day, ages)
    school = family.consent(
        day,
        Agency(AgencyKind.SCHOOL),
        school_topics,
        children,
        "school_purpose",
        form=ConsentForm.MINUTED_ORAL,
        given_by=school_givers,
        valid_until=add_months(day, 36),
    )
    if index % 2 == 0:
        family.refuse(
            day,
            Agency(AgencyKind.CHILD_WELFARE),
            frozenset({Topic.PARENTING}),
            "refusal_note",
        )

    # Goals and steps, in the family's own words.
    plan = family.plan(
        day, work_target=add_months(day, 24), activity_plan=_NAV, prefix="AP"
    )

    # Contacts: agreed at the start meeting, with the family present, and one
    # the family is told about afterwards (recorded two days late).
    day = workday(day + timedelta(days=3))
    yield (day, 0)
    family.contact(
        day,
        _NAV,
        [Topic.ECONOMY, Topic.HOUSING],
        adults,
        "nav_contact_purpose",
        Channel.PHONE,
        FamilyKnows.agreed_beforehand(start_meeting),
    )
    day = workday(day + timedelta(days=10))
    yield (day, (workday(day + timedelta(days=2)) - day).days)
    # The oldest child may now decide about school alone, and says yes too.
    family.own_consent(
        day,
        oldest,
        Agency(AgencyKind.SCHOOL),
        Topic.SCHOOL,
        school_givers,
        "own_school_purpose",
        36,
    )
    told_later = family.contact(
        day,
        Agency(AgencyKind.SCHOOL, "Lund skole"),
        [Topic.SCHOOL],
        [oldest.member_id],
        "school_contact_purpose",
        Channel.EMAIL,
        FamilyKnows.inform_afterwards(),
        child=oldest.name.split()[0],
    )
    day = workday(day + timedelta(days=4))
    yield (day, 0)
    family.told(day, told_later, plan, adult=first_name)

    # A contact no consent covers is refused, and nothing is stored.
    family.try_uncovered(day, oldest.member_id)

    last_day = day
    for year in range(years):
        year_start = add_months(start, 12 * year)
        for last_day, late in _demo_year(family, year, year_start, plan):
            yield (last_day, late)
        if year == 1 and index % 3 == 1:
            last_day = workday(add_months(start, 18))
            yield (last_day, 0)
            family.assign(
                last_day,
                coordinators[(index + 1) % len(coordinators)],
                note="handover_note",
            )
        if year == 1 and index % 3 == 2:
            last_day = workday(add_months(start, 20))
            yield (last_day, 0)
            run.app.withdraw_consent(
                family.fid,
                school,
                withdrawn_by=school_givers[:1],
                reason=say("withdraw_reason"),
                occurred_on=last_day,
                actor=family.coordinator,
            )

    # The end: some families move away; followed for the programme's five
    # years, the others end it, some after an extension decided in time.
    if index % 4 == 3 and years >= 2:
        ended_on = workday_before(add_months(start, 12 * years) - timedelta(days=10))
        ended_on = max(ended_on, last_day)
        yield (ended_on, 0)
        family.end(ended_on, EndReason.MOVED_AWAY, "moved_note")
    elif years == 5:
        until = planned_end
        if index % 4 == 1:
            until = add_months(start, 66) - timedelta(days=1)
            decided = workday(add_months(start, 57))
            yield (decided, 0)
            family.extend(decided, until, adult=first_name)
            meeting_day = workday(add_months(start, 61))
            yield (meeting_day, 0)
            family.meeting(meeting_day, "closing_decision")
        exit_day = workday(add_months(until + timedelta(days=1), -2))
        yield (exit_day, 0)
        family.survey(exit_day, SurveyKind.EXIT, years)
        ended_on = max(workday_before(until), exit_day)
        yield (ended_on, 0)
        family.end(ended_on, EndReason.COMPLETED, "completed_note")
    family.count()


def _demo_year(
    family: Household, year: int, year_start: date, plan: FamilyPlan
) -> Story:
    rng = family.run.rng
    survey_day = workday(year_start + timedelta(days=rng.randrange(21, 41)))
    yield (survey_day, 0)
    family.survey(
        survey_day, SurveyKind.BASELINE if year == 0 else SurveyKind.ANNUAL, year
    )
    meeting_day = workday(survey_day + timedelta(days=rng.randrange(5, 11)))
    yield (meeting_day, 0)
    family.meeting(
        meeting_day,
        "year_decision",
        participant="nav_participant",
        agency=_NAV,
        year=year + 1,
    )
    family.review(meeting_day, plan, year)
    contact_day = workday(meeting_day + timedelta(days=rng.randrange(21, 43)))
    yield (contact_day, 0)
    family.work_meeting(contact_day, _NAV)


NYE_MONSTRE: Final = DemoProgramme(
    name="nye-monstre",
    programme=Programme.nye_monstre(),
    language=Language.NB,
    municipality=Municipality("4204"),
    lead=_LEAD,
    phrases=PHRASES,
    stories=_stories,
)
"""*Nye mønstre* in Kristiansand (municipality 4204), in Bokmål: the default demo."""
