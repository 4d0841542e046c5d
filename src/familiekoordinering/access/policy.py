"""Who may do or read what: a pure function of the actor, the kind of access and the family.

:func:`authorize` decides; :func:`require` raises
:class:`~familiekoordinering.errors.AccessDeniedError` with the reason. The
rules, by role:

* everyone acts only within their own municipality: another municipality's
  families are refused, whatever the role;
* a **coordinator** records and reads the families they coordinate, enrols
  families, takes on (assigns to themselves) a family that has no coordinator
  yet, reads their own caseload and the anonymous outcome statistics; handing
  a family over to someone else is a team lead's;
* a **team lead** records and reads every family of the municipality,
  enrols, assigns and hands families over to coordinators, reads any caseload
  and the statistics, and erases;
* a **family member** reads their own family's timeline, report and access
  export, and nothing else; a member who has left reads what was recorded up
  to their leaving (:func:`readable_until`);
* a **researcher** takes the pseudonymised research export and reads the
  anonymous outcome statistics, and nothing else;
* an **auditor** runs the audit (which reads the stored events) and reads the
  anonymous outcome statistics, and nothing else;
* the **system** role (integrations, retention jobs) records, enrols,
  reassigns, reads the record and erases, but reads no timeline, caseload,
  audit or research export.

A family of another municipality is refused as if it did not exist
(:attr:`Verdict.hidden`): the answer is the same as for an unknown id, so
that nobody learns which families exist elsewhere.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

from familiekoordinering.domain.values import Actor, Role
from familiekoordinering.errors import AccessDeniedError

__all__ = [
    "Access",
    "FamilyFacts",
    "Verdict",
    "authorize",
    "readable_until",
    "require",
]


class Access(enum.StrEnum):
    """What an actor asks to do."""

    RECORD = "record"
    """Record something in a family's history (a command)."""
    ENROL = "enrol"
    """Enrol a new family in the municipality."""
    ASSIGN = "assign"
    """Assign a family's coordinator, or hand the family over to another."""
    READ_RECORD = "read_record"
    """Read a family's record: its state, history, plan, consents, "may I?"."""
    READ_TIMELINE = "read_timeline"
    """Read a family's timeline, report or access-request export."""
    READ_CASELOAD = "read_caseload"
    """Read a caseload (a list of families and what needs doing)."""
    AUDIT = "audit"
    """Run the audit of the stored events."""
    ERASE = "erase"
    """Erase a family's personal data."""
    RESEARCH_EXPORT = "research_export"
    """Take the pseudonymised research export."""
    READ_STATISTICS = "read_statistics"
    """Read anonymous outcome statistics (no names, no single family)."""


@attrs.frozen
class FamilyFacts:
    """What the policy needs to know about a family."""

    municipality: str
    coordinators: frozenset[str] = frozenset()
    """The user ids of the family's current coordinator(s)."""
    members: frozenset[str] = frozenset()
    """The member ids of the family's members (those who left included), as text."""
    left_at: Mapping[str, int] = attrs.field(factory=dict, hash=False)
    """For each member who left, as text: the version of the event recording it."""


@attrs.frozen
class Verdict:
    """The policy's answer: allowed or not, and why."""

    allowed: bool
    reason: str
    hidden: bool = False
    """Refused because the family is another municipality's: answer as for an
    unknown id, so that the refusal does not tell the family exists."""

    def __bool__(self) -> bool:
        return self.allowed


_ROLE_ACCESS: dict[Role, frozenset[Access]] = {
    Role.COORDINATOR: frozenset(
        {
            Access.READ_STATISTICS,
            Access.RECORD,
            Access.ENROL,
            Access.ASSIGN,
            Access.READ_RECORD,
            Access.READ_TIMELINE,
            Access.READ_CASELOAD,
        }
    ),
    Role.TEAM_LEAD: frozenset(
        {
            Access.READ_STATISTICS,
            Access.RECORD,
            Access.ENROL,
            Access.ASSIGN,
            Access.READ_RECORD,
            Access.READ_TIMELINE,
            Access.READ_CASELOAD,
            Access.ERASE,
        }
    ),
    Role.FAMILY_MEMBER: frozenset({Access.READ_TIMELINE}),
    Role.RESEARCHER: frozenset({Access.RESEARCH_EXPORT, Access.READ_STATISTICS}),
    Role.AUDITOR: frozenset({Access.AUDIT, Access.READ_STATISTICS}),
    Role.SYSTEM: frozenset(
        {Access.RECORD, Access.ENROL, Access.ASSIGN, Access.READ_RECORD, Access.ERASE}
    ),
}


