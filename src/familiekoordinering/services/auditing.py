"""Verification and the audit: chains first, then the consent rules; checkpoints.

Needs the auditor role. The chains (see :mod:`familiekoordinering.integrity`)
show whether anything stored was changed beneath the library; the rules (see
:mod:`familiekoordinering.audit`) judge every readable event.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, cast
from uuid import UUID

import attrs
from eventsourcing.domain import Snapshot

from familiekoordinering.access import Access, FamilyFacts, require
from familiekoordinering.audit import (
    AuditReport,
    Finding,
    FindingKind,
    audit_history,
    combine,
    finding_of_break,
    fingerprint_findings,
)
from familiekoordinering.checks import checked
from familiekoordinering.domain.caseload import CASELOAD_TOPIC
from familiekoordinering.domain.family import Family
from familiekoordinering.domain.inquiry import INQUIRY_TOPIC
from familiekoordinering.domain.values import Actor, FamilyId
from familiekoordinering.engine import Engine, reading_the_store
from familiekoordinering.errors import InvalidInputError, RuleViolationError, StoreError
from familiekoordinering.integrity import (
    LEDGER_ID,
    Checkpoint,
    Fingerprint,
    Ledger,
    StoreLedger,
    split_chained,
)
from familiekoordinering.serialisation import CattrsMapper
from familiekoordinering.services.reading import Reader, replay, unknown
from familiekoordinering.verification import Integrity

__all__ = ["Audits"]

_log = logging.getLogger(__name__)
"""Audits run: who, of what, how many findings; never a finding's text."""


