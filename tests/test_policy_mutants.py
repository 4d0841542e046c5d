"""The access policy (``access/policy.py``), pinned at the edges mutation testing probes.

Each test is named for the behaviour it pins; together they kill every mutant
of the module the mutation run (``[tool.mutmut]``, docs/consent.md) makes,
calling :func:`authorize`, :func:`require` and :func:`readable_until`
directly, with the exact verdict and reason an actor gets. No store, no
application: the policy is a pure function of the actor, the access and the
family's facts.
"""

from __future__ import annotations

from typing import Any

import pytest

from familiekoordinering.access.policy import (
    Access,
    FamilyFacts,
    Verdict,
    authorize,
    readable_until,
    require,
)
from familiekoordinering.domain.values import Actor, Municipality, Role
from familiekoordinering.errors import AccessDeniedError, NotFoundError
from tests.conftest import AUDITOR, COORDINATOR, KOMMUNE, LEAD

pytestmark = pytest.mark.domain

ELSEWHERE = Municipality("1103")
OTHER_COORDINATOR = Actor("o-berg", Role.COORDINATOR, KOMMUNE)
RESEARCHER = Actor("f-forsker", Role.RESEARCHER, KOMMUNE)
SYSTEM = Actor("s-jobb", Role.SYSTEM, KOMMUNE)
MEMBER = Actor("00000000-0000-0000-0000-000000000001", Role.FAMILY_MEMBER, KOMMUNE)
LEAD_ELSEWHERE = Actor("t-lead", Role.TEAM_LEAD, ELSEWHERE)
EVERYONE = (COORDINATOR, LEAD, MEMBER, RESEARCHER, AUDITOR, SYSTEM)

OURS = FamilyFacts(
    KOMMUNE,
    coordinators=frozenset({COORDINATOR.user_id}),
    members=frozenset({MEMBER.user_id}),
)
"""A family of the actors' municipality, coordinated by k-lund, MEMBER in it."""
UNASSIGNED = FamilyFacts(KOMMUNE, members=frozenset({MEMBER.user_id}))
"""A family of the actors' municipality that has no coordinator yet."""
THEIRS = FamilyFacts(
    ELSEWHERE,
    coordinators=frozenset({COORDINATOR.user_id}),
    members=frozenset({MEMBER.user_id}),
)
"""A family of another municipality (the ids alike, so only the municipality differs)."""

ALLOWED: dict[Role, set[Access]] = {
    Role.COORDINATOR: {
        Access.RECORD, Access.ENROL, Access.ASSIGN, Access.READ_RECORD,
        Access.READ_TIMELINE, Access.READ_CASELOAD, Access.READ_STATISTICS,
    },
    Role.TEAM_LEAD: {
        Access.RECORD, Access.ENROL, Access.ASSIGN, Access.READ_RECORD,
        Access.READ_TIMELINE, Access.READ_CASELOAD, Access.READ_STATISTICS,
        Access.ERASE,
    },
    Role.FAMILY_MEMBER: {Access.READ_TIMELINE},
    Role.RESEARCHER: {Access.RESEARCH_EXPORT, Access.READ_STATISTICS},
    Role.AUDITOR: {Access.AUDIT, Access.READ_STATISTICS},
    Role.SYSTEM: {
        Access.RECORD, Access.ENROL, Access.ASSIGN, Access.READ_RECORD, Access.ERASE
    },
}  # fmt: skip
"""What each role may do at all, written out apart from the module."""


def denied(actor: Actor, doing: str, why: str) -> Verdict:
    """The refusal ``actor`` gets for ``doing`` (an access in words), and why."""
    return Verdict(
        False,
        f"{actor.user_id} ({actor.role}, municipality {actor.municipality}) "
        f"may not {doing}: {why}",
    )


def test_a_verdict_is_true_exactly_when_allowed_and_not_hidden_by_default() -> None:
    assert bool(Verdict(True, "allowed")) is True
    assert bool(Verdict(False, "no")) is False
    assert Verdict(False, "no").hidden is False


