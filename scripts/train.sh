#!/usr/bin/env bash
# Train only when the training data, domain or config changed: Rasa compares fingerprints with
# the newest model in models/ and reuses it when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
. scripts/lib.sh
start=$(date +%s)
rasa_quiet train --data data --domain domain.yml --config config.yml --out "$RASA_MODEL_DIR"
echo "[train] done in $(( $(date +%s) - start ))s; model: $(ls -t "$RASA_MODEL_DIR"/*.tar.gz | head -n 1)"
