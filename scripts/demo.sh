#!/usr/bin/env bash
# Set everything up and run the demo on an embedded SQLite file (demo.db), then
# show the first family's whole timeline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rm -f demo.db demo.db-wal demo.db-shm
.venv/bin/familiekoordinering --store demo.db demo --seed 1 --families 3 --years 3
first=$(.venv/bin/familiekoordinering --store demo.db families | head -n 1 | cut -d' ' -f1)
echo
echo "\$ familiekoordinering --store demo.db timeline $first"
.venv/bin/familiekoordinering --store demo.db timeline "$first"