def test_the_refusal_names_the_actor_their_role_municipality_and_the_access() -> None:
    verdict = authorize(RESEARCHER, Access.READ_RECORD, OURS)
    assert verdict == Verdict(
        False,
        "f-forsker (researcher, municipality 4204) may not read record: the "
        "researcher role does not allow it (it allows: read_statistics, "
        "research_export)",
    )
    assert verdict.allowed is False
    assert verdict.hidden is False


def test_what_is_not_an_actor_is_refused_without_raising() -> None:
    text: Any = "k-lund"
    assert authorize(text, Access.READ_STATISTICS, municipality=KOMMUNE) == Verdict(
        False, "'k-lund' is not an actor: give an Actor with a Role"
    )
    assert authorize(None, Access.RECORD, OURS) == Verdict(  # type: ignore[arg-type]
        False, "None is not an actor: give an Actor with a Role"
    )


def test_an_actor_whose_role_is_not_a_role_is_refused_without_raising() -> None:
    for role in ("coordinator", "nobody"):  # the text of a role is not a role
        actor = Actor("k-lund", Role.COORDINATOR, KOMMUNE)
        object.__setattr__(actor, "role", role)  # as a careless caller might
        verdict = authorize(actor, Access.READ_STATISTICS, municipality=KOMMUNE)
        assert verdict == Verdict(
            False, f"{actor!r} is not an actor: give an Actor with a Role"
        )


@pytest.mark.parametrize("actor", EVERYONE)
@pytest.mark.parametrize("access", list(Access))
def test_a_family_of_another_municipality_is_refused_as_unknown_whatever_the_role(
    actor: Actor, access: Access
) -> None:
    verdict = authorize(actor, access, THEIRS, municipality=KOMMUNE, assignee="k-lund")
    assert verdict.allowed is False
    assert verdict.hidden is True
    assert verdict.reason == (
        f"{actor.user_id} ({actor.role}, municipality 4204) may not "
        f"{access.value.replace('_', ' ')}: the family is not one of their "
        "municipality's"
    )


def test_a_team_lead_of_another_municipality_may_not_hand_over() -> None:
    verdict = authorize(LEAD_ELSEWHERE, Access.ASSIGN, OURS, assignee="o-berg")
    assert (verdict.allowed, verdict.hidden) == (False, True)
    assert verdict.reason == (
        "t-lead (team_lead, municipality 1103) may not assign: the family is not "
        "one of their municipality's"
    )


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_allowed_exactly_its_accesses_and_told_which_those_are(
    role: Role,
) -> None:
    actor = Actor("x-bruker", role, KOMMUNE)
    mine = sorted(a.value for a in ALLOWED[role])
    for access in Access:
        # Family-less, the municipality named (a coordinator's own caseload).
        verdict = authorize(actor, access, municipality=KOMMUNE, caseload_of="x-bruker")
        if access in ALLOWED[role]:
            assert verdict == Verdict(True, "allowed"), access
        else:
            assert verdict == denied(
                actor,
                access.value.replace("_", " "),
                f"the {role} role does not allow it (it allows: {', '.join(mine)})",
            )
            assert verdict.hidden is False


def test_each_access_is_refused_in_words_with_spaces_for_underscores() -> None:
    words = {
        Access.RECORD: "record",
        Access.ENROL: "enrol",
        Access.ASSIGN: "assign",
        Access.READ_RECORD: "read record",
        Access.READ_TIMELINE: "read timeline",
        Access.READ_CASELOAD: "read caseload",
        Access.AUDIT: "audit",
        Access.ERASE: "erase",
        Access.RESEARCH_EXPORT: "research export",
        Access.READ_STATISTICS: "read statistics",
    }
    for access, doing in words.items():
        reason = authorize(LEAD, access, THEIRS).reason
        assert reason.startswith(
            f"t-lead (team_lead, municipality 4204) may not {doing}: "
        )


def test_a_family_less_access_without_a_municipality_is_refused() -> None:
    assert authorize(LEAD, Access.ENROL) == denied(
        LEAD, "enrol", "no municipality or family was named"
    )
    assert authorize(RESEARCHER, Access.RESEARCH_EXPORT, municipality=None) == denied(
        RESEARCHER, "research export", "no municipality or family was named"
    )


