"""The audit: read the stored events and report what broke the family's promises.

The audit does not ask a family aggregate what it thinks of itself. It reads the
events as stored, rebuilds from them only what the consent rules need (members,
consents, withdrawals, refusals, the programme's consent ages), and judges every
outward action with the pure :func:`~familiekoordinering.domain.consent.decide`
at the action's own date, so it also catches events that a faulty client wrote
to the store without going through the aggregate. Before it judges, the
application verifies the stored history's chains (see
:mod:`familiekoordinering.integrity`); every break is a finding here. It reports:

* every place where the stored history is not what was written: an event or
  snapshot changed, inserted, deleted, moved, or the history cut short against
  a checkpoint, and an access-log row changed or removed (each a violation);

* every outward action no consent covered on its date (a violation);
* every "inform afterwards" still open past its deadline (a violation), and
  every one closed after its deadline (a note);
* every action taken under a legal duty (listed, never a violation: the law
  required it, and the family must see it).

Within one day the order of recording tells: a consent, withdrawal or refusal
dated the same day as an action, but recorded after it, came after it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import attrs

from familiekoordinering.domain.actions import KnowledgeKind
from familiekoordinering.domain.capacity import ConsentAges
from familiekoordinering.domain.consent import (
    Consent,
    ConsentRefusal,
    ConsentWithdrawal,
    OutwardActionKind,
    ProposedAction,
    decide,
)
from familiekoordinering.domain.events import Interpretation, interpreted
from familiekoordinering.domain.family import CLOSING, RIGHTS_AFTER_THE_END, Family
from familiekoordinering.domain.validation import loading_stored_history
from familiekoordinering.domain.values import Agency, Member, MemberId, Topic
from familiekoordinering.integrity.breaks import Break, BreakKind, Ledger
from familiekoordinering.integrity.checkpoint import Fingerprint

__all__ = [
    "AuditReport",
    "Finding",
    "FindingKind",
    "audit_history",
    "combine",
    "finding_of_break",
    "fingerprint_findings",
]


class FindingKind(enum.StrEnum):
    """What an audit finding is about."""

    UNCOVERED_ACTION = "uncovered_action"
    OVERDUE_NOTIFICATION = "overdue_notification"
    INFORMED_LATE = "informed_late"
    LEGAL_DUTY_ACTION = "legal_duty_action"
    UNKNOWN_MEMBER = "unknown_member"
    UNREADABLE_EVENT = "unreadable_event"
    HISTORY_MODIFIED = "history_modified"
    """Stored bytes are not what was written (an event, snapshot or log row)."""
    HISTORY_INSERTED = "history_inserted"
    """Something is stored that the library, holding the store's key, did not write."""
    HISTORY_DELETED = "history_deleted"
    """Something written is missing from the middle of a history (or a whole family)."""
    HISTORY_REORDERED = "history_reordered"
    """Something written is stored at another position."""
    HISTORY_TRUNCATED = "history_truncated"
    """The newest part of a history is gone, against a checkpoint."""
    HISTORY_UNCHAINED = "history_unchained"
    """Stored before chaining began, with no chain start recorded over it."""
    FINGERPRINT_MISMATCH = "fingerprint_mismatch"
    """The family's history is not the one its fingerprint was taken of."""
    OUTSIDE_PROGRAMME_PERIOD = "outside_programme_period"
    """Recorded for a day after the programme's planned end (without an extension
    recorded before it) or after the follow-up ended."""
    STORE_UNENCRYPTED = "store_unencrypted"
    """The store was declared unencrypted (``encryption=False``): personal data
    written while it was is in the clear. A note, not a violation."""


_OF_BREAK = {
    BreakKind.MODIFIED: FindingKind.HISTORY_MODIFIED,
    BreakKind.INSERTED: FindingKind.HISTORY_INSERTED,
    BreakKind.DELETED: FindingKind.HISTORY_DELETED,
    BreakKind.REORDERED: FindingKind.HISTORY_REORDERED,
    BreakKind.TRUNCATED: FindingKind.HISTORY_TRUNCATED,
    BreakKind.UNCHAINED: FindingKind.HISTORY_UNCHAINED,
}

