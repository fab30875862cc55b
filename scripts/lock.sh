#!/usr/bin/env bash
# `make lock`: compiles requirements/app.lock, every package of the app environment (.venv) pinned,
# from requirements/app-lock.in with pip-tools under Python 3.11. Pins already in the lock are kept
# (the lock is what CI tested); to move some: `make lock UPGRADE="numpy scipy"`, all: `UPGRADE=all`.
# pip-tools runs in its own environment, .venv-lock, never in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/find_python.sh

PIP_TOOLS=pip-tools==7.6.2
TOOL_VENV=.venv-lock

log() { printf '\033[1m[lock]\033[0m %s\n' "$*"; }

quiet() {  # $1 = what failed, rest = command; hides the noise of this machine's local indexes
  local what="$1" output; shift
  if ! output=$("$@" 2>&1); then
    printf '%s\n' "$output" | grep -v -e "^WARNING: Location" >&2 || true
    echo "$what" >&2
    exit 1
  fi
  printf '%s\n' "$output" | grep -v -e "^WARNING: Location" -e '^\s*$' || true
}

if [ "$(cat "$TOOL_VENV/.tool" 2>/dev/null)" != "$PIP_TOOLS" ]; then
  APP_PY=$(find_python 3.11 APP_PYTHON) || {
    echo "The lock is compiled with the app's Python, 3.11; none was found. Set APP_PYTHON=/path/to/python3.11." >&2
    exit 1
  }
  log "creating $TOOL_VENV ($PIP_TOOLS) with $APP_PY"
  rm -rf "$TOOL_VENV"
  "$APP_PY" -m venv "$TOOL_VENV"
  quiet "$PIP_TOOLS failed to install" "$TOOL_VENV/bin/pip" install --quiet --disable-pip-version-check "$PIP_TOOLS"
  echo "$PIP_TOOLS" > "$TOOL_VENV/.tool"
fi

upgrade=()
for name in ${UPGRADE:-}; do
  if [ "$name" = all ]; then upgrade+=(--upgrade); else upgrade+=(--upgrade-package "$name"); fi
done

# --strip-extras: the Docker image uses the lock as constraints (-c), which take no extras;
# --allow-unsafe: setuptools is pinned too (rasa-sdk needs it); no index or find-links options:
# they are this machine's (pip's own configuration), not the project's.
cd requirements
# the command the lock's header names
export CUSTOM_COMPILE_COMMAND="make lock  (scripts/lock.sh: pip-compile 7.6.2 of app-lock.in under Python 3.11; existing pins are kept)"
quiet "pip-compile failed" "../$TOOL_VENV/bin/pip-compile" --quiet \
  --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
  ${upgrade[@]+"${upgrade[@]}"} --output-file app.lock app-lock.in
log "requirements/app.lock: $(grep -cE '^[A-Za-z0-9]' app.lock) packages pinned; 'make setup' installs them"
