"""The tests' hypothesis strategies: the library's own, shipped in
:mod:`familiekoordinering.testing.strategies`, under the names the tests use.

Add new strategies there (documented, for apps too); this module only re-exports
them, and keeps the few that concern the library's own test kit.
"""

from __future__ import annotations

from hypothesis import strategies as st

from familiekoordinering import Programme
from familiekoordinering.testing.strategies import *  # noqa: F403
from familiekoordinering.testing.strategies import (
    consent_histories,
    family_histories,
    family_members,
    strategy_for,
)
from familiekoordinering.testing.views import row_operations

_strategy_for = strategy_for
"""The tests' older name for :func:`strategy_for`."""
consent_worlds = consent_histories
"""The tests' older name for :func:`consent_histories`."""
families_of_members = family_members
"""The tests' older name for :func:`family_members`."""

mixed_histories = family_histories(Programme.nye_monstre())
"""Whole, realistic family histories (unsaved) under Nye mønstre, of 20 to 160 events."""

view_operation_lists = st.lists(row_operations(), max_size=30)
"""Row operations on a few rows, as a batch (the strategy ships with the contract)."""
