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
"""

from __future__ import annotations

import base64
import json
import pickle
import subprocess
import sys
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from familiekoordinering.views.projector import UnreadableEventError, fold_rows

if TYPE_CHECKING:
    from familiekoordinering.engine import Engine
    from familiekoordinering_sqlite.views import SQLiteViewStore

__all__ = ["fill_in_parallel"]

_SKIP = {"PERSISTENCE_MODULE", "SQLITE_DBNAME"}


def _fold_process(arguments: dict[str, Any], out: IO[bytes]) -> None:
    """The second process: read, fold and prepare batches; pickle them to ``out``."""
    from familiekoordinering.engine import Engine
    from familiekoordinering_sqlite.views import SQLiteViewStore

    try:
        path = arguments["path"]
        master_key = arguments["master_key"]
        app = Engine(
            path,
            snapshot_interval=None,
            cache_size=0,
            settings=arguments["settings"],
            master_key=base64.b64decode(master_key) if master_key else None,
        )
        store = SQLiteViewStore(path)
        read = app.factory.select_notification_rows  # type: ignore[attr-defined]
        payload = app.mapper.view_payload  # type: ignore[attr-defined]
        start, generation = arguments["start"], arguments["generation"]
        while True:
            rows = read(start, arguments["batch_size"])
            if not rows:
                pickle.dump(None, out)
                return
            statements = store.prepare(generation, fold_rows(payload, rows))
            pickle.dump((rows[-1][0], len(rows), statements), out, protocol=5)
            out.flush()
            start = rows[-1][0] + 1
    except Exception as e:  # reported to the writing process, which raises it
        pickle.dump(("error", f"{type(e).__name__}: {e}"), out)
    finally:
        out.flush()


def fill_in_parallel(
    store: SQLiteViewStore,
    app: Engine,
    generation: int,
    batch_size: int,
    progress: Callable[[int, int], None] | None,
) -> int:
    """Fold the log into ``generation`` with a second process; return how many events."""
    expected = store.position(generation)
    arguments = {
        "path": store.path,
        "settings": {k: v for k, v in app.env.items() if k not in _SKIP},
        "master_key": (
            base64.b64encode(app.master_key).decode() if app.master_key else None
        ),
        "generation": generation,
        "start": expected + 1,
        "batch_size": batch_size,
    }
    worker = subprocess.Popen(
        [sys.executable, "-I", "-m", "familiekoordinering_sqlite.parallel"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    if worker.stdin is None or worker.stdout is None:  # pragma: no cover (PIPE given)
        raise RuntimeError("the folding process has no pipes")
    # Settings may hold keys: they go through the pipe, never the command line.
    worker.stdin.write(json.dumps(arguments).encode())
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
                progress(position, app.recorder.max_notification_id() or 0)
    finally:
        worker.stdout.close()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


if __name__ == "__main__":
    _fold_process(json.loads(sys.stdin.read()), sys.stdout.buffer)