_VIOLATIONS = frozenset(
    {
        FindingKind.UNCOVERED_ACTION,
        FindingKind.OVERDUE_NOTIFICATION,
        FindingKind.UNKNOWN_MEMBER,
        FindingKind.UNREADABLE_EVENT,
        FindingKind.FINGERPRINT_MISMATCH,
        FindingKind.OUTSIDE_PROGRAMME_PERIOD,
        *_OF_BREAK.values(),
    }
)


@attrs.frozen
class Finding:
    """One thing the audit found, at a position in a family's stored history.

    ``family_id`` is None for a finding about the store as a whole;
    ``version`` is then the notification id (and an access-log row's
    sequence number for a break in the access log); ``occurred_on`` is None
    where no event date can be read.
    """

    kind: FindingKind
    family_id: UUID | None
    version: int
    occurred_on: date | None
    message: str
    ledger: Ledger = Ledger.EVENTS
    """Which stored history the finding is in (events unless a break says otherwise)."""

    @property
    def is_violation(self) -> bool:
        """Whether this breaks a rule (legal-duty actions and late notices do not)."""
        return self.kind in _VIOLATIONS

    def __str__(self) -> str:
        label = "VIOLATION" if self.is_violation else "note"
        position = {
            Ledger.EVENTS: f"event {self.version}",
            Ledger.SNAPSHOTS: f"snapshot at event {self.version}",
            Ledger.ACCESS_LOG: f"access-log row {self.version}",
            Ledger.STORE: f"store position {self.version}",
        }[self.ledger]
        where = (
            position
            if self.family_id is None
            else f"family {self.family_id} {position}"
        )
        when = f" ({self.occurred_on.isoformat()})" if self.occurred_on else ""
        return f"{label} {self.kind.value}: {where}{when}: {self.message}"


@attrs.frozen
class AuditReport:
    """What an audit found, over how many families and events, as of which day."""

    on: date
    families: int
    events: int
    findings: tuple[Finding, ...]
    verified: int = 0
    """How many stored events had their chain verified."""

    @property
    def violations(self) -> tuple[Finding, ...]:
        """The findings that break a rule."""
        return tuple(f for f in self.findings if f.is_violation)

    @property
    def breaks(self) -> tuple[Finding, ...]:
        """The findings that the stored history is not what was written."""
        return tuple(f for f in self.findings if f.kind in _BREAK_KINDS)

    @property
    def exit_status(self) -> int:
        """1 when there is any violation, 0 otherwise.

        The command line exits 4 (``familiekoordinering.cli.EXIT_FINDINGS``)
        when there is any violation, and 1 when the audit could not run at all
        (an access refusal, an unreadable checkpoint): "findings" and "could
        not run" never share a status.
        """
        return 1 if self.violations else 0

    def __str__(self) -> str:
        lines = [str(f) for f in self.findings]
        lines.append(
            f"Verified the chains of {self.verified} stored events; audited "
            f"{self.families} families, {self.events} events as of "
            f"{self.on.isoformat()}: {len(self.violations)} violation(s) "
            f"({len(self.breaks)} in the stored history), "
            f"{len(self.findings) - len(self.violations)} note(s)."
        )
        return "\n".join(lines)


@attrs.define
class _History:
    """What the consent rules need, rebuilt from one family's stored events."""

    family_id: UUID
    ages: ConsentAges = attrs.field(factory=ConsentAges.norway)
    members: dict[MemberId, Member] = attrs.field(factory=dict)
    # With the position each was recorded at, for same-day ordering.
    consents: list[tuple[int, Consent]] = attrs.field(factory=list)
    withdrawals: list[tuple[int, ConsentWithdrawal]] = attrs.field(factory=list)
    refusals: list[tuple[int, ConsentRefusal]] = attrs.field(factory=list)
    actions: list[Family.AgencyContacted] = attrs.field(factory=list)
    duties: list[Family.ActedUnderLegalDuty] = attrs.field(factory=list)
    team_joins: list[Family.TeamMemberJoined] = attrs.field(factory=list)
    team_meetings: list[Family.InvestmentMeetingHeld] = attrs.field(factory=list)
    informed: dict[UUID, date] = attrs.field(factory=dict)
    planned_end: date | None = None
    """The programme's planned end, as extended so far."""
    ended_on: date | None = None
    outside: list[Finding] = attrs.field(factory=list)


