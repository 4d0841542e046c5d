#!/usr/bin/env bash
# Set everything up and run the whole test suite: lint, types, a quick benchmark
# run, and the tests (which also build the docs with warnings as errors).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev

echo "== ruff"
.venv/bin/ruff check src adapters tests bench docs conftest.py
.venv/bin/ruff format --check src adapters tests bench docs conftest.py
echo "== mypy --strict"
.venv/bin/mypy
echo "== benchmarks (quick: a smoke run; the figures are noisy at this size)"
.venv/bin/python bench/run.py --quick --json bench/results/ci.json
echo "== pytest (also builds the docs with warnings as errors)"
HYPOTHESIS_PROFILE=${HYPOTHESIS_PROFILE:-ci} .venv/bin/python -m pytest -q -p no:cacheprovider
