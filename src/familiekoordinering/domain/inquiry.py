"""The ``Inquiry`` aggregate: one inquiry (*henvendelse*) to a competence team, as events.

Drammen's Kompetanseteam Levekår is asked about individual cases by staff of
other services (NAV, school, health station, kindergarten, child welfare, …)
and by families themselves, often before or without any enrolment in a
programme. Every inquiry is handled; nobody is turned away. An inquiry starts
**anonymous** (*anonym drøfting*): the professional discusses the case
without naming anyone, which needs no consent. Once the family consents to be
named (:class:`Inquiry.InquiryIdentified`), consent rules apply and
identifying work may be recorded: a home visit, a service connected, a note,
a link to the family's enrolment.

Like :class:`~familiekoordinering.domain.family.Family`, each event carries
``occurred_on`` (when it happened, given by the caller), ``actor`` (who
recorded it) and ``timestamp`` (when it was recorded, the application's
clock), and has an explicit, permanent ``TOPIC``. The rules are pure
functions in this module (no clock, no storage, no environment): the command
methods call them before they record anything, and a refusal records nothing.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Final, NewType
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate

from familiekoordinering.domain import rules
from familiekoordinering.domain.consent import ConsentForm
from familiekoordinering.domain.validation import check_label
from familiekoordinering.domain.values import (
    Actor,
    Agency,
    FamilyId,
    Municipality,
    PersonalText,
    Topic,
)
from familiekoordinering.errors import (
    ConsentRequiredError,
    InvalidInputError,
    RuleViolationError,
)

__all__ = [
    "DEFAULT_OVERDUE_DAYS",
    "INQUIRY_TOPIC",
    "INQUIRY_TOPICS",
    "FlaggedInquiry",
    "Inquiry",
    "InquiryId",
    "InquiryOutcome",
    "InquiryReport",
    "InquirySource",
    "InquiryWork",
    "InquiryWorkId",
    "check_closing",
    "check_dated",
    "check_identified",
    "check_open",
    "check_work",
    "inquiry_report",
    "overdue",
]

INQUIRY_TOPIC: Final = "familiekoordinering:Inquiry"
"""The aggregate's stored topic, and the prefix of every inquiry event's topic."""

DEFAULT_OVERDUE_DAYS: Final = 30
"""An inquiry without an outcome after this many days is flagged (a setting)."""

InquiryId = NewType("InquiryId", UUID)
"""Identifies an inquiry (the aggregate id)."""
InquiryWorkId = NewType("InquiryWorkId", UUID)
"""Identifies one piece of work recorded for an inquiry."""


class InquirySource(enum.StrEnum):
    """Who asked: the kind of service the asking professional works in, or the family."""

    NAV = "nav"
    SCHOOL = "school"
    KINDERGARTEN = "kindergarten"
    HEALTH_STATION = "health_station"
    GP = "gp"
    HEALTH_SERVICE = "health_service"
    CHILD_WELFARE = "child_welfare"
    FOLLOW_UP_SERVICE = "follow_up_service"
    HOUSING_OFFICE = "housing_office"
    VOLUNTEER = "volunteer"
    OTHER = "other"
    """Another service of the municipality or beyond it."""
    FAMILY = "family"
    """The family asked itself."""


class InquiryWork(enum.StrEnum):
    """A kind of work done for an inquiry."""

    ADVICE = "advice"
    """Advice to the asking professional (may be given anonymously)."""
    MAPPING = "mapping"
    """Mapping the family's situation; while the inquiry is anonymous, with the
    professional and without names."""
    HOME_VISIT = "home_visit"
    """A home visit: the family is identified."""
    SERVICE_CONNECTED = "service_connected"
    """A municipal or voluntary service connected to the family (its :class:`Agency`)."""


IDENTIFYING_WORK: Final = frozenset(
    {InquiryWork.HOME_VISIT, InquiryWork.SERVICE_CONNECTED}
)
"""The kinds of work that name the family, so need the inquiry identified first."""


class InquiryOutcome(enum.StrEnum):
    """How an inquiry ended. Nobody is turned away, so there is no "rejected"."""

    ADVICE_GIVEN = "advice_given"
    """The professional got the advice they needed."""
    SERVICE_CONNECTED = "service_connected"
    """A service was connected to the family (needs such work recorded)."""
    ENROLLED = "enrolled"
    """The family was enrolled in a programme (needs a link to the enrolment)."""
    REFERRED = "referred"
    """The case was passed on to the service whose it is."""
    FAMILY_DECLINED = "family_declined"
    """The family did not want help (the offer stands)."""
    NO_FURTHER_NEED = "no_further_need"
    """Nothing more was needed."""


# ---------------------------------------------------------------------- rules


def check_dated(name: str, on: date, received_on: date, recorded_at: datetime) -> None:
    """Refuse a day before the inquiry was received, or after the day it is recorded."""
    if not isinstance(on, date) or isinstance(on, datetime):
        raise InvalidInputError(f"{name} must be a date (datetime.date), not {on!r}")
    if on < received_on:
        raise InvalidInputError(
            f"{name} {on.isoformat()} is before the inquiry was received on "
            f"{received_on.isoformat()}: check the date"
        )
    rules.check_not_after_recording(name, on, recorded_at)


def check_open(closed: tuple[InquiryOutcome, date] | None) -> None:
    """Refuse anything recorded for an inquiry that was closed."""
    if closed is not None:
        outcome, on = closed
        raise RuleViolationError(
            f"the inquiry was closed on {on.isoformat()} ({outcome.value}): nothing "
            "more can be recorded for it; receive a new inquiry if the family asks again"
        )


def check_identified(what: str, identified_on: date | None, on: date) -> None:
    """Refuse ``what`` for an inquiry that was not identified (with consent) by ``on``.

    An anonymous inquiry (*anonym drøfting*) names nobody: whatever would
    identify the family needs its consent to be named first.
    """
    if identified_on is None or identified_on > on:
        reason = f"{what} identifies the family, and the inquiry is anonymous" + (
            "" if identified_on is None else f" until {identified_on.isoformat()}"
        )
        raise ConsentRequiredError(
            f"{reason}: record the family's consent to be named first "
            "(identify_inquiry), or keep to anonymous advice and mapping",
            (reason,),
        )


def check_work(
    kind: InquiryWork,
    service: Agency | None,
    note: str | None,
    identified_on: date | None,
    on: date,
) -> None:
    """Refuse work that does not fit its kind, or that would name an anonymous family.

    A home visit, a service connected and any note need the inquiry
    identified on ``on``; a connected service names its :class:`Agency`, and
    only that kind of work names one.
    """
    if not isinstance(kind, InquiryWork):
        choices = ", ".join(k.value for k in InquiryWork)
        raise InvalidInputError(f"kind must be one of {choices}, not {kind!r}")
    if service is not None and not isinstance(service, Agency):
        raise InvalidInputError(f"service must be an Agency, not {service!r:.60}")
    if kind is InquiryWork.SERVICE_CONNECTED and service is None:
        raise InvalidInputError(
            "a service connected names the service: give service=Agency(…)"
        )
    if kind is not InquiryWork.SERVICE_CONNECTED and service is not None:
        raise InvalidInputError(
            f"only a service connected names a service, not {kind.value}: leave "
            "service out"
        )
    rules.check_free_text("note", note, required=False)
    if kind in IDENTIFYING_WORK:
        check_identified(f"a {kind.value.replace('_', ' ')}", identified_on, on)
    if note is not None:
        check_identified("a note", identified_on, on)


def check_closing(
    outcome: InquiryOutcome,
    work: Iterable[InquiryWork],
    family_id: FamilyId | None,
) -> None:
    """Refuse an outcome the inquiry's record does not bear out.

    "Service connected" needs such work recorded; "enrolled" needs the link
    to the family's enrolment.
    """
    if not isinstance(outcome, InquiryOutcome):
        choices = ", ".join(o.value for o in InquiryOutcome)
        raise InvalidInputError(f"outcome must be one of {choices}, not {outcome!r}")
    if outcome is InquiryOutcome.SERVICE_CONNECTED and (
        InquiryWork.SERVICE_CONNECTED not in set(work)
    ):
        raise RuleViolationError(
            "the outcome 'service connected' needs the service recorded: record "
            "the work (record_inquiry_work, kind service_connected) first"
        )
    if outcome is InquiryOutcome.ENROLLED and family_id is None:
        raise RuleViolationError(
            "the outcome 'enrolled' needs the enrolment: link the inquiry to the "
            "family (link_inquiry) first"
        )


def overdue(inquiry: Inquiry, on: date, days: int = DEFAULT_OVERDUE_DAYS) -> bool:
    """Whether ``inquiry`` is still without an outcome more than ``days`` days after it came.

    Judged on ``on``: an inquiry received on 1 March is flagged, with the
    default 30 days, from 1 April on if it is still open then.
    """
    _check_days(days)
    return inquiry.closed is None and on > inquiry.received_on + timedelta(days=days)


def _check_days(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650:
        raise InvalidInputError(
            f"the days before an inquiry is flagged are {days!r}: give a whole "
            "number from 1 to 3650"
        )


# ------------------------------------------------------------------ aggregate


class Inquiry(Aggregate):
    """An inquiry to the competence team: who asked, about what, the work, the outcome.

    Create one with :meth:`receive`; change it only through its command
    methods. The attributes are the current state, derived from the events;
    the names and notes are in the events (sealed with the inquiry's own key
    where the store encrypts), and exist only once the family was identified.
    """

    TOPIC = INQUIRY_TOPIC
    """The aggregate's permanent stored topic (independent of the module path)."""

    municipality: Municipality
    """The municipality whose team received it: only its staff see it."""
    received_on: date
    """The day the inquiry came."""
    source: InquirySource
    """Who asked."""
    topics: frozenset[Topic]
    """What it is about."""
    service: Agency | None
    """The asking professional's service, if a professional asked."""
    identified_on: date | None
    """The day the family consented to be named; None while anonymous."""
    work: dict[InquiryWorkId, tuple[InquiryWork, date]]
    """The work recorded: its kind and its day, by id."""
    family_id: FamilyId | None
    """The family's enrolment the inquiry led to, if any."""
    closed: tuple[InquiryOutcome, date] | None
    """The outcome and the day it was closed; None while open."""
    latest_on: date
    """The newest day recorded for the inquiry."""

    class Event(Aggregate.Event):
        """Base of every inquiry event: when it happened and who recorded it."""

        occurred_on: date
        actor: Actor

        @property
        def recorded_at(self) -> datetime:
            """When the event was recorded (the store's timestamp)."""
            return self.timestamp

        def mutate(self, aggregate: Any) -> Any:
            """Apply the event; its day becomes ``latest_on`` if it is newer."""
            inquiry = super().mutate(aggregate)
            if inquiry is not None and self.occurred_on > inquiry.latest_on:
                inquiry.latest_on = self.occurred_on
            return inquiry

    class InquiryReceived(Event, Aggregate.Created):
        """An inquiry came in; ``occurred_on`` is the day it was received.

        It names nobody: who asked is a kind of service (or the family), what
        about is a set of topics.
        """

        TOPIC = f"{INQUIRY_TOPIC}.Received"
        municipality: Municipality
        source: InquirySource
        topics: frozenset[Topic]
        service: Agency | None

        def apply(self, aggregate: Any) -> None:
            """Start the inquiry."""
            inquiry: Inquiry = aggregate
            inquiry.municipality = self.municipality
            inquiry.received_on = self.occurred_on
            inquiry.source = self.source
            inquiry.topics = self.topics
            inquiry.service = self.service

    Created = InquiryReceived

    class InquiryIdentified(Event):
        """The family consented to be named: identifying data may be stored from now on."""

        TOPIC = f"{INQUIRY_TOPIC}.Identified"
        given_by: PersonalText
        """Who gave the consent (a name)."""
        form: ConsentForm

        def apply(self, aggregate: Any) -> None:
            """Note the day of the consent."""
            inquiry: Inquiry = aggregate
            inquiry.identified_on = self.occurred_on

    class InquiryWorkRecorded(Event):
        """Work was done: advice, mapping, a home visit or a service connected."""

        TOPIC = f"{INQUIRY_TOPIC}.WorkRecorded"
        work_id: InquiryWorkId
        kind: InquiryWork
        service: Agency | None
        """The service connected (only for that kind of work)."""
        note: PersonalText | None

        def apply(self, aggregate: Any) -> None:
            """Note the work's kind and day."""
            inquiry: Inquiry = aggregate
            inquiry.work[self.work_id] = (self.kind, self.occurred_on)

    class InquiryLinked(Event):
        """The inquiry led to the family's enrolment in a programme."""

        TOPIC = f"{INQUIRY_TOPIC}.Linked"
        family_id: FamilyId

        def apply(self, aggregate: Any) -> None:
            """Note the family."""
            inquiry: Inquiry = aggregate
            inquiry.family_id = self.family_id

    class InquiryClosed(Event):
        """The inquiry was closed with its outcome."""

        TOPIC = f"{INQUIRY_TOPIC}.Closed"
        outcome: InquiryOutcome

        def apply(self, aggregate: Any) -> None:
            """Close the inquiry."""
            inquiry: Inquiry = aggregate
            inquiry.closed = (self.outcome, self.occurred_on)

    EVENT_CLASSES: ClassVar[tuple[type[Event], ...]]
    """Every event class above, in order."""

    def __init__(self) -> None:
        self.identified_on = None
        self.work = {}
        self.family_id = None
        self.closed = None
        self.latest_on = date.min

    # ----------------------------------------------------------- queries

    @property
    def identified(self) -> bool:
        """Whether the family consented to be named."""
        return self.identified_on is not None

    @property
    def outcome(self) -> InquiryOutcome | None:
        """The outcome, or None while the inquiry is open."""
        return None if self.closed is None else self.closed[0]

    @property
    def closed_on(self) -> date | None:
        """The day it was closed, or None while open."""
        return None if self.closed is None else self.closed[1]

    # ---------------------------------------------------------- commands

    @classmethod
    def receive(
        cls,
        *,
        inquiry_id: UUID,
        municipality: str,
        source: InquirySource,
        topics: Iterable[Topic],
        service: Agency | None,
        received_on: date,
        actor: Actor,
        recorded_at: datetime,
    ) -> Inquiry:
        """Receive an inquiry on ``received_on``; return the new aggregate."""
        rules.check_actor(actor)
        rules.check_municipality(municipality)
        if not isinstance(inquiry_id, UUID):
            raise InvalidInputError(
                f"inquiry_id must be a UUID, not {inquiry_id!r:.60}"
            )
        if not isinstance(source, InquirySource):
            choices = ", ".join(s.value for s in InquirySource)
            raise InvalidInputError(f"source must be one of {choices}, not {source!r}")
        chosen = _topics(topics)
        if service is not None and not isinstance(service, Agency):
            raise InvalidInputError(f"service must be an Agency, not {service!r:.60}")
        if source is InquirySource.FAMILY and service is not None:
            raise InvalidInputError(
                "the family asked itself: leave the asking professional's service out"
            )
        if not isinstance(received_on, date) or isinstance(received_on, datetime):
            raise InvalidInputError(
                f"received_on must be a date (datetime.date), not {received_on!r}"
            )
        rules.check_not_after_recording("received_on", received_on, recorded_at)
        return cls._create(
            cls.InquiryReceived,
            id=inquiry_id,
            timestamp=recorded_at,
            occurred_on=received_on,
            actor=actor,
            municipality=Municipality(municipality),
            source=source,
            topics=chosen,
            service=service,
        )

    def _check(self, occurred_on: date, actor: Actor, recorded_at: datetime) -> None:
        """What every later command shares: the actor, an open inquiry, the day."""
        rules.check_actor(actor)
        check_open(self.closed)
        check_dated("occurred_on", occurred_on, self.received_on, recorded_at)

    def identify(
        self,
        *,
        given_by: str,
        form: ConsentForm,
        occurred_on: date,
        actor: Actor,
        recorded_at: datetime,
    ) -> None:
        """Record that the family consented to be named (``given_by``: who consented)."""
        self._check(occurred_on, actor, recorded_at)
        if self.identified_on is not None:
            raise RuleViolationError(
                f"the inquiry was identified on {self.identified_on.isoformat()} "
                "already: its consent is on record"
            )
        check_label("given_by", given_by)
        if not isinstance(form, ConsentForm):
            choices = ", ".join(f.value for f in ConsentForm)
            raise InvalidInputError(f"form must be one of {choices}, not {form!r}")
        self._record(
            self.InquiryIdentified,
            recorded_at,
            occurred_on=occurred_on,
            actor=actor,
            given_by=given_by,
            form=form,
        )

    def record_work(
        self,
        *,
        work_id: UUID,
        kind: InquiryWork,
        service: Agency | None,
        note: str | None,
        occurred_on: date,
        actor: Actor,
        recorded_at: datetime,
    ) -> None:
        """Record work done for the inquiry (see :func:`check_work`)."""
        self._check(occurred_on, actor, recorded_at)
        if not isinstance(work_id, UUID):
            raise InvalidInputError(f"work_id must be a UUID, not {work_id!r:.60}")
        if work_id in self.work:
            raise RuleViolationError(
                f"work id {work_id} is already used in this inquiry: give a new id "
                "or leave it out to have one generated"
            )
        check_work(kind, service, note, self.identified_on, occurred_on)
        self._record(
            self.InquiryWorkRecorded,
            recorded_at,
            occurred_on=occurred_on,
            actor=actor,
            work_id=InquiryWorkId(work_id),
            kind=kind,
            service=service,
            note=note,
        )

    def link(
        self,
        *,
        family_id: UUID,
        occurred_on: date,
        actor: Actor,
        recorded_at: datetime,
    ) -> None:
        """Link the inquiry to the family's enrolment (the family is identified)."""
        self._check(occurred_on, actor, recorded_at)
        if not isinstance(family_id, UUID):
            raise InvalidInputError(f"family_id must be a UUID, not {family_id!r:.60}")
        check_identified("a link to the family's enrolment", self.identified_on,
                         occurred_on)  # fmt: skip
        if self.family_id is not None:
            raise RuleViolationError(
                f"the inquiry is linked to family {self.family_id} already"
            )
        self._record(
            self.InquiryLinked,
            recorded_at,
            occurred_on=occurred_on,
            actor=actor,
            family_id=FamilyId(family_id),
        )

    def close(
        self,
        *,
        outcome: InquiryOutcome,
        occurred_on: date,
        actor: Actor,
        recorded_at: datetime,
    ) -> None:
        """Close the inquiry with its outcome, once; nothing is recorded after it."""
        self._check(occurred_on, actor, recorded_at)
        if occurred_on < self.latest_on:
            raise InvalidInputError(
                f"the inquiry cannot be closed on {occurred_on.isoformat()}: "
                f"something was recorded for {self.latest_on.isoformat()}, after it; "
                f"close it on {self.latest_on.isoformat()} or later"
            )
        check_closing(outcome, (kind for kind, _ in self.work.values()), self.family_id)
        self._record(
            self.InquiryClosed,
            recorded_at,
            occurred_on=occurred_on,
            actor=actor,
            outcome=outcome,
        )

    def _record(
        self, event_class: type[Inquiry.Event], recorded_at: datetime, **fields: Any
    ) -> None:
        """Trigger ``event_class`` with ``fields``, stamped ``recorded_at``."""
        self.trigger_event(event_class, timestamp=recorded_at, **fields)


