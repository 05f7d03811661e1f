# Newsroom: `make run` serves the site with demo content; `make test` runs the whole suite.
# Both create .venv with a Python 3.12+ interpreter found by scripts/find-python.

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
DEV_ENV := DEBUG=1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run serve demo test lint format check ci clean bench bench-import bench-serve soak

$(STAMP): pyproject.toml
	@rm -f $(VENV)/.installed-*
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(STAMP)

run: demo  ## Migrate, load the demo newsroom and serve it on http://127.0.0.1:8000/
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

serve: install  ## The production setup on this machine: DEBUG off, collectstatic, gunicorn (scripts/serve)
	scripts/serve

demo: install  ## Migrate and load the demo newsroom (idempotent)
	$(DEV_ENV) $(PY) manage.py migrate --no-input
	$(DEV_ENV) $(PY) manage.py collectstatic --no-input --verbosity 0
	$(DEV_ENV) $(PY) manage.py load_demo

test: install  ## The whole suite, on SQLite unless DATABASE_URL says otherwise
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: install  ## System checks and migrations in step with the models
	$(DEV_ENV) $(PY) manage.py check
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run

bench: bench-import bench-serve  ## Both benchmarks; figures are ratios against a baseline run alongside

bench-import: install  ## Spreadsheet import: 100,000 event rows on SQLite and PostgreSQL
	$(PY) bench/imports.py $(BENCH_ARGS)

bench-serve: install  ## Readers' pages under gunicorn, cached and uncached, against a static file
	$(PY) bench/serve.py $(BENCH_ARGS)

soak: install  ## Readers, an editor and an import at once, with Redis killed (--postgres: restarted too)
	$(PY) bench/soak.py $(BENCH_ARGS)

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
