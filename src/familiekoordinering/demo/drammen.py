"""Drammen's *Kompetanseteam Levekår* (municipality 3301): inquiries, in Bokmål.

Two advisers take inquiries (*henvendelser*) about individual cases from
staff of other services and from families themselves. The demo receives
inquiries from 2021 over the demo's years: ``--families`` is the number of
inquiries in the first year (155 is a year like Drammen's), and every year
brings 5 to 15 % more than the year before. They come on working days
(weekdays that are not Norwegian public holidays), fewer in July and in
December, from the sources in a realistic mix: NAV, school, kindergarten,
health station, child welfare, the family itself and the rest.

Most are anonymous (*anonym drøfting*): advice to the asking professional,
sometimes mapping the family's situation with them, without names; some of
those are passed on to the service whose case it is, and some families say
no to help. In about a third, the family consents to be named (a parent
gives the consent, written or minuted): then the adviser visits the family
at home and connects a municipal or voluntary service (NAV Drammen, the
housing office, Frivilligsentralen Drammen, Kirkens Bymisjon Drammen, Drammen
Røde Kors, BUA Drammen), with notes in the adviser's own words
(:data:`PHRASES`). One inquiry in 25, and at least one each year, ends with
the family enrolled in a family coordination programme (the *Nye mønstre*
profile): the team lead enrols the family with its members and a
coordinator, the inquiry is linked to it and closed, and the family's first
meeting (a cooperation agreement, a consent for NAV, a goal) and its plan
meeting with NAV and the baseline survey follow.

Every inquiry is closed with an outcome at most 28 days after it came, so
none is ever flagged (the flag comes after 30 days); nobody is turned away
and none is left open, also at the demo's end. Nothing identifying is
recorded for an inquiry before the family's consent to be named.
"""

from __future__ import annotations

import bisect
import enum
import itertools
import random
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Final, TypeVar

import attrs

from familiekoordinering.demo._common import (
    DemoProgramme,
    DemoRun,
    Story,
    Words,
    birth_dates,
)
from familiekoordinering.demo._story import Household, coordinators, enrol
from familiekoordinering.domain.consent import ConsentForm
from familiekoordinering.domain.inquiry import (
    InquiryOutcome,
    InquirySource,
    InquiryWork,
)
from familiekoordinering.domain.programme import (
    Eligibility,
    Programme,
    ReferralSource,
)
from familiekoordinering.domain.survey import SurveyKind
from familiekoordinering.domain.values import (
    Actor,
    Agency,
    AgencyKind,
    MemberKind,
    Municipality,
    Role,
    Topic,
)
from familiekoordinering.timeline.i18n import Language

__all__ = [
    "DRAMMEN",
    "FIRST_YEAR",
    "LONGEST_DAYS",
    "PHRASES",
    "holidays",
    "yearly_counts",
]

FIRST_YEAR: Final = 2021
"""The year of the demo's first inquiries."""
LONGEST_DAYS: Final = 28
"""Every inquiry is closed at most this many days after it came (flagged after 30):
its steps take at most 13 working days, under 20 days with the weekends, and
no three weeks hold more than four public holidays."""
ENROLLED_ONE_IN: Final = 25
"""One inquiry in this many ends with the family enrolled (at least one a year)."""
_GROWTH = (0.05, 0.15)
"""Each year's inquiries grow by this share of the year before, drawn."""
_FAMILY_CASELOAD = 15
"""Enrolled families per family coordinator: a large demo has more coordinators."""

_T = TypeVar("_T")
_MUNICIPALITY = Municipality("3301")
_LEAD = ("g-kvale", "Guro Kvale")
"""The unit's leader (user id, name): enrols the families the inquiries lead to."""
_ADVISERS = (("i-aasen", "Ingrid Aasen"), ("t-rahimi", "Tarik Rahimi"))
"""The competence team's two advisers (user id, name)."""
_COORDINATORS = [("l-moe", "Line Moe"), ("a-karimi", "Arash Karimi")]
"""The family coordinators who follow the enrolled families (more in a large demo)."""
_MORE_FIRST_NAMES = [
    "Hanne", "Jon", "Leila", "Sindre", "Tone", "Aksel", "Randi", "Omar", "Siri", "Petter",
]  # fmt: skip
_MORE_SURNAMES = [
    "Bakke", "Moen", "Strand", "Eide", "Solberg", "Vik", "Holm", "Lie", "Sand", "Dahl",
]  # fmt: skip

