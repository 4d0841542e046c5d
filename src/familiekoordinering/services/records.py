"""The family's record: logged reads, timeline, report, exports, lists.

Every query names its ``actor``, is checked against the access policy and is
logged in the access log (see :mod:`.reading`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

import attrs
from eventsourcing.persistence import StoredEvent

from familiekoordinering.access import Access, AccessEntry, authorize, require
from familiekoordinering.checks import checked
from familiekoordinering.domain.actions import OutwardAction
from familiekoordinering.domain.consent import Decision, OutwardActionKind
from familiekoordinering.domain.family import Family
from familiekoordinering.domain.record import FamilyRecord
from familiekoordinering.domain.values import Actor, Agency, FamilyId, MemberId, Topic
from familiekoordinering.engine import reading_the_store
from familiekoordinering.errors import InvalidInputError, NotFoundError, StoreError
from familiekoordinering.fhir import fhir_bundle
from familiekoordinering.integrity import Fingerprint
from familiekoordinering.protection import Erasure
from familiekoordinering.research import check_k, research_rows, to_csv
from familiekoordinering.serialisation import CattrsMapper
from familiekoordinering.services.reading import Reader, family_at
from familiekoordinering.timeline import (
    DEFAULT_LANGUAGE,
    Language,
    Timeline,
    build_timeline,
)
from familiekoordinering.timeline.export import access_export
from familiekoordinering.timeline.i18n import translations
from familiekoordinering.timeline.report import render_report

__all__ = ["FamilySummary", "Records"]


@attrs.frozen
class FamilySummary:
    """One line about a family, for lists."""

    family_id: FamilyId
    label: str
    municipality: str
    programme: str
    started_on: date
    planned_end_on: date
    coordinator: str | None
    ended_on: date | None


class Records:
    """The family's record as the people who may read it read it; every read logged."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.engine = reader.engine

    @checked
    def get_family(
        self, family_id: UUID, *, actor: Actor, version: int | None = None
    ) -> Family:
        """The family as it stands now (or at event ``version``); the read is logged."""
        family = self.reader.read(family_id, actor, Access.READ_RECORD)
        if version is not None and not 1 <= version <= family.version:
            raise InvalidInputError(
                f"version is {version}: give an event version from 1 to "
                f"{family.version} (the family's newest), or leave it out"
            )
        if version is not None:
            family = self.reader.load(family_id, version=version)
        self.reader.logged(actor, Access.READ_RECORD, family.id, "record")
        return family

    @checked
    def access_entries(self, family_id: UUID, *, actor: Actor) -> list[AccessEntry]:
        """Every logged read of the family's data, oldest first (this read included).

        Read like the timeline: by the family's coordinator, a team lead of its
        municipality or one of its members (one who has left: the reads made
        up to their leaving, and their own).
        """
        events = self.reader.read_history(family_id, actor, Access.READ_TIMELINE)
        self.reader.logged(actor, Access.READ_TIMELINE, family_id, "access log")
        return self.reader.entries_for(actor, events)

    @checked
    def decide(
        self,
        family_id: UUID,
        *,
        agency: Agency,
        topics: Iterable[Topic],
        member_ids: Iterable[MemberId],
        on: date,
        actor: Actor,
        kind: OutwardActionKind = OutwardActionKind.CONTACT,
    ) -> Decision:
        """Ask, before acting, whether the family's consents cover an action on ``on``."""
        family = self.reader.read(family_id, actor, Access.READ_RECORD)
        decision = family.decide(
            kind=kind, agency=agency, topics=topics, member_ids=member_ids, on=on
        )
        self.reader.logged(actor, Access.READ_RECORD, family_id, "consent decision")
        return decision

    @checked
    def open_notifications(
        self, family_id: UUID, *, actor: Actor
    ) -> list[OutwardAction]:
        """Actions the family is still to be told about."""
        events = self.reader.read_history(family_id, actor, Access.READ_RECORD)
        found = family_at(events).open_notifications()
        self.reader.logged(actor, Access.READ_RECORD, family_id, "open notices")
        return found

    @checked
    def overdue_notifications(
        self, family_id: UUID, *, on: date, actor: Actor
    ) -> list[OutwardAction]:
        """Actions the family should have been told about before ``on`` and was not."""
        events = self.reader.read_history(family_id, actor, Access.READ_RECORD)
        found = family_at(events).overdue_notifications(on)
        self.reader.logged(actor, Access.READ_RECORD, family_id, "overdue notices")
        return found

    @checked
    def fingerprint(self, family_id: UUID, *, actor: Actor) -> Fingerprint:
        """The head of the family's history as a short fingerprint.

        The family's report and access export show it; ``audit(family_id,
        fingerprint=…)`` later shows whether anything recorded up to it changed.
        Read like the timeline, and logged.
        """
        events = self.reader.read_history(family_id, actor, Access.READ_TIMELINE)
        found = self.reader.fingerprint_of(events)[0]
        self.reader.logged(actor, Access.READ_TIMELINE, family_id, "fingerprint")
        return found

    @checked
    def family_history(self, family_id: UUID, *, actor: Actor) -> list[Family.Event]:
        """Every event of the family, oldest first; the read is logged."""
        events = self.reader.read_history(family_id, actor, Access.READ_RECORD)
        self.reader.logged(actor, Access.READ_RECORD, family_id, "history")
        return events

    @checked
    def family_at(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        as_of: date | None = None,
        as_recorded: date | datetime | None = None,
    ) -> FamilyRecord:
        """The family's whole record as it stood on a date, from its events up to it.

        Without dates: the whole record as it stands now (the goals' words and
        progress, every step, meeting, contact and survey), which
        ``get_family`` (what the rules decide with) does not hold.

        ``as_of``: what was true on a date (events that happened by then,
        including those recorded late); ``as_recorded``: what the store knew on
        a date (events recorded by then); both may be given.

        Raises :class:`NotFoundError` when the family did not exist yet.
        """
        events = self.reader.read_history(family_id, actor, Access.READ_RECORD)
        record = family_at(events, as_of=as_of, as_recorded=as_recorded)
        self.reader.logged(actor, Access.READ_RECORD, family_id, "record as of a date")
        return record

    @checked
    def timeline(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        language: Language | str = DEFAULT_LANGUAGE,
        as_of: date | None = None,
        as_recorded: date | datetime | None = None,
    ) -> Timeline:
        """Every event of the family as a readable entry, in ``language`` (nb, nn, da or en)."""
        events = self.reader.read_history(family_id, actor, Access.READ_TIMELINE)
        timeline = build_timeline(
            events,
            language=language,
            as_of=as_of,
            as_recorded=as_recorded,
            erased_at=self.reader.erased_at(family_id),
        )
        self.reader.logged(actor, Access.READ_TIMELINE, family_id, "timeline")
        return timeline

    @checked
    def report(
        self,
        family_id: UUID,
        *,
        on: date,
        actor: Actor,
        language: Language | str = DEFAULT_LANGUAGE,
    ) -> str:
        """The family report: a self-contained, printable HTML page for the family.

        It ends with every logged read of the family's data (this one included).
        """
        events = self.reader.read_history(family_id, actor, Access.READ_TIMELINE)
        family = family_at(events, as_of=on)
        timeline = build_timeline(events, language=language, as_of=on,
                                  erased_at=self.reader.erased_at(family_id))  # fmt: skip
        self.reader.logged(actor, Access.READ_TIMELINE, family_id, "report")
        return render_report(
            family,
            timeline,
            on=on,
            access_log=self.reader.entries_for(actor, events),
            fingerprint=self.reader.fingerprint_of(events),
        )

    @checked
    def access_export(
        self,
        family_id: UUID,
        *,
        on: date,
        actor: Actor,
        member_id: MemberId | None = None,
        language: Language | str = DEFAULT_LANGUAGE,
    ) -> dict[str, Any]:
        """Everything stored about the family, or one member, as JSON-able data.

        The schema is ``familiekoordinering.access-export/1`` (see
        :mod:`familiekoordinering.timeline.export`); it includes the access log.
        """
        events = self.reader.read_history(family_id, actor, Access.READ_TIMELINE)
        translations(
            language
        )  # an unknown language is refused before the read is logged
        record = family_at(events)
        if member_id is not None and member_id not in record.members:
            raise NotFoundError(
                f"member {member_id} is not a member of family {family_id}: give one "
                "of " + ", ".join(str(m) for m in record.members)
            )
        mapper = cast(CattrsMapper, self.engine.mapper)
        stored = [
            (
                e.originator_version,
                e.topic,
                mapper.payload(e.topic, e.state, e.originator_id, e.originator_version),
            )
            for e in self.engine.recorder.select_events(
                family_id, lte=events[-1].originator_version
            )
        ]
        self.reader.logged(actor, Access.READ_TIMELINE, family_id, "access export")
        return access_export(
            events,
            stored,
            on=on,
            member_id=member_id,
            language=language,
            erased_at=self.reader.erased_at(family_id),
            access_log=self.reader.entries_for(actor, events),
            fingerprint=self.reader.fingerprint_of(events),
        )

    @checked
    def fhir_export(self, family_id: UUID, *, actor: Actor) -> dict[str, Any]:
        """The family's whole record as a FHIR R5 Bundle, as JSON-able data.

        Personal data like the access export: read, checked and logged as it
        is (an ``access export`` read in the access log, which the Bundle's
        AuditEvents include). See :func:`familiekoordinering.fhir.fhir_bundle`.
        """
        events = self.reader.read_history(family_id, actor, Access.READ_TIMELINE)
        record = family_at(events)
        self.reader.logged(actor, Access.READ_TIMELINE, family_id, "access export")
        return fhir_bundle(
            record,
            access_log=self.reader.entries_for(actor, events),
            erased_at=self.reader.erased_at(family_id),
            exported_at=self.engine.now(),
        )

    @checked
    def research_export(self, *, actor: Actor, key: bytes, k: int = 5) -> str:
        """The pseudonymised research export of the actor's municipality, as CSV.

        Only members with research consent, of families not erased; stable
        pseudonyms under ``key`` (held by the research side), birth years in
        bands, survey dates to the quarter or year, income in bands, no names
        and no free text. Every combination of the quasi-identifiers occurs in
        at least ``k`` rows (default 5; at least 3, else
        :class:`~familiekoordinering.errors.InvalidInputError`): the export is
        generalised as a whole, then rarer rows are left out (see
        :mod:`familiekoordinering.research`). Needs the researcher role; each
        family whose answers were read for it is logged as read for research.
        """
        check_k(k)
        require(actor, Access.RESEARCH_EXPORT, municipality=actor.municipality)
        rows: list[dict[str, Any]] = []
        included: list[UUID] = []
        for family_id in self.reader.family_ids(municipality=actor.municipality):
            if self.reader.erasure(family_id) is not None:
                continue
            found = research_rows(self.reader.history(family_id), key=key)
            if found:
                rows += found
                included.append(family_id)
        self.reader.log_reads(
            actor, Access.RESEARCH_EXPORT, included, "research export"
        )
        return to_csv(rows, k=k)

    @checked
    def erasure(self, family_id: UUID, *, actor: Actor) -> Erasure | None:
        """When and by whom the family's personal data was erased, or None.

        A read of the family's record: the actor must be allowed to read it,
        and the read is logged.
        """
        self.reader.read(family_id, actor, Access.READ_RECORD)
        erasure = self.reader.erasure(family_id)
        self.reader.logged(actor, Access.READ_RECORD, family_id, "erasure status")
        return erasure

    def family_ids(self, *, actor: Actor) -> list[FamilyId]:
        """The ids of the families the actor may read or audit, in the order enrolled.

        Only the actor's municipality's families (a team lead's or an
        auditor's: all of them; a coordinator's: those they coordinate); a
        role that reads no record and audits nothing is refused. Each listed
        family's read is logged, as for ``list_families``.
        """
        access = (
            Access.AUDIT
            if authorize(actor, Access.AUDIT, municipality=actor.municipality)
            else Access.READ_RECORD
        )
        require(actor, access, municipality=actor.municipality)
        ids = [FamilyId(family.id) for family in self.reader.readable(actor, access)]
        self.reader.log_reads(actor, access, ids, "family list")
        return ids

    @checked
    def list_families(self, *, actor: Actor) -> list[FamilySummary]:
        """One summary per family the actor may read, in the order they were enrolled.

        Each listed family's read is logged.
        """
        require(actor, Access.READ_RECORD, municipality=actor.municipality)
        out = []
        for family in self.reader.readable(actor, Access.READ_RECORD):
            coordinator = family.coordinator
            out.append(
                FamilySummary(
                    family_id=FamilyId(family.id),
                    label=family.label,
                    municipality=family.municipality,
                    programme=family.programme.name,
                    started_on=family.started_on,
                    planned_end_on=family.planned_end_on,
                    coordinator=coordinator.name if coordinator else None,
                    ended_on=family.ended.ended_on if family.ended else None,
                )
            )
        self.reader.log_reads(
            actor, Access.READ_RECORD, [s.family_id for s in out], "family list"
        )
        return out

    def sealed_values(self, family_id: UUID, versions: set[int]) -> dict[int, Any]:
        """The opened personal values of some of a family's events, by version.

        What the views' references point at. The family's key state is read
        from the store first, so an erasure made by any process holds here at
        once: the values read as erased.
        """
        self.engine.fresh(family_id)
        mapper = cast(CattrsMapper, self.engine.mapper)
        wanted = sorted(versions)
        with reading_the_store(self.engine.ports.store_failures):
            stored = {
                version: StoredEvent(family_id, version, topic, state)
                for version, topic, state in self.engine.ports.select_versions(
                    family_id, wanted
                )
            }
        missing = [v for v in wanted if v not in stored]
        if missing:
            raise StoreError(
                f"the views refer to event(s) {missing[:5]} of family {family_id}, "
                "which the store does not hold: rebuild the views "
                "('familiekoordinering projections rebuild') and run "
                "'familiekoordinering audit'"
            )
        return {v: mapper.sealed_values(stored[v]) for v in wanted}
