"""The input rules of ``domain/rules.py``, pinned at the edges mutation testing probes.

Each test is named for the behaviour it pins; together they kill every mutant
of the module the mutation run (``[tool.mutmut]``, docs/consent.md) makes,
calling the pure functions directly. Values that skipped their own checks
(built inside :func:`loading_stored_history`, as values rebuilt from stored
history are) show that the rules check again what they rely on, and name the
field in what they say.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from familiekoordinering.domain.capacity import ConsentAges
from familiekoordinering.domain.programme import Eligibility, Programme
from familiekoordinering.domain.rules import (
    check_actor,
    check_adult,
    check_caseload,
    check_eligibility,
    check_enrolment_date,
    check_member,
    check_new_id,
    check_not_after_recording,
    check_programme,
    check_survey,
    check_survey_date,
    recording_day,
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
from familiekoordinering.domain.validation import loading_stored_history
from familiekoordinering.domain.values import (
    Actor,
    Member,
    MemberId,
    MemberKind,
    Municipality,
    Role,
)
from familiekoordinering.errors import (
    DuplicateIdError,
    InvalidInputError,
    RuleViolationError,
)

pytestmark = pytest.mark.domain

ON = date(2026, 1, 5)
DAY = timedelta(days=1)
AGES = ConsentAges.norway()
KARI = MemberId(UUID(int=1))  # an adult
ODD = MemberId(UUID(int=2))  # an adult
EMMA = MemberId(UUID(int=3))  # a child
NOBODY = MemberId(UUID(int=4))  # not a member


def _member(
    member_id: MemberId,
    kind: MemberKind,
    born: date,
    guardians: frozenset[MemberId] = frozenset(),
    name: str = "Kari",
) -> Member:
    return Member(member_id, name, born, kind, guardians)


ADULTS = {
    KARI: _member(KARI, MemberKind.ADULT, date(1990, 3, 1)),
    ODD: _member(ODD, MemberKind.ADULT, date(1988, 7, 9), name="Odd"),
}
CHILDREN = {
    EMMA: _member(EMMA, MemberKind.CHILD, date(2015, 5, 5), frozenset({KARI})),
}


HOUSING = Housing(1.0, 3, 0)
ECONOMY = Economy(300_000, 400_000, 0, 0)


def _survey(
    housing: Housing = HOUSING, economy: Economy = ECONOMY, **answers: object
) -> Survey:
    return Survey(UUID(int=99), SurveyKind.ANNUAL, housing, economy, **answers)  # type: ignore[arg-type]


def _unchecked_survey(**fields: Any) -> Survey:
    """A survey rebuilt from stored history: its own checks did not run."""
    with loading_stored_history():
        return _survey(**fields)


# ------------------------------------------------------------ the caseload


def test_below_the_caseload_a_family_is_taken_on_without_an_override() -> None:
    assert check_caseload("k-lund", 24, 25, None) is False
    assert check_caseload("k-lund", 0, 1, None) is False


def test_without_a_caseload_any_number_of_families_is_taken_on() -> None:
    assert check_caseload("k-lund", 1000, None, None) is False


def test_a_caseload_at_exactly_the_limit_is_refused_without_an_override() -> None:
    with pytest.raises(RuleViolationError, match="already follows 25 families"):
        check_caseload("k-lund", 25, 25, None)


def test_a_caseload_beyond_the_limit_is_refused_without_an_override() -> None:
    with pytest.raises(RuleViolationError, match="already follows 30 families"):
        check_caseload("k-lund", 30, 25, None)


def test_an_override_at_or_beyond_the_limit_is_recorded() -> None:
    assert check_caseload("k-lund", 25, 25, "Søsken av en familie hun følger") is True
    assert check_caseload("k-lund", 30, 25, "Vedtak av leder 2026-01-05") is True


def test_an_override_below_the_limit_or_without_one_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="fewer than the programme's caseload"):
        check_caseload("k-lund", 24, 25, "Søsken")
    with pytest.raises(InvalidInputError, match="sets no caseload"):
        check_caseload("k-lund", 30, None, "Søsken")


def test_a_blank_override_is_refused_naming_over_caseload() -> None:
    with pytest.raises(InvalidInputError, match=r"^over_caseload must not be blank"):
        check_caseload("k-lund", 25, 25, "   ")


def test_an_override_that_is_not_text_is_refused_naming_over_caseload() -> None:
    with pytest.raises(InvalidInputError, match=r"^over_caseload must be a text"):
        check_caseload("k-lund", 25, 25, 7)  # type: ignore[arg-type]


def test_an_override_is_free_text_without_control_characters_or_lone_surrogates() -> (
    None
):
    """It is stored as the override's reason: a lone surrogate cannot be stored at all."""
    assert check_caseload("k-lund", 25, 25, "Leder sa ja.\r\nVedtak 2026-01-05") is True
    with pytest.raises(InvalidInputError, match=r"^over_caseload holds the control"):
        check_caseload("k-lund", 25, 25, "Leder\x00sa ja")
    with pytest.raises(
        InvalidInputError, match=r"^over_caseload holds a lone surrogate"
    ):
        check_caseload("k-lund", 25, 25, "Leder\ud800")