_NAV = Agency(AgencyKind.NAV, "NAV Drammen")
_HOUSING_OFFICE = Agency(AgencyKind.HOUSING_OFFICE, "Drammen kommune, Boligkontoret")
_VOLUNTEER_CENTRE = Agency(AgencyKind.VOLUNTEER, "Frivilligsentralen Drammen")
_CITY_MISSION = Agency(AgencyKind.VOLUNTEER, "Kirkens Bymisjon Drammen")
_RED_CROSS = Agency(AgencyKind.VOLUNTEER, "Drammen Røde Kors")
_BUA = Agency(AgencyKind.LEISURE, "BUA Drammen")
_SCHOOLS = (
    "Fjell skole", "Brandengen skole", "Åssiden skole", "Gulskogen skole",
    "Marienlyst skole", "Danvik skole", "Vårveien skole", "Galterud skole",
)  # fmt: skip
_KINDERGARTENS = (
    "Fjell barnehage", "Åssiden barnehage", "Gulskogen barnehage", "Danvik barnehage",
)  # fmt: skip
_HEALTH_STATIONS = (
    "Helsestasjonen Bragernes", "Helsestasjonen Strømsø", "Helsestasjonen Fjell",
)  # fmt: skip

# Who asks, in Drammen's mix (weights), and what a professional of each asks
# about first; the family's low income often makes it about the economy too.
_SOURCES: Final[Mapping[InquirySource, tuple[int, tuple[Topic, ...]]]] = {
    InquirySource.NAV: (24, (Topic.ECONOMY, Topic.WORK, Topic.HOUSING)),
    InquirySource.SCHOOL: (20, (Topic.SCHOOL, Topic.LEISURE, Topic.WELL_BEING)),
    InquirySource.KINDERGARTEN: (10, (Topic.WELL_BEING, Topic.ECONOMY, Topic.PARENTING)),
    InquirySource.HEALTH_STATION: (10, (Topic.HEALTH, Topic.WELL_BEING, Topic.PARENTING)),
    InquirySource.CHILD_WELFARE: (9, (Topic.PARENTING, Topic.HOUSING, Topic.ECONOMY)),
    InquirySource.FAMILY: (9, (Topic.ECONOMY, Topic.HOUSING, Topic.LEISURE)),
    InquirySource.HEALTH_SERVICE: (4, (Topic.HEALTH, Topic.WELL_BEING, Topic.WORK)),
    InquirySource.HOUSING_OFFICE: (4, (Topic.HOUSING, Topic.ECONOMY)),
    InquirySource.FOLLOW_UP_SERVICE: (3, (Topic.SCHOOL, Topic.WORK)),
    InquirySource.VOLUNTEER: (3, (Topic.ECONOMY, Topic.LEISURE)),
    InquirySource.GP: (2, (Topic.HEALTH, Topic.ECONOMY)),
    InquirySource.OTHER: (2, (Topic.WORK, Topic.ECONOMY, Topic.OTHER)),
}  # fmt: skip
_REFERRAL: Final[Mapping[InquirySource, ReferralSource]] = {
    InquirySource.NAV: ReferralSource.NAV,
    InquirySource.SCHOOL: ReferralSource.SCHOOL,
    InquirySource.KINDERGARTEN: ReferralSource.KINDERGARTEN,
    InquirySource.HEALTH_STATION: ReferralSource.HEALTH_STATION,
    InquirySource.CHILD_WELFARE: ReferralSource.CHILD_WELFARE,
    InquirySource.HEALTH_SERVICE: ReferralSource.HEALTH_SERVICE,
    InquirySource.FOLLOW_UP_SERVICE: ReferralSource.FOLLOW_UP_SERVICE,
}
"""How the family came, for its enrolment (OTHER for the rest)."""
# The months' weights: fewer inquiries in the summer holidays and in December.
_MONTHS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.25, 0.8, 1.0, 1.0, 1.0, 0.7)

