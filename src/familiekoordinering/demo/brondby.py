"""*Familiekoordinator Brøndby* (Denmark): one year of follow-up, 20–25 families each.

Families are enrolled from 2022 over the demo's years (three weeks apart, or
closer so that all are enrolled within them) and each is followed for the
programme's year "as a starting point": a quarter of them are extended by half
a year, decided before the year runs out, and some move away during it; every
family's follow-up ends. A coordinator takes a new family only while following
at most :data:`CASELOAD` active ones (the programme allows 25): a large demo
has as many coordinators as it needs, each near a full caseload.

The family's plan gathers the sector plans (the parent's *jobplan* at the job
centre; the child's *handleplan* where the family department has a case), and
the coordinator works with the services a Danish family deals with:
*jobcentret* (work and benefits), the children's school, *dagtilbuddet* (day
care) and *sundhedsplejen* (the health visitors, for a baby),
*familieafdelingen* (where some families refuse its involvement). Names,
services and the coordinator's own words (:data:`PHRASES`) are Danish; who
consents for a child is decided by the Danish consent ages.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Final

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
from familiekoordinering.domain.actions import Channel, FamilyKnows
from familiekoordinering.domain.consent import ConsentForm
from familiekoordinering.domain.core import EndReason
from familiekoordinering.domain.plan import SectorPlanKind
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
    OutwardActionId,
    Topic,
    age_on,
)
from familiekoordinering.timeline.i18n import Language

__all__ = ["BRONDBY", "CASELOAD", "PHRASES"]

START: Final = date(2022, 1, 3)
"""The first enrolment date of the Brøndby demo (a Monday)."""
CASELOAD: Final = 22
"""The most active families a coordinator takes a new family at: under the
programme's 25, so that a coordinator holds 20–25 families in a large demo."""
EXTENSION_MONTHS: Final = 6
"""How much longer an extended family is followed."""

_MUNICIPALITY = Municipality("153")
_LEAD = ("t-holm", "Tine Holm")
"""The demo's team lead: user id and name."""
_COORDINATORS = [
    ("l-norgaard", "Louise Nørgaard"),
    ("a-yilmaz", "Aylin Yilmaz"),
    ("j-friis", "Jesper Friis"),
]
_MORE_FIRST_NAMES = [
    "Camilla", "Henrik", "Nadia", "Rasmus", "Signe", "Morten", "Line", "Bilal",
    "Ditte", "Thomas",
]  # fmt: skip
_MORE_SURNAMES = [
    "Lauridsen", "Bech", "Dam", "Kjeldsen", "Vestergaard", "Mortensen", "Hviid",
    "Bak", "Østergaard", "Krogh",
]  # fmt: skip
_SURNAMES = [
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen",
    "Sørensen", "Rasmussen", "Jørgensen", "Madsen", "Yilmaz", "Hussein", "Ahmadi",
]  # fmt: skip
_ADULT_NAMES = [
    "Mette", "Anders", "Louise", "Michael", "Sara", "Hassan", "Maja", "Kasper",
    "Fatma", "Dennis",
]  # fmt: skip
_CHILD_NAMES = [
    "Freja", "William", "Ida", "Noah", "Alma", "Oscar", "Emma", "Malthe", "Aya",
    "Elias", "Clara", "Yusuf",
]  # fmt: skip
_JOBCENTER = Agency(AgencyKind.NAV, "Jobcenter Brøndby")
_FAMILY_DEPARTMENT = Agency(
    AgencyKind.CHILD_WELFARE, "Brøndby Kommune, Familieafdelingen"
)
_HEALTH_VISITORS = Agency(AgencyKind.HEALTH_STATION, "Sundhedsplejen, Brøndby Kommune")
_SCHOOLS = ("Brøndby Strand Skole", "Brøndbyvester Skole", "Brøndbyøster Skole")
_DAY_CARE = ("Børnehuset Solsikken", "Børnehuset Regnbuen", "Vuggestuen Myretuen")
_REFERRALS = (
    ReferralSource.NAV,  # jobcentret
    ReferralSource.CHILD_WELFARE,  # familieafdelingen
    ReferralSource.HEALTH_STATION,  # sundhedsplejen
    ReferralSource.SCHOOL,
    ReferralSource.KINDERGARTEN,  # dagtilbuddet
    ReferralSource.FOLLOW_UP_SERVICE,  # ungeindsatsen
)

