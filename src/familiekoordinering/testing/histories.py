"""A long family history of a realistic mix, for tests and benchmarks.

:func:`build_history` drives the :class:`~familiekoordinering.Family`
aggregate's command methods in memory (every rule is still checked), so that a
history of thousands of events can be saved at once with ``app.save(family)``:
five years of a programme, as the benchmarks, the large-save tests and the
timeline's figures use it. Given another programme profile
(:meth:`~familiekoordinering.Programme.brondby`,
:meth:`~familiekoordinering.Programme.asker`), the history spans that
programme's period instead, and under Asker's model it has an investment team,
its meetings, investments and gains.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

from familiekoordinering.domain.actions import Channel, FamilyKnows, KnowledgeKind
from familiekoordinering.domain.commands import (
    AchieveGoal,
    AddMember,
    AgreeStep,
    AssignCoordinator,
    CommitInvestment,
    CompleteStep,
    CompleteSurvey,
    DropGoal,
    GrantConsent,
    HoldInvestmentMeeting,
    HoldMeeting,
    JoinInvestmentTeam,
    LinkSectorPlan,
    RecordContact,
    RecordFamilyInformed,
    RecordGain,
    RecordGoalProgress,
    RefuseConsent,
    SetGoal,
)
from familiekoordinering.domain.consent import (
    ConsentForm,
    ConsentScope,
    OutwardActionKind,
)
from familiekoordinering.domain.family import Family
from familiekoordinering.domain.investment import (
    GainKind,
    InvestmentDecision,
    InvestmentKind,
)
from familiekoordinering.domain.plan import Responsible, ResponsibleKind, SectorPlanKind
from familiekoordinering.domain.programme import (
    Eligibility,
    Jurisdiction,
    Programme,
    ProgrammeKind,
    ReferralSource,
)
from familiekoordinering.domain.survey import (
    Benefit,
    Economy,
    Housing,
    LeisureAnswer,
    SchoolAnswer,
    Survey,
    SurveyKind,
    WellBeingAnswer,
    WorkAnswer,
    WorkStatus,
)
from familiekoordinering.domain.values import (
    Actor,
    Agency,
    AgencyKind,
    ConsentId,
    FamilyId,
    GoalId,
    MeetingId,
    MemberId,
    MemberKind,
    Municipality,
    OutwardActionId,
    RefusalId,
    Role,
    SectorPlanId,
    StepId,
    SurveyId,
    TeamMemberId,
    Topic,
)
from familiekoordinering.testing.commands import answers, enrol, run

__all__ = ["ACTOR", "START", "build_history", "event_mix"]

ACTOR = Actor("k.nilsen", Role.COORDINATOR, Municipality("4204"))
"""The coordinator who records the history (in Brøndby, one of Brøndby's)."""
_DANISH_ACTOR = Actor("k.nilsen", Role.COORDINATOR, Municipality("153"))
START = date(2026, 1, 5)
"""The day the family is enrolled."""


_WEIGHTS: dict[str, int] = {
    "contact": 26,
    "progress": 18,
    "agree_step": 12,
    "complete_step": 10,
    "meeting": 8,
    "informed": 8,
    "set_goal": 5,
    "close_goal": 3,
    "sector_plan": 2,
    "consent": 1,
}
_INVESTMENT_WEIGHTS: dict[str, int] = {"investment_meeting": 6, "invest": 3, "gain": 1}
"""Added to the mix under Asker's model."""
_SPAN_DAYS = 4 * 365 + 300  # most of the programme's five years
_MARGIN_DAYS = 65  # the history stops this long before the planned end


@dataclass
class _History:
    """The state of a history being built: what exists to refer to."""

    family: Family
    rng: random.Random
    days_per_event: float
    adults: list[MemberId]
    children: list[MemberId]
    actor: Actor = ACTOR
    team: list[TeamMemberId] = field(default_factory=list)
    active_goals: list[GoalId] = field(default_factory=list)
    open_steps: list[StepId] = field(default_factory=list)
    meetings: list[MeetingId] = field(default_factory=list)
    to_inform: list[OutwardActionId] = field(default_factory=list)
    next_survey_on: date = START
    tick: int = 0

    @property
    def members(self) -> list[MemberId]:
        return self.adults + self.children

    def on(self) -> date:
        """The day of the next record: the history moves steadily through the years."""
        return START + timedelta(days=int(self.family.version * self.days_per_event))

    def stamp(self) -> dict[str, Any]:
        """``occurred_on``, ``actor`` and ``recorded_at`` for the next command."""
        self.tick += 1
        on = self.on()
        recorded_at = datetime(on.year, on.month, on.day, 9, tzinfo=UTC)
        return {
            "occurred_on": on,
            "actor": self.actor,
            "recorded_at": recorded_at + timedelta(seconds=self.tick),
        }


def _span_days(programme: Programme) -> int:
    """Days the history runs: up to shortly before the programme's planned end.

    Nye mønstre's five years give :data:`_SPAN_DAYS` (most of the five years).
    """
    return (programme.planned_end(START) - START).days - _MARGIN_DAYS


def _setup(n_events: int, seed: int, programme: Programme) -> _History:
    """Enrol the family, assign a coordinator, add members, record consents."""
    danish = programme.jurisdiction is Jurisdiction.DENMARK
    actor = _DANISH_ACTOR if danish else ACTOR
    family = enrol(
        family_id=FamilyId(uuid4()),
        municipality=actor.municipality,
        label="Hansen",
        programme=programme,
        referral=ReferralSource.FOLLOW_UP_SERVICE,
        eligibility=Eligibility(250_000, 300_000, 3),
        occurred_on=START,
        actor=actor,
        recorded_at=datetime(2026, 1, 5, 9, tzinfo=UTC),
        referral_note="Henvist fra oppfølgingstjenesten etter samtale med mor",
    )
    h = _History(
        family,
        random.Random(seed),
        _span_days(programme) / n_events,
        [],
        [],
        actor=actor,
    )
    run(
        family,
        AssignCoordinator,
        coordinator_id="k.nilsen",
        coordinator_name="Kari Nilsen",
        **h.stamp(),
    )
    for name, born in (
        ("Anne Hansen", date(1989, 4, 2)),
        ("Per Hansen", date(1986, 11, 30)),
    ):
        mid = MemberId(uuid4())
        run(
            family,
            AddMember,
            member_id=mid,
            name=name,
            birth_date=born,
            kind=MemberKind.ADULT,
            **h.stamp(),
        )
        h.adults.append(mid)
    for name, born in (
        ("Ola", date(2014, 2, 14)),
        ("Ingrid", date(2017, 8, 1)),
        ("Sofie", date(2021, 5, 23)),
    ):
        mid = MemberId(uuid4())
        run(
            family,
            AddMember,
            member_id=mid,
            name=name,
            birth_date=born,
            kind=MemberKind.CHILD,
            guardian_ids=h.adults,
            **h.stamp(),
        )
        h.children.append(mid)
    everyone = frozenset(h.members)
    for agency, topics, members, purpose in (
        (
            AgencyKind.NAV,
            {Topic.ECONOMY, Topic.WORK, Topic.HOUSING},
            everyone,
            "Økonomi, arbeid og bolig",
        ),
        (
            AgencyKind.SCHOOL,
            {Topic.SCHOOL, Topic.WELL_BEING, Topic.LEISURE},
            frozenset(h.children),
            "Skolehverdag og trivsel for barna",
        ),
        (
            AgencyKind.HEALTH_STATION,
            {Topic.HEALTH, Topic.WELL_BEING},
            everyone,
            "Helse og trivsel",
        ),
    ):
        run(
            family,
            GrantConsent,
            consent_id=ConsentId(uuid4()),
            scope=ConsentScope(Agency(agency), frozenset(topics), members),
            # The children sign too: they decide about school, leisure and health
            # themselves once old enough, and the history spans years.
            given_by=h.adults + h.children,
            form=ConsentForm.WRITTEN,
            purpose=purpose,
            **h.stamp(),
        )
    run(
        family,
        RefuseConsent,
        refusal_id=RefusalId(uuid4()),
        scope=ConsentScope(
            Agency(AgencyKind.CHILD_WELFARE), frozenset({Topic.PARENTING}), everyone
        ),
        refused_by=h.adults,
        note="Familien ønsker ikke kontakt med barnevernet nå",
        **h.stamp(),
    )
    if programme.kind is ProgrammeKind.ASKER:
        _investment_team(h)
    return h


def _investment_team(h: _History) -> None:
    """Asker's model: NAV (who may decide) and the school join the team."""
    for agency, person, role, may_decide, topics, members in (
        (
            Agency(AgencyKind.NAV, "NAV Asker"),
            "Nina Veileder",
            "Arbeid og økonomi",
            True,
            {Topic.WORK, Topic.ECONOMY},
            h.adults,
        ),
        (
            Agency(AgencyKind.SCHOOL, "Lund skole"),
            "Sara Rektor",
            "Skolehverdagen",
            False,
            {Topic.SCHOOL},
            h.children[:2],
        ),
    ):
        team_member_id = TeamMemberId(uuid4())
        run(
            h.family,
            JoinInvestmentTeam,
            team_member_id=team_member_id,
            agency=agency,
            person=person,
            role=role,
            may_decide=may_decide,
            topics=topics,
            member_ids=members,
            **h.stamp(),
        )
        h.team.append(team_member_id)


def _investment(h: _History, what: str) -> None:
    """An investment meeting, an investment put in, or a gain (Asker's model)."""
    rng, nav = h.rng, h.team[0]
    if what == "investment_meeting":
        on = h.on()
        run(
            h.family,
            HoldInvestmentMeeting,
            meeting_id=MeetingId(uuid4()),
            team_present=h.team,
            members_present=h.adults,
            decisions=[
                InvestmentDecision(
                    what=rng.choice(
                        ["Arbeidstrening, tre måneder", "Hjelp til å søke bolig"]
                    ),
                    decided_by=nav,
                    authority="NAV-loven § 14 a",
                    carried_out_by=nav,
                    due_on=on + timedelta(days=rng.randint(14, 90)),
                    member_ids=frozenset({rng.choice(h.adults)}),
                )
            ],
            **h.stamp(),
        )
    elif what == "invest":
        run(
            h.family,
            CommitInvestment,
            team_member_id=nav,
            kind=InvestmentKind.STAFF_HOURS,
            amount=rng.randint(2, 40),
            what="Oppfølging fra NAV-veileder",
            **h.stamp(),
        )
    else:
        run(
            h.family,
            RecordGain,
            member_id=rng.choice(h.adults),
            kind=rng.choice(list(GainKind)),
            note="Fikk og beholdt jobb",
            yearly_value=rng.choice([None, 120_000]),
            **h.stamp(),
        )


def _survey(h: _History) -> None:
    rng = h.rng
    kind = SurveyKind.BASELINE if not h.family.survey_ids else SurveyKind.ANNUAL
    survey = Survey(
        survey_id=SurveyId(uuid4()),
        kind=kind,
        housing=Housing(
            round(rng.uniform(0.8, 2.0), 1), rng.randint(2, 4), rng.randint(0, 2)
        ),
        economy=Economy(
            rng.randint(200_000, 320_000),
            300_000,
            rng.randint(0, 150_000),
            rng.randint(0, 6),
            frozenset({Benefit.HOUSING_ALLOWANCE}),
        ),
        work=tuple(WorkAnswer(m, rng.choice(list(WorkStatus))) for m in h.adults),
        school=tuple(
            SchoolAnswer(m, rng.randint(1, 5), rng.randint(0, 20))
            for m in h.children[:2]
        ),
        leisure=tuple(LeisureAnswer(m, rng.randint(0, 3)) for m in h.children),
        well_being=tuple(WellBeingAnswer(m, rng.randint(3, 9)) for m in h.members),
        note="Kartlegging gjennomført hjemme hos familien",
    )
    run(h.family, CompleteSurvey, **answers(survey), **h.stamp())


def _contact(h: _History) -> None:
    rng = h.rng
    agency, topics, members = rng.choice(
        [
            (Agency(AgencyKind.NAV, "NAV Kristiansand"), [Topic.ECONOMY], h.adults[:1]),
            (Agency(AgencyKind.NAV), [Topic.WORK, Topic.ECONOMY], h.adults),
            (Agency(AgencyKind.SCHOOL, "Lund skole"), [Topic.SCHOOL], h.children[:2]),
            (Agency(AgencyKind.HEALTH_STATION), [Topic.HEALTH], h.children[2:]),
        ]
    )
    roll = rng.random()
    if roll < 0.4:
        knows = FamilyKnows.present()
    elif roll < 0.6 and h.meetings:
        knows = FamilyKnows.agreed_beforehand(h.meetings[-1])
    else:
        knows = FamilyKnows.inform_afterwards()
    action_id = OutwardActionId(uuid4())
    run(
        h.family,
        RecordContact,
        action_id=action_id,
        kind=rng.choice(list(OutwardActionKind)),
        agency=agency,
        topics=topics,
        member_ids=members,
        purpose=rng.choice(
            [
                "Avklare rett til bostøtte",
                "Oppfølging av aktivitetsplan og arbeidsrettede tiltak",
                "Samtale om fravær og tilrettelegging",
                "Henvisning til helsesykepleier",
            ]
        ),
        channel=rng.choice(list(Channel)),
        family_knows=knows,
        **h.stamp(),
    )
    if knows.kind is KnowledgeKind.INFORM_AFTERWARDS:
        h.to_inform.append(action_id)


def _step(h: _History) -> None:
    rng = h.rng
    roll = rng.random()
    if roll < 0.4:
        responsible = Responsible(
            ResponsibleKind.FAMILY, member_id=rng.choice(h.adults)
        )
    elif roll < 0.7:
        responsible = Responsible(ResponsibleKind.COORDINATOR)
    else:
        responsible = Responsible(ResponsibleKind.AGENCY, agency=Agency(AgencyKind.NAV))
    step_id = StepId(uuid4())
    on = h.on()
    run(
        h.family,
        AgreeStep,
        step_id=step_id,
        description=rng.choice(
            [
                "Søke bostøtte før fristen",
                "Melde Ola på fotballtrening",
                "Sette opp budsjett for neste måned",
                "Bestille time hos fastlegen",
            ]
        ),
        responsible=responsible,
        due_on=on + timedelta(days=rng.randint(7, 60)),
        goal_id=rng.choice(h.active_goals) if h.active_goals else None,
        **h.stamp(),
    )
    h.open_steps.append(step_id)


def _record_one(h: _History, what: str) -> None:
    rng, family = h.rng, h.family
    if what == "contact":
        _contact(h)
    elif what == "progress" and h.active_goals:
        run(
            family,
            RecordGoalProgress,
            goal_id=rng.choice(h.active_goals),
            note=rng.choice(
                [
                    "Familien har fått oversikt over utgiftene",
                    "Ola har vært på trening tre ganger",
                    "Mor har hatt møte med NAV-veileder",
                ]
            ),
            rating=rng.randint(0, 10),
            **h.stamp(),
        )
    elif what == "agree_step":
        _step(h)
    elif what == "complete_step" and h.open_steps:
        run(
            family,
            CompleteStep,
            step_id=h.open_steps.pop(0),
            note="Gjennomført som avtalt",
            **h.stamp(),
        )
    elif what == "meeting":
        meeting_id = MeetingId(uuid4())
        run(
            family,
            HoldMeeting,
            meeting_id=meeting_id,
            participants=["Kari Nilsen (koordinator)", "NAV-veileder"],
            members_present=h.adults,
            agencies_present=[Agency(AgencyKind.NAV, "NAV Kristiansand")],
            decisions=["Søke bostøtte", "Nytt møte om fire uker"],
            **h.stamp(),
        )
        h.meetings.append(meeting_id)
    elif what == "informed" and h.to_inform:
        run(
            family,
            RecordFamilyInformed,
            action_id=h.to_inform.pop(0),
            channel=Channel.IN_PERSON,
            **h.stamp(),
        )
    elif what == "set_goal" and len(h.active_goals) < 8:
        goal_id = GoalId(uuid4())
        run(
            family,
            SetGoal,
            goal_id=goal_id,
            area=rng.choice([Topic.ECONOMY, Topic.WORK, Topic.LEISURE, Topic.SCHOOL]),
            words=rng.choice(
                [
                    "Vi vil ha kontroll på økonomien",
                    "Mor vil i jobb innen et år",
                    "Barna skal ha en fritidsaktivitet hver",
                ]
            ),
            member_id=rng.choice([None, *h.members]),
            target_on=h.on() + timedelta(days=365),
            **h.stamp(),
        )
        h.active_goals.append(goal_id)
    elif what == "close_goal" and len(h.active_goals) > 2:
        goal_id = h.active_goals.pop(0)
        if rng.random() < 0.7:
            run(family, AchieveGoal, goal_id=goal_id, note="Målet er nådd", **h.stamp())
        else:
            run(
                family,
                DropGoal,
                goal_id=goal_id,
                reason="Ikke lenger viktig",
                **h.stamp(),
            )
    elif what == "sector_plan":
        run(
            family,
            LinkSectorPlan,
            sector_plan_id=SectorPlanId(uuid4()),
            kind=SectorPlanKind.NAV_ACTIVITY_PLAN,
            agency=Agency(AgencyKind.NAV, "NAV Kristiansand"),
            reference=f"AP-{rng.randint(10_000, 99_999)}",
            member_id=rng.choice(h.adults),
            title="Aktivitetsplan",
            **h.stamp(),
        )
    elif what in _INVESTMENT_WEIGHTS:
        _investment(h, what)
    elif what == "consent":
        run(
            family,
            GrantConsent,
            consent_id=ConsentId(uuid4()),
            scope=ConsentScope(
                Agency(AgencyKind.LEISURE),
                frozenset({Topic.LEISURE}),
                frozenset(h.children),
            ),
            given_by=h.adults[:1] + h.children,
            form=ConsentForm.MINUTED_ORAL,
            purpose="Fritidsaktiviteter for barna",
            **h.stamp(),
        )


def build_history(
    n_events: int, *, seed: int = 2026, programme: Programme | None = None
) -> Family:
    """A family with exactly ``n_events`` unsaved events of a realistic mix.

    Set-up first (enrolment, coordinator, members, consents, a refusal), then,
    spread over most of five years: contacts, notes of progress, steps, meetings,
    notifications, goals, sector plans, further consents, a survey every year
    and a coordinator handover half-way. The same seed gives the same mix.

    ``programme`` is Nye mønstre unless given. Under another profile the
    history spans that programme's period up to about two months before its
    planned end (Brøndby's year, Asker's three years), in a Danish municipality
    under a Danish programme, with a survey at the programme's interval; under
    Asker's model the family has an investment team (NAV, who may decide, and
    the school), and investment meetings, investments and gains join the mix.
    """
    if n_events < 20:
        raise ValueError("a mixed history needs at least 20 events")
    programme = Programme.nye_monstre() if programme is None else programme
    h = _setup(n_events, seed, programme)
    mix = dict(_WEIGHTS)
    if programme.kind is ProgrammeKind.ASKER:
        mix.update(_INVESTMENT_WEIGHTS)
    kinds, weights = list(mix), list(mix.values())
    survey_every = timedelta(days=round(programme.survey_interval_months * 365 / 12))
    handed_over = False
    while h.family.version < n_events:
        if h.on() >= h.next_survey_on:
            _survey(h)
            h.next_survey_on = h.on() + survey_every
        elif not handed_over and h.family.version >= n_events // 2:
            run(
                h.family,
                AssignCoordinator,
                coordinator_id="t.berg",
                coordinator_name="Tone Berg",
                note="Overlevering ved permisjon",
                **h.stamp(),
            )
            handed_over = True
        else:
            _record_one(h, h.rng.choices(kinds, weights)[0])
    return h.family


def event_mix(family_events: list[Any]) -> dict[str, int]:
    """How many events of each type, by class name."""
    mix: dict[str, int] = {}
    for event in family_events:
        name = type(event).__name__
        mix[name] = mix.get(name, 0) + 1
    return dict(sorted(mix.items(), key=lambda kv: -kv[1]))
