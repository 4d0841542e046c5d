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
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Final
from uuid import UUID

from familiekoordinering.application import FamilyCoordination
from familiekoordinering.demo._common import (
    DEMO_START,
    DemoProgramme,
    DemoRun,
    Story,
    Words,
    birth_dates,
    givers,
    research_giver,
    survey,
    workday,
    workday_before,
)
from familiekoordinering.domain.actions import Channel, FamilyKnows
from familiekoordinering.domain.capacity import entitled
from familiekoordinering.domain.consent import ConsentForm, ConsentScope
from familiekoordinering.domain.core import EndReason
from familiekoordinering.domain.plan import Responsible, ResponsibleKind, SectorPlanKind
from familiekoordinering.domain.programme import (
    Eligibility,
    Programme,
    ReferralSource,
    add_months,
)
from familiekoordinering.domain.survey import SurveyKind
from familiekoordinering.domain.values import (
    Actor,
    Agency,
    AgencyKind,
    FamilyId,
    GoalId,
    Member,
    MemberId,
    MemberKind,
    Municipality,
    Role,
    StepId,
    Topic,
    age_on,
)
from familiekoordinering.errors import ConsentRequiredError
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
    coordinators = _coordinators(run.families)
    return [_demo_family(run, index, coordinators) for index in range(run.families)]