def test_a_family_less_access_to_another_municipality_is_refused_openly() -> None:
    verdict = authorize(LEAD, Access.ENROL, municipality=ELSEWHERE)
    assert verdict == Verdict(
        False,
        "t-lead (team_lead, municipality 4204) may not enrol: that belongs to "
        "municipality 1103; ask someone of that municipality",
    )
    assert verdict.hidden is False


def test_the_familys_municipality_counts_not_the_one_named_beside_it() -> None:
    assert authorize(LEAD, Access.RECORD, OURS, municipality=ELSEWHERE) == Verdict(
        True, "allowed"
    )


def test_a_coordinator_reads_their_own_caseload_only() -> None:
    mine = authorize(
        COORDINATOR, Access.READ_CASELOAD, municipality=KOMMUNE, caseload_of="k-lund"
    )
    assert mine == Verdict(True, "allowed")
    only_own = "a coordinator reads their own caseload only"
    for whose in ("o-berg", None):  # another's, or the whole municipality's
        assert authorize(
            COORDINATOR, Access.READ_CASELOAD, municipality=KOMMUNE, caseload_of=whose
        ) == denied(COORDINATOR, "read caseload", only_own)


def test_a_team_lead_reads_any_caseload_and_the_whole_municipalitys() -> None:
    for whose in ("k-lund", "o-berg", None):
        assert authorize(
            LEAD, Access.READ_CASELOAD, municipality=KOMMUNE, caseload_of=whose
        ) == Verdict(True, "allowed")


def test_a_coordinator_enrols_and_reads_statistics_without_naming_a_caseload() -> None:
    for access in (Access.ENROL, Access.READ_STATISTICS):
        assert authorize(
            COORDINATOR, access, municipality=KOMMUNE, caseload_of=None
        ) == Verdict(True, "allowed")


def test_a_family_member_reads_their_own_familys_timeline() -> None:
    assert authorize(MEMBER, Access.READ_TIMELINE, OURS) == Verdict(True, "allowed")


def test_a_family_member_may_not_read_another_familys_timeline() -> None:
    other = FamilyFacts(KOMMUNE, coordinators=frozenset({"k-lund"}))
    assert authorize(MEMBER, Access.READ_TIMELINE, other) == denied(
        MEMBER, "read timeline", "a family member reads their own family only"
    )


def test_a_coordinator_takes_on_a_family_that_has_no_coordinator_yet() -> None:
    assert authorize(
        COORDINATOR, Access.ASSIGN, UNASSIGNED, assignee="k-lund"
    ) == Verdict(True, "allowed: the family has no coordinator yet")


def test_a_coordinator_may_not_assign_another_coordinator() -> None:
    why = (
        "a coordinator takes a family on themselves: a team lead assigns another "
        "coordinator"
    )
    for assignee in ("o-berg", None):
        assert authorize(
            COORDINATOR, Access.ASSIGN, UNASSIGNED, assignee=assignee
        ) == denied(COORDINATOR, "assign", why)


def test_a_coordinator_may_not_hand_over_a_family_that_has_a_coordinator() -> None:
    why = "the family has a coordinator: a team lead hands a family over"
    for assignee in ("o-berg", "k-lund"):  # even their own family, even to themselves
        assert authorize(COORDINATOR, Access.ASSIGN, OURS, assignee=assignee) == (
            denied(COORDINATOR, "assign", why)
        )
    assert authorize(OTHER_COORDINATOR, Access.ASSIGN, OURS, assignee="o-berg") == (
        denied(OTHER_COORDINATOR, "assign", why)
    )


def test_a_team_lead_hands_a_family_over_and_assigns_one() -> None:
    assert authorize(LEAD, Access.ASSIGN, OURS, assignee="o-berg") == Verdict(
        True, "allowed"
    )
    assert authorize(LEAD, Access.ASSIGN, UNASSIGNED, assignee="k-lund") == Verdict(
        True, "allowed"
    )