# Names of the parents who consent, and of the enrolled families' members:
# (weight, adults' first names, children's first names, surnames).
_NAMES: Final = (
    (
        50,
        ("Kari", "Ingrid", "Marte", "Silje", "Camilla", "Anette", "Ola", "Jonas",
         "Thomas", "Kristian"),
        ("Emma", "Nora", "Sofie", "Ella", "Maja", "Jakob", "Filip", "Lucas", "Oskar",
         "Emil"),
        ("Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen",
         "Kristiansen", "Berg", "Haugen", "Halvorsen", "Eriksen"),
    ),
    (
        10,
        ("Sana", "Nadia", "Samina", "Imran", "Asif", "Bilal"),
        ("Aisha", "Zara", "Inaya", "Hamza", "Ayan", "Rayan"),
        ("Khan", "Hussain", "Iqbal", "Butt", "Ahmed"),
    ),
    (
        10,
        ("Hodan", "Fadumo", "Sahra", "Abdi", "Mohamed", "Ahmed"),
        ("Yasmin", "Hamdi", "Naima", "Abdirahman", "Ismail", "Ayub"),
        ("Warsame", "Ali", "Hassan", "Farah", "Jama"),
    ),
    (
        10,
        ("Fatma", "Elif", "Selin", "Emre", "Mehmet", "Murat"),
        ("Zeynep", "Defne", "Eda", "Yusuf", "Kerem", "Emir"),
        ("Yilmaz", "Kaya", "Demir", "Aydin"),
    ),
    (
        10,
        ("Agnieszka", "Katarzyna", "Magdalena", "Tomasz", "Piotr", "Marcin"),
        ("Zuzanna", "Julia", "Lena", "Jakub", "Szymon", "Antoni"),
        ("Nowak", "Wójcik", "Kaczmarek", "Mazur", "Krawczyk"),
    ),
    (
        10,
        ("Rasha", "Hiba", "Lina", "Ahmad", "Khaled", "Omar"),
        ("Sham", "Mira", "Lana", "Adam", "Karim", "Yamen"),
        ("Haddad", "Khalil", "Alhamad", "Alali"),
    ),
)  # fmt: skip

