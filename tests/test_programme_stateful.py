"""Stateful tests of the rules added since the consent machine, against plain reference models.

Three Hypothesis state machines, each checking every command's fate (stored,
or refused with the expected error class) against a reference model that
restates the rules as plainly as possible and shares no code with the library
(its own date arithmetic, its own copy of the numbers):

* :class:`ProgrammeMachine` drives one :class:`~familiekoordinering.Family`
  aggregate directly (no application, no store: fast enough for 100,000
  histories) through its programme's period (Nye mønstre, Brøndby, Asker and
  two short custom programmes, started on days that end months), members
  joining, consents granted, refused and withdrawn (some backdated), actions
  under a legal duty and telling the family afterwards, research consents,
  plain work, Asker's investment team (joining under consent, meetings with
  the citizen and decisions by a present member with authority), extending
  and ending the follow-up, and time passing (past the planned end, too).
* :class:`InquiryMachine` drives one :class:`~familiekoordinering.Inquiry`
  (Drammen): received, identified with consent, work recorded (some of it
  naming the family), linked, closed with one outcome.
* :class:`CaseloadMachine` drives the application on the in-memory store
  (the caseload spans families): families enrolled in two municipalities under
  a programme with a small caseload or none, assigned and handed over to
  coordinators with and without ``over_caseload``, ended.

After every step the aggregate rebuilt from its collected events equals the
live one, and a refused command left no event behind; at the end of each
history the library's audit of the events reports exactly the uncovered
sharing and the events outside the programme's period that the model expects
(none, but for the known library bugs: see the ``LIBRARY_…`` flags and the
strict xfail tests at the end). The application machine checks the caseload
view, the stored count, the coordinators' caseload aggregates and the
override events.

The profile (``HYPOTHESIS_PROFILE``) decides how many histories each domain
machine runs, the application machine a quarter as many. Run long, on one
core, with ``FAMILIEKOORDINERING_MODEL_HISTORIES=100000`` (the domain machines'
max_examples; the application machine runs a twentieth of it): see
:data:`HISTORIES`.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from familiekoordinering import (
    Actor,
    Agency,
    AgencyKind,
    Channel,
    ConsentForm,
    ConsentId,
    ConsentRequiredError,
    ConsentScope,
    Eligibility,
    EndReason,
    Family,
    FamilyCoordination,
    FamilyId,
    FamilyKnows,
    FollowUpEndedError,
    Inquiry,
    InquiryOutcome,
    InquirySource,
    InquiryWork,
    InvalidInputError,
    InvestmentDecision,
    Jurisdiction,
    MemberId,
    MemberKind,
    Municipality,
    OutwardActionId,
    OutwardActionKind,
    Programme,
    ProgrammeKind,
    ReferralSource,
    Role,
    RuleViolationError,
    TeamMemberId,
    Topic,
)
from familiekoordinering.audit import FindingKind, audit_history
from familiekoordinering.domain.caseload import Caseload, caseload_id
from familiekoordinering.domain.commands import (
    ActUnderLegalDuty,
    AddMember,
    Command,
    EndFollowUp,
    ExtendFollowUp,
    GiveResearchConsent,
    GrantConsent,
    HoldInvestmentMeeting,
    JoinInvestmentTeam,
    RecordContact,
    RecordFamilyInformed,
    RefuseConsent,
    SetGoal,
    WithdrawConsent,
    WithdrawResearchConsent,
)
from familiekoordinering.testing.commands import enrol
from tests.conftest import CLOCK_START, COORDINATOR, KOMMUNE, LEAD, FixedClock

pytestmark = pytest.mark.application

HISTORIES = int(os.environ.get("FAMILIEKOORDINERING_MODEL_HISTORIES", "0") or 0)
"""The long run: how many histories each domain machine checks (0: the profile's).

``FAMILIEKOORDINERING_MODEL_HISTORIES=100000 taskset -c 0 .venv/bin/python -m
pytest -s tests/test_programme_stateful.py`` checks 100,000 histories of each
domain machine (and a twentieth as many of the application's caseload
machine), printing at the end the histories and steps run and how often each
command was stored or refused with each error. About an hour on one core
(Hypothesis's own draws, not the library, take most of a history's 10 to 25
milliseconds).
"""

NOW = CLOCK_START  # every command is recorded then: after every day it is dated
TALLY: Counter[str] = Counter()
"""Histories and steps run, per machine (printed at the end of a long run)."""
OUTCOMES: Counter[tuple[str, str]] = Counter()
"""How often each command was stored, or refused with each error (printed too)."""

# ------------------------------------------------------- the model's own numbers
#
# Restated here, not read from the library: each programme's length in months
# and the ages from which a child decides alone (per topic; research, and any
# topic not listed, from 18).

MONTHS = {"nye_monstre": 60, "brondby": 12, "asker": 36, "short": 2, "shortest": 1}
NORWEGIAN_AGES = {Topic.HEALTH: 16, Topic.SCHOOL: 15}
DANISH_AGES = {Topic.HEALTH: 15}
ADULT_AGE = 18
AGES = {"nye_monstre": NORWEGIAN_AGES, "brondby": DANISH_AGES,
        "asker": NORWEGIAN_AGES, "short": NORWEGIAN_AGES, "shortest": DANISH_AGES}  # fmt: skip
PROGRAMMES = {
    "nye_monstre": Programme.nye_monstre(),
    "brondby": Programme.brondby(),
    "asker": Programme.asker(),
    "short": Programme(
        kind=ProgrammeKind.CUSTOM, name="Kort", jurisdiction=Jurisdiction.NORWAY,
        duration_months=2, survey_interval_months=1,
    ),
    "shortest": Programme(
        kind=ProgrammeKind.CUSTOM, name="Kortest", jurisdiction=Jurisdiction.DENMARK,
        duration_months=1, survey_interval_months=1,
    ),
}  # fmt: skip
STARTS = [date(2026, 1, 5), date(2026, 1, 31), date(2028, 2, 29), date(2027, 8, 31),
          date(2026, 12, 31), date(2027, 3, 29)]  # fmt: skip
TOPICS = [Topic.ECONOMY, Topic.SCHOOL, Topic.HEALTH]
AGENCIES = [AgencyKind.NAV, AgencyKind.SCHOOL]
KINDS = list(OutwardActionKind)
SHARE = OutwardActionKind.SHARE_INFORMATION

BEFORE_START = -1
"""A "days back" that dates a command the day before the enrolment."""
DAYS_BACK = st.sampled_from([0, 0, 0, 0, 0, 1, 5, 40, 400, BEFORE_START])
SOME = st.integers(1, 63)
"""A choice among up to six (members, topics, kinds of action): see :func:`pick`."""
ANY = st.integers(0, 63)
"""A choice among up to six, maybe none."""

LIBRARY_PROTECTS_MEETINGS = True
"""Whether the library refuses a "no" dated before an investment meeting it uncovers.

It does since the family's state version 5 (found with issue 20): each team
member's sitting in a meeting, which shares again, is among the
``actions_taken`` that ``Family._check_not_retroactive`` judges. Before, only
the contacts and the team members joining were, and the audit then reported
the meeting as uncovered; False gives that model back.
"""
LIBRARY_ENDS_AFTER_EXTENSIONS = True
"""Whether the library refuses an end dated before an extension already recorded.

It does since the family's state version 5 (found with issue 20): an
extension moves ``latest_on``, the day an end may not come before, so an
extension decided on 6 January holds an end for 5 January back. Before, both
were stored and the audit reported the extension as dated after the end;
False gives that model back.
"""
LIBRARY_ORDERS_SAME_DAY_NOS = False
"""Whether the library judges the actions already recorded by the same-day order.

It does not yet (reported with issue 20): once a "no" is recorded later on the
day of an action (allowed: the action came first), every "no" dated before
that day is refused as taking away the consent for that action, even one about
another agency. While False, the model judges the actions already recorded as
the library does (the later same-day "no" counted); set it to True once fixed.
"""


def month_length(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def planned_end(start: date, months: int) -> date:
    """The last day of ``months`` calendar months from ``start``.

    The day before the same day of the month ``months`` later (the month's
    last day, where it has no such day).
    """
    year, month = divmod(start.year * 12 + start.month - 1 + months, 12)
    month += 1
    return date(year, month, min(start.day, month_length(year, month))) - timedelta(
        days=1
    )


def years_old(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def pick(items: list[Any], bits: int) -> frozenset[Any]:
    """The items whose bits are set in ``bits`` (if those are all past the end: one item).

    One integer drawn per choice keeps the machine fast: Hypothesis's draws,
    not the library, are most of the time a history takes.
    """
    chosen = frozenset(item for i, item in enumerate(items) if bits >> i & 1)
    return chosen or (frozenset({items[bits % len(items)]}) if bits else frozenset())


def refused(what: str, call: Any, expected: list[type[Exception]]) -> None:
    """Run ``call``: stored when ``expected`` is empty, else refused with one of them."""
    error: Exception | None = None
    try:
        call()
    except (RuleViolationError, InvalidInputError) as refusal:
        error = refusal
    if error is None:
        assert not expected, (
            "the library stored what the model refuses with "
            f"{[e.__name__ for e in expected]}"
        )
        OUTCOMES[what, "stored"] += 1
        return
    assert expected, f"the library refused what the model accepts: {error!r}"
    assert type(error) in expected, (
        f"the library refused with {error!r}, the model expects one of "
        f"{[e.__name__ for e in expected]}"
    )
    OUTCOMES[what, type(error).__name__] += 1


# ------------------------------------------------------------ the family model


@dataclass
class Person:
    id: MemberId
    adult: bool
    born: date
    since: date
    guardian: MemberId | None = None


@dataclass
class Grant:
    id: ConsentId
    agency: AgencyKind
    topics: frozenset[Topic]
    excluded: frozenset[Topic]
    members: frozenset[MemberId]
    kinds: frozenset[OutwardActionKind]
    given_by: frozenset[MemberId]
    on: date
    seq: int
    withdrawn_on: date | None = None
    withdrawn_seq: int = 0


@dataclass
class Refusal:
    agency: AgencyKind
    topics: frozenset[Topic]
    members: frozenset[MemberId]
    kinds: frozenset[OutwardActionKind]
    by: frozenset[MemberId]
    on: date
    seq: int


@dataclass
class Shared:
    """Information shared with an agency: a member joining the team, or sitting in a meeting."""

    agency: AgencyKind
    topics: frozenset[Topic]
    members: frozenset[MemberId]
    on: date
    seq: int
    version: int
    meeting: bool


@dataclass
class Seat:
    id: TeamMemberId
    agency: AgencyKind
    topics: frozenset[Topic]
    members: frozenset[MemberId]
    may_decide: bool
    joined_on: date


@dataclass
class Notice:
    id: OutwardActionId
    on: date
    afterwards: bool
    informed: bool = False


@dataclass
class FamilyModel:
    """The rules of a family's programme, consents and team, restated plainly."""

    name: str
    start: date
    end: date  # the planned end, moved by an extension
    ended_on: date | None = None
    latest: date = date.min  # the newest day of the work (not rights, not closing)
    people: dict[MemberId, Person] = field(default_factory=dict)
    grants: list[Grant] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    shared: list[Shared] = field(default_factory=list)
    team: dict[TeamMemberId, Seat] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)
    research: dict[MemberId, date] = field(default_factory=dict)
    extensions: list[tuple[int, date]] = field(default_factory=list)  # version, day
    seq: int = 0  # counts what was said, in the order it was recorded

    # ------------------------------------------------------------ the period
    #
    # The work with a family is dated from its start up to its planned end
    # (as extended) and, once it ended, up to the day it ended. The family's
    # rights (to refuse, to withdraw, to be told) outlive both; extending and
    # ending may follow the planned end, not the end.

    def dated(self, on: date, what: str) -> list[type[Exception]]:
        if on < self.start:
            return [InvalidInputError]
        late: list[type[Exception]] = []
        if what != "right" and self.ended_on is not None and on > self.ended_on:
            late.append(FollowUpEndedError)
        if what == "work" and on > self.end:
            late.append(FollowUpEndedError)
        return late

    def member_on(self, member: MemberId, on: date) -> bool:
        return self.people[member].since <= on  # nobody leaves in these histories

    def not_members(
        self, members: frozenset[MemberId], on: date
    ) -> list[type[Exception]]:
        return (
            [] if all(self.member_on(m, on) for m in members) else [InvalidInputError]
        )

    # ------------------------------------------------------------ who decides

    def deciders(self, member: MemberId, topic: Topic, on: date) -> frozenset[MemberId]:
        person = self.people[member]
        if person.adult:
            return frozenset({member})
        if years_old(person.born, on) >= AGES[self.name].get(topic, ADULT_AGE):
            return frozenset({member})
        assert person.guardian is not None
        return frozenset({person.guardian})

    def research_deciders(self, member: MemberId, on: date) -> frozenset[MemberId]:
        person = self.people[member]
        if person.adult or years_old(person.born, on) >= ADULT_AGE:
            return frozenset({member})
        assert person.guardian is not None
        return frozenset({person.guardian})

    # ------------------------------------------------------------ consent
    #
    # An action on a day is permitted when, for every topic and member, no
    # consent in force for the agency excludes the topic for the member, and
    # some consent in force names the kind, topic and member, was given by one
    # who decides for the member about the topic that day, and no refusal by
    # one who decides, dated from that consent's day up to the action's,
    # covers the pair. With ``before`` (a position, and the action's day),
    # what was said on the action's day but recorded after it does not count.

    def permits(self, agency: AgencyKind, kind: OutwardActionKind, topics: frozenset[Topic],
                members: frozenset[MemberId], on: date, *, before: int | None = None,
                grant: Grant | None = None, refusal: Refusal | None = None,
                withdrawn: tuple[Grant, date] | None = None) -> bool:  # fmt: skip
        def said(day: date, seq: int) -> bool:
            return before is None or day != on or seq < before

        grants = self.grants + ([grant] if grant is not None else [])
        refusals = self.refusals + ([refusal] if refusal is not None else [])

        def in_force(g: Grant) -> bool:
            if g.agency != agency or g.on > on or not said(g.on, g.seq):
                return False
            if withdrawn is not None and withdrawn[0] is g:
                return on < withdrawn[1]
            if g.withdrawn_on is not None and said(g.withdrawn_on, g.withdrawn_seq):
                return on < g.withdrawn_on
            return True

        current = [g for g in grants if in_force(g)]
        for topic in topics:
            for member in members:
                if any(member in g.members and topic in g.excluded for g in current):
                    return False
                deciders = self.deciders(member, topic, on)
                no = [r.on for r in refusals
                      if r.agency == agency and kind in r.kinds and topic in r.topics
                      and member in r.members and r.by & deciders and r.on <= on
                      and said(r.on, r.seq)]  # fmt: skip
                if not any(
                    kind in g.kinds and topic in g.topics and member in g.members
                    and g.given_by & deciders and not any(day >= g.on for day in no)
                    for g in current
                ):  # fmt: skip
                    return False
        return True

    def takes_back(self, since: date, **no: Any) -> bool:
        """Whether a "no" dated ``since`` uncovers sharing recorded for a later day.

        History is not rewritten: a withdrawal, a refusal or an excluded topic
        cannot be dated before sharing that was recorded under what it takes away.
        """
        for s in self.shared:
            if s.on <= since or (s.meeting and not LIBRARY_PROTECTS_MEETINGS):
                continue
            before = s.seq if LIBRARY_ORDERS_SAME_DAY_NOS else None
            if not self.permits(s.agency, SHARE, s.topics, s.members, s.on,
                                before=before, **no):  # fmt: skip
                return True
        return False

    def uncovered(self) -> list[tuple[int, date]]:
        """The sharing the audit must report: not covered by what was said before it."""
        return sorted(
            (s.version, s.on)
            for s in self.shared
            if not self.permits(
                s.agency, SHARE, s.topics, s.members, s.on, before=s.seq
            )
        )

    def outside(self) -> list[tuple[int, date]]:
        """What the audit must report as outside the period: extensions after the end."""
        if self.ended_on is None:
            return []
        return sorted((v, day) for v, day in self.extensions if day > self.ended_on)

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


