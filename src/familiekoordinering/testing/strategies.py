"""Hypothesis strategies for property tests of apps built on the library.

Install them with the ``testing`` extra, which brings hypothesis (and pytest,
for the contracts of :mod:`familiekoordinering.testing`)::

    pip install 'familiekoordinering[testing]'

What there is:

* **Values**: a strategy for every public value type callers build
  (:class:`~familiekoordinering.Actor`, :class:`~familiekoordinering.Consent`,
  :class:`~familiekoordinering.Survey`, …), each drawing only values the
  type's own checks accept; :func:`strategy_for` finds the strategy of a value
  class, an id, an enumeration or a type hint made of them, and
  :data:`VALUE_STRATEGIES` lists them by class.
* **Consents and consent histories**: :func:`consent_histories` draws a small
  family and its consents, withdrawals and refusals over three years (a
  :class:`ConsentHistory`, which can :meth:`~ConsentHistory.decide`), and
  :func:`proposed_actions` an action about that family.
* **Families and histories**: :func:`family_members` draws a family's members;
  :func:`family_histories` draws whole, realistic histories of a family (every
  rule checked as they are built) under each programme profile in
  :data:`programme_profiles`.
* **Events** (:func:`events_of`, :data:`any_event`) and the **access policy**
  (:data:`policy_actors`, :data:`accesses`, :data:`family_facts`), for tests
  of stored forms and of who may see what.

The library's own tests draw from this module too.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Any, NamedTuple
from uuid import UUID

try:
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - only without the extra
    raise ImportError(
        "familiekoordinering.testing.strategies needs hypothesis, which the "
        "'testing' extra installs: pip install 'familiekoordinering[testing]'",
        name=error.name,
    ) from error

from familiekoordinering.access import Access, FamilyFacts
from familiekoordinering.domain.actions import (
    Channel,
    FamilyKnows,
    KnowledgeKind,
    OutwardAction,
)
from familiekoordinering.domain.capacity import ConsentAges
from familiekoordinering.domain.consent import (
    Consent,
    ConsentForm,
    ConsentRefusal,
    ConsentScope,
    ConsentWithdrawal,
    Decision,
    OutwardActionKind,
    ProposedAction,
    decide,
)
from familiekoordinering.domain.core import (
    CompletedSurvey,
    CoordinatorAssignment,
    EndReason,
    FollowUpEnd,
)
from familiekoordinering.domain.family import Family
from familiekoordinering.domain.investment import InvestmentDecision
from familiekoordinering.domain.plan import (
    Goal,
    GoalStatus,
    Meeting,
    PlanStep,
    Progress,
    Responsible,
    ResponsibleKind,
    SectorPlanKind,
    SectorPlanLink,
    StepStatus,
)
from familiekoordinering.domain.programme import (
    Eligibility,
    Jurisdiction,
    Programme,
    ProgrammeKind,
)
from familiekoordinering.domain.survey import (
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
    GoalId,
    MeetingId,
    Member,
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
from familiekoordinering.testing.histories import build_history

__all__ = [
    "BIDI_CONTROLS",
    "HISTORY_START",
    "SMALL_AGENCIES",
    "SMALL_MUNICIPALITIES",
    "SMALL_TOPICS",
    "SMALL_USERS",
    "VALUE_STRATEGIES",
    "WORLD_START",
    "ConsentHistory",
    "accesses",
    "actors",
    "agencies",
    "any_event",
    "completed_surveys",
    "consent_ages",
    "consent_histories",
    "consent_refusals",
    "consent_scopes",
    "consent_withdrawals",
    "consents",
    "coordinator_assignments",
    "dates",
    "economies",
    "eligibilities",
    "events_of",
    "family_facts",
    "family_histories",
    "family_knows",
    "family_members",
    "follow_up_ends",
    "free_texts",
    "goals",
    "housings",
    "investment_decisions",
    "labels",
    "leisure_answers",
    "meetings",
    "member_id_sets",
    "member_ids",
    "members",
    "municipalities",
    "optional_texts",
    "outward_actions",
    "plan_steps",
    "policy_actors",
    "programme_profiles",
    "programmes",
    "progresses",
    "proposed_actions",
    "recorded_times",
    "responsibles",
    "school_answers",
    "sector_plan_links",
    "strategy_for",
    "surveys",
    "texts",
    "topic_sets",
    "well_being_answers",
    "work_answers",
]

# ------------------------------------------------------------------ building blocks

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))
"""Any day from 2000 to 2060: what an event or a value is dated."""
recorded_times = st.datetimes(  # hypothesis takes naive bounds, then adds the zone
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2060, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
"""Any moment (UTC) from 2000 to 2060: when an event was recorded."""
texts = st.text(min_size=1, max_size=40).filter(lambda s: s.strip() != "")
"""Any non-blank text, control characters included: what an event's field may hold."""
optional_texts = st.none() | texts
"""``None`` or :data:`texts`."""
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""The bidirectional controls a label or a name may not hold."""
labels = st.text(
    st.characters(
        exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters=BIDI_CONTROLS
    ),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() != "")
"""What a value's name, label, unit or id accepts: one line, no control characters."""
free_texts = st.text(
    st.characters(exclude_categories=("Cc", "Cs"), include_characters="\n\t"),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() != "")
