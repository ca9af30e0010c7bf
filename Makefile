# The two commands of the README: `make run` and `make test`. Both start from a fresh clone.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip -q --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test check lint install install-dev worker beat

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) install -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## make run: the portal with embedded defaults (SQLite, Celery eager, local outbox, demo data)
run: export DEBUG ?= 1
run: export HOST := $(HOST)
run: export PORT := $(PORT)
run: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py seed_demo
	@echo
	@echo "Switchboard: http://$(HOST):$(PORT)/   Outbox: http://$(HOST):$(PORT)/dev/outbox/   API docs: http://$(HOST):$(PORT)/api/v1/docs/"
	$(PY) manage.py runserver $(HOST):$(PORT)

## make test: the whole suite (browser tests run when Chromium is present)
test: $(VENV)/.dev
	$(PY) -m pytest $(PYTEST_ARGS)

## make check: what CI checks besides the tests
check: $(VENV)/.dev
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .

## Production-like processes, for REDIS_URL set
worker: $(VENV)/.runtime
	$(VENV)/bin/celery -A portal worker -l info
beat: $(VENV)/.runtime
	$(VENV)/bin/celery -A portal beat -l info
