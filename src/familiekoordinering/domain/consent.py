"""Consent: what a family has agreed to, and the pure decision "may I?".

Deny by default. A consent permits outward actions (contacting an agency,
sharing information with it, referring to it) towards an agency, about some
topics, concerning some members, within its period. Topics a consent excludes
("NAV: economy and work, but not the parenting role") are exceptions that deny
even where another consent would permit. A refusal denies what it covers from
its date, until the family consents again after it. A withdrawal ends a consent
from the withdrawal's own date; an end date ends it without any event.

:func:`decide` is a pure function: the family aggregate uses it to refuse
uncovered actions, and an app can call it to ask before it acts.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from datetime import date

import attrs

from familiekoordinering.domain.values import (
    Agency,
    ConsentId,
    MemberId,
    RefusalId,
    Topic,
)

__all__ = [
    "Consent",
    "ConsentForm",
    "ConsentRefusal",
    "ConsentScope",
    "ConsentWithdrawal",
    "Decision",
    "Denial",
    "DenialCode",
    "OutwardActionKind",
    "ProposedAction",
    "decide",
]


class OutwardActionKind(enum.StrEnum):
    """What an outward action does towards an agency."""

    CONTACT = "contact"
    SHARE_INFORMATION = "share_information"
    REFER = "refer"


class ConsentForm(enum.StrEnum):
    """How a consent was given."""

    WRITTEN = "written"
    MINUTED_ORAL = "minuted_oral"


ALL_ACTIONS: frozenset[OutwardActionKind] = frozenset(OutwardActionKind)


@attrs.frozen
class ConsentScope:
    """What a consent (or a refusal) is about: agency × topics × members × actions."""

    agency: Agency
    topics: frozenset[Topic]
    member_ids: frozenset[MemberId]
    excluded_topics: frozenset[Topic] = frozenset()
    actions: frozenset[OutwardActionKind] = ALL_ACTIONS


@attrs.frozen
class Consent:
    """One consent of the cooperation agreement (*samarbeidsavtale*)."""

    consent_id: ConsentId
    scope: ConsentScope
    given_by: frozenset[MemberId]
    form: ConsentForm
    valid_from: date
    valid_until: date | None
    purpose: str

    def in_period(self, on: date) -> bool:
        """Whether ``on`` falls within the consent's period (ignoring withdrawal)."""
        return self.valid_from <= on and (
            self.valid_until is None or on <= self.valid_until
        )


@attrs.frozen
class ConsentWithdrawal:
    """A consent withdrawn from ``withdrawn_on`` by the members who gave it."""

    consent_id: ConsentId
    withdrawn_on: date
    withdrawn_by: frozenset[MemberId]
    reason: str | None = None


@attrs.frozen
class ConsentRefusal:
    """A recorded "no": the family refused what ``scope`` describes, from ``refused_on``."""

    refusal_id: RefusalId
    scope: ConsentScope
    refused_by: frozenset[MemberId]
    refused_on: date
    note: str | None = None


@attrs.frozen
class ProposedAction:
    """An outward action someone wants to take (or took) on a date."""

    kind: OutwardActionKind
    agency: Agency
    topics: frozenset[Topic]
    member_ids: frozenset[MemberId]
    on: date


class DenialCode(enum.StrEnum):
    """Why an action is not covered."""

    NOTHING_NAMED = "nothing_named"
    NO_CONSENT_FOR_AGENCY = "no_consent_for_agency"
    TOPIC_NOT_COVERED = "topic_not_covered"
    TOPIC_EXCLUDED = "topic_excluded"
    MEMBER_NOT_COVERED = "member_not_covered"
    ACTION_NOT_COVERED = "action_not_covered"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    REFUSED = "refused"


@attrs.frozen
class Denial:
    """One precise reason an action is denied."""

    code: DenialCode
    message: str
    topic: Topic | None = None
    member_id: MemberId | None = None
    consent_id: ConsentId | None = None

    def __str__(self) -> str:
        return self.message