"""What a value's free text (a note, a purpose) accepts: line breaks and tabs too."""
municipalities = st.from_regex(r"\A[0-9]{3,4}\Z").map(Municipality)
"""A municipality number (three or four digits)."""
topic_sets = st.frozensets(st.sampled_from(Topic), min_size=1)
"""One topic or more."""
member_ids = st.uuids().map(MemberId)
"""A member's id."""
member_id_sets = st.frozensets(member_ids, min_size=1, max_size=4)
"""One to four members' ids."""

# ------------------------------------------------------------------------- values

actors = st.builds(
    Actor, user_id=labels, role=st.sampled_from(Role), municipality=municipalities
)
"""A user of any role in any municipality."""
agencies = st.builds(
    Agency,
    kind=st.sampled_from(AgencyKind),
    unit=st.none() | st.sampled_from(["Lund skole"]),
)
"""An agency of any kind, now and then a named unit of it."""


@st.composite
def consent_scopes(draw: st.DrawFn) -> ConsentScope:
    """A valid scope: permitted and excluded topics never overlap."""
    topics = draw(topic_sets)
    rest = sorted(set(Topic) - topics)
    excluded = draw(st.frozensets(st.sampled_from(rest))) if rest else frozenset()
    return ConsentScope(
        agency=draw(agencies),
        topics=topics,
        member_ids=draw(member_id_sets),
        excluded_topics=excluded,
        actions=draw(st.frozensets(st.sampled_from(OutwardActionKind), min_size=1)),
    )


consent_ages = st.builds(
    ConsentAges,
    adult_age=st.integers(15, 25),
    own_say_from=st.dictionaries(st.sampled_from(Topic), st.integers(12, 25)),
)
"""Consent ages of any profile: adult from 15 to 25, a say of one's own from 12."""
programme_profiles = st.sampled_from(
    [Programme.nye_monstre(), Programme.brondby(), Programme.asker()]
)
"""The built-in programme profiles: Nye mønstre, Brøndby and Asker."""
programmes = st.one_of(
    programme_profiles,
    st.builds(
        Programme,
        kind=st.sampled_from(ProgrammeKind),
        name=labels,
        jurisdiction=st.sampled_from(Jurisdiction),
        duration_months=st.integers(1, 120),
        survey_interval_months=st.integers(1, 24),
        inform_deadline_days=st.integers(0, 30),
        max_caseload=st.none() | st.integers(1, 50),
    ),
)
"""A built-in profile or a programme of any settings."""
eligibilities = st.builds(
    Eligibility,
    household_income=st.integers(0, 2_000_000),
    eu60_threshold=st.integers(1, 2_000_000),
    years_in_low_income=st.integers(0, 20),
)
"""Enrolment facts: income, the EU60 threshold, years in low income."""