def _deny(actor: Actor, access: Access, why: str) -> Verdict:
    return Verdict(
        False,
        f"{actor.user_id} ({actor.role.value}, municipality {actor.municipality}) "
        f"may not {access.value.replace('_', ' ')}: {why}",
    )


def authorize(
    actor: Actor,
    access: Access,
    family: FamilyFacts | None = None,
    *,
    municipality: str | None = None,
    caseload_of: str | None = None,
    assignee: str | None = None,
) -> Verdict:
    """Whether ``actor`` may do ``access``; a pure function.

    ``family`` is the family concerned, if any; ``municipality`` the one a
    family-less access concerns (a new enrolment, a caseload, an export);
    ``caseload_of`` the coordinator whose caseload is read (None: all of the
    municipality's); ``assignee`` the user a family is assigned to
    (:attr:`Access.ASSIGN`).
    """
    if not isinstance(actor, Actor) or not isinstance(actor.role, Role):
        return Verdict(False, f"{actor!r} is not an actor: give an Actor with a Role")
    if family is not None and family.municipality != actor.municipality:
        # Before any other check: whatever the role, the answer must not tell
        # that a family of another municipality exists.
        return attrs.evolve(
            _deny(actor, access, "the family is not one of their municipality's"),
            hidden=True,
        )
    allowed = _ROLE_ACCESS[actor.role]  # every role has its entry, none is empty
    if access not in allowed:
        return _deny(
            actor,
            access,
            f"the {actor.role.value} role does not allow it "
            f"(it allows: {', '.join(sorted(a.value for a in allowed))})",
        )
    concerned = family.municipality if family is not None else municipality
    if concerned is None:
        return _deny(actor, access, "no municipality or family was named")
    if concerned != actor.municipality:
        return _deny(
            actor,
            access,
            f"that belongs to municipality {concerned}; ask someone of that "
            "municipality",
        )
    if family is None:
        if (
            access is Access.READ_CASELOAD
            and actor.role is Role.COORDINATOR
            and caseload_of != actor.user_id
        ):
            return _deny(actor, access, "a coordinator reads their own caseload only")
        return Verdict(True, "allowed")
    if actor.role is Role.FAMILY_MEMBER and actor.user_id not in family.members:
        return _deny(actor, access, "a family member reads their own family only")
    if actor.role is Role.COORDINATOR and access is Access.ASSIGN:
        if family.coordinators:
            return _deny(
                actor,
                access,
                "the family has a coordinator: a team lead hands a family over",
            )
        if assignee != actor.user_id:
            return _deny(
                actor,
                access,
                "a coordinator takes a family on themselves: a team lead assigns "
                "another coordinator",
            )
        return Verdict(True, "allowed: the family has no coordinator yet")
    if actor.role is Role.COORDINATOR and actor.user_id not in family.coordinators:
        return _deny(
            actor,
            access,
            "the family is not among theirs"
            + (
                " (it has no coordinator yet: a team lead assigns one)"
                if not family.coordinators
                else ""
            ),
        )
    return Verdict(True, "allowed")


def require(
    actor: Actor,
    access: Access,
    family: FamilyFacts | None = None,
    *,
    municipality: str | None = None,
    caseload_of: str | None = None,
    assignee: str | None = None,
    unknown: Exception | None = None,
) -> None:
    """:func:`authorize`, raising :class:`AccessDeniedError` when not allowed.

    ``unknown`` is the error the caller raises for a family id it does not
    know: a family of another municipality is refused with it instead
    (:attr:`Verdict.hidden`), word for word.
    """
    verdict = authorize(
        actor,
        access,
        family,
        municipality=municipality,
        caseload_of=caseload_of,
        assignee=assignee,
    )
    if not verdict:
        if verdict.hidden and unknown is not None:
            raise unknown
        raise AccessDeniedError(verdict.reason)


def readable_until(actor: Actor, family: FamilyFacts) -> int | None:
    """The newest version of the family's history ``actor`` may read (None: all of it).

    A family member who has left reads what was recorded up to and including
    their leaving, nothing recorded after it.
    """
    if actor.role is not Role.FAMILY_MEMBER:
        return None
    return family.left_at.get(actor.user_id)
