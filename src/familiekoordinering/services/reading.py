"""Reading a store's families: load, check who may, log the read.

What every role service shares. A query reads and checks first, builds its
answer, and logs the read last, just before the answer is returned: a query
refused for any reason (the actor, an argument, the store) logs nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.application import AggregateNotFoundError

from familiekoordinering.access import (
    Access,
    AccessEntry,
    AccessLog,
    FamilyFacts,
    authorize,
    readable_until,
    require,
)
from familiekoordinering.domain.events import Interpretation, interpreted
from familiekoordinering.domain.family import Family
from familiekoordinering.domain.record import FamilyRecord
from familiekoordinering.domain.validation import loading_stored_history
from familiekoordinering.domain.values import Actor, FamilyId
from familiekoordinering.engine import Engine, is_store_failure, reading_the_store
from familiekoordinering.errors import NotFoundError, StoreError
from familiekoordinering.integrity import LEDGER_ID, Fingerprint
from familiekoordinering.protection import Erasure
from familiekoordinering.timeline import state_at

__all__ = ["Reader", "facts", "facts_of_events", "family_at", "replay", "unknown"]


class Reader:
    """One store's families as the services read them: loaded, checked, logged."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.failures = engine.ports.store_failures

    @functools.cached_property
    def access_log(self) -> AccessLog:
        """The access log (*innsynslogg*): every read of a family's data.

        Stored where the events are when the storage adapter provides one
        (SQLite, PostgreSQL); in memory otherwise; chained with the store's
        chain key. Only the library's own reads append to it.
        """
        return self.engine.ports.access_log(key=self.engine.chain)

    def load(self, family_id: UUID, *, version: int | None = None) -> Family:
        """The family as it stands now (or at event ``version``), unchecked.

        The repository reads the family's key state first (see
        :meth:`Engine.fresh <familiekoordinering.engine.Engine.fresh>`).
        """
        found: Family | None = None
        try:
            with reading_the_store(self.failures):
                found = self.engine.repository.get(
                    family_id, version=version, projector_func=replay
                )
        except AggregateNotFoundError:
            pass  # raised below, outside the handler: no __context__ tells it apart
        if not isinstance(found, Family):
            raise unknown(family_id)
        return found

    def history(self, family_id: UUID) -> list[Family.Event]:
        """Every event of the family, oldest first, unchecked."""
        if family_id == LEDGER_ID:
            raise unknown(family_id)  # the store's own ledger is no family
        self.engine.fresh(family_id)
        with reading_the_store(self.failures):
            events = list(self.engine.events.get(family_id))
        if not events or not isinstance(events[0], Family.Event):
            # Nothing stored, or another aggregate's history (an inquiry's).
            raise unknown(family_id)
        return events  # type: ignore[return-value]

    def read(self, family_id: UUID, actor: Actor, access: Access) -> Family:
        """Load the family and check the actor may read it (the caller logs the read)."""
        family = self.load(family_id)
        require(actor, access, facts(family), unknown=unknown(family_id))
        return family

    def read_history(
        self, family_id: UUID, actor: Actor, access: Access
    ) -> list[Family.Event]:
        """Read the family's events once and check the actor may (the caller logs).

        A family member who has left gets the events recorded up to their
        leaving only (:func:`~familiekoordinering.access.readable_until`).
        """
        events = self.history(family_id)
        found = facts_of_events(events)
        require(actor, access, found, unknown=unknown(family_id))
        until = readable_until(actor, found)
        return events if until is None else events[:until]

    def log_reads(
        self, actor: Actor, access: Access, family_ids: Iterable[UUID], what: str
    ) -> None:
        """Log a read of each family's data; refuse the read if the log cannot be written."""
        at = self.engine.now()
        entries = [
            AccessEntry(
                family_id,
                at,
                actor.user_id,
                actor.role,
                actor.municipality,
                access,
                what,
            )
            for family_id in family_ids
        ]
        if not entries:
            return
        try:
            self.access_log.append(entries)
        except Exception as e:
            if not is_store_failure(e, self.failures):
                raise
            raise StoreError(
                f"the access log could not be written ({type(e).__name__}: {e}): "
                "the read is refused, since every read must be logged; try again"
            ) from e

    def logged(self, actor: Actor, access: Access, family_id: UUID, what: str) -> None:
        """Log one read of the family's data (the answer is ready, not yet returned)."""
        self.log_reads(actor, access, [family_id], what)

    def entries_for(
        self, actor: Actor, events: Sequence[Family.Event]
    ) -> list[AccessEntry]:
        """The family's access log as ``actor`` may read it with ``events``.

        A member who has left reads the reads made up to their leaving, and
        their own.
        """
        entries = self.access_log.entries(events[0].originator_id)
        if readable_until(actor, facts_of_events(events)) is None:
            return entries
        until = events[-1].recorded_at
        return [e for e in entries if e.at <= until or e.user_id == actor.user_id]

    def fingerprint_of(
        self, events: Sequence[Family.Event]
    ) -> tuple[Fingerprint, date]:
        """The fingerprint of the newest of ``events`` as stored, and when it was recorded."""
        newest = events[-1]
        with reading_the_store(self.failures):
            digest = self.engine.heads.digest_at(
                newest.originator_id, newest.originator_version
            )
        return (
            Fingerprint(newest.originator_version, digest),
            newest.recorded_at.date(),
        )

    def erasure(self, family_id: UUID) -> Erasure | None:
        """The family's erasure, or None (unchecked, unlogged: for the library's own use)."""
        keyring = self.engine.keyring
        return None if keyring is None else keyring.erasure(family_id)

    def erased_at(self, family_id: UUID) -> datetime | None:
        """When the family was erased, or None."""
        erasure = self.erasure(family_id)
        return erasure.erased_at if erasure is not None else None

    def family_ids(
        self, *, municipality: str | None = None, batch: int = 500
    ) -> Iterator[FamilyId]:
        """Every family's id, in the order enrolled (unchecked: for the library's own use).

        With ``municipality``, only the families enrolled in it (read from the
        enrolments, which hold no personal data, without loading a family).
        """
        for note, payload in self.notes(Family.Enrolled.TOPIC, batch=batch):
            if municipality is None or payload.get("municipality") == municipality:
                yield FamilyId(UUID(str(note.originator_id)))

    def notes(
        self, topic: str, *, batch: int = 500
    ) -> Iterator[tuple[Any, dict[str, Any]]]:
        """The store's events of one topic, oldest first, with their plain payloads."""
        payload_of = self.engine.mapper.view_payload  # type: ignore[attr-defined]
        start = 1
        while True:
            with reading_the_store(self.failures):
                notes = self.engine.recorder.select_notifications(
                    start=start, limit=batch, topics=[topic]
                )
            for note in notes:
                yield (
                    note,
                    payload_of(
                        note.topic,
                        note.state,
                        note.originator_id,
                        note.originator_version,
                    ),
                )
            if len(notes) < batch:
                return
            start = notes[-1].id + 1

    def readable(self, actor: Actor, access: Access) -> Iterator[Family]:
        """The families of the actor's municipality the actor may ``access``."""
        for family_id in self.family_ids(municipality=actor.municipality):
            family = self.load(family_id)
            if authorize(actor, access, facts(family)):
                yield family


