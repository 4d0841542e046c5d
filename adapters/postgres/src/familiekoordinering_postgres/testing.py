"""Helpers for testing the PostgreSQL adapter: what a database's files hold.

With :class:`~familiekoordinering.testing.postgres.ThrowawayPostgres`, whose
data directory the tests can read, :func:`relation_files` gathers the bytes
that a byte scan looks through (for a name that an erasure must have removed).
"""

from __future__ import annotations

from pathlib import Path

import psycopg

__all__ = ["relation_files"]


def relation_files(url: str, data: Path) -> bytes:
    """The bytes of every table, index and TOAST file of a database, for byte scans.

    ``data`` is the cluster's data directory. Gathers statistics first, as
    autovacuum would at any moment (a sample of a column lands in
    ``pg_statistic``, which is scanned too), then checkpoints, so that what the
    server holds is in the files.
    """
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")
        conn.execute("CHECKPOINT")
        paths = [
            row[0]
            for row in conn.execute(
                "SELECT pg_relation_filepath(oid) FROM pg_class "
                "WHERE pg_relation_filepath(oid) IS NOT NULL"
            )
        ]
    raw = bytearray()
    for relative in paths:
        # The relation's own files only (segments .1, .2 … and the _fsm, _vm,
        # _init forks), not those of another relation whose number merely
        # starts with the same digits.
        main = data / relative
        for segment in sorted(main.parent.glob(main.name + "*")):
            suffix = segment.name[len(main.name) :]
            if segment.is_file() and suffix[:1] in ("", ".", "_"):
                raw += segment.read_bytes()
    return bytes(raw)