class ProgrammeMachine(RuleBasedStateMachine):
    """One family's programme period, consents and investment team, command by command."""

    def __init__(self) -> None:
        super().__init__()
        self.steps = 0
        self.events: list[Any] = []  # the family's events, as collected
        self.clean = True  # False while a command is checked: a failure leaves it so
        self.ids = itertools.count(1)  # every id made here: a history replays the same

    @initialize(name=st.sampled_from(sorted(MONTHS)), start=st.sampled_from(STARTS),
                agreement=st.booleans())  # fmt: skip
    def enrol(self, name: str, start: date, agreement: bool) -> None:
        """Enrolled with one adult; often with a broad agreement with NAV from the start."""
        TALLY["ProgrammeMachine histories"] += 1
        self.family = enrol(
            family_id=self._id(), municipality=KOMMUNE, label="Test",
            programme=PROGRAMMES[name], referral=ReferralSource.OTHER,
            eligibility=Eligibility(1, 2, 3), occurred_on=start, actor=LEAD,
            recorded_at=NOW,
        )  # fmt: skip
        self.model = FamilyModel(
            name, start, planned_end(start, MONTHS[name]), latest=start
        )
        self.today = start
        self.replayed: Family | None = None
        self._collect()
        assert self.family.planned_end_on == self.model.end
        self._add(adult=True, born=date(1980, 3, 1), on=start)
        if agreement:
            self.grant_broadly(0, AgencyKind.NAV)

    # ------------------------------------------------------------- helpers

    def _id(self) -> UUID:
        return UUID(int=next(self.ids))

    def _collect(self) -> None:
        for event in self.family.collect_events():
            self.events.append(event)
            self.replayed = event.mutate(self.replayed)

    def _day(self, back: int) -> date:
        if back == BEFORE_START:
            return self.model.start - timedelta(days=1)
        return self.today - timedelta(days=back)

    def _run(self, command: Command[Any], expected: list[type[Exception]],
             what: str = "work") -> bool:  # fmt: skip
        """Run ``command`` on the family; check its fate; True if stored."""
        self.steps += 1
        self.clean, version = False, self.family.version
        refused(type(command).__name__, lambda: self.family.handle(command, recorded_at=NOW),
                expected)  # fmt: skip
        if expected:
            assert self.family.version == version
            assert not self.family.collect_events()
        else:
            if what == "work":
                self.model.latest = max(self.model.latest, command.occurred_on)
            self._collect()
        self.clean = True
        return not expected

    @property
    def members(self) -> list[MemberId]:
        return list(self.model.people)

    def _add(self, *, adult: bool, born: date, on: date,
             guardian: MemberId | None = None) -> None:  # fmt: skip
        member = MemberId(self._id())
        expected = self.model.dated(on, "work")
        if guardian is not None:
            expected += self.model.not_members(frozenset({guardian}), on)
        command = AddMember(
            member_id=member, name=f"M{len(self.model.people)}", birth_date=born,
            kind=MemberKind.ADULT if adult else MemberKind.CHILD,
            guardian_ids=[] if guardian is None else [guardian], occurred_on=on,
            actor=COORDINATOR,
        )  # fmt: skip
        if self._run(command, expected):
            self.model.people[member] = Person(member, adult, born, on, guardian)

    # ----------------------------------------------------------------- rules

    @precondition(lambda self: self.today < self.model.start + timedelta(days=12 * 365))
    @rule(days=st.sampled_from([0, 1, 7, 30, 200, 400, 1000]))
    def time_passes(self, days: int) -> None:
        self.today += timedelta(days=days)

    @precondition(lambda self: len(self.model.people) < 6)
    @rule(back=DAYS_BACK, year=st.integers(1960, 2000))
    def add_adult(self, back: int, year: int) -> None:
        self._add(adult=True, born=date(year, 6, 15), on=self._day(back))

    @precondition(lambda self: len(self.model.people) < 6)
    @rule(
        back=DAYS_BACK, days_old=st.integers(0, 17 * 365), guardian=st.integers(0, 11)
    )
    def add_child(self, back: int, days_old: int, guardian: int) -> None:
        """A child of up to 17, often near an age that gives them a say of their own."""
        on = self._day(back)
        adults = [p.id for p in self.model.people.values() if p.adult]
        self._add(adult=False, born=on - timedelta(days=days_old), on=on,
                  guardian=adults[guardian % len(adults)])  # fmt: skip

    @rule(back=DAYS_BACK, agency=st.sampled_from(AGENCIES), topics=SOME, exclude=st.booleans(),
          members=SOME, by=SOME, kinds=SOME)  # fmt: skip
    def grant(self, back: int, agency: AgencyKind, topics: int, exclude: bool, members: int,
              by: int, kinds: int) -> None:  # fmt: skip
        chosen = pick(TOPICS, topics)
        rest = [t for t in TOPICS if t not in chosen]
        excluded = frozenset(rest[:1]) if exclude and rest else frozenset()
        self._grant(self._day(back), agency, chosen, excluded, pick(self.members, members),
                    pick(self.members, by), pick(KINDS, kinds))  # fmt: skip

    @rule(back=DAYS_BACK, agency=st.sampled_from(AGENCIES))
    def grant_broadly(self, back: int, agency: AgencyKind) -> None:
        """The whole family consents to everything with one agency (so that teams form)."""
        on = self._day(back)
        everyone = frozenset(m for m in self.members if self.model.member_on(m, on))
        everyone = everyone or frozenset(self.members)
        self._grant(on, agency, frozenset(TOPICS), frozenset(), everyone, everyone,
                    frozenset(KINDS))  # fmt: skip

    def _grant(self, on: date, agency: AgencyKind, topics: frozenset[Topic],
               excluded: frozenset[Topic], covered: frozenset[MemberId],
               givers: frozenset[MemberId],
               kinds: frozenset[OutwardActionKind]) -> None:  # fmt: skip
        """A consent needs, for each member and topic, one who decides among the givers."""
        model = self.model
        expected = model.dated(on, "work") + model.not_members(covered | givers, on)
        if not all(model.deciders(m, t, on) & givers for m in covered for t in topics):
            expected.append(RuleViolationError)
        grant = Grant(ConsentId(self._id()), agency, topics, excluded, covered, kinds, givers, on,
                      model.seq + 1)  # fmt: skip
        if excluded and model.takes_back(on, grant=grant):
            expected.append(RuleViolationError)
        command = GrantConsent(
            consent_id=grant.id, given_by=givers, form=ConsentForm.WRITTEN, purpose="p",
            scope=ConsentScope(Agency(agency), topics, covered, excluded, kinds),
            occurred_on=on, actor=COORDINATOR,
        )  # fmt: skip
        if self._run(command, expected):
            model.grants.append(grant)
            model.next_seq()

    @rule(back=DAYS_BACK, agency=st.sampled_from(AGENCIES), topics=SOME, members=SOME,
          by=SOME, kinds=SOME)  # fmt: skip
    def refuse(self, back: int, agency: AgencyKind, topics: int, members: int, by: int,
               kinds: int) -> None:  # fmt: skip
        """Anyone may say no (it counts where they decide); not dated before sharing it uncovers."""
        on, model = self._day(back), self.model
        covered, refusers = pick(self.members, members), pick(self.members, by)
        refusal = Refusal(agency, pick(TOPICS, topics), covered, pick(KINDS, kinds), refusers,
                          on, model.seq + 1)  # fmt: skip
        expected = model.dated(on, "right") + model.not_members(covered | refusers, on)
        if model.takes_back(on, refusal=refusal):
            expected.append(RuleViolationError)
        command = RefuseConsent(
            scope=ConsentScope(Agency(agency), refusal.topics, covered, actions=refusal.kinds),
            refused_by=refusers, refusal_id=self._id(), occurred_on=on, actor=COORDINATOR,
        )  # fmt: skip
        if self._run(command, expected, "right"):
            model.refusals.append(refusal)
            model.next_seq()

    @precondition(lambda self: self.model.grants)
    @rule(back=DAYS_BACK, which=st.integers(0, 11), giver=st.booleans())
    def withdraw(self, back: int, which: int, giver: bool) -> None:
        """Once, by one who gave it, not before it was given, nor before sharing it covered."""
        on, model = self._day(back), self.model
        grant = model.grants[which % len(model.grants)]
        by = grant.given_by if giver else frozenset(self.members) - grant.given_by
        expected = model.dated(on, "right")
        if grant.withdrawn_on is not None:
            expected.append(RuleViolationError)
        if not by & grant.given_by:
            expected.append(RuleViolationError)
        if on < grant.on:
            expected.append(InvalidInputError)
        if not expected and model.takes_back(on, withdrawn=(grant, on)):
            expected.append(RuleViolationError)
        command = WithdrawConsent(consent_id=grant.id, withdrawn_by=by, occurred_on=on,
                                  actor=COORDINATOR)  # fmt: skip
        if self._run(command, expected, "right"):
            grant.withdrawn_on, grant.withdrawn_seq = on, model.next_seq()

    @rule(back=DAYS_BACK, member=st.integers(0, 11), afterwards=st.booleans())
    def act_under_legal_duty(self, back: int, member: int, afterwards: bool) -> None:
        """No consent needed; told afterwards, the family is owed a notice."""
        on, model = self._day(back), self.model
        concerned = frozenset({self.members[member % len(self.members)]})
        expected = model.dated(on, "work") + model.not_members(concerned, on)
        notice = Notice(OutwardActionId(self._id()), on, afterwards)
        command = ActUnderLegalDuty(
            action_id=notice.id, agency=Agency(AgencyKind.CHILD_WELFARE),
            topics=[Topic.PARENTING], member_ids=concerned, purpose="notify",
            channel=Channel.LETTER, legal_basis="barnevernsloven § 13-2",
            family_knows=FamilyKnows.inform_afterwards() if afterwards else FamilyKnows.present(),
            occurred_on=on, actor=COORDINATOR,
        )  # fmt: skip
        if self._run(command, expected):
            model.notices.append(notice)

    @precondition(lambda self: self.model.notices)
    @rule(
        back=DAYS_BACK,
        which=st.integers(0, 11),
        owed=st.sampled_from([True, True, False]),
    )
    def inform(self, back: int, which: int, owed: bool) -> None:
        """The family told of an action (mostly one it is still to be told of)."""
        on, model = self._day(back), self.model
        notices = [n for n in model.notices if n.afterwards and not n.informed]
        notices = notices if owed and notices else model.notices
        notice = notices[which % len(notices)]
        expected = model.dated(on, "right")
        if notice.informed or not notice.afterwards:
            expected.append(RuleViolationError)  # told already, or knew at the time
        if on < notice.on:
            expected.append(InvalidInputError)
        command = RecordFamilyInformed(
            action_id=notice.id, channel=Channel.LETTER, occurred_on=on, actor=COORDINATOR,
        )  # fmt: skip
        if self._run(command, expected, "right"):
            notice.informed = True

    @rule(back=DAYS_BACK, member=st.integers(0, 11), by=SOME, withdraw=st.booleans())
    def research(self, back: int, member: int, by: int, withdraw: bool) -> None:
        """A member's research consent given (work) or withdrawn (a right)."""
        on, model = self._day(back), self.model
        who = self.members[member % len(self.members)]
        givers = pick(self.members, by)
        since = model.research.get(who)
        expected = model.dated(on, "right" if withdraw else "work")
        if not withdraw and not model.member_on(who, on):
            expected.append(InvalidInputError)
        if (since is None) == withdraw:
            expected.append(RuleViolationError)  # none to withdraw, or one already
        if withdraw and since is not None and on < since:
            expected.append(InvalidInputError)
        if not givers <= model.research_deciders(who, on):
            expected.append(RuleViolationError)
        command: Command[Any] = (
            WithdrawResearchConsent(who, withdrawn_by=givers, occurred_on=on, actor=COORDINATOR)
            if withdraw
            else GiveResearchConsent(who, given_by=givers, occurred_on=on, actor=COORDINATOR)
        )  # fmt: skip
        if self._run(command, expected, "right" if withdraw else "work"):
            if withdraw:
                del model.research[who]
            else:
                model.research[who] = on

    @rule(back=DAYS_BACK)
    def set_goal(self, back: int) -> None:
        """Plain work with the family: only its date matters."""
        on = self._day(back)
        command = SetGoal(goal_id=self._id(), area=Topic.WORK, words="Jobb", occurred_on=on,
                          actor=COORDINATOR)  # fmt: skip
        self._run(command, self.model.dated(on, "work"))

    @precondition(lambda self: len(self.model.team) < 5 and self.model.grants)
    @rule(back=DAYS_BACK, which=st.integers(0, 11), may_decide=st.booleans())
    def join_team_under_a_consent(
        self, back: int, which: int, may_decide: bool
    ) -> None:
        """A team member for what a consent names (often still covered)."""
        grant = self.model.grants[which % len(self.model.grants)]
        self._join(self._day(back), grant.agency, frozenset(sorted(grant.topics)[:2]),
                   frozenset(sorted(grant.members)[:2]), may_decide)  # fmt: skip

    @precondition(lambda self: len(self.model.team) < 5)
    @rule(back=DAYS_BACK, agency=st.sampled_from(AGENCIES), topics=SOME, members=SOME,
          may_decide=st.booleans())  # fmt: skip
    def join_team(self, back: int, agency: AgencyKind, topics: int, members: int,
                  may_decide: bool) -> None:  # fmt: skip
        self._join(self._day(back), agency, pick(TOPICS, topics), pick(self.members, members),
                   may_decide)  # fmt: skip

    def _join(self, on: date, agency: AgencyKind, topics: frozenset[Topic],
              concerned: frozenset[MemberId], may_decide: bool) -> None:  # fmt: skip
        """Joining the team shares the family's information with the member's agency."""
        model = self.model
        expected = model.dated(on, "work") + model.not_members(concerned, on)
        if not model.permits(agency, SHARE, topics, concerned, on):
            expected.append(ConsentRequiredError)
        seat = Seat(TeamMemberId(self._id()), agency, topics, concerned, may_decide, on)
        command = JoinInvestmentTeam(
            team_member_id=seat.id, agency=Agency(agency), person="P", role="r",
            may_decide=may_decide, topics=topics, member_ids=concerned, occurred_on=on,
            actor=COORDINATOR,
        )  # fmt: skip
        if self._run(command, expected):
            model.team[seat.id] = seat
            model.shared.append(Shared(agency, topics, concerned, on, model.next_seq(),
                                       self.family.version, meeting=False))  # fmt: skip

    @precondition(lambda self: self.model.team)
    @rule(back=DAYS_BACK, seats=ANY, stranger=st.sampled_from([False, False, False, True]),
          present=ANY,
          decisions=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5),
                                       st.sampled_from([-1, 0, 0, 30]), ANY),
                             max_size=2))  # fmt: skip
    def meet(self, back: int, seats: int, stranger: bool, present: int,
             decisions: list[tuple[int, int, int, int]]) -> None:  # fmt: skip
        """An investment meeting of whoever is picked (a stranger to the team, too)."""
        ids = (
            [*self.model.team, TeamMemberId(self._id())]
            if stranger
            else list(self.model.team)
        )
        self._meet(self._day(back), pick(ids, seats), pick(self.members, present), [
            (ids[decider % len(ids)], ids[carrier % len(ids)], due, pick(self.members, about))
            for decider, carrier, due, about in decisions
        ])  # fmt: skip

    @precondition(lambda self: self.model.team)
    @rule(back=DAYS_BACK, decide=st.booleans(), child=st.booleans())
    def meet_as_planned(self, back: int, decide: bool, child: bool) -> None:
        """The whole team as of the day and the whole family; a decision by one who may."""
        on, model = self._day(back), self.model
        here = frozenset(t for t, s in model.team.items() if s.joined_on <= on)
        family_here = frozenset(m for m in self.members if model.member_on(m, on))
        deciders = sorted(t for t in here if model.team[t].may_decide)
        about = [m for m in sorted(family_here) if model.people[m].adult != child]
        decisions = []
        if decide and deciders and about:
            decisions.append((deciders[0], sorted(here)[-1], 30, frozenset(about[:1])))
        self._meet(on, here, family_here, decisions)

    def _meet(self, on: date, here: frozenset[TeamMemberId], family_here: frozenset[MemberId],
              decisions: list[tuple[TeamMemberId, TeamMemberId, int, frozenset[MemberId]]],
              ) -> None:  # fmt: skip
        """An investment meeting: never without the citizen, decided by who may decide.

        Only members of the team by the meeting's day sit in it, each still
        covered by the family's consent to share with their agency; the
        family is there (an adult, if a decision concerns a child; every adult
        a decision concerns); each decision is taken by a present member with
        authority, carried out by a member of the team, due on or after the
        meeting, and concerns at least one member.
        """
        model = self.model
        team = {t: s for t, s in model.team.items() if s.joined_on <= on}
        expected = model.dated(on, "work") + model.not_members(family_here, on)
        adult_here = any(model.people[m].adult for m in family_here)
        chosen = []
        for decider, carrier, due, concerned in decisions:
            expected += model.not_members(concerned, on)
            chosen.append(InvestmentDecision(
                what="Arbeidstrening", decided_by=decider, authority="§ 14 a",
                carried_out_by=carrier, due_on=on + timedelta(days=due),
                member_ids=concerned,
            ))  # fmt: skip
            if not concerned or due < 0:
                expected.append(InvalidInputError)
            seat = team.get(decider)
            if seat is None or decider not in here or not seat.may_decide:
                expected.append(RuleViolationError)
            if carrier not in team:
                expected.append(RuleViolationError)
            for m in concerned:
                if model.people[m].adult and m not in family_here:
                    expected.append(
                        RuleViolationError
                    )  # no decision about me without me
                if not model.people[m].adult and not adult_here:
                    expected.append(RuleViolationError)
        if not family_here or not here or not here <= set(team):
            expected.append(RuleViolationError)
        for seat_id in here & set(team):
            seat = team[seat_id]
            if not model.permits(seat.agency, SHARE, seat.topics, seat.members, on):
                expected.append(ConsentRequiredError)  # sitting in shares again
        command = HoldInvestmentMeeting(
            meeting_id=self._id(), team_present=here, members_present=family_here,
            decisions=chosen, occurred_on=on, actor=COORDINATOR,
        )  # fmt: skip
        if self._run(command, expected):
            seq = model.next_seq()
            for seat_id in sorted(here):
                seat = team[seat_id]
                model.shared.append(Shared(seat.agency, seat.topics, seat.members, on,
                                           seq, self.family.version, meeting=True))  # fmt: skip

    @rule(back=DAYS_BACK, days=st.sampled_from([-30, 0, 1, 100, 400]),
          from_decision=st.booleans())  # fmt: skip
    def extend(self, back: int, days: int, from_decision: bool) -> None:
        """Until is after the planned end and after the day the extension is decided."""
        on, model = self._day(back), self.model
        until = (on if from_decision else model.end) + timedelta(days=days)
        expected = model.dated(on, "closing")
        if model.ended_on is not None:
            expected.append(FollowUpEndedError)
        if until <= model.end or until <= on:
            expected.append(InvalidInputError)
        command = ExtendFollowUp(until=until, reason="r", decided_by="Team lead",
                                 occurred_on=on, actor=LEAD)  # fmt: skip
        if self._run(command, expected, "closing"):
            model.end = until
            model.extensions.append((self.family.version, on))
            assert self.family.planned_end_on == until

    @rule(back=DAYS_BACK, reason=st.sampled_from(EndReason))
    def end(self, back: int, reason: EndReason) -> None:
        """Not twice, and not before the newest day of the work recorded."""
        on, model = self._day(back), self.model
        expected = model.dated(on, "closing")
        if model.ended_on is not None:
            expected.append(FollowUpEndedError)
        if on < model.latest:
            expected.append(RuleViolationError)
        if LIBRARY_ENDS_AFTER_EXTENSIONS and any(
            on < day for _, day in model.extensions
        ):
            expected.append(RuleViolationError)
        command = EndFollowUp(reason=reason, occurred_on=on, actor=COORDINATOR)
        if self._run(command, expected, "closing"):
            model.ended_on = on

    # ------------------------------------------------------------ invariants

    @invariant()
    def replaying_the_events_gives_the_live_family(self) -> None:
        if self.replayed is None:
            return
        self.clean = False
        live = {k: v for k, v in vars(self.family).items() if k != "_pending_events"}
        again = {k: v for k, v in vars(self.replayed).items() if k != "_pending_events"}
        assert again == live
        extended = [day for _, day in self.model.extensions]
        if LIBRARY_ENDS_AFTER_EXTENSIONS:  # what an end may not come before
            assert self.family.latest_on == max([self.model.latest, *extended])
        else:
            assert self.family.latest_on == self.model.latest
        self.clean = True

    def teardown(self) -> None:
        TALLY["ProgrammeMachine steps"] += self.steps
        if not self.events or not self.clean:
            return  # a step failed: its own error is the one to see
        findings, count = audit_history(
            self.family.id, self.events, on=self.model.start
        )
        assert count == len(self.events) == self.family.version
        uncovered = sorted(
            (f.version, f.occurred_on)
            for f in findings
            if f.kind is FindingKind.UNCOVERED_ACTION
        )
        assert uncovered == self.model.uncovered()
        if LIBRARY_PROTECTS_MEETINGS and LIBRARY_ORDERS_SAME_DAY_NOS:
            assert not uncovered
        outside = sorted(
            (f.version, f.occurred_on)
            for f in findings
            if f.kind is FindingKind.OUTSIDE_PROGRAMME_PERIOD
        )
        assert outside == self.model.outside()
        if LIBRARY_ENDS_AFTER_EXTENSIONS:
            assert not outside
        assert not [f for f in findings if f.kind is FindingKind.UNKNOWN_MEMBER]


