"""Tamper evidence: chained events and access log, checkpoints, verification.

See :mod:`familiekoordinering.integrity.chain` for the construction.
"""

from __future__ import annotations

from familiekoordinering.integrity.breaks import Break, BreakKind, Ledger
from familiekoordinering.integrity.chain import (
    GENESIS,
    Chained,
    ChainKey,
    chain_key,
    split_chained,
)
from familiekoordinering.integrity.store import (
    ChainedEventStore,
    ChainedSnapshotStore,
    Heads,
)

__all__ = [
    "GENESIS",
    "Break",
    "BreakKind",
    "ChainKey",
    "Chained",
    "ChainedEventStore",
    "ChainedSnapshotStore",
    "Heads",
    "Ledger",
    "chain_key",
    "split_chained",
]
