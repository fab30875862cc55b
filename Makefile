# The two commands a newcomer needs: `make run` (talk to the assistant) and `make test`.
# Everything installs itself on first use; settings come from the environment (README table).
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help setup lint lock backend-db nlu-menu train serve serve-prod stop-prod run test test-backend test-dialogue test-e2e bench bench-long bench-load bench-llm llm-chat clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup:  ## create both virtual environments (only when requirements changed)
	@bash scripts/setup.sh

lint: setup  ## ruff (lint + format check) and mypy --strict, as make test runs them first (ruff format . fixes format)
	@bash scripts/static_checks.sh

lock:  ## recompile requirements/app.lock after a change in requirements/ (UPGRADE="pkg ..." or all to move pins)
	@bash scripts/lock.sh

backend-db: setup  ## migrate the backend database and load the demo restaurant
	@. scripts/env.sh && cd backend && ../.venv/bin/python manage.py migrate -v0 && WEBHOOK_URLS= ../.venv/bin/python manage.py load_demo

nlu-menu: backend-db  ## regenerate dish names, synonyms and lookup tables from the backend's menu
	@.venv/bin/python scripts/generate_nlu_menu.py

train: nlu-menu  ## train the Rasa model, only if data, domain or config changed
	@bash scripts/train.sh

serve: train  ## start backend, action server and Rasa server in the foreground (Ctrl-C stops all)
	@. scripts/env.sh && exec .venv/bin/honcho start -f Procfile

serve-prod: train  ## production-like: PostgreSQL, Redis, nginx, 2 Rasa servers, gunicorn, supervisord (background)
	@bash scripts/prod.sh start

stop-prod:  ## stop what serve-prod started (its data stays in var/prod)
	@bash scripts/prod.sh stop

run: train  ## everything from `serve`, plus the chat in this terminal (python -m terminal_chat)
	@bash scripts/run.sh

test: setup  ## validate data, train if needed, run conversation tests, NLU evaluation and pytest
	@bash scripts/test.sh

bench: train  ## latency of a non-LLM turn through the REST channel (prints figures)
	@bash scripts/bench.sh

bench-long: train  ## turn cost against conversation length: one guest, 300 turns (prints figures)
	@. scripts/env.sh && .venv/bin/python -m bench.long_conversation

bench-load: train  ## load test with locust: 20/50/100 guests ordering, 5 min each, vs the stock bot (LOAD_ARGS="--help")
	@. scripts/env.sh && .venv/bin/python -m bench.load_test $(LOAD_ARGS)

bench-llm: train  ## LLM figures: prompt tokens per turn, cost per order, latency around the LLM call
	@. scripts/env.sh && .venv/bin/python -m bench.llm_figures

llm-chat: backend-db  ## streaming terminal chat with the assistant's prompt and retrieval (python -m llm chat)
	@. scripts/env.sh && .venv/bin/python -m llm chat

clean:  ## remove trained models, results and local data (keeps the environments)
	rm -rf models results var
