"""Hypothesis strategies for every value type and event of the library, in one place."""

from __future__ import annotations

import typing
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from hypothesis import strategies as st

from familiekoordinering import (
    Actor,
    Agency,
    AgencyKind,
    Consent,
    ConsentAges,
    ConsentForm,
    ConsentId,
    ConsentRefusal,
    ConsentScope,
    ConsentWithdrawal,
    Economy,
    Eligibility,
    Family,
    FamilyKnows,
    Housing,
    InvestmentDecision,
    KnowledgeKind,
    LeisureAnswer,
    Member,
    MemberId,
    MemberKind,
    Municipality,
    OutwardActionKind,
    Programme,
    Progress,
    ProposedAction,
    RefusalId,
    Responsible,
    ResponsibleKind,
    Role,
    SchoolAnswer,
    Survey,
    SurveyId,
    SurveyKind,
    TeamMemberId,
    Topic,
    WellBeingAnswer,
    WorkAnswer,
    WorkStatus,
)
from familiekoordinering.access import Access, FamilyFacts
from familiekoordinering.testing.histories import build_history
from familiekoordinering.testing.views import row_operations

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))
recorded_times = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2060, 12, 31),
    timezones=st.just(UTC),
)
texts = st.text(min_size=1, max_size=40).filter(lambda s: s.strip() != "")
"""Any non-blank text, control characters included: what an event's field may hold."""
optional_texts = st.none() | texts
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
labels = st.text(
    st.characters(
        exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters=BIDI_CONTROLS
    ),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() != "")
"""What a value's name, label, unit or id accepts (see domain.validation)."""
free_texts = st.text(
    st.characters(exclude_categories=("Cc", "Cs"), include_characters="\n\t"),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() != "")
"""What a value's free text (a note, a purpose) accepts (see domain.validation)."""
municipalities = st.from_regex(r"\A[0-9]{3,4}\Z").map(Municipality)
actors = st.builds(
    Actor, user_id=labels, role=st.sampled_from(Role), municipality=municipalities
)
agencies = st.builds(
    Agency,
    kind=st.sampled_from(AgencyKind),
    unit=st.none() | st.sampled_from(["Lund skole"]),
)
topic_sets = st.frozensets(st.sampled_from(Topic), min_size=1)
member_ids = st.uuids().map(MemberId)
member_id_sets = st.frozensets(member_ids, min_size=1, max_size=4)


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


