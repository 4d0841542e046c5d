"""Rebuilding the views with both cores: one process folds, the other writes.

A rebuild's time splits between Python (read notifications, decode payloads,
fold them into row operations, build SQL statements) and SQLite (run the
statements). A second Python process (``python -m familiekoordinering_sqlite.parallel``)
does the Python part for batch *n + 1* while this one commits batch *n*; the
batches come down a pipe, pickled. Each commit still carries its batch's
position and is refused if the position moved, so exactly-once holds as
before; the pipe holds about one batch, so memory stays flat. A plain child
process (not ``multiprocessing``) keeps this safe inside any app: nothing of the
parent is imported or forked. It runs in Python's isolated mode (``-I``): the
working directory is not on its path and ``PYTHON*`` variables and the user's
site directory are ignored, so that a module planted where the app runs is
never imported; it finds the installed packages as usual.

The second process opens the log itself with the log source's ``reopen``
(pickled to it: see :class:`~familiekoordinering.views.projector.LogSource`)
and builds the statements with
:class:`~familiekoordinering_sqlite.statements.Statements`; it opens no view
store. A source without ``reopen`` is folded in this process.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import IO, Any, Protocol

from familiekoordinering.views.projector import (
    LogSource,
    Progress,
    UnreadableEventError,
    fold_rows,
)
from familiekoordinering_sqlite.statements import Statement, Statements

__all__ = ["PreparedTarget", "fill_in_parallel"]


class PreparedTarget(Protocol):
    """Where prepared batches are committed: the SQLite view store."""

    def position(self, generation: int) -> int:
        """The last notification id folded into ``generation``."""
        ...

    def commit_prepared(
        self,
        generation: int,
        expected: int,
        position: int,
        statements: Sequence[Statement],
    ) -> None:
        """Run prepared statements and move the position, in one transaction."""
        ...


def _fold_process(given: IO[bytes], out: IO[bytes]) -> None:
    """The second process: read, fold and prepare batches; pickle them to ``out``.

    ``given`` holds, pickled, the log source's ``reopen``, the generation, the
    first notification id and the batch size.
    """
    try:
        reopen: Callable[[], LogSource]
        reopen, generation, start, batch_size = pickle.load(given)
        log = reopen()
        try:
            _send_batches(log, generation, start, batch_size, out)
        finally:
            if log.close is not None:
                log.close()
    except Exception as e:  # reported to the writing process, which raises it
        pickle.dump(("error", f"{type(e).__name__}: {e}"), out)
    finally:
        out.flush()


def _send_batches(
    log: LogSource, generation: int, start: int, batch_size: int, out: IO[bytes]
) -> None:
    """Read, fold and prepare the batches from ``start`` on; pickle each to ``out``.

    None follows the last batch.
    """
    statements = Statements()
    while rows := log.ports.select_notification_rows(start, batch_size):
        prepared = statements.prepare(generation, fold_rows(log.payload, rows))
        pickle.dump((rows[-1][0], len(rows), prepared), out, protocol=5)
        out.flush()
        start = rows[-1][0] + 1
    pickle.dump(None, out)


def _fill_here(
    store: PreparedTarget,
    log: LogSource,
    generation: int,
    batch_size: int,
    progress: Progress | None,
) -> int:
    """Fold the log into ``generation`` in this process; return how many events."""
    statements = Statements()
    expected = store.position(generation)
    done = 0
    while rows := log.ports.select_notification_rows(expected + 1, batch_size):
        prepared = statements.prepare(generation, fold_rows(log.payload, rows))
        store.commit_prepared(generation, expected, rows[-1][0], prepared)
        expected = rows[-1][0]
        done += len(rows)
        if progress is not None:
            progress(expected, log.ports.max_notification_id())
    return done


def fill_in_parallel(
    store: PreparedTarget,
    log: LogSource,
    generation: int,
    batch_size: int,
    progress: Progress | None,
) -> int:
    """Fold the log into ``generation`` with a second process; return how many events.

    In this process when ``log`` has no ``reopen``.
    """
    if log.reopen is None:
        return _fill_here(store, log, generation, batch_size, progress)
    expected = store.position(generation)
    worker = subprocess.Popen(
        [sys.executable, "-I", "-m", "familiekoordinering_sqlite.parallel"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    if worker.stdin is None or worker.stdout is None:  # pragma: no cover (PIPE given)
        raise RuntimeError("the folding process has no pipes")
    # The opener may hold keys: it goes through the pipe, never the command line.
    pickle.dump((log.reopen, generation, expected + 1, batch_size), worker.stdin)
    worker.stdin.close()
    done = 0
    try:
        while True:
            try:
                message: Any = pickle.load(worker.stdout)
            except EOFError:
                raise UnreadableEventError(
                    "the folding process ended without finishing; run the rebuild again"
                ) from None
            if message is None:
                return done
            if message[0] == "error":
                raise UnreadableEventError(message[1])
            position, count, statements = message
            store.commit_prepared(generation, expected, position, statements)
            expected = position
            done += count
            if progress is not None:
                progress(position, log.ports.max_notification_id())
    finally:
        worker.stdout.close()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


if __name__ == "__main__":
    _fold_process(sys.stdin.buffer, sys.stdout.buffer)