# ------------------------------------------------------------ the inquiry model

DRAMMEN = Municipality("3301")
ADVISER = Actor("a-rad", Role.COORDINATOR, DRAMMEN)
IDENTIFYING = {InquiryWork.HOME_VISIT, InquiryWork.SERVICE_CONNECTED}
"""The model's own list of the work that names the family."""


class InquiryMachine(RuleBasedStateMachine):
    """An inquiry to Drammen's competence team, command by command.

    The model: nothing dated before the inquiry came, nothing at all once it
    is closed; identified (the family's consent to be named) once; a home
    visit, a service connected, any note and the link to an enrolment need it
    identified by their day; only a service connected names a service, and it
    must; linked once; closed once, not before the newest day recorded, with
    "service connected" only after such work and "enrolled" only once linked.
    """

    def __init__(self) -> None:
        super().__init__()
        self.steps = 0

    @initialize(on=st.sampled_from(STARTS),
                source=st.sampled_from([InquirySource.SCHOOL, InquirySource.FAMILY]))  # fmt: skip
    def receive(self, on: date, source: InquirySource) -> None:
        TALLY["InquiryMachine histories"] += 1
        self.inquiry = Inquiry.receive(
            inquiry_id=UUID(int=1), municipality=DRAMMEN, source=source,
            topics=[Topic.ECONOMY], received_on=on, actor=ADVISER, recorded_at=NOW,
            service=None if source is InquirySource.FAMILY else Agency(AgencyKind.SCHOOL),
        )  # fmt: skip
        self.received = self.today = self.latest = on
        self.identified: date | None = None
        self.work: list[InquiryWork] = []
        self.linked = False
        self.closed = False
        self.replayed: Inquiry | None = None
        self._collect()

    def _collect(self) -> None:
        for event in self.inquiry.collect_events():
            self.replayed = event.mutate(self.replayed)

    def _day(self, back: int) -> date:
        if back == BEFORE_START:
            return self.received - timedelta(days=1)
        return self.today - timedelta(days=back)

    def _expected(self, on: date) -> list[type[Exception]]:
        expected: list[type[Exception]] = []
        if self.closed:
            expected.append(RuleViolationError)
        if on < self.received:
            expected.append(InvalidInputError)
        return expected

    def _run(
        self, what: str, call: Any, on: date, expected: list[type[Exception]]
    ) -> bool:
        self.steps += 1
        version = self.inquiry.version
        refused(what, call, expected)
        if expected:
            assert self.inquiry.version == version
            assert not self.inquiry.collect_events()
            return False
        self.latest = max(self.latest, on)
        self._collect()
        return True

    def _named_by(self, on: date) -> bool:
        return self.identified is not None and self.identified <= on

    @rule(days=st.sampled_from([0, 1, 7, 30, 200]))
    def time_passes(self, days: int) -> None:
        self.today += timedelta(days=days)

    @rule(back=DAYS_BACK)
    def identify(self, back: int) -> None:
        on = self._day(back)
        expected = self._expected(on)
        if self.identified is not None:
            expected.append(RuleViolationError)

        def call() -> None:
            self.inquiry.identify(given_by="Kari Hansen", form=ConsentForm.WRITTEN,
                                  occurred_on=on, actor=ADVISER, recorded_at=NOW)  # fmt: skip

        if self._run("inquiry identify", call, on, expected):
            self.identified = on

    @rule(back=DAYS_BACK, kind=st.sampled_from(InquiryWork), service=st.booleans(),
          note=st.booleans())  # fmt: skip
    def record_work(
        self, back: int, kind: InquiryWork, service: bool, note: bool
    ) -> None:
        on = self._day(back)
        expected = self._expected(on)
        if service != (kind is InquiryWork.SERVICE_CONNECTED):
            expected.append(InvalidInputError)
        if (kind in IDENTIFYING or note) and not self._named_by(on):
            expected.append(ConsentRequiredError)

        def call() -> None:
            self.inquiry.record_work(
                work_id=UUID(int=len(self.work) + 2), kind=kind, occurred_on=on,
                actor=ADVISER, recorded_at=NOW,
                service=Agency(AgencyKind.NAV) if service else None,
                note="Ringte læreren" if note else None,
            )  # fmt: skip

        if self._run("inquiry record_work", call, on, expected):
            self.work.append(kind)

    @rule(back=DAYS_BACK)
    def link(self, back: int) -> None:
        on = self._day(back)
        expected = self._expected(on)
        if not self._named_by(on):
            expected.append(ConsentRequiredError)
        if self.linked:
            expected.append(RuleViolationError)

        def call() -> None:
            self.inquiry.link(family_id=UUID(int=1), occurred_on=on, actor=ADVISER,
                              recorded_at=NOW)  # fmt: skip

        if self._run("inquiry link", call, on, expected):
            self.linked = True

    @rule(back=DAYS_BACK, outcome=st.sampled_from(InquiryOutcome))
    def close(self, back: int, outcome: InquiryOutcome) -> None:
        on = self._day(back)
        expected = self._expected(on)
        if on < self.latest:
            expected.append(InvalidInputError)
        if outcome is InquiryOutcome.SERVICE_CONNECTED and (
            InquiryWork.SERVICE_CONNECTED not in self.work
        ):
            expected.append(RuleViolationError)
        if outcome is InquiryOutcome.ENROLLED and not self.linked:
            expected.append(RuleViolationError)

        def call() -> None:
            self.inquiry.close(outcome=outcome, occurred_on=on, actor=ADVISER,
                               recorded_at=NOW)  # fmt: skip

        if self._run("inquiry close", call, on, expected):
            self.closed = True
            assert self.inquiry.outcome is outcome

    @invariant()
    def replaying_the_events_gives_the_live_inquiry(self) -> None:
        if self.replayed is None:
            return
        live = {k: v for k, v in vars(self.inquiry).items() if k != "_pending_events"}
        again = {k: v for k, v in vars(self.replayed).items() if k != "_pending_events"}
        assert again == live
        assert self.inquiry.latest_on == self.latest
        assert self.inquiry.identified_on == self.identified

    def teardown(self) -> None:
        TALLY["InquiryMachine steps"] += self.steps