PHRASES: Final[Mapping[str, tuple[str, ...]]] = {
    # The home visit, by what the inquiry is mainly about ({adult}: the parent).
    "visit_economy": (
        "Gikk gjennom regninger og inntekter sammen med {adult}; familien har ikke "
        "søkt bostøtte",
        "{adult} har flere små lån og ønsker hjelp til å få oversikt over økonomien",
        "Familien har lite igjen når husleien er betalt, og {adult} ber om hjelp "
        "med et budsjett",
    ),
    "visit_housing": (
        "Familien bor trangt i en toromsleilighet og ønsker hjelp til å søke "
        "kommunal bolig",
        "Husleien er høy, og {adult} er redd for å miste leiligheten",
    ),
    "visit_work": (
        "{adult} vil gjerne ut i arbeid og ønsker hjelp i kontakten med NAV",
        "{adult} har utdanning fra hjemlandet og trenger hjelp til å få den godkjent",
    ),
    "visit_school": (
        "Den eldste strever med leksene, og {adult} ønsker leksehjelp",
        "{adult} forteller at barnet ofte er borte fra skolen, og vil ha hjelp til "
        "å følge opp",
    ),
    "visit_leisure": (
        "Barna går ikke på noen fritidsaktiviteter fordi det koster for mye",
        "{adult} vil at barna skal begynne på fotball, men har ikke råd til utstyret",
    ),
    "visit_health": (
        "{adult} har vært mye syk den siste tiden og trenger hjelp til å holde "
        "oversikt over legetimene",
        "Familien trenger hjelp til å finne fram i helsetjenestene",
    ),
    "visit_well_being": (
        "Familien har lite nettverk i Drammen, og {adult} kjenner seg ofte alene",
        "{adult} er sliten og ønsker noen å snakke med om hverdagen",
    ),
    "visit_parenting": (
        "{adult} ønsker råd om faste rutiner og grensesetting hjemme",
        "{adult} ber om støtte i foreldrerollen etter samlivsbruddet",
    ),
    "visit_other": (
        "Familien trenger hjelp med skjemaer og brev fra det offentlige",
        "{adult} ønsker hjelp til å forstå brev fra kommunen og NAV",
    ),
    # The service connected, by the service.
    "service_nav": (
        "Avtalte time hos økonomisk rådgiver i NAV Drammen sammen med {adult}",
        "Fulgte {adult} til NAV Drammen for å snakke med en veileder",
    ),
    "service_housing_office": (
        "Hjalp {adult} med å søke om kommunal bolig og bostøtte",
        "Søknaden om bostøtte er sendt sammen med {adult}",
    ),
    "service_volunteer_centre": (
        "Familien har fått kontakt med Frivilligsentralen Drammen",
        "Frivilligsentralen har invitert familien til familietreff og turer",
    ),
    "service_city_mission": (
        "Familien får hjelp med mat og klær gjennom Kirkens Bymisjon",
        "Kirkens Bymisjon tar kontakt med {adult} om familietilbudet sitt",
    ),
    "service_red_cross": (
        "Barna har fått plass på leksehjelpen til Røde Kors",
        "Røde Kors tar imot barna på leksehjelp to dager i uka",
    ),
    "service_bua": (
        "Barna kan låne sportsutstyr gratis hos BUA",
        "Familien har lånt ski og sykler hos BUA",
    ),
    # The enrolled family's first meetings, in the coordinator's words.
    "plan_decision": (
        "Vi lager samarbeidsavtale og familieplan sammen",
        "Samarbeidsavtalen er gjennomgått og signert",
    ),
    "handover_decision": (
        "Kompetanseteamet overlater oppfølgingen til familiekoordinator",
        "Rådgiveren fra kompetanseteamet er med på første møte og overlater saken",
    ),
    "nav_purpose": (
        "Hjelp til å få orden på økonomi, arbeid og bolig",
        "Samarbeid med NAV om arbeid og økonomi",
    ),
    "economy_goal": (
        "Vi vil ha oversikt over regningene",
        "Vi vil klare oss uten forbrukslån",
        "Vi vil ha penger nok til hele måneden",
    ),
    "nav_participant": ("veileder i NAV Drammen",),
    "plan_meeting_decision": (
        "Familieplanen er klar, og alle vet hvem som gjør hva",
        "Vi følger opp planen sammen med NAV",
    ),
    "baseline_note": (
        "Kartleggingen er gjort hjemme hos familien",
        "Første kartlegging: boligen er for liten, og økonomien er stram",
    ),
}
"""The advisers' and coordinators' own words in the Drammen demo, in Bokmål:
each note the demo records is one of these, ``{adult}`` filled in with the
parent's first name."""

# The services a family may be connected to, by what the inquiry is mainly
# about, and the phrase key of each.
_SERVICES: Final[Mapping[Topic, tuple[Agency, ...]]] = {
    Topic.ECONOMY: (_NAV, _CITY_MISSION, _HOUSING_OFFICE),
    Topic.HOUSING: (_HOUSING_OFFICE,),
    Topic.WORK: (_NAV,),
    Topic.SCHOOL: (_RED_CROSS, _VOLUNTEER_CENTRE),
    Topic.LEISURE: (_BUA, _VOLUNTEER_CENTRE),
    Topic.HEALTH: (_VOLUNTEER_CENTRE, _NAV),
    Topic.WELL_BEING: (_VOLUNTEER_CENTRE, _CITY_MISSION),
    Topic.PARENTING: (_VOLUNTEER_CENTRE, _CITY_MISSION),
    Topic.OTHER: (_NAV, _VOLUNTEER_CENTRE),
}
_SERVICE_WORDS: Final[Mapping[Agency, str]] = {
    _NAV: "service_nav",
    _HOUSING_OFFICE: "service_housing_office",
    _VOLUNTEER_CENTRE: "service_volunteer_centre",
    _CITY_MISSION: "service_city_mission",
    _RED_CROSS: "service_red_cross",
    _BUA: "service_bua",
}


