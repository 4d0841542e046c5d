"""One fixed example of every event type, for golden stored payloads and the docs.

The examples never change. If an event's stored form must change, the change
needs an upcaster (``class_version`` and ``upcast_vN_vN+1``) that turns the old
golden payload into the new event, a new golden file beside the old one, and a
CHANGELOG entry. Write the files for new examples (never overwriting one) with
``python -m familiekoordinering.testing.examples DIRECTORY``.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from familiekoordinering import (
    Actor,
    Agency,
    AgencyKind,
    Benefit,
    Channel,
    ConsentForm,
    ConsentScope,
    Economy,
    Eligibility,
    EndReason,
    Family,
    FamilyKnows,
    GainKind,
    Housing,
    InvestmentDecision,
    InvestmentKind,
    LeisureAnswer,
    MemberId,
    MemberKind,
    Municipality,
    OutwardActionKind,
    Programme,
    ReferralSource,
    Responsible,
    ResponsibleKind,
    Role,
    SchoolAnswer,
    SectorPlanKind,
    Survey,
    SurveyId,
    SurveyKind,
    TeamMemberId,
    Topic,
    WellBeingAnswer,
    WorkAnswer,
    WorkStatus,
)
from familiekoordinering.domain.caseload import Caseload, caseload_id
from familiekoordinering.domain.inquiry import (
    Inquiry,
    InquiryOutcome,
    InquirySource,
    InquiryWork,
)
from familiekoordinering.serialisation import CattrsMapper

FAMILY = UUID("00000000-0000-4000-8000-000000000001")
KARI = MemberId(UUID("00000000-0000-4000-8000-0000000000a1"))
EMMA = MemberId(UUID("00000000-0000-4000-8000-0000000000c1"))
CONSENT = UUID("00000000-0000-4000-8000-0000000000d1")
ACTION = UUID("00000000-0000-4000-8000-0000000000e1")
GOAL = UUID("00000000-0000-4000-8000-0000000000f1")
ACTOR = Actor("k-lund", Role.COORDINATOR, Municipality("4204"))
ON = date(2026, 3, 2)
AT = datetime(2026, 3, 2, 10, 15, 30, 123456, tzinfo=UTC)
NAV = Agency(AgencyKind.NAV, "NAV Kristiansand")
TEAM_NAV = TeamMemberId(UUID("00000000-0000-4000-8000-0000000000b8"))


def _base(cls: type[Family.Event], version: int, **fields: Any) -> Family.Event:
    return cls(  # type: ignore[call-arg]
        originator_id=FAMILY,
        originator_version=version,
        timestamp=AT,
        occurred_on=ON,
        actor=ACTOR,
        **fields,
    )


SCOPE = ConsentScope(
    agency=Agency(AgencyKind.NAV),
    topics=frozenset({Topic.ECONOMY, Topic.WORK}),
    member_ids=frozenset({KARI, EMMA}),
    excluded_topics=frozenset({Topic.PARENTING}),
)

EXAMPLES: dict[str, Family.Event] = {  # one per event type, by class name
    "Enrolled": _base(
        Family.Enrolled, 1,
        originator_topic=Family.TOPIC,
        municipality="4204",
        label="Hansen",
        programme=Programme.nye_monstre(),
        referral=ReferralSource.NAV,
        referral_note="Referred by NAV Kristiansand",
        eligibility=Eligibility(250_000, 380_000, 4),
        planned_end_on=date(2031, 3, 1),
    ),
    "MemberAdded": _base(
        Family.MemberAdded, 2, member_id=EMMA, name="Emma Hansen",
        birth_date=date(2016, 2, 29), kind=MemberKind.CHILD, guardian_ids=frozenset({KARI}),
    ),
    "MemberLeft": _base(Family.MemberLeft, 3, member_id=EMMA, note="Moved to her father"),
    "CoordinatorAssigned": _base(
        Family.CoordinatorAssigned, 4, coordinator_id="k-lund",
        coordinator_name="Kristin Lund", note=None,
    ),
    "ConsentGranted": _base(
        Family.ConsentGranted, 5, consent_id=CONSENT, scope=SCOPE,
        given_by=frozenset({KARI}), form=ConsentForm.WRITTEN, valid_from=ON,
        valid_until=date(2027, 3, 1), purpose="Practical help with the economy",
    ),
    "ConsentRefused": _base(
        Family.ConsentRefused, 6, refusal_id=UUID("00000000-0000-4000-8000-0000000000d2"),
        scope=ConsentScope(
            agency=Agency(AgencyKind.CHILD_WELFARE),
            topics=frozenset({Topic.PARENTING}),
            member_ids=frozenset({EMMA}),
            actions=frozenset({OutwardActionKind.SHARE_INFORMATION}),
        ),
        refused_by=frozenset({KARI}), note=None,
    ),
    "ConsentWithdrawn": _base(
        Family.ConsentWithdrawn, 7, consent_id=CONSENT, withdrawn_by=frozenset({KARI}),
        reason="We talk to NAV ourselves now",
    ),
    "GoalSet": _base(
        Family.GoalSet, 8, goal_id=GOAL, area=Topic.WORK, words="Jeg vil ha en jobb",
        member_id=KARI, target_on=date(2028, 1, 1),
    ),
    "GoalProgressRecorded": _base(
        Family.GoalProgressRecorded, 9, goal_id=GOAL, note="Started a course", rating=6,
    ),
    "GoalAchieved": _base(Family.GoalAchieved, 10, goal_id=GOAL, note=None),
    "GoalDropped": _base(Family.GoalDropped, 11, goal_id=GOAL, reason="No longer what matters"),
    "StepAgreed": _base(
        Family.StepAgreed, 12, step_id=UUID("00000000-0000-4000-8000-0000000000b1"),
        description="apply for housing allowance",
        responsible=Responsible(ResponsibleKind.FAMILY, member_id=KARI),
        due_on=date(2026, 4, 1), goal_id=GOAL,
    ),
    "StepCompleted": _base(
        Family.StepCompleted, 13, step_id=UUID("00000000-0000-4000-8000-0000000000b1"),
        note="Sent",
    ),
    "SectorPlanLinked": _base(
        Family.SectorPlanLinked, 14, sector_plan_id=UUID("00000000-0000-4000-8000-0000000000b2"),
        kind=SectorPlanKind.NAV_ACTIVITY_PLAN, agency=NAV, reference="AP-12345",
        member_id=KARI, title="Aktivitetsplan",
    ),
    "MeetingHeld": _base(
        Family.MeetingHeld, 15, meeting_id=UUID("00000000-0000-4000-8000-0000000000b3"),
        participants=("Kristin Lund", "NAV veileder"), members_present=frozenset({KARI}),
        agencies_present=(NAV,), decisions=("Apply for bostøtte",),
    ),
    "AgencyContacted": _base(
        Family.AgencyContacted, 16, action_id=ACTION, kind=OutwardActionKind.CONTACT,
        agency=NAV, topics=frozenset({Topic.ECONOMY}), member_ids=frozenset({KARI}),
        purpose="Ask about housing allowance", channel=Channel.PHONE,
        consent_ids=(CONSENT,), family_knows=FamilyKnows.inform_afterwards(date(2026, 3, 9)),
    ),
    "ActedUnderLegalDuty": _base(
        Family.ActedUnderLegalDuty, 20, action_id=UUID("00000000-0000-4000-8000-0000000000e2"),
        kind=OutwardActionKind.SHARE_INFORMATION, agency=Agency(AgencyKind.CHILD_WELFARE),
        topics=frozenset({Topic.PARENTING}), member_ids=frozenset({EMMA}),
        purpose="Notify child welfare of serious neglect", channel=Channel.LETTER,
        legal_basis="barnevernsloven § 13-2 (opplysningsplikt)",
        family_knows=FamilyKnows.inform_afterwards(date(2026, 3, 3)),
    ),
    "FamilyInformed": _base(
        Family.FamilyInformed, 17, action_id=ACTION, channel=Channel.IN_PERSON, note=None,
    ),
    "SurveyCompleted": _base(
        Family.SurveyCompleted, 18,
        survey=Survey(
            survey_id=SurveyId(UUID("00000000-0000-4000-8000-0000000000b4")),
            kind=SurveyKind.BASELINE,
            housing=Housing(1.5, 2, 1),
            economy=Economy(250_000, 380_000, 60_000, 7, frozenset({Benefit.HOUSING_ALLOWANCE})),
            work=(WorkAnswer(KARI, WorkStatus.UNEMPLOYED),),
            school=(SchoolAnswer(EMMA, 3, 6),),
            leisure=(LeisureAnswer(EMMA, 0),),
            well_being=(WellBeingAnswer(KARI, 4), WellBeingAnswer(EMMA, 7)),
            note=None,
        ),
    ),
    "CaseloadExceeded": _base(
        Family.CaseloadExceeded, 24, coordinator_id="k-lund", families=25, limit=25,
        reason="Agreed with team lead Tone Berg until a colleague is back in March",
    ),
    "TeamMemberJoined": _base(
        Family.TeamMemberJoined, 25, team_member_id=TEAM_NAV, agency=NAV,
        person="Ola Haugen", role="veileder for arbeid og aktivitet", may_decide=True,
        topics=frozenset({Topic.WORK}), member_ids=frozenset({KARI}), consent_ids=(CONSENT,),
    ),
    "InvestmentMeetingHeld": _base(
        Family.InvestmentMeetingHeld, 26,
        meeting_id=UUID("00000000-0000-4000-8000-0000000000b5"),
        team_present=frozenset({TEAM_NAV}), members_present=frozenset({KARI}),
        decisions=(
            InvestmentDecision(
                what="Arbeidstrening i tre måneder", decided_by=TEAM_NAV,
                authority="NAV-loven § 14 a (arbeidsrettet oppfølging)",
                carried_out_by=TEAM_NAV, due_on=date(2026, 4, 1),
                member_ids=frozenset({KARI}),
            ),
        ),
    ),
    "InvestmentCommitted": _base(
        Family.InvestmentCommitted, 27,
        investment_id=UUID("00000000-0000-4000-8000-0000000000b6"), team_member_id=TEAM_NAV,
        kind=InvestmentKind.STAFF_HOURS, amount=40, what="Jobbspesialist, tre måneder",
    ),
    "GainRecorded": _base(
        Family.GainRecorded, 28, gain_id=UUID("00000000-0000-4000-8000-0000000000b7"),
        member_id=KARI, kind=GainKind.WORK, note="Fast jobb i 60 % stilling",
        yearly_value=120_000,
    ),
    "FollowUpExtended": _base(
        Family.FollowUpExtended, 23, until=date(2031, 9, 1),
        reason="Kari starts work in May; half a year more to settle",
        decided_by="Team lead Tone Berg",
    ),
    "FollowUpEnded": _base(
        Family.FollowUpEnded, 19, reason=EndReason.COMPLETED, note="Five years done"
    ),
    "ResearchConsentGiven": _base(
        Family.ResearchConsentGiven, 21, member_id=EMMA, given_by=frozenset({KARI}),
    ),
    "ResearchConsentWithdrawn": _base(
        Family.ResearchConsentWithdrawn, 22, member_id=EMMA, withdrawn_by=frozenset({KARI}),
    ),
}  # fmt: skip


INQUIRY = UUID("00000000-0000-4000-8000-000000000002")
ADVISER = Actor("a-rad", Role.COORDINATOR, Municipality("3301"))


def _inquiry(cls: type[Inquiry.Event], version: int, **fields: Any) -> Inquiry.Event:
    return cls(  # type: ignore[call-arg]
        originator_id=INQUIRY,
        originator_version=version,
        timestamp=AT,
        occurred_on=ON,
        actor=ADVISER,
        **fields,
    )


INQUIRY_EXAMPLES: dict[str, Inquiry.Event] = {  # one per inquiry event type
    "InquiryReceived": _inquiry(
        Inquiry.InquiryReceived, 1,
        originator_topic=Inquiry.TOPIC,
        municipality="3301",
        source=InquirySource.SCHOOL,
        topics=frozenset({Topic.SCHOOL, Topic.ECONOMY}),
        service=Agency(AgencyKind.SCHOOL, "Fjell skole"),
    ),
    "InquiryIdentified": _inquiry(
        Inquiry.InquiryIdentified, 2, given_by="Kari Hansen", form=ConsentForm.WRITTEN,
    ),
    "InquiryWorkRecorded": _inquiry(
        Inquiry.InquiryWorkRecorded, 3,
        work_id=UUID("00000000-0000-4000-8000-0000000000a2"),
        kind=InquiryWork.SERVICE_CONNECTED,
        service=Agency(AgencyKind.VOLUNTEER, "Kirkens Bymisjon"),
        note="Leksehjelp to kvelder i uka",
    ),
    "InquiryLinked": _inquiry(Inquiry.InquiryLinked, 4, family_id=FAMILY),
    "InquiryClosed": _inquiry(
        Inquiry.InquiryClosed, 5, outcome=InquiryOutcome.ENROLLED
    ),
}  # fmt: skip
"""One example of each :class:`Inquiry` event type, in one inquiry's order."""