programmes = st.one_of(
    st.just(Programme.nye_monstre()),
    st.just(Programme.brondby()),
    st.builds(
        Programme,
        kind=st.just(Programme.nye_monstre().kind),
        name=labels,
        jurisdiction=st.just(Programme.nye_monstre().jurisdiction),
        duration_months=st.integers(1, 120),
        survey_interval_months=st.integers(1, 24),
        inform_deadline_days=st.integers(0, 30),
        max_caseload=st.none() | st.integers(1, 50),
    ),
)
eligibilities = st.builds(
    Eligibility,
    household_income=st.integers(0, 2_000_000),
    eu60_threshold=st.integers(1, 2_000_000),
    years_in_low_income=st.integers(0, 20),
)
responsibles = st.one_of(
    st.builds(
        Responsible,
        kind=st.just(ResponsibleKind.FAMILY),
        member_id=st.none() | member_ids,
    ),
    st.builds(Responsible, kind=st.just(ResponsibleKind.COORDINATOR)),
    st.builds(Responsible, kind=st.just(ResponsibleKind.AGENCY), agency=agencies),
)
family_knows = st.one_of(
    st.just(FamilyKnows.present()),
    st.builds(
        FamilyKnows, kind=st.just(KnowledgeKind.AGREED_BEFOREHAND), agreed_in=st.uuids()
    ),
    st.builds(
        FamilyKnows, kind=st.just(KnowledgeKind.INFORM_AFTERWARDS), inform_by=dates
    ),
)
housings = st.builds(
    Housing,
    persons_per_room=st.floats(0, 20, allow_nan=False).map(lambda x: round(x, 2)),
    standard=st.integers(1, 5),
    moves_last_12_months=st.integers(0, 52),
)
economies = st.builds(
    Economy,
    household_income=st.integers(0, 2_000_000),
    eu60_threshold=st.integers(1, 2_000_000),
    debt=st.integers(0, 10_000_000),
    payments_per_month=st.integers(0, 100),
)
work_answers = st.builds(
    WorkAnswer, member_id=member_ids, status=st.sampled_from(WorkStatus)
)
school_answers = st.builds(
    SchoolAnswer,
    member_id=member_ids,
    mastery=st.integers(1, 5),
    absence_days=st.none() | st.integers(0, 366),
)
leisure_answers = st.builds(
    LeisureAnswer, member_id=member_ids, activities=st.integers(0, 50)
)
well_being_answers = st.builds(
    WellBeingAnswer, member_id=member_ids, ladder=st.integers(0, 10)
)
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
progresses = st.builds(
    Progress, on=dates, note=free_texts, rating=st.none() | st.integers(0, 10)
)
investment_decisions = st.builds(
    InvestmentDecision,
    what=free_texts,
    decided_by=st.uuids().map(TeamMemberId),
    authority=free_texts,
    carried_out_by=st.uuids().map(TeamMemberId),
    due_on=dates,
    member_ids=st.frozensets(member_ids, max_size=3),
)
consent_ages = st.builds(
    ConsentAges,
    adult_age=st.integers(15, 25),
    own_say_from=st.dictionaries(st.sampled_from(Topic), st.integers(12, 25)),
)

# Types the events declare, mapped to the strategies above; everything else
# (enums, UUID NewTypes, tuples, frozensets) hypothesis infers from the hints.
_FIELD_STRATEGIES: dict[Any, st.SearchStrategy[Any]] = {
    date: dates,
    str: texts,
    Actor: actors,
    Agency: agencies,
    ConsentScope: consent_scopes(),
    Programme: programmes,
    Eligibility: eligibilities,
    Responsible: responsibles,
    FamilyKnows: family_knows,
    Survey: surveys,
    Municipality: municipalities,
    Housing: housings,
    Economy: economies,
    WorkAnswer: work_answers,
    SchoolAnswer: school_answers,
    LeisureAnswer: leisure_answers,
    WellBeingAnswer: well_being_answers,
    Progress: progresses,
    ConsentAges: consent_ages,
    InvestmentDecision: investment_decisions,
}


def _strategy_for(tp: Any) -> st.SearchStrategy[Any]:
    if tp in _FIELD_STRATEGIES:
        return _FIELD_STRATEGIES[tp]
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, __import__("types").UnionType):
        return st.one_of(
            *(st.none() if a is type(None) else _strategy_for(a) for a in args)
        )
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return st.lists(_strategy_for(args[0]), max_size=3).map(tuple)
    if origin is frozenset:
        return st.frozensets(_strategy_for(args[0]), max_size=4)
    if tp is int:
        return st.integers(-(10**12), 10**12)
    return st.from_type(tp)


