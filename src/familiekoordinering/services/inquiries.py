"""Inquiries to a competence team (Drammen's *henvendelser*): record, read, count.

An :class:`~familiekoordinering.domain.inquiry.Inquiry` is stored in the same
event store as the families, in a stream of its own: chained like theirs (the
audit verifies it), and its personal fields (who consented, notes, a
service's unit) sealed with a key of its own where the store encrypts. It
belongs to the municipality that received it: another municipality's staff
are answered as for an unknown id.

Commands go the way a family's do: load → authorise → the aggregate's rules →
save → on a lost race, again. Who may: those who record a family's work (a
coordinator, a team lead, the system role) record inquiries; the same roles
read one (the read is logged in the access log, under the inquiry's id); the
yearly report holds no personal data and is read like the anonymous outcome
statistics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from familiekoordinering.access import Access, require
from familiekoordinering.checks import checked
from familiekoordinering.domain.consent import ConsentForm
from familiekoordinering.domain.inquiry import (
    DEFAULT_OVERDUE_DAYS,
    INQUIRY_TOPICS,
    Inquiry,
    InquiryId,
    InquiryOutcome,
    InquiryReport,
    InquirySource,
    InquiryWork,
    InquiryWorkId,
    inquiry_report,
)
from familiekoordinering.domain.validation import loading_stored_history
from familiekoordinering.domain.values import Actor, Agency, Topic
from familiekoordinering.engine import Engine, reading_the_store
from familiekoordinering.errors import (
    DuplicateIdError,
    FamilyErasedError,
    InvalidInputError,
    NotFoundError,
)
from familiekoordinering.integrity import LEDGER_ID
from familiekoordinering.protection import Erasure
from familiekoordinering.services.commanding import ConcurrentChangeError
from familiekoordinering.services.erasure import Erasures
from familiekoordinering.services.reading import Reader, unknown

__all__ = ["Inquiries", "unknown_inquiry"]

_BATCH = 500


def unknown_inquiry(inquiry_id: object) -> NotFoundError:
    """What the library answers for an inquiry id it does not know (or another's)."""
    return NotFoundError(
        f"inquiry {inquiry_id} does not exist in this store: check the id "
        "(an id of a family is no inquiry's)"
    )


def _replay(inquiry: Inquiry | None, events: Iterable[Any]) -> Inquiry | None:
    """Apply stored events in order, without checking their values again."""
    with loading_stored_history():
        for event in events:
            inquiry = event.mutate(inquiry)
    return inquiry


class Inquiries:
    """The inquiries of one store: commands, a logged read, the yearly report."""

    def __init__(
        self, reader: Reader, erasures: Erasures, *, retries: Callable[[], int]
    ) -> None:
        self.reader = reader
        self.engine: Engine = reader.engine
        self.erasures = erasures
        self._retries = retries

    # ------------------------------------------------------------ reading

    def _load(self, inquiry_id: UUID) -> Inquiry:
        """The inquiry as it stands now, unchecked; NotFoundError for anything else."""
        if inquiry_id == LEDGER_ID:
            raise unknown_inquiry(inquiry_id)  # the store's own ledger
        found: object = None
        try:
            with reading_the_store(self.reader.failures):
                found = self.engine.repository.get(inquiry_id, projector_func=_replay)
        except AggregateNotFoundError:
            pass  # raised below, outside the handler
        if not isinstance(found, Inquiry):
            raise unknown_inquiry(inquiry_id)
        return found

    @staticmethod
    def _require(actor: Actor, access: Access, inquiry: Inquiry) -> None:
        """Check ``actor`` may ``access`` the inquiry; another municipality's is unknown."""
        if actor.municipality != inquiry.municipality:
            raise unknown_inquiry(
                inquiry.id
            )  # whatever the role: it does not exist here
        require(actor, access, municipality=inquiry.municipality)

    def _run(
        self, inquiry_id: UUID, actor: Actor, act: Callable[[Inquiry], None]
    ) -> None:
        """Load, check the actor may record, ``act`` (the rules, an event), save; retry."""
        attempt = 0
        while True:
            inquiry = self._load(inquiry_id)
            self._require(actor, Access.RECORD, inquiry)
            self._refuse_erased(inquiry.id)
            act(inquiry)
            try:
                self.engine.save(inquiry)
            except IntegrityError as e:
                if attempt < self._retries():
                    attempt += 1
                    continue
                raise ConcurrentChangeError(
                    f"inquiry {inquiry_id} was changed by someone else while this "
                    f"command ran ({attempt + 1} attempt(s)): nothing was stored; try "
                    "again"
                ) from e
            break
        if self.engine.repository.cache is not None:
            self.engine.repository.cache.put(inquiry.id, inquiry)

    def _refuse_erased(self, inquiry_id: UUID) -> None:
        keyring = self.engine.keyring
        erasure = None if keyring is None else keyring.erasure(inquiry_id)
        if erasure is not None:
            raise FamilyErasedError(
                f"inquiry {inquiry_id}'s personal data was erased on "
                f"{erasure.erased_at:%Y-%m-%d} by {erasure.erased_by}: nothing more "
                "can be recorded for it"
            )

    @checked
    def erase_inquiry(
        self, inquiry_id: UUID, *, actor: Actor, wait: float | None = None
    ) -> Erasure:
        """Erase an inquiry's personal data by destroying its key (crypto-shredding).

        As :meth:`~familiekoordinering.FamilyCoordination.erase` does for a
        family: who consented, the notes and the units connected become
        unreadable everywhere at once; the source, topics, work kinds, dates
        and outcome stay, so the yearly report is unchanged; the store refuses
        anything more for the inquiry. Only someone who may erase a family of
        the inquiry's municipality may.
        """
        keyring = self.erasures.keyring("erasing an inquiry")
        inquiry = self._load(inquiry_id)
        self._require(actor, Access.ERASE, inquiry)
        return self.erasures.shred(
            keyring, inquiry.id, "inquiry", actor=actor, wait=wait
        )

    # ----------------------------------------------------------- commands

    @checked
    def receive_inquiry(
        self,
        *,
        municipality: str,
        source: InquirySource,
        topics: Iterable[Topic],
        received_on: date,
        actor: Actor,
        service: Agency | None = None,
        inquiry_id: UUID | None = None,
    ) -> InquiryId:
        """Record an inquiry received on ``received_on``; return its id.

        ``source`` is who asked (a kind of service, or the family itself),
        ``topics`` what it is about, ``service`` the asking professional's
        service if one asked. It names nobody: the inquiry is anonymous until
        the family consents to be named (``identify_inquiry``). Every inquiry
        is received; none is refused for what it asks.
        """
        require(actor, Access.RECORD, municipality=municipality)
        chosen = inquiry_id is not None
        new_id = InquiryId(inquiry_id if inquiry_id is not None else uuid4())
        taken = DuplicateIdError(
            f"inquiry id {new_id} cannot be used: leave inquiry_id out to have a new "
            "one generated"
        )
        if chosen and self._taken(new_id):
            raise taken
        inquiry = Inquiry.receive(
            inquiry_id=new_id, municipality=municipality, source=source,
            topics=topics, service=service, received_on=received_on, actor=actor,
            recorded_at=self.engine.now(),
        )  # fmt: skip
        try:
            self.engine.save(inquiry)
        except IntegrityError:  # taken meanwhile
            raise taken from None
        return new_id

    def _taken(self, inquiry_id: UUID) -> bool:
        if inquiry_id == LEDGER_ID:
            return True
        with reading_the_store(self.reader.failures):
            if self.engine.recorder.select_events(inquiry_id, limit=1):
                return True
            keyring = self.engine.keyring
            return keyring is not None and keyring.store.get(inquiry_id) is not None

    @checked
    def identify_inquiry(
        self,
        inquiry_id: UUID,
        *,
        given_by: str,
        form: ConsentForm,
        occurred_on: date,
        actor: Actor,
    ) -> None:
        """Record that the family consented to be named; ``given_by`` is who consented.

        From then on the inquiry may hold what identifies the family: home
        visits, services connected, notes, the link to its enrolment.
        """
        self._run(
            inquiry_id,
            actor,
            lambda inquiry: inquiry.identify(
                given_by=given_by, form=form, occurred_on=occurred_on, actor=actor,
                recorded_at=self.engine.now(),
            ),
        )  # fmt: skip

    @checked
    def record_inquiry_work(
        self,
        inquiry_id: UUID,
        *,
        kind: InquiryWork,
        occurred_on: date,
        actor: Actor,
        service: Agency | None = None,
        note: str | None = None,
        work_id: UUID | None = None,
    ) -> InquiryWorkId:
        """Record work done for the inquiry; return its id.

        Advice and mapping may be anonymous; a home visit, a service connected
        (``service``: which) and any ``note`` need the inquiry identified first
        (:class:`~familiekoordinering.errors.ConsentRequiredError` otherwise).
        """
        new_id = InquiryWorkId(work_id if work_id is not None else uuid4())
        self._run(
            inquiry_id,
            actor,
            lambda inquiry: inquiry.record_work(
                work_id=new_id, kind=kind, service=service, note=note,
                occurred_on=occurred_on, actor=actor, recorded_at=self.engine.now(),
            ),
        )  # fmt: skip
        return new_id

    @checked
    def link_inquiry(
        self,
        inquiry_id: UUID,
        *,
        family_id: UUID,
        occurred_on: date,
        actor: Actor,
    ) -> None:
        """Link an identified inquiry to the family's enrolment.

        The family must be one of the actor's municipality's (another's is
        answered as an unknown id).
        """
        family = self.reader.load(family_id)  # NotFoundError for an unknown id
        if family.municipality != actor.municipality:
            raise unknown(
                family_id
            )  # another municipality's family does not exist here
        self._run(
            inquiry_id,
            actor,
            lambda inquiry: inquiry.link(
                family_id=family_id, occurred_on=occurred_on, actor=actor,
                recorded_at=self.engine.now(),
            ),
        )  # fmt: skip

    @checked
    def close_inquiry(
        self,
        inquiry_id: UUID,
        *,
        outcome: InquiryOutcome,
        occurred_on: date,
        actor: Actor,
    ) -> None:
        """Close the inquiry with its outcome, once; nothing is recorded for it after.

        "Service connected" needs that work recorded, "enrolled" the link to
        the family's enrolment.
        """
        self._run(
            inquiry_id,
            actor,
            lambda inquiry: inquiry.close(
                outcome=outcome, occurred_on=occurred_on, actor=actor,
                recorded_at=self.engine.now(),
            ),
        )  # fmt: skip

    # ------------------------------------------------------------ queries

    @checked
    def get_inquiry(self, inquiry_id: UUID, *, actor: Actor) -> Inquiry:
        """The inquiry as it stands now; the read is logged (under the inquiry's id)."""
        inquiry = self._load(inquiry_id)
        self._require(actor, Access.READ_RECORD, inquiry)
        self.reader.logged(actor, Access.READ_RECORD, inquiry.id, "record")
        return inquiry

    @checked
    def inquiries(
        self,
        *,
        actor: Actor,
        year: int | None = None,
        overdue_after_days: int = DEFAULT_OVERDUE_DAYS,
        on: date | None = None,
    ) -> InquiryReport:
        """The year's report of the actor's municipality's inquiries: counts, no names.

        Counts the inquiries received in ``year`` (default: the year of
        ``on``) by who asked, topic, outcome (and still open), month, and
        against the year before, and lists those still without an outcome
        more than ``overdue_after_days`` days (default 30) after they came,
        judged on ``on`` (default: today, by the application's clock). Read by
        whoever reads the anonymous statistics; not logged, since it holds no
        one's data.

        A team receives a few hundred inquiries a year, so the report is
        folded from the log itself: the inquiry events, selected by their
        topics (the recorder's ``select_notifications(..., topics=...)``),
        with no read model of their own.
        """
        require(actor, Access.READ_STATISTICS, municipality=actor.municipality)
        day = on if on is not None else self.engine.now().date()
        if year is None:
            year = day.year
        if isinstance(year, bool) or not 1 < year < 9999:
            raise InvalidInputError(f"year is {year!r}: give a year such as 2026")
        return inquiry_report(
            self._all(),
            municipality=actor.municipality,
            year=year,
            on=day,
            overdue_after_days=overdue_after_days,
        )

    def _all(self) -> Iterator[Inquiry]:
        """Every inquiry in the store, folded from the log's inquiry events."""
        mapper = self.engine.mapper
        states: dict[UUID, Inquiry] = {}
        start = 1
        while True:
            with reading_the_store(self.reader.failures):
                notes = self.engine.recorder.select_notifications(
                    start=start, limit=_BATCH, topics=INQUIRY_TOPICS
                )
                with loading_stored_history():
                    for note in notes:
                        event: Any = mapper.to_domain_event(note)
                        key: UUID = event.originator_id
                        states[key] = event.mutate(states.get(key))
            if len(notes) < _BATCH:
                break
            start = notes[-1].id + 1
        return iter(states.values())
