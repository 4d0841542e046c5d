"""The baseline: a bare eventsourcing application and aggregate.

Nothing here uses familiekoordinering's mapper, transcoder or domain: events
carry plain ``str``/``int``/``dict``/``list`` values that eventsourcing's default
``JSONTranscoder`` writes as they are, and the aggregate keeps each payload in a
list, so its state (and its snapshots) grow with its history as a family's do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.utils import Environment, EnvType, get_topic

from familiekoordinering import FamilyCoordination
from familiekoordinering.store import store_settings

__all__ = ["BareApp", "Case", "open_bare_app"]


class Case(Aggregate):
    """A bare aggregate that records plain payloads."""

    def __init__(self, kind: str, payload: dict[str, Any]) -> None:
        self.opened = {"kind": kind, **payload}
        self.records: list[dict[str, Any]] = []

    class Recorded(Aggregate.Event):
        """Something was recorded: its kind and its plain JSON payload."""

        kind: str
        payload: dict[str, Any]

        def apply(self, aggregate: Any) -> None:
            """Keep the payload."""
            aggregate.records.append({"kind": self.kind, **self.payload})

    def record(self, kind: str, payload: dict[str, Any]) -> None:
        """Record a payload."""
        self.trigger_event(self.Recorded, kind=kind, payload=payload)


RECORDED_TOPIC = get_topic(Case.Recorded)
"""The stored topic of :class:`Case.Recorded` events."""


class BareApp(Application[UUID]):
    """A plain eventsourcing application of :class:`Case` aggregates.

    Snapshots are taken at the same interval as :class:`FamilyCoordination`'s
    default, when the store enables them.
    """

    name = "BareApp"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {
        Case: FamilyCoordination.DEFAULT_SNAPSHOT_INTERVAL
    }

    # Like FamilyCoordination, take settings from the arguments only, so that
    # both applications run with exactly the same settings whatever os.environ holds.
    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Build the settings from the arguments only."""
        return Environment(name, dict(env or {}))


def open_bare_app(
    db_path: Path | str, *, snapshots: bool, cache: bool = False
) -> BareApp:
    """Open a :class:`BareApp` on the SQLite file ``db_path`` (or a ``postgresql://`` URL).

    A PostgreSQL URL gets the very settings ``FamilyCoordination`` derives from it,
    with eventsourcing's own PostgreSQL module.

    With ``cache``, the bare app keeps aggregates in eventsourcing's cache as
    ``FamilyCoordination`` does by default, in its fastest form: no copy on the
    way out (ours hands out a copy, cheaply, so that a refused command can never
    touch the cached family).
    """
    if str(db_path).startswith("postgresql://"):
        env = {
            **store_settings(str(db_path)),
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
        }
    else:
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(db_path),
        }
    env["IS_SNAPSHOTTING_ENABLED"] = "y" if snapshots else "n"
    if cache:
        env["AGGREGATE_CACHE_MAXSIZE"] = str(FamilyCoordination.DEFAULT_CACHE_SIZE)
        env["DEEPCOPY_FROM_AGGREGATE_CACHE"] = "n"
    return BareApp(env=env)