_CASELOAD = caseload_id("153", "m-lund")
_HOLM = Actor("t-holm", Role.TEAM_LEAD, Municipality("153"))


def _caseload(cls: type[Caseload.Event], version: int, **fields: Any) -> Caseload.Event:
    make: Any = cls
    event: Caseload.Event = make(
        originator_id=_CASELOAD, originator_version=version, timestamp=AT,
        occurred_on=ON, actor=_HOLM, **fields,
    )  # fmt: skip
    return event


CASELOAD_EXAMPLES: dict[str, Caseload.Event] = {  # one per caseload event type
    "CaseloadStarted": _caseload(
        Caseload.Started, 1, originator_topic=Caseload.TOPIC,
        municipality=Municipality("153"), coordinator_id="m-lund",
    ),
    "CaseloadFamilyTakenOn": _caseload(
        Caseload.FamilyTakenOn, 2, family_id=FAMILY, others=24
    ),
}  # fmt: skip
"""One example of each :class:`~familiekoordinering.domain.caseload.Caseload` event type."""

STORED_EXAMPLES: dict[str, Family.Event | Inquiry.Event | Caseload.Event] = {
    **EXAMPLES,
    **INQUIRY_EXAMPLES,
    **CASELOAD_EXAMPLES,
}
"""Every stored event type's example (families', inquiries', caseloads'): the goldens'."""

__all__ = [
    "CASELOAD_EXAMPLES",
    "EXAMPLES",
    "INQUIRY_EXAMPLES",
    "STORED_EXAMPLES",
    "golden_document",
    "golden_path",
    "write_missing",
]


def golden_path(directory: Path, name: str) -> Path:
    """Where the golden payload of event type ``name`` (version 1) is kept."""
    return directory / f"{name}.v1.json"


def golden_document(
    event: Family.Event | Inquiry.Event | Caseload.Event,
) -> dict[str, Any]:
    """The stored form of ``event`` as a JSON document: topic, id, version, state."""
    stored = CattrsMapper().to_stored_event(event)
    return {
        "topic": stored.topic,
        "originator_id": str(stored.originator_id),
        "originator_version": stored.originator_version,
        "state": json.loads(stored.state),
    }


def write_missing(directory: Path) -> list[Path]:
    """Write golden files for examples that have none in ``directory``; overwrite none."""
    written = []
    for name, event in STORED_EXAMPLES.items():
        path = golden_path(directory, name)
        if path.exists():
            continue
        document = golden_document(event)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_missing(Path(sys.argv[1])):
        sys.stdout.write(f"wrote {path}\n")
