# Sanwen — every target sets up what it needs; `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SANWEN := $(BIN)/sanwen
HOST ?= 127.0.0.1
PORT ?= 8000
# The local demo runs with DEBUG on unless the environment says otherwise.
export DEBUG ?= true

.PHONY: run run-intro setup assets test test-pg lint format bench messages check-deploy clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

src/sanwen/static/vendor/.copied: node_modules/.package-lock.json scripts/copy_assets.py
	$(PYTHON) scripts/copy_assets.py
	touch $@

assets: src/sanwen/static/vendor/.copied

setup: $(VENV)/.installed assets

run-intro:
	@echo "Setting up Sanwen: Python packages into .venv and front-end assets from package-lock.json (the first time takes a few minutes) …"

run: run-intro setup
	@echo "Preparing the database var/sanwen.sqlite3 (migrations) …"
	@mkdir -p var
	$(SANWEN) migrate --noinput -v0
	@echo "Building the demo county if the database is empty (about half a minute) …"
	$(SANWEN) demo --if-empty
	@echo "Sanwen is serving at http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	$(SANWEN) runserver --noreload $(HOST):$(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests bench scripts conftest.py
	$(BIN)/ruff format --check src tests bench scripts conftest.py
	$(BIN)/lint-imports

format: $(VENV)/.installed
	$(BIN)/ruff format src tests bench scripts conftest.py
	$(BIN)/ruff check --fix src tests bench scripts conftest.py

# pytest-xdist workers: the machines have two cores.
PYTEST_WORKERS ?= 2
# The whole suite on SQLite (or on PostgreSQL when DATABASE_URL=postgres://… is set), lint included.
test: setup lint
	mkdir -p var
	$(SANWEN) makemigrations --check --dry-run -v0
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-pg: setup
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/sanwen} $(BIN)/pytest -q -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

check-deploy: setup
	DEBUG=false SECRET_KEY=$$($(BIN)/python -c 'import secrets;print(secrets.token_urlsafe(50))') \
	  ALLOWED_HOSTS=sanwen.example.org $(SANWEN) check --deploy --fail-level WARNING

messages: setup
	cd src/sanwen && ../../$(SANWEN) makemessages -l zh_Hans --no-obsolete --no-location -i 'static/*'
	$(BIN)/python scripts/translate_hant.py
	cd src/sanwen && ../../$(SANWEN) compilemessages -v0

# Benchmarks (not tests): on SQLite, then on PostgreSQL (BENCH_DATABASE_URL, a scratch database that is
# dropped and recreated). BENCH_SCALE=0.1 runs the province at a tenth of its size.
# The province on SQLite takes over an hour to generate on a 2-core machine: a tenth by default there.
# `write` (before the province is generated) runs gunicorn on a free port of BENCH_PORTS on 127.0.0.1.
# `pages` drives every page over HTTP (gunicorn, 2 workers, a port of BENCH_PAGES_PORTS) as a leader and
# as staff: a county of 100,000 cases and 1,000,000 visits on SQLite (BENCH_COUNTY_SCALE=0.2), the
# province (500,000 cases, 5,000,000 visits) on PostgreSQL; BENCH_REUSE=1 keeps what an earlier run made.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/sanwen_bench
BENCH_SQLITE_SCALE ?= 0.1
bench: setup
	BENCH_SCALE=$(BENCH_SQLITE_SCALE) nice $(BIN)/python -m bench import write fieldwork pages
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) nice $(BIN)/python -m bench import write clock fieldwork scorecard reports pages

clean:
	rm -rf $(VENV) node_modules src/sanwen/static/vendor var/static
