#!/usr/bin/env bash
# `make test`: everything a change must pass, in order from fastest to slowest.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
. scripts/lib.sh
mkdir -p results
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "static checks: ruff (lint, format) and mypy --strict on actions, llm, rag, channels, tracker_store and nlu"
bash scripts/static_checks.sh

step "backend: pytest-django on a real database"
(cd backend && ../.venv/bin/pytest -q -p no:cacheprovider)

step "NLU menu data is generated from the backend's menu"
(cd backend && ../.venv/bin/python manage.py migrate -v0 && WEBHOOK_URLS= ../.venv/bin/python manage.py load_demo >/dev/null)
.venv/bin/python scripts/generate_nlu_menu.py

step "rasa data validate"
# --fail-on-warnings fails on conflicts, undeclared intents and duplicated examples; Rasa 3.6 only prints
# unused intents and responses, so any warning not explained in scripts/rasa_validate_known_warnings.txt
# fails here.
validate_log=$(mktemp)
rasa_quiet data validate --data data --domain domain.yml --config config.yml --fail-on-warnings | tee "$validate_log"
unexplained=$(grep -o 'UserWarning: .*' "$validate_log" | sed 's/^UserWarning: //' |
  grep -vxF -f <(grep -v -e '^#' -e '^$' scripts/rasa_validate_known_warnings.txt) || true)
rm -f "$validate_log"
if [ -n "$unexplained" ]; then
  printf 'rasa data validate warned (fix it, or explain it in scripts/rasa_validate_known_warnings.txt):\n%s\n' "$unexplained" >&2
  exit 1
fi

step "train (only if data, domain or config changed)"
bash scripts/train.sh

step "conversation tests (rasa test on tests/conversations)"
rasa_quiet test core --stories tests/conversations --model "$RASA_MODEL_DIR" --out results/conversations \
  --fail-on-prediction-errors

step "NLU evaluation: held-out split of the training data"
split_dir=$(mktemp -d)
rasa_quiet data split nlu --nlu data/nlu --training-fraction 0.8 --random-seed 42 --out "$split_dir" >/dev/null
rasa_quiet train nlu --nlu "$split_dir/training_data.yml" --config config.yml --out "$split_dir/models" \
  --fixed-model-name heldout >/dev/null
rasa_quiet test nlu --nlu "$split_dir/test_data.yml" --model "$split_dir/models/heldout.tar.gz" \
  --out results/nlu-heldout >/dev/null
rm -rf "$split_dir"

step "NLU evaluation: messages written apart from the training data (tests/nlu)"
rasa_quiet test nlu --nlu tests/nlu/unseen_messages.yml --model "$RASA_MODEL_DIR" --out results/nlu-unseen >/dev/null
.venv/bin/python scripts/nlu_report.py results/nlu-heldout results/nlu-unseen | tee results/nlu-summary.md

step "NLU on messages written by people outside the project (NLU_DEV_DIR; a benchmark, not pass/fail)"
# Evaluation only: the set is never trained on (see its README). Absent on machines without it.
if [ -f "$NLU_DEV_DIR/run.py" ]; then
  python3 "$NLU_DEV_DIR/run.py" --project . --json results/nlu-dev.json | tee results/nlu-dev.txt || true
  [ -f results/nlu-dev.json ] && .venv/bin/python scripts/nlu_calibration.py results/nlu-dev.json | tee -a results/nlu-dev.txt
else
  echo "skipped: no outside NLU set at $NLU_DEV_DIR"
fi

step "pytest: actions, and the live stack end to end (backend + action server + Rasa)"
bash scripts/install_browser.sh  # headless chromium + chromedriver for tests/browser, tmux for tests/terminal (apt)
bash scripts/prod.sh install     # PostgreSQL, Redis, nginx (apt): tests/channels use a real Redis
.venv/bin/pytest -q -p no:cacheprovider tests

step "production topology (scripts/prod.sh): the backend's cart, order and payment tests on PostgreSQL's real row locks"
prod_dir=$(mktemp -d /tmp/restaurant-prod-XXXXXX)
chmod 755 "$prod_dir"  # PostgreSQL runs as its own user, which must enter it
prod() { PROD_DIR="$prod_dir" PROD_PG_PORT=55433 PROD_REDIS_PORT=56380 bash "$PWD/scripts/prod.sh" "$@"; }
trap 'prod stop >/dev/null 2>&1 || true; rm -rf "$prod_dir"' EXIT
prod infra
# where select_for_update guards money and stock (apps/ordering, apps/payments): real on PostgreSQL only
prod_database_url=$(prod env | sed -n 's/^DATABASE_URL=//p')
(cd backend && DATABASE_URL="$prod_database_url" ../.venv/bin/pytest -q -p no:cacheprovider \
  tests/test_carts.py tests/test_orders.py tests/test_payments.py tests/test_trust_hardening.py tests/test_flooding.py \
  tests/test_reorder.py)
prod stop
rm -rf "$prod_dir"

step "production topology: the end-to-end suite on PostgreSQL, Redis, nginx and two Rasa servers"
E2E_TOPOLOGY=prod .venv/bin/pytest -q -p no:cacheprovider tests/e2e tests/prod
