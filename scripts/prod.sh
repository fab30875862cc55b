#!/usr/bin/env bash
# The production-like topology on this machine, from Debian's packages and the project's own files:
#   PostgreSQL 15 (backend and tracker store), Redis (Rasa's lock store, shared chat rate counters and
#   socket.io rooms, the backend's cache), PROD_RASA_SERVERS Rasa servers behind nginx (REST spread
#   across them, socket.io sticky), the backend under gunicorn, the action server; supervisord
#   (deploy/prod/supervisord.conf) restarts whichever dies.
#
#   scripts/prod.sh start     install what is missing, prepare the databases, start everything, wait
#   scripts/prod.sh stop      stop everything (the data stays in $PROD_DIR)
#   scripts/prod.sh status    supervisord's view of each process
#   scripts/prod.sh install   only install the Debian packages it needs (apt), if missing
#   scripts/prod.sh infra     only PostgreSQL and Redis, with the databases and tracker tables ready
#   scripts/prod.sh configure write nginx's configuration for PROD_RASA_SERVERS Rasa servers
#   scripts/prod.sh ctl ARGS  supervisorctl ARGS (e.g. `ctl restart rasa:*`)
#   scripts/prod.sh env       the settings the services get, one KEY=VALUE per line
#
# Settings (README configuration table): PROD_DIR, PROD_WEB_PORT, PROD_CHAT_PORT, PROD_BACKEND_PORT,
# PROD_ACTIONS_PORT, PROD_RASA_FIRST_PORT, PROD_RASA_SERVERS, PROD_PG_PORT, PROD_REDIS_PORT,
# PROD_PG_USER, PROD_PG_PASSWORD, PROD_BACKEND_WORKERS, PROD_MODEL.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

PROD_DIR=$(realpath -m "${PROD_DIR:-var/prod}")
PROD_WEB_PORT="${PROD_WEB_PORT:-8080}"            # nginx: the backend's site (admin, chat page, kitchen)
PROD_CHAT_PORT="${PROD_CHAT_PORT:-8081}"          # nginx: Rasa's REST and socket.io, the answer stream
PROD_BACKEND_PORT="${PROD_BACKEND_PORT:-8001}"    # gunicorn, loopback only
PROD_ACTIONS_PORT="${PROD_ACTIONS_PORT:-5056}"
PROD_RASA_FIRST_PORT="${PROD_RASA_FIRST_PORT:-5006}"
PROD_RASA_SERVERS="${PROD_RASA_SERVERS:-2}"
PROD_PG_PORT="${PROD_PG_PORT:-5433}"
PROD_REDIS_PORT="${PROD_REDIS_PORT:-6380}"
PROD_PG_USER="${PROD_PG_USER:-restaurant}"
PROD_PG_PASSWORD="${PROD_PG_PASSWORD:-dev-postgres-password}"  # dev value; set a real one
PROD_BACKEND_WORKERS="${PROD_BACKEND_WORKERS:-2}"
PROD_MODEL="${PROD_MODEL:-$PROD_DIR/models}"    # a model file, or a folder whose newest model is served
PROD_BACKEND_DB=restaurant
PROD_TRACKER_DB=restaurant_tracker
PROD_PG_HOST=127.0.0.1
PROD_REDIS_HOST=127.0.0.1
PROD_PG_DATA="$PROD_DIR/postgres"
PROD_PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ "$(id -u)" -eq 0 ]; then PROD_PG_OS_USER=postgres; else PROD_PG_OS_USER=$(id -un); fi

log() { printf '\033[1m[prod]\033[0m %s\n' "$*"; }

# The topology's own settings, and what every service is given from them (the rest comes from
# scripts/env.sh's defaults). export_settings sets both; `prod.sh env` prints both, so the tests and
# the load test start from the same wiring.
TOPOLOGY_SETTINGS=(PROD_REPO PROD_DIR PROD_WEB_PORT PROD_CHAT_PORT PROD_BACKEND_PORT PROD_ACTIONS_PORT
  PROD_RASA_FIRST_PORT PROD_RASA_SERVERS PROD_PG_PORT PROD_REDIS_PORT PROD_PG_USER PROD_PG_PASSWORD
  PROD_BACKEND_WORKERS PROD_MODEL PROD_BACKEND_DB PROD_TRACKER_DB PROD_PG_HOST PROD_REDIS_HOST PROD_PG_DATA
  PROD_PG_BIN PROD_PG_OS_USER)
