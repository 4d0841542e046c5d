#!/usr/bin/env bash
# The reference app, with one command: bash examples/reference_app/run.sh
#
# Sets up the virtual environment if it lacks the app's packages, seeds a demo
# store with its master key (once, in $REFERENCE_APP_DATA), creates the store's
# tables, starts the projection worker (familiekoordinering projections run)
# and the web workers (uvicorn) beside it, and prints the address. Ctrl-C (or
# SIGTERM) stops them all.
#
#   REFERENCE_APP_DATA     where the store, its key and the directory live
#                          (default: ~/.local/state/familiekoordinering-reference-app)
#   REFERENCE_APP_HOST     default 127.0.0.1
#   REFERENCE_APP_PORT     default 8000
#   REFERENCE_APP_WORKERS  web worker processes, default 2
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"

if ! .venv/bin/python -c 'import fastapi, uvicorn, multipart, itsdangerous, jinja2' 2>/dev/null; then
    echo "run.sh: setting up the virtual environment (scripts/setup.sh --dev)" >&2
    bash scripts/setup.sh --dev
fi

DATA=${REFERENCE_APP_DATA:-${XDG_STATE_HOME:-$HOME/.local/state}/familiekoordinering-reference-app}
HOST=${REFERENCE_APP_HOST:-127.0.0.1}
PORT=${REFERENCE_APP_PORT:-8000}
WORKERS=${REFERENCE_APP_WORKERS:-2}

export PYTHONPATH="$ROOT/examples${PYTHONPATH:+:$PYTHONPATH}"
# The same variables the library's command line reads: the store and the file
# that holds its master key (in production: put there by the secrets manager).
export FAMILIEKOORDINERING_STORE="$DATA/store.db"
export FAMILIEKOORDINERING_MASTER_KEY_FILE="$DATA/master.key"
export REFERENCE_APP_DIRECTORY="$DATA/directory.json"
export REFERENCE_APP_SESSION_KEY_FILE="$DATA/session.key"

.venv/bin/python -m reference_app.seed "$DATA"
# Create (or bring up to date) the store's tables once, before several processes open it.
.venv/bin/familiekoordinering migrate

# The projection worker: a process of its own beside the web workers.
.venv/bin/familiekoordinering projections run --poll 0.2 &
worker=$!
web=
stop() {
    kill -TERM $worker $web 2>/dev/null || true
    wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "The reference app: http://$HOST:$PORT/  (Ctrl-C stops it)"
# The web workers: each process opens its own FamilyCoordination (see web.py).
.venv/bin/python -m uvicorn --factory reference_app.web:create_app \
    --host "$HOST" --port "$PORT" --workers "$WORKERS" --no-server-header &
web=$!
wait "$web"
