"""The application: one store's commands and queries, as apps call them.

:class:`FamilyCoordination` is the composition root. It opens the store's
engine (:mod:`familiekoordinering.engine`: eventsourcing's application, the
mapper, the chained stores, the keyring and the storage ports) and wires the
role services that do the work (:mod:`familiekoordinering.services`):

- commands (:class:`~familiekoordinering.services.commanding.Commands`):
  load → authorise → domain → save → retry, written once for every command;
  each public command method is made from its command class
  (:mod:`familiekoordinering.domain.commands`), whose fields are its
  parameters;
- the family's record (:class:`~familiekoordinering.services.records.Records`):
  logged reads, timeline, report, exports, lists;
- the audit (:class:`~familiekoordinering.services.auditing.Audits`) and
  erasure and retention (:class:`~familiekoordinering.services.erasure.Erasures`);
- inquiries to a competence team
  (:class:`~familiekoordinering.services.inquiries.Inquiries`);
- the read models (:class:`~familiekoordinering.views.Views`).

Every command names the actor and the date the thing happened; the engine's
clock stamps when it was recorded, and ids the caller leaves out are made.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import ClassVar, cast

from eventsourcing.domain import datetime_now_with_tzinfo

from familiekoordinering._view_log import open_view_log
from familiekoordinering.domain.commands import (
    AchieveGoal,
    ActUnderLegalDuty,
    AddMember,
    AgreeStep,
    AssignCoordinator,
    CommitInvestment,
    CompleteStep,
    CompleteSurvey,
    DropGoal,
    EndFollowUp,
    EnrolFamily,
    ExtendFollowUp,
    GiveResearchConsent,
    GrantConsent,
    HoldInvestmentMeeting,
    HoldMeeting,
    JoinInvestmentTeam,
    LinkSectorPlan,
    RecordContact,
    RecordFamilyInformed,
    RecordGain,
    RecordGoalProgress,
    RecordMemberLeft,
    RefuseConsent,
    SetGoal,
    WithdrawConsent,
    WithdrawResearchConsent,
)
from familiekoordinering.engine import Engine
from familiekoordinering.serialisation import CattrsMapper
from familiekoordinering.services.auditing import Audits
from familiekoordinering.services.commanding import (
    CaseloadInViews,
    Commands,
    ConcurrentChangeError,
    command_method,
    enrolment_method,
)
from familiekoordinering.services.delegation import delegated
from familiekoordinering.services.erasure import DEFAULT_ERASURE_WAIT, Erasures
from familiekoordinering.services.inquiries import Inquiries
from familiekoordinering.services.reading import Reader, facts
from familiekoordinering.services.records import FamilySummary, Records
from familiekoordinering.views import Views

__all__ = ["Clock", "ConcurrentChangeError", "FamilyCoordination", "FamilySummary"]

Clock = Callable[[], datetime]
"""A function returning the current time, timezone-aware."""


class FamilyCoordination:
    """Family coordination over one store: the commands and queries apps call.

    ``store`` is ``"memory"``, an SQLite file path or a ``postgresql://`` URL
    (see :mod:`familiekoordinering.store`). ``snapshot_interval`` sets how many
    events pass between snapshots of a family (``None`` turns snapshots off).
    ``cache_size`` is how many families stay in memory between commands (each
    command still reads, and applies, any events written since by others;
    ``0`` turns the cache off). ``retries`` is how many times a command runs
    again when another writer changed the family first. ``clock`` stamps when
    events are recorded; ``settings`` passes further eventsourcing settings
    (they override those derived from ``store``).

    ``master_key`` (32 bytes, see :func:`new_master_key`) seals every
    family's personal data with a key of its own. A store records whether it
    is encrypted: a new SQLite or PostgreSQL store needs a master key, or
    ``encryption=False`` said explicitly (for tests and demos; the audit
    reports it); a store written with a key refuses to open without it
    (:class:`MasterKeyRequiredError`). Giving a key to a store written
    without one turns encryption on from then on. ``demo=True`` marks a new
    store as a demo store, the only kind whose key the command line may read
    from beside it. The in-memory store writes no file and needs neither.

    Each command method's parameters are the fields of its command class
    (:mod:`familiekoordinering.domain.commands`), after the family's id; it
    returns the id of what it creates, if anything; when it raises, nothing
    was stored. Each query is its role service's method
    (:mod:`familiekoordinering.services`).
    """

    _engine_class: ClassVar[type[Engine]] = Engine
    """The event store's make (a subclass can swap it, e.g. for an older stored form)."""
    DEFAULT_SNAPSHOT_INTERVAL: ClassVar[int] = Engine.DEFAULT_SNAPSHOT_INTERVAL
    DEFAULT_CACHE_SIZE: ClassVar[int] = Engine.DEFAULT_CACHE_SIZE
    DEFAULT_ERASURE_WAIT: ClassVar[float] = DEFAULT_ERASURE_WAIT
    """How long :meth:`erase` waits for readers that hold a destroyed key's old bytes."""

    def __init__(
        self,
        store: str | Path = "memory",
        *,
        snapshot_interval: int | None = DEFAULT_SNAPSHOT_INTERVAL,
        cache_size: int = DEFAULT_CACHE_SIZE,
        retries: int = 3,
        clock: Clock = datetime_now_with_tzinfo,
        settings: Mapping[str, str] | None = None,
        master_key: bytes | None = None,
        encryption: bool | None = None,
        demo: bool = False,
    ) -> None:
        self._engine: Engine = self._engine_class(
            store, snapshot_interval=snapshot_interval, cache_size=cache_size,
            retries=retries, clock=clock, settings=settings, master_key=master_key,
            encryption=encryption, demo=demo,
        )  # fmt: skip
        self.store = self._engine.store
        """The store, as given."""
        self.clock = clock
        """The clock that stamps when things are recorded."""
        self.encrypted = self._engine.encrypted
        """Whether personal data written from now on is sealed."""
        self._reader = Reader(self._engine)
        self._commands = Commands(self._reader, retries=retries,
                                  caseload_of=CaseloadInViews(weakref.ref(self)))  # fmt: skip
        self._records = Records(self._reader)
        self._audits = Audits(self._reader, store=str(self.store))
        cls = type(self)  # read when an erasure runs, so a change of it holds
        self._erasures = Erasures(self._reader, wait=lambda: cls.DEFAULT_ERASURE_WAIT)
        commands = self._commands  # its retries are read at each run, as for families
        self._inquiries = Inquiries(
            self._reader, self._erasures, retries=lambda: commands.retries
        )

    @property
    def retries(self) -> int:
        """How many times a command runs again after losing a race."""
        return self._commands.retries

    @retries.setter
    def retries(self, value: int) -> None:
        self._commands.retries = value

    @functools.cached_property
    def views(self) -> Views:
        """The read models (plan, caseload, consent register, outcomes).

        Stored where the events are when the storage adapter provides a view
        store (SQLite, PostgreSQL); in memory otherwise.
        """
        engine = self._engine
        return Views(
            engine.ports,
            engine.ports.view_store(),
            payload=cast(CattrsMapper, engine.mapper).view_payload,
            # A folding process (SQLite's rebuild) opens the log anew from this.
            reopen=None
            if engine.in_memory
            else functools.partial(
                open_view_log, self.store, engine.master_key, dict(engine.env)
            ),
            log_reads=self._reader.log_reads,
            open_sealed=self._records.sealed_values,
            facts=lambda family_id: facts(self._reader.load(family_id)),
        )

    def position(self) -> int:
        """The newest notification id in the log.

        Pass it as ``wait_for`` to a view query to read your own writes.
        """
        return self._engine.position()

    def close(self) -> None:
        """Close the store's connections (events, views, access log and keys)."""
        if "views" in vars(self):
            self.views._store.close()
        if "access_log" in vars(self._reader):
            self._reader.access_log.close()
        self._engine.close()

    # -------------------------------------------- commands (domain.commands)

    enrol_family = enrolment_method(EnrolFamily)
    """Enrol a family; return its id."""
    add_member = command_method(AddMember)
    """Add an adult or a child; return the member's id."""
    record_member_left = command_method(RecordMemberLeft)
    """Record that a member left the follow-up."""
    assign_coordinator = command_method(AssignCoordinator)
    """Assign the family's coordinator (a team lead), or take on a family without one."""
    grant_consent = command_method(GrantConsent)
    """Record a consent the family gave; return its id."""
    refuse_consent = command_method(RefuseConsent)
    """Record that the family refused a consent; return the refusal's id."""
    give_research_consent = command_method(GiveResearchConsent)
    """Record that a member's answers may be used, pseudonymised, in research."""
    withdraw_research_consent = command_method(WithdrawResearchConsent)
    """Withdraw a member's research consent."""
    withdraw_consent = command_method(WithdrawConsent)
    """Withdraw a consent from ``occurred_on``."""
    set_goal = command_method(SetGoal)
    """Set a goal in the family's own words; return its id."""
    record_goal_progress = command_method(RecordGoalProgress)
    """Note progress on a goal."""
    achieve_goal = command_method(AchieveGoal)
    """Mark a goal achieved."""
    drop_goal = command_method(DropGoal)
    """Drop a goal."""
    agree_step = command_method(AgreeStep)
    """Agree a step of the plan; return its id."""
    complete_step = command_method(CompleteStep)
    """Mark a step completed."""
    link_sector_plan = command_method(LinkSectorPlan)
    """Link an agency's plan to the family plan; return the link's id."""
    hold_meeting = command_method(HoldMeeting)
    """Record a meeting; return its id."""
    record_contact = command_method(RecordContact)
    """Record an outward action, if the family's consents cover it; return its id."""
    act_under_legal_duty = command_method(ActUnderLegalDuty)
    """Record an action the law required without consent; return its id."""
    record_family_informed = command_method(RecordFamilyInformed)
    """Record that the family was told of an action afterwards."""
    complete_survey = command_method(CompleteSurvey)
    """Record a completed survey; return its id."""
    join_investment_team = command_method(JoinInvestmentTeam)
    """Add an actor to the investment team, if the family's consents cover it; return its id."""
    hold_investment_meeting = command_method(HoldInvestmentMeeting)
    """Record an investment meeting (never without the citizen); return its id."""
    commit_investment = command_method(CommitInvestment)
    """Record what a team member's agency puts in; return its id."""
    record_gain = command_method(RecordGain)
    """Record a gain of the investment for a member; return its id."""
    extend_follow_up = command_method(ExtendFollowUp)
    """Extend the follow-up beyond its planned end: until when, why, who decided."""
    end_follow_up = command_method(EndFollowUp)
    """End the family's follow-up."""

    # ------------------------------------- the family's record (services.records)

    get_family = delegated("_records", Records.get_family)
    """The family as it stands now (or at event ``version``); the read is logged."""
    family_history = delegated("_records", Records.family_history)
    """Every event of the family, oldest first; the read is logged."""
    family_at = delegated("_records", Records.family_at)
    """The family's whole record as it stood on a date, from its events up to it."""
    decide = delegated("_records", Records.decide)
    """Ask, before acting, whether the family's consents cover an action on ``on``."""
    open_notifications = delegated("_records", Records.open_notifications)
    """Actions the family is still to be told about."""
    overdue_notifications = delegated("_records", Records.overdue_notifications)
    """Actions the family should have been told about before ``on`` and was not."""
    timeline = delegated("_records", Records.timeline)
    """Every event of the family as a readable entry, in ``language`` (nb, nn, da or en)."""
    report = delegated("_records", Records.report)
    """The family report: a self-contained, printable HTML page for the family."""
    access_entries = delegated("_records", Records.access_entries)
    """Every logged read of the family's data, oldest first (this read included)."""
    access_export = delegated("_records", Records.access_export)
    """Everything stored about the family, or one member, as JSON-able data."""
    fhir_export = delegated("_records", Records.fhir_export)
    """The family's whole record as a FHIR R5 Bundle, as JSON-able data."""
    fingerprint = delegated("_records", Records.fingerprint)
    """The head of the family's history as a short fingerprint."""
    research_export = delegated("_records", Records.research_export)
    """The pseudonymised research export of the actor's municipality, as CSV."""
    erasure = delegated("_records", Records.erasure)
    """When and by whom the family's personal data was erased, or None."""
    family_ids = delegated("_records", Records.family_ids)
    """The ids of the families the actor may read or audit, in the order enrolled."""
    list_families = delegated("_records", Records.list_families)
    """One summary per family the actor may read, in the order they were enrolled."""

    # ------------------------------------------------ the audit (services.auditing)

    audit = delegated("_audits", Audits.audit)
    """Verify, then audit, one family (or every family of the actor's municipality)."""
    checkpoint = delegated("_audits", Audits.checkpoint)
    """The head of the store's history now, to keep outside the database."""
    start_chain = delegated("_audits", Audits.start_chain)
    """Start verification of a store written before events were chained."""

    # ------------------------------------ erasure and retention (services.erasure)

    erase = delegated("_erasures", Erasures.erase)
    """Erase the family's personal data by destroying its key (crypto-shredding)."""
    finish_erasures = delegated("_erasures", Erasures.finish_erasures)
    """Remove destroyed keys' old bytes from the store's files."""
    due_for_erasure = delegated("_erasures", Erasures.due_for_erasure)
    """Families whose follow-up ended more than ``years`` years before ``on``."""

    # ------------------------------------------- inquiries (services.inquiries)

    receive_inquiry = delegated("_inquiries", Inquiries.receive_inquiry)
    """Record an inquiry (*henvendelse*) to the competence team; return its id."""
    identify_inquiry = delegated("_inquiries", Inquiries.identify_inquiry)
    """Record that the family consented to be named in an inquiry."""
    record_inquiry_work = delegated("_inquiries", Inquiries.record_inquiry_work)
    """Record advice, mapping, a home visit or a service connected; return its id."""
    link_inquiry = delegated("_inquiries", Inquiries.link_inquiry)
    """Link an identified inquiry to the family's enrolment."""
    close_inquiry = delegated("_inquiries", Inquiries.close_inquiry)
    """Close an inquiry with its outcome, once."""
    erase_inquiry = delegated("_inquiries", Inquiries.erase_inquiry)
    """Erase an inquiry's personal data by destroying its key (crypto-shredding)."""
    get_inquiry = delegated("_inquiries", Inquiries.get_inquiry)
    """The inquiry as it stands now; the read is logged."""
    inquiries = delegated("_inquiries", Inquiries.inquiries)
    """The year's report of the actor's municipality's inquiries: counts, no names."""
