"""familiekoordinering: event-sourced family coordination for municipal apps.

One coordinator follows a low-income family, adults and children together, for
years; together they make the family's plan, survey its situation every year,
and mobilise NAV, school, health and housing services, only with the family's
consent and never without the family knowing. Everything is recorded as events
on a :class:`Family`, so the history and the audit trail are intrinsic.

Start with :class:`FamilyCoordination`::

    from familiekoordinering import FamilyCoordination
    app = FamilyCoordination("familiekoordinering.db")   # or "memory"
"""

from __future__ import annotations

import logging

from familiekoordinering.application import (
    Clock,
    ConcurrentChangeError,
    FamilyCoordination,
    FamilySummary,
)
from familiekoordinering.domain.actions import (
    Channel,
    FamilyKnows,
    KnowledgeKind,
    OutwardAction,
)
from familiekoordinering.domain.capacity import ConsentAges, entitled
from familiekoordinering.domain.consent import (
    Consent,
    ConsentForm,
    ConsentRefusal,
    ConsentScope,
    ConsentWithdrawal,
    Decision,
    Denial,
    DenialCode,
    OutwardActionKind,
    ProposedAction,
    decide,
)
from familiekoordinering.domain.core import (
    CompletedSurvey,
    CoordinatorAssignment,
    EndReason,
    FamilyCore,
    FollowUpEnd,
)
from familiekoordinering.domain.family import Family
from familiekoordinering.domain.inquiry import (
    FlaggedInquiry,
    Inquiry,
    InquiryId,
    InquiryOutcome,
    InquiryReport,
    InquirySource,
    InquiryWork,
    InquiryWorkId,
    inquiry_report,
)
from familiekoordinering.domain.investment import (
    Gain,
    GainKind,
    Investment,
    InvestmentDecision,
    InvestmentKind,
    InvestmentMeeting,
    TeamMembership,
)
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
    ReferralSource,
)
from familiekoordinering.domain.record import FamilyRecord
from familiekoordinering.domain.standing import ActionsTaken, GoalStanding, StepStanding
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
    ERASED_DATE,
    ERASED_TEXT,
    Actor,
    Agency,
    AgencyKind,
    ConsentId,
    FamilyId,
    GainId,
    GoalId,
    InvestmentId,
    MeetingId,
    Member,
    MemberId,
    MemberKind,
    Municipality,
    OutwardActionId,
    PersonalDate,
    PersonalText,
    RefusalId,
    Role,
    SectorPlanId,
    StepId,
    SurveyId,
    TeamMemberId,
    Topic,
    age_on,
)
from familiekoordinering.errors import (
    AccessDeniedError,
    ConfigurationError,
    ConsentRequiredError,
    DuplicateIdError,
    ErasureIncompleteError,
    FamiliekoordineringError,
    FamilyErasedError,
    FollowUpEndedError,
    InvalidInputError,
    MasterKeyRequiredError,
    NotFoundError,
    RuleViolationError,
    StoreError,
)
from familiekoordinering.integrity import Checkpoint, Fingerprint
from familiekoordinering.protection import Erasure, load_master_key, new_master_key

__version__ = "0.1.0"
"""The library's version; the adapters move in lock-step with it.

Written only here: the three distributions' ``pyproject.toml`` read it.
"""

__all__ = [
    "ERASED_DATE",
    "ERASED_TEXT",
    "AccessDeniedError",
    "ActionsTaken",
    "Actor",
    "Agency",
    "AgencyKind",
    "Benefit",
    "Channel",
    "Checkpoint",
    "Clock",
    "CompletedSurvey",
    "ConcurrentChangeError",
    "ConfigurationError",
    "Consent",
    "ConsentAges",
    "ConsentForm",
    "ConsentId",
    "ConsentRefusal",
    "ConsentRequiredError",
    "ConsentScope",
    "ConsentWithdrawal",
    "CoordinatorAssignment",
    "Decision",
    "Denial",
    "DenialCode",
    "DuplicateIdError",
    "Economy",
    "Eligibility",
    "EndReason",
    "Erasure",
    "ErasureIncompleteError",
    "FamiliekoordineringError",
    "Family",
    "FamilyCoordination",
    "FamilyCore",
    "FamilyErasedError",
    "FamilyId",
    "FamilyKnows",
    "FamilyRecord",
    "FamilySummary",
    "Fingerprint",
    "FlaggedInquiry",
    "FollowUpEnd",
    "FollowUpEndedError",
    "Gain",
    "GainId",
    "GainKind",
    "Goal",
    "GoalId",
    "GoalStanding",
    "GoalStatus",
    "Housing",
    "Inquiry",
    "InquiryId",
    "InquiryOutcome",
    "InquiryReport",
    "InquirySource",
    "InquiryWork",
    "InquiryWorkId",
    "InvalidInputError",
    "Investment",
    "InvestmentDecision",
    "InvestmentId",
    "InvestmentKind",
    "InvestmentMeeting",
    "Jurisdiction",
    "KnowledgeKind",
    "LeisureAnswer",
    "MasterKeyRequiredError",
    "Meeting",
    "MeetingId",
    "Member",
    "MemberId",
    "MemberKind",
    "Municipality",
    "NotFoundError",
    "OutwardAction",
    "OutwardActionId",
    "OutwardActionKind",
    "PersonalDate",
    "PersonalText",
    "PlanStep",
    "Programme",
    "ProgrammeKind",
    "Progress",
    "ProposedAction",
    "ReferralSource",
    "RefusalId",
    "Responsible",
    "ResponsibleKind",
    "Role",
    "RuleViolationError",
    "SchoolAnswer",
    "SectorPlanId",
    "SectorPlanKind",
    "SectorPlanLink",
    "StepId",
    "StepStanding",
    "StepStatus",
    "StoreError",
    "Survey",
    "SurveyId",
    "SurveyKind",
    "TeamMemberId",
    "TeamMembership",
    "Topic",
    "WellBeingAnswer",
    "WorkAnswer",
    "WorkStatus",
    "__version__",
    "age_on",
    "decide",
    "entitled",
    "inquiry_report",
    "load_master_key",
    "new_master_key",
]

# A library logs, the app decides where to: nothing is printed unless the app
# configures logging (the "familiekoordinering" logger and its children).
logging.getLogger(__name__).addHandler(logging.NullHandler())