@st.composite
def members(draw: st.DrawFn) -> Member:
    """A member: an adult, or a child with zero to two guardians."""
    kind = draw(st.sampled_from(MemberKind))
    guardians: frozenset[MemberId] = frozenset()
    if kind is MemberKind.CHILD:
        guardians = draw(st.frozensets(member_ids, max_size=2))
    return Member(
        draw(member_ids),
        draw(labels),
        draw(st.dates(date(1920, 1, 1), date(2060, 12, 31))),
        kind,
        guardians,
    )


@st.composite
def consents(draw: st.DrawFn) -> Consent:
    """A consent given on a day, valid from then or a little later, open or ending."""
    given_on = draw(dates)
    valid_from = given_on + timedelta(days=draw(st.integers(0, 30)))
    valid_until = draw(
        st.none() | st.integers(0, 1000).map(lambda k: valid_from + timedelta(days=k))
    )
    return Consent(
        consent_id=ConsentId(draw(st.uuids())),
        scope=draw(consent_scopes()),
        given_by=draw(member_id_sets),
        form=draw(st.sampled_from(ConsentForm)),
        valid_from=valid_from,
        valid_until=valid_until,
        purpose=draw(free_texts),
        given_on=given_on,
    )


consent_withdrawals = st.builds(
    ConsentWithdrawal,
    consent_id=st.uuids().map(ConsentId),
    withdrawn_on=dates,
    withdrawn_by=member_id_sets,
    reason=st.none() | free_texts,
)
"""A withdrawal of some consent (the id is drawn: it need not name a consent drawn)."""
consent_refusals = st.builds(
    ConsentRefusal,
    refusal_id=st.uuids().map(RefusalId),
    scope=consent_scopes(),
    refused_by=member_id_sets,
    refused_on=dates,
    note=st.none() | free_texts,
)
"""A recorded refusal of any scope."""
responsibles = st.one_of(
    st.builds(
        Responsible,
        kind=st.just(ResponsibleKind.FAMILY),
        member_id=st.none() | member_ids,
    ),
    st.builds(Responsible, kind=st.just(ResponsibleKind.COORDINATOR)),
    st.builds(Responsible, kind=st.just(ResponsibleKind.AGENCY), agency=agencies),
)
"""Who does a step: the family (perhaps one member), the coordinator or an agency."""
family_knows = st.one_of(
    st.just(FamilyKnows.present()),
    st.builds(
        FamilyKnows, kind=st.just(KnowledgeKind.AGREED_BEFOREHAND), agreed_in=st.uuids()
    ),
    st.builds(
        FamilyKnows, kind=st.just(KnowledgeKind.INFORM_AFTERWARDS), inform_by=dates
    ),
)
"""How the family knows of an action: present, agreed beforehand, told afterwards."""
housings = st.builds(
    Housing,
    persons_per_room=st.floats(0, 20, allow_nan=False).map(lambda x: round(x, 2)),
    standard=st.integers(1, 5),
    moves_last_12_months=st.integers(0, 52),
)
"""A survey's answers on housing."""
economies = st.builds(
    Economy,
    household_income=st.integers(0, 2_000_000),
    eu60_threshold=st.integers(1, 2_000_000),
    debt=st.integers(0, 10_000_000),
    payments_per_month=st.integers(0, 100),
)
"""A survey's answers on the household's economy."""
work_answers = st.builds(
    WorkAnswer, member_id=member_ids, status=st.sampled_from(WorkStatus)
)
"""A member's answer on work."""
school_answers = st.builds(
    SchoolAnswer,
    member_id=member_ids,
    mastery=st.integers(1, 5),
    absence_days=st.none() | st.integers(0, 366),
)
"""A child's answer on school."""
leisure_answers = st.builds(
    LeisureAnswer, member_id=member_ids, activities=st.integers(0, 50)
)
"""A member's answer on leisure activities."""
well_being_answers = st.builds(
    WellBeingAnswer, member_id=member_ids, ladder=st.integers(0, 10)
)
"""A member's place on the well-being ladder."""
surveys = st.builds(
    Survey,
    survey_id=st.uuids().map(SurveyId),
    kind=st.sampled_from(SurveyKind),
    housing=housings,
    economy=economies,
    work=st.lists(work_answers, max_size=3).map(tuple),
    school=st.lists(school_answers, max_size=3).map(tuple),
    leisure=st.lists(leisure_answers, max_size=3).map(tuple),
    well_being=st.lists(well_being_answers, max_size=3).map(tuple),
    note=st.none() | free_texts,
)
"""A survey of any kind with up to three answers of each sort."""
completed_surveys = st.builds(CompletedSurvey, completed_on=dates, survey=surveys)
"""A survey and the day it was completed."""
progresses = st.builds(
    Progress, on=dates, note=free_texts, rating=st.none() | st.integers(0, 10)
)
"""A note of progress towards a goal."""
goals = st.builds(
    Goal,
    goal_id=st.uuids().map(GoalId),
    area=st.sampled_from(Topic),
    words=free_texts,
    member_id=st.none() | member_ids,
    target_on=st.none() | dates,
    set_on=st.none() | dates,
    status=st.sampled_from(GoalStatus),
    progress=st.lists(progresses, max_size=3).map(tuple),
    closed_on=st.none() | dates,
    closing_note=st.none() | free_texts,
)
"""A goal in the family's words, for one member or the family."""
plan_steps = st.builds(
    PlanStep,
    step_id=st.uuids().map(StepId),
    description=free_texts,
    responsible=responsibles,
    due_on=st.none() | dates,
    goal_id=st.none() | st.uuids().map(GoalId),
    agreed_on=st.none() | dates,
    status=st.sampled_from(StepStatus),
    completed_on=st.none() | dates,
    completion_note=st.none() | free_texts,
)
"""A step of the plan."""
sector_plan_links = st.builds(
    SectorPlanLink,
    sector_plan_id=st.uuids().map(SectorPlanId),
    kind=st.sampled_from(SectorPlanKind),
    agency=agencies,
    reference=labels,
    member_id=st.none() | member_ids,
    title=st.none() | labels,
)
"""A reference to a plan an agency keeps."""
meetings = st.builds(
    Meeting,
    meeting_id=st.uuids().map(MeetingId),
    participants=st.lists(labels, max_size=3).map(tuple),
    members_present=st.frozensets(member_ids, max_size=3),
    agencies_present=st.lists(agencies, max_size=2).map(tuple),
    decisions=st.lists(free_texts, max_size=3).map(tuple),
    held_on=st.none() | dates,
)
"""A meeting with or about the family and what it decided."""
investment_decisions = st.builds(
    InvestmentDecision,
    what=free_texts,
    decided_by=st.uuids().map(TeamMemberId),
    authority=free_texts,
    carried_out_by=st.uuids().map(TeamMemberId),
    due_on=dates,
    member_ids=st.frozensets(member_ids, max_size=3),
)
"""A decision of an investment meeting (Asker's model)."""
outward_actions = st.builds(
    OutwardAction,
    action_id=st.uuids().map(OutwardActionId),
    kind=st.sampled_from(OutwardActionKind),
    agency=agencies,
    topics=topic_sets,
    member_ids=member_id_sets,
    purpose=free_texts,
    channel=st.sampled_from(Channel),
    consent_ids=st.lists(st.uuids().map(ConsentId), max_size=2).map(tuple),
    family_knows=family_knows,
    occurred_on=dates,
    informed_on=st.none() | dates,
    legal_basis=st.none() | free_texts,
)
"""An action taken towards an agency, as the family's record keeps it."""
coordinator_assignments = st.builds(
    CoordinatorAssignment,
    coordinator_id=labels,
    name=labels,
    from_on=dates,
    until_on=st.none() | dates,
    note=st.none() | free_texts,
)
"""A coordinator's period with the family."""
follow_up_ends = st.builds(
    FollowUpEnd,
    ended_on=dates,
    reason=st.sampled_from(EndReason),
    note=st.none() | free_texts,
)
"""When and why follow-up ended."""