SERVICE_SETTINGS=(DATA_DIR QDRANT_PATH LLM_SPEND_FILE BACKEND_PORT ACTIONS_PORT RASA_PORT BACKEND_URL
  ACTION_ENDPOINT_URL WEBHOOK_URLS RASA_URL CHAT_SOCKET_URL CHAT_STREAM_URL BACKEND_PUBLIC_URL
  CHAT_ALLOWED_ORIGINS DATABASE_URL TRACKER_DATABASE_URL CACHE_URL CHAT_REDIS_URL SANIC_PROXIES_COUNT
  AXES_BEHIND_PROXY TRACKER_DB)

export_settings() {
  PROD_REPO="$REPO"
  local web="http://127.0.0.1:$PROD_WEB_PORT" chat="http://127.0.0.1:$PROD_CHAT_PORT"
  local pg="postgresql://$PROD_PG_USER:$PROD_PG_PASSWORD@$PROD_PG_HOST:$PROD_PG_PORT"
  DATA_DIR="$PROD_DIR/data" QDRANT_PATH="$PROD_DIR/data/qdrant" LLM_SPEND_FILE="$PROD_DIR/data/llm_spend.json"
  BACKEND_PORT="$PROD_BACKEND_PORT" ACTIONS_PORT="$PROD_ACTIONS_PORT" RASA_PORT="$PROD_CHAT_PORT"
  BACKEND_URL="http://127.0.0.1:$PROD_BACKEND_PORT"
  ACTION_ENDPOINT_URL="http://127.0.0.1:$PROD_ACTIONS_PORT/webhook"
  WEBHOOK_URLS="http://127.0.0.1:$PROD_ACTIONS_PORT/webhooks/menu-updated"
  RASA_URL="$chat" CHAT_SOCKET_URL="$chat" CHAT_STREAM_URL="$chat" BACKEND_PUBLIC_URL="$web"
  CHAT_ALLOWED_ORIGINS="${PROD_CHAT_ALLOWED_ORIGINS:-$web,http://localhost:$PROD_WEB_PORT}"
  DATABASE_URL="$pg/$PROD_BACKEND_DB" TRACKER_DATABASE_URL="$pg/$PROD_TRACKER_DB"
  CACHE_URL="redis://$PROD_REDIS_HOST:$PROD_REDIS_PORT/0" CHAT_REDIS_URL="redis://$PROD_REDIS_HOST:$PROD_REDIS_PORT/2"
  # nginx is the one proxy in front: the guest's address is the one it appends to X-Forwarded-For
  SANIC_PROXIES_COUNT=1 AXES_BEHIND_PROXY=true
  TRACKER_DB="$PROD_DIR/data/unused-tracker.db"  # scripts/env.sh's SQLite default, not used here
  export "${TOPOLOGY_SETTINGS[@]}" "${SERVICE_SETTINGS[@]}"
}

export_settings
. scripts/env.sh
. scripts/lib.sh