def _topics(topics: Iterable[Topic]) -> frozenset[Topic]:
    if isinstance(topics, str | bytes) or not isinstance(topics, Iterable):
        raise InvalidInputError(f"give topics as a list or a set, not {topics!r:.60}")
    chosen = frozenset(topics)
    wrong = [t for t in chosen if not isinstance(t, Topic)]
    if wrong:
        choices = ", ".join(t.value for t in Topic)
        raise InvalidInputError(f"topics must be among {choices}, not {wrong[0]!r}")
    if not chosen:
        raise InvalidInputError(
            "an inquiry is about something: give at least one topic (Topic.OTHER "
            "if none fits)"
        )
    return chosen


Inquiry.EVENT_CLASSES = (
    Inquiry.InquiryReceived,
    Inquiry.InquiryIdentified,
    Inquiry.InquiryWorkRecorded,
    Inquiry.InquiryLinked,
    Inquiry.InquiryClosed,
)

INQUIRY_TOPICS: Final = tuple(cls.TOPIC for cls in Inquiry.EVENT_CLASSES)
"""The stored topics of every inquiry event (to select them from the log)."""


# ---------------------------------------------------------------- the report


@attrs.frozen
class FlaggedInquiry:
    """An inquiry still without an outcome after the set time: no personal data."""

    inquiry_id: InquiryId
    received_on: date
    days_open: int
    """Days from receiving it to the report's day."""
    source: InquirySource
    topics: frozenset[Topic]
    identified: bool


