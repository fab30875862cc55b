#!/usr/bin/env bash
# One Rasa server of the production-like topology: supervisord's program `rasa` runs one per process
# number N (deploy/prod/supervisord.conf), on port PROD_RASA_FIRST_PORT + N. The settings come from
# scripts/prod.sh through supervisord's environment.
set -euo pipefail
cd "$(dirname "$0")/.."
port=$(( PROD_RASA_FIRST_PORT + ${1:?process number} ))
# request bodies capped for the Rasa servers only, as the Procfile does
export SANIC_REQUEST_MAX_SIZE="${RASA_REQUEST_MAX_BYTES:-262144}"
# shellcheck disable=SC2046 # one --cors argument per allowed site
exec .venv-rasa/bin/rasa run --interface 127.0.0.1 --port "$port" --model "$PROD_MODEL" \
  --endpoints deploy/prod/endpoints.yml --credentials credentials.yml --logging-config-file deploy/logging/rasa.yml \
  --cors $(.venv-rasa/bin/python -m service_common.values origins) --enable-api --auth-token "$RASA_AUTH_TOKEN"