PHRASES: Final[Mapping[str, tuple[str, ...]]] = {
    # The first meeting's decisions, and the consents' purposes.
    "plan_decision": (
        "Vi laver en samarbejdsaftale og en familieplan",
        "Samarbejdsaftalen er gennemgået og underskrevet",
        "Familien og koordinatoren laver planen sammen",
    ),
    "jobcenter_decision": (
        "Koordinatoren beder om et fælles møde med sagsbehandleren på jobcentret",
        "Koordinatoren kontakter jobcentret om et fælles møde",
    ),
    "jobcenter_purpose": (
        "Hjælp til at komme tættere på job eller uddannelse og få styr på økonomien",
        "Samarbejde med jobcentret om arbejde, uddannelse og økonomi",
    ),
    "school_purpose": (
        "Samarbejde med skolen om børnenes trivsel, fremmøde og fritid",
        "Følge op på børnenes skolegang og trivsel",
    ),
    "day_care_purpose": (
        "Samarbejde med dagtilbuddet om trivsel og fremmøde",
        "Følge op på, hvordan det går i dagtilbuddet",
    ),
    "health_visitor_purpose": (
        "Samarbejde med sundhedsplejen om trivsel og sundhed for {child}",
    ),
    "family_department_purpose": (
        "Samarbejde med familiens sagsbehandler om børnenes handleplan",
        "Få børnenes handleplan og familieplanen til at hænge sammen",
    ),
    "own_school_purpose": (
        "{child} er fyldt {age} år og giver selv samtykke til kontakten med skolen",
    ),
    "own_day_care_purpose": (
        "{child} er fyldt {age} år og giver selv samtykke til kontakten med dagtilbuddet",
    ),
    "refusal_note": (
        "Familien ønsker ikke, at familieafdelingen inddrages",
        "Forældrene vil ikke have familieafdelingen ind i sagen lige nu",
    ),
    # Goals, in the family's own words, and the steps agreed.
    "work_goal": (
        "Jeg vil have et arbejde og tjene mine egne penge",
        "Jeg vil i gang med en uddannelse",
        "Jeg vil have et fast job",
    ),
    "economy_goal": (
        "Vi vil have overblik over regningerne",
        "Vi vil undgå rykkere og inkasso",
        "Vi vil have penge nok til hele måneden",
    ),
    "housing_step": (
        "søge boligstøtte hos Udbetaling Danmark",
        "søge om boligstøtte på borger.dk",
    ),
    # A child's leisure goal, its first step, how it went and how it goes; one
    # activity per family, the same position in each list.
    "leisure_goal": (
        "Jeg vil gå til fodbold med mine venner",
        "Jeg vil lære at svømme",
        "Jeg vil gå til spejder",
        "Jeg vil gå til dans",
    ),
    "leisure_step": (
        "tage med til den første fodboldtræning",
        "tage med til den første svømmetime",
        "tage med til det første spejdermøde",
        "tage med til den første dansetime",
    ),
    "leisure_done": (
        "Var med til den første træning",
        "Var i svømmehallen for første gang",
        "Var med til det første møde",
        "Var med til den første time",
    ),
    "leisure_progress": (
        "Spiller fodbold hver tirsdag",
        "Svømmer hver torsdag",
        "Går til spejder hver mandag",
        "Danser hver onsdag",
    ),
    # Contacts and telling the family.
    "jobcenter_contact_purpose": (
        "Aftale et fælles møde med sagsbehandleren på jobcentret",
        "Bede om et møde om jobplanen",
    ),
    "school_contact_purpose": (
        "Bede klasselæreren om et møde om {child_s} fremmøde",
        "Aftale et møde med skolen om {child_s} fremmøde",
    ),
    "day_care_contact_purpose": (
        "Bede om en samtale med pædagogerne om {child_s} trivsel",
        "Aftale en samtale i dagtilbuddet om {child_s} trivsel",
    ),
    "informed_note": (
        "Ringede til {adult} og fortalte om henvendelsen til {place}",
        "Fortalte {adult} om kontakten til {place}",
    ),
    "refused_purpose": ("Drøfte forældrerollen",),
    "health_visitor_contact_purpose": (
        "Aftale et hjemmebesøg sammen med sundhedsplejersken",
    ),
    "year_contact_purpose": (
        "Opfølgning på jobplanen",
        "Fælles møde om jobplanen",
    ),
    "school_meeting_purpose": (
        "Skole-hjem-samtale om {child_s} fremmøde",
        "Møde på skolen om, hvordan det går med fremmødet",
    ),
    "day_care_meeting_purpose": (
        "Samtale i dagtilbuddet om {child_s} fremmøde",
        "Møde med pædagogerne om, hvordan {child} trives",
    ),
    "younger_child_purpose": ("Forældresamtale i dagtilbuddet om {child_s} trivsel",),
    # The meetings, the surveys and progress on the goals.
    "plan_meeting_decision": (
        "Vi samler jobplanen og børnenes planer i én familieplan",
        "Familieplanen er gennemgået, og alle ved, hvem der gør hvad",
    ),
    "jobcenter_participant": (
        "sagsbehandler fra jobcentret",
        "jobkonsulent fra Jobcenter Brøndby",
    ),
    "family_department_participant": ("sagsbehandler fra familieafdelingen",),
    "network_decision": (
        "Handleplanen og familieplanen er afstemt",
        "Familieafdelingen og koordinatoren holder hinanden orienteret",
    ),
    "baseline_note": (
        "Kortlægningen er lavet hjemme hos familien",
        "Første kortlægning: boligen er for lille, og økonomien er stram",
    ),
    "exit_note": (
        "Kortlægning ved afslutningen, lavet sammen med familien",
        "Familien har fået mere overblik siden første kortlægning",
    ),
    "economy_progress": (
        "Regningerne er sorteret sammen med koordinatoren",
        "Har fået overblik over regningerne",
    ),
    "work_progress": (
        "Er startet i virksomhedspraktik tre dage om ugen",
        "Er begyndt på et kursus gennem jobcentret",
    ),
    "budget_progress": (
        "Betaler regningerne til tiden hver måned",
        "Har et budget, der holder",
    ),
    # Withdrawal, extension and the end.
    "withdraw_reason": (
        "Familien vil hellere selv have kontakten til {place}",
        "Forældrene vil selv tale med {place}",
    ),
    "extension_reason": (
        "{adult} er lige startet i job, og familien har brug for støtte et halvt år mere",
        "Familien skal flytte og har brug for støtte, til flytningen er overstået",
        "{adult} er i gang med en uddannelse, og familien har brug for støtte lidt længere",
    ),
    "extension_decided_by": ("teamleder {lead}",),
    "closing_decision": (
        "Vi planlægger afslutningen af forløbet",
        "Vi aftaler, hvem familien kan kontakte, når forløbet slutter",
    ),
    "moved_note": (
        "Familien er flyttet til en anden kommune",
        "Familien er flyttet, og forløbet slutter her",
    ),
    "completed_note": (
        "Familien har gennemført forløbet",
        "Forløbet slutter som planlagt",
    ),
}
"""The coordinator's own words in the Brøndby demo, in Danish: each text the
demo records is one of these, its ``{fields}`` filled in with names and
numbers (``{child_s}``: the child's name in the genitive, "Idas", "Elias'")."""


