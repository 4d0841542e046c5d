"""*Asker velferdslab* (Asker, Norway): an investment team around each unit.

Units are enrolled from 2023, two weeks apart or, in a large demo, closer so
that all are enrolled within a year, and each is followed for the demo's
years: the programme's three as a starting point, never past its planned end
unless extended first (a demo of four or five years extends about half of the
units, decided in their third year). About half the units are young adults
aged 18 to 25 living on their own (one adult member); the others are
low-income families with children, half of them with a child with a
disability.

Each unit gets an investment leader (its coordinator) and, from the first
conversation, an *investeringsteam*: the family's consent for each actor that
joins (NAV Asker, the housing office and, for a child with a disability, the
municipality's allocation office, with authority to decide; the school or the
follow-up service where relevant, a voluntary organisation and a local
employer, without), then investment meetings every one to three months with the citizen
present (and, for a family, an adult), each deciding none, one or two things,
under the law or rule they rest on. Each actor's contribution is recorded
(kroner, staff hours, places, homes), and the gains as they come (into work or
education, a stable home, better health, less need for benefits), for some of
the units, with an estimated yearly value. Goals in the citizen's own words,
a survey at the start, every year and at the end; every follow-up ends (some
units move away). A child who gains a say of their own on a team member's
topic (15, 16 or 18 by topic) gives their own consent before that member sits
in the next meeting. For every third unit it also tries to add to the team an
actor no consent covers, and reports that it was refused. The investment
leader's own words are Norwegian Bokmål, from :data:`PHRASES`.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping
from datetime import date, timedelta
from typing import Any, Final

import attrs

from familiekoordinering.demo._common import (
    DemoProgramme,
    DemoRun,
    Story,
    Words,
    birth_dates,
    givers,
    workday,
    workday_before,
)
from familiekoordinering.demo._story import coordinator, enrol
from familiekoordinering.domain.capacity import entitled
from familiekoordinering.domain.consent import (
    ConsentForm,
    ConsentScope,
    OutwardActionKind,
)
from familiekoordinering.domain.core import EndReason
from familiekoordinering.domain.investment import (
    GainKind,
    InvestmentDecision,
    InvestmentKind,
)
from familiekoordinering.domain.plan import SectorPlanKind
from familiekoordinering.domain.programme import (
    Eligibility,
    Programme,
    ReferralSource,
    add_months,
)
from familiekoordinering.domain.survey import (
    Housing,
    SurveyKind,
    WorkAnswer,
    WorkStatus,
)
from familiekoordinering.domain.values import (
    Agency,
    AgencyKind,
    GoalId,
    MemberId,
    MemberKind,
    Municipality,
    TeamMemberId,
    Topic,
    age_on,
)
from familiekoordinering.errors import ConsentRequiredError
from familiekoordinering.timeline.i18n import Language

__all__ = ["ASKER", "CASELOAD", "PHRASES"]

START: Final = date(2023, 1, 2)
"""The first enrolment date of the Asker demo (a Monday)."""
ENROLMENT_DAYS: Final = 365
"""Units are enrolled two weeks apart, or closer, so that all are in within a year."""
CASELOAD: Final = 15
"""Units per investment leader: a large demo has more leaders than the first three."""
_MUNICIPALITY = Municipality("3203")
_LEAD = ("t-berg", "Torunn Berg")
"""The demo's team lead (user id and name): the head of the welfare lab."""
_LEADERS = [
    ("i-vik", "Hanne Vik"),
    ("a-lunde", "Anders Lunde"),
    ("s-hussain", "Sana Hussain"),
]
_MORE_FIRST_NAMES = [
    "Marit", "Jørgen", "Nadia", "Eirik", "Solveig", "Kristoffer", "Liv", "Bilal",
    "Gunn", "Håkon",
]  # fmt: skip
_MORE_SURNAMES = [
    "Fossum", "Kvam", "Engen", "Rustad", "Tangen", "Bøe", "Hauge", "Lien", "Wold",
    "Skog",
]  # fmt: skip
_SURNAMES = [
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Berg", "Haugen", "Hagen",
    "Bakke", "Lie", "Ahmed", "Hussein", "Nguyen", "Nowak", "Mohamed", "Karlsen",
]  # fmt: skip
_YOUNG_NAMES = [
    "Sara", "Mathias", "Emilie", "Jonas", "Ida", "Markus", "Thea", "Sander", "Amalie",
    "Tobias", "Yasmin", "Hamza", "Julie", "Kristian", "Aisha", "Elias",
]  # fmt: skip
_ADULT_NAMES = [
    "Kari", "Lars", "Marianne", "Thomas", "Fatima", "Ahmed", "Agnieszka", "Tomasz",
    "Hilde", "Espen", "Amina", "Kjersti",
]  # fmt: skip
_CHILD_NAMES = [
    "Emma", "Jakob", "Nora", "Filip", "Olivia", "William", "Sofie", "Lukas", "Ella",
    "Noah", "Aya", "Adam",
]  # fmt: skip
_STAFF_FIRST_NAMES = [
    "Ingrid", "Kjetil", "Marte", "Øystein", "Silje", "Ola", "Guro", "Henrik", "Line",
    "Torbjørn", "Camilla", "Bjørn", "Hege", "Even", "Eva", "Per",
]  # fmt: skip
_STAFF_SURNAMES = [
    "Dahl", "Moe", "Strand", "Nygård", "Solheim", "Aasen", "Eriksen", "Lunde", "Sæther",
    "Holm", "Myhre", "Brekke", "Haugland", "Vold",
]  # fmt: skip