# ------------------------------------------------------------ the caseload model

LIMIT = 2
"""The model's own copy of the pilot programme's caseload."""
PILOT = Programme(
    kind=ProgrammeKind.CUSTOM, name="Pilot", jurisdiction=Jurisdiction.DENMARK,
    duration_months=12, survey_interval_months=12, max_caseload=LIMIT,
)  # fmt: skip
ON = date(2026, 2, 2)
LEADS = [Actor("t-holm", Role.TEAM_LEAD, Municipality("153")), LEAD]
COORDINATORS = ["m-lund", "o-berg", "k-dahl"]


@dataclass
class Followed:
    id: FamilyId
    municipality: int
    limited: bool
    coordinator: str | None = None
    ended: bool = False
    overrides: list[tuple[str, int]] = field(default_factory=list)


class CaseloadMachine(RuleBasedStateMachine):
    """Families assigned and handed over to coordinators under a caseload, in the application.

    The model: a coordinator follows the families, in one municipality, whose
    current coordinator they are and whose follow-up has not ended, whatever
    their programme. Under a programme with a caseload, an assignment to a
    coordinator who follows as many other families as the caseload (or more)
    is refused, unless ``over_caseload`` says why; then the family's record
    shows the override. ``over_caseload`` where it overrides nothing (fewer
    families, or a programme without a caseload) is refused. Nobody is
    assigned a family they coordinate already; an ended follow-up does not
    end twice.
    """

    def __init__(self) -> None:
        super().__init__()
        TALLY["CaseloadMachine histories"] += 1
        self.steps = 0
        self.app = FamilyCoordination(clock=FixedClock())
        self.families: list[Followed] = []
        self.taken_on: Counter[tuple[int, str]] = Counter()

    def _stored(self) -> int:
        return len(
            self.app._engine.recorder.select_notifications(start=1, limit=100_000)
        )

    def _run(self, what: str, call: Any, expected: list[type[Exception]]) -> bool:
        self.steps += 1
        before = self._stored()
        refused(what, call, expected)
        if expected:
            assert self._stored() == before
        return not expected

    def following(self, coordinator: str, municipality: int) -> list[Followed]:
        return [f for f in self.families
                if f.coordinator == coordinator and f.municipality == municipality
                and not f.ended]  # fmt: skip

    @precondition(lambda self: len(self.families) < 10)
    @rule(municipality=st.sampled_from([0, 0, 1]), limited=st.booleans())
    def enrol(self, municipality: int, limited: bool) -> None:
        self.steps += 1
        family_id = self.app.enrol_family(
            family_id=UUID(int=len(self.families) + 1),
            municipality=LEADS[municipality].municipality, label="Jensen",
            programme=PILOT if limited else Programme.nye_monstre(),
            referral=ReferralSource.NAV, eligibility=Eligibility(210_000, 330_000, 3),
            occurred_on=ON, actor=LEADS[municipality],
        )  # fmt: skip
        self.families.append(Followed(family_id, municipality, limited))

    @precondition(lambda self: self.families)
    @rule(which=st.integers(0, 11), coordinator=st.sampled_from(COORDINATORS),
          over=st.booleans())  # fmt: skip
    def assign(self, which: int, coordinator: str, over: bool) -> None:
        family = self.families[which % len(self.families)]
        others = len([f for f in self.following(coordinator, family.municipality)
                      if f is not family])  # fmt: skip
        expected: list[type[Exception]] = []
        if family.coordinator == coordinator:
            expected.append(RuleViolationError)
        if family.limited and others >= LIMIT and not over:
            expected.append(RuleViolationError)
        if over and (not family.limited or others < LIMIT):
            expected.append(InvalidInputError)

        def call() -> None:
            self.app.assign_coordinator(
                family.id, coordinator_id=coordinator, coordinator_name="Maja Lund",
                occurred_on=ON, actor=LEADS[family.municipality],
                over_caseload="Agreed with the team lead" if over else None,
            )  # fmt: skip

        if self._run("assign", call, expected):
            family.coordinator = coordinator
            if family.limited:
                self.taken_on[family.municipality, coordinator] += 1
                if over:
                    family.overrides.append((coordinator, others))

    @precondition(lambda self: self.families)
    @rule(which=st.integers(0, 11))
    def end(self, which: int) -> None:
        family = self.families[which % len(self.families)]

        def call() -> None:
            self.app.end_follow_up(family.id, reason=EndReason.COMPLETED, occurred_on=ON,
                                   actor=LEADS[family.municipality])  # fmt: skip

        if self._run("end", call, [FollowUpEndedError] if family.ended else []):
            family.ended = True

    @invariant()
    def the_caseload_view_holds_the_families_each_coordinator_follows(self) -> None:
        for municipality, lead in enumerate(LEADS):
            for coordinator in COORDINATORS:
                ids = self.app.views.active_family_ids_of(
                    coordinator, lead.municipality, excluding=UUID(int=0)
                )
                assert sorted(ids) == sorted(
                    f.id for f in self.following(coordinator, municipality)
                )

    def teardown(self) -> None:
        TALLY["CaseloadMachine steps"] += self.steps
        engine = self.app._engine
        for (municipality, coordinator), count in self.taken_on.items():
            caseload: Caseload = engine.repository.get(
                caseload_id(LEADS[municipality].municipality, coordinator)
            )
            assert caseload.taken_on == count
        for family in self.families:
            history = self.app.family_history(
                family.id, actor=LEADS[family.municipality]
            )
            exceeded = [(e.coordinator_id, e.families, e.limit) for e in history
                        if isinstance(e, Family.CaseloadExceeded)]  # fmt: skip
            assert exceeded == [(c, n, LIMIT) for c, n in family.overrides]
        self.app.close()


