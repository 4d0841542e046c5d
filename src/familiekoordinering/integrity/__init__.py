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
    is_chained,
    split_chained,
)
from familiekoordinering.integrity.checkpoint import Checkpoint, Fingerprint
from familiekoordinering.integrity.ledger import LEDGER_ID, StoreLedger
from familiekoordinering.integrity.store import (
    ChainedEventStore,
    ChainedSnapshotStore,
    Heads,
)

__all__ = [
    "GENESIS",
    "LEDGER_ID",
    "Break",
    "BreakKind",
    "ChainKey",
    "Chained",
    "ChainedEventStore",
    "ChainedSnapshotStore",
    "Checkpoint",
    "Fingerprint",
    "Heads",
    "Ledger",
    "StoreLedger",
    "chain_key",
    "is_chained",
    "split_chained",
]
