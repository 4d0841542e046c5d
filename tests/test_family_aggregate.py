"""The Family aggregate on its own: given events, when a command, then events or an error.

No storage here: the aggregate is created and changed in memory, and every
refused command must leave it exactly as it was (no pending events).
"""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID, uuid4

import pytest

from familiekoordinering import (
    Actor,
    Agency,
    AgencyKind,
    Channel,
    ConsentForm,
    ConsentRequiredError,
    ConsentScope,
    DuplicateIdError,
    Economy,
    Eligibility,
    FamiliekoordineringError,
    Family,
    FamilyKnows,
    FamilyRecord,
    Housing,
    InvalidInputError,
    MemberId,
    MemberKind,
    NotFoundError,
    OutwardActionKind,
    Programme,
    ReferralSource,
    Responsible,
    ResponsibleKind,
    Role,
    RuleViolationError,
    SchoolAnswer,
    Survey,
    SurveyKind,
    Topic,
    WellBeingAnswer,
    WorkAnswer,
    WorkStatus,
)
from familiekoordinering.domain.commands import (
    AddMember,
    AgreeStep,
    AssignCoordinator,
    CompleteSurvey,
    GrantConsent,
    RecordContact,
    RecordFamilyInformed,
    RecordMemberLeft,
    RefuseConsent,
    WithdrawConsent,
)
from familiekoordinering.testing.commands import answers, enrol, run
from tests.conftest import CLOCK_START, COORDINATOR, KOMMUNE, LEAD, START

pytestmark = pytest.mark.domain

NOW = CLOCK_START  # after every date these tests record events on
KARI = MemberId(UUID(int=1))
EMMA = MemberId(UUID(int=2))


def enrolled(**overrides: Any) -> Family:
    arguments: dict[str, Any] = {
        "family_id": uuid4(),
        "municipality": KOMMUNE,
        "label": "Hansen",
        "programme": Programme.nye_monstre(),
        "referral": ReferralSource.SCHOOL,
        "eligibility": Eligibility(250_000, 380_000, 4),
        "occurred_on": START,
        "actor": LEAD,
        "recorded_at": NOW,
    }
    arguments.update(overrides)
    return enrol(**arguments)


def with_members(*, keep_events: bool = False) -> Family:
    family = enrolled()
    run(family, AddMember,
        member_id=KARI, name="Kari", birth_date=date(1988, 4, 2), kind=MemberKind.ADULT,
        occurred_on=START, actor=COORDINATOR, recorded_at=NOW,
    )  # fmt: skip
    run(family, AddMember,
        member_id=EMMA, name="Emma", birth_date=date(2016, 2, 29), kind=MemberKind.CHILD,
        guardian_ids=[KARI], occurred_on=START, actor=COORDINATOR, recorded_at=NOW,
    )  # fmt: skip
    if not keep_events:
        family.collect_events()
    return family


def scope(**overrides: Any) -> ConsentScope:
    arguments: dict[str, Any] = {
        "agency": Agency(AgencyKind.NAV),
        "topics": frozenset({Topic.ECONOMY}),
        "member_ids": frozenset({KARI, EMMA}),
    }
    arguments.update(overrides)
    return ConsentScope(**arguments)


def grant(family: Family, **overrides: Any) -> UUID:
    arguments: dict[str, Any] = {
        "consent_id": uuid4(),
        "scope": scope(),
        "given_by": [KARI],
        "form": ConsentForm.WRITTEN,
        "purpose": "economy",
        "occurred_on": START,
        "actor": COORDINATOR,
        "recorded_at": NOW,
    }
    arguments.update(overrides)
    run(family, GrantConsent, **arguments)
    return arguments["consent_id"]  # type: ignore[no-any-return]


