"""Consent: what a family has agreed to, and the pure decision "may I?".

Deny by default. A consent permits outward actions (contacting an agency,
sharing information with it, referring to it) towards an agency, about some
topics, concerning some members, within its period, when it was given by
someone entitled to consent for each member about each topic on the date of
the action (see :mod:`familiekoordinering.domain.capacity`). Topics a consent
excludes ("NAV: economy and work, but not the parenting role") are exceptions
that deny even where another consent would permit. A refusal by someone
entitled denies what it covers from its date, until the family consents again
after it. A withdrawal ends a consent from the withdrawal's own date; an end
date ends it without any event.

:func:`decide` is a pure function: the family aggregate uses it to refuse
uncovered actions, and an app can call it to ask before it acts.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date
from uuid import UUID

import attrs

from familiekoordinering.domain import validation as v
from familiekoordinering.domain.capacity import ConsentAges, entitled, say_of
from familiekoordinering.domain.values import (
    Agency,
    ConsentId,
    Member,
    MemberId,
    PersonalText,
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

    agency: Agency = attrs.field(validator=v.instance_of("scope.agency", Agency))
    topics: frozenset[Topic] = attrs.field(validator=v.set_of("scope.topics", Topic))
    member_ids: frozenset[MemberId] = attrs.field(
        validator=v.set_of("scope.member_ids", UUID)
    )
    excluded_topics: frozenset[Topic] = attrs.field(
        default=frozenset(), validator=v.set_of("scope.excluded_topics", Topic)
    )
    actions: frozenset[OutwardActionKind] = attrs.field(
        default=ALL_ACTIONS, validator=v.set_of("scope.actions", OutwardActionKind)
    )


@attrs.frozen
class Consent:
    """One consent of the cooperation agreement (*samarbeidsavtale*)."""

    consent_id: ConsentId = attrs.field(validator=v.identifier("consent.consent_id"))
    scope: ConsentScope = attrs.field(
        validator=v.instance_of("consent.scope", ConsentScope)
    )
    given_by: frozenset[MemberId] = attrs.field(
        validator=v.set_of("consent.given_by", UUID)
    )
    form: ConsentForm = attrs.field(validator=v.choice("consent.form", ConsentForm))
    valid_from: date = attrs.field(validator=v.day("consent.valid_from"))
    valid_until: date | None = attrs.field(
        validator=v.day("consent.valid_until", optional=True)
    )
    purpose: PersonalText = attrs.field(validator=v.free_text("consent.purpose"))
    given_on: date = attrs.field(validator=v.day("consent.given_on"))

    def in_period(self, on: date) -> bool:
        """Whether ``on`` falls within the consent's period (ignoring withdrawal)."""
        return self.valid_from <= on and (
            self.valid_until is None or on <= self.valid_until
        )


@attrs.frozen
class ConsentWithdrawal:
    """A consent withdrawn from ``withdrawn_on`` by the members who gave it."""

    consent_id: ConsentId = attrs.field(validator=v.identifier("withdrawal.consent_id"))
    withdrawn_on: date = attrs.field(validator=v.day("withdrawal.withdrawn_on"))
    withdrawn_by: frozenset[MemberId] = attrs.field(
        validator=v.set_of("withdrawal.withdrawn_by", UUID)
    )
    reason: PersonalText | None = attrs.field(
        default=None, validator=v.free_text("withdrawal.reason", required=False)
    )


@attrs.frozen
class ConsentRefusal:
    """A recorded "no": the family refused what ``scope`` describes, from ``refused_on``."""

    refusal_id: RefusalId = attrs.field(validator=v.identifier("refusal.refusal_id"))
    scope: ConsentScope = attrs.field(
        validator=v.instance_of("refusal.scope", ConsentScope)
    )
    refused_by: frozenset[MemberId] = attrs.field(
        validator=v.set_of("refusal.refused_by", UUID)
    )
    refused_on: date = attrs.field(validator=v.day("refusal.refused_on"))
    note: PersonalText | None = attrs.field(
        default=None, validator=v.free_text("refusal.note", required=False)
    )


@attrs.frozen
class ProposedAction:
    """An outward action someone wants to take (or took) on a date."""

    kind: OutwardActionKind = attrs.field(
        validator=v.choice("action.kind", OutwardActionKind)
    )
    agency: Agency = attrs.field(validator=v.instance_of("action.agency", Agency))
    topics: frozenset[Topic] = attrs.field(validator=v.set_of("action.topics", Topic))
    member_ids: frozenset[MemberId] = attrs.field(
        validator=v.set_of("action.member_ids", UUID)
    )
    on: date = attrs.field(validator=v.day("action.on"))


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
    NO_CAPACITY = "no_capacity"


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
    return (consent.given_on, str(consent.consent_id))


