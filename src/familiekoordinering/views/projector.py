"""Keeping the views up to date: catch up in batches, rebuild beside, wait.

The projector pulls the application's notification log in batches (woken by
PostgreSQL's LISTEN/NOTIFY, polling SQLite), folds each batch's events into the
families' documents, and commits the changed documents with the batch's last
position in one transaction of the view store. A crash anywhere leaves either
the whole batch or none of it; the next run starts after the last committed
position, so nothing is lost and nothing counted twice. A stored event the
views cannot read stops the projector with an error naming the family and the
position: nothing is skipped silently.

The projector reads the log through the store's ports
(:class:`~familiekoordinering.ports.StoragePorts`) and decodes each event with
the payload function it is given: it knows no application.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from familiekoordinering.domain.caseload import CASELOAD_TOPIC
from familiekoordinering.domain.inquiry import INQUIRY_TOPIC
from familiekoordinering.errors import FamiliekoordineringError
from familiekoordinering.integrity.ledger import LEDGER_TOPIC
from familiekoordinering.views.fold import Operation, operations
from familiekoordinering.views.store import ViewConflictError, ViewStore

if TYPE_CHECKING:
    # Types only: the ports module imports the view store, beneath this package.
    from familiekoordinering.ports import Listener, NotificationRow, StoragePorts

__all__ = [
    "FillsInParallel",
    "LogSource",
    "Payload",
    "Progress",
    "UnreadableEventError",
    "ViewProjector",
    "ViewStatus",
    "ViewsBehindError",
    "fold_rows",
]

_log = logging.getLogger(__name__)
_RACES = 5
"""How often a catch-up looks again for the active generation other processes replaced."""
"""Projection progress and lag: positions and counts, never a payload."""

Progress = Callable[[int, int], None]
"""Called after each batch with (position reached, head of the log)."""

Payload = Callable[[str, bytes, str, int], dict[str, Any]]
"""Decodes a stored event for the views: (topic, state, family id, version) → payload."""


@attrs.frozen
class LogSource:
    """The log the views fold: the store's ports and how to decode an event.

    ``reopen``, when given, opens the same log anew in another process: it is
    pickled to that process, so it is a module-level function (or a
    ``functools.partial`` of one), and the source it returns has that
    process's own ports, and a ``close`` that closes them (and whatever holds
    them open) when that process is done. A view store that folds in a second
    process (SQLite) uses it; without it, that store folds in this one.
    """

    ports: StoragePorts
    payload: Payload
    reopen: Callable[[], LogSource] | None = None
    close: Callable[[], None] | None = None


@runtime_checkable
class FillsInParallel(Protocol):
    """A view store that fills a new generation faster by itself, for a rebuild.

    The SQLite store folds in a second process while it writes; the
    PostgreSQL store folds while a thread sends the previous batch.
    """

    def fill_in_parallel(
        self,
        log: LogSource,
        generation: int,
        batch_size: int,
        progress: Progress | None,
    ) -> int:
        """Fold ``log`` into ``generation`` from its position on; return how many events.

        Commits batches of ``batch_size`` notifications, each with its
        position, as :meth:`ViewStore.commit` does; calls ``progress`` after
        each batch.
        """
        ...


class ViewsBehindError(FamiliekoordineringError):
    """The views did not reach the position asked for within the time allowed."""


class UnreadableEventError(FamiliekoordineringError):
    """A stored event could not be folded into the views; nothing was committed."""


@attrs.frozen
class ViewStatus:
    """Where the views stand against the log."""

    generation: int
    position: int
    head: int

    @property
    def behind(self) -> int:
        """How many notifications the views have not folded in yet."""
        return max(0, self.head - self.position)


class ViewProjector:
    """Folds a store's events into a view store, exactly once.

    Reads the log through ``ports`` and decodes each event with ``payload``
    (the store's mapper's ``view_payload``); ``reopen`` opens the same log in
    another process, for a view store that rebuilds with two (see
    :class:`LogSource`). ``batch_size`` is how many notifications one transaction covers when
    catching up (small, for short transactions beside a running app), and
    ``rebuild_batch_size`` when rebuilding (large, for throughput). The
    projector keeps nothing between batches: each event becomes row
    operations that need no reads (see :mod:`familiekoordinering.views.fold`),
    so memory stays flat however long the log.
    """

    def __init__(
        self,
        ports: StoragePorts,
        store: ViewStore,
        *,
        payload: Payload,
        reopen: Callable[[], LogSource] | None = None,
        batch_size: int = 5000,
        rebuild_batch_size: int = 20_000,
    ):
        if batch_size < 1 or rebuild_batch_size < 1:
            raise ValueError("batch sizes must be at least 1")
        self.log = LogSource(ports, payload, reopen)
        self.store = store
        self.batch_size = batch_size
        self.rebuild_batch_size = rebuild_batch_size

    # ---------------------------------------------------------------- status

    def head(self) -> int:
        """The newest notification id in the store's log (0 when empty)."""
        return self.log.ports.max_notification_id()

    def status(self) -> ViewStatus:
        """The active generation, its position and the log's head."""
        generation = self.store.active_generation()
        return ViewStatus(generation, self.store.position(generation), self.head())

    # ------------------------------------------------------------ processing

    def _ensure_active(self) -> int:
        # Processes starting together may each create a first generation; the
        # last to activate wins (activating drops the older ones), and one
        # whose generation was dropped before it was activated looks again.
        for _ in range(_RACES):
            generation = self.store.active_generation()
            if generation:
                return generation
            self.store.activate(self.store.new_generation())
        raise ViewConflictError(
            f"no view generation became active in {_RACES} attempts: other "
            "processes keep replacing it; try again"
        )

    def catch_up(self, *, progress: Progress | None = None) -> int:
        """Fold every new event into the active generation; return how many.

        When another process activates a newer generation meanwhile (its own
        first catch-up, or a rebuild), the catch-up goes on in that one.
        """
        generation = self._ensure_active()
        for _ in range(_RACES):
            try:
                return self._catch_up(generation, progress)
            except ViewConflictError:
                active = self.store.active_generation()
                if active in (0, generation):
                    raise
                _log.debug("views generation %d replaced by %d in another process; "
                           "going on there", generation, active)  # fmt: skip
                generation = active
        return self._catch_up(generation, progress)

    def _catch_up(
        self, generation: int, progress: Progress | None, batch_size: int | None = None
    ) -> int:
        done = 0
        while True:
            count = self._batch(generation, batch_size or self.batch_size)
            if count < 0:
                continue  # another worker folded this batch: go on from there
            done += count
            if progress is not None and count:
                progress(self.store.position(generation), self.head())
            if count == 0:
                if done:
                    position, head = self.store.position(generation), self.head()
                    _log.info("views generation %d folded %d notifications, now at "
                              "%d of %d (%d behind)", generation, done, position,
                              head, max(head - position, 0))  # fmt: skip
                return done

    def _batch(self, generation: int, batch_size: int) -> int:
        """Process one batch into ``generation``; return how many notifications.

        Returns -1 when another worker (a process answering a query with
        catch_up, or a projection worker) committed this batch first: the
        caller goes on from where that one got to. Any other conflict (the
        generation is gone) raises :class:`ViewConflictError`.
        """
        expected = self.store.position(generation)
        rows = self._read(expected + 1, batch_size)
        if not rows:
            return 0
        ops = fold_rows(self.log.payload, rows)
        try:
            self.store.commit(generation, expected, rows[-1][0], ops)
        except ViewConflictError:
            try:
                moved_on = self.store.position(generation) > expected
            except FamiliekoordineringError:
                moved_on = False
            if not moved_on:
                raise
            _log.debug("views generation %d: batch after %d folded by another "
                       "worker; going on", generation, expected)  # fmt: skip
            return -1
        return len(rows)

    def _read(self, start: int, limit: int) -> Sequence[NotificationRow]:
        """Notifications from ``start`` as plain rows, through the store's ports."""
        return self.log.ports.select_notification_rows(start, limit)

    def run(self, *, until: Callable[[], bool], poll_interval: float = 0.5) -> int:
        """Keep catching up until ``until()`` returns True; return how many.

        When there is nothing new it waits: on a store that pushes (PostgreSQL's
        LISTEN/NOTIFY, through the store ports' ``listener()``) until
        an event is saved, at most ``poll_interval`` seconds; elsewhere it
        sleeps ``poll_interval`` seconds. Only the worker holding the store's
        worker lock (:meth:`ViewStore.worker_lock`) folds; on a store that
        elects one worker (PostgreSQL) the others wait, and one takes over when
        it stops or dies; elsewhere every worker holds it (exactly-once does
        not depend on it: commits check positions).
        """
        holding = False
        listener = self.log.ports.listener()
        done = 0
        try:
            while not until():
                if not holding:
                    holding = self.store.worker_lock()
                    if not holding:
                        time.sleep(poll_interval)
                        continue
                count = self.catch_up()
                done += count
                if count == 0:
                    self._idle(listener, poll_interval, until)
        finally:
            if listener is not None:
                listener.close()
        return done

    @staticmethod
    def _idle(
        listener: Listener | None, seconds: float, until: Callable[[], bool]
    ) -> None:
        """Wait up to ``seconds`` for news, looking at ``until`` at least every second."""
        deadline = time.monotonic() + seconds
        while not until():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if listener is None:
                time.sleep(min(left, 1.0))
            elif listener.wait(min(left, 1.0)):
                return

    def rebuild(self, *, progress: Progress | None = None) -> int:
        """Build the views from zero in a new generation, then switch to it.

        Queries keep reading the current generation until the new one has
        caught up with the log; the switch itself is one step. Returns how
        many notifications were folded in.
        """
        generation = self.store.new_generation()
        _log.info("views rebuild started in generation %d (the log is at %d)",
                  generation, self.head())  # fmt: skip
        # A store may fill a generation faster by itself (the SQLite store folds
        # in a second process while it writes); the rest is caught up below.
        if isinstance(self.store, FillsInParallel):
            done = self.store.fill_in_parallel(
                self.log, generation, self.rebuild_batch_size, progress
            )
        else:
            done = self._catch_up(generation, progress, self.rebuild_batch_size)
        # Events written during the rebuild: one more round, then switch.
        done += self._catch_up(generation, progress, self.rebuild_batch_size)
        self.store.activate(generation)
        _log.info("views rebuild: generation %d active, %d notifications folded",
                  generation, done)  # fmt: skip
        return done

    def wait(
        self, position: int, *, timeout: float = 5.0, interval: float = 0.05
    ) -> None:
        """Block until the active views have folded in ``position`` (read your writes).

        Raises :class:`ViewsBehindError` when ``timeout`` seconds pass first.
        """
        deadline = time.monotonic() + timeout
        while True:
            generation = self.store.active_generation()
            if generation and self.store.position(generation) >= position:
                return
            if time.monotonic() >= deadline:
                _log.warning("views behind: at %d, waited %g s for %d",
                             self.store.position(generation), timeout, position)  # fmt: skip
                raise ViewsBehindError(
                    f"the views are at {self.store.position(generation)}, not yet at "
                    f"{position}, after {timeout} s: is a projection worker running? "
                    "('familiekoordinering projections run')"
                )
            time.sleep(interval)