def facts(family: Family) -> FamilyFacts:
    """What the access policy needs to know about a family."""
    coordinator = family.coordinator
    return FamilyFacts(
        municipality=family.municipality,
        coordinators=frozenset({coordinator.coordinator_id} if coordinator else ()),
        members=frozenset(str(m) for m in family.members),
    )


@attrs.define
class _FactsRead:
    """The policy's facts as far as a family's events have been read."""

    municipality: str = ""
    coordinator: str | None = None
    members: set[str] = attrs.field(factory=set)
    left_at: dict[str, int] = attrs.field(factory=dict)


def _enrolled_in(found: _FactsRead, event: Any) -> None:
    found.municipality = event.municipality


def _coordinated_by(found: _FactsRead, event: Any) -> None:
    found.coordinator = event.coordinator_id


def _member_added(found: _FactsRead, event: Any) -> None:
    found.members.add(str(event.member_id))


def _member_left(found: _FactsRead, event: Any) -> None:
    found.left_at.setdefault(str(event.member_id), event.originator_version)


_FACTS: dict[type[Family.Event], Callable[[_FactsRead, Any], None]] = interpreted(
    Interpretation.ACCESS,
    {
        Family.Enrolled: _enrolled_in,
        Family.CoordinatorAssigned: _coordinated_by,
        Family.MemberAdded: _member_added,
        Family.MemberLeft: _member_left,
    },
)
"""What the access policy takes from each event it is concerned by."""


def facts_of_events(events: Sequence[Family.Event]) -> FamilyFacts:
    """The policy's facts from a family's events, without replaying them."""
    found = _FactsRead()
    for event in events:
        read = _FACTS.get(type(event))
        if read is not None:
            read(found, event)
    return FamilyFacts(
        found.municipality,
        frozenset({found.coordinator} if found.coordinator else ()),
        frozenset(found.members),
        found.left_at,
    )


def unknown(family_id: object) -> NotFoundError:
    """What the library answers for a family id it does not know.

    Also for a family of another municipality, word for word, so that the
    answer does not tell that the family exists (see
    :attr:`~familiekoordinering.access.Verdict.hidden`).
    """
    return NotFoundError(
        f"family {family_id} does not exist in this store: list families with "
        "'familiekoordinering families'"
    )


def replay(family: Family | None, events: Iterable[Any]) -> Family | None:
    """Apply the events (a snapshot first, if any) in order.

    eventsourcing's own projector checks each event against a runtime protocol
    (a ``typing`` ``isinstance``), which costs more than applying most events;
    the repository only ever hands it this family's snapshots and events.
    Stored history loads as it was stored: the values its events rebuild are
    not checked again (``loading_stored_history``, see
    :mod:`familiekoordinering.domain.validation`); a new event's values are,
    when its command applies it.
    """
    with loading_stored_history():
        for event in events:
            family = event.mutate(family)
    return family


def family_at(
    events: Sequence[Family.Event],
    *,
    as_of: date | None = None,
    as_recorded: date | datetime | None = None,
) -> FamilyRecord:
    """The family's record as it stood (see :meth:`FamilyCoordination.family_at`)."""
    family = state_at(events, as_of=as_of, as_recorded=as_recorded)
    if family is None:
        family_id = events[0].originator_id if events else "?"
        raise NotFoundError(
            f"family {family_id} was not enrolled as of {as_of or '-'} "
            f"(as recorded by {as_recorded or '-'}): give a later date"
        )
    return family