def _denied(*denials: Denial) -> Decision:
    return Decision(permitted=False, denials=denials)


@attrs.frozen
class _Case:
    """One decision in the making: the action and what it is judged against."""

    action: ProposedAction
    members: Mapping[MemberId, Member]
    ages: ConsentAges
    for_agency: list[Consent]
    current: list[Consent]
    refusals: list[ConsentRefusal]
    withdrawals: Mapping[ConsentId, ConsentWithdrawal]

    def who(self, member_id: MemberId) -> str:
        member = self.members.get(member_id)
        return f"{member.name} ({member_id})" if member else f"member {member_id}"

    def names(self, member_ids: Iterable[MemberId]) -> str:
        return ", ".join(
            self.members[m].name if m in self.members else str(m)
            for m in sorted(member_ids)
        )


def decide(
    consents: Iterable[Consent],
    withdrawals: Mapping[ConsentId, ConsentWithdrawal],
    refusals: Iterable[ConsentRefusal],
    action: ProposedAction,
    *,
    members: Mapping[MemberId, Member],
    ages: ConsentAges,
) -> Decision:
    """Decide whether the family's consents cover ``action`` on its date.

    For every topic × member the action touches there must be a consent that,
    on ``action.on``:

    * is within its period and not withdrawn;
    * names the agency (or its kind), the action's kind, the topic and the member;
    * was given by someone entitled to consent for that member about that topic
      on that date (see :func:`~familiekoordinering.domain.capacity.entitled`);

    and no consent in force for that agency and member may exclude the topic,
    and no refusal by someone entitled, dated on or before the action and on or
    after the day the covering consent was given, may cover the pair (a refusal
    wins; a consent given after a refusal overrides it).

    Deny by default: a member missing from ``members`` is not covered. The
    result does not depend on the order of ``consents`` or ``refusals``.
    """
    if not action.topics or not action.member_ids:
        return _denied(
            Denial(
                DenialCode.NOTHING_NAMED,
                "the action must name at least one topic and one member",
            )
        )
    for_agency = sorted(
        (c for c in consents if c.scope.agency.covers(action.agency)), key=_order
    )
    if not for_agency:
        return _denied(
            Denial(
                DenialCode.NO_CONSENT_FOR_AGENCY,
                f"no consent names the agency {action.agency}",
            )
        )
    on = action.on

    def in_force(consent: Consent) -> bool:
        withdrawal = withdrawals.get(consent.consent_id)
        return consent.in_period(on) and (
            withdrawal is None or on < withdrawal.withdrawn_on
        )

    case = _Case(
        action=action,
        members=members,
        ages=ages,
        for_agency=for_agency,
        current=[c for c in for_agency if in_force(c)],
        refusals=sorted(
            (
                r
                for r in refusals
                if r.refused_on <= on
                and r.scope.agency.covers(action.agency)
                and action.kind in r.scope.actions
            ),
            key=lambda r: (r.refused_on, str(r.refusal_id)),
        ),
        withdrawals=withdrawals,
    )
    used: set[ConsentId] = set()
    denials: list[Denial] = []
    for topic in sorted(action.topics):
        for member_id in sorted(action.member_ids):
            denial = _cover_pair(case, topic, member_id, used)
            if denial is not None and denial not in denials:
                denials.append(denial)
    if denials:
        return _denied(*denials)
    return Decision(permitted=True, consent_ids=tuple(sorted(used, key=str)))


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


