"""Read models: the current plan, caseloads, the consent register and outcomes.

Apps answer "what is the plan now", "which families need me this week" and
"what may I do now" from these views instead of replaying histories on every
screen. :class:`Views` (``app.views``) is the way in: queries, catching up,
rebuilding and waiting for a position (read your writes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, cast
from uuid import UUID

from familiekoordinering.access import Access, FamilyFacts, authorize, require
from familiekoordinering.checks import checked
from familiekoordinering.domain.values import Actor, Role
from familiekoordinering.errors import (
    ConfigurationError,
    InvalidInputError,
    NotFoundError,
)
from familiekoordinering.protection.references import fill, versions
from familiekoordinering.views.fold import FORMAT, Document
from familiekoordinering.views.projector import (
    LogSource,
    Payload,
    Progress,
    UnreadableEventError,
    ViewProjector,
    ViewsBehindError,
    ViewStatus,
)
from familiekoordinering.views.queries import (
    CASELOAD_PERSONAL_KEYS,
    CONSENT_REGISTER_PERSONAL_KEYS,
    PLAN_KEYS,
    CaseloadEntry,
    OutcomeGroup,
    PermittedAction,
    PortfolioYear,
    caseload_entry,
    consent_register,
    outcomes,
    plan_of,
    portfolio,
)
from familiekoordinering.views.store import (
    InMemoryViewStore,
    ViewConflictError,
    ViewStore,
)

if TYPE_CHECKING:
    # Types only: the ports module imports the view store, in this package.
    from familiekoordinering.ports import StoragePorts

OpenSealed = Callable[[UUID, set[int]], dict[int, Any]]
"""Opens a family's sealed values: (family id, event versions) → values per version."""

__all__ = [
    "CaseloadEntry",
    "InMemoryViewStore",
    "LogSource",
    "OpenSealed",
    "OutcomeGroup",
    "PermittedAction",
    "PortfolioYear",
    "UnreadableEventError",
    "ViewConflictError",
    "ViewProjector",
    "ViewStatus",
    "ViewStore",
    "Views",
    "ViewsBehindError",
]


