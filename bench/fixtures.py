"""Families to benchmark with: a consenting family, and a long, mixed history.

:func:`enrol_consenting_family` uses the application API, as an app would.
:func:`build_history` (from :mod:`familiekoordinering.testing.histories`) drives
the :class:`Family` aggregate's command methods in memory, so that a history of
thousands of events can be saved at once with ``app._engine.save(family)``
(through the library's private event store).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from familiekoordinering import FamilyCoordination
from familiekoordinering.domain.actions import Channel
from familiekoordinering.domain.consent import (
    ConsentForm,
    ConsentScope,
    OutwardActionKind,
)
from familiekoordinering.domain.programme import Eligibility, Programme, ReferralSource
from familiekoordinering.domain.values import (
    Actor,
    Agency,
    AgencyKind,
    ConsentId,
    FamilyId,
    MemberId,
    MemberKind,
    Municipality,
    Role,
    Topic,
)
from familiekoordinering.testing.histories import ACTOR, START, build_history, event_mix

__all__ = [
    "ACTOR",
    "CONTACT_AGENCY",
    "CONTACT_PURPOSE",
    "READER",
    "SETUP_EVENTS",
    "START",
    "ConsentingFamily",
    "bare_contact_payload",
    "build_history",
    "enrol_consenting_family",
    "event_mix",
]

READER = Actor("t-lead", Role.TEAM_LEAD, Municipality("4204"))
"""Who reads the families back: a team lead of their municipality."""

CONTACT_AGENCY = Agency(AgencyKind.NAV, "NAV Kristiansand")
CONTACT_PURPOSE = "Søknad om bostøtte og gjennomgang av husholdningens økonomi"
SETUP_EVENTS = 7
"""Events of a consenting family before its first contact (enrolment, coordinator,
members, consent)."""


@dataclass(frozen=True)
class ConsentingFamily:
    """An enrolled family whose consent covers contacting NAV about the economy."""

    family_id: FamilyId
    adult: MemberId
    consent_id: ConsentId


def enrol_consenting_family(app: FamilyCoordination) -> ConsentingFamily:
    """Enrol a family of two adults and two children who consent to NAV contacts."""
    fid = app.enrol_family(
        municipality="4204",
        label="Hansen",
        programme=Programme.nye_monstre(),
        referral=ReferralSource.NAV,
        eligibility=Eligibility(250_000, 300_000, 3),
        occurred_on=START,
        actor=ACTOR,
    )
    app.assign_coordinator(  # the coordinator takes the family on
        fid,
        coordinator_id=ACTOR.user_id,
        coordinator_name="Kari Nilsen",
        occurred_on=START,
        actor=ACTOR,
    )
    kari = app.add_member(
        fid,
        name="Kari Hansen",
        birth_date=date(1990, 3, 1),
        kind=MemberKind.ADULT,
        occurred_on=START,
        actor=ACTOR,
    )
    per = app.add_member(
        fid,
        name="Per Hansen",
        birth_date=date(1987, 9, 12),
        kind=MemberKind.ADULT,
        occurred_on=START,
        actor=ACTOR,
    )
    children = [
        app.add_member(
            fid,
            name=name,
            birth_date=born,
            kind=MemberKind.CHILD,
            guardian_ids=[kari, per],
            occurred_on=START,
            actor=ACTOR,
        )
        for name, born in (("Ola", date(2015, 3, 1)), ("Ingrid", date(2018, 6, 20)))
    ]
    consent_id = app.grant_consent(
        fid,
        scope=ConsentScope(
            Agency(AgencyKind.NAV),
            frozenset({Topic.ECONOMY, Topic.WORK, Topic.HOUSING}),
            frozenset({kari, per, *children}),
        ),
        given_by=[kari, per],
        form=ConsentForm.WRITTEN,
        purpose="Samarbeid med NAV om økonomi, arbeid og bolig",
        occurred_on=START,
        actor=ACTOR,
    )
    return ConsentingFamily(fid, kari, consent_id)


def bare_contact_payload(
    member_id: UUID, consent_id: UUID, occurred_on: date, inform_by: date
) -> dict[str, Any]:
    """The plain-JSON twin of an ``AgencyContacted`` event, for the baseline.

    The same fields with the same values, written as plain ``str``/``dict``/
    ``list`` values, as our mapper stores them.
    """
    return {
        "occurred_on": occurred_on.isoformat(),
        "actor": {
            "user_id": ACTOR.user_id,
            "role": ACTOR.role.value,
            "municipality": ACTOR.municipality,
        },
        "action_id": str(uuid4()),
        "kind": OutwardActionKind.CONTACT.value,
        "agency": {"kind": CONTACT_AGENCY.kind.value, "unit": CONTACT_AGENCY.unit},
        "topics": [Topic.ECONOMY.value],
        "member_ids": [str(member_id)],
        "purpose": CONTACT_PURPOSE,
        "channel": Channel.PHONE.value,
        "consent_ids": [str(consent_id)],
        "family_knows": {
            "kind": "inform_afterwards",
            "agreed_in": None,
            "inform_by": inform_by.isoformat(),
        },
    }


# ---------------------------------------------------------------- long history

# How often each kind of record is made, after the family is set up.