def test_a_coordinator_records_and_reads_the_families_they_coordinate() -> None:
    for access in (Access.RECORD, Access.READ_RECORD, Access.READ_TIMELINE):
        assert authorize(COORDINATOR, access, OURS) == Verdict(True, "allowed")


def test_a_coordinator_may_not_touch_a_family_coordinated_by_another() -> None:
    assert authorize(OTHER_COORDINATOR, Access.RECORD, OURS) == denied(
        OTHER_COORDINATOR, "record", "the family is not among theirs"
    )


def test_a_coordinator_is_told_a_family_without_coordinator_needs_a_team_lead() -> None:
    assert authorize(COORDINATOR, Access.READ_RECORD, UNASSIGNED) == denied(
        COORDINATOR,
        "read record",
        "the family is not among theirs (it has no coordinator yet: a team lead "
        "assigns one)",
    )


def test_the_other_roles_act_on_any_family_of_their_municipality() -> None:
    assert authorize(LEAD, Access.ERASE, UNASSIGNED) == Verdict(True, "allowed")
    assert authorize(SYSTEM, Access.RECORD, UNASSIGNED) == Verdict(True, "allowed")
    assert authorize(SYSTEM, Access.ASSIGN, OURS, assignee="o-berg") == Verdict(
        True, "allowed"
    )
    assert authorize(AUDITOR, Access.AUDIT, OURS) == Verdict(True, "allowed")


def test_require_returns_quietly_when_allowed() -> None:
    assert require(LEAD, Access.RECORD, OURS) is None  # type: ignore[func-returns-value]


def test_require_raises_the_reason_when_refused() -> None:
    with pytest.raises(AccessDeniedError) as refused:
        require(OTHER_COORDINATOR, Access.RECORD, OURS, unknown=NotFoundError("x"))
    assert str(refused.value) == (
        "o-berg (coordinator, municipality 4204) may not record: the family is not "
        "among theirs"
    )


def test_require_raises_the_callers_unknown_error_for_another_municipality() -> None:
    unknown = NotFoundError("no family 1234")
    with pytest.raises(NotFoundError) as refused:
        require(LEAD, Access.READ_RECORD, THEIRS, unknown=unknown)
    assert refused.value is unknown


def test_require_without_an_unknown_error_refuses_another_municipality_openly() -> None:
    with pytest.raises(AccessDeniedError) as refused:
        require(LEAD, Access.READ_RECORD, THEIRS)
    assert str(refused.value) == (
        "t-lead (team_lead, municipality 4204) may not read record: the family is "
        "not one of their municipality's"
    )


def test_require_passes_the_municipality_caseload_and_assignee_on() -> None:
    require(LEAD, Access.ENROL, municipality=KOMMUNE)
    require(
        COORDINATOR, Access.READ_CASELOAD, municipality=KOMMUNE, caseload_of="k-lund"
    )
    require(COORDINATOR, Access.ASSIGN, UNASSIGNED, assignee="k-lund")
    with pytest.raises(AccessDeniedError, match="no municipality or family was named"):
        require(LEAD, Access.ENROL)
    with pytest.raises(AccessDeniedError, match="their own caseload only"):
        require(COORDINATOR, Access.READ_CASELOAD, municipality=KOMMUNE)
    with pytest.raises(AccessDeniedError, match="takes a family on themselves"):
        require(COORDINATOR, Access.ASSIGN, UNASSIGNED)


def test_a_member_who_left_reads_up_to_their_leaving() -> None:
    left = FamilyFacts(
        KOMMUNE,
        members=frozenset({MEMBER.user_id, "m-2"}),
        left_at={MEMBER.user_id: 17},
    )
    assert readable_until(MEMBER, left) == 17
    assert readable_until(MEMBER, OURS) is None  # still in the family: all of it


def test_only_a_family_member_is_limited_to_what_was_recorded_before_leaving() -> None:
    # Someone else with the same id as a member who left still reads everything.
    for actor in (COORDINATOR, LEAD, SYSTEM):
        left = FamilyFacts(
            KOMMUNE,
            coordinators=frozenset({COORDINATOR.user_id}),
            left_at={actor.user_id: 3},
        )
        assert readable_until(actor, left) is None
