"""Keeping the views up to date: catch up in batches, rebuild beside, wait.

The projector pulls the application's notification log in batches (woken by
PostgreSQL's LISTEN/NOTIFY, polling SQLite), folds each batch's events into the
families' documents, and commits the changed documents with the batch's last
position in one transaction of the view store. A crash anywhere leaves either
the whole batch or none of it; the next run starts after the last committed
position, so nothing is lost and nothing counted twice. A stored event the
views cannot read stops the projector with an error naming the family and the
position: nothing is skipped silently.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from familiekoordinering.errors import FamiliekoordineringError
from familiekoordinering.integrity.ledger import LEDGER_TOPIC
from familiekoordinering.views.fold import Operation, operations
from familiekoordinering.views.store import ViewStore

if TYPE_CHECKING:
    from familiekoordinering.engine import Engine
    from familiekoordinering.ports import Listener

__all__ = [
    "NotificationRow",
    "Progress",
    "UnreadableEventError",
    "ViewProjector",
    "ViewStatus",
    "ViewsBehindError",
    "fold_rows",
]

NotificationRow = tuple[int, str, int, str, bytes]
"""A notification as the projector reads it: id, family id, version, topic, state."""

Progress = Callable[[int, int], None]
"""Called after each batch with (position reached, head of the log)."""


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
    """Folds an application's events into a view store, exactly once.

    ``batch_size`` is how many notifications one transaction covers when
    catching up (small, for short transactions beside a running app), and
    ``rebuild_batch_size`` when rebuilding (large, for throughput). The
    projector keeps nothing between batches: each event becomes row
    operations that need no reads (see :mod:`familiekoordinering.views.fold`),
    so memory stays flat however long the log.
    """

    def __init__(
        self,
        app: Engine,
        store: ViewStore,
        *,
        batch_size: int = 5000,
        rebuild_batch_size: int = 20_000,
    ):
        if batch_size < 1 or rebuild_batch_size < 1:
            raise ValueError("batch sizes must be at least 1")
        self.app = app
        self.store = store
        self.batch_size = batch_size
        self.rebuild_batch_size = rebuild_batch_size

    # ---------------------------------------------------------------- status

    def head(self) -> int:
        """The newest notification id in the application's log (0 when empty)."""
        return self.app.recorder.max_notification_id() or 0

    def status(self) -> ViewStatus:
        """The active generation, its position and the log's head."""
        generation = self.store.active_generation()
        return ViewStatus(generation, self.store.position(generation), self.head())

    # ------------------------------------------------------------ processing

    def _ensure_active(self) -> int:
        generation = self.store.active_generation()
        if generation == 0:
            generation = self.store.new_generation()
            self.store.activate(generation)
        return generation

    def catch_up(self, *, progress: Progress | None = None) -> int:
        """Fold every new event into the active generation; return how many."""
        return self._catch_up(self._ensure_active(), progress)

    def _catch_up(
        self, generation: int, progress: Progress | None, batch_size: int | None = None
    ) -> int:
        done = 0
        while True:
            count = self._batch(generation, batch_size or self.batch_size)
            done += count
            if progress is not None and count:
                progress(self.store.position(generation), self.head())
            if count == 0:
                return done

    def _batch(self, generation: int, batch_size: int) -> int:
        """Process one batch into ``generation``; return how many notifications."""
        expected = self.store.position(generation)
        rows = self._read(expected + 1, batch_size)
        if not rows:
            return 0
        ops = fold_rows(self.app.mapper.view_payload, rows)  # type: ignore[attr-defined]
        self.store.commit(generation, expected, rows[-1][0], ops)
        return len(rows)

    def _read(self, start: int, limit: int) -> Sequence[NotificationRow]:
        """Notifications from ``start`` as plain rows, through the store's ports."""
        return self.app.ports.select_notification_rows(start, limit)

    def run(self, *, until: Callable[[], bool], poll_interval: float = 0.5) -> int:
        """Keep catching up until ``until()`` returns True; return how many.

        When there is nothing new it waits: on a store that pushes (PostgreSQL's
        LISTEN/NOTIFY, through the store ports' ``listener()``) until
        an event is saved, at most ``poll_interval`` seconds; elsewhere it
        sleeps ``poll_interval`` seconds. When the store can elect one worker
        (``worker_lock``, PostgreSQL), only the worker holding the lock folds;
        the others wait and one takes over when it stops or dies
        (exactly-once does not depend on it: commits check positions).
        """
        lock = getattr(self.store, "worker_lock", None)
        holding = not callable(lock)
        listener = self.app.ports.listener()
        done = 0
        try:
            while not until():
                if not holding:
                    holding = bool(lock())  # type: ignore[misc]
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
        # A store may fill a generation faster by itself (the SQLite store folds
        # in a second process while it writes); the rest is caught up below.
        fill = getattr(self.store, "fill_in_parallel", None)
        done = (
            fill(self.app, generation, self.rebuild_batch_size, progress)
            if callable(fill)
            else self._catch_up(generation, progress, self.rebuild_batch_size)
        )
        # Events written during the rebuild: one more round, then switch.
        done += self._catch_up(generation, progress, self.rebuild_batch_size)
        self.store.activate(generation)
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
                raise ViewsBehindError(
                    f"the views are at {self.store.position(generation)}, not yet at "
                    f"{position}, after {timeout} s: is a projection worker running? "
                    "('familiekoordinering projections run')"
                )
            time.sleep(interval)


def fold_rows(
    payload: Callable[[str, bytes, str, int], dict[str, Any]],
    rows: Sequence[NotificationRow],
) -> list[Operation]:
    """The row operations of a batch of notifications (``payload`` decodes one).

    Raises :class:`UnreadableEventError`, naming the family and the position,
    for any event that cannot be folded: nothing is skipped silently.
    """
    ops: list[Operation] = []
    for notification_id, family_id, version, topic, state in rows:
        if topic.startswith(LEDGER_TOPIC):
            continue  # the store's own ledger, not a family's event
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
