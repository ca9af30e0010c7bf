# The two commands of the README: `make run` and `make test`. Both start from a fresh clone.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip -q --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test check lint install install-dev worker beat messages compilemessages check-messages

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
run: $(VENV)/.runtime compilemessages
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py seed_demo
	@echo
	@echo "Switchboard: http://$(HOST):$(PORT)/   Outbox: http://$(HOST):$(PORT)/dev/outbox/   API docs: http://$(HOST):$(PORT)/api/v1/docs/"
	$(PY) manage.py runserver $(HOST):$(PORT)

## make test: the whole suite (browser tests run when Chromium is present)
test: $(VENV)/.dev compilemessages
	$(PY) -m pytest $(PYTEST_ARGS)

## make check: what CI checks besides the tests (migrations, ruff, the layers, the catalogues)
check: $(VENV)/.dev
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(MAKE) --no-print-directory check-messages

## Production-like processes, for REDIS_URL set
worker: $(VENV)/.runtime
	$(VENV)/bin/celery -A portal worker -l info
beat: $(VENV)/.runtime
	$(VENV)/bin/celery -A portal beat -l info

## Translations (README "Languages"). Entries are sorted by msgid and the POT-Creation-Date
## header is dropped, so moving code or running it twice never changes the catalogues, and two
## people's new strings rarely meet in a merge. The catalogues locale/<lang>/LC_MESSAGES/django.po are
## the source; the .mo files are built from them (not committed) by `make run`/`make test`.
LANGS := nl fr sl hr
MAKEMESSAGES := $(PY) manage.py makemessages $(foreach l,$(LANGS),-l $(l)) --no-location \
	--no-obsolete --no-wrap --ignore=.venv --ignore=var --ignore=bench --ignore=tests \
	--ignore=node_modules -v 0 && for po in locale/*/LC_MESSAGES/django.po; do \
	sed -i '/^"POT-Creation-Date:/d' $$po && msgcat --sort-output --no-wrap -o $$po $$po; done

## make messages: regenerate the catalogues after adding or changing strings; then translate
## the new entries (empty msgstr, or "#, fuzzy") in all four, following locale/GLOSSARY.md.
messages: $(VENV)/.runtime
	$(MAKEMESSAGES)
	@$(MAKE) --no-print-directory check-messages

compilemessages: $(VENV)/.runtime
	@if command -v msgfmt >/dev/null; then \
		$(PY) manage.py compilemessages --ignore=.venv -v 0; \
	else echo "msgfmt (GNU gettext) missing: pages stay in English. apt-get install gettext"; fi

## The gate: the committed catalogues equal a fresh makemessages, nothing untranslated or
## fuzzy, and msgfmt --check accepts them (placeholders of msgid and msgstr match).
check-messages: $(VENV)/.runtime
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; cp -r locale "$$tmp/before"; \
	$(MAKEMESSAGES); status=0; \
	for l in $(LANGS); do \
		po=locale/$$l/LC_MESSAGES/django.po; \
		if ! diff -q "$$tmp/before/$$l/LC_MESSAGES/django.po" $$po >/dev/null; then \
			echo "$$po: out of date with the code; regenerated now: translate the new entries and commit"; status=1; fi; \
		n=$$(msgattrib --untranslated --no-obsolete $$po | grep -c '^msgid ' || true); \
		if [ "$$n" -gt 0 ]; then echo "$$po: $$((n-1)) untranslated"; msgattrib --untranslated --no-obsolete --no-wrap $$po | grep '^msgid ' | tail -n +2 | head -20; status=1; fi; \
		n=$$(msgattrib --only-fuzzy --no-obsolete $$po | grep -c '^msgid ' || true); \
		if [ "$$n" -gt 0 ]; then echo "$$po: $$((n-1)) fuzzy"; msgattrib --only-fuzzy --no-wrap $$po | grep '^msgid ' | tail -n +2 | head -20; status=1; fi; \
		msgfmt --check --output-file=/dev/null $$po || status=1; \
	done; \
	if [ $$status -ne 0 ]; then echo "Translations incomplete: see README, Languages"; fi; exit $$status