_NAV = Agency(AgencyKind.NAV, "NAV Asker")
_HOUSING = Agency(AgencyKind.HOUSING_OFFICE, "Boligkontoret i Asker kommune")
_ALLOCATION = Agency(AgencyKind.HEALTH_SERVICE, "Tildelingskontoret i Asker kommune")
_FOLLOW_UP = Agency(AgencyKind.FOLLOW_UP_SERVICE, "Oppfølgingstjenesten i Asker")
_VOLUNTEERS = (
    Agency(AgencyKind.VOLUNTEER, "Asker Røde Kors"),
    Agency(AgencyKind.VOLUNTEER, "Kirkens Bymisjon"),
)
_EMPLOYERS = (  # the employer, and its person's role (a position in "employer_role")
    (Agency(AgencyKind.PRIVATE, "Asker Bygg AS"), 2),
    (Agency(AgencyKind.PRIVATE, "Heggedal Bakeri AS"), 0),
    (Agency(AgencyKind.PRIVATE, "Nesbru Dagligvare AS"), 1),
    (Agency(AgencyKind.PRIVATE, "Slemmestad Rør AS"), 2),
    (Agency(AgencyKind.PRIVATE, "Vollen Kafé og Catering AS"), 3),
)
_PRIMARY_SCHOOLS = ("Bondi skole", "Hvalstad skole", "Vettre skole", "Heggedal skole")
_LOWER_SECONDARY = ("Borgen ungdomsskole", "Vollen ungdomsskole")
_UPPER_SECONDARY = ("Nesbru videregående skole", "Røyken videregående skole")
_REFUSED = {  # tried and refused: an actor the unit never agreed to
    "young": (Agency(AgencyKind.GP, "Fastlegen"), Topic.HEALTH),
    "family": (
        Agency(AgencyKind.CHILD_WELFARE, "Barneverntjenesten i Asker"),
        Topic.PARENTING,
    ),
}
_SHARING = frozenset({OutwardActionKind.CONTACT, OutwardActionKind.SHARE_INFORMATION})
"""What a team member's consent covers: talking with the agency and sharing with it."""