# ------------------------------------------------------------ actor, ids, settings


def test_an_actor_is_checked_again_naming_its_user_id() -> None:
    check_actor(Actor("k-lund", Role.COORDINATOR, Municipality("4204")))
    with loading_stored_history():
        blank = Actor("  ", Role.COORDINATOR, Municipality("4204"))
        no_kommune = Actor("k-lund", Role.COORDINATOR, Municipality("Oslo"))
    with pytest.raises(InvalidInputError, match=r"^actor\.user_id must not be blank"):
        check_actor(blank)
    with pytest.raises(InvalidInputError, match="is not a municipality number"):
        check_actor(no_kommune)


def test_anything_but_an_actor_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="actor must be an Actor"):
        check_actor("k-lund")  # type: ignore[arg-type]


def test_a_new_id_is_accepted_and_a_used_one_refused() -> None:
    check_new_id("member", NOBODY, ADULTS)
    check_new_id("member", NOBODY, set())
    with pytest.raises(DuplicateIdError, match=r"member id .* is already used"):
        check_new_id("member", KARI, ADULTS)
    with pytest.raises(DuplicateIdError):
        check_new_id("member", KARI, {KARI})


def test_programme_settings_and_eligibility_are_checked_again() -> None:
    check_programme(Programme.nye_monstre())
    check_eligibility(Eligibility(300_000, 400_000, 3))
    nye_monstre = Programme.nye_monstre()
    with loading_stored_history():
        endless = Programme(
            nye_monstre.kind, nye_monstre.name, nye_monstre.jurisdiction, 0, 12
        )
        negative = Eligibility(-1, 400_000, 3)
    with pytest.raises(InvalidInputError, match="duration_months"):
        check_programme(endless)
    with pytest.raises(InvalidInputError, match="household_income"):
        check_eligibility(negative)


# ------------------------------------------------------------ recording day


def test_the_recording_day_is_the_date_in_utc_plus_14() -> None:
    assert recording_day(datetime(2026, 1, 5, 9, 59, tzinfo=UTC)) == ON
    assert recording_day(datetime(2026, 1, 5, 10, 0, tzinfo=UTC)) == ON + DAY
    assert recording_day(datetime(2026, 1, 4, 23, 0, tzinfo=UTC)) == ON


def test_the_last_moments_of_the_calendar_are_its_last_day() -> None:
    assert recording_day(datetime.max.replace(tzinfo=UTC)) == date.max


def test_a_recording_time_without_a_zone_or_not_a_time_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="timezone-aware"):
        recording_day(datetime(2026, 1, 5, 12))
    with pytest.raises(InvalidInputError, match="timezone-aware"):
        recording_day(ON)  # type: ignore[arg-type]


def test_an_event_on_the_recording_day_is_accepted_and_the_day_after_refused() -> None:
    recorded_at = datetime(2026, 1, 5, 9, 59, tzinfo=UTC)  # 23:59 on the 5th in UTC+14
    check_not_after_recording("occurred_on", ON, recorded_at)
    check_not_after_recording("occurred_on", ON - DAY, recorded_at)
    with pytest.raises(InvalidInputError, match=r"^occurred_on 2026-01-06 is after"):
        check_not_after_recording("occurred_on", ON + DAY, recorded_at)


# ------------------------------------------------------------ enrolment and surveys


def test_an_enrolment_is_accepted_while_the_calendar_holds_its_planned_end() -> None:
    programme = Programme.nye_monstre()  # 60 months
    check_enrolment_date(ON, programme)
    check_enrolment_date(date(9994, 12, 31), programme)  # ends 9999-12-30
    with pytest.raises(InvalidInputError, match="would end after 9999-12-31"):
        check_enrolment_date(date(9995, 1, 1), programme)


