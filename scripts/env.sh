# Defaults for every setting the scripts use; anything already in the environment wins.
# Documented in the README's configuration table. Source it: `. scripts/env.sh`.
export BACKEND_PORT="${BACKEND_PORT:-8000}"
export ACTIONS_PORT="${ACTIONS_PORT:-5055}"
export RASA_PORT="${RASA_PORT:-5005}"
export BIND_HOST="${BIND_HOST:-127.0.0.1}"
export BACKEND_URL="${BACKEND_URL:-http://127.0.0.1:${BACKEND_PORT}}"
export BACKEND_SERVICE_TOKEN="${BACKEND_SERVICE_TOKEN:-dev-service-token}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:${ACTIONS_PORT}/webhook}"
# Rasa sends it with every action call (endpoints.yml); the action server refuses /webhook without
# it. Dev value; set a real one.
export ACTION_SERVER_TOKEN="${ACTION_SERVER_TOKEN:-dev-action-server-token}"
export DATA_DIR="${DATA_DIR:-var}"
export TRACKER_DB="${TRACKER_DB:-${DATA_DIR}/tracker.db}"
export RASA_MODEL_DIR="${RASA_MODEL_DIR:-models}"
export RASA_TELEMETRY_ENABLED=false
# An NLU evaluation set written outside the project (make test prints its figures when present).
export NLU_DEV_DIR="${NLU_DEV_DIR:-../shared/nlu-dev}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export PYTHONUNBUFFERED=1
mkdir -p "$DATA_DIR"
export SANIC_HOST="${SANIC_HOST:-${BIND_HOST}}"  # the action server binds here
# The backend signs menu.updated with this secret and sends it to the action server, which keeps
# the retrieval index current. The dev value is the backend's own dev default; set a real one.
export WEBHOOK_SECRET="${WEBHOOK_SECRET:-whsec_ZGV2LXdlYmhvb2stc2VjcmV0LWNoYW5nZS1tZQ==}"
export WEBHOOK_URLS="${WEBHOOK_URLS:-http://127.0.0.1:${ACTIONS_PORT}/webhooks/menu-updated}"
export QDRANT_PATH="${QDRANT_PATH:-${DATA_DIR}/qdrant}"
# Sites whose pages may open the chat (socket.io origin check and CORS of the Rasa server).
export CHAT_ALLOWED_ORIGINS="${CHAT_ALLOWED_ORIGINS:-http://127.0.0.1:${BACKEND_PORT},http://localhost:${BACKEND_PORT}}"
# What the backend's chat page (/chat/) and widget tell the browser: where Rasa's socket.io is, and
# where LLM answers stream from (the action server's /stream/<message id>, server-sent events).
export CHAT_SOCKET_URL="${CHAT_SOCKET_URL:-http://127.0.0.1:${RASA_PORT}}"
export CHAT_STREAM_URL="${CHAT_STREAM_URL:-http://127.0.0.1:${ACTIONS_PORT}}"
# Accounts: the backend signs a logged-in guest's chat token with this key and Rasa's channels verify
# it (credentials.yml jwt_key). Rasa's HTTP API (the backend pushes order updates through its
# trigger_intent endpoint) needs RASA_AUTH_TOKEN. Dev values; set real ones.
export CHAT_JWT_SECRET="${CHAT_JWT_SECRET:-dev-chat-jwt-secret-change-me-0123456789}"
export RASA_AUTH_TOKEN="${RASA_AUTH_TOKEN:-dev-rasa-auth-token}"
export RASA_URL="${RASA_URL:-http://127.0.0.1:${RASA_PORT}}"
# Guests' messages: longer ones are answered by the channel and go no further (channels/limits.py);
# the Procfile caps the Rasa server's request bodies (SANIC_REQUEST_MAX_SIZE, that process only: the
# action server takes whole conversations).
export CHAT_MAX_MESSAGE_CHARS="${CHAT_MAX_MESSAGE_CHARS:-2000}"
export RASA_REQUEST_MAX_BYTES="${RASA_REQUEST_MAX_BYTES:-262144}"