class Views:
    """The read models of one application: queries, catch-up, rebuild, wait.

    Every query takes ``wait_for``: a notification position (for instance
    :meth:`FamilyCoordination.position` right after a command) that the views
    must have folded in before the query answers, or
    :class:`ViewsBehindError` after ``timeout`` seconds. With
    ``catch_up=True`` the query first folds in whatever is new itself, which
    suits a single process (the command line, tests, an in-memory store).

    ``facts`` reads a family's access facts from the store itself, for the
    families whose events the views have not folded in yet.

    The views read the store's log through its ``ports`` and decode each event
    with ``payload``; ``reopen`` opens the same log in another process (see
    :class:`ViewProjector`).
    """

    def __init__(
        self,
        ports: StoragePorts,
        store: ViewStore,
        *,
        payload: Payload,
        reopen: Callable[[], LogSource] | None = None,
        batch_size: int = 5000,
        log_reads: Callable[[Actor, Access, Iterable[UUID], str], None] | None = None,
        open_sealed: OpenSealed | None = None,
        facts: Callable[[UUID], FamilyFacts],
    ):
        self._store = store
        self._ports = ports
        self._projector = ViewProjector(
            ports, store, payload=payload, reopen=reopen, batch_size=batch_size
        )
        self._log_reads = log_reads or (lambda *_: None)
        self._open_sealed = open_sealed
        self._facts = facts

    def _open(self, doc: Document, keys: Iterable[str] | None = None) -> Document:
        """The document with its references to personal data opened.

        Only under the members ``keys`` (all, by default): a query opens what
        it shows. See :mod:`familiekoordinering.protection.references`.
        """
        if doc.get("format") != FORMAT:
            raise ConfigurationError(
                f"the views of family {doc.get('family_id')} were built by an older "
                "version of the library, which copied personal data into them: "
                "rebuild them with 'familiekoordinering projections rebuild' "
                "(FamilyCoordination.views.rebuild())"
            )
        part = doc if keys is None else {k: doc[k] for k in keys}
        wanted = versions(part)
        if not wanted:
            return doc
        if self._open_sealed is None:
            raise ConfigurationError(
                "the views refer to sealed personal data, and these views were "
                "given no way to open it: open the store with its master key"
            )
        opened = fill(part, self._open_sealed(_uuid(doc["family_id"]), wanted))
        return cast(Document, {**doc, **opened})

    MAX_TIMEOUT: ClassVar[float] = 3600.0
    """The longest a query waits for the views to reach ``wait_for``, in seconds."""

    def _ready(self, catch_up: bool, wait_for: int | None, timeout: float) -> int:
        if not 0 <= timeout <= self.MAX_TIMEOUT:  # NaN too
            raise InvalidInputError(
                f"timeout is {timeout!r}: give the seconds to wait, from 0 to "
                f"{self.MAX_TIMEOUT:g}"
            )
        if wait_for is not None and wait_for < 0:
            raise InvalidInputError(
                f"wait_for is {wait_for}: give a position from FamilyCoordination."
                "position(), 0 or more"
            )
        if catch_up:
            self._projector.catch_up()
        if wait_for is not None:
            self._projector.wait(wait_for, timeout=timeout)
        return self._store.active_generation()

    @property
    def batch_size(self) -> int:
        """How many notifications one transaction covers when catching up."""
        return self._projector.batch_size

    @batch_size.setter
    def batch_size(self, value: int) -> None:
        self._projector.batch_size = _positive("batch_size", value)

    @property
    def rebuild_batch_size(self) -> int:
        """How many notifications one transaction covers when rebuilding."""
        return self._projector.rebuild_batch_size

    @rebuild_batch_size.setter
    def rebuild_batch_size(self, value: int) -> None:
        self._projector.rebuild_batch_size = _positive("rebuild_batch_size", value)

    def run(self, *, until: Callable[[], bool], poll_interval: float = 0.5) -> int:
        """Keep catching up until ``until()`` returns True; return how many.

        The projection worker's loop (see :meth:`ViewProjector.run`).
        """
        return self._projector.run(until=until, poll_interval=poll_interval)

    def catch_up(self, *, progress: Progress | None = None) -> int:
        """Fold in every new event; return how many."""
        return self._projector.catch_up(progress=progress)

    def rebuild(self, *, progress: Progress | None = None) -> int:
        """Rebuild the views from zero beside the current ones, then switch."""
        return self._projector.rebuild(progress=progress)

    def status(self) -> ViewStatus:
        """Where the views stand against the log."""
        return self._projector.status()

    def document(
        self,
        family_id: UUID | str,
        *,
        actor: Actor,
        catch_up: bool = False,
        wait_for: int | None = None,
        timeout: float = 5.0,
    ) -> Document:
        """A family's whole view document (plan, consents, notices, surveys)."""
        return self._document(
            family_id, actor, "view document", catch_up, wait_for, timeout
        )

    def _document(
        self,
        family_id: UUID | str,
        actor: Actor,
        what: str,
        catch_up: bool,
        wait_for: int | None,
        timeout: float,
        keys: Iterable[str] | None = None,
    ) -> Document:
        generation = self._ready(catch_up, wait_for, timeout)
        doc = self._store.family(generation, str(family_id))
        unknown = NotFoundError(
            f"the views hold no family {family_id}: check the id, or let the views "
            "catch up ('familiekoordinering projections run')"
        )
        if doc is None:
            raise unknown
        facts = self._facts_of(doc, self._changed_since(generation))
        require(actor, Access.READ_RECORD, facts, unknown=unknown)
        opened = self._open(doc, keys)
        self._log_reads(actor, Access.READ_RECORD, [_uuid(doc["family_id"])], what)
        return opened

    STALE_LIMIT: ClassVar[int] = 1000
    """How many events the views may lag behind and still be looked through."""

    def _changed_since(self, generation: int) -> frozenset[str] | None:
        """The families with events the views have not folded in yet.

        None when there are more than :attr:`STALE_LIMIT` such events (then
        every family's facts are read from the store). One query: with the
        views caught up, it finds nothing.
        """
        position = self._store.position(generation) if generation else 0
        rows = self._ports.select_notification_rows(position + 1, self.STALE_LIMIT + 1)
        if len(rows) > self.STALE_LIMIT:
            return None
        return frozenset(row[1] for row in rows)  # the family ids

    def _facts_of(self, doc: Document, changed: frozenset[str] | None) -> FamilyFacts:
        """The policy's facts of a family: as the store holds them now.

        Not the views' copy where it may lag behind (the family has events the
        views have not folded in, ``changed``): a coordinator who handed the
        family over reads it no more, at once. Where the views hold every
        event of the family, their copy is the store's.
        """
        family_id = str(doc["family_id"])
        if changed is None or family_id in changed:
            return self._facts(_uuid(family_id))
        coordinator = doc["coordinator"] or {}
        return FamilyFacts(
            doc["municipality"],
            frozenset({coordinator["id"]} if coordinator.get("id") else ()),
            frozenset(doc["members"]),
        )

    def plan(
        self,
        family_id: UUID | str,
        *,
        actor: Actor,
        catch_up: bool = False,
        wait_for: int | None = None,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """The family's plan as it stands: members, coordinator, goals, steps, plans."""
        return plan_of(
            self._document(
                family_id, actor, "plan", catch_up, wait_for, timeout, PLAN_KEYS
            )
        )

    def consent_register(
        self,
        family_id: UUID | str,
        *,
        on: date,
        actor: Actor,
        catch_up: bool = False,
        wait_for: int | None = None,
        timeout: float = 5.0,
    ) -> list[PermittedAction]:
        """What the coordinator may do on ``on``: agency × topics × members, with expiry."""
        doc = self._document(
            family_id,
            actor,
            "consent register",
            catch_up,
            wait_for,
            timeout,
            CONSENT_REGISTER_PERSONAL_KEYS,
        )
        return consent_register(doc, on)

    def caseload(
        self,
        *,
        on: date,
        actor: Actor,
        coordinator_id: str | None = None,
        municipality: str | None = None,
        include_ended: bool = False,
        quiet_after_weeks: int = 6,
        catch_up: bool = False,
        wait_for: int | None = None,
        timeout: float = 5.0,
    ) -> list[CaseloadEntry]:
        """A coordinator's (or the municipality's) families as of ``on``, by planned end.

        ``municipality`` defaults to the actor's; a coordinator reads their own
        caseload (``coordinator_id`` is theirs). Ended families are left out
        unless ``include_ended``; a family with no contact for
        ``quiet_after_weeks`` weeks is marked quiet. Each listed family's read
        is logged.
        """
        municipality = municipality or actor.municipality
        require(
            actor,
            Access.READ_CASELOAD,
            municipality=municipality,
            caseload_of=coordinator_id,
        )
        generation = self._ready(catch_up, wait_for, timeout)
        docs = self._store.families(
            generation, coordinator_id=coordinator_id, municipality=municipality
        )
        if actor.role is Role.COORDINATOR:
            # The views' copy of who coordinates may lag behind a handover.
            changed = self._changed_since(generation)
            docs = [
                d
                for d in docs
                if authorize(actor, Access.READ_RECORD, self._facts_of(d, changed))
            ]
        entries = [
            caseload_entry(
                self._open(doc, CASELOAD_PERSONAL_KEYS),
                on,
                quiet_after_weeks=quiet_after_weeks,
            )
            for doc in docs
        ]
        if not include_ended:
            entries = [e for e in entries if e.ended_on is None or e.ended_on > on]
        self._log_reads(
            actor,
            Access.READ_CASELOAD,
            [_uuid(e.family_id) for e in entries],
            "caseload",
        )
        return sorted(entries, key=lambda e: (e.planned_end_on, e.family_id))

    def active_family_ids_of(
        self, coordinator_id: str, municipality: str, *, excluding: UUID
    ) -> list[UUID]:
        """The ids of the municipality's families the coordinator follows now.

        Families not ended, ``excluding`` one; for the caseload rule on an
        assignment (ids only, no personal data: not a read of a family, so
        not logged). The views catch up first, so the ids hold what was
        recorded just before.
        """
        generation = self._ready(True, None, 0.0)
        return [
            _uuid(doc["family_id"])
            for doc in self._store.families(
                generation, coordinator_id=coordinator_id, municipality=municipality
            )
            if not doc.get("ended") and str(doc["family_id"]) != str(excluding)
        ]

    def outcomes(
        self,
        *,
        actor: Actor,
        municipality: str | None = None,
        catch_up: bool = False,
        wait_for: int | None = None,
        timeout: float = 5.0,
        k: int = 5,
    ) -> list[OutcomeGroup]:
        """Baseline against latest survey, per programme and year. No names.

        ``municipality`` defaults to the actor's. No figure is computed over
        fewer than ``k`` families (default 5; at least 3, else
        :class:`~familiekoordinering.errors.InvalidInputError`): a group of
        fewer is withheld, listed with ``families="<k"`` and no figures (see
        :class:`OutcomeGroup`). Anonymous: not logged as a read of any
        family's data.
        """
        municipality = municipality or actor.municipality
        require(actor, Access.READ_STATISTICS, municipality=municipality)
        generation = self._ready(catch_up, wait_for, timeout)
        docs = self._store.families(generation, municipality=municipality)
        return outcomes(docs, k=k)

    def portfolio(
        self,
        *,
        actor: Actor,
        municipality: str | None = None,
        catch_up: bool = False,
        wait_for: int | None = None,
        timeout: float = 5.0,
        k: int = 5,
    ) -> list[PortfolioYear]:
        """The municipality's investments and gains per year (Asker's model). No names.

        What each kind of agency put in, and the gains recorded with their
        estimated yearly value, per calendar year (see :class:`PortfolioYear`).
        ``municipality`` defaults to the actor's; as with :meth:`outcomes`, a
        year with fewer than ``k`` families is withheld, and the read is
        anonymous: not logged as a read of any family's data.
        """
        municipality = municipality or actor.municipality
        require(actor, Access.READ_STATISTICS, municipality=municipality)
        generation = self._ready(catch_up, wait_for, timeout)
        docs = self._store.families(generation, municipality=municipality)
        return portfolio(docs, k=k)


def _positive(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(f"{name} is {value!r}: give a whole number above 0")
    return value


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


for _name in (
    "document",
    "plan",
    "consent_register",
    "caseload",
    "outcomes",
    "portfolio",
):
    setattr(Views, _name, checked(getattr(Views, _name)))