def test_without_a_baseline_a_survey_may_have_any_date() -> None:
    check_survey_date(SurveyKind.ANNUAL, date(2000, 1, 1), None, 0)
    check_survey_date(SurveyKind.BASELINE, date(2000, 1, 1), None, 0)


def test_a_survey_on_the_baseline_day_is_accepted_and_the_day_before_refused() -> None:
    check_survey_date(SurveyKind.ANNUAL, ON, ON, 1)
    check_survey_date(SurveyKind.ANNUAL, ON + DAY, ON, 1)
    with pytest.raises(InvalidInputError, match="before the family's baseline"):
        check_survey_date(SurveyKind.ANNUAL, ON - DAY, ON, 1)


def test_a_baseline_after_other_surveys_is_refused_and_the_first_accepted() -> None:
    check_survey_date(SurveyKind.BASELINE, ON, None, 0)
    with pytest.raises(RuleViolationError, match="already has 2 survey"):
        check_survey_date(SurveyKind.BASELINE, ON, None, 2)


def test_annual_surveys_before_any_baseline_are_accepted() -> None:
    check_survey_date(SurveyKind.ANNUAL, ON, None, 3)


def test_a_second_baseline_is_left_to_the_family_s_one_baseline_rule() -> None:
    """The date rule judges a baseline only where there is none yet."""
    check_survey_date(SurveyKind.BASELINE, ON + DAY, ON, 1)


# ------------------------------------------------------------ adults and members


def test_an_adult_is_accepted_on_the_adult_birthday_and_refused_the_day_before() -> (
    None
):
    adult = _member(NOBODY, MemberKind.ADULT, date(2008, 1, 5))
    check_adult(adult, ON, AGES)  # 18 today
    check_adult(adult, ON + DAY, AGES)
    with pytest.raises(InvalidInputError, match="is 17 on 2026-01-04"):
        check_adult(adult, ON - DAY, AGES)


def test_a_child_member_may_be_any_age() -> None:
    check_adult(_member(NOBODY, MemberKind.CHILD, ON), ON, AGES)
    check_adult(_member(NOBODY, MemberKind.CHILD, date(1990, 1, 1)), ON, AGES)


def test_the_programme_s_adult_age_is_the_one_judged() -> None:
    adult = _member(NOBODY, MemberKind.ADULT, date(2010, 1, 5))  # 16 today
    check_adult(adult, ON, ConsentAges(adult_age=16))
    with pytest.raises(InvalidInputError, match="an adult is at least 17"):
        check_adult(adult, ON, ConsentAges(adult_age=17))


def test_a_member_with_a_blank_name_is_refused_naming_the_member_name() -> None:
    with loading_stored_history():
        blank = _member(NOBODY, MemberKind.ADULT, date(1990, 1, 1), name=" ")
    with pytest.raises(InvalidInputError, match=r"^member name must not be blank"):
        check_member(blank, ON, ADULTS, AGES)


def test_a_member_born_on_the_day_they_are_added_is_accepted() -> None:
    check_member(
        _member(NOBODY, MemberKind.CHILD, ON, frozenset({KARI})), ON, ADULTS, AGES
    )


def test_a_member_born_after_the_day_they_are_added_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="is after the date the member"):
        check_member(_member(NOBODY, MemberKind.CHILD, ON + DAY), ON, ADULTS, AGES)


def test_a_member_of_exactly_120_is_accepted_and_of_121_refused() -> None:
    check_member(_member(NOBODY, MemberKind.ADULT, date(1906, 1, 5)), ON, ADULTS, AGES)
    check_member(_member(NOBODY, MemberKind.ADULT, date(1905, 1, 6)), ON, ADULTS, AGES)
    with pytest.raises(InvalidInputError, match="over 120 years old"):
        check_member(
            _member(NOBODY, MemberKind.ADULT, date(1905, 1, 5)), ON, ADULTS, AGES
        )


def test_an_under_age_adult_member_is_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"add them as MemberKind\.CHILD"):
        check_member(
            _member(NOBODY, MemberKind.ADULT, date(2010, 1, 1)), ON, ADULTS, AGES
        )


def test_an_adult_member_of_age_is_accepted_by_the_programme_s_ages() -> None:
    adult = _member(NOBODY, MemberKind.ADULT, date(2010, 1, 5))  # 16 today
    check_member(adult, ON, ADULTS, ConsentAges(adult_age=16))


def test_an_adult_member_with_guardians_is_refused() -> None:
    adult = _member(NOBODY, MemberKind.ADULT, date(1990, 1, 1), frozenset({KARI}))
    with pytest.raises(InvalidInputError, match="an adult member has no guardians"):
        check_member(adult, ON, ADULTS, AGES)