def events_of(event_class: type[Family.Event]) -> st.SearchStrategy[Family.Event]:
    """Any event of ``event_class``, with every field drawn by its declared type."""
    hints = typing.get_type_hints(event_class)
    fields = {
        name: _strategy_for(tp)
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


# ----------------------------------------------------------------- consent worlds
#
# A small family (members with kinds, birth dates and guardians) and random
# consents, withdrawals and refusals about it, for properties of decide().

SMALL_TOPICS = [Topic.ECONOMY, Topic.HEALTH, Topic.SCHOOL, Topic.PARENTING]
SMALL_AGENCIES = [AgencyKind.NAV, AgencyKind.SCHOOL]
WORLD_START = date(2026, 1, 1)


@st.composite
def families_of_members(draw: st.DrawFn) -> dict[MemberId, Member]:
    """One or two adults and up to three children aged 10 to 17 at WORLD_START."""
    members: dict[MemberId, Member] = {}
    adults = [MemberId(UUID(int=1 + n)) for n in range(draw(st.integers(1, 2)))]
    for n, member_id in enumerate(adults):
        members[member_id] = Member(
            member_id, f"A{n}", date(1980, 1, 1), MemberKind.ADULT
        )
    for n in range(draw(st.integers(0, 3))):
        member_id = MemberId(UUID(int=100 + n))
        born = draw(st.dates(date(2008, 1, 2), date(2016, 1, 1)))
        guardians = draw(st.frozensets(st.sampled_from(adults), min_size=1))
        members[member_id] = Member(
            member_id, f"C{n}", born, MemberKind.CHILD, guardians
        )
    return members


@st.composite
def consent_worlds(
    draw: st.DrawFn,
) -> tuple[
    dict[MemberId, Member],
    list[Consent],
    dict[ConsentId, ConsentWithdrawal],
    list[ConsentRefusal],
]:
    """A family and its consents, withdrawals and refusals over three years."""
    members = draw(families_of_members())
    ids = sorted(members)
    days = st.integers(0, 1000).map(lambda n: WORLD_START + timedelta(days=n))
    consents = []
    for n in range(draw(st.integers(0, 5))):
        topics = draw(st.frozensets(st.sampled_from(SMALL_TOPICS), min_size=1))
        rest = [t for t in SMALL_TOPICS if t not in topics]
        given_on = draw(days)
        valid_until = draw(
            st.none()
            | st.integers(0, 800).map(lambda k, g=given_on: g + timedelta(days=k))
        )
        consents.append(
            Consent(
                ConsentId(UUID(int=1000 + n)),
                ConsentScope(
                    Agency(draw(st.sampled_from(SMALL_AGENCIES))),
                    topics,
                    draw(st.frozensets(st.sampled_from(ids), min_size=1)),
                    draw(st.frozensets(st.sampled_from(rest)))
                    if rest and draw(st.booleans())
                    else frozenset(),
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
    for consent in consents:
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
    return members, consents, withdrawals, refusals


@st.composite
def proposed_actions(
    draw: st.DrawFn, members: dict[MemberId, Member]
) -> ProposedAction:
    """An action about the given family on a day within the worlds' three years."""
    return ProposedAction(
        draw(st.sampled_from(OutwardActionKind)),
        Agency(draw(st.sampled_from(SMALL_AGENCIES))),
        draw(st.frozensets(st.sampled_from(SMALL_TOPICS), min_size=1, max_size=2)),
        draw(st.frozensets(st.sampled_from(sorted(members)), min_size=1, max_size=2)),
        WORLD_START + timedelta(days=draw(st.integers(0, 1200))),
    )


view_operation_lists = st.lists(row_operations(), max_size=30)
"""Row operations on a few rows, as a batch (the strategy ships with the contract)."""

mixed_histories = st.builds(
    build_history, st.integers(20, 160), seed=st.integers(0, 10_000)
)
"""Whole, realistic family histories (unsaved), of 20 to 160 events."""


# ----------------------------------------------------------------- access policy

SMALL_MUNICIPALITIES = st.sampled_from([Municipality("4204"), Municipality("1103")])
"""Two municipalities, so that drawn actors and families often share one."""
SMALL_USERS = st.sampled_from(["k-lund", "t-lead", "kari", "r-revisor"])
policy_actors = st.builds(
    Actor, user_id=SMALL_USERS, role=st.sampled_from(Role),
    municipality=SMALL_MUNICIPALITIES,
)  # fmt: skip
accesses = st.sampled_from(Access)
family_facts = st.builds(
    FamilyFacts,
    municipality=SMALL_MUNICIPALITIES,
    coordinators=st.frozensets(SMALL_USERS, max_size=1),
    members=st.frozensets(SMALL_USERS, max_size=2),
)
"""A family as the access policy sees it (its users drawn from the same few ids)."""