PHRASES: Final[Mapping[str, tuple[str, ...]]] = {
    # The first conversation with the investment leader, and the consents'
    # purposes: one for each actor that joins the team.
    "intake_decision": (
        "Vi setter sammen investeringsteamet, og {name} bestemmer hvem som er med",
        "Samarbeidsavtalen er gjennomgått og signert",
        "{name} og investeringslederen avtaler hvem som skal sitte i teamet",
    ),
    "intake_next": (
        "Investeringslederen kaller inn til det første investeringsmøtet",
        "Det første investeringsmøtet holdes innen tre uker",
    ),
    "nav_purpose": (
        "NAV er med i investeringsteamet og hjelper med arbeid og økonomi",
        "Samarbeid med NAV om arbeid, aktivitet og økonomi",
    ),
    "housing_purpose": (
        "Boligkontoret er med i investeringsteamet og hjelper med bolig",
        "Samarbeid med boligkontoret om et trygt og stabilt sted å bo",
    ),
    "school_purpose": (
        "Skolen er med i investeringsteamet og følger opp {child}",
        "Samarbeid med skolen om skolegangen til {child}",
    ),
    "follow_up_purpose": (
        "Oppfølgingstjenesten er med i investeringsteamet og hjelper med skole",
        "Hjelp fra oppfølgingstjenesten til å fullføre videregående",
    ),
    "volunteer_young_purpose": (
        "En frivillig mentor i investeringsteamet, for fritid og nettverk",
        "Samarbeid med en frivillig organisasjon om fritid og nettverk",
    ),
    "volunteer_family_purpose": (
        "Fritidsaktiviteter for barna sammen med en frivillig organisasjon",
        "Samarbeid med en frivillig organisasjon om fritid for barna",
    ),
    "allocation_purpose": (
        "Tildelingskontoret er med i investeringsteamet og hjelper {child}",
        "Samarbeid med tildelingskontoret om tjenestene {child} trenger",
    ),
    "own_say_purpose": (
        "{child} har fylt {age} år og samtykker nå selv",
        "{child} er {age} år og gir sitt eget samtykke",
    ),
    "employer_purpose": (
        "Arbeidsgiveren er med i investeringsteamet og gir arbeidstrening",
        "Samarbeid med en arbeidsgiver om arbeidstrening og jobb",
    ),
    # Each team member's role, as the investment leader writes it.
    "nav_role": ("veileder", "NAV-veileder"),
    "housing_role": ("boligkonsulent", "boligrådgiver"),
    "school_role": ("kontaktlærer", "sosiallærer", "rådgiver"),
    "follow_up_role": ("rådgiver i oppfølgingstjenesten", "OT-rådgiver"),
    "volunteer_young_role": ("frivillig mentor", "mentor"),
    "volunteer_family_role": ("aktivitetsleder", "frivillig familiekontakt"),
    "allocation_role": ("saksbehandler", "tjenestekoordinator"),
    "employer_role": ("daglig leder", "butikksjef", "verksmester", "kjøkkensjef"),
    "refused_role": ("saksbehandler", "lege"),
    # Goals, in the citizen's own words, and how they go.
    "work_goal": (
        "Jeg vil ha en jobb og min egen lønn",
        "Jeg vil komme meg i jobb",
        "Jeg vil ha en fast jobb",
    ),
    "home_goal": (
        "Jeg vil ha et sted å bo som er mitt eget",
        "Jeg vil slippe å flytte hele tiden",
    ),
    "family_home_goal": (
        "Vi vil ha en bolig med plass til alle",
        "Barna skal slippe å bytte skole igjen",
    ),
    "economy_goal": (
        "Vi vil ha orden på økonomien",
        "Vi vil klare oss uten sosialhjelp",
    ),
    "care_goal": (
        "Vi vil få hverdagen til å gå rundt",
        "Vi trenger avlastning for å orke hverdagen",
    ),
    # How a goal goes, at each year's review: by what the team has decided.
    "work_progress_start": (
        "Har fått en fast kontaktperson i NAV",
        "Har begynt å søke jobber sammen med veilederen",
    ),
    "work_progress_course": (
        "Er i gang med kvalifiseringsprogrammet",
        "Går på et arbeidsrettet kurs i kvalifiseringsprogrammet",
    ),
    "work_progress_school": (
        "Følger undervisningen på videregående",
        "Har bestått de første fagene på videregående",
    ),
    "work_progress_trial": (
        "Har vært i arbeidstrening og søker nå fast jobb",
        "Arbeidstreningen gikk bra, og arbeidsgiveren vil gi flere vakter",
    ),
    "home_progress_waiting": (
        "Har søkt om kommunal bolig og venter på svar",
        "Bor fortsatt midlertidig og venter på svar på søknaden",
    ),
    "home_progress_housed": (
        "Har fått kommunal bolig og trives der",
        "Har flyttet og har nå en fast adresse",
    ),
    "economy_progress_start": (
        "Har fått oversikt over regningene",
        "Regningene er sortert sammen med investeringslederen",
    ),
    "economy_progress_later": (
        "Budsjettet holder fra måned til måned",
        "Betaler regningene i tide hver måned",
    ),
    "care_progress_waiting": (
        "Venter på svar på søknaden om avlastning",
        "Søknaden om avlastning er sendt",
    ),
    "care_progress_started": (
        "Avlastningen har kommet i gang",
        "Foreldrene sover bedre etter at avlastningen kom i gang",
    ),
    # The surveys, and the yearly conversation with the investment leader.
    "baseline_note": (
        "Kartleggingen er gjort sammen med {name}",
        "Første kartlegging, gjort hjemme hos {name}",
    ),
    "annual_note": (
        "Årlig kartlegging etter {year} år",
        "Kartleggingen er gjentatt etter {year} år",
    ),
    "exit_note": (
        "Sluttkartlegging før avslutningen",
        "Kartlegging ved avslutningen, gjort sammen med {name}",
    ),
    "year_decision": (
        "År {year}: vi ser på hva investeringen har gitt så langt",
        "Årsmøte: målene for år {year} justeres",
    ),
    # What an investment meeting decides, and the law or rule it rests on.
    "activity_plan": (
        "Arbeidsevnevurdering og aktivitetsplan",
        "Aktivitetsplan med mål om arbeid",
    ),
    "qualification": (
        "Kvalifiseringsprogram i ett år",
        "Plass i kvalifiseringsprogrammet",
    ),
    "advice": (
        "Økonomisk rådgivning og en budsjettplan",
        "Gjeldsrådgivning og budsjett sammen med NAV",
    ),
    "living_support": (
        "Økonomisk stønad til livsopphold i tre måneder",
        "Stønad til husleie og strøm mens søknaden behandles",
    ),
    "leisure_support": (
        "Støtte til fritidsaktiviteter for barna",
        "Utstyr og kontingent til fritidsaktiviteter for barna",
    ),
    "work_trial": (
        "Arbeidstrening i tre måneder",
        "Arbeidstrening med oppfølging fra jobbspesialist",
    ),
    "education": (
        "Fullføre videregående som en del av aktivitetsplanen",
        "Ta opp fag på videregående med oppfølging",
    ),
    "rental": (
        "Kommunal utleiebolig med kontrakt på tre år",
        "Tildeling av kommunal utleiebolig",
    ),
    "larger_rental": (
        "Større kommunal utleiebolig til familien",
        "Bytte til en større kommunal bolig",
    ),
    "housing_allowance": (
        "Bostøtte fra neste måned",
        "Søknad om bostøtte med hjelp fra boligkontoret",
    ),
    "start_loan": (
        "Startlån til kjøp av egen bolig",
        "Startlån og tilskudd til egen bolig",
    ),
    "respite": (
        "Avlastning to helger i måneden",
        "Avlastning i bolig en helg i måneden",
    ),
    "support_contact": (
        "Støttekontakt en kveld i uka",
        "Støttekontakt til fritidsaktiviteter",
    ),
    "nav_14a": ("NAV-loven § 14 a",),
    "social_services_17": ("Lov om sosiale tjenester i NAV § 17",),
    "social_services_18": ("Lov om sosiale tjenester i NAV § 18",),
    "social_services_29": ("Lov om sosiale tjenester i NAV § 29",),
    "labour_market": ("Forskrift om arbeidsmarkedstiltak",),
    "allocation_rules": ("Kommunens tildelingsregler for kommunale boliger",),
    "housing_allowance_act": ("Lov om bustøtte",),
    "start_loan_rules": ("Husbankens startlån",),
    "health_and_care_3_2": ("Helse- og omsorgstjenesteloven § 3-2",),
    "health_and_care_3_6": ("Helse- og omsorgstjenesteloven § 3-6",),
    # What each actor puts in.
    "nav_hours": ("Oppfølging fra NAV-veileder", "Tett oppfølging fra veileder"),
    "qualification_benefit": ("Kvalifiseringsstønad i ett år",),
    "advice_hours": ("Økonomisk rådgivning",),
    "living_support_money": ("Økonomisk stønad i tre måneder",),
    "leisure_money": ("Støtte til fritidsaktiviteter",),
    "work_trial_place": ("Arbeidstreningsplass",),
    "job_specialist": ("Jobbspesialist",),
    "follow_up_hours": ("Oppfølging fra oppfølgingstjenesten",),
    "rental_home": ("Kommunal utleiebolig",),
    "allowance_money": ("Bostøtte i ett år",),
    "start_loan_home": ("Bolig kjøpt med startlån",),
    "respite_hours": ("Avlastning",),
    "support_contact_hours": ("Støttekontakt",),
    "mentor_hours": (
        "Frivillig mentor en kveld i uka",
        "Mentor fra en frivillig organisasjon",
    ),
    "leisure_places": ("Plass i en fritidsaktivitet", "Plass på sommerleir"),
    "school_hours": ("Ekstra oppfølging på skolen", "Leksehjelp på skolen"),
    "year_hours": ("Oppfølging i investeringsteamet, år {year}",),
    "aftercare_hours": ("Oppfølging etter avslutningen", "Ettervern i et halvår"),
    # The gains.
    "work_gain": (
        "Fast jobb i {percent} % stilling",
        "Fikk jobb etter arbeidstreningen, {percent} % stilling",
    ),
    "education_gain": (
        "Begynte på videregående igjen",
        "Fikk lærekontrakt",
    ),
    "rental_gain": (
        "Flyttet inn i kommunal utleiebolig",
        "Har fått en trygg og fast bolig",
    ),
    "start_loan_gain": ("Kjøpte egen bolig med startlån",),
    "care_gain": (
        "Mer overskudd i hverdagen etter at avlastningen kom i gang",
        "Sover bedre og orker mer",
    ),
    "fewer_benefits_gain": (
        "Trenger ikke lenger økonomisk sosialhjelp",
        "Klarer seg uten sosialhjelp",
    ),
    # Extension and the end.
    "extension_reason": (
        "{name} trenger lenger tid med investeringsteamet",
        "Gevinstene er ikke sikret ennå, og teamet fortsetter",
    ),
    "extension_decided_by": ("enhetsleder {lead}",),
    "moved_note": (
        "Har flyttet fra Asker, og oppfølgingen avsluttes",
        "Har flyttet til en annen kommune",
    ),
    "completed_note": (
        "{name} klarer seg nå uten investeringsteamet",
        "Investeringen er fulgt opp, og oppfølgingen avsluttes som avtalt",
    ),
}
"""The investment leader's own words in the Asker demo, in Bokmål: each text
the demo records (purposes, roles, goals, notes, decisions, authorities, what
is put in, gains, reasons) is one of these, its ``{fields}`` filled in with
names and numbers."""