def fold_rows(
    payload: Payload,
    rows: Sequence[NotificationRow],
) -> list[Operation]:
    """The row operations of a batch of notifications (``payload`` decodes one).

    The store's ledger, the inquiries (:mod:`familiekoordinering.domain.inquiry`)
    and the coordinators' caseloads (:mod:`familiekoordinering.domain.caseload`)
    are no family's: their events are passed over by their topics, undecoded.
    Raises :class:`UnreadableEventError`, naming the family and the position,
    for any event that cannot be folded: nothing is skipped silently.
    """
    ops: list[Operation] = []
    for notification_id, family_id, version, topic, state in rows:
        if topic.startswith(LEDGER_TOPIC):
            continue  # the store's own ledger, not a family's event
        if topic.startswith(INQUIRY_TOPIC):
            continue  # an inquiry's (domain.inquiry): no family's views hold it
        if topic.startswith(CASELOAD_TOPIC):
            continue  # a coordinator's caseload (domain.caseload): ids and counts
        try:
            ops += operations(
                family_id, topic, payload(topic, state, family_id, version)
            )
        except Exception as e:  # any failure is named, never skipped
            raise UnreadableEventError(
                f"cannot fold event {version} of family {family_id} "
                f"(notification {notification_id}, topic {topic!r}) into the views: "
                f"{e}. Nothing of this batch was committed"
            ) from e
    return ops
