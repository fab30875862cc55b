#!/bin/sh
# Entrypoint of the app image (backend, backend-init, actions): refuses to start a production
# deployment with the placeholder secrets of .env.example, then runs the command it was given.
# DJANGO_ENV=development (a local try-out) skips the check.
set -eu

if [ "${DJANGO_ENV:-production}" = "production" ]; then
  for name in DJANGO_SECRET_KEY BACKEND_SERVICE_TOKEN WEBHOOK_SECRET CHAT_JWT_SECRET RASA_AUTH_TOKEN ACTION_SERVER_TOKEN POS_SECRET DATABASE_URL QDRANT_API_KEY GROQ_API_KEY; do
    eval "value=\${$name:-}"
    case "$value" in
      *change-me*|*changeme*|*CHANGE-ME*|*CHANGEME*)
        echo "refusing to start: $name still holds the placeholder from .env.example;" \
             "set a real secret in .env (see docs/deployment.md)" >&2
        exit 78  # EX_CONFIG
        ;;
    esac
  done
fi

exec "$@"