@attrs.frozen
class _Choice:
    """What an investment meeting may decide, and what the actors put in for it."""

    what: str
    """The phrase key of the decision."""
    authority: str
    """The phrase key of the law or rule it rests on."""
    decider: str
    """The team seat that decides (one with authority to decide)."""
    carrier: str
    """The team seat that carries it out."""
    about: str
    """Whom it concerns: ``citizen`` (the young adult, or the first adult),
    ``household`` (everyone present, and the children), ``children`` or
    ``child`` (the child with a disability)."""
    invest: tuple[tuple[str, InvestmentKind, int, int, int, str], ...]
    """The seat, kind, lowest and highest amount, step and phrase key of each
    investment that follows the decision."""
    from_month: int = 0
    """The first month of follow-up it may be decided in."""


_M, _H, _P, _B = (
    InvestmentKind.MONEY,
    InvestmentKind.STAFF_HOURS,
    InvestmentKind.PLACE,
    InvestmentKind.HOUSING,
)
_CHOICES: Final[Mapping[str, _Choice]] = {
    c.what: c
    for c in (
        _Choice(
            "activity_plan",
            "nav_14a",
            "nav",
            "nav",
            "citizen",
            (("nav", _H, 20, 40, 5, "nav_hours"),),
        ),
        _Choice(
            "qualification",
            "social_services_29",
            "nav",
            "nav",
            "citizen",
            (("nav", _M, 140_000, 190_000, 5_000, "qualification_benefit"),),
        ),
        _Choice(
            "advice",
            "social_services_17",
            "nav",
            "nav",
            "citizen",
            (("nav", _H, 8, 20, 2, "advice_hours"),),
        ),
        _Choice(
            "living_support",
            "social_services_18",
            "nav",
            "nav",
            "citizen",
            (("nav", _M, 25_000, 45_000, 1_000, "living_support_money"),),
        ),
        _Choice(
            "leisure_support",
            "social_services_18",
            "nav",
            "nav",
            "children",
            (("nav", _M, 4_000, 12_000, 500, "leisure_money"),),
        ),
        _Choice(
            "work_trial",
            "labour_market",
            "nav",
            "employer",
            "citizen",
            (
                ("employer", _P, 1, 1, 1, "work_trial_place"),
                ("nav", _H, 30, 60, 5, "job_specialist"),
            ),
        ),
        _Choice(
            "education",
            "nav_14a",
            "nav",
            "follow_up",
            "citizen",
            (("follow_up", _H, 20, 40, 5, "follow_up_hours"),),
        ),
        _Choice(
            "rental",
            "allocation_rules",
            "housing",
            "housing",
            "citizen",
            (("housing", _B, 1, 1, 1, "rental_home"),),
        ),
        _Choice(
            "larger_rental",
            "allocation_rules",
            "housing",
            "housing",
            "household",
            (("housing", _B, 1, 1, 1, "rental_home"),),
        ),
        _Choice(
            "housing_allowance",
            "housing_allowance_act",
            "housing",
            "housing",
            "citizen",
            (("housing", _M, 18_000, 42_000, 1_000, "allowance_money"),),
        ),
        _Choice(
            "start_loan",
            "start_loan_rules",
            "housing",
            "housing",
            "household",
            (("housing", _B, 1, 1, 1, "start_loan_home"),),
            from_month=15,
        ),
        _Choice(
            "respite",
            "health_and_care_3_6",
            "allocation",
            "allocation",
            "child",
            (("allocation", _H, 300, 500, 10, "respite_hours"),),
        ),
        _Choice(
            "support_contact",
            "health_and_care_3_2",
            "allocation",
            "allocation",
            "child",
            (("allocation", _H, 80, 150, 10, "support_contact_hours"),),
        ),
    )
}
"""The decisions an investment meeting takes from, by their phrase key."""

