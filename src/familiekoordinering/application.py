"""The application layer: commands and queries over stored families.

:class:`FamilyCoordination` is an eventsourcing ``Application``: its repository
loads a family (from the latest snapshot and the events after it), and ``save``
appends a command's events atomically. Every command follows the same path —
load the family, call the domain, save, return the new record's id — and every
command names the actor and the date the thing happened. The application owns
the clock that stamps when things were recorded and generates ids that the
caller leaves out.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar, TypeVar, cast
from uuid import UUID, uuid4

import attrs
from eventsourcing.application import (
    AggregateNotFoundError,
)
from eventsourcing.domain import (
    Snapshot,
    datetime_now_with_tzinfo,
)
from eventsourcing.persistence import (
    IntegrityError,
    StoredEvent,
)
from eventsourcing.popo import POPOFactory

from familiekoordinering.access import (
    Access,
    AccessEntry,
    AccessLog,
    FamilyFacts,
    authorize,
    readable_until,
    require,
)
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
from familiekoordinering.domain.actions import Channel, FamilyKnows, OutwardAction
from familiekoordinering.domain.consent import (
    ConsentForm,
    ConsentScope,
    Decision,
    OutwardActionKind,
)
from familiekoordinering.domain.events import Interpretation, interpreted
from familiekoordinering.domain.family import EndReason, Family
from familiekoordinering.domain.plan import Responsible, SectorPlanKind
from familiekoordinering.domain.programme import (
    Eligibility,
    Programme,
    ReferralSource,
)
from familiekoordinering.domain.record import FamilyRecord
from familiekoordinering.domain.survey import (
    Economy,
    Housing,
    LeisureAnswer,
    SchoolAnswer,
    Survey,
    SurveyKind,
    WellBeingAnswer,
    WorkAnswer,
)
from familiekoordinering.domain.validation import loading_stored_history
from familiekoordinering.domain.values import (
    Actor,
    Agency,
    ConsentId,
    FamilyId,
    GoalId,
    MeetingId,
    MemberId,
    MemberKind,
    OutwardActionId,
    RefusalId,
    SectorPlanId,
    StepId,
    SurveyId,
    Topic,
)
from familiekoordinering.engine import Engine, is_store_failure, reading_the_store
from familiekoordinering.errors import (
    ConfigurationError,
    DuplicateIdError,
    ErasureIncompleteError,
    FamiliekoordineringError,
    FamilyErasedError,
    InvalidInputError,
    NotFoundError,
    RuleViolationError,
    StoreError,
)
from familiekoordinering.integrity import (
    LEDGER_ID,
    Checkpoint,
    Fingerprint,
    Ledger,
    StoreLedger,
    is_chained,
    split_chained,
)
from familiekoordinering.protection import (
    Erasure,
    Keyring,
)
from familiekoordinering.research import check_k, research_rows, to_csv
from familiekoordinering.serialisation import CattrsMapper
from familiekoordinering.timeline import (
    DEFAULT_LANGUAGE,
    Language,
    Timeline,
    build_timeline,
    state_at,
)
from familiekoordinering.timeline.export import access_export
from familiekoordinering.timeline.i18n import translations
from familiekoordinering.timeline.report import render_report
from familiekoordinering.verification import Integrity
from familiekoordinering.views import Views

__all__ = [
    "Clock",
    "ConcurrentChangeError",
    "FamilyCoordination",
    "FamilySummary",
]

Clock = Callable[[], datetime]
"""A function returning the current time, timezone-aware."""

T = TypeVar("T")
I = TypeVar("I", bound=UUID)  # noqa: E741


class ConcurrentChangeError(FamiliekoordineringError):
    """Someone else changed the family at the same time; load it again and retry."""


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


class FamilyCoordination:
    """Family coordination over one store: the commands and queries apps call.

    ``store`` is ``"memory"``, an SQLite file path or a ``postgresql://`` URL
    (see :mod:`familiekoordinering.store`). ``snapshot_interval`` sets how many
    events pass between snapshots of a family (``None`` turns snapshots off).
    ``cache_size`` is how many families stay in memory between commands (each
    command still reads, and applies, any events written since by others;
    ``0`` turns the cache off). ``retries`` is how many times a command runs
    again when another writer changed the family first. ``clock`` stamps when
    events are recorded;
    ``settings`` passes further eventsourcing settings (they override those
    derived from ``store``).

    ``master_key`` (32 bytes, see :func:`new_master_key`) seals every
    family's personal data with a key of its own. A store records whether it
    is encrypted: a new SQLite or PostgreSQL store needs a master key, or
    ``encryption=False`` said explicitly (for tests and demos; the audit
    reports it); a store written with a key refuses to open without it
    (:class:`MasterKeyRequiredError`). Giving a key to a store written
    without one turns encryption on from then on. ``demo=True`` marks a new
    store as a demo store, the only kind whose key the command line may read
    from beside it. The in-memory store writes no file and needs neither.
    """

    _engine_class: ClassVar[type[Engine]] = Engine
    """The event store's make (a subclass can swap it, e.g. for an older stored form)."""
    DEFAULT_SNAPSHOT_INTERVAL: ClassVar[int] = Engine.DEFAULT_SNAPSHOT_INTERVAL
    DEFAULT_CACHE_SIZE: ClassVar[int] = Engine.DEFAULT_CACHE_SIZE
    DEFAULT_ERASURE_WAIT: ClassVar[float] = 5.0
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
            store,
            snapshot_interval=snapshot_interval,
            cache_size=cache_size,
            retries=retries,
            clock=clock,
            settings=settings,
            master_key=master_key,
            encryption=encryption,
            demo=demo,
        )
        self.store = self._engine.store
        """The store, as given."""
        self.clock = clock
        """The clock that stamps when things are recorded."""
        self.retries = retries
        """How many times a command runs again after losing a race."""
        self.encrypted = self._engine.encrypted
        """Whether personal data written from now on is sealed."""

    # -------------------------------------------------------------------- views

    @functools.cached_property
    def views(self) -> Views:
        """The read models (plan, caseload, consent register, outcomes).

        Stored where the events are when the storage adapter provides a view
        store (SQLite, PostgreSQL); in memory otherwise.
        """
        return Views(
            self._engine,
            self._engine.ports.view_store(),
            log_reads=self._log_reads,
            open_sealed=self._sealed_values,
            facts=lambda family_id: _facts(self._load(family_id)),
        )

    def _sealed_values(self, family_id: UUID, versions: set[int]) -> dict[int, Any]:
        """The opened personal values of some of a family's events, by version.

        What the views' references point at. The family's key state is read
        from the store first, so an erasure made by any process holds here at
        once: the values read as erased.
        """
        self._engine.fresh(family_id)
        mapper = cast(CattrsMapper, self._engine.mapper)
        wanted = sorted(versions)
        with reading_the_store(self._engine.ports.store_failures):
            stored = {
                version: StoredEvent(family_id, version, topic, state)
                for version, topic, state in self._engine.ports.select_versions(
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

    def position(self) -> int:
        """The newest notification id in the log.

        Pass it as ``wait_for`` to a view query to read your own writes.
        """
        return self._engine.position()

    def close(self) -> None:
        """Close the store's connections (events, views, access log and keys)."""
        if "views" in self.__dict__:
            self.views._store.close()
        if "_access_log" in self.__dict__:
            self._access_log.close()
        self._engine.close()

    # ------------------------------------------------------------------ helpers

    def _now(self) -> datetime:
        return self._engine.now()

    def _load(self, family_id: UUID, *, version: int | None = None) -> Family:
        """The family as it stands now (or at event ``version``), unchecked.

        The repository reads the family's key state first (see :meth:`_fresh`).
        """
        found: Family | None = None
        try:
            with reading_the_store(self._engine.ports.store_failures):
                found = self._engine.repository.get(
                    family_id, version=version, projector_func=_replay
                )
        except AggregateNotFoundError:
            pass  # raised below, outside the handler: no __context__ tells it apart
        if not isinstance(found, Family):
            raise _unknown(family_id)
        return found

    def _change(
        self,
        family_id: UUID,
        actor: Actor,
        command: Callable[[Family], T],
        access: Access = Access.RECORD,
        *,
        assignee: str | None = None,
    ) -> T:
        """Load the family, check the actor may, run the command, save; on a race, again.

        A save that loses a race stores nothing, so the command is safe to run
        again on the family as it now stands (its checks run again too), up to
        ``retries`` more times.
        """
        attempt = 0
        while True:
            family = self._load(family_id)
            require(
                actor,
                access,
                _facts(family),
                assignee=assignee,
                unknown=_unknown(family_id),
            )
            erasure = (
                None
                if self._engine.keyring is None
                or self._engine.keyring.known_live(family_id)
                else self._engine.keyring.erasure(family_id)
            )
            if erasure is not None:
                raise FamilyErasedError(
                    f"family {family_id}'s personal data was erased on "
                    f"{erasure.erased_at:%Y-%m-%d} by {erasure.erased_by}: nothing "
                    "more can be recorded for it"
                )
            result = command(family)
            try:
                self._engine.save(family)
            except IntegrityError as e:
                if attempt < self.retries:
                    attempt += 1
                    continue
                raise ConcurrentChangeError(
                    f"family {family_id} was changed by someone else while this command "
                    f"ran ({attempt + 1} attempt(s)): nothing was stored; try again"
                ) from e
            break
        if self._engine.repository.cache is not None:
            # The family just saved is the newest state: the next command starts
            # from it instead of reading its own event back (others' events are
            # still fast-forwarded from the store on every read).
            self._engine.repository.cache.put(family.id, family)
        return result

    @staticmethod
    def _id(given: UUID | None, id_type: Callable[[UUID], I]) -> I:
        if given is None:
            return id_type(uuid4())
        if not isinstance(given, UUID):
            raise InvalidInputError(f"ids are UUIDs, not {given!r}")
        return id_type(given)

    # ----------------------------------------------------------------- commands

    def enrol_family(
        self,
        *,
        municipality: str,
        label: str,
        programme: Programme,
        referral: ReferralSource,
        eligibility: Eligibility,
        occurred_on: date,
        actor: Actor,
        referral_note: str | None = None,
        family_id: UUID | None = None,
    ) -> FamilyId:
        """Enrol a family; return its id."""
        require(actor, Access.ENROL, municipality=municipality)
        fid = self._id(family_id, FamilyId)
        taken = DuplicateIdError(
            f"family id {fid} cannot be used: leave family_id out to have a new one "
            "generated"
        )
        if family_id is not None and self._taken(fid):
            # The same answer whoever's the id is, erased or not: an enrolment
            # does not tell which families exist in other municipalities.
            raise taken
        family = Family.enrol(
            family_id=fid,
            municipality=municipality,
            label=label,
            programme=programme,
            referral=referral,
            eligibility=eligibility,
            occurred_on=occurred_on,
            actor=actor,
            recorded_at=self._now(),
            referral_note=referral_note,
        )
        try:
            self._engine.save(family)
        except (IntegrityError, FamilyErasedError):  # taken meanwhile
            taken_meanwhile = True
        else:
            taken_meanwhile = False
        if taken_meanwhile:
            raise taken
        return fid

    def _taken(self, family_id: UUID) -> bool:
        """Whether the store holds anything of ``family_id`` (events, a key, an erasure)."""
        if family_id == LEDGER_ID:
            return True
        with reading_the_store(self._engine.ports.store_failures):
            if self._engine.recorder.select_events(family_id, limit=1):
                return True
            keyring = self._engine.keyring
            return keyring is not None and keyring.store.get(family_id) is not None

    def add_member(
        self,
        family_id: UUID,
        *,
        name: str,
        birth_date: date,
        kind: MemberKind,
        occurred_on: date,
        actor: Actor,
        guardian_ids: Iterable[MemberId] = (),
        member_id: UUID | None = None,
    ) -> MemberId:
        """Add an adult or a child; return the member's id."""
        mid = self._id(member_id, MemberId)
        self._change(
            family_id,
            actor,
            lambda f: f.add_member(
                member_id=mid,
                name=name,
                birth_date=birth_date,
                kind=kind,
                guardian_ids=guardian_ids,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
        )
        return mid

    def record_member_left(
        self,
        family_id: UUID,
        member_id: MemberId,
        *,
        occurred_on: date,
        actor: Actor,
        note: str | None = None,
    ) -> None:
        """Record that a member left the follow-up."""
        self._change(
            family_id,
            actor,
            lambda f: f.record_member_left(
                member_id=member_id,
                note=note,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
        )

    def assign_coordinator(
        self,
        family_id: UUID,
        *,
        coordinator_id: str,
        coordinator_name: str,
        occurred_on: date,
        actor: Actor,
        note: str | None = None,
    ) -> None:
        """Assign the family's coordinator, or hand it over to another.

        A team lead assigns and hands over; a coordinator may only take on,
        as ``coordinator_id``, a family that has no coordinator yet.
        """
        self._change(
            family_id,
            actor,
            lambda f: f.assign_coordinator(
                coordinator_id=coordinator_id,
                coordinator_name=coordinator_name,
                note=note,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
            Access.ASSIGN,
            assignee=coordinator_id,
        )

    def grant_consent(
        self,
        family_id: UUID,
        *,
        scope: ConsentScope,
        given_by: Iterable[MemberId],
        form: ConsentForm,
        purpose: str,
        occurred_on: date,
        actor: Actor,
        valid_from: date | None = None,
        valid_until: date | None = None,
        consent_id: UUID | None = None,
    ) -> ConsentId:
        """Record a consent the family gave; return its id."""
        cid = self._id(consent_id, ConsentId)
        self._change(
            family_id,
            actor,
            lambda f: f.grant_consent(
                consent_id=cid,
                scope=scope,
                given_by=given_by,
                form=form,
                purpose=purpose,
                valid_from=valid_from,
                valid_until=valid_until,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
        )
        return cid

    def refuse_consent(
        self,
        family_id: UUID,
        *,
        scope: ConsentScope,
        refused_by: Iterable[MemberId],
        occurred_on: date,
        actor: Actor,
        note: str | None = None,
        refusal_id: UUID | None = None,
    ) -> RefusalId:
        """Record that the family refused a consent; return the refusal's id."""
        rid = self._id(refusal_id, RefusalId)
        self._change(
            family_id,
            actor,
            lambda f: f.refuse_consent(
                refusal_id=rid,
                scope=scope,
                refused_by=refused_by,
                note=note,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
        )
        return rid

    def give_research_consent(
        self,
        family_id: UUID,
        member_id: MemberId,
        *,
        given_by: Iterable[MemberId],
        occurred_on: date,
        actor: Actor,
    ) -> None:
        """Record that a member's answers may be used, pseudonymised, in research.

        Research consent is its own purpose, apart from consents to contact
        agencies; only members with it appear in :meth:`research_export`.
        """
        self._change(
            family_id,
            actor,
            lambda f: f.give_research_consent(
                member_id=member_id,
                given_by=given_by,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
        )

    def withdraw_research_consent(
        self,
        family_id: UUID,
        member_id: MemberId,
        *,
        withdrawn_by: Iterable[MemberId],
        occurred_on: date,
        actor: Actor,
    ) -> None:
        """Withdraw a member's research consent: later research exports leave them out."""
        self._change(
            family_id,
            actor,
            lambda f: f.withdraw_research_consent(
                member_id=member_id,
                withdrawn_by=withdrawn_by,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
        )

    def withdraw_consent(
        self,
        family_id: UUID,
        consent_id: ConsentId,
        *,
        withdrawn_by: Iterable[MemberId],
        occurred_on: date,
        actor: Actor,
        reason: str | None = None,
    ) -> None:
        """Withdraw a consent from ``occurred_on``."""
        self._change(
            family_id,
            actor,
            lambda f: f.withdraw_consent(
                consent_id=consent_id,
                withdrawn_by=withdrawn_by,
                reason=reason,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
        )

    def set_goal(
        self,
        family_id: UUID,
        *,
        area: Topic,
        words: str,
        occurred_on: date,
        actor: Actor,
        member_id: MemberId | None = None,
        target_on: date | None = None,
        goal_id: UUID | None = None,
    ) -> GoalId:
        """Set a goal in the family's own words; return its id."""
        gid = self._id(goal_id, GoalId)
        self._change(
            family_id,
            actor,
            lambda f: f.set_goal(
                goal_id=gid,
                area=area,
                words=words,
                member_id=member_id,
                target_on=target_on,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
        )
        return gid

    def record_goal_progress(
        self,
        family_id: UUID,
        goal_id: GoalId,
        *,
        note: str,
        occurred_on: date,
        actor: Actor,
        rating: int | None = None,
    ) -> None:
        """Note progress on a goal."""
        self._change(
            family_id,
            actor,
            lambda f: f.record_goal_progress(
                goal_id=goal_id,
                note=note,
                rating=rating,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
        )

    def achieve_goal(
        self,
        family_id: UUID,
        goal_id: GoalId,
        *,
        occurred_on: date,
        actor: Actor,
        note: str | None = None,
    ) -> None:
        """Mark a goal achieved."""
        self._change(
            family_id,
            actor,
            lambda f: f.achieve_goal(
                goal_id=goal_id,
                note=note,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
        )

    def drop_goal(
        self,
        family_id: UUID,
        goal_id: GoalId,
        *,
        occurred_on: date,
        actor: Actor,
        reason: str | None = None,
    ) -> None:
        """Drop a goal."""
        self._change(
            family_id,
            actor,
            lambda f: f.drop_goal(
                goal_id=goal_id,
                reason=reason,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
        )

    def agree_step(
        self,
        family_id: UUID,
        *,
        description: str,
        responsible: Responsible,
        occurred_on: date,
        actor: Actor,
        due_on: date | None = None,
        goal_id: GoalId | None = None,
        step_id: UUID | None = None,
    ) -> StepId:
        """Agree a step of the plan; return its id."""
        sid = self._id(step_id, StepId)
        self._change(
            family_id,
            actor,
            lambda f: f.agree_step(
                step_id=sid,
                description=description,
                responsible=responsible,
                due_on=due_on,
                goal_id=goal_id,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
        )
        return sid

    def complete_step(
        self,
        family_id: UUID,
        step_id: StepId,
        *,
        occurred_on: date,
        actor: Actor,
        note: str | None = None,
    ) -> None:
        """Mark a step completed."""
        self._change(
            family_id,
            actor,
            lambda f: f.complete_step(
                step_id=step_id,
                note=note,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
        )

    def link_sector_plan(
        self,
        family_id: UUID,
        *,
        kind: SectorPlanKind,
        agency: Agency,
        reference: str,
        occurred_on: date,
        actor: Actor,
        member_id: MemberId | None = None,
        title: str | None = None,
        sector_plan_id: UUID | None = None,
    ) -> SectorPlanId:
        """Link an agency's plan to the family plan; return the link's id."""
        pid = self._id(sector_plan_id, SectorPlanId)
        self._change(
            family_id,
            actor,
            lambda f: f.link_sector_plan(
                sector_plan_id=pid,
                kind=kind,
                agency=agency,
                reference=reference,
                member_id=member_id,
                title=title,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
        )
        return pid

    def hold_meeting(
        self,
        family_id: UUID,
        *,
        participants: Iterable[str],
        members_present: Iterable[MemberId],
        occurred_on: date,
        actor: Actor,
        agencies_present: Iterable[Agency] = (),
        decisions: Iterable[str] = (),
        meeting_id: UUID | None = None,
    ) -> MeetingId:
        """Record a meeting; return its id."""
        mid = self._id(meeting_id, MeetingId)
        self._change(
            family_id,
            actor,
            lambda f: f.hold_meeting(
                meeting_id=mid,
                participants=participants,
                members_present=members_present,
                agencies_present=agencies_present,
                decisions=decisions,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
        )
        return mid

    def record_contact(
        self,
        family_id: UUID,
        *,
        agency: Agency,
        topics: Iterable[Topic],
        member_ids: Iterable[MemberId],
        purpose: str,
        channel: Channel,
        family_knows: FamilyKnows,
        occurred_on: date,
        actor: Actor,
        kind: OutwardActionKind = OutwardActionKind.CONTACT,
        action_id: UUID | None = None,
    ) -> OutwardActionId:
        """Record an outward action (contact, information shared, referral).

        Refused with :class:`~familiekoordinering.errors.ConsentRequiredError`,
        storing nothing, unless the family's consents cover it on ``occurred_on``.
        Returns the action's id.
        """
        aid = self._id(action_id, OutwardActionId)
        self._change(
            family_id,
            actor,
            lambda f: f.record_outward_action(
                action_id=aid,
                kind=kind,
                agency=agency,
                topics=topics,
                member_ids=member_ids,
                purpose=purpose,
                channel=channel,
                family_knows=family_knows,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
        )
        return aid

    def record_family_informed(
        self,
        family_id: UUID,
        action_id: OutwardActionId,
        *,
        channel: Channel,
        occurred_on: date,
        actor: Actor,
        note: str | None = None,
    ) -> None:
        """Record that the family was told of an action afterwards."""
        self._change(
            family_id,
            actor,
            lambda f: f.record_family_informed(
                action_id=action_id,
                channel=channel,
                note=note,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
        )

    def complete_survey(
        self,
        family_id: UUID,
        *,
        kind: SurveyKind,
        housing: Housing,
        economy: Economy,
        occurred_on: date,
        actor: Actor,
        work: Iterable[WorkAnswer] = (),
        school: Iterable[SchoolAnswer] = (),
        leisure: Iterable[LeisureAnswer] = (),
        well_being: Iterable[WellBeingAnswer] = (),
        note: str | None = None,
        survey_id: UUID | None = None,
    ) -> SurveyId:
        """Record a completed survey; return its id."""
        survey = Survey(
            survey_id=self._id(survey_id, SurveyId),
            kind=kind,
            housing=housing,
            economy=economy,
            work=tuple(work),
            school=tuple(school),
            leisure=tuple(leisure),
            well_being=tuple(well_being),
            note=note,
        )
        self._change(
            family_id,
            actor,
            lambda f: f.complete_survey(
                survey=survey,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
        )
        return survey.survey_id

    def end_follow_up(
        self,
        family_id: UUID,
        *,
        reason: EndReason,
        occurred_on: date,
        actor: Actor,
        note: str | None = None,
    ) -> None:
        """End the family's follow-up."""
        self._change(
            family_id,
            actor,
            lambda f: f.end_follow_up(
                reason=reason,
                note=note,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
        )

    def act_under_legal_duty(
        self,
        family_id: UUID,
        *,
        agency: Agency,
        topics: Iterable[Topic],
        member_ids: Iterable[MemberId],
        purpose: str,
        channel: Channel,
        legal_basis: str,
        family_knows: FamilyKnows,
        occurred_on: date,
        actor: Actor,
        kind: OutwardActionKind = OutwardActionKind.SHARE_INFORMATION,
        action_id: UUID | None = None,
    ) -> OutwardActionId:
        """Record an action the law required without consent, citing ``legal_basis``.

        The only way to act without consent: there is no override flag on
        :meth:`record_contact`. The family is always shown it, and the audit
        always lists it. Returns the action's id.
        """
        aid = self._id(action_id, OutwardActionId)
        self._change(
            family_id,
            actor,
            lambda f: f.act_under_legal_duty(
                action_id=aid,
                kind=kind,
                agency=agency,
                topics=topics,
                member_ids=member_ids,
                purpose=purpose,
                channel=channel,
                legal_basis=legal_basis,
                family_knows=family_knows,
                occurred_on=occurred_on,
                actor=actor,
                recorded_at=self._now(),
            ),
        )
        return aid

    # ------------------------------------------------------------------ queries

    @functools.cached_property
    def _access_log(self) -> AccessLog:
        """The access log (*innsynslogg*): every read of a family's data.

        Stored where the events are when the storage adapter provides one
        (SQLite, PostgreSQL); in memory otherwise; chained with the store's
        chain key. Private: only the library's own reads append to it, and
        :meth:`access_entries` reads it for an actor who may.
        """
        return self._engine.ports.access_log(key=self._engine.chain)

    def _log_reads(
        self, actor: Actor, access: Access, family_ids: Iterable[UUID], what: str
    ) -> None:
        at = self._now()
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
        if entries:
            try:
                self._access_log.append(entries)
            except Exception as e:
                if not is_store_failure(e, self._engine.ports.store_failures):
                    raise
                raise StoreError(
                    f"the access log could not be written ({type(e).__name__}: {e}): "
                    "the read is refused, since every read must be logged; try again"
                ) from e

    # A query reads and checks first, builds its answer, and logs the read
    # last, just before the answer is returned: a query refused for any
    # reason (the actor, an argument, the store) logs nothing.

    def _read(self, family_id: UUID, actor: Actor, access: Access) -> Family:
        """Load the family and check the actor may read it (the caller logs the read)."""
        family = self._load(family_id)
        require(actor, access, _facts(family), unknown=_unknown(family_id))
        return family

    def _read_history(
        self, family_id: UUID, actor: Actor, access: Access
    ) -> list[Family.Event]:
        """Read the family's events once and check the actor may (the caller logs).

        A family member who has left gets the events recorded up to their
        leaving only (:func:`~familiekoordinering.access.readable_until`).
        """
        events = self._history(family_id)
        facts = _facts_of_events(events)
        require(actor, access, facts, unknown=_unknown(family_id))
        until = readable_until(actor, facts)
        return events if until is None else events[:until]

    def _logged(self, actor: Actor, access: Access, family_id: UUID, what: str) -> None:
        """Log one read of the family's data (the answer is ready, not yet returned)."""
        self._log_reads(actor, access, [family_id], what)

    def get_family(
        self, family_id: UUID, *, actor: Actor, version: int | None = None
    ) -> Family:
        """The family as it stands now (or at event ``version``); the read is logged."""
        family = self._read(family_id, actor, Access.READ_RECORD)
        if version is not None and not 1 <= version <= family.version:
            raise InvalidInputError(
                f"version is {version}: give an event version from 1 to "
                f"{family.version} (the family's newest), or leave it out"
            )
        if version is not None:
            family = self._load(family_id, version=version)
        self._logged(actor, Access.READ_RECORD, family.id, "record")
        return family

    def access_entries(self, family_id: UUID, *, actor: Actor) -> list[AccessEntry]:
        """Every logged read of the family's data, oldest first (this read included).

        Read like the timeline: by the family's coordinator, a team lead of its
        municipality or one of its members (one who has left: the reads made
        up to their leaving, and their own).
        """
        events = self._read_history(family_id, actor, Access.READ_TIMELINE)
        self._logged(actor, Access.READ_TIMELINE, family_id, "access log")
        return self._entries_for(actor, events)

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
        family = self._read(family_id, actor, Access.READ_RECORD)
        decision = family.decide(
            kind=kind, agency=agency, topics=topics, member_ids=member_ids, on=on
        )
        self._logged(actor, Access.READ_RECORD, family_id, "consent decision")
        return decision

    def open_notifications(
        self, family_id: UUID, *, actor: Actor
    ) -> list[OutwardAction]:
        """Actions the family is still to be told about."""
        events = self._read_history(family_id, actor, Access.READ_RECORD)
        found = _family_at(events).open_notifications()
        self._logged(actor, Access.READ_RECORD, family_id, "open notices")
        return found

    def overdue_notifications(
        self, family_id: UUID, *, on: date, actor: Actor
    ) -> list[OutwardAction]:
        """Actions the family should have been told about before ``on`` and was not."""
        events = self._read_history(family_id, actor, Access.READ_RECORD)
        found = _family_at(events).overdue_notifications(on)
        self._logged(actor, Access.READ_RECORD, family_id, "overdue notices")
        return found

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
        the store's log; with a ``checkpoint`` (see :meth:`checkpoint`), that
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
        if family_id is None:
            require(actor, Access.AUDIT, municipality=actor.municipality)
            with reading_the_store(self._engine.ports.store_failures):
                verification = self._integrity.verify_store(checkpoint)
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
                require(
                    actor,
                    Access.AUDIT,
                    FamilyFacts(municipality),
                    unknown=_unknown(family_id),
                )
            with reading_the_store(self._engine.ports.store_failures):
                verification, found = self._integrity.verify_family(
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
            or verification.municipalities.get(str(b.family_id), actor.municipality)
            == actor.municipality
        ]
        if fingerprint is not None and family_id is not None:
            breaks += fingerprint_findings(family_id, fingerprint, found)
        breaks += self._protection_findings()
        results = [(breaks, 0)]
        for fid in family_ids:
            events, unreadable = self._read_stored(fid)
            findings, count = audit_history(
                fid, events, on=on, erased=self._erasure(fid) is not None
            )
            if not unreadable:
                findings += self._snapshot_findings(fid, events)
            results.append((findings + unreadable, count + len(unreadable)))
        self._log_reads(actor, Access.AUDIT, family_ids, "audit")
        return combine(on, results, verified=verification.events)

    def _protection_findings(self) -> list[Finding]:
        """A note when the store is, or was for a while, not encrypted."""
        try:
            ledger = self._engine.ledger()
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
        return [
            Finding(
                FindingKind.STORE_UNENCRYPTED,
                None,
                since if turned_on is None else turned_on,
                None,
                message,
                ledger=Ledger.STORE,
            )
        ]

    def _snapshot_findings(
        self, family_id: UUID, events: Sequence[Family.Event]
    ) -> list[Finding]:
        """A finding for each snapshot that does not hold what the family's events give.

        Every snapshot loads may read is checked against one replay of the
        events: its digest shows it was not changed (with a master key), this
        shows it also says what the history says (without one, anybody can
        write a snapshot with a valid digest).
        """
        if self._engine.snapshots is None:
            return []
        mapper = cast(CattrsMapper, self._engine.mapper)
        with reading_the_store(self._engine.ports.store_failures):
            stored = self._engine.snapshots.recorder.select_events(family_id)
        findings = []
        family: Family | None = None
        at = 0
        for snapshot in stored:
            if not is_chained(mapper.plain(snapshot.state)):
                continue  # never read (see ChainedSnapshotStore.get)
            version = snapshot.originator_version
            if [e.originator_version for e in events[at:version]] == list(
                range(at + 1, version + 1)
            ):
                family = _replay(family, events[at:version])
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
        when the store holds nothing of the family.
        """
        if family_id == LEDGER_ID:
            raise _unknown(family_id)  # the store's own ledger is no family
        with reading_the_store(self._engine.ports.store_failures):
            first = self._engine.recorder.select_events(family_id, limit=1)
        if not first:
            raise _unknown(family_id)
        mapper = cast(CattrsMapper, self._engine.mapper)
        try:
            data = mapper.plain(first[0].state)
            chained = split_chained(data)
            if chained is None:
                intact = bool(self._integrity.chain_starts()[0])  # written before
            else:
                intact = first[0].originator_version == 1 and (
                    self._engine.chain.event_digest(
                        family_id, 1, first[0].topic, chained.body
                    )
                    == chained.digest
                )
            return str(json.loads(data)["municipality"]) if intact else None
        except (ValueError, KeyError, TypeError):
            return None

    def _read_stored(self, family_id: UUID) -> tuple[list[Family.Event], list[Finding]]:
        """The family's readable stored events, and a finding for each unreadable one."""
        events: list[Family.Event] = []
        unreadable: list[Finding] = []
        self._engine.fresh(family_id)
        try:
            with reading_the_store(self._engine.ports.store_failures):
                stored_events = self._engine.recorder.select_events(family_id)
        except StoreError as e:  # a value the driver cannot even read back
            return [], [
                Finding(
                    FindingKind.UNREADABLE_EVENT,
                    family_id,
                    0,
                    None,
                    f"the family's stored events cannot be read: {e}",
                )
            ]
        for stored in stored_events:
            try:
                event = self._engine.mapper.to_domain_event(stored)
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

    # ------------------------------------------------------------ integrity

    @functools.cached_property
    def _integrity(self) -> Integrity:
        """Checkpoints, chain starts, fingerprints and verification of this store."""
        ports = self._engine.ports
        opener = (
            None
            if isinstance(self._engine.factory, POPOFactory)
            else functools.partial(
                _open_integrity,
                self.store,
                self._engine.master_key,
                dict(self._engine.env),
            )
        )
        return Integrity(
            key=self._engine.chain,
            opener=opener,
            recorder=self._engine.recorder,
            snapshots=self._engine.snapshots.recorder
            if self._engine.snapshots is not None
            else None,
            mapper=cast(CattrsMapper, self._engine.mapper),
            access_log=lambda: self._access_log,
            notification_rows=ports.select_chain_rows,
            snapshot_rows=ports.snapshot_rows,
        )

    def checkpoint(self, *, actor: Actor) -> Checkpoint:
        """The head of the store's history now, to keep outside the database.

        Holds the newest notification id, the log's running digest, the
        access log's head and the head of each of the actor's municipality's
        families; no personal data. Write it with :meth:`Checkpoint.to_json`
        and give it back to :meth:`audit` later. Needs the auditor role.
        """
        require(actor, Access.AUDIT, municipality=actor.municipality)
        with reading_the_store(self._engine.ports.store_failures):
            return self._integrity.checkpoint(
                taken_at=self._now(), municipality=actor.municipality
            )

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
        with reading_the_store(self._engine.ports.store_failures):
            starts, broken = self._integrity.chain_starts()
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
            position, events, head, unchained = self._integrity.log_head()
            access_head = self._access_log.head()
        if not unchained:
            raise RuleViolationError(
                "every event in this store carries its digest already: there is "
                "nothing to start (a chain start would only accept events written "
                "beneath the library from now on)"
            )
        ledger = self._engine.ledger() or StoreLedger.open(recorded_at=self._now())
        ledger.start_chain(
            position=position,
            events=events,
            head=head,
            access_seq=access_head[0] if access_head else 0,
            actor=actor,
            recorded_at=self._now(),
        )
        self._engine.save(ledger)
        if self._engine.snapshots is not None:
            for family_id in self._integrity.unchained_snapshot_families():
                # From the events themselves, not through the unchained snapshot.
                family = _replay(None, self._history(family_id))
                if family is not None:
                    self._engine.snapshots.put([Snapshot.take(family)])
        return position

    def fingerprint(self, family_id: UUID, *, actor: Actor) -> Fingerprint:
        """The head of the family's history as a short fingerprint.

        The family's report and access export show it; ``audit(family_id,
        fingerprint=…)`` later shows whether anything recorded up to it changed.
        Read like the timeline, and logged.
        """
        events = self._read_history(family_id, actor, Access.READ_TIMELINE)
        found = self._fingerprint_of(events)[0]
        self._logged(actor, Access.READ_TIMELINE, family_id, "fingerprint")
        return found

    def _history(self, family_id: UUID) -> list[Family.Event]:
        if family_id == LEDGER_ID:
            raise _unknown(family_id)  # the store's own ledger is no family
        self._engine.fresh(family_id)
        with reading_the_store(self._engine.ports.store_failures):
            events = list(self._engine.events.get(family_id))
        if not events:
            raise _unknown(family_id)
        return events  # type: ignore[return-value]

    def family_history(self, family_id: UUID, *, actor: Actor) -> list[Family.Event]:
        """Every event of the family, oldest first; the read is logged."""
        events = self._read_history(family_id, actor, Access.READ_RECORD)
        self._logged(actor, Access.READ_RECORD, family_id, "history")
        return events

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
        :meth:`get_family` (what the rules decide with) does not hold.

        ``as_of``: what was true on a date (events that happened by then,
        including those recorded late); ``as_recorded``: what the store knew on
        a date (events recorded by then); both may be given.

        Raises :class:`NotFoundError` when the family did not exist yet.
        """
        events = self._read_history(family_id, actor, Access.READ_RECORD)
        record = _family_at(events, as_of=as_of, as_recorded=as_recorded)
        self._logged(actor, Access.READ_RECORD, family_id, "record as of a date")
        return record

    def timeline(
        self,
        family_id: UUID,
        *,
        actor: Actor,
        language: Language | str = DEFAULT_LANGUAGE,
        as_of: date | None = None,
        as_recorded: date | datetime | None = None,
    ) -> Timeline:
        """Every event of the family as a readable entry, in ``language`` (nb or en)."""
        events = self._read_history(family_id, actor, Access.READ_TIMELINE)
        timeline = build_timeline(
            events,
            language=language,
            as_of=as_of,
            as_recorded=as_recorded,
            erased_at=self._erased_at(family_id),
        )
        self._logged(actor, Access.READ_TIMELINE, family_id, "timeline")
        return timeline

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
        events = self._read_history(family_id, actor, Access.READ_TIMELINE)
        family = _family_at(events, as_of=on)
        timeline = build_timeline(
            events, language=language, as_of=on, erased_at=self._erased_at(family_id)
        )
        self._logged(actor, Access.READ_TIMELINE, family_id, "report")
        return render_report(
            family,
            timeline,
            on=on,
            access_log=self._entries_for(actor, events),
            fingerprint=self._fingerprint_of(events),
        )

    def _entries_for(
        self, actor: Actor, events: Sequence[Family.Event]
    ) -> list[AccessEntry]:
        """The family's access log as ``actor`` may read it with ``events``.

        A member who has left reads the reads made up to their leaving, and
        their own.
        """
        entries = self._access_log.entries(events[0].originator_id)
        if readable_until(actor, _facts_of_events(events)) is None:
            return entries
        until = events[-1].recorded_at
        return [e for e in entries if e.at <= until or e.user_id == actor.user_id]

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
        events = self._read_history(family_id, actor, Access.READ_TIMELINE)
        translations(
            language
        )  # an unknown language is refused before the read is logged
        record = _family_at(events)
        if member_id is not None and member_id not in record.members:
            raise NotFoundError(
                f"member {member_id} is not a member of family {family_id}: give one "
                "of " + ", ".join(str(m) for m in record.members)
            )
        mapper = cast(CattrsMapper, self._engine.mapper)
        stored = [
            (
                e.originator_version,
                e.topic,
                mapper.payload(e.topic, e.state, e.originator_id, e.originator_version),
            )
            for e in self._engine.recorder.select_events(
                family_id, lte=events[-1].originator_version
            )
        ]
        self._logged(actor, Access.READ_TIMELINE, family_id, "access export")
        return access_export(
            events,
            stored,
            on=on,
            member_id=member_id,
            language=language,
            erased_at=self._erased_at(family_id),
            access_log=self._entries_for(actor, events),
            fingerprint=self._fingerprint_of(events),
        )

    def _fingerprint_of(
        self, events: Sequence[Family.Event]
    ) -> tuple[Fingerprint, date]:
        """The fingerprint of the newest of ``events`` as stored, and when it was recorded."""
        newest = events[-1]
        with reading_the_store(self._engine.ports.store_failures):
            digest = self._engine.heads.digest_at(
                newest.originator_id, newest.originator_version
            )
        return (
            Fingerprint(newest.originator_version, digest),
            newest.recorded_at.date(),
        )

    # ------------------------------------------------------------ research

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
        for family_id in self._family_ids(municipality=actor.municipality):
            if self._erasure(family_id) is not None:
                continue
            events = self._history(family_id)
            found = research_rows(events, key=key)
            if found:
                rows += found
                included.append(family_id)
        self._log_reads(actor, Access.RESEARCH_EXPORT, included, "research export")
        return to_csv(rows, k=k)

    # ------------------------------------------------------------ erasure

    def _keyring(self, doing: str) -> Keyring:
        if self._engine.keyring is None:
            raise ConfigurationError(
                f"{doing} needs encryption: open the store with the master key "
                "(FamilyCoordination(..., master_key=...))"
            )
        return self._engine.keyring

    def erase(
        self, family_id: UUID, *, actor: Actor, wait: float | None = None
    ) -> Erasure:
        """Erase the family's personal data by destroying its key (crypto-shredding).

        Names, birth dates and free text become unreadable everywhere, in
        every process of the store at once: in the events and the snapshots
        (sealed with the key) and in the views (which hold none: they read
        personal fields from the sealed events). Ids, dates, categories and
        survey scores stay, so anonymous statistics are unchanged. The
        family's record is closed: the store refuses any event for it from now
        on, also from a process that had it loaded, and no new key is ever
        made for it.

        The destroyed key's old bytes are then removed from the store's files,
        waiting up to ``wait`` seconds for connections that are reading the
        store. If one still is, :class:`ErasureIncompleteError` says so (the
        erasure itself holds); finish with :meth:`finish_erasures`.

        Raises :class:`FamilyErasedError` if it was erased already, and
        :class:`RuleViolationError` if some of its events were stored before
        encryption was turned on (their personal data is not sealed).
        """
        keyring = self._keyring("erasing a family")
        family = self._load(family_id)
        require(actor, Access.ERASE, _facts(family), unknown=_unknown(family_id))
        done = keyring.erasure(family.id)
        if done is not None:
            raise FamilyErasedError(
                f"family {family.id} was erased already, on "
                f"{done.erased_at:%Y-%m-%d} by {done.erased_by}"
            )
        clear = self._clear_personal_events(family.id)
        if clear:
            raise RuleViolationError(
                f"{len(clear)} event(s) of family {family.id} (versions "
                f"{', '.join(map(str, clear[:5]))}{'…' if len(clear) > 5 else ''}) "
                "were stored before encryption was turned on: destroying the key "
                "would not erase their personal data"
            )
        erasure = Erasure(family.id, self._now(), actor.user_id)
        keyring.erase(erasure)
        self._engine.fresh(family.id)
        self._purge_keys(keyring, wait, f"family {family.id}'s key is destroyed")
        return erasure

    def finish_erasures(self, *, actor: Actor, wait: float | None = None) -> None:
        """Remove destroyed keys' old bytes from the store's files.

        What :meth:`erase` does last; run it after an
        :class:`ErasureIncompleteError`. Raises that error again if a
        connection still holds the old bytes after ``wait`` seconds.
        """
        require(actor, Access.ERASE, municipality=actor.municipality)
        self._purge_keys(
            self._keyring("finishing erasures"),
            wait,
            "the erased families' keys are destroyed",
        )

    @staticmethod
    def _purge_keys(keyring: Keyring, wait: float | None, done: str) -> None:
        if wait is None:
            wait = FamilyCoordination.DEFAULT_ERASURE_WAIT
        if wait < 0:
            raise InvalidInputError(f"wait is {wait}: give 0 or more seconds")
        if not keyring.purge(wait):
            raise ErasureIncompleteError(
                f"{done} and no personal data of theirs can be read any more, but "
                f"another connection has been reading the store for over {wait:g} s "
                "and holds an old copy of the key in the store's files: finish with "
                "'familiekoordinering erase --finish' (FamilyCoordination."
                "finish_erasures) once it is done, or give a longer wait"
            )

    def _clear_personal_events(self, family_id: UUID) -> list[int]:
        """The versions of the family's events holding personal data in the clear."""
        mapper = cast(CattrsMapper, self._engine.mapper)
        return [
            stored.originator_version
            for stored in self._engine.recorder.select_events(family_id)
            if mapper.holds_clear_personal_data(stored)
        ]

    def _erased_at(self, family_id: UUID) -> datetime | None:
        erasure = self._erasure(family_id)
        return erasure.erased_at if erasure is not None else None

    def _erasure(self, family_id: UUID) -> Erasure | None:
        """The family's erasure, or None (unchecked, unlogged: for the library's own use)."""
        return (
            None
            if self._engine.keyring is None
            else self._engine.keyring.erasure(family_id)
        )

    def erasure(self, family_id: UUID, *, actor: Actor) -> Erasure | None:
        """When and by whom the family's personal data was erased, or None.

        A read of the family's record: the actor must be allowed to read it,
        and the read is logged.
        """
        self._read(family_id, actor, Access.READ_RECORD)
        erasure = self._erasure(family_id)
        self._logged(actor, Access.READ_RECORD, family_id, "erasure status")
        return erasure

    def due_for_erasure(self, *, on: date, years: int, actor: Actor) -> list[FamilyId]:
        """Families whose follow-up ended more than ``years`` years before ``on``.

        Only the actor's municipality's families, and not those erased already.
        Read from the log's "follow-up ended" events (ids and dates only).
        """
        require(actor, Access.ERASE, municipality=actor.municipality)
        if isinstance(years, bool) or not isinstance(years, int) or years < 0:
            raise InvalidInputError(
                f"years is {years!r}: give a whole number, 0 or more"
            )
        if on.year - years < 1:
            return []  # nothing ended before the calendar began
        try:
            cutoff = on.replace(year=on.year - years)
        except ValueError:  # 29 February
            cutoff = on.replace(year=on.year - years, day=28)
        mapper = cast(CattrsMapper, self._engine.mapper)
        due: list[FamilyId] = []
        start = 1
        topic = Family.FollowUpEnded.TOPIC
        while True:
            notes = self._engine.recorder.select_notifications(
                start=start, limit=500, topics=[topic]
            )
            for note in notes:
                payload = mapper.view_payload(
                    note.topic, note.state, note.originator_id, note.originator_version
                )
                ended_on = date.fromisoformat(payload["occurred_on"])
                family_id = FamilyId(UUID(str(note.originator_id)))
                if (
                    ended_on < cutoff
                    and payload["actor"]["municipality"] == actor.municipality
                    and self._load(family_id).municipality == actor.municipality
                    and self._erasure(family_id) is None
                ):
                    due.append(family_id)
            if len(notes) < 500:
                break
            start = notes[-1].id + 1
        self._log_reads(actor, Access.ERASE, due, "family list")
        return due

    # ------------------------------------------------------------- listing

    def _family_ids(
        self, *, municipality: str | None = None, batch: int = 500
    ) -> Iterator[FamilyId]:
        """Every family's id, in the order enrolled (unchecked: for the library's own use).

        With ``municipality``, only the families enrolled in it (read from the
        enrolments, which hold no personal data, without loading a family).
        """
        mapper = cast(CattrsMapper, self._engine.mapper)
        start = 1
        topic = Family.Enrolled.TOPIC
        while True:
            notes = self._engine.recorder.select_notifications(
                start=start, limit=batch, topics=[topic]
            )
            for note in notes:
                if municipality is not None:
                    payload = mapper.view_payload(
                        note.topic,
                        note.state,
                        note.originator_id,
                        note.originator_version,
                    )
                    if payload.get("municipality") != municipality:
                        continue
                yield FamilyId(UUID(str(note.originator_id)))
            if len(notes) < batch:
                return
            start = notes[-1].id + 1

    def _readable(self, actor: Actor, access: Access) -> Iterator[Family]:
        """The families of the actor's municipality the actor may ``access``."""
        for family_id in self._family_ids(municipality=actor.municipality):
            family = self._load(family_id)
            if authorize(actor, access, _facts(family)):
                yield family

    def family_ids(self, *, actor: Actor) -> list[FamilyId]:
        """The ids of the families the actor may read or audit, in the order enrolled.

        Only the actor's municipality's families (a team lead's or an
        auditor's: all of them; a coordinator's: those they coordinate); a
        role that reads no record and audits nothing is refused. Each listed
        family's read is logged, as for :meth:`list_families`.
        """
        access = (
            Access.AUDIT
            if authorize(actor, Access.AUDIT, municipality=actor.municipality)
            else Access.READ_RECORD
        )
        require(actor, access, municipality=actor.municipality)
        ids = [FamilyId(family.id) for family in self._readable(actor, access)]
        self._log_reads(actor, access, ids, "family list")
        return ids

    def list_families(self, *, actor: Actor) -> list[FamilySummary]:
        """One summary per family the actor may read, in the order they were enrolled.

        Each listed family's read is logged.
        """
        require(actor, Access.READ_RECORD, municipality=actor.municipality)
        out = []
        for family in self._readable(actor, Access.READ_RECORD):
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
        self._log_reads(
            actor, Access.READ_RECORD, [s.family_id for s in out], "family list"
        )
        return out


# Every public command and query refuses arguments of the wrong type up front.
for _name in (
    "enrol_family", "add_member", "record_member_left", "assign_coordinator",
    "grant_consent", "refuse_consent", "give_research_consent",
    "withdraw_research_consent", "withdraw_consent", "set_goal",
    "record_goal_progress", "achieve_goal", "drop_goal", "agree_step",
    "complete_step", "link_sector_plan", "hold_meeting", "record_contact",
    "record_family_informed", "complete_survey", "end_follow_up",
    "act_under_legal_duty", "get_family", "access_entries", "decide",
    "open_notifications", "overdue_notifications", "audit", "family_history",
    "family_at", "timeline", "report", "access_export", "research_export", "erase",
    "erasure", "due_for_erasure", "list_families", "checkpoint", "start_chain",
    "fingerprint",
):  # fmt: skip
    setattr(FamilyCoordination, _name, checked(getattr(FamilyCoordination, _name)))


def _open_integrity(
    store: str, master_key: bytes | None, settings: dict[str, str]
) -> Integrity:
    """The integrity service of a store, opened anew (in a verifying worker process)."""
    app = FamilyCoordination(
        store,
        master_key=master_key,
        settings=settings,
        snapshot_interval=None,
        cache_size=0,
    )
    return app._integrity


def _facts(family: Family) -> FamilyFacts:
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


def _enrolled_in(facts: _FactsRead, event: Any) -> None:
    facts.municipality = event.municipality


def _coordinated_by(facts: _FactsRead, event: Any) -> None:
    facts.coordinator = event.coordinator_id


def _member_added(facts: _FactsRead, event: Any) -> None:
    facts.members.add(str(event.member_id))


def _member_left(facts: _FactsRead, event: Any) -> None:
    facts.left_at.setdefault(str(event.member_id), event.originator_version)


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


def _facts_of_events(events: Sequence[Family.Event]) -> FamilyFacts:
    """The policy's facts from a family's events, without replaying them."""
    facts = _FactsRead()
    for event in events:
        read = _FACTS.get(type(event))
        if read is not None:
            read(facts, event)
    return FamilyFacts(
        facts.municipality,
        frozenset({facts.coordinator} if facts.coordinator else ()),
        frozenset(facts.members),
        facts.left_at,
    )


def _unknown(family_id: object) -> NotFoundError:
    """What the library answers for a family id it does not know.

    Also for a family of another municipality, word for word, so that the
    answer does not tell that the family exists (see
    :attr:`~familiekoordinering.access.Verdict.hidden`).
    """
    return NotFoundError(
        f"family {family_id} does not exist in this store: list families with "
        "'familiekoordinering families'"
    )


def _replay(family: Family | None, events: Iterable[Any]) -> Family | None:
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


def _family_at(
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