ctl() { .venv/bin/supervisorctl -c deploy/prod/supervisord.conf "$@"; }
start_programs() {  # names...; on a failure, say which and show the end of its log
  if ! ctl start "$@" >"$PROD_DIR/logs/start.log" 2>&1; then
    cat "$PROD_DIR/logs/start.log" >&2
    for log in "$PROD_DIR"/logs/*.log; do printf '\n--- %s\n' "$log" >&2; tail -n 15 "$log" >&2; done
    exit 1
  fi
}
as_pg_user() { if [ "$(id -u)" -eq 0 ]; then runuser -u "$PROD_PG_OS_USER" -- "$@"; else "$@"; fi; }
psql_admin() { PGPASSWORD="$PROD_PG_PASSWORD" psql -X -q -h "$PROD_PG_HOST" -p "$PROD_PG_PORT" -U "$PROD_PG_USER" -d postgres "$@"; }
supervisord_running() { [ -S "$PROD_DIR/supervisor.sock" ] && ctl pid >/dev/null 2>&1; }

install_services() {  # Debian's packages, only those missing
  local missing=()
  [ -n "$PROD_PG_BIN" ] && [ -x "$PROD_PG_BIN/postgres" ] || missing+=(postgresql-15)
  command -v psql >/dev/null 2>&1 || missing+=(postgresql-client-15)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "prod.sh: ${missing[*]} missing; install them with apt-get (needs root)" >&2; exit 1; }
    sudo=(sudo)
  fi
  log "installing ${missing[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq >/dev/null
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's packages start their own servers on the default ports; this topology runs its own
  "${sudo[@]}" service redis-server stop >/dev/null 2>&1 || true
  "${sudo[@]}" service nginx stop >/dev/null 2>&1 || true
  PROD_PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1); export PROD_PG_BIN
}

init_postgres() {  # a cluster of our own in $PROD_PG_DATA, password login over loopback only
  [ -s "$PROD_PG_DATA/PG_VERSION" ] && return 0
  log "creating the PostgreSQL cluster in $PROD_PG_DATA"
  if ! as_pg_user test -x "$PROD_DIR"; then
    echo "prod.sh: PostgreSQL runs as $PROD_PG_OS_USER, which cannot enter $PROD_DIR; choose a PROD_DIR it can reach" >&2
    exit 1
  fi
  mkdir -p "$PROD_PG_DATA"
  local pwfile="$PROD_DIR/.pgpass-init"
  printf '%s\n' "$PROD_PG_PASSWORD" > "$pwfile"
  if [ "$(id -u)" -eq 0 ]; then chown "$PROD_PG_OS_USER" "$PROD_PG_DATA" "$pwfile"; fi
  chmod 700 "$PROD_PG_DATA"
  as_pg_user "$PROD_PG_BIN/initdb" -D "$PROD_PG_DATA" -U "$PROD_PG_USER" --pwfile="$pwfile" \
    --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$PROD_DIR/logs/initdb.log" 2>&1 \
    || { rm -f "$pwfile"; tail -n 20 "$PROD_DIR/logs/initdb.log" >&2; exit 1; }
  rm -f "$pwfile"
}

write_nginx_conf() {  # REST to any Rasa server, socket.io sticky by client address, SSE unbuffered
  local servers="" n
  for ((n = 0; n < PROD_RASA_SERVERS; n++)); do
    servers+="    server 127.0.0.1:$((PROD_RASA_FIRST_PORT + n)) max_fails=1 fail_timeout=2s;"$'\n'
  done
  local user_line=""
  [ "$(id -u)" -eq 0 ] && user_line="user root;"  # workers read the temp files the master created
  mkdir -p "$PROD_DIR/nginx"
  cat > "$PROD_DIR/nginx/nginx.conf" <<EOF
# Written by scripts/prod.sh at each start: do not edit here.
$user_line
worker_processes 1;
pid $PROD_DIR/nginx/nginx.pid;
error_log $PROD_DIR/logs/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log $PROD_DIR/logs/nginx-access.log;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  upstream rasa {
$servers    keepalive 64;
  }
  upstream rasa_sticky {
    hash \$remote_addr consistent;
$servers  }
  upstream backend { server 127.0.0.1:$PROD_BACKEND_PORT; keepalive 16; }
  upstream actions { server 127.0.0.1:$PROD_ACTIONS_PORT; keepalive 16; }
  proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
  proxy_set_header X-Forwarded-Proto \$scheme;
  proxy_http_version 1.1;

  server {  # the chat: Rasa's REST and socket.io channels and HTTP API, the LLM answer stream
    listen 127.0.0.1:$PROD_CHAT_PORT;
    client_max_body_size ${RASA_REQUEST_MAX_BYTES:-262144};
    add_header X-Served-By \$upstream_addr always;
    location /socket.io/ {
      proxy_pass http://rasa_sticky;
      proxy_set_header Host \$host;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_read_timeout 1h;
    }
    location /stream/ {
      proxy_pass http://actions;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 5m;
    }
    location / {
      proxy_pass http://rasa;
      proxy_set_header Host \$host;
      proxy_set_header Connection "";
      proxy_read_timeout 2m;
      # a server that refuses the connection is skipped; a request already sent is never sent twice
      proxy_next_upstream error timeout;
    }
  }

  server {  # the backend's site
    listen 127.0.0.1:$PROD_WEB_PORT;
    client_max_body_size 10m;
    location / {
      proxy_pass http://backend;
      proxy_set_header Host \$http_host;
      proxy_set_header Connection "";
      proxy_buffering off;  # the kitchen page's live updates
      proxy_read_timeout 1h;
    }
  }
}
EOF
}

start_supervisord() {
  mkdir -p "$PROD_DIR/logs" "$PROD_DIR/redis" "$PROD_DIR/data"
  supervisord_running && return 0
  .venv/bin/supervisord -c deploy/prod/supervisord.conf
  local deadline=$(( $(date +%s) + 15 ))
  until supervisord_running; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "supervisord did not start; see $PROD_DIR/logs/supervisord.log" >&2; exit 1; }
    sleep 0.2
  done
}

wait_for_postgres() {
  local deadline=$(( $(date +%s) + 60 ))
  until PGPASSWORD="$PROD_PG_PASSWORD" "$PROD_PG_BIN/pg_isready" -q -h "$PROD_PG_HOST" -p "$PROD_PG_PORT"; do
    [ "$(date +%s)" -lt "$deadline" ] || { tail -n 20 "$PROD_DIR/logs/postgres.log" >&2; exit 1; }
    sleep 0.3
  done
}

create_database() {  # $1 name
  psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1 || psql_admin -c "CREATE DATABASE $1"
}

infra() {
  mkdir -p "$PROD_DIR/logs"
  install_services
  init_postgres
  start_supervisord
  start_programs postgres redis
  wait_for_postgres
  create_database "$PROD_BACKEND_DB"
  create_database "$PROD_TRACKER_DB"
  # Rasa's tables, made once here: two servers starting together would both try to create them
  .venv-rasa/bin/python -W ignore -c 'import os; from rasa.core.tracker_store import SQLTrackerStore as S; S(dialect="postgresql",
host=os.environ["PROD_PG_HOST"], port=os.environ["PROD_PG_PORT"], db=os.environ["PROD_TRACKER_DB"],
username=os.environ["PROD_PG_USER"], password=os.environ["PROD_PG_PASSWORD"])' 2>&1 | sed -E "/${RASA_NOISE}/d"
}

start() {
  infra
  log "backend database: migrate and the demo restaurant"
  (cd backend && ../.venv/bin/python manage.py migrate -v0 && WEBHOOK_URLS= ../.venv/bin/python manage.py load_demo >/dev/null)
  if [ ! -e "$PROD_MODEL" ] || [ -d "$PROD_MODEL" ]; then  # serve a copy: retraining does not change it underfoot
    local newest; newest=$(ls -t "$RASA_MODEL_DIR"/*.tar.gz 2>/dev/null | head -n 1 || true)
    [ -n "$newest" ] || { echo "no trained model in $RASA_MODEL_DIR: run make train" >&2; exit 1; }
    mkdir -p "$PROD_MODEL"; cp -p "$newest" "$PROD_MODEL/"
  fi
  write_nginx_conf
  log "starting the backend, the action server, $PROD_RASA_SERVERS Rasa servers and nginx"
  start_programs backend actions 'rasa:*' nginx
  wait_for_url "$BACKEND_URL/api/menu/version/" 60 backend
  wait_for_url "http://127.0.0.1:$PROD_ACTIONS_PORT/health" 90 "action server"
  local n
  for ((n = 0; n < PROD_RASA_SERVERS; n++)); do
    wait_for_url "http://127.0.0.1:$((PROD_RASA_FIRST_PORT + n))/status?token=$RASA_AUTH_TOKEN" 300 "Rasa server $n"
  done
  wait_for_url "http://127.0.0.1:$PROD_WEB_PORT/api/menu/version/" 30 "nginx"
  log "ready. Site: http://127.0.0.1:$PROD_WEB_PORT/chat/ · chat (REST, socket.io): http://127.0.0.1:$PROD_CHAT_PORT"
  log "logs: $PROD_DIR/logs · stop: scripts/prod.sh stop"
}

stop() {
  supervisord_running || { log "not running"; return 0; }
  ctl stop all >/dev/null || true
  ctl shutdown >/dev/null || true
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) ctl status ;;
  infra) infra ;;
  install) install_services ;;
  configure) write_nginx_conf ;;
  ctl) shift; ctl "$@" ;;
  env) for name in "${TOPOLOGY_SETTINGS[@]}" "${SERVICE_SETTINGS[@]}"; do printf '%s=%s\n' "$name" "${!name}"; done ;;
  *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ] ;;
esac