def _coordinators(families: int) -> list[tuple[str, str]]:
    """The coordinators (user id, name): the first three, and more for a large demo."""
    wanted = max(len(_COORDINATORS), -(-families // CASELOAD))
    found = list(_COORDINATORS)
    for n in range(wanted - len(found)):
        first = _MORE_FIRST_NAMES[n % len(_MORE_FIRST_NAMES)]
        last = _MORE_SURNAMES[n // len(_MORE_FIRST_NAMES) % len(_MORE_SURNAMES)]
        round_ = n // (len(_MORE_FIRST_NAMES) * len(_MORE_SURNAMES))
        user_id = f"{first[0].lower()}-{last.lower()}{round_ + 1 if round_ else ''}"
        found.append((user_id, f"{first} {last}"))
    return found


def _enrolment_day(rng: random.Random, index: int, families: int) -> date:
    """When family ``index`` is enrolled: in order, all within two years."""
    if 21 * families <= ENROLMENT_DAYS:  # three weeks apart, on a Monday
        return DEMO_START + timedelta(weeks=3 * index + rng.randrange(3))
    return workday(DEMO_START + timedelta(days=index * ENROLMENT_DAYS // families))


def _demo_family(
    run: DemoRun, index: int, coordinators: list[tuple[str, str]]
) -> Story:
    app, rng, ids, years = run.app, run.rng, run.ids, run.years
    municipality = Municipality("4204")
    programme = Programme.nye_monstre()
    ages = programme.consent_ages
    coordinator_id, coordinator_name = coordinators[index % len(coordinators)]
    coordinator = Actor(coordinator_id, Role.COORDINATOR, municipality)
    lead = Actor(_LEAD[0], Role.TEAM_LEAD, municipality)
    start = _enrolment_day(rng, index, run.families)
    planned_end = programme.planned_end(start)
    yield (start, 0)
    say = Words(rng, PHRASES)
    surname = rng.choice(_SURNAMES)
    threshold = 380_000 + 40_000 * rng.randrange(3)
    fid = app.enrol_family(
        family_id=next(ids),
        municipality=municipality,
        label=surname,
        programme=programme,
        referral=rng.choice(list(ReferralSource)),
        eligibility=Eligibility(
            household_income=int(threshold * rng.uniform(0.45, 0.95)),
            eu60_threshold=threshold,
            years_in_low_income=rng.randrange(3, 9),
        ),
        occurred_on=start,
        actor=lead,
    )
    run.enrolled[index] = fid
    app.assign_coordinator(
        fid,
        coordinator_id=coordinator_id,
        coordinator_name=coordinator_name,
        occurred_on=start,
        actor=lead,
    )

    # The family: one or two parents and one to three children, oldest first.
    members: dict[MemberId, Member] = {}
    parents, kids = birth_dates(
        rng, start, adults=1 + (rng.random() < 0.5), children=1 + rng.randrange(3)
    )
    adults: list[MemberId] = []
    for a, born in enumerate(parents):
        name = f"{_ADULT_NAMES[(2 * index + a) % len(_ADULT_NAMES)]} {surname}"
        member_id = app.add_member(
            fid,
            member_id=next(ids),
            name=name,
            birth_date=born,
            kind=MemberKind.ADULT,
            occurred_on=start,
            actor=coordinator,
        )
        members[member_id] = Member(member_id, name, born, MemberKind.ADULT)
        adults.append(member_id)
    children: list[MemberId] = []
    for c, born in enumerate(kids):
        name = f"{_CHILD_NAMES[(3 * index + c) % len(_CHILD_NAMES)]} {surname}"
        member_id = app.add_member(
            fid,
            member_id=next(ids),
            name=name,
            birth_date=born,
            kind=MemberKind.CHILD,
            guardian_ids=adults,
            occurred_on=start,
            actor=coordinator,
        )
        members[member_id] = Member(
            member_id, name, born, MemberKind.CHILD, frozenset(adults)
        )
        children.append(member_id)
    everyone = adults + children
    first_name = members[adults[0]].name.split()[0]
    oldest = members[children[0]]

    # The cooperation agreement: NAV for economy, work and housing but not the
    # parenting role; school for the children; a refusal of child welfare in
    # some families. Who gives each is who decides on the day.
    day = workday(start + timedelta(days=7))
    yield (day, 0)
    start_meeting = app.hold_meeting(
        fid,
        meeting_id=next(ids),
        participants=[coordinator_name],
        members_present=adults,
        decisions=[say("plan_decision"), say("nav_decision")],
        occurred_on=day,
        actor=coordinator,
    )
    nav_topics = frozenset({Topic.ECONOMY, Topic.WORK, Topic.HOUSING})
    app.grant_consent(
        fid,
        consent_id=next(ids),
        scope=ConsentScope(
            agency=Agency(AgencyKind.NAV),
            topics=nav_topics,
            member_ids=frozenset(everyone),
            excluded_topics=frozenset({Topic.PARENTING}),
        ),
        given_by=givers(members, everyone, nav_topics, day, ages),
        form=ConsentForm.WRITTEN,
        purpose=say("nav_purpose"),
        occurred_on=day,
        actor=coordinator,
    )
    if index % 3 != 1:  # most families also say yes to research, separately
        for member in everyone:
            app.give_research_consent(
                fid,
                member,
                given_by=research_giver(members, member, day, ages),
                occurred_on=day,
                actor=coordinator,
            )
    school_topics = frozenset({Topic.SCHOOL, Topic.WELL_BEING, Topic.LEISURE})
    school_givers = givers(members, children, school_topics, day, ages)
    school = app.grant_consent(
        fid,
        consent_id=next(ids),
        scope=ConsentScope(
            agency=Agency(AgencyKind.SCHOOL),
            topics=school_topics,
            member_ids=frozenset(children),
        ),
        given_by=school_givers,
        form=ConsentForm.MINUTED_ORAL,
        purpose=say("school_purpose"),
        valid_until=add_months(day, 36),
        occurred_on=day,
        actor=coordinator,
    )
    if index % 2 == 0:
        parenting = frozenset({Topic.PARENTING})
        app.refuse_consent(
            fid,
            refusal_id=next(ids),
            scope=ConsentScope(
                agency=Agency(AgencyKind.CHILD_WELFARE),
                topics=parenting,
                member_ids=frozenset(everyone),
            ),
            refused_by=givers(members, everyone, parenting, day, ages),
            note=say("refusal_note"),
            occurred_on=day,
            actor=coordinator,
        )

    # Goals and steps, in the family's own words.
    work_goal = app.set_goal(
        fid,
        goal_id=next(ids),
        area=Topic.WORK,
        words=say("work_goal"),
        member_id=adults[0],
        target_on=add_months(day, 24),
        occurred_on=day,
        actor=coordinator,
    )
    economy_goal = app.set_goal(
        fid,
        goal_id=next(ids),
        area=Topic.ECONOMY,
        words=say("economy_goal"),
        occurred_on=day,
        actor=coordinator,
    )
    activity = rng.randrange(len(PHRASES["leisure_goal"]))
    leisure_goal = app.set_goal(
        fid,
        goal_id=next(ids),
        area=Topic.LEISURE,
        words=PHRASES["leisure_goal"][activity],
        member_id=oldest.member_id,
        occurred_on=day,
        actor=coordinator,
    )
    apply_step = app.agree_step(
        fid,
        step_id=next(ids),
        description=say("housing_step"),
        responsible=Responsible(ResponsibleKind.FAMILY, member_id=adults[0]),
        due_on=day + timedelta(days=30),
        goal_id=economy_goal,
        occurred_on=day,
        actor=coordinator,
    )
    leisure_step = app.agree_step(
        fid,
        step_id=next(ids),
        description=PHRASES["leisure_step"][activity],
        responsible=Responsible(ResponsibleKind.COORDINATOR),
        due_on=day + timedelta(days=21),
        goal_id=leisure_goal,
        occurred_on=day,
        actor=coordinator,
    )
    app.link_sector_plan(
        fid,
        sector_plan_id=next(ids),
        kind=SectorPlanKind.NAV_ACTIVITY_PLAN,
        agency=Agency(AgencyKind.NAV, "NAV Kristiansand"),
        reference=f"AP-{rng.randrange(10_000, 99_999)}",
        member_id=adults[0],
        occurred_on=day,
        actor=coordinator,
    )

    # Contacts: agreed at the start meeting, with the family present, and one
    # the family is told about afterwards (recorded two days late).
    day = workday(day + timedelta(days=3))
    yield (day, 0)
    app.record_contact(
        fid,
        action_id=next(ids),
        agency=Agency(AgencyKind.NAV, "NAV Kristiansand"),
        topics=[Topic.ECONOMY, Topic.HOUSING],
        member_ids=adults,
        purpose=say("nav_contact_purpose"),
        channel=Channel.PHONE,
        family_knows=FamilyKnows.agreed_beforehand(start_meeting),
        occurred_on=day,
        actor=coordinator,
    )
    day = workday(day + timedelta(days=10))
    yield (day, (workday(day + timedelta(days=2)) - day).days)
    if not entitled(oldest, Topic.SCHOOL, day, ages) & set(school_givers):
        # The oldest child now decides about school alone, and says yes too.
        app.grant_consent(
            fid,
            consent_id=next(ids),
            scope=ConsentScope(
                agency=Agency(AgencyKind.SCHOOL),
                topics=frozenset({Topic.SCHOOL}),
                member_ids=frozenset({oldest.member_id}),
            ),
            given_by=givers(members, [oldest.member_id], [Topic.SCHOOL], day, ages),
            form=ConsentForm.MINUTED_ORAL,
            purpose=say(
                "own_school_purpose",
                child=oldest.name.split()[0],
                age=age_on(oldest.birth_date, day),
            ),
            valid_until=add_months(day, 36),
            occurred_on=day,
            actor=coordinator,
        )
    told_later = app.record_contact(
        fid,
        action_id=next(ids),
        agency=Agency(AgencyKind.SCHOOL, "Lund skole"),
        topics=[Topic.SCHOOL],
        member_ids=[oldest.member_id],
        purpose=say("school_contact_purpose", child=oldest.name.split()[0]),
        channel=Channel.EMAIL,
        family_knows=FamilyKnows.inform_afterwards(),
        occurred_on=day,
        actor=coordinator,
    )
    day = workday(day + timedelta(days=4))
    yield (day, 0)
    app.record_family_informed(
        fid,
        told_later,
        channel=Channel.PHONE,
        note=say("informed_note", adult=first_name),
        occurred_on=day,
        actor=coordinator,
    )
    app.complete_step(
        fid,
        leisure_step,
        occurred_on=day,
        actor=coordinator,
        note=PHRASES["leisure_done"][activity],
    )

    # A contact no consent covers is refused, and nothing is stored.
    try:
        app.record_contact(
            fid,
            agency=Agency(AgencyKind.NAV),
            topics=[Topic.PARENTING],
            member_ids=[oldest.member_id],
            purpose=say("refused_purpose"),
            channel=Channel.PHONE,
            family_knows=FamilyKnows.present(),
            occurred_on=day,
            actor=coordinator,
        )
    except ConsentRequiredError as refused:
        run.report.refused.append(f"{surname}: {refused}")

    last_day = day
    for year in range(years):
        year_start = add_months(start, 12 * year)
        year_story = _demo_year(
            app,
            rng,
            ids,
            fid,
            year,
            year_start,
            members,
            adults,
            children,
            coordinator,
            coordinator_name,
            say,
            activity,
            (work_goal, economy_goal, leisure_goal, apply_step),
        )
        for last_day, late in year_story:
            yield (last_day, late)
        if year == 1 and index % 3 == 1:
            last_day = workday(add_months(start, 18))
            yield (last_day, 0)
            coordinator_id, coordinator_name = coordinators[
                (index + 1) % len(coordinators)
            ]
            app.assign_coordinator(
                fid,
                coordinator_id=coordinator_id,
                coordinator_name=coordinator_name,
                note=say("handover_note"),
                occurred_on=last_day,
                actor=lead,
            )
            coordinator = Actor(coordinator_id, Role.COORDINATOR, municipality)
        if year == 1 and index % 3 == 2:
            last_day = workday(add_months(start, 20))
            yield (last_day, 0)
            app.withdraw_consent(
                fid,
                school,
                withdrawn_by=school_givers[:1],
                reason=say("withdraw_reason"),
                occurred_on=last_day,
                actor=coordinator,
            )

    # The end: some families move away; followed for the programme's five
    # years, the others end it, some after an extension decided in time.
    if index % 4 == 3 and years >= 2:
        ended_on = workday_before(add_months(start, 12 * years) - timedelta(days=10))
        ended_on = max(ended_on, last_day)
        yield (ended_on, 0)
        app.end_follow_up(
            fid,
            reason=EndReason.MOVED_AWAY,
            note=say("moved_note"),
            occurred_on=ended_on,
            actor=lead,
        )
    elif years == 5:
        until = planned_end
        if index % 4 == 1:
            until = add_months(start, 66) - timedelta(days=1)
            decided = workday(add_months(start, 57))
            yield (decided, 0)
            app.extend_follow_up(
                fid,
                until=until,
                reason=say("extension_reason", adult=first_name),
                decided_by=say("extension_decided_by", lead=_LEAD[1]),
                occurred_on=decided,
                actor=lead,
            )
            meeting_day = workday(add_months(start, 61))
            yield (meeting_day, 0)
            app.hold_meeting(
                fid,
                meeting_id=next(ids),
                participants=[coordinator_name],
                members_present=adults,
                decisions=[say("closing_decision")],
                occurred_on=meeting_day,
                actor=coordinator,
            )
        exit_day = workday(add_months(until + timedelta(days=1), -2))
        yield (exit_day, 0)
        app.complete_survey(
            fid,
            **survey(
                rng, ids, SurveyKind.EXIT, years, exit_day, members, adults, children
            ),
            occurred_on=exit_day,
            actor=coordinator,
        )
        ended_on = max(workday_before(until), exit_day)
        yield (ended_on, 0)
        app.end_follow_up(
            fid,
            reason=EndReason.COMPLETED,
            note=say("completed_note"),
            occurred_on=ended_on,
            actor=lead,
        )
    run.report.events += app.get_family(fid, actor=lead).version


def _demo_year(
    app: FamilyCoordination,
    rng: random.Random,
    ids: Iterator[UUID],
    fid: FamilyId,
    year: int,
    year_start: date,
    members: Mapping[MemberId, Member],
    adults: list[MemberId],
    children: list[MemberId],
    coordinator: Actor,
    coordinator_name: str,
    say: Words,
    activity: int,
    plan: tuple[UUID, UUID, UUID, UUID],
) -> Story:
    work_goal, economy_goal, leisure_goal, apply_step = (
        GoalId(plan[0]),
        GoalId(plan[1]),
        GoalId(plan[2]),
        StepId(plan[3]),
    )
    survey_day = workday(year_start + timedelta(days=rng.randrange(21, 41)))
    yield (survey_day, 0)
    app.complete_survey(
        fid,
        **survey(
            rng,
            ids,
            SurveyKind.BASELINE if year == 0 else SurveyKind.ANNUAL,
            year,
            survey_day,
            members,
            adults,
            children,
        ),
        occurred_on=survey_day,
        actor=coordinator,
    )
    meeting_day = workday(survey_day + timedelta(days=rng.randrange(5, 11)))
    yield (meeting_day, 0)
    app.hold_meeting(
        fid,
        meeting_id=next(ids),
        participants=[coordinator_name, say("nav_participant")],
        members_present=adults,
        agencies_present=[Agency(AgencyKind.NAV, "NAV Kristiansand")],
        decisions=[say("year_decision", year=year + 1)],
        occurred_on=meeting_day,
        actor=coordinator,
    )
    if year == 0:
        app.record_goal_progress(
            fid,
            economy_goal,
            note=say("economy_progress"),
            rating=4,
            occurred_on=meeting_day,
            actor=coordinator,
        )
        app.complete_step(fid, apply_step, occurred_on=meeting_day, actor=coordinator)
        app.record_goal_progress(
            fid,
            leisure_goal,
            note=PHRASES["leisure_progress"][activity],
            rating=8,
            occurred_on=meeting_day,
            actor=coordinator,
        )
    elif year == 1:
        app.record_goal_progress(
            fid,
            work_goal,
            note=say("work_progress"),
            rating=6,
            occurred_on=meeting_day,
            actor=coordinator,
        )
        app.achieve_goal(fid, leisure_goal, occurred_on=meeting_day, actor=coordinator)
    elif year == 2:
        app.record_goal_progress(
            fid,
            economy_goal,
            note=say("budget_progress"),
            rating=7,
            occurred_on=meeting_day,
            actor=coordinator,
        )
    contact_day = workday(meeting_day + timedelta(days=rng.randrange(21, 43)))
    yield (contact_day, 0)
    app.record_contact(
        fid,
        action_id=next(ids),
        agency=Agency(AgencyKind.NAV, "NAV Kristiansand"),
        topics=[Topic.WORK],
        member_ids=adults[:1],
        purpose=say("year_contact_purpose"),
        channel=Channel.MEETING,
        family_knows=FamilyKnows.present(),
        occurred_on=contact_day,
        actor=coordinator,
    )


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