def test_enrolment_sets_the_planned_end_from_the_programme() -> None:
    family = enrolled()
    assert family.planned_end_on == date(2031, 1, 4)
    assert enrolled(programme=Programme.brondby()).planned_end_on == date(2027, 1, 4)
    (event,) = family.collect_events()
    assert isinstance(event, Family.Enrolled)
    assert event.recorded_at == NOW


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"municipality": "Kristiansand"}, "not a municipality number"),
        ({"label": "  "}, "label must not be blank"),
        # Values that cannot be built are refused when built, inside the test.
        (
            {"eligibility": partial(Eligibility, -1, 380_000, 4)},
            "household_income is -1",
        ),
        ({"eligibility": partial(Eligibility, 1, 0, 4)}, "eu60_threshold is 0"),
        ({"occurred_on": datetime(2026, 1, 5)}, "must be a date"),
        ({"referral": "nav"}, "referral must be one of"),
        ({"actor": partial(Actor, "", Role.COORDINATOR, KOMMUNE)}, "actor.user_id"),
    ],
)
def test_bad_enrolment_input_is_refused_with_what_to_fix(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        enrolled(**built(overrides))


def assert_refused(
    family: Family, error: type[Exception], message: str, command: Any
) -> None:
    version = family.version
    pending = list(family.pending_events)
    state = copy.deepcopy(
        {k: v for k, v in vars(family).items() if k != "_pending_events"}
    )
    with pytest.raises(error, match=message):
        command()
    assert family.version == version
    assert family.pending_events == pending
    assert {k: v for k, v in vars(family).items() if k != "_pending_events"} == state


def test_a_member_born_after_the_date_is_refused() -> None:
    family = with_members()
    assert_refused(
        family, InvalidInputError, "after the date the member was added",
        lambda: run(family, AddMember,
                    member_id=uuid4(), name="Baby", birth_date=START + timedelta(days=1),
            kind=MemberKind.CHILD, occurred_on=START, actor=COORDINATOR, recorded_at=NOW,
        ),
    )  # fmt: skip


def test_a_guardian_must_be_an_adult_member() -> None:
    family = with_members()
    assert_refused(
        family, InvalidInputError, "is not an adult member",
        lambda: run(family, AddMember, member_id=uuid4(), name="Sara", birth_date=date(2018, 1, 1),
            kind=MemberKind.CHILD, guardian_ids=[EMMA], occurred_on=START,
            actor=COORDINATOR, recorded_at=NOW,
        ),
    )  # fmt: skip


def test_an_adult_must_consent_for_themselves() -> None:
    family = with_members()
    ola = MemberId(uuid4())
    run(family, AddMember,
        member_id=ola, name="Ola", birth_date=date(1980, 1, 1), kind=MemberKind.ADULT,
        occurred_on=START, actor=COORDINATOR, recorded_at=NOW,
    )  # fmt: skip
    assert_refused(
        family, RuleViolationError, "Ola is an adult and decides for themselves",
        lambda: grant(family, scope=scope(member_ids=frozenset({ola}))),
    )  # fmt: skip


def test_a_child_is_covered_only_through_a_guardian() -> None:
    family = with_members()
    other = MemberId(uuid4())
    run(family, AddMember,
        member_id=other, name="Per", birth_date=date(1970, 1, 1), kind=MemberKind.ADULT,
        occurred_on=START, actor=COORDINATOR, recorded_at=NOW,
    )  # fmt: skip
    assert_refused(
        family, RuleViolationError, "a guardian decides about economy",
        lambda: grant(family, scope=scope(member_ids=frozenset({EMMA})), given_by=[other]),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"scope": scope(topics=frozenset())}, InvalidInputError, "at least one topic"),
        (
            {"scope": scope(member_ids=frozenset())},
            InvalidInputError,
            "at least one member",
        ),
        (
            {"scope": scope(excluded_topics=frozenset({Topic.ECONOMY}))},
            InvalidInputError,
            "both permitted and excluded",
        ),
        (
            {"scope": scope(member_ids=frozenset({uuid4()}))},
            NotFoundError,
            "not a member",
        ),
        (
            {"valid_until": START - timedelta(days=1)},
            InvalidInputError,
            "before valid_from",
        ),
        (
            {"valid_from": START - timedelta(days=1)},
            InvalidInputError,
            "cannot cover the past",
        ),
        ({"given_by": []}, InvalidInputError, "name the members who are consenting"),
        ({"purpose": ""}, InvalidInputError, "purpose must not be blank"),
        ({"form": "written"}, InvalidInputError, "form must be one of"),
    ],
)
def test_bad_consents_are_refused(
    overrides: dict[str, Any], error: type, message: str
) -> None:
    family = with_members()
    assert_refused(family, error, message, lambda: grant(family, **overrides))


def test_a_consent_id_cannot_be_used_twice() -> None:
    family = with_members()
    consent_id = grant(family)
    assert_refused(
        family,
        DuplicateIdError,
        "already used",
        lambda: grant(family, consent_id=consent_id),
    )