@attrs.frozen
class Decision:
    """The answer of :func:`decide`: permitted with the consents used, or the reasons."""

    permitted: bool
    consent_ids: tuple[ConsentId, ...] = ()
    denials: tuple[Denial, ...] = ()

    def __bool__(self) -> bool:
        return self.permitted

    @property
    def reasons(self) -> tuple[str, ...]:
        """The denials as sentences."""
        return tuple(d.message for d in self.denials)


def _order(consent: Consent) -> tuple[date, str]:
    return (consent.valid_from, str(consent.consent_id))


def decide(
    consents: Iterable[Consent],
    withdrawals: Mapping[ConsentId, ConsentWithdrawal],
    refusals: Iterable[ConsentRefusal],
    action: ProposedAction,
    member_names: Mapping[MemberId, str] | None = None,
) -> Decision:
    """Decide whether the family's consents cover ``action`` on its date.

    Every pair of a topic and a member the action touches must be covered by a
    consent that, on ``action.on``, is within its period and not withdrawn,
    names the agency (or its kind), the action's kind, the topic and the member;
    no consent in force for that agency and member may exclude the topic; and
    no refusal dated on or before the action, and after the covering consent
    was given, may cover the pair. The result does not depend on the order of
    ``consents``. ``member_names`` only makes the reasons easier to read.
    """
    names = member_names or {}

    def who(member: MemberId) -> str:
        name = names.get(member)
        return f"member {name} ({member})" if name else f"member {member}"

    on = action.on
    if not action.topics or not action.member_ids:
        return Decision(
            permitted=False,
            denials=(
                Denial(
                    DenialCode.NOTHING_NAMED,
                    "the action must name at least one topic and one member",
                ),
            ),
        )
    for_agency = sorted(
        (c for c in consents if c.scope.agency.covers(action.agency)), key=_order
    )
    if not for_agency:
        return Decision(
            permitted=False,
            denials=(
                Denial(
                    DenialCode.NO_CONSENT_FOR_AGENCY,
                    f"no consent names the agency {action.agency}",
                ),
            ),
        )

    def in_force(consent: Consent) -> bool:
        withdrawal = withdrawals.get(consent.consent_id)
        return consent.in_period(on) and (
            withdrawal is None or on < withdrawal.withdrawn_on
        )

    current = [c for c in for_agency if in_force(c)]
    refusals_in_force = [
        r
        for r in refusals
        if r.refused_on <= on
        and r.scope.agency.covers(action.agency)
        and action.kind in r.scope.actions
    ]
    used: set[ConsentId] = set()
    denials: list[Denial] = []
    for topic in sorted(action.topics):
        for member in sorted(action.member_ids):
            denial = _cover_pair(
                action,
                topic,
                member,
                for_agency,
                current,
                refusals_in_force,
                withdrawals,
                used,
                who,
            )
            if denial is not None and denial not in denials:
                denials.append(denial)
    if denials:
        return Decision(permitted=False, denials=tuple(denials))
    return Decision(permitted=True, consent_ids=tuple(sorted(used, key=str)))


