#!/usr/bin/env bash
# Benchmarks print figures; they never pass or fail on time.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
.venv/bin/python -m bench.rest_latency "$@"