# --------------------------------------------------------- consents and their history

SMALL_TOPICS = [Topic.ECONOMY, Topic.HEALTH, Topic.SCHOOL, Topic.PARENTING]
"""The few topics :func:`consent_histories` and :func:`proposed_actions` draw from.

Few, so that drawn consents and actions often meet.
"""
SMALL_AGENCIES = [AgencyKind.NAV, AgencyKind.SCHOOL]
"""The agencies :func:`consent_histories` and :func:`proposed_actions` draw from."""
WORLD_START = date(2026, 1, 1)
"""The first day of a :func:`consent_histories` history (it spans about three years)."""


@st.composite
def family_members(draw: st.DrawFn) -> dict[MemberId, Member]:
    """One or two adults and up to three children aged 10 to 17 at :data:`WORLD_START`.

    Each child has one or both adults as guardians; the ids are small and fixed
    (adults ``UUID(int=1)``, ``UUID(int=2)``, children from ``UUID(int=100)``),
    so a failing example reads easily.
    """
    family: dict[MemberId, Member] = {}
    adults = [MemberId(UUID(int=1 + n)) for n in range(draw(st.integers(1, 2)))]
    for n, member_id in enumerate(adults):
        family[member_id] = Member(
            member_id, f"A{n}", date(1980, 1, 1), MemberKind.ADULT
        )
    for n in range(draw(st.integers(0, 3))):
        member_id = MemberId(UUID(int=100 + n))
        born = draw(st.dates(date(2008, 1, 2), date(2016, 1, 1)))
        guardians = draw(st.frozensets(st.sampled_from(adults), min_size=1))
        family[member_id] = Member(
            member_id, f"C{n}", born, MemberKind.CHILD, guardians
        )
    return family


