#!/usr/bin/env bash
# Set everything up and run the whole test suite: lint, types and the tests
# (which also build the docs with warnings as errors, and run every benchmark
# at a tiny size: tests/test_bench.py; the figures come from bench/run.py).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev

echo "== ruff"
.venv/bin/ruff check src adapters tests bench docs examples conftest.py
.venv/bin/ruff format --check src adapters tests bench docs examples conftest.py
echo "== mypy --strict"
.venv/bin/mypy
export HYPOTHESIS_PROFILE=${HYPOTHESIS_PROFILE:-ci}
echo "== pytest: the domain and application tiers, with no PostgreSQL driver importable"
mapfile -t lower < <(grep -l -E '^pytestmark = pytest\.mark\.(domain|application)$' \
  tests/test_*.py adapters/*/tests/test_*.py)
.venv/bin/python tests/run_without_psycopg.py -q -p no:cacheprovider -m "not postgres" "${lower[@]}"
echo "== pytest: the rest: PostgreSQL, contracts, slow (also builds the docs with warnings as errors)"
.venv/bin/python -m pytest -q -p no:cacheprovider -m "not ((domain or application) and not postgres)"