class Audits:
    """The audit, verification, checkpoints and chain starts of one store."""

    def __init__(self, reader: Reader, *, store: str) -> None:
        self.reader = reader
        self.engine: Engine = reader.engine
        self.store = store

    @functools.cached_property
    def integrity(self) -> Integrity:
        """Checkpoints, chain starts, fingerprints and verification of this store."""
        engine = self.engine
        ports = engine.ports
        opener = (
            None
            if engine.in_memory  # nothing to open in another process
            else functools.partial(
                _open_integrity, self.store, engine.master_key, dict(engine.env)
            )
        )
        return Integrity(
            key=engine.chain,
            opener=opener,
            recorder=engine.recorder,
            snapshots=engine.snapshots.recorder
            if engine.snapshots is not None
            else None,
            mapper=cast(CattrsMapper, engine.mapper),
            access_log=lambda: self.reader.access_log,
            notification_rows=ports.select_chain_rows,
            snapshot_rows=ports.snapshot_rows,
        )

    @checked
    def audit(
        self,
        family_id: UUID | None = None,
        *,
        on: date,
        actor: Actor,
        checkpoint: Checkpoint | None = None,
        fingerprint: Fingerprint | str | None = None,
    ) -> AuditReport:
        """Verify, then audit, one family (or every family of the actor's municipality).

        First the chains: every event's and snapshot's digest, that each event
        follows the one before, and (for the whole store) the access log and
        the store's log; with a ``checkpoint`` (see ``checkpoint``), that
        the store is an append-only extension of it; with a ``fingerprint``
        (one family, as its report showed it), that the family's history up
        to it is unchanged. Every break is a finding naming family, position
        and kind. Then the rules: every readable event is judged with the pure
        consent rules (see :mod:`familiekoordinering.audit`); an event that
        cannot be read is itself a finding, and the audit goes on past it.
        Needs the auditor role, checked before anything is read.
        """
        if isinstance(fingerprint, str):
            fingerprint = Fingerprint.parse(fingerprint)
        if fingerprint is not None and family_id is None:
            raise InvalidInputError(
                "a fingerprint is one family's: give the family's id with it"
            )
        failures = self.engine.ports.store_failures
        if family_id is None:
            require(actor, Access.AUDIT, municipality=actor.municipality)
            with reading_the_store(failures):
                verification = self.integrity.verify_store(checkpoint)
            # The families whose intact enrolment names this municipality.
            family_ids = [
                FamilyId(UUID(fid))
                for fid, municipality in verification.municipalities.items()
                if municipality == actor.municipality and UUID(fid) != LEDGER_ID
            ]
            found = None
        else:
            municipality = self._municipality_of(family_id)
            if municipality is None:
                # Whose family it is cannot be trusted: any auditor may see its
                # breaks, nobody its events judged (they would name its data).
                require(actor, Access.AUDIT, municipality=actor.municipality)
            else:
                require(actor, Access.AUDIT, FamilyFacts(municipality),
                        unknown=unknown(family_id))  # fmt: skip
            with reading_the_store(failures):
                verification, found = self.integrity.verify_family(
                    family_id, checkpoint, fingerprint
                )
            family_ids = [] if municipality is None else [FamilyId(family_id)]
        breaks = [
            finding_of_break(
                # An access-log row names the family it claims: that claim may be
                # forged, so a broken row is every auditor's to see.
                attrs.evolve(b, family_id=None) if b.ledger is Ledger.ACCESS_LOG else b
            )
            for b in verification.breaks
            # A family whose intact enrolment is another municipality's is not
            # this auditor's; one whose enrolment is broken or gone is everyone's.
            if b.ledger is Ledger.ACCESS_LOG
            or _owner(verification.municipalities, b.family_id, actor)
            == actor.municipality
        ]
        if fingerprint is not None and family_id is not None:
            breaks += fingerprint_findings(family_id, fingerprint, found)
        breaks += self._protection_findings()
        results = [(breaks, 0)]
        for fid in family_ids:
            events, unreadable = self._read_stored(fid)
            erased = self.reader.erasure(fid) is not None
            findings, count = audit_history(fid, events, on=on, erased=erased)
            if not unreadable:
                findings += self._snapshot_findings(fid, events)
            results.append((findings + unreadable, count + len(unreadable)))
        self.reader.log_reads(actor, Access.AUDIT, family_ids, "audit")
        report = combine(on, results, verified=verification.events)
        _log.info("audit by %s of %s: %d events verified, %d findings, %d breaks",
                  actor.user_id, family_id or f"municipality {actor.municipality}",
                  report.verified, len(report.findings), len(report.breaks))  # fmt: skip
        return report

    def _protection_findings(self) -> list[Finding]:
        """A note when the store is, or was for a while, not encrypted."""
        try:
            ledger = self.engine.ledger()
        except Exception:  # an altered ledger: the verification reports the break
            return []
        if ledger is None or not ledger.declarations:
            return []
        first, since = ledger.declarations[0]
        if first:
            return []
        turned_on = next((p for e, p in ledger.declarations if e), None)
        message = (
            "the store was created with encryption=False: the personal data in "
            "it is stored in the clear"
            if turned_on is None
            else "the store was created with encryption=False and encryption was "
            f"turned on after store position {turned_on}: personal data written "
            "before then is stored in the clear"
        )
        position = since if turned_on is None else turned_on
        return [Finding(FindingKind.STORE_UNENCRYPTED, None, position, None, message,
                        ledger=Ledger.STORE)]  # fmt: skip

    def _snapshot_findings(
        self, family_id: UUID, events: Sequence[Family.Event]
    ) -> list[Finding]:
        """A finding for each snapshot that does not hold what the family's events give.

        Every snapshot loads may read is checked against one replay of the
        events: its digest shows it was not changed (with a master key), this
        shows it also says what the history says (without one, anybody can
        write a snapshot with a valid digest).
        """
        if self.engine.snapshots is None:
            return []
        mapper = cast(CattrsMapper, self.engine.mapper)
        with reading_the_store(self.engine.ports.store_failures):
            stored = self.engine.snapshots.recorder.select_events(family_id)
        findings = []
        family: Family | None = None
        at = 0
        for snapshot in stored:
            if not mapper.reads_snapshot(snapshot):
                continue  # never read (see ChainedSnapshotStore.get)
            version = snapshot.originator_version
            if [e.originator_version for e in events[at:version]] == list(
                range(at + 1, version + 1)
            ):
                family = replay(family, events[at:version])
                at = version
            try:
                loaded = cast(Any, mapper.to_domain_event(snapshot)).mutate(None)
            except Exception:  # whatever is wrong with it, it is a finding
                loaded = None
            if at == version and loaded is not None and vars(loaded) == vars(family):
                continue
            findings.append(
                Finding(
                    FindingKind.HISTORY_MODIFIED,
                    family_id,
                    version,
                    None,
                    f"the snapshot at event {version}, which loads of the family may "
                    "read, does not hold what the family's events up to it give",
                    Ledger.SNAPSHOTS,
                )
            )
        return findings

    def _municipality_of(self, family_id: UUID) -> str | None:
        """The family's municipality from its stored enrolment, read as plain JSON.

        Works when the rest of the family cannot be read; None when the
        enrolment is not intact (its digest fails, or it is not one), so that
        whose family it is cannot be trusted. Raises :class:`NotFoundError`
        when the store holds nothing of the family, or an intact inquiry
        (:mod:`~familiekoordinering.domain.inquiry`) under that id.
        """
        if family_id == LEDGER_ID:
            raise unknown(family_id)  # the store's own ledger is no family
        with reading_the_store(self.engine.ports.store_failures):
            first = self.engine.recorder.select_events(family_id, limit=1)
        if not first:
            raise unknown(family_id)
        mapper = cast(CattrsMapper, self.engine.mapper)
        try:
            data = mapper.plain(first[0].state)
            chained = split_chained(data)
            if chained is None:
                intact = bool(self.integrity.chain_starts()[0])  # written before
            else:
                intact = first[0].originator_version == 1 and (
                    self.engine.chain.event_digest(
                        family_id, 1, first[0].topic, chained.body
                    )
                    == chained.digest
                )
            if intact and first[0].topic.startswith((INQUIRY_TOPIC, CASELOAD_TOPIC)):
                # An inquiry or a caseload is no family: the whole store's audit
                # verifies its chain.
                raise unknown(family_id)
            return str(json.loads(data)["municipality"]) if intact else None
        except (ValueError, KeyError, TypeError):
            return None

    def _read_stored(self, family_id: UUID) -> tuple[list[Family.Event], list[Finding]]:
        """The family's readable stored events, and a finding for each unreadable one."""
        events: list[Family.Event] = []
        unreadable: list[Finding] = []
        self.engine.fresh(family_id)
        try:
            with reading_the_store(self.engine.ports.store_failures):
                stored_events = self.engine.recorder.select_events(family_id)
        except StoreError as e:  # a value the driver cannot even read back
            message = f"the family's stored events cannot be read: {e}"
            return [], [
                Finding(FindingKind.UNREADABLE_EVENT, family_id, 0, None, message)
            ]
        for stored in stored_events:
            try:
                event = self.engine.mapper.to_domain_event(stored)
                if not isinstance(event, Family.Event):
                    raise TypeError(f"a {type(event).__name__} is not a family's event")
                events.append(event)
            except Exception as e:  # whatever cannot be read is a finding
                unreadable.append(
                    Finding(
                        FindingKind.UNREADABLE_EVENT,
                        family_id,
                        stored.originator_version,
                        None,
                        f"{e}; the audit judges the family's other events",
                    )
                )
        return events, unreadable

    @checked
    def checkpoint(self, *, actor: Actor) -> Checkpoint:
        """The head of the store's history now, to keep outside the database.

        Holds the newest notification id, the log's running digest, the
        access log's head and the head of each of the actor's municipality's
        families; no personal data. Write it with :meth:`Checkpoint.to_json`
        and give it back to ``audit`` later. Needs the auditor role.
        """
        require(actor, Access.AUDIT, municipality=actor.municipality)
        with reading_the_store(self.engine.ports.store_failures):
            return self.integrity.checkpoint(
                taken_at=self.engine.now(), municipality=actor.municipality
            )

    @checked
    def start_chain(self, *, actor: Actor) -> int:
        """Start verification of a store written before events were chained.

        Records, once, the newest notification id now, the number of events
        and the log's running digest in the store's ledger: the audit accepts
        events without digests up to there, and checks the log up to there
        still gives that digest. Families whose newest snapshot carries no
        digest get a new one. Returns the position recorded. Needs the
        auditor role.
        """
        require(actor, Access.AUDIT, municipality=actor.municipality)
        with reading_the_store(self.engine.ports.store_failures):
            starts, broken = self.integrity.chain_starts()
            if broken:
                raise RuleViolationError(
                    "the store's ledger does not verify, so no chain start can be "
                    "added to it: run 'familiekoordinering audit' to see what broke"
                )
            if starts:
                # Once only: a second start would accept unchained events since.
                raise RuleViolationError(
                    f"verification of this store started at notification "
                    f"{starts[0].position} already; events written since are "
                    "chained, and any without a digest is a finding of the audit"
                )
            position, events, head, unchained = self.integrity.log_head()
            access_head = self.reader.access_log.head()
        if not unchained:
            raise RuleViolationError(
                "every event in this store carries its digest already: there is "
                "nothing to start (a chain start would only accept events written "
                "beneath the library from now on)"
            )
        now = self.engine.now()
        ledger = self.engine.ledger() or StoreLedger.open(recorded_at=now)
        ledger.start_chain(position=position, events=events, head=head,
                           access_seq=access_head[0] if access_head else 0,
                           actor=actor, recorded_at=now)  # fmt: skip
        self.engine.save(ledger)
        snapshots = self.engine.snapshots
        if snapshots is not None:
            for family_id in self.integrity.unchained_snapshot_families():
                # From the events themselves, not through the unchained snapshot.
                family = replay(None, self.reader.history(family_id))
                newest = snapshots.recorder.select_events(family_id, desc=True, limit=1)
                if family is None or (
                    newest and newest[0].originator_version >= family.version
                ):
                    # Its unchained snapshot is of its newest event: loads replay
                    # the events (an unchained snapshot is never read) until the
                    # family's next snapshot, taken chained.
                    continue
                snapshots.put([Snapshot.take(family)])
        return position


def _owner(
    municipalities: Mapping[str, str], family_id: UUID | None, actor: Actor
) -> str:
    """Whose a break's family is: its intact enrolment's municipality, or everyone's."""
    return municipalities.get(str(family_id), actor.municipality)


def _open_integrity(
    store: str, master_key: bytes | None, settings: dict[str, str]
) -> Integrity:
    """The integrity service of a store, opened anew (in a verifying worker process)."""
    engine = Engine(store, master_key=master_key, settings=settings,
                    snapshot_interval=None, cache_size=0)  # fmt: skip
    return Audits(Reader(engine), store=store).integrity