# ------------------------------------------- the library bugs the models found
#
# Each is strict: once the library is fixed it passes, the run fails, and the
# flag named in its reason is to be set to True (the machine then checks the
# rule as the model states it).


def _family_with(*, adult: MemberId, grants: list[AgencyKind]) -> Family:
    family = enrol(
        family_id=uuid4(), municipality=KOMMUNE, label="Test",
        programme=Programme.asker(), referral=ReferralSource.OTHER,
        eligibility=Eligibility(1, 2, 3), occurred_on=STARTS[0], actor=LEAD,
        recorded_at=NOW,
    )  # fmt: skip
    family.handle(AddMember(member_id=adult, name="Sara", birth_date=date(1990, 1, 1),
                            kind=MemberKind.ADULT, occurred_on=STARTS[0],
                            actor=COORDINATOR), recorded_at=NOW)  # fmt: skip
    for number, agency in enumerate(grants, start=1):
        family.handle(GrantConsent(
            consent_id=ConsentId(UUID(int=number)), given_by=[adult],
            scope=ConsentScope(Agency(agency), frozenset({Topic.ECONOMY}),
                               frozenset({adult})),
            form=ConsentForm.WRITTEN, purpose="p", occurred_on=STARTS[0], actor=COORDINATOR,
        ), recorded_at=NOW)  # fmt: skip
    return family