def _cover_pair(
    case: _Case, topic: Topic, member_id: MemberId, used: set[ConsentId]
) -> Denial | None:
    """Cover one topic × member pair, adding the consent used; else say why not."""
    action = case.action
    member = case.members.get(member_id)
    if member is None:
        return Denial(
            DenialCode.MEMBER_NOT_COVERED,
            f"{case.who(member_id)} is not a member of the family",
            member_id=member_id,
        )
    for consent in case.current:
        if (
            member_id in consent.scope.member_ids
            and topic in consent.scope.excluded_topics
        ):
            return Denial(
                DenialCode.TOPIC_EXCLUDED,
                f"consent {consent.consent_id} excludes the topic {topic.value} "
                f"for {case.who(member_id)}",
                topic=topic,
                member_id=member_id,
                consent_id=consent.consent_id,
            )
    deciders = entitled(member, topic, action.on, case.ages)
    covering = [c for c in case.current if _covers(c, action.kind, topic, member_id)]
    capable = [c for c in covering if c.given_by & deciders]
    refusals = [
        r
        for r in case.refusals
        if topic in r.scope.topics
        and member_id in r.scope.member_ids
        and r.refused_by & deciders
    ]
    for consent in capable:
        if not any(r.refused_on >= consent.given_on for r in refusals):
            used.add(consent.consent_id)
            return None
    if capable:
        refusal = next(r for r in refusals if r.refused_on >= capable[0].given_on)
        return Denial(
            DenialCode.REFUSED,
            f"{case.names(refusal.refused_by)} refused on "
            f"{refusal.refused_on.isoformat()} to let the coordinator act towards "
            f"{action.agency} about {topic.value} for {case.who(member_id)} "
            f"(refusal {refusal.refusal_id})",
            topic=topic,
            member_id=member_id,
        )
    if covering:
        consent = covering[0]
        return Denial(
            DenialCode.NO_CAPACITY,
            f"consent {consent.consent_id} was given by {case.names(consent.given_by)}, "
            f"who cannot consent for {case.who(member_id)} about {topic.value}: "
            f"{say_of(member, topic, action.on, case.ages)}",
            topic=topic,
            member_id=member_id,
            consent_id=consent.consent_id,
        )
    if refusals and not case.current:
        refusal = refusals[-1]
        return Denial(
            DenialCode.REFUSED,
            f"{case.names(refusal.refused_by)} refused on "
            f"{refusal.refused_on.isoformat()} to let the coordinator act towards "
            f"{action.agency} about {topic.value} for {case.who(member_id)}",
            topic=topic,
            member_id=member_id,
        )
    return _explain_uncovered(case, topic, member_id)


def _explain_uncovered(case: _Case, topic: Topic, member_id: MemberId) -> Denial:
    """Say as precisely as possible why no consent in force covers the pair."""
    action = case.action
    on = action.on
    would_cover = [
        c for c in case.for_agency if _covers(c, action.kind, topic, member_id)
    ]
    for consent in would_cover:
        withdrawal = case.withdrawals.get(consent.consent_id)
        if withdrawal is not None and withdrawal.withdrawn_on <= on:
            return Denial(
                DenialCode.WITHDRAWN,
                f"consent {consent.consent_id} was withdrawn on "
                f"{withdrawal.withdrawn_on.isoformat()}",
                topic=topic,
                member_id=member_id,
                consent_id=consent.consent_id,
            )
    for consent in would_cover:
        if consent.valid_until is not None and consent.valid_until < on:
            return Denial(
                DenialCode.EXPIRED,
                f"consent {consent.consent_id} expired on "
                f"{consent.valid_until.isoformat()}",
                topic=topic,
                member_id=member_id,
                consent_id=consent.consent_id,
            )
    for consent in would_cover:
        if on < consent.valid_from:
            return Denial(
                DenialCode.NOT_YET_VALID,
                f"consent {consent.consent_id} is valid only from "
                f"{consent.valid_from.isoformat()}",
                topic=topic,
                member_id=member_id,
                consent_id=consent.consent_id,
            )
    if not case.current:
        return Denial(
            DenialCode.NO_CONSENT_FOR_AGENCY,
            f"no consent for the agency {action.agency} is in force on {on.isoformat()}",
        )
    if not any(member_id in c.scope.member_ids for c in case.current):
        return Denial(
            DenialCode.MEMBER_NOT_COVERED,
            f"no consent for {action.agency} in force on {on.isoformat()} covers "
            f"{case.who(member_id)}",
            member_id=member_id,
        )
    if not any(
        topic in c.scope.topics and member_id in c.scope.member_ids
        for c in case.current
    ):
        return Denial(
            DenialCode.TOPIC_NOT_COVERED,
            f"no consent for {action.agency} in force on {on.isoformat()} covers "
            f"the topic {topic.value} for {case.who(member_id)}",
            topic=topic,
            member_id=member_id,
        )
    return Denial(
        DenialCode.ACTION_NOT_COVERED,
        f"no consent for {action.agency} in force on {on.isoformat()} permits "
        f"the action {action.kind.value} about {topic.value} for {case.who(member_id)}",
        topic=topic,
        member_id=member_id,
    )
