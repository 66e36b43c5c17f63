# Lucca In famiglia — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/lucca_in_famiglia
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-sqlite test-postgres lint bench load install browser-deps migrate seed pg-up messages clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# The server and a database-backed task worker (exports, emails) side by side;
# Ctrl-C stops both.
run: export TASKS_BACKEND = django_tasks_db.DatabaseBackend
# Links in emails and QR codes follow the address the server runs on.
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: seed
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@mkdir -p var; echo "Task worker running; its log: var/worker.log"
	@trap 'kill 0' EXIT INT TERM; \
	$(PY) manage.py db_worker --queue-name '*' > var/worker.log 2>&1 & \
	$(PY) manage.py runserver $(HOST):$(PORT)

# The browser journeys (tests/e2e) drive Debian's Chromium and run axe-core
# from npm: installed here when missing (apt needs root; never a browser
# download). Without them the journeys are skipped, or fail when CI is set.
browser-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian's$$missing for the browser journeys…"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "Missing:$$missing. 'sudo apt-get install$$missing' enables the browser journeys."; \
		fi; \
	fi
	@if [ ! -f node_modules/axe-core/axe.min.js ]; then \
		if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error; \
		else echo "npm is missing: 'apt-get install npm' enables the accessibility checks."; fi; \
	fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test-sqlite: install browser-deps
	mkdir -p var
	env -u DATABASE_URL $(VENV)/bin/pytest -q -n 2 --create-db

pg-up:
	@bash scripts/pg-up.sh

# The browser journeys (tests/e2e) run once, on SQLite: they check what a
# person sees, which the database does not change; every test beneath them
# (views, services, imports, handovers) runs on both databases.
test-postgres: install
	@if bash scripts/pg-up.sh; then \
		DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -q -n 2 --create-db --ignore=tests/e2e; \
	elif [ -n "$$CI" ]; then \
		echo "PostgreSQL is not reachable and CI is set: failing the build."; exit 1; \
	else \
		echo "PostgreSQL is not reachable: skipping the PostgreSQL run (set CI to make this fatal)."; \
	fi

test: lint test-sqlite test-postgres

bench: install
	@command -v zip >/dev/null && command -v unzip >/dev/null || \
		(apt-get update -qq && apt-get install -y -qq zip unzip) || \
		echo "zip/unzip missing: the export benchmark's baseline will be skipped"
	$(PY) bench/run.py

# 50 users for 60 s against gunicorn + PostgreSQL + the task worker (bench/load/);
# e.g. make load LOAD_ARGS="--users 20 --run-time 30s". Logs in var/load/.
load: install
	$(PY) bench/load/run.py $(LOAD_ARGS)

messages: install
	$(PY) manage.py makemessages -l it --ignore '.venv/*' --ignore 'var/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf var $(VENV) node_modules results