class ConsentHistory(NamedTuple):
    """A family's members and its consent history, as :func:`decide` takes them.

    It unpacks as ``members, consents, withdrawals, refusals``.
    """

    members: dict[MemberId, Member]
    """The family's members by id."""
    consents: list[Consent]
    """The consents given."""
    withdrawals: dict[ConsentId, ConsentWithdrawal]
    """The withdrawals, by the id of the consent withdrawn."""
    refusals: list[ConsentRefusal]
    """The refusals recorded."""

    def decide(
        self, action: ProposedAction, ages: ConsentAges | None = None
    ) -> Decision:
        """Whether the history's consents cover ``action`` (Norway's ages unless given)."""
        return decide(
            self.consents,
            self.withdrawals,
            self.refusals,
            action,
            members=self.members,
            ages=ConsentAges.norway() if ages is None else ages,
        )


@st.composite
def consent_histories(draw: st.DrawFn) -> ConsentHistory:
    """A family (:func:`family_members`) and its consents, withdrawals and refusals.

    Up to five consents given over about three years from :data:`WORLD_START`,
    each for NAV or the school (:data:`SMALL_AGENCIES`) about some of
    :data:`SMALL_TOPICS` and some members, given by some members (entitled or
    not), sometimes excluding topics, open or ending; each withdrawn or not;
    and up to two refusals. Draw an action about the same family with
    :func:`proposed_actions`.
    """
    family = draw(family_members())
    ids = sorted(family)
    days = st.integers(0, 1000).map(lambda n: WORLD_START + timedelta(days=n))
    given: list[Consent] = []
    for n in range(draw(st.integers(0, 5))):
        topics = draw(st.frozensets(st.sampled_from(SMALL_TOPICS), min_size=1))
        rest = [t for t in SMALL_TOPICS if t not in topics]
        given_on = draw(days)
        length = draw(st.none() | st.integers(0, 800))
        valid_until = None if length is None else given_on + timedelta(days=length)
        agency = Agency(draw(st.sampled_from(SMALL_AGENCIES)))
        about = draw(st.frozensets(st.sampled_from(ids), min_size=1))
        excluded: frozenset[Topic] = frozenset()
        if bool(rest) and draw(st.booleans()):
            excluded = draw(st.frozensets(st.sampled_from(rest)))
        given.append(
            Consent(
                ConsentId(UUID(int=1000 + n)),
                ConsentScope(
                    agency,
                    topics,
                    about,
                    excluded,
                    draw(st.frozensets(st.sampled_from(OutwardActionKind), min_size=1)),
                ),
                draw(st.frozensets(st.sampled_from(ids), min_size=1)),
                ConsentForm.WRITTEN,
                given_on,
                valid_until,
                "p",
                given_on=given_on,
            )
        )
    withdrawals = {}
    for consent in given:
        if draw(st.booleans()):
            on = consent.given_on + timedelta(days=draw(st.integers(0, 500)))
            withdrawals[consent.consent_id] = ConsentWithdrawal(
                consent.consent_id, on, consent.given_by
            )
    refusals = [
        ConsentRefusal(
            RefusalId(UUID(int=5000 + n)),
            ConsentScope(
                Agency(draw(st.sampled_from(SMALL_AGENCIES))),
                draw(st.frozensets(st.sampled_from(SMALL_TOPICS), min_size=1)),
                draw(st.frozensets(st.sampled_from(ids), min_size=1)),
                actions=draw(
                    st.frozensets(st.sampled_from(OutwardActionKind), min_size=1)
                ),
            ),
            draw(st.frozensets(st.sampled_from(ids), min_size=1)),
            draw(days),
        )
        for n in range(draw(st.integers(0, 2)))
    ]
    return ConsentHistory(family, given, withdrawals, refusals)


