#!/usr/bin/env bash
# `make run`: start backend, action server and Rasa server (honcho, as `make serve` does), then
# talk to the assistant in this terminal (python -m terminal_chat, over the REST channel). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
. scripts/lib.sh

# honcho ignores SIGHUP (which would end it without stopping the services); a closed terminal
# reaches it as the TERM of stop_all below, which stops them all
(trap '' HUP; exec .venv/bin/honcho start -f Procfile) > "$DATA_DIR/services.log" 2>&1 &
honcho_pid=$!
stop_all() { kill -TERM "$honcho_pid" 2>/dev/null || true; wait "$honcho_pid" 2>/dev/null || true; }
trap stop_all EXIT INT TERM HUP

# a service that does not come up (bad configuration, a port in use) says why: the end of the log
up() { wait_for_url "$@" || { echo "[run] last lines of $DATA_DIR/services.log:" >&2; tail -n 15 "$DATA_DIR/services.log" >&2; exit 1; }; }
echo "[run] starting backend, action server and Rasa (logs: $DATA_DIR/services.log) ..."
up "http://127.0.0.1:${BACKEND_PORT}/api/menu/version/" 60 backend
up "http://127.0.0.1:${ACTIONS_PORT}/health" 60 "action server"
up "http://127.0.0.1:${RASA_PORT}/status?token=${RASA_AUTH_TOKEN}" 240 "Rasa server"
echo "[run] ready. Backend admin: http://127.0.0.1:${BACKEND_PORT}/admin/ · API docs: http://127.0.0.1:${BACKEND_PORT}/api/docs/"
echo "[run] type a message (e.g. \"two margheritas and a large coke\") or an option's number; Ctrl-D, /stop or Ctrl-C quits."
.venv/bin/python -m terminal_chat --url "http://127.0.0.1:${RASA_PORT}" --stream-url "$CHAT_STREAM_URL"
