"""A realistic, reproducible programme for trying the library and its tools.

:func:`build_demo` enrols several families and follows them for some years
through the public application API: members, a coordinator (and a handover),
consents with an exclusion, a refusal and a withdrawal, goals with progress,
steps, sector plans, meetings, contacts (one told afterwards), surveys every
year and, for some, the end of follow-up. It also tries one contact that no
consent covers and reports that it was refused. The same seed gives the same
families, ids, dates and timestamps.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Generator, Iterator
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

import attrs

from familiekoordinering.application import FamilyCoordination
from familiekoordinering.domain.actions import Channel, FamilyKnows
from familiekoordinering.domain.consent import ConsentForm, ConsentScope
from familiekoordinering.domain.family import EndReason
from familiekoordinering.domain.plan import Responsible, ResponsibleKind, SectorPlanKind
from familiekoordinering.domain.programme import (
    Eligibility,
    Programme,
    ReferralSource,
    add_months,
)
from familiekoordinering.domain.survey import (
    Benefit,
    Economy,
    Housing,
    LeisureAnswer,
    SchoolAnswer,
    SurveyKind,
    WellBeingAnswer,
    WorkAnswer,
    WorkStatus,
)
from familiekoordinering.domain.values import (
    Actor,
    Agency,
    AgencyKind,
    FamilyId,
    GoalId,
    MemberId,
    MemberKind,
    Municipality,
    Role,
    StepId,
    Topic,
)
from familiekoordinering.errors import ConsentRequiredError, InvalidInputError

__all__ = ["DemoClock", "DemoReport", "build_demo"]

Story = Generator[tuple[date, int], None, None]
"""A family's story: yields (day, days recorded late) before each step."""

DEMO_START = date(2021, 1, 4)
"""The first enrolment date of the demo programme."""

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


class DemoClock:
    """A clock for reproducible demos: "now" is set by the demo as it goes."""

    def __init__(self) -> None:
        self._now = datetime.combine(DEMO_START, time(9), tzinfo=UTC)

    def at(self, day: date, late_days: int = 0) -> None:
        """Move "now" to 09:00 on ``day`` plus ``late_days``; it never goes back."""
        self._now = max(
            self._now,
            datetime.combine(day + timedelta(days=late_days), time(9), tzinfo=UTC),
        )

    def __call__(self) -> datetime:
        """Return "now", one second later than the previous call."""
        self._now += timedelta(seconds=1)
        return self._now


@attrs.define
class DemoReport:
    """What :func:`build_demo` did."""

    family_ids: list[FamilyId] = attrs.field(factory=list)
    events: int = 0
    refused: list[str] = attrs.field(factory=list)
    lines: list[str] = attrs.field(factory=list)


def _ids(rng: random.Random) -> Iterator[UUID]:
    while True:
        yield UUID(int=rng.getrandbits(128), version=4)


def build_demo(
    app: FamilyCoordination,
    clock: DemoClock,
    *,
    families: int = 3,
    years: int = 3,
    seed: int = 1,
) -> DemoReport:
    """Build the demo programme in ``app``; ``app`` must use ``clock``.

    ``families`` families are enrolled a few weeks apart from 2021 and followed
    for ``years`` years (at most the programme's five).
    """
    if not 1 <= families <= 10_000:
        raise InvalidInputError(f"--families is {families}: give 1 to 10000")
    if not 1 <= years <= 5:
        raise InvalidInputError(f"--years is {years}: give 1 to 5")
    if app.clock is not clock:
        raise InvalidInputError("build the application with the demo's clock")
    rng = random.Random(seed)
    ids = _ids(rng)
    report = DemoReport()
    clock_days: dict[int, tuple[date, int]] = {}
    # Each family's story is a generator that yields the day (and how many days
    # late it is recorded) before each step; running the steps in recording
    # order keeps the store's log in the order a real programme would write it.
    stories = [
        _demo_family(app, rng, ids, index, years, report) for index in range(families)
    ]
    queue: list[tuple[date, int]] = []
    for index, story in enumerate(stories):
        day, late = next(story)
        heapq.heappush(queue, (day + timedelta(days=late), index))
        clock_days[index] = (day, late)
    while queue:
        _, index = heapq.heappop(queue)
        day, late = clock_days[index]
        clock.at(day, late)
        try:
            day, late = next(stories[index])
        except StopIteration:
            continue
        clock_days[index] = (day, late)
        heapq.heappush(queue, (day + timedelta(days=late), index))
    return report


