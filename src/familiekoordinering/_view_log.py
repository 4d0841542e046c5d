"""Opening a store's log for the views anew, in a process of its own.

:class:`~familiekoordinering.FamilyCoordination` gives its views
``functools.partial(open_view_log, store, master_key, settings)`` as the
:class:`~familiekoordinering.views.projector.LogSource`'s ``reopen``: a view
store that folds in a second process (SQLite's rebuild) pickles it to that
process, which calls it to read and decode the log itself. The storage
adapters never see the application: they get the source this returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from familiekoordinering.engine import Engine
from familiekoordinering.serialisation import CattrsMapper
from familiekoordinering.views.projector import LogSource

__all__ = ["open_view_log"]


def open_view_log(
    store: str, master_key: bytes | None, settings: Mapping[str, str]
) -> LogSource:
    """The log of ``store`` as the views fold it, read through a new engine's ports.

    Opened as the application opened it (``settings``, ``master_key``), without
    snapshots or a cache: the engine only reads the log. The source's
    ``close`` closes the engine (which holds the ports' connections open
    until then).
    """
    engine = Engine(
        store,
        snapshot_interval=None,
        cache_size=0,
        settings=settings,
        master_key=master_key,
    )
    return LogSource(
        engine.ports,
        cast(CattrsMapper, engine.mapper).view_payload,
        close=engine.close,
    )