def test_a_no_cannot_be_dated_before_an_investment_meeting_it_uncovers() -> None:
    sara = MemberId(uuid4())
    family = _family_with(adult=sara, grants=[AgencyKind.NAV])
    nav = TeamMemberId(uuid4())
    day = STARTS[0] + timedelta(days=5)
    family.handle(JoinInvestmentTeam(
        team_member_id=nav, agency=Agency(AgencyKind.NAV), person="Ola", role="r",
        may_decide=True, topics=[Topic.ECONOMY], member_ids=[sara],
        occurred_on=STARTS[0], actor=COORDINATOR,
    ), recorded_at=NOW)  # fmt: skip
    family.handle(HoldInvestmentMeeting(team_present=[nav], members_present=[sara],
                                        occurred_on=day, actor=COORDINATOR),
                  recorded_at=NOW)  # fmt: skip
    consent = next(iter(family.consents))
    held = family.version
    with pytest.raises(
        RuleViolationError, match=f"1 action.s. already recorded, the last on {day}"
    ):
        family.handle(WithdrawConsent(consent_id=consent, withdrawn_by=[sara],
                                      occurred_on=day - timedelta(days=2),
                                      actor=COORDINATOR), recorded_at=NOW)  # fmt: skip
    assert family.version == held
    family.handle(WithdrawConsent(consent_id=consent, withdrawn_by=[sara],
                                  occurred_on=day, actor=COORDINATOR),
                  recorded_at=NOW)  # fmt: skip
    assert consent in family.withdrawals


