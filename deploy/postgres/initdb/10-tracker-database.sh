#!/bin/sh
# Runs once, when the PostgreSQL volume is first initialised (the official image runs the files of
# /docker-entrypoint-initdb.d only on an empty data directory). The image itself creates the
# backend's database ($POSTGRES_DB); this adds Rasa's tracker database ($POSTGRES_TRACKER_DB),
# owned by the same role. On an existing volume create it by hand (docs/deployment.md).
# No `set -e`/`set -u` here: the entrypoint sources this file; psql's ON_ERROR_STOP makes a
# failure stop the initialisation.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v tracker_db="${POSTGRES_TRACKER_DB:-rasa_tracker}" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'tracker_db', current_user)
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'tracker_db')\gexec
SQL
