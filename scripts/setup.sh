#!/usr/bin/env bash
# Set up a virtual environment in .venv with the library, its SQLite adapter and
# (with --dev) the PostgreSQL adapter, the test, lint and docs tools, and
# PostgreSQL's server binaries for the tests. Works on a fresh Debian machine that
# has only Python 3.11+, pip and apt: if the venv module is missing, it installs
# Debian's python3-venv first.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "familiekoordinering needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version)" >&2
    exit 1
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -m venv .venv 2>/dev/null; then
        rm -rf .venv
        echo "setup: installing Debian's python3-venv" >&2
        as_root apt-get update -qq
        as_root apt-get install -y -qq python3-venv >/dev/null
        "$PYTHON" -m venv .venv
    fi
fi

.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade 'pip>=25.1'
if [ "${1:-}" = "--dev" ]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check \
        -e '.[sqlite,postgres]' -e adapters/sqlite -e 'adapters/postgres[binary]' --group dev
    # The tests start a throwaway PostgreSQL server of their own: they need the
    # server's binaries (Debian's postgresql package), not a running service.
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
        echo "setup: installing Debian's postgresql (server binaries for the tests)" >&2
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    # The family report and the reference app are tested in a real headless
    # browser (Debian's chromium; Playwright drives it, with no browser of its own).
    if ! command -v chromium >/dev/null; then
        echo "setup: installing Debian's chromium (the browser tests)" >&2
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
else
    .venv/bin/python -m pip install -q --disable-pip-version-check \
        -e '.[sqlite]' -e adapters/sqlite
fi