class _Path(enum.Enum):
    """How an inquiry goes: anonymous, or with the family named."""

    ADVICE = "advice"
    MAPPING = "mapping"
    REFERRED = "referred"
    DECLINED = "declined"
    HOME_VISIT = "home_visit"
    SERVICE = "service"
    ENROLLED = "enrolled"


# Weights of the paths, for an inquiry from a professional and from the family.
_PROFESSIONAL_PATHS = {
    _Path.ADVICE: 40, _Path.MAPPING: 10, _Path.REFERRED: 7, _Path.DECLINED: 5,
    _Path.HOME_VISIT: 10, _Path.SERVICE: 28,
}  # fmt: skip
_FAMILY_PATHS = {_Path.ADVICE: 25, _Path.HOME_VISIT: 20, _Path.SERVICE: 55}
_IDENTIFIED_PATHS: Final = frozenset({_Path.HOME_VISIT, _Path.SERVICE, _Path.ENROLLED})


@attrs.frozen
class _Plan:
    """One inquiry, planned before the demo runs."""

    received: date
    source: InquirySource
    service: Agency | None
    topics: frozenset[Topic]
    main: Topic
    """What it is mainly about (the words of a home visit, the service)."""
    path: _Path
    adviser: tuple[str, str]


def _easter(year: int) -> date:
    """Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def holidays(year: int) -> frozenset[date]:
    """Norway's public holidays (*helligdager*) that can fall on a weekday."""
    easter = _easter(year)
    return frozenset(
        {date(year, 1, 1), date(year, 5, 1), date(year, 5, 17)}
        | {date(year, 12, 25), date(year, 12, 26)}
        | {easter + timedelta(days=n) for n in (-3, -2, 1, 39, 50)}
    )