@attrs.frozen
class _Place:
    """A child's place: its agency, the topics a consent covers, and its words."""

    agency: Agency
    topics: frozenset[Topic]
    contact_topic: Topic
    """What a contact about the child with this place is about."""
    words: str
    """The place in the coordinator's words: "skolen", "dagtilbuddet"."""
    kind: str
    """The phrase keys' prefix: ``school``, ``day_care``."""


@attrs.frozen
class _Plan:
    """One family's course, planned before the demo runs, and its coordinator."""

    start: date
    until: date
    """The last day of follow-up, extended or not."""
    extended: bool
    moved: bool
    coordinator: tuple[str, str]


def _genitive(name: str) -> str:
    """A Danish name in the genitive: "Idas", "Elias'"."""
    return f"{name}'" if name[-1:].lower() in "sxz" else f"{name}s"


def _plans(run: DemoRun) -> list[_Plan]:
    """Each family's enrolment, end and coordinator, in order of enrolment.

    Families are enrolled over the demo's years: three weeks apart, or closer
    so that all are enrolled within them. A family goes to the coordinator
    with the fewest active families (at least two coordinators); one more
    coordinator starts when all of them already follow :data:`CASELOAD`.
    A family counts as active until its last planned day, so a coordinator
    never follows more than that, whenever a family ends.
    """
    window = 365 * run.years
    programme = BRONDBY.programme
    plans: list[_Plan] = []
    # Per coordinator: the last days of its families still active (a heap).
    active: list[list[date]] = [[], []]
    for index in range(run.families):
        if 21 * run.families <= window:  # three weeks apart, on a Monday
            start = START + timedelta(weeks=3 * index + run.rng.randrange(3))
        else:
            start = workday(START + timedelta(days=index * window // run.families))
        extended = index % 4 == 1
        until = (
            add_months(start, programme.duration_months + EXTENSION_MONTHS)
            - timedelta(days=1)
            if extended
            else programme.planned_end(start)
        )
        for ends in active:
            while ends and ends[0] < start:
                heapq.heappop(ends)
        n = min(range(len(active)), key=lambda c: len(active[c]))
        if len(active[n]) >= CASELOAD:
            n = len(active)
            active.append([])
        heapq.heappush(active[n], until)
        found = coordinator(n, _COORDINATORS, _MORE_FIRST_NAMES, _MORE_SURNAMES)
        plans.append(_Plan(start, until, extended, index % 4 == 3, found))
    return plans


def _stories(run: DemoRun) -> list[Story]:
    plans = _plans(run)
    return [_family(run, index, plan) for index, plan in enumerate(plans)]


def _family(run: DemoRun, index: int, plan: _Plan) -> Story:
    rng, ids = run.rng, run.ids
    ages = BRONDBY.programme.consent_ages
    start = plan.start
    yield (start, 0)
    say = Words(rng, PHRASES)
    surname = rng.choice(_SURNAMES)
    threshold = 230_000 + 40_000 * rng.randrange(4)  # kroner a year
    family = enrol(
        run,
        index,
        BRONDBY,
        say,
        plan.coordinator,
        start,
        family_id=next(ids),
        label=surname,
        referral=rng.choice(_REFERRALS),
        eligibility=Eligibility(
            household_income=int(threshold * rng.uniform(0.45, 0.95)),
            eu60_threshold=threshold,
            years_in_low_income=rng.randrange(2, 9),
        ),
    )
    family.economy.update(
        income=int(threshold * 0.7), eu60_threshold=threshold, debt=60_000
    )

    # The family: one or two parents and one to four children, oldest first,
    # the oldest 4 to 17.
    parents, kids = birth_dates(
        rng,
        start,
        adults=1 + (rng.random() < 0.45),
        children=1 + rng.randrange(4),
        oldest_from=4,
    )
    members = family.members
    adults = family.add(
        MemberKind.ADULT, rng.sample(_ADULT_NAMES, len(parents)), parents, start
    )
    children = family.add(
        MemberKind.CHILD, rng.sample(_CHILD_NAMES, len(kids)), kids, start
    )
    adult_name = family.first_name(adults[0])
    oldest = members[children[0]]
    oldest_name = oldest.name.split()[0]

    # Where each child is on the first meeting's day: school from 6, day care
    # from 1, and a baby is followed by the health visitors.
    day = workday(start + timedelta(days=7))
    school = _Place(
        Agency(AgencyKind.SCHOOL, rng.choice(_SCHOOLS)),
        frozenset({Topic.SCHOOL, Topic.WELL_BEING, Topic.LEISURE}),
        Topic.SCHOOL,
        "skolen",
        "school",
    )
    day_care = _Place(
        Agency(AgencyKind.KINDERGARTEN, rng.choice(_DAY_CARE)),
        frozenset({Topic.WELL_BEING}),
        Topic.WELL_BEING,
        "dagtilbuddet",
        "day_care",
    )
    at_school = [c for c in children if age_on(members[c].birth_date, day) >= 6]
    in_day_care = [c for c in children if 1 <= age_on(members[c].birth_date, day) < 6]
    babies = [c for c in children if age_on(members[c].birth_date, day) < 1]
    oldest_place = school if at_school else day_care

    # The cooperation agreement: the job centre for the parents' work and
    # economy but not the parenting role; the children's school and day care;
    # the family department for the children's handleplan, or a refusal of it.
    # Who gives each is who decides on the day.
    yield (day, 0)
    start_meeting = family.meeting(day, "plan_decision", "jobcenter_decision")
    family.consent(
        day,
        Agency(AgencyKind.NAV),
        frozenset({Topic.WORK, Topic.ECONOMY}),
        adults,
        "jobcenter_purpose",
        form=ConsentForm.WRITTEN,
        excluded=frozenset({Topic.PARENTING}),
    )
    if index % 3 != 1:  # most families also say yes to research, separately
        family.research_consents(day)
    place_consents = {}
    for place, covered in ((school, at_school), (day_care, in_day_care)):
        if not covered:
            continue
        place_givers = givers(members, covered, place.topics, day, ages)
        consent_id = family.consent(
            day,
            Agency(place.agency.kind),
            place.topics,
            covered,
            f"{place.kind}_purpose",
            form=ConsentForm.MINUTED_ORAL,
            given_by=place_givers,
            valid_until=add_months(day, 24),
        )
        place_consents[place.kind] = (consent_id, place_givers)
    if babies:
        family.consent(
            day,
            Agency(AgencyKind.HEALTH_STATION),
            frozenset({Topic.HEALTH, Topic.WELL_BEING}),
            babies,
            "health_visitor_purpose",
            form=ConsentForm.MINUTED_ORAL,
            valid_until=add_months(day, 24),
            child=family.first_name(babies[0]),
        )
    family_department = index % 2 == 0
    if family_department:
        family.consent(
            day,
            Agency(AgencyKind.CHILD_WELFARE),
            frozenset({Topic.WELL_BEING, Topic.SCHOOL}),
            children,
            "family_department_purpose",
            form=ConsentForm.WRITTEN,
            excluded=frozenset({Topic.PARENTING}),
        )
    else:
        family.refuse(
            day,
            Agency(AgencyKind.CHILD_WELFARE),
            frozenset({Topic.PARENTING}),
            "refusal_note",
        )

    # Goals and steps, in the family's own words; the sector plans gathered:
    # the jobplan, and the child's handleplan.
    goals = family.plan(
        day, work_target=add_months(day, 12), activity_plan=_JOBCENTER, prefix="JP"
    )
    if family_department:
        family.sector_plan(
            day,
            SectorPlanKind.CHILD_WELFARE_PLAN,
            _FAMILY_DEPARTMENT,
            "HP",
            oldest.member_id,
        )

    # Contacts: agreed at the start meeting, and one the family is told about
    # afterwards (recorded two days late).
    day = workday(day + timedelta(days=3))
    yield (day, 0)
    family.contact(
        day,
        _JOBCENTER,
        [Topic.WORK],
        adults[:1],
        "jobcenter_contact_purpose",
        Channel.PHONE,
        FamilyKnows.agreed_beforehand(start_meeting),
    )

    def own_say(on: date) -> None:
        """The oldest now decides alone (turned 18) and says yes too, if so."""
        consent_id, place_givers = place_consents[oldest_place.kind]
        own_givers = family.own_consent(
            on,
            oldest,
            Agency(oldest_place.agency.kind),
            oldest_place.contact_topic,
            place_givers,
            f"own_{oldest_place.kind}_purpose",
            24,
        )
        place_consents[oldest_place.kind] = (consent_id, place_givers + own_givers)

    def place_contact(
        on: date, purpose: str, channel: Channel, knows: FamilyKnows
    ) -> OutwardActionId:
        """A contact about the oldest child with the child's school or day care."""
        return family.contact(
            on,
            oldest_place.agency,
            [oldest_place.contact_topic],
            [oldest.member_id],
            f"{oldest_place.kind}_{purpose}",
            channel,
            knows,
            child=oldest_name,
            child_s=_genitive(oldest_name),
        )

    day = workday(day + timedelta(days=10))
    yield (day, (workday(day + timedelta(days=2)) - day).days)
    own_say(day)
    told_later = place_contact(
        day, "contact_purpose", Channel.EMAIL, FamilyKnows.inform_afterwards()
    )
    day = workday(day + timedelta(days=4))
    yield (day, 0)
    family.told(day, told_later, goals, adult=adult_name, place=oldest_place.words)

    # A contact no consent covers is refused, and nothing is stored.
    family.try_uncovered(day, oldest.member_id)

    # The year: the baseline survey, the plan meeting with the job centre.
    day = max(day, workday(start + timedelta(days=rng.randrange(21, 41))))
    yield (day, 0)
    family.survey(day, SurveyKind.BASELINE, 0, "baseline_note")
    day = workday(day + timedelta(days=rng.randrange(5, 11)))
    yield (day, 0)
    family.meeting(
        day,
        "plan_meeting_decision",
        participant="jobcenter_participant",
        agency=_JOBCENTER,
    )
    family.review(day, goals, 0)
    if babies:
        day = workday(day + timedelta(days=rng.randrange(7, 22)))
        yield (day, 0)
        family.contact(
            day,
            _HEALTH_VISITORS,
            [Topic.HEALTH],
            babies[:1],
            "health_visitor_contact_purpose",
            Channel.PHONE,
            FamilyKnows.present(),
        )
    if family_department:
        day = max(day, workday(add_months(start, 3) - timedelta(days=10)))
        yield (day, 0)
        family.meeting(
            day,
            "network_decision",
            participant="family_department_participant",
            agency=_FAMILY_DEPARTMENT,
        )
    day = max(day, workday(add_months(start, 3) + timedelta(days=rng.randrange(14))))
    yield (day, 0)
    family.work_meeting(day, _JOBCENTER)
    younger = [c for c in in_day_care if c != oldest.member_id]
    if younger:
        day = workday(day + timedelta(days=rng.randrange(14, 29)))
        yield (day, 0)
        family.contact(
            day,
            day_care.agency,
            [Topic.WELL_BEING],
            younger[:1],
            "younger_child_purpose",
            Channel.MEETING,
            FamilyKnows.present(),
            child_s=_genitive(family.first_name(younger[0])),
        )
    day = max(day, workday(add_months(start, 5) + timedelta(days=rng.randrange(14))))
    yield (day, 0)
    own_say(day)
    place_contact(day, "meeting_purpose", Channel.MEETING, FamilyKnows.present())
    day = max(day, workday(add_months(start, 6) + timedelta(days=rng.randrange(14))))
    yield (day, 0)
    family.review(day, goals, 1)
    if index % 3 == 2:
        consent_id, place_givers = place_consents[oldest_place.kind]
        day = max(day, workday(add_months(start, 8)))
        yield (day, 0)
        run.app.withdraw_consent(
            family.fid,
            consent_id,
            withdrawn_by=place_givers[:1],
            reason=say("withdraw_reason", place=oldest_place.words),
            occurred_on=day,
            actor=family.coordinator,
        )

    # The end: some families move away during the year; the others end it
    # after a closing meeting and a last survey, some after an extension
    # decided before the year ran out.
    if plan.moved:
        day = max(day, workday_before(add_months(start, 9) + timedelta(days=10)))
        yield (day, 0)
        family.end(day, EndReason.MOVED_AWAY, "moved_note")
        family.count()
        return
    if plan.extended:
        day = max(day, workday(add_months(start, 10) + timedelta(days=14)))
        yield (day, 0)
        family.extend(day, plan.until, adult=adult_name)
        day = workday(add_months(start, 12) + timedelta(days=rng.randrange(7, 21)))
        yield (day, 0)
        family.meeting(
            day,
            "plan_meeting_decision",
            participant="jobcenter_participant",
            agency=_JOBCENTER,
        )
        family.review(day, goals, 2)
        day = workday(add_months(start, 14) + timedelta(days=rng.randrange(14)))
        yield (day, 0)
        family.work_meeting(day, _JOBCENTER)
    end = plan.until + timedelta(days=1)
    day = max(day, workday(end - timedelta(days=rng.randrange(42, 50))))
    yield (day, 0)
    family.meeting(day, "closing_decision")
    day = max(day, workday(end - timedelta(days=rng.randrange(21, 29))))
    yield (day, 0)
    family.survey(day, SurveyKind.EXIT, 1, "exit_note")
    day = max(day, workday_before(plan.until))
    yield (day, 0)
    family.end(day, EndReason.COMPLETED, "completed_note")
    family.count()


BRONDBY: Final = DemoProgramme(
    name="brondby",
    programme=Programme.brondby(),
    language=Language.DA,
    municipality=_MUNICIPALITY,
    lead=_LEAD,
    phrases=PHRASES,
    stories=_stories,
)
"""*Familiekoordinator Brøndby* (municipality 153), in Danish."""