def test_a_child_with_adult_guardians_of_the_family_is_accepted() -> None:
    child = _member(NOBODY, MemberKind.CHILD, date(2020, 1, 1), frozenset({KARI, ODD}))
    check_member(child, ON, ADULTS, AGES)
    check_member(_member(NOBODY, MemberKind.CHILD, date(2020, 1, 1)), ON, ADULTS, AGES)


def test_a_child_whose_guardian_is_not_an_adult_member_is_refused() -> None:
    child = _member(NOBODY, MemberKind.CHILD, date(2020, 1, 1), frozenset({EMMA}))
    with pytest.raises(InvalidInputError, match="is not an adult member"):
        check_member(child, ON, ADULTS, AGES)


# ------------------------------------------------------------ survey answers


def test_answers_for_the_right_members_are_accepted() -> None:
    check_survey(_survey(), ADULTS, CHILDREN)
    check_survey(
        _survey(
            work=(WorkAnswer(KARI, WorkStatus.FULL_TIME),),
            school=(SchoolAnswer(EMMA, 4),),
            leisure=(LeisureAnswer(EMMA, 2),),
            well_being=(WellBeingAnswer(KARI, 7), WellBeingAnswer(EMMA, 8)),
            note="Første kartlegging",
        ),
        ADULTS,
        CHILDREN,
    )


def test_a_leisure_answer_for_a_child_is_accepted_and_for_an_adult_refused() -> None:
    check_survey(_survey(leisure=(LeisureAnswer(EMMA, 2),)), ADULTS, CHILDREN)
    with pytest.raises(InvalidInputError, match="leisure is asked of current children"):
        check_survey(_survey(leisure=(LeisureAnswer(KARI, 2),)), ADULTS, CHILDREN)


def test_a_work_answer_for_a_child_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="work is asked of current adult"):
        check_survey(
            _survey(work=(WorkAnswer(EMMA, WorkStatus.EDUCATION),)), ADULTS, CHILDREN
        )


def test_a_school_answer_for_an_adult_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="school is asked of current children"):
        check_survey(_survey(school=(SchoolAnswer(KARI, 3),)), ADULTS, CHILDREN)


def test_a_well_being_answer_is_for_any_current_member_and_no_one_else() -> None:
    check_survey(_survey(well_being=(WellBeingAnswer(ODD, 5),)), ADULTS, CHILDREN)
    check_survey(_survey(well_being=(WellBeingAnswer(EMMA, 5),)), ADULTS, CHILDREN)
    with pytest.raises(InvalidInputError, match="not a current member"):
        check_survey(
            _survey(well_being=(WellBeingAnswer(NOBODY, 5),)), ADULTS, CHILDREN
        )


@pytest.mark.parametrize(
    ("area", "answer"),
    [
        ("work", WorkAnswer(KARI, WorkStatus.PART_TIME)),
        ("school", SchoolAnswer(EMMA, 3)),
        ("leisure", LeisureAnswer(EMMA, 1)),
        ("well_being", WellBeingAnswer(KARI, 6)),
    ],
)
def test_two_answers_for_one_member_in_an_area_are_refused_naming_the_area(
    area: str, answer: object
) -> None:
    survey = _survey(**{area: (answer, answer)})
    with pytest.raises(InvalidInputError, match=rf"^{area} has two answers for member"):
        check_survey(survey, ADULTS, CHILDREN)


def test_answers_out_of_range_are_checked_again() -> None:
    with loading_stored_history():
        crowded = Housing(25.0, 3, 0)
        in_debt = Economy(-1, 400_000, 0, 0)
        unhappy = WellBeingAnswer(KARI, 11)
    with pytest.raises(InvalidInputError, match="persons_per_room"):
        check_survey(_unchecked_survey(housing=crowded), ADULTS, CHILDREN)
    with pytest.raises(InvalidInputError, match="household_income"):
        check_survey(_unchecked_survey(economy=in_debt), ADULTS, CHILDREN)
    with pytest.raises(InvalidInputError, match="ladder"):
        check_survey(_unchecked_survey(well_being=(unhappy,)), ADULTS, CHILDREN)


def test_a_survey_without_a_note_is_accepted() -> None:
    check_survey(_survey(note=None), ADULTS, CHILDREN)


def test_a_blank_note_is_refused_naming_the_survey_note() -> None:
    with pytest.raises(InvalidInputError, match=r"^survey note must not be blank"):
        check_survey(_unchecked_survey(note="  "), ADULTS, CHILDREN)