@pytest.mark.xfail(strict=True, reason="library bug: set LIBRARY_ORDERS_SAME_DAY_NOS")
def test_a_no_is_refused_only_for_what_it_takes_away() -> None:
    """A contact, then a refusal the same day: a no about another agency, dated before."""
    kari = MemberId(uuid4())
    family = _family_with(adult=kari, grants=[AgencyKind.NAV, AgencyKind.SCHOOL])
    _, school = sorted(family.consents)
    day = STARTS[0] + timedelta(days=10)
    family.handle(RecordContact(
        agency=Agency(AgencyKind.NAV), topics=[Topic.ECONOMY], member_ids=[kari],
        purpose="p", channel=Channel.PHONE, family_knows=FamilyKnows.present(),
        occurred_on=day, actor=COORDINATOR,
    ), recorded_at=NOW)  # fmt: skip
    family.handle(RefuseConsent(
        scope=ConsentScope(Agency(AgencyKind.NAV), frozenset({Topic.ECONOMY}),
                           frozenset({kari})),
        refused_by=[kari], occurred_on=day, actor=COORDINATOR,
    ), recorded_at=NOW)  # fmt: skip
    family.handle(WithdrawConsent(consent_id=school, withdrawn_by=[kari],
                                  occurred_on=day - timedelta(days=5), actor=COORDINATOR),
                  recorded_at=NOW)  # fmt: skip