def test_only_a_giver_can_withdraw_and_only_once() -> None:
    family = with_members()
    consent_id = grant(family)
    assert_refused(
        family, RuleViolationError, "only a member who gave the consent",
        lambda: run(family, WithdrawConsent,
                    consent_id=consent_id, withdrawn_by=[EMMA], occurred_on=START,
            actor=COORDINATOR, recorded_at=NOW,
        ),
    )  # fmt: skip
    run(family, WithdrawConsent,
        consent_id=consent_id, withdrawn_by=[KARI], occurred_on=START + timedelta(days=3),
        actor=COORDINATOR, recorded_at=NOW,
    )  # fmt: skip
    assert_refused(
        family, RuleViolationError, "already withdrawn on 2026-01-08",
        lambda: run(family, WithdrawConsent,
                    consent_id=consent_id, withdrawn_by=[KARI], occurred_on=START,
            actor=COORDINATOR, recorded_at=NOW,
        ),
    )  # fmt: skip


def outward(family: Family, **overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "action_id": uuid4(),
        "kind": OutwardActionKind.CONTACT,
        "agency": Agency(AgencyKind.NAV, "NAV Kristiansand"),
        "topics": [Topic.ECONOMY],
        "member_ids": [KARI, EMMA],
        "purpose": "bostøtte",
        "channel": Channel.PHONE,
        "family_knows": FamilyKnows.present(),
        "occurred_on": START + timedelta(days=2),
        "actor": COORDINATOR,
        "recorded_at": NOW,
    }
    arguments.update(overrides)
    return run(family, RecordContact, **arguments)


def test_a_consent_for_a_named_unit_does_not_cover_another_unit() -> None:
    family = with_members()
    grant(family, scope=scope(agency=Agency(AgencyKind.NAV, "NAV Arendal")))
    assert_refused(
        family,
        ConsentRequiredError,
        "no consent names the agency",
        lambda: outward(family),
    )
    grant(family, scope=scope(agency=Agency(AgencyKind.NAV, "NAV Kristiansand")))
    assert outward(family).permitted


def test_a_consent_that_expired_covers_nothing_without_any_event() -> None:
    family = with_members()
    grant(family, valid_until=START + timedelta(days=1))
    assert_refused(
        family, ConsentRequiredError, "expired on 2026-01-06", lambda: outward(family)
    )


def test_an_action_kind_the_consent_does_not_permit_is_refused() -> None:
    family = with_members()
    grant(family, scope=scope(actions=frozenset({OutwardActionKind.CONTACT})))
    assert_refused(
        family, ConsentRequiredError, "permits the action refer",
        lambda: outward(family, kind=OutwardActionKind.REFER),
    )  # fmt: skip


def test_a_refusal_denies_until_the_family_consents_again() -> None:
    family = with_members()
    grant(family)
    run(family, RefuseConsent,
        refusal_id=uuid4(), scope=scope(), refused_by=[KARI], occurred_on=START + timedelta(days=1),
        actor=COORDINATOR, recorded_at=NOW,
    )  # fmt: skip
    assert_refused(
        family, ConsentRequiredError, "refused on 2026-01-06", lambda: outward(family)
    )
    grant(family, occurred_on=START + timedelta(days=2))
    assert outward(family).permitted


def test_an_action_must_name_topics_and_members_of_the_family() -> None:
    family = with_members()
    grant(family)
    assert_refused(
        family,
        InvalidInputError,
        "at least one topic",
        lambda: outward(family, topics=[]),
    )
    assert_refused(
        family,
        InvalidInputError,
        "at least one member",
        lambda: outward(family, member_ids=[]),
    )
    assert_refused(
        family,
        NotFoundError,
        "not a member",
        lambda: outward(family, member_ids=[uuid4()]),
    )


def test_family_informed_closes_only_an_open_inform_afterwards() -> None:
    family = with_members()
    grant(family)
    action_id = uuid4()
    outward(family, action_id=action_id)
    assert_refused(
        family, RuleViolationError, "was not marked 'inform afterwards'",
        lambda: run(family, RecordFamilyInformed,
                    action_id=action_id, channel=Channel.PHONE,
                    occurred_on=START + timedelta(days=3),
            actor=COORDINATOR, recorded_at=NOW,
        ),
    )  # fmt: skip


def test_overdue_notifications_are_those_past_their_deadline() -> None:
    family = with_members(keep_events=True)
    grant(family)
    outward(
        family, family_knows=FamilyKnows.inform_afterwards(by=START + timedelta(days=5))
    )
    record = FamilyRecord.of(family.collect_events())
    assert record is not None
    assert record.overdue_notifications(START + timedelta(days=5)) == []
    assert len(record.overdue_notifications(START + timedelta(days=6))) == 1
    assert list(family.notices_owed) == [
        a.action_id for a in record.open_notifications()
    ]


def built(overrides: dict[str, Any]) -> dict[str, Any]:
    """The overrides, each ``partial`` called (to build an invalid value in the test)."""
    return {k: v() if isinstance(v, partial) else v for k, v in overrides.items()}