def _cover_pair(
    action: ProposedAction,
    topic: Topic,
    member: MemberId,
    for_agency: list[Consent],
    current: list[Consent],
    refusals: list[ConsentRefusal],
    withdrawals: Mapping[ConsentId, ConsentWithdrawal],
    used: set[ConsentId],
    who: Callable[[MemberId], str],
) -> Denial | None:
    """Cover one topic × member pair, adding the consent used; else say why not."""
    for consent in current:
        scope = consent.scope
        if member in scope.member_ids and topic in scope.excluded_topics:
            return Denial(
                DenialCode.TOPIC_EXCLUDED,
                f"consent {consent.consent_id} excludes the topic {topic.value} "
                f"for {who(member)}",
                topic=topic,
                member_id=member,
                consent_id=consent.consent_id,
            )
    covering = [c for c in current if _covers(c, action.kind, topic, member)]
    if covering:
        # A refusal given after a consent overrides it; a later consent overrides
        # an earlier refusal.
        for consent in covering:
            if not any(
                _refusal_covers(r, topic, member) and r.refused_on > consent.valid_from
                for r in refusals
            ):
                used.add(consent.consent_id)
                return None
        refusal = next(r for r in refusals if _refusal_covers(r, topic, member))
        return Denial(
            DenialCode.REFUSED,
            f"the family refused on {refusal.refused_on.isoformat()} to let the "
            f"coordinator act towards {action.agency} about {topic.value} for "
            f"{who(member)} (refusal {refusal.refusal_id})",
            topic=topic,
            member_id=member,
        )
    return _explain_uncovered(
        action, topic, member, for_agency, current, withdrawals, who
    )


def _covers(
    consent: Consent, kind: OutwardActionKind, topic: Topic, member: MemberId
) -> bool:
    scope = consent.scope
    return (
        kind in scope.actions
        and topic in scope.topics
        and topic not in scope.excluded_topics
        and member in scope.member_ids
    )


def _refusal_covers(refusal: ConsentRefusal, topic: Topic, member: MemberId) -> bool:
    return topic in refusal.scope.topics and member in refusal.scope.member_ids


def _explain_uncovered(
    action: ProposedAction,
    topic: Topic,
    member: MemberId,
    for_agency: list[Consent],
    current: list[Consent],
    withdrawals: Mapping[ConsentId, ConsentWithdrawal],
    who: Callable[[MemberId], str],
) -> Denial:
    """Say as precisely as possible why no consent in force covers the pair."""
    on = action.on
    would_cover = [c for c in for_agency if _covers(c, action.kind, topic, member)]
    for consent in would_cover:
        withdrawal = withdrawals.get(consent.consent_id)
        if withdrawal is not None and withdrawal.withdrawn_on <= on:
            return Denial(
                DenialCode.WITHDRAWN,
                f"consent {consent.consent_id} was withdrawn on "
                f"{withdrawal.withdrawn_on.isoformat()}",
                topic=topic,
                member_id=member,
                consent_id=consent.consent_id,
            )
    for consent in would_cover:
        if consent.valid_until is not None and consent.valid_until < on:
            return Denial(
                DenialCode.EXPIRED,
                f"consent {consent.consent_id} expired on "
                f"{consent.valid_until.isoformat()}",
                topic=topic,
                member_id=member,
                consent_id=consent.consent_id,
            )
    for consent in would_cover:
        if on < consent.valid_from:
            return Denial(
                DenialCode.NOT_YET_VALID,
                f"consent {consent.consent_id} is valid only from "
                f"{consent.valid_from.isoformat()}",
                topic=topic,
                member_id=member,
                consent_id=consent.consent_id,
            )
    if not current:
        return Denial(
            DenialCode.NO_CONSENT_FOR_AGENCY,
            f"no consent for the agency {action.agency} is in force on "
            f"{on.isoformat()}",
        )
    if not any(member in c.scope.member_ids for c in current):
        return Denial(
            DenialCode.MEMBER_NOT_COVERED,
            f"no consent for {action.agency} in force on {on.isoformat()} covers "
            f"{who(member)}",
            member_id=member,
        )
    if not any(
        topic in c.scope.topics and member in c.scope.member_ids for c in current
    ):
        return Denial(
            DenialCode.TOPIC_NOT_COVERED,
            f"no consent for {action.agency} in force on {on.isoformat()} covers "
            f"the topic {topic.value} for {who(member)}",
            topic=topic,
            member_id=member,
        )
    return Denial(
        DenialCode.ACTION_NOT_COVERED,
        f"no consent for {action.agency} in force on {on.isoformat()} permits "
        f"the action {action.kind.value} about {topic.value} for {who(member)}",
        topic=topic,
        member_id=member,
    )