class _Calendar:
    """The team's working days: weekdays that are not public holidays."""

    def __init__(self, first_year: int, last_year: int) -> None:
        closed = frozenset().union(
            *(holidays(y) for y in range(first_year, last_year + 1))
        )
        day, last = date(first_year, 1, 1), date(last_year, 12, 31)
        self.days: list[date] = []
        while day <= last:
            if day.weekday() < 5 and day not in closed:
                self.days.append(day)
            day += timedelta(days=1)

    def after(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (``day`` itself, if open, for 0)."""
        return self.days[bisect.bisect_left(self.days, day) + n]

    def year(self, year: int) -> list[date]:
        """The working days of ``year``."""
        low = bisect.bisect_left(self.days, date(year, 1, 1))
        return self.days[low : bisect.bisect_left(self.days, date(year + 1, 1, 1))]


def _pick(rng: random.Random, weights: Mapping[_T, int]) -> _T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def yearly_counts(rng: random.Random, first: int, years: int) -> list[int]:
    """The inquiries of each year: ``first``, then 5 to 15 % more each year (at least 1)."""
    counts = [first]
    for _ in range(years - 1):
        counts.append(counts[-1] + max(1, round(counts[-1] * rng.uniform(*_GROWTH))))
    return counts


def _asking_service(rng: random.Random, source: InquirySource) -> Agency | None:
    """The asking professional's service (none when the family asks itself)."""
    match source:
        case InquirySource.FAMILY:
            return None
        case InquirySource.NAV:
            return _NAV
        case InquirySource.SCHOOL:
            return Agency(AgencyKind.SCHOOL, rng.choice(_SCHOOLS))
        case InquirySource.KINDERGARTEN:
            return Agency(AgencyKind.KINDERGARTEN, rng.choice(_KINDERGARTENS))
        case InquirySource.HEALTH_STATION:
            return Agency(AgencyKind.HEALTH_STATION, rng.choice(_HEALTH_STATIONS))
        case InquirySource.CHILD_WELFARE:
            return Agency(AgencyKind.CHILD_WELFARE, "Barneverntjenesten i Drammen")
        case InquirySource.HEALTH_SERVICE:
            return Agency(
                AgencyKind.HEALTH_SERVICE, "Drammen kommune, Psykisk helse og rus"
            )
        case InquirySource.HOUSING_OFFICE:
            return _HOUSING_OFFICE
        case InquirySource.VOLUNTEER:
            return rng.choice((_VOLUNTEER_CENTRE, _CITY_MISSION, _RED_CROSS))
        case InquirySource.OTHER:
            return Agency(AgencyKind.OTHER, "Drammen kommune, Flyktningtjenesten")
        case _:  # a GP, the follow-up service: the kind, no unit
            return Agency(AgencyKind(source.value))


def _plans(run: DemoRun, calendar: _Calendar) -> list[_Plan]:
    """Every inquiry of the demo, in the order received, and how each goes.

    One in :data:`ENROLLED_ONE_IN` of each year's, and at least one, ends
    with an enrolment: chosen among those received by October, so that the
    family's first meetings follow in the same year.
    """
    rng = run.rng
    sources = {source: weight for source, (weight, _) in _SOURCES.items()}
    plans: list[_Plan] = []
    counts = yearly_counts(rng, run.families, run.years)
    run.report.inquiries = {FIRST_YEAR + n: count for n, count in enumerate(counts)}
    for year, count in run.report.inquiries.items():
        open_days = calendar.year(year)
        weights = [_MONTHS[day.month - 1] for day in open_days]
        days = sorted(rng.choices(open_days, weights=weights, k=count))
        first = len(plans)
        for day in days:
            source = _pick(rng, sources)
            main = rng.choice(_SOURCES[source][1])
            topics = {main}
            if rng.random() < 0.55:
                topics.add(Topic.ECONOMY)  # persistent low income
            if rng.random() < 0.25:
                topics.add(rng.choice([t for t in Topic if t is not Topic.OTHER]))
            paths = (
                _FAMILY_PATHS if source is InquirySource.FAMILY else _PROFESSIONAL_PATHS
            )
            plans.append(
                _Plan(
                    received=day,
                    source=source,
                    service=_asking_service(rng, source),
                    topics=frozenset(topics),
                    main=main,
                    path=_pick(rng, paths),
                    adviser=rng.choice(_ADVISERS),
                )
            )
        this_year = range(first, len(plans))
        early = [i for i in this_year if plans[i].received.month <= 10] or list(
            this_year
        )
        enrolled = max(1, round(count / ENROLLED_ONE_IN))
        for i in rng.sample(early, min(enrolled, len(early))):
            plans[i] = attrs.evolve(plans[i], path=_Path.ENROLLED)
    return plans


def _stories(run: DemoRun) -> list[Story]:
    calendar = _Calendar(FIRST_YEAR, FIRST_YEAR + run.years)
    plans = _plans(run, calendar)
    enrolled = sum(plan.path is _Path.ENROLLED for plan in plans)
    in_turn = itertools.cycle(
        coordinators(
            enrolled, _COORDINATORS, _FAMILY_CASELOAD, _MORE_FIRST_NAMES, _MORE_SURNAMES
        )
    )
    return [
        _inquiry(
            run,
            index,
            plan,
            calendar,
            next(in_turn) if plan.path is _Path.ENROLLED else None,
        )
        for index, plan in enumerate(plans)
    ]


def _family_names(
    rng: random.Random,
) -> tuple[Sequence[str], Sequence[str], str]:
    """A family's first names to draw from (adults', children's) and its surname."""
    weights = [group[0] for group in _NAMES]
    _, adults, children, surnames = rng.choices(_NAMES, weights=weights)[0]
    return adults, children, rng.choice(surnames)


def _inquiry(
    run: DemoRun,
    index: int,
    plan: _Plan,
    calendar: _Calendar,
    coordinator: tuple[str, str] | None,
) -> Story:
    app, rng, ids = run.app, run.rng, run.ids
    adviser = Actor(plan.adviser[0], Role.COORDINATOR, _MUNICIPALITY)
    say = Words(rng, PHRASES)
    family_asked = plan.source is InquirySource.FAMILY
    day = plan.received
    yield (day, 0)
    inquiry = app.receive_inquiry(
        inquiry_id=next(ids),
        municipality=_MUNICIPALITY,
        source=plan.source,
        service=plan.service,
        topics=plan.topics,
        received_on=day,
        actor=adviser,
    )
    run.report.inquiry_ids.append(inquiry)
    run.report.events += 1

    def work(
        kind: InquiryWork, *, service: Agency | None = None, note: str | None = None
    ) -> None:
        app.record_inquiry_work(
            inquiry,
            work_id=next(ids),
            kind=kind,
            service=service,
            note=note,
            occurred_on=day,
            actor=adviser,
        )
        run.report.events += 1

    def close(outcome: InquiryOutcome) -> None:
        app.close_inquiry(inquiry, outcome=outcome, occurred_on=day, actor=adviser)
        run.report.events += 1

    # Anonymous first: advice to whoever asked, the same day or soon after,
    # unless the family asked and agreed to be named at once.
    identified_now = family_asked and plan.path in _IDENTIFIED_PATHS
    if not identified_now:
        day = calendar.after(day, rng.choice((0, 0, 0, 1, 2)))
        yield (day, 0)
        work(InquiryWork.ADVICE)
    if plan.path is _Path.ADVICE:
        close(InquiryOutcome.ADVICE_GIVEN)
        return
    if plan.path is _Path.DECLINED:
        day = calendar.after(day, rng.randrange(2, 7))
        yield (day, 0)
        close(InquiryOutcome.FAMILY_DECLINED)
        return
    if plan.path in (_Path.MAPPING, _Path.REFERRED):
        # Mapping the family's situation with the professional, without names.
        day = calendar.after(day, rng.randrange(2, 7))
        yield (day, 0)
        work(InquiryWork.MAPPING)
        day = calendar.after(day, rng.randrange(0, 3))
        yield (day, 0)
        close(
            InquiryOutcome.REFERRED
            if plan.path is _Path.REFERRED
            else InquiryOutcome.ADVICE_GIVEN
        )
        return

    # The family agrees to be named: a parent consents, in writing or minuted.
    adult_names, child_names, surname = _family_names(rng)
    parent = rng.choice(adult_names)
    if not identified_now:
        day = calendar.after(day, rng.randrange(1, 4))
        yield (day, 0)
    app.identify_inquiry(
        inquiry,
        given_by=f"{parent} {surname}",
        form=ConsentForm.WRITTEN if rng.random() < 0.4 else ConsentForm.MINUTED_ORAL,
        occurred_on=day,
        actor=adviser,
    )
    run.report.events += 1
    visit = plan.path is not _Path.SERVICE or rng.random() < 0.7
    if visit:
        day = calendar.after(day, rng.randrange(1, 4))
        yield (day, 0)
        work(
            InquiryWork.HOME_VISIT,
            note=say(f"visit_{plan.main.value}", adult=parent),
        )
        if plan.path is _Path.ENROLLED or rng.random() < 0.5:
            work(InquiryWork.MAPPING)  # mapped with the family, at home
    if plan.path is _Path.HOME_VISIT:
        day = calendar.after(day, rng.randrange(0, 3))
        yield (day, 0)
        close(InquiryOutcome.NO_FURTHER_NEED)
        return
    if plan.path is _Path.SERVICE:
        service = rng.choice(_SERVICES[plan.main])
        day = calendar.after(day, rng.randrange(1, 5))
        yield (day, 0)
        work(
            InquiryWork.SERVICE_CONNECTED,
            service=service,
            note=say(_SERVICE_WORDS[service], adult=parent),
        )
        close(InquiryOutcome.SERVICE_CONNECTED)
        return

    # Enrolled: the unit's leader enrols the family with its members and a
    # coordinator; the inquiry is linked to it and closed; the family's first
    # meetings follow.
    assert coordinator is not None
    day = calendar.after(day, rng.randrange(2, 6))
    yield (day, 0)
    family = _enrol(run, index, day, coordinator, plan.source, parent, surname,
                    adult_names, child_names)  # fmt: skip
    app.link_inquiry(inquiry, family_id=family.fid, occurred_on=day,
                     actor=adviser)  # fmt: skip
    run.report.events += 1
    close(InquiryOutcome.ENROLLED)
    yield from _first_meetings(family, day, calendar, dict(_ADVISERS)[adviser.user_id])


def _enrol(
    run: DemoRun,
    index: int,
    day: date,
    coordinator: tuple[str, str],
    source: InquirySource,
    parent: str,
    surname: str,
    adult_names: Sequence[str],
    child_names: Sequence[str],
) -> Household:
    """Enrol the family (the parent who consented first), assign its coordinator."""
    rng, ids = run.rng, run.ids
    threshold = 380_000 + 40_000 * rng.randrange(3)  # kroner a year
    eligibility = Eligibility(
        household_income=int(threshold * rng.uniform(0.45, 0.95)),
        eu60_threshold=threshold,
        years_in_low_income=rng.randrange(3, 9),
    )
    family = enrol(
        run,
        index,
        DRAMMEN,
        Words(rng, PHRASES),
        coordinator,
        day,
        family_id=next(ids),
        label=surname,
        referral=_REFERRAL.get(source, ReferralSource.OTHER),
        eligibility=eligibility,
    )
    family.economy.update(
        income=eligibility.household_income,
        eu60_threshold=eligibility.eu60_threshold,
    )
    parents, kids = birth_dates(
        rng, day, adults=1 + (rng.random() < 0.5), children=1 + rng.randrange(3)
    )
    others = [name for name in adult_names if name != parent]
    # The other parent's name is drawn as they are added.
    given = (parent if n == 0 else rng.choice(others) for n in range(len(parents)))
    family.add(MemberKind.ADULT, given, parents, day)
    family.add(MemberKind.CHILD, rng.sample(child_names, len(kids)), kids, day)
    return family


def _first_meetings(
    family: Household, day: date, calendar: _Calendar, adviser: str
) -> Story:
    """The enrolled family's start meeting, with the adviser, then its plan meeting.

    At the start meeting the adviser hands the case over; the family makes
    its cooperation agreement (a consent for NAV, not about the parenting
    role) and sets a goal. At the plan meeting NAV is present, and the
    baseline survey is done.
    """
    rng = family.run.rng
    day = calendar.after(day, rng.randrange(3, 7))
    yield (day, 0)
    family.meeting(day, "handover_decision", "plan_decision", others=[adviser])
    family.consent(
        day,
        Agency(AgencyKind.NAV),
        frozenset({Topic.ECONOMY, Topic.WORK, Topic.HOUSING}),
        family.everyone,
        "nav_purpose",
        form=ConsentForm.WRITTEN,
        excluded=frozenset({Topic.PARENTING}),
    )
    family.goal(day, Topic.ECONOMY, "economy_goal")

    day = calendar.after(day, rng.randrange(8, 16))
    yield (day, 0)
    family.meeting(
        day, "plan_meeting_decision", participant="nav_participant", agency=_NAV
    )
    family.survey(day, SurveyKind.BASELINE, 0, "baseline_note")
    family.count()


DRAMMEN: Final = DemoProgramme(
    name="drammen",
    programme=Programme.nye_monstre(),
    language=Language.NB,
    municipality=_MUNICIPALITY,
    lead=_LEAD,
    phrases=PHRASES,
    stories=_stories,
)
"""Drammen's *Kompetanseteam Levekår* (municipality 3301), in Bokmål: inquiries,
a few of them leading to an enrolment (the *Nye mønstre* profile)."""