def _enrolled(history: _History, event: Any, position: int) -> None:
    history.ages = event.programme.consent_ages
    history.planned_end = event.planned_end_on


def _extended(history: _History, event: Any, position: int) -> None:
    history.planned_end = event.until


def _ended(history: _History, event: Any, position: int) -> None:
    history.ended_on = event.occurred_on


def _member_added(history: _History, event: Any, position: int) -> None:
    history.members[event.member_id] = Member(
        event.member_id,
        event.name,
        event.birth_date,
        event.kind,
        event.guardian_ids,
    )


def _consent_granted(history: _History, event: Any, position: int) -> None:
    history.consents.append(
        (
            position,
            Consent(
                event.consent_id,
                event.scope,
                event.given_by,
                event.form,
                event.valid_from,
                event.valid_until,
                event.purpose,
                given_on=event.occurred_on,
            ),
        )
    )


def _consent_withdrawn(history: _History, event: Any, position: int) -> None:
    history.withdrawals.append(
        (
            position,
            ConsentWithdrawal(
                event.consent_id,
                event.occurred_on,
                event.withdrawn_by,
                event.reason,
            ),
        )
    )


def _consent_refused(history: _History, event: Any, position: int) -> None:
    history.refusals.append(
        (
            position,
            ConsentRefusal(
                event.refusal_id,
                event.scope,
                event.refused_by,
                event.occurred_on,
                event.note,
            ),
        )
    )


def _contacted(history: _History, event: Any, position: int) -> None:
    history.actions.append(event)


def _team_joined(history: _History, event: Any, position: int) -> None:
    history.team_joins.append(event)


def _team_meeting(history: _History, event: Any, position: int) -> None:
    history.team_meetings.append(event)


@attrs.frozen
class _SharedInMeeting:
    """What a team member present at an investment meeting was told, judged as an action."""

    agency: Agency
    topics: frozenset[Topic]
    member_ids: frozenset[MemberId]
    occurred_on: date
    originator_version: int
    kind: OutwardActionKind = OutwardActionKind.SHARE_INFORMATION


def _shared_in_meetings(history: _History) -> Iterator[_SharedInMeeting]:
    joins = {join.team_member_id: join for join in history.team_joins}
    for meeting in history.team_meetings:
        for team_member_id in sorted(meeting.team_present):
            join = joins.get(team_member_id)
            if join is not None:
                yield _SharedInMeeting(join.agency, join.topics, join.member_ids,
                                       meeting.occurred_on, meeting.originator_version)  # fmt: skip


def _legal_duty(history: _History, event: Any, position: int) -> None:
    history.duties.append(event)


def _informed(history: _History, event: Any, position: int) -> None:
    history.informed.setdefault(event.action_id, event.occurred_on)


_READS: dict[type[Family.Event], Callable[[_History, Any, int], None]] = interpreted(
    Interpretation.AUDIT,
    {
        Family.Enrolled: _enrolled,
        Family.MemberAdded: _member_added,
        Family.ConsentGranted: _consent_granted,
        Family.ConsentWithdrawn: _consent_withdrawn,
        Family.ConsentRefused: _consent_refused,
        Family.AgencyContacted: _contacted,
        Family.ActedUnderLegalDuty: _legal_duty,
        Family.FamilyInformed: _informed,
        Family.TeamMemberJoined: _team_joined,
        Family.InvestmentMeetingHeld: _team_meeting,
        Family.FollowUpExtended: _extended,
        Family.FollowUpEnded: _ended,
    },
)
"""What the audit takes from each event it is concerned by (with its position)."""