@st.composite
def proposed_actions(
    draw: st.DrawFn, members: Mapping[MemberId, Member] | None = None
) -> ProposedAction:
    """An action about ``members`` on a day within :func:`consent_histories`' years.

    Of any kind, towards NAV or the school, about one or two of
    :data:`SMALL_TOPICS` and one or two of the members. Without ``members``,
    any action: towards any agency, about any topics and members, on any day.
    """
    kind = draw(st.sampled_from(OutwardActionKind))
    if members is None:
        return ProposedAction(
            kind, draw(agencies), draw(topic_sets), draw(member_id_sets), draw(dates)
        )
    return ProposedAction(
        kind,
        Agency(draw(st.sampled_from(SMALL_AGENCIES))),
        draw(st.frozensets(st.sampled_from(SMALL_TOPICS), min_size=1, max_size=2)),
        draw(st.frozensets(st.sampled_from(sorted(members)), min_size=1, max_size=2)),
        WORLD_START + timedelta(days=draw(st.integers(0, 1200))),
    )


# ------------------------------------------------------------ families, histories

HISTORY_START = date(2026, 1, 5)
"""The day every :func:`family_histories` family is enrolled."""


def family_histories(
    programme: Programme | None = None, *, min_events: int = 20, max_events: int = 160
) -> st.SearchStrategy[Family]:
    """Whole, realistic family histories under ``programme`` (any built-in profile if None).

    Each is a :class:`~familiekoordinering.Family` with ``min_events`` to
    ``max_events`` unsaved events, enrolled on :data:`HISTORY_START` and built
    by :func:`~familiekoordinering.testing.histories.build_history` through the
    aggregate's commands, so every rule was checked: members, consents and a
    refusal, then contacts, goals, steps, meetings, surveys and a coordinator
    handover within the programme's period (and, under Asker's model, an
    investment team, its meetings, investments and gains). Read it as it
    stands (``family.decide(...)``, ``family.collect_events()``).
    """
    if min_events < 20:
        raise ValueError("a realistic history has at least 20 events")
    profiles = programme_profiles if programme is None else st.just(programme)
    return st.builds(
        build_history,
        st.integers(min_events, max_events),
        seed=st.integers(0, 10_000),
        programme=profiles,
    )


# ------------------------------------------------------------------ access policy

SMALL_MUNICIPALITIES = st.sampled_from([Municipality("4204"), Municipality("1103")])
"""Two municipalities, so that drawn actors and families often share one."""
SMALL_USERS = st.sampled_from(["k-lund", "t-lead", "kari", "r-revisor"])
"""Four user ids, so that drawn actors are often a family's coordinator or member."""
policy_actors = st.builds(
    Actor, user_id=SMALL_USERS, role=st.sampled_from(Role),
    municipality=SMALL_MUNICIPALITIES,
)  # fmt: skip
"""An actor of any role, drawn from the same few users and municipalities."""
accesses = st.sampled_from(Access)
"""Any kind of access asked for."""
family_facts = st.builds(
    FamilyFacts,
    municipality=SMALL_MUNICIPALITIES,
    coordinators=st.frozensets(SMALL_USERS, max_size=1),
    members=st.frozensets(SMALL_USERS, max_size=2),
)
"""A family as the access policy sees it (its users drawn from the same few ids)."""