@attrs.frozen
class InquiryReport:
    """A year of one municipality's inquiries, counted: no names, no free text.

    Every count is of the inquiries *received* in :attr:`year`; ``open``
    counts those still without an outcome, :attr:`flagged` lists those of
    them open longer than :attr:`overdue_after_days` days on :attr:`on`.
    """

    municipality: Municipality
    year: int
    on: date
    """The day the flags are judged on."""
    overdue_after_days: int
    received: int
    """Inquiries received in the year."""
    previous_year: int
    """Inquiries received in the year before (year over year)."""
    by_source: dict[InquirySource, int]
    """Received, by who asked (every source, 0 included)."""
    by_topic: dict[Topic, int]
    """Received, by topic (an inquiry counts once for each of its topics)."""
    by_outcome: dict[InquiryOutcome, int]
    """Closed, by outcome (every outcome, 0 included)."""
    open: int
    """Still without an outcome."""
    by_month: tuple[int, ...]
    """Received in each month, January first (12 numbers)."""
    identified: int
    """Of them, identified with the family's consent (the rest stayed anonymous)."""
    linked: int
    """Of them, linked to a family's enrolment."""
    flagged: tuple[FlaggedInquiry, ...]
    """Open longer than the set time, oldest first."""

    @property
    def change(self) -> int:
        """Received this year less received the year before."""
        return self.received - self.previous_year

    @property
    def all_handled(self) -> bool:
        """Whether every inquiry of the year has an outcome or is within the set time."""
        return not self.flagged

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-able data (enumerations and dates as text)."""
        return {
            "municipality": str(self.municipality),
            "year": self.year,
            "on": self.on.isoformat(),
            "overdue_after_days": self.overdue_after_days,
            "received": self.received,
            "previous_year": self.previous_year,
            "change": self.change,
            "by_source": {k.value: n for k, n in self.by_source.items()},
            "by_topic": {k.value: n for k, n in self.by_topic.items()},
            "by_outcome": {k.value: n for k, n in self.by_outcome.items()},
            "open": self.open,
            "by_month": list(self.by_month),
            "identified": self.identified,
            "linked": self.linked,
            "flagged": [
                {
                    "inquiry_id": str(f.inquiry_id),
                    "received_on": f.received_on.isoformat(),
                    "days_open": f.days_open,
                    "source": f.source.value,
                    "topics": sorted(t.value for t in f.topics),
                    "identified": f.identified,
                }
                for f in self.flagged
            ],
        }


def inquiry_report(
    inquiries: Iterable[Inquiry],
    *,
    municipality: str,
    year: int,
    on: date,
    overdue_after_days: int = DEFAULT_OVERDUE_DAYS,
) -> InquiryReport:
    """Count ``municipality``'s inquiries received in ``year``, flags judged on ``on``.

    A pure function of the inquiries' states: other municipalities' inquiries
    among them are left out.
    """
    rules.check_municipality(municipality)
    if isinstance(year, bool) or not isinstance(year, int) or not 1 < year < 9999:
        raise InvalidInputError(f"year is {year!r}: give a year such as 2026")
    _check_days(overdue_after_days)
    if not isinstance(on, date) or isinstance(on, datetime):
        raise InvalidInputError(f"on must be a date (datetime.date), not {on!r}")
    mine = [i for i in inquiries if i.municipality == municipality]
    this = [i for i in mine if i.received_on.year == year]
    before = sum(1 for i in mine if i.received_on.year == year - 1)
    sources = Counter(i.source for i in this)
    topics = Counter(t for i in this for t in i.topics)
    outcomes = Counter(i.outcome for i in this if i.outcome is not None)
    months = Counter(i.received_on.month for i in this)
    flagged = sorted(
        (
            FlaggedInquiry(
                InquiryId(i.id),
                i.received_on,
                (on - i.received_on).days,
                i.source,
                i.topics,
                i.identified,
            )
            for i in this
            if overdue(i, on, overdue_after_days)
        ),
        key=lambda f: (f.received_on, str(f.inquiry_id)),
    )
    return InquiryReport(
        municipality=Municipality(municipality),
        year=year,
        on=on,
        overdue_after_days=overdue_after_days,
        received=len(this),
        previous_year=before,
        by_source={s: sources[s] for s in InquirySource},
        by_topic={t: topics[t] for t in Topic},
        by_outcome={o: outcomes[o] for o in InquiryOutcome},
        open=sum(1 for i in this if i.closed is None),
        by_month=tuple(months[m] for m in range(1, 13)),
        identified=sum(1 for i in this if i.identified),
        linked=sum(1 for i in this if i.family_id is not None),
        flagged=tuple(flagged),
    )