def _outside(history: _History, event: Family.Event) -> Finding | None:
    """A finding if ``event`` is dated after the planned end as it stood when recorded."""
    kind, on = type(event), event.occurred_on
    if (
        kind in RIGHTS_AFTER_THE_END
        or kind in CLOSING
        or history.planned_end is None
        or on <= history.planned_end
    ):
        return None
    return _outside_finding(
        history, event,
        f"after the programme's planned end on {history.planned_end.isoformat()}, "
        "with no extension recorded before it",
    )  # fmt: skip


def _after_the_end(history: _History, events: list[Family.Event]) -> Iterator[Finding]:
    """A finding for each event dated after the follow-up's end, recorded before it or after."""
    ended_on = history.ended_on
    if ended_on is None:
        return
    for event in events:
        kind = type(event)
        if kind in RIGHTS_AFTER_THE_END or kind is Family.FollowUpEnded:
            continue
        if event.occurred_on > ended_on:
            why = f"after the follow-up ended on {ended_on.isoformat()}"
            yield _outside_finding(history, event, why)


def _outside_finding(history: _History, event: Family.Event, why: str) -> Finding:
    return Finding(
        FindingKind.OUTSIDE_PROGRAMME_PERIOD,
        history.family_id,
        event.originator_version,
        event.occurred_on,
        f"{type(event).__name__} for {event.occurred_on.isoformat()} is {why}",
    )


def _read(family_id: UUID, events: Iterable[Family.Event]) -> tuple[_History, int]:
    history = _History(family_id)
    count = 0
    seen: list[Family.Event] = []
    for event in events:
        count += 1
        seen.append(event)
        outside = _outside(history, event)
        if outside is not None:
            history.outside.append(outside)
        read = _READS.get(type(event))
        if read is not None:
            read(history, event, event.originator_version)
    flagged = {f.version for f in history.outside}
    history.outside += [
        f for f in _after_the_end(history, seen) if f.version not in flagged
    ]
    return history, count


_Shared = Family.AgencyContacted | Family.TeamMemberJoined | _SharedInMeeting


def _what_was_shared(action: _Shared) -> str:
    if isinstance(action, Family.TeamMemberJoined):
        return f"joining the investment team as {action.role}"
    if isinstance(action, _SharedInMeeting):
        return "sitting in an investment meeting"
    return action.purpose


def _uncovered(history: _History) -> Iterator[Finding]:
    """Consented actions (contacts, and team members joining) their consents did not cover."""
    actions: list[_Shared] = [
        *history.actions,
        *history.team_joins,
        *_shared_in_meetings(history),
    ]
    for action in actions:
        unknown = sorted(str(m) for m in action.member_ids if m not in history.members)
        if unknown:
            yield Finding(
                FindingKind.UNKNOWN_MEMBER,
                history.family_id,
                action.originator_version,
                action.occurred_on,
                f"{action.kind.value} towards {action.agency} concerns "
                f"{', '.join(unknown)}, who is not a member of the family",
            )
            continue
        day, position = action.occurred_on, action.originator_version
        # Whatever was said on the action's day but recorded after it came after it.
        consents = [
            c for at, c in history.consents if not (c.given_on == day and at > position)
        ]
        withdrawals = {
            w.consent_id: w
            for at, w in history.withdrawals
            if not (w.withdrawn_on == day and at > position)
        }
        refusals = [
            r
            for at, r in history.refusals
            if not (r.refused_on == day and at > position)
        ]
        decision = decide(
            consents,
            withdrawals,
            refusals,
            ProposedAction(
                action.kind, action.agency, action.topics, action.member_ids, day
            ),
            members=history.members,
            ages=history.ages,
        )
        if not decision.permitted:
            yield Finding(
                FindingKind.UNCOVERED_ACTION,
                history.family_id,
                position,
                day,
                f"{action.kind.value} towards {action.agency} "
                f"({_what_was_shared(action)}) was not "
                f"covered by consent: {'; '.join(decision.reasons)}",
            )


