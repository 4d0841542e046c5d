#!/usr/bin/env bash
# Set everything up and run the whole test suite: lint, types, tests (which also
# build the docs with warnings as errors) and a quick benchmark run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev

echo "== ruff"
.venv/bin/ruff check src adapters tests bench docs
.venv/bin/ruff format --check src adapters tests bench docs
echo "== mypy --strict"
.venv/bin/mypy
echo "== pytest"
HYPOTHESIS_PROFILE=${HYPOTHESIS_PROFILE:-ci} .venv/bin/python -m pytest -q -p no:cacheprovider
echo "== benchmarks (quick)"
.venv/bin/python bench/run.py --quick --json bench/results/ci.json