_YOUNG_CHOICES = (
    "activity_plan",
    "qualification",
    "advice",
    "living_support",
    "work_trial",
    "education",
    "rental",
    "housing_allowance",
    "start_loan",
)
_FAMILY_CHOICES = (
    "activity_plan",
    "advice",
    "leisure_support",
    "work_trial",
    "larger_rental",
    "housing_allowance",
    "start_loan",
    "respite",
    "support_contact",
)


@attrs.frozen
class _Plan:
    """One unit's course, planned before the demo runs, and its investment leader."""

    kind: str
    """``young`` (a young adult on their own), ``family`` or ``disability``."""
    start: date
    until: date
    """The last day of follow-up, extended or not."""
    extended: bool
    moved: bool
    leader: tuple[str, str]


def _plans(run: DemoRun) -> list[_Plan]:
    """Each unit's kind, enrolment, end and investment leader, in order of enrolment."""
    programme = ASKER.programme
    leaders = max(len(_LEADERS), -(-run.families // CASELOAD))
    plans: list[_Plan] = []
    for index in range(run.families):
        if 14 * run.families <= ENROLMENT_DAYS:  # two weeks apart, on a weekday
            start = START + timedelta(weeks=2 * index, days=run.rng.randrange(5))
        else:
            start = workday(
                START + timedelta(days=index * ENROLMENT_DAYS // run.families)
            )
        kind = "young" if index % 2 == 0 else ("family", "disability")[index // 2 % 2]
        moved = run.years >= 2 and index % 10 == 7
        extended = run.years > 3 and not moved and index % 4 in (1, 2)
        if extended or run.years < 3:
            until = add_months(start, 12 * run.years) - timedelta(days=1)
        else:
            until = programme.planned_end(start)
        leader = coordinator(
            index % leaders, _LEADERS, _MORE_FIRST_NAMES, _MORE_SURNAMES
        )
        plans.append(_Plan(kind, start, until, extended, moved, leader))
    return plans


def _stories(run: DemoRun) -> list[Story]:
    plans = _plans(run)
    return [_unit(run, index, plan) for index, plan in enumerate(plans)]


def _staff(rng: random.Random) -> str:
    return f"{rng.choice(_STAFF_FIRST_NAMES)} {rng.choice(_STAFF_SURNAMES)}"


def _amount(rng: random.Random, low: int, high: int, step: int) -> int:
    return low + step * rng.randrange((high - low) // step + 1)


def _school(age: int, rng: random.Random) -> str:
    if age < 13:
        return rng.choice(_PRIMARY_SCHOOLS)
    if age < 16:
        return rng.choice(_LOWER_SECONDARY)
    return rng.choice(_UPPER_SECONDARY)


def _work_progress(taken: Collection[str]) -> str:
    """How the work goal goes, by the furthest step the team has decided."""
    for step, key in (
        ("work_trial", "work_progress_trial"),
        ("education", "work_progress_school"),
        ("qualification", "work_progress_course"),
    ):
        if step in taken:
            return key
    return "work_progress_start"


def _unit(run: DemoRun, index: int, plan: _Plan) -> Story:
    app, rng, ids = run.app, run.rng, run.ids
    ages = ASKER.programme.consent_ages
    start, until = plan.start, plan.until
    young = plan.kind == "young"
    yield (start, 0)
    say = Words(rng, PHRASES)
    surname = rng.choice(_SURNAMES)
    # EU60 for one adult, weighted for a household (1, 0.5 a further adult,
    # 0.3 a child), in kroner a year.
    single = 270_000 + 10_000 * rng.randrange(4)
    adult_count = 1 if young else 1 + (rng.random() < 0.5)
    child_count = 0 if young else 1 + rng.randrange(3)
    threshold = int(single * (1 + 0.5 * (adult_count - 1) + 0.3 * child_count))
    family = enrol(
        run,
        index,
        ASKER,
        say,
        plan.leader,
        start,
        family_id=next(ids),
        label=surname,
        referral=rng.choice(
            (
                ReferralSource.NAV,
                ReferralSource.FOLLOW_UP_SERVICE,
                ReferralSource.HEALTH_SERVICE,
            )
            if young
            else (
                ReferralSource.NAV,
                ReferralSource.SCHOOL,
                ReferralSource.HEALTH_STATION,
                ReferralSource.HEALTH_SERVICE,
            )
        ),
        eligibility=Eligibility(
            household_income=int(threshold * rng.uniform(0.3, 0.9)),
            eu60_threshold=threshold,
            years_in_low_income=rng.randrange(1, 4) if young else rng.randrange(3, 9),
        ),
    )
    family.economy.update(income=int(threshold * 0.6), eu60_threshold=threshold)
    fid, leader = family.fid, family.coordinator

    # The unit: a young adult of 18 to 25 on their own, or one or two parents
    # and one to three children, oldest first.
    if young:
        months = rng.randrange(18 * 12 + 1, 26 * 12)  # 18 to 25 on the start
        parents = [
            add_months(start.replace(day=1), -months).replace(day=rng.randrange(1, 29))
        ]
        kids: list[date] = []
        given_names = [rng.choice(_YOUNG_NAMES)]
    else:
        parents, kids = birth_dates(
            rng, start, adults=adult_count, children=child_count
        )
        given_names = rng.sample(_ADULT_NAMES, len(parents))
    members = family.members
    adults = family.add(MemberKind.ADULT, given_names, parents, start)
    children = family.add(
        MemberKind.CHILD, rng.sample(_CHILD_NAMES, len(kids)), kids, start
    )
    everyone = family.everyone
    citizen = adults[0]
    name = family.first_name(citizen)
    disabled = rng.choice(children) if plan.kind == "disability" else None

    # The team: the unit's consent for each actor, given by whoever decides
    # for each member on the day, and the actor joins.
    team: dict[str, TeamMemberId] = {}
    deciders: set[str] = set()
    # Per seat: its agency, topics and members, and who gave each consent for it.
    shared: dict[str, tuple[Agency, frozenset[Topic], list[MemberId]]] = {}
    grants: dict[str, list[tuple[frozenset[MemberId], frozenset[Topic], MemberId]]] = {}

    def consent(
        seat: str, topics: frozenset[Topic], covered: list[MemberId], purpose: str
    ) -> None:
        agency = shared[seat][0]
        by = givers(members, covered, topics, day, ages)
        app.grant_consent(
            fid,
            consent_id=next(ids),
            scope=ConsentScope(
                agency=agency,
                topics=topics,
                member_ids=frozenset(covered),
                actions=_SHARING,
            ),
            given_by=by,
            form=ConsentForm.WRITTEN,
            purpose=purpose,
            occurred_on=day,
            actor=leader,
        )
        grants.setdefault(seat, []).extend(
            (frozenset(by), topics, member) for member in covered
        )

    def join(
        seat: str,
        agency: Agency,
        topics: frozenset[Topic],
        covered: list[MemberId],
        *,
        may_decide: bool,
        purpose: str,
        role: str,
    ) -> None:
        shared[seat] = (agency, topics, covered)
        consent(seat, topics, covered, purpose)
        team[seat] = app.join_investment_team(
            fid,
            team_member_id=next(ids),
            agency=agency,
            person=_staff(rng),
            role=role,
            may_decide=may_decide,
            topics=topics,
            member_ids=covered,
            occurred_on=day,
            actor=leader,
        )
        if may_decide:
            deciders.add(seat)

    def own_say() -> None:
        """A child who now decides alone about a seat's topic gives their own consent.

        A team member sits in a meeting only while the consents cover what
        they joined to know: a guardian's consent stops covering a child on
        the birthday the child gains a say of their own (15 for school and
        leisure, 16 for health, 18 for the rest).
        """
        for seat, (_, topics, covered) in shared.items():
            for member_id in covered:
                missing = frozenset(
                    topic
                    for topic in topics
                    if not any(
                        entitled(members[member_id], topic, day, ages) & by
                        for by, consented, m in grants[seat]
                        if m == member_id and topic in consented
                    )
                )
                if missing:
                    child = members[member_id]
                    consent(
                        seat,
                        missing,
                        [member_id],
                        say(
                            "own_say_purpose",
                            child=child.name.split()[0],
                            age=age_on(child.birth_date, day),
                        ),
                    )

    # The first conversation with the investment leader: the cooperation
    # agreement, who sits in the team, and the citizen's goals.
    day = workday(start + timedelta(days=rng.randrange(2, 9)))
    yield (day, 0)
    family.meeting(day, "intake_decision", "intake_next", name=name)
    money = frozenset({Topic.WORK, Topic.ECONOMY})
    join(
        "nav",
        _NAV,
        money,
        everyone,
        may_decide=True,
        purpose=say("nav_purpose"),
        role=say("nav_role"),
    )
    join(
        "housing",
        _HOUSING,
        frozenset({Topic.HOUSING, Topic.ECONOMY}),
        everyone,
        may_decide=True,
        purpose=say("housing_purpose"),
        role=say("housing_role"),
    )
    if young and age_on(members[citizen].birth_date, day) <= 20 and rng.random() < 0.7:
        join(
            "follow_up",
            _FOLLOW_UP,
            frozenset({Topic.SCHOOL, Topic.WORK}),
            [citizen],
            may_decide=False,
            purpose=say("follow_up_purpose"),
            role=say("follow_up_role"),
        )
    pupils = [c for c in children if 6 <= age_on(members[c].birth_date, day) <= 18]
    if pupils:
        pupil = members[pupils[0]]
        join(
            "school",
            Agency(AgencyKind.SCHOOL, _school(age_on(pupil.birth_date, day), rng)),
            frozenset({Topic.SCHOOL}),
            [pupil.member_id],
            may_decide=False,
            purpose=say("school_purpose", child=pupil.name.split()[0]),
            role=say("school_role"),
        )
    if disabled is not None:
        join(
            "allocation",
            _ALLOCATION,
            frozenset({Topic.HEALTH}),
            [disabled],
            may_decide=True,
            purpose=say("allocation_purpose", child=members[disabled].name.split()[0]),
            role=say("allocation_role"),
        )
    if rng.random() < 0.7:
        kind = "young" if young else "family"
        join(
            "volunteer",
            rng.choice(_VOLUNTEERS),
            frozenset({Topic.LEISURE, Topic.WELL_BEING})
            if young
            else frozenset({Topic.LEISURE}),
            [citizen] if young else children,
            may_decide=False,
            purpose=say(f"volunteer_{kind}_purpose"),
            role=say(f"volunteer_{kind}_role"),
        )
    goals: dict[str, GoalId] = {}
    for key, area, member in (
        ("work_goal", Topic.WORK, citizen),
        (
            "home_goal" if young else "family_home_goal",
            Topic.HOUSING,
            citizen if young else None,
        ),
        *((("economy_goal", Topic.ECONOMY, None),) if not young else ()),
        *((("care_goal", Topic.HEALTH, None),) if disabled is not None else ()),
    ):
        goals[key.removeprefix("family_")] = family.goal(
            day, area, key, member_id=member, target_on=min(add_months(day, 24), until)
        )
    if index % 3 == 0:
        # An actor the unit never agreed to cannot join: refused, nothing stored.
        agency, topic = _REFUSED["young" if young else "family"]
        try:
            app.join_investment_team(
                fid,
                agency=agency,
                person=_staff(rng),
                role=say("refused_role"),
                may_decide=True,
                topics=[topic],
                member_ids=[citizen] if young else children,
                occurred_on=day,
                actor=leader,
            )
        except ConsentRequiredError as refused:
            run.report.refused.append(f"{surname}: {refused}")

    # What the unit has been through: the decisions taken, the gains recorded.
    taken: dict[str, date] = {}
    gains: set[str] = set()
    status: dict[MemberId, WorkStatus] = {}
    employer_from = (
        add_months(start, rng.randrange(3, 10))
        if (rng.random() < 0.85 if young else rng.random() < 0.4)
        else None
    )
    choices = _YOUNG_CHOICES if young else _FAMILY_CHOICES

    def present_members() -> list[MemberId]:
        here = [citizen, *(a for a in adults[1:] if rng.random() < 0.7)]
        if not young:  # older children take part now and then
            here += [
                c
                for c in children
                if age_on(members[c].birth_date, day) >= 15 and rng.random() < 0.5
            ]
        return here

    def concerned(choice: _Choice, here: list[MemberId]) -> frozenset[MemberId]:
        if choice.about == "citizen":
            return frozenset({citizen})
        if choice.about == "children":
            return frozenset(children)
        if choice.about == "child":
            assert disabled is not None
            return frozenset({disabled})
        return frozenset(a for a in adults if a in here) | frozenset(children)

    def open_choices(on: date) -> list[_Choice]:
        month = (on.year - start.year) * 12 + on.month - start.month
        found = []
        for key in choices:
            choice = _CHOICES[key]
            if key in taken or month < choice.from_month or key == "work_trial":
                continue
            if choice.decider not in team or choice.carrier not in team:
                continue
            if key == "start_loan" and "work" not in gains:
                continue  # a loan needs an income to pay it
            if key == "housing_allowance" and not (
                {"rental", "larger_rental"} & taken.keys()
            ):
                continue
            found.append(choice)
        return found

    def gain(
        kind: GainKind, key: str, member: MemberId, value: int | None, **fields: object
    ) -> None:
        app.record_gain(
            fid,
            gain_id=next(ids),
            member_id=member,
            kind=kind,
            note=say(key, **fields),
            yearly_value=value,
            occurred_on=day,
            actor=leader,
        )
        gains.add(key.removesuffix("_gain"))

    def maybe_gain() -> None:
        """Record one gain that came of what was decided, for some units."""
        if rng.random() < 0.45:
            return
        ripe = [k for k, on in taken.items() if (day - on).days >= 90]
        if "work_trial" in ripe and "work" not in gains:
            status[citizen] = WorkStatus.FULL_TIME
            percent = rng.choice((60, 80, 100))
            if percent < 100:
                status[citizen] = WorkStatus.PART_TIME
            gain(
                GainKind.WORK,
                "work_gain",
                citizen,
                _amount(rng, 150_000, 260_000, 10_000),
                percent=percent,
            )
            if "work_goal" in goals:
                app.achieve_goal(
                    fid, goals.pop("work_goal"), occurred_on=day, actor=leader
                )
        elif "work" in gains and "fewer_benefits" not in gains:
            gain(
                GainKind.FEWER_BENEFITS,
                "fewer_benefits_gain",
                citizen,
                _amount(rng, 40_000, 110_000, 5_000),
            )
        elif "education" in ripe and "education" not in gains:
            status[citizen] = WorkStatus.EDUCATION
            gain(GainKind.EDUCATION, "education_gain", citizen, None)
        elif {"rental", "larger_rental"} & set(ripe) and "rental" not in gains:
            gain(
                GainKind.STABLE_HOUSING,
                "rental_gain",
                citizen,
                _amount(rng, 50_000, 120_000, 5_000),
            )
            if "home_goal" in goals:
                app.achieve_goal(
                    fid, goals.pop("home_goal"), occurred_on=day, actor=leader
                )
        elif "start_loan" in ripe and "start_loan" not in gains:
            gain(
                GainKind.STABLE_HOUSING,
                "start_loan_gain",
                citizen,
                _amount(rng, 30_000, 80_000, 5_000),
            )
        elif "respite" in ripe and "care" not in gains:
            gain(GainKind.HEALTH, "care_gain", citizen, None)

    def invest(seat: str, kind: InvestmentKind, amount: int, what: str) -> None:
        app.commit_investment(
            fid,
            investment_id=next(ids),
            team_member_id=team[seat],
            kind=kind,
            amount=amount,
            what=what,
            occurred_on=day,
            actor=leader,
        )

    def meeting(*, first: bool = False, year: int = 0, closing: bool = False) -> None:
        """An investment meeting with the citizen present, then what is put in."""
        own_say()
        here = present_members()
        chosen: list[_Choice] = []
        if "employer" in team and "work_trial" not in taken:
            chosen.append(_CHOICES["work_trial"])
        available = open_choices(day)
        if first and "activity_plan" in [c.what for c in available]:
            chosen.append(_CHOICES["activity_plan"])
            available = [c for c in available if c.what != "activity_plan"]
        if not closing:
            wanted = rng.choice((0, 1, 1, 2)) if not first else 1 + (rng.random() < 0.5)
            rng.shuffle(available)
            chosen += available[: max(0, wanted - len(chosen))]
        seats = {c.decider for c in chosen} | {
            s for s in team if rng.random() < 0.6 or (first and s in deciders)
        }
        seats = seats or {"nav"}
        decisions = []
        for choice in chosen:
            due = workday(day + timedelta(days=rng.randrange(14, 46)))
            decisions.append(
                InvestmentDecision(
                    what=say(choice.what),
                    decided_by=team[choice.decider],
                    authority=say(choice.authority),
                    carried_out_by=team[choice.carrier],
                    due_on=max(day, min(due, workday_before(until))),
                    member_ids=concerned(choice, here),
                )
            )
            taken[choice.what] = day
        app.hold_investment_meeting(
            fid,
            meeting_id=next(ids),
            team_present=[team[s] for s in sorted(seats)],
            members_present=here,
            decisions=decisions,
            occurred_on=day,
            actor=leader,
        )
        for choice in chosen:
            for seat, kind, low, high, step, what in choice.invest:
                invest(seat, kind, _amount(rng, low, high, step), say(what))
            if choice.what == "activity_plan":
                family.sector_plan(
                    day, SectorPlanKind.NAV_ACTIVITY_PLAN, _NAV, "AP", citizen
                )
        if first:
            if "volunteer" in team:
                if young:
                    invest(
                        "volunteer", _H, _amount(rng, 40, 80, 5), say("mentor_hours")
                    )
                else:
                    invest("volunteer", _P, len(children), say("leisure_places"))
            if "school" in team:
                invest("school", _H, _amount(rng, 20, 40, 5), say("school_hours"))
        if year:
            # The year's review: each actor's hours for the year ahead.
            for seat in ("nav", "school", "follow_up", "volunteer"):
                if seat in team:
                    invest(
                        seat,
                        _H,
                        _amount(rng, 20, 60, 5),
                        say("year_hours", year=year + 1),
                    )
        if closing:
            invest("nav", _H, _amount(rng, 5, 15, 5), say("aftercare_hours"))
        if year or closing:
            maybe_gain()

    def unit_survey(
        kind: SurveyKind, year: int, note: str, /, **fields: object
    ) -> None:
        """A survey of the unit, its debt drawn, with its own housing and work."""

        def adjust(answers: dict[str, Any]) -> None:
            if young:  # one person in a room or two, or on a friend's sofa at first
                answers["housing"] = Housing(
                    persons_per_room=1.0 if year == 0 else 0.5,
                    standard=2 + min(year, 2),
                    moves_last_12_months=max(0, 3 - 2 * year),
                )
            answers["work"] = [
                WorkAnswer(a.member_id, status.get(a.member_id, a.status))
                for a in answers["work"]
            ]

        family.survey(
            day,
            kind,
            year,
            note,
            adjust=adjust,
            note_fields=fields,
            debt=rng.randrange(20, 200) * 1_000,
        )

    # The first investment meeting, and the baseline survey.
    day = workday(day + timedelta(days=rng.randrange(7, 22)))
    yield (day, 0)
    meeting(first=True)
    day = max(day, workday(start + timedelta(days=rng.randrange(21, 42))))
    yield (day, 0)
    unit_survey(SurveyKind.BASELINE, 0, "baseline_note", name=name)

    # Investment meetings every one to three months; the first in each new
    # year of follow-up is the year's review, with the survey.
    end = until + timedelta(days=1)
    closing_day = workday(end - timedelta(days=rng.randrange(42, 50)))
    moved_day = workday_before(end - timedelta(days=rng.randrange(60, 120)))
    last = moved_day if plan.moved else closing_day
    extend_on = workday(add_months(start, 33))
    reviewed = 0
    extended = False
    while True:
        next_day = workday(day + timedelta(days=rng.randrange(30, 92)))
        if plan.extended and not extended and next_day > extend_on:
            day = max(day, extend_on)
            yield (day, 0)
            family.extend(day, until, name=name)
            extended = True
        if next_day >= last - timedelta(days=14):
            break
        day = next_day
        yield (day, 0)
        if (
            employer_from is not None
            and "employer" not in team
            and day >= employer_from
        ):
            employer, role = rng.choice(_EMPLOYERS)
            join(
                "employer",
                employer,
                frozenset({Topic.WORK}),
                [citizen],
                may_decide=False,
                purpose=say("employer_purpose"),
                role=PHRASES["employer_role"][role],
            )
        year = 0
        while add_months(start, 12 * (year + 1)) <= day:
            year += 1
        review = year > reviewed
        if review:
            reviewed = year
            family.meeting(day, "year_decision", year=year + 1)
            unit_survey(SurveyKind.ANNUAL, year, "annual_note", year=year)
            housed = {"rental", "larger_rental", "start_loan"} & taken.keys()
            for key, progress in (
                ("work_goal", _work_progress(taken.keys())),
                ("home_goal", "home_progress_housed" if housed else "home_progress_waiting"),
                ("economy_goal", "economy_progress_later" if year > 1
                 else "economy_progress_start"),
                ("care_goal", "care_progress_started" if "respite" in taken
                 else "care_progress_waiting"),
            ):  # fmt: skip
                if key in goals:
                    family.progress(
                        day,
                        goals[key],
                        say(progress),
                        min(10, 3 + 2 * year + rng.randrange(2)),
                    )
        meeting(year=year if review else 0)
    if plan.extended and not extended:  # not reached by a meeting
        day = max(day, extend_on)
        yield (day, 0)
        family.extend(day, until, name=name)

    # The end: some move away; the others have a closing meeting and a last
    # survey, and the follow-up ends as planned (or as extended).
    if plan.moved:
        day = max(day, moved_day)
        yield (day, 0)
        family.end(day, EndReason.MOVED_AWAY, "moved_note")
        family.count()
        return
    day = max(day, closing_day)
    yield (day, 0)
    meeting(closing=True)
    day = max(day, workday(end - timedelta(days=rng.randrange(21, 29))))
    yield (day, 0)
    unit_survey(SurveyKind.EXIT, (day - start).days // 365, "exit_note", name=name)
    day = max(day, workday_before(until))
    yield (day, 0)
    family.end(day, EndReason.COMPLETED, "completed_note", name=name)
    family.count()


ASKER: Final = DemoProgramme(
    name="asker",
    programme=Programme.asker(),
    language=Language.NB,
    municipality=_MUNICIPALITY,
    lead=_LEAD,
    phrases=PHRASES,
    stories=_stories,
)
"""*Asker velferdslab* (municipality 3203), in Bokmål."""