def _demo_family(
    app: FamilyCoordination,
    rng: random.Random,
    ids: Iterator[UUID],
    index: int,
    years: int,
    report: DemoReport,
) -> Story:
    municipality = Municipality("4204")
    coordinator_id, coordinator_name = _COORDINATORS[index % len(_COORDINATORS)]
    coordinator = Actor(coordinator_id, Role.COORDINATOR, municipality)
    lead = Actor("t-lead", Role.TEAM_LEAD, municipality)
    start = DEMO_START + timedelta(weeks=3 * index + rng.randrange(3))
    day = start
    yield (day, 0)
    surname = rng.choice(_SURNAMES)
    threshold = 380_000 + 40_000 * rng.randrange(3)
    fid = app.enrol_family(
        family_id=next(ids),
        municipality=municipality,
        label=surname,
        programme=Programme.nye_monstre(),
        referral=rng.choice(list(ReferralSource)),
        eligibility=Eligibility(
            household_income=int(threshold * rng.uniform(0.45, 0.95)),
            eu60_threshold=threshold,
            years_in_low_income=rng.randrange(3, 9),
        ),
        occurred_on=start,
        actor=lead,
    )
    report.family_ids.append(fid)
    app.assign_coordinator(
        fid,
        coordinator_id=coordinator_id,
        coordinator_name=coordinator_name,
        occurred_on=start,
        actor=lead,
    )

    adults: list[MemberId] = []
    for a in range(1 + (rng.random() < 0.5)):
        adults.append(
            app.add_member(
                fid,
                member_id=next(ids),
                name=f"{_ADULT_NAMES[(2 * index + a) % len(_ADULT_NAMES)]} {surname}",
                birth_date=date(1978 + rng.randrange(15), rng.randrange(1, 13), 15),
                kind=MemberKind.ADULT,
                occurred_on=start,
                actor=coordinator,
            )
        )
    children: list[MemberId] = []
    for c in range(1 + rng.randrange(3)):
        children.append(
            app.add_member(
                fid,
                member_id=next(ids),
                name=f"{_CHILD_NAMES[(3 * index + c) % len(_CHILD_NAMES)]} {surname}",
                birth_date=date(2008 + rng.randrange(12), rng.randrange(1, 13), 1),
                kind=MemberKind.CHILD,
                guardian_ids=adults,
                occurred_on=start,
                actor=coordinator,
            )
        )
    everyone = frozenset(adults + children)

    # The cooperation agreement: NAV for economy and work but not the parenting
    # role; school for the children; a refusal of child welfare in some families.
    day = start + timedelta(days=7)
    yield (day, 0)
    start_meeting = app.hold_meeting(
        fid,
        meeting_id=next(ids),
        participants=[coordinator_name],
        members_present=adults,
        decisions=["Make the cooperation agreement", "Ask NAV about housing allowance"],
        occurred_on=day,
        actor=coordinator,
    )
    app.grant_consent(
        fid,
        consent_id=next(ids),
        scope=ConsentScope(
            agency=Agency(AgencyKind.NAV),
            topics=frozenset({Topic.ECONOMY, Topic.WORK, Topic.HOUSING}),
            member_ids=everyone,
            excluded_topics=frozenset({Topic.PARENTING}),
        ),
        given_by=adults,
        form=ConsentForm.WRITTEN,
        purpose="Practical help with economy, work and housing",
        occurred_on=day,
        actor=coordinator,
    )
    if index % 3 != 1:  # most families also say yes to research, separately
        for member in adults + children:
            app.give_research_consent(
                fid,
                member,
                given_by=[member] if member in adults else adults[:1],
                occurred_on=day,
                actor=coordinator,
            )
    school = app.grant_consent(
        fid,
        consent_id=next(ids),
        scope=ConsentScope(
            agency=Agency(AgencyKind.SCHOOL),
            topics=frozenset({Topic.SCHOOL, Topic.WELL_BEING, Topic.LEISURE}),
            member_ids=frozenset(children),
        ),
        given_by=adults[:1],
        form=ConsentForm.MINUTED_ORAL,
        purpose="Follow the children's school and well-being",
        valid_until=add_months(day, 36),
        occurred_on=day,
        actor=coordinator,
    )
    if index % 2 == 0:
        app.refuse_consent(
            fid,
            refusal_id=next(ids),
            scope=ConsentScope(
                agency=Agency(AgencyKind.CHILD_WELFARE),
                topics=frozenset({Topic.PARENTING}),
                member_ids=everyone,
            ),
            refused_by=adults,
            note="The family does not want child welfare involved",
            occurred_on=day,
            actor=coordinator,
        )

    # Goals and steps, in the family's own words.
    work_goal = app.set_goal(
        fid,
        goal_id=next(ids),
        area=Topic.WORK,
        words="Jeg vil ha en jobb jeg kan leve av",
        member_id=adults[0],
        target_on=add_months(day, 24),
        occurred_on=day,
        actor=coordinator,
    )
    economy_goal = app.set_goal(
        fid,
        goal_id=next(ids),
        area=Topic.ECONOMY,
        words="Vi vil ha oversikt over regningene",
        occurred_on=day,
        actor=coordinator,
    )
    leisure_goal = app.set_goal(
        fid,
        goal_id=next(ids),
        area=Topic.LEISURE,
        words="Jeg vil spille fotball med venner",
        member_id=children[0],
        occurred_on=day,
        actor=coordinator,
    )
    apply_step = app.agree_step(
        fid,
        step_id=next(ids),
        description="apply for housing allowance (bostøtte)",
        responsible=Responsible(ResponsibleKind.FAMILY, member_id=adults[0]),
        due_on=day + timedelta(days=30),
        goal_id=economy_goal,
        occurred_on=day,
        actor=coordinator,
    )
    football_step = app.agree_step(
        fid,
        step_id=next(ids),
        description="go along to the first football practice",
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
    day += timedelta(days=3)
    yield (day, 0)
    app.record_contact(
        fid,
        action_id=next(ids),
        agency=Agency(AgencyKind.NAV, "NAV Kristiansand"),
        topics=[Topic.ECONOMY, Topic.HOUSING],
        member_ids=adults,
        purpose="Ask about housing allowance the family is entitled to",
        channel=Channel.PHONE,
        family_knows=FamilyKnows.agreed_beforehand(start_meeting),
        occurred_on=day,
        actor=coordinator,
    )
    day += timedelta(days=10)
    yield (day, 2)
    told_later = app.record_contact(
        fid,
        action_id=next(ids),
        agency=Agency(AgencyKind.SCHOOL, "Lund skole"),
        topics=[Topic.SCHOOL],
        member_ids=children[:1],
        purpose="Arrange a meeting about homework support",
        channel=Channel.EMAIL,
        family_knows=FamilyKnows.inform_afterwards(),
        occurred_on=day,
        actor=coordinator,
    )
    day += timedelta(days=4)
    yield (day, 0)
    app.record_family_informed(
        fid,
        told_later,
        channel=Channel.PHONE,
        note="Told the mother about the school meeting",
        occurred_on=day,
        actor=coordinator,
    )
    app.complete_step(
        fid, football_step, occurred_on=day, actor=coordinator, note="Went along"
    )

    # A contact no consent covers is refused, and nothing is stored.
    try:
        app.record_contact(
            fid,
            agency=Agency(AgencyKind.NAV),
            topics=[Topic.PARENTING],
            member_ids=children[:1],
            purpose="Discuss the parenting situation",
            channel=Channel.PHONE,
            family_knows=FamilyKnows.present(),
            occurred_on=day,
            actor=coordinator,
        )
    except ConsentRequiredError as refused:
        report.refused.append(f"{surname}: {refused}")

    for year in range(years):
        year_start = add_months(start, 12 * year)
        yield from _demo_year(
            app,
            rng,
            ids,
            fid,
            year,
            year_start,
            adults,
            children,
            coordinator,
            (work_goal, economy_goal, leisure_goal, apply_step),
        )
        if year == 1 and index % 3 == 1:
            handover = add_months(start, 18)
            yield (handover, 0)
            new_id, new_name = _COORDINATORS[(index + 1) % len(_COORDINATORS)]
            app.assign_coordinator(
                fid,
                coordinator_id=new_id,
                coordinator_name=new_name,
                note="Handover: previous coordinator changed team",
                occurred_on=handover,
                actor=lead,
            )
            coordinator = Actor(new_id, Role.COORDINATOR, municipality)
        if year == 1 and index % 3 == 2:
            withdrawn_on = add_months(start, 20)
            yield (withdrawn_on, 0)
            app.withdraw_consent(
                fid,
                school,
                withdrawn_by=adults[:1],
                reason="The family wants to talk to the school themselves",
                occurred_on=withdrawn_on,
                actor=coordinator,
            )
    if index % 4 == 3 and years >= 2:
        ended_on = add_months(start, 12 * years) - timedelta(days=10)
        yield (ended_on, 0)
        app.end_follow_up(
            fid,
            reason=EndReason.MOVED_AWAY,
            note="The family moved to another municipality",
            occurred_on=ended_on,
            actor=lead,
        )
    report.events += app.get_family(fid, actor=lead).version


def _demo_year(
    app: FamilyCoordination,
    rng: random.Random,
    ids: Iterator[UUID],
    fid: FamilyId,
    year: int,
    year_start: date,
    adults: list[MemberId],
    children: list[MemberId],
    coordinator: Actor,
    plan: tuple[UUID, UUID, UUID, UUID],
) -> Story:
    work_goal, economy_goal, leisure_goal, apply_step = (
        GoalId(plan[0]),
        GoalId(plan[1]),
        GoalId(plan[2]),
        StepId(plan[3]),
    )
    survey_day = year_start + timedelta(days=30)
    yield (survey_day, 0)
    progress = min(1.0, 0.25 * year + rng.random() * 0.3)
    app.complete_survey(
        fid,
        survey_id=next(ids),
        kind=SurveyKind.BASELINE if year == 0 else SurveyKind.ANNUAL,
        housing=Housing(
            persons_per_room=round(2.0 - progress * 0.8, 1),
            standard=2 + round(progress * 2),
            moves_last_12_months=max(0, 2 - year),
        ),
        economy=Economy(
            household_income=int(300_000 * (1 + progress * 0.5)),
            eu60_threshold=400_000,
            debt=int(120_000 * (1 - progress)),
            payments_per_month=max(1, 7 - 2 * year),
            benefits_not_claimed=(
                frozenset({Benefit.HOUSING_ALLOWANCE}) if year == 0 else frozenset()
            ),
        ),
        work=[
            WorkAnswer(
                m,
                WorkStatus.UNEMPLOYED
                if year == 0
                else WorkStatus.WORK_ORIENTED_ACTIVITY,
            )
            for m in adults
        ],
        school=[
            SchoolAnswer(c, mastery=2 + min(year, 3), absence_days=12 - 2 * year)
            for c in children
        ],
        leisure=[LeisureAnswer(c, activities=min(year, 2)) for c in children],
        well_being=[
            WellBeingAnswer(m, ladder=min(10, 4 + year + rng.randrange(2)))
            for m in adults + children
        ],
        occurred_on=survey_day,
        actor=coordinator,
    )
    meeting_day = survey_day + timedelta(days=7)
    yield (meeting_day, 0)
    app.hold_meeting(
        fid,
        meeting_id=next(ids),
        participants=[f"{coordinator.user_id}", "NAV veileder"],
        members_present=adults,
        agencies_present=[Agency(AgencyKind.NAV, "NAV Kristiansand")],
        decisions=[f"Year {year + 1}: review the plan together"],
        occurred_on=meeting_day,
        actor=coordinator,
    )
    if year == 0:
        app.record_goal_progress(
            fid,
            economy_goal,
            note="Bills sorted with the coordinator",
            rating=4,
            occurred_on=meeting_day,
            actor=coordinator,
        )
        app.complete_step(fid, apply_step, occurred_on=meeting_day, actor=coordinator)
        app.record_goal_progress(
            fid,
            leisure_goal,
            note="Plays football every Tuesday",
            rating=8,
            occurred_on=meeting_day,
            actor=coordinator,
        )
    elif year == 1:
        app.record_goal_progress(
            fid,
            work_goal,
            note="Started a work-oriented course",
            rating=6,
            occurred_on=meeting_day,
            actor=coordinator,
        )
        app.achieve_goal(fid, leisure_goal, occurred_on=meeting_day, actor=coordinator)
    elif year == 2:
        app.record_goal_progress(
            fid,
            economy_goal,
            note="Fewer payments, a budget that holds",
            rating=7,
            occurred_on=meeting_day,
            actor=coordinator,
        )
    contact_day = meeting_day + timedelta(days=30)
    yield (contact_day, 0)
    app.record_contact(
        fid,
        action_id=next(ids),
        agency=Agency(AgencyKind.NAV, "NAV Kristiansand"),
        topics=[Topic.WORK],
        member_ids=adults[:1],
        purpose="Follow up the activity plan",
        channel=Channel.MEETING,
        family_knows=FamilyKnows.present(),
        occurred_on=contact_day,
        actor=coordinator,
    )
