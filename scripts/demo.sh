#!/usr/bin/env bash
# Set everything up and run the demo on an embedded SQLite file (demo.db), then
# show the first family's whole timeline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rm -f demo.db demo.db-wal demo.db-shm demo.db.key
.venv/bin/familiekoordinering --store demo.db demo --seed 1 --families 3 --years 3
# Every reader names who they are: here, the demo's team lead.
export FAMILIEKOORDINERING_ACTOR=t-lead:team_lead:4204
first=$(.venv/bin/familiekoordinering --store demo.db families | head -n 1 | cut -d' ' -f1)
echo
echo "\$ familiekoordinering --store demo.db --actor t-lead:team_lead:4204 timeline $first"
.venv/bin/familiekoordinering --store demo.db timeline "$first"