def survey(**overrides: Any) -> Survey:
    arguments: dict[str, Any] = {
        "survey_id": uuid4(),
        "kind": SurveyKind.BASELINE,
        "housing": Housing(1.5, 3, 1),
        "economy": Economy(250_000, 380_000, 50_000, 7),
        "work": (WorkAnswer(KARI, WorkStatus.UNEMPLOYED),),
        "school": (SchoolAnswer(EMMA, 3, 4),),
        "well_being": (WellBeingAnswer(KARI, 5), WellBeingAnswer(EMMA, 7)),
    }
    arguments.update(built(overrides))
    return Survey(**arguments)


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        (
            {"housing": partial(Housing, 1.5, 6, 1)},
            InvalidInputError,
            "housing.standard is 6",
        ),
        (
            {"housing": partial(Housing, float("nan"), 3, 1)},
            InvalidInputError,
            "persons_per_room",
        ),
        (
            {"economy": partial(Economy, 250_000, 380_000, -1, 7)},
            InvalidInputError,
            "economy.debt is -1",
        ),
        (
            {"well_being": partial(lambda: (WellBeingAnswer(KARI, 11),))},
            InvalidInputError,
            "ladder is 11",
        ),
        (
            {"work": (WorkAnswer(EMMA, WorkStatus.FULL_TIME),)},
            InvalidInputError,
            "adult members",
        ),
        ({"school": (SchoolAnswer(KARI, 3),)}, InvalidInputError, "current children"),
        (
            {"well_being": (WellBeingAnswer(KARI, 5), WellBeingAnswer(KARI, 6))},
            InvalidInputError,
            "two answers",
        ),
    ],
)
def test_survey_values_out_of_range_are_refused(
    overrides: dict[str, Any], error: type, message: str
) -> None:
    family = with_members()
    assert_refused(
        family, error, message,
        lambda: run(family, CompleteSurvey,
                    **answers(survey(**overrides)), occurred_on=START, actor=COORDINATOR,
                    recorded_at=NOW,
        ),
    )  # fmt: skip


def test_only_one_baseline_survey() -> None:
    family = with_members()
    run(
        family,
        CompleteSurvey,
        **answers(survey()),
        occurred_on=START,
        actor=COORDINATOR,
        recorded_at=NOW,
    )
    assert_refused(
        family, RuleViolationError, "already has a baseline",
        lambda: run(family, CompleteSurvey,
                    **answers(survey()), occurred_on=START, actor=COORDINATOR, recorded_at=NOW
        ),
    )  # fmt: skip


def test_a_step_for_an_agency_must_name_it() -> None:
    family = with_members()
    assert_refused(
        family, InvalidInputError, "must name the agency",
        lambda: run(family, AgreeStep,
                    step_id=uuid4(), description="x",
                    responsible=Responsible(ResponsibleKind.AGENCY),
            occurred_on=START, actor=COORDINATOR, recorded_at=NOW,
        ),
    )  # fmt: skip


def test_a_member_who_left_cannot_be_contacted_about_afterwards() -> None:
    family = with_members()
    grant(family)
    run(
        family,
        RecordMemberLeft,
        member_id=EMMA,
        occurred_on=START + timedelta(days=1),
        actor=COORDINATOR,
        recorded_at=NOW,
    )
    assert_refused(
        family, InvalidInputError, "was not a member", lambda: outward(family)
    )


def test_handing_over_keeps_the_coordinator_history() -> None:
    family = with_members()
    run(family, AssignCoordinator,
        coordinator_id="a", coordinator_name="Anne", occurred_on=START, actor=LEAD,
        recorded_at=NOW,
    )  # fmt: skip
    run(family, AssignCoordinator,
        coordinator_id="b", coordinator_name="Bjørn", occurred_on=START + timedelta(days=400),
        actor=LEAD, recorded_at=NOW,
    )  # fmt: skip
    assert [(c.name, c.until_on) for c in family.coordinators] == [
        ("Anne", START + timedelta(days=400)),
        ("Bjørn", None),
    ]
    assert_refused(
        family, RuleViolationError, "already the family's coordinator",
        lambda: run(family, AssignCoordinator,
                    coordinator_id="b", coordinator_name="Bjørn",
                    occurred_on=START + timedelta(days=500),
            actor=LEAD, recorded_at=NOW,
        ),
    )  # fmt: skip


def test_every_library_error_shares_one_base_class() -> None:
    for error in (InvalidInputError, NotFoundError, DuplicateIdError, RuleViolationError,
                  ConsentRequiredError):  # fmt: skip
        assert issubclass(error, FamiliekoordineringError)