# ----------------------------------------------------------------- by type, events

VALUE_STRATEGIES: Mapping[Any, st.SearchStrategy[Any]] = MappingProxyType(
    {
        Actor: actors,
        Agency: agencies,
        Member: members(),
        ConsentScope: consent_scopes(),
        Consent: consents(),
        ConsentWithdrawal: consent_withdrawals,
        ConsentRefusal: consent_refusals,
        ProposedAction: proposed_actions(),
        ConsentAges: consent_ages,
        Programme: programmes,
        Eligibility: eligibilities,
        Progress: progresses,
        Goal: goals,
        Responsible: responsibles,
        PlanStep: plan_steps,
        SectorPlanLink: sector_plan_links,
        Meeting: meetings,
        InvestmentDecision: investment_decisions,
        Housing: housings,
        Economy: economies,
        WorkAnswer: work_answers,
        SchoolAnswer: school_answers,
        LeisureAnswer: leisure_answers,
        WellBeingAnswer: well_being_answers,
        Survey: surveys,
        FamilyKnows: family_knows,
        OutwardAction: outward_actions,
        CoordinatorAssignment: coordinator_assignments,
        CompletedSurvey: completed_surveys,
        FollowUpEnd: follow_up_ends,
        Municipality: municipalities,
    }
)
"""The strategy of each public value type callers build, by the type."""

_RAW: Mapping[Any, st.SearchStrategy[Any]] = {date: dates, str: texts}
"""Plain dates and texts, as an event's fields hold them."""


def strategy_for(tp: Any) -> st.SearchStrategy[Any]:
    """A strategy for values of ``tp``: a value type, an id, an enumeration, or a hint.

    A public value type gets its strategy from :data:`VALUE_STRATEGIES`;
    ``X | None``, ``tuple[X, ...]`` and ``frozenset[X]`` are drawn from ``X``'s;
    a plain ``date`` is any of :data:`dates`, a plain ``str`` any of
    :data:`texts` (control characters included, as an event's field may hold),
    an ``int`` any whole number; ids, enumerations and anything else are left
    to :func:`hypothesis.strategies.from_type`.
    """
    if tp in VALUE_STRATEGIES:
        return VALUE_STRATEGIES[tp]
    if tp in _RAW:
        return _RAW[tp]
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(
            *(st.none() if a is type(None) else strategy_for(a) for a in args)
        )
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return st.lists(strategy_for(args[0]), max_size=3).map(tuple)
    if origin is frozenset:
        return st.frozensets(strategy_for(args[0]), max_size=4)
    if tp is int:
        return st.integers(-(10**12), 10**12)
    return st.from_type(tp)


def events_of(event_class: type[Family.Event]) -> st.SearchStrategy[Family.Event]:
    """Any event of ``event_class``, with every field drawn by its declared type.

    The events are not checked against the rules (only commands are): use them
    to test what stores, mappers and readers make of any event.
    """
    hints = typing.get_type_hints(event_class)
    fields = {
        name: strategy_for(tp)
        for name, tp in hints.items()
        if name in event_class.__dataclass_fields__
        and name not in {"originator_id", "originator_version", "timestamp"}
    }
    extra = {}
    if issubclass(event_class, Family.Enrolled):
        extra["originator_topic"] = st.just(Family.TOPIC)
        fields.pop("originator_topic", None)
    return st.builds(
        event_class,
        originator_id=st.uuids(),
        originator_version=st.integers(1, 10**6),
        timestamp=recorded_times,
        **fields,
        **extra,
    )


any_event = st.one_of(*(events_of(cls) for cls in Family.EVENT_CLASSES))
"""Any event of any of the family's event types."""
