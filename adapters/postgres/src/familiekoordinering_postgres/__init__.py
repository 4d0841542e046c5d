"""PostgreSQL storage for familiekoordinering, through eventsourcing's PostgreSQL recorders.

The module is a persistence module in eventsourcing's sense: the application
selects it with ``PERSISTENCE_MODULE=familiekoordinering_postgres`` (which
``FamilyCoordination("postgresql://…")`` does for you) and eventsourcing finds
:class:`Factory` in it. Events, snapshots and the read models
(:class:`PostgresViewStore`) live in the same database and schema.
"""

from __future__ import annotations

from eventsourcing import postgres as es_postgres
from eventsourcing.utils import Environment, EnvType
from psycopg.conninfo import make_conninfo

from familiekoordinering_postgres.views import PostgresViewStore

__all__ = ["Factory", "PostgresViewStore"]


class Factory(es_postgres.PostgresFactory):
    """eventsourcing's PostgreSQL factory, with the read models' store beside it."""

    def __init__(self, env: Environment | EnvType | None):
        super().__init__(env)
        get = self.env.get
        self._conninfo = make_conninfo(
            dbname=get(self.POSTGRES_DBNAME) or "",
            host=get(self.POSTGRES_HOST) or "",
            port=get(self.POSTGRES_PORT) or "5432",
            user=get(self.POSTGRES_USER) or "",
            password=get(self.POSTGRES_PASSWORD) or "",
        )
        self._schema = get(self.POSTGRES_SCHEMA) or "public"

    def view_store(self) -> PostgresViewStore:
        """The read models' store, in the same database and schema as the events."""
        return PostgresViewStore(self._conninfo, schema=self._schema)