def test_the_follow_up_cannot_end_before_an_extension_recorded() -> None:
    family = _family_with(adult=MemberId(uuid4()), grants=[])
    day = STARTS[0] + timedelta(days=1)
    family.handle(ExtendFollowUp(until=family.planned_end_on + timedelta(days=1),
                                 reason="r", decided_by="Team lead", occurred_on=day,
                                 actor=LEAD), recorded_at=NOW)  # fmt: skip
    extended = family.version
    with pytest.raises(
        RuleViolationError, match=f"end it on {day.isoformat()} or later"
    ):
        family.handle(EndFollowUp(reason=EndReason.COMPLETED, occurred_on=STARTS[0],
                                  actor=COORDINATOR), recorded_at=NOW)  # fmt: skip
    assert family.ended is None
    assert family.version == extended
    family.handle(EndFollowUp(reason=EndReason.COMPLETED, occurred_on=day,
                              actor=COORDINATOR), recorded_at=NOW)  # fmt: skip
    assert family.ended is not None
    assert family.ended.ended_on == day


# ------------------------------------------------------------------ settings


def _settings(steps: int, share: int = 1) -> settings:
    """The profile's settings, or the long run's (:data:`HISTORIES`)."""
    profile = settings()  # the loaded profile's
    if HISTORIES:
        return settings(
            profile, max_examples=max(1, HISTORIES // share), stateful_step_count=steps,
            deadline=None, suppress_health_check=[HealthCheck.too_slow],
        )  # fmt: skip
    examples = max(1, profile.max_examples // share)
    return settings(profile, max_examples=examples, stateful_step_count=steps,
                    deadline=None)  # fmt: skip


TestProgrammeMachine = ProgrammeMachine.TestCase
TestProgrammeMachine.settings = _settings(30)
TestInquiryMachine = InquiryMachine.TestCase
TestInquiryMachine.settings = _settings(20)
TestCaseloadMachine = CaseloadMachine.TestCase
TestCaseloadMachine.settings = _settings(25, share=4 if not HISTORIES else 20)


@pytest.fixture(autouse=True, scope="module")
def _tally() -> Iterator[None]:
    """Print how many histories and steps were checked, in a long run."""
    yield
    if HISTORIES:
        print(
            "\nmodel histories and steps:", dict(sorted(TALLY.items())), file=sys.stderr
        )
        for (what, fate), count in sorted(OUTCOMES.items()):
            print(f"  {what}: {fate} {count}", file=sys.stderr)
