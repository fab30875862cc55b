#!/usr/bin/env bash
# `make lint` and the first step of `make test`: ruff (lint and format) over the repository, and
# mypy, strict (pyproject.toml [tool.mypy]), over the packages each environment runs:
#   .venv       Python 3.11: actions, llm, rag (the action server)
#   .venv-rasa  Python 3.10: channels, tracker_store and nlu (the Rasa server's channels, tracker store
#               and NLU components), against Rasa 3.6's own code
set -euo pipefail
cd "$(dirname "$0")/.."

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy actions llm rag
.venv/bin/mypy --python-executable .venv-rasa/bin/python --python-version 3.10 channels tracker_store nlu
