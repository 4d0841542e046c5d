"""Run pytest with the PostgreSQL driver unimportable: ``python tests/run_without_psycopg.py ARGS``.

The test command runs the domain and application tiers this way, to show they
need no PostgreSQL driver (``scripts/test.sh``); ``tests/test_tiers.py`` too.
"""

from __future__ import annotations

import sys
from pathlib import Path

# As `python -m pytest` would: the repository first on the path, not tests/
# (so that spawned worker processes find `tests.…` when they unpickle).
sys.path[0] = str(Path(__file__).resolve().parent.parent)
sys.modules["psycopg"] = None  # type: ignore[assignment]  # any import of it now fails

import pytest  # noqa: E402 - after the driver is made unimportable

if __name__ == "__main__":
    sys.exit(pytest.main(sys.argv[1:]))