def _notifications(history: _History, on: date) -> Iterator[Finding]:
    actions: list[Family.AgencyContacted | Family.ActedUnderLegalDuty] = [
        *history.actions,
        *history.duties,
    ]
    for action in actions:
        knows = action.family_knows
        if knows.kind is not KnowledgeKind.INFORM_AFTERWARDS or knows.inform_by is None:
            continue
        informed = history.informed.get(action.action_id)
        if informed is None and knows.inform_by < on:
            yield Finding(
                FindingKind.OVERDUE_NOTIFICATION,
                history.family_id,
                action.originator_version,
                action.occurred_on,
                f"the family was to be told of the {action.kind.value} towards "
                f"{action.agency} by {knows.inform_by.isoformat()} and has not been",
            )
        elif informed is not None and informed > knows.inform_by:
            yield Finding(
                FindingKind.INFORMED_LATE,
                history.family_id,
                action.originator_version,
                action.occurred_on,
                f"the family was told of the {action.kind.value} towards {action.agency} "
                f"on {informed.isoformat()}, after the deadline "
                f"{knows.inform_by.isoformat()}",
            )


def _duties(history: _History) -> Iterator[Finding]:
    for duty in history.duties:
        yield Finding(
            FindingKind.LEGAL_DUTY_ACTION,
            history.family_id,
            duty.originator_version,
            duty.occurred_on,
            f"{duty.kind.value} towards {duty.agency} without consent under "
            f"{duty.legal_basis}: {duty.purpose}",
        )


def audit_history(
    family_id: UUID, events: Iterable[Family.Event], *, on: date, erased: bool = False
) -> tuple[list[Finding], int]:
    """Audit one family's stored events as of ``on``; return the findings and the count.

    A pure function of the events: the application's ``audit`` feeds it what
    the store holds. For an ``erased`` family the consents are not judged
    again: who could consent depends on the members' birth dates, which are
    gone (the rules were applied when each action was recorded).
    """
    with loading_stored_history():  # stored values load as they were stored
        history, count = _read(family_id, events)
    findings = [
        *([] if erased else _uncovered(history)),
        *_notifications(history, on),
        *_duties(history),
        *history.outside,
    ]
    findings.sort(key=lambda f: (f.version, f.kind.value))
    return findings, count


def combine(
    on: date, results: Sequence[tuple[list[Finding], int]], *, verified: int = 0
) -> AuditReport:
    """Put the audits of several families into one report.

    A result with a count of 0 holds findings about no family's events (the
    verification's) and does not count as a family.
    """
    return AuditReport(
        on=on,
        families=sum(1 for _, count in results if count),
        events=sum(count for _, count in results),
        findings=tuple(f for findings, _ in results for f in findings),
        verified=verified,
    )


_BREAK_KINDS = frozenset({*_OF_BREAK.values(), FindingKind.FINGERPRINT_MISMATCH})


def finding_of_break(found: Break) -> Finding:
    """The audit finding for a break in a stored history."""
    return Finding(
        _OF_BREAK[found.kind],
        found.family_id,
        found.position,
        None,
        found.message,
        found.ledger,
    )


def fingerprint_findings(
    family_id: UUID, fingerprint: Fingerprint, digest: str | None
) -> list[Finding]:
    """A finding unless the family's event at the fingerprint's version has its digest."""
    if digest is not None and fingerprint.matches(digest):
        return []
    why = (
        f"the family's history has no event {fingerprint.version}"
        if digest is None
        else f"event {fingerprint.version} is not the one the fingerprint was taken of"
    )
    return [
        Finding(
            FindingKind.FINGERPRINT_MISMATCH,
            family_id,
            fingerprint.version,
            None,
            f"fingerprint {fingerprint}: {why}: the history recorded up to it was "
            "changed since it was shown",
        )
    ]
