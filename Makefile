# Huanxin: `make run` serves a demo on http://127.0.0.1:8000; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

# The tests run against the real services (PostgreSQL and Redis on this machine by default).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/huanxin
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_WORKERS ?= 2
RUN_ADDRESS ?= 127.0.0.1:8000

.PHONY: run test lint format check messages worker beat bench load clean venv backup restore audit screenshots

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

# Without REDIS_URL, a Celery worker and beat run beside the web server on kombu's filesystem
# broker (messages as files in celery-broker/), and stop when the web server stops. With
# REDIS_URL set, start them yourself: `make worker` and `make beat` (one beat only).
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@if [ -n "$$REDIS_URL" ]; then \
		echo "REDIS_URL is set: run 'make worker' and 'make beat' beside this web server."; \
		exec $(PY) manage.py runserver $(RUN_ADDRESS); \
	fi; \
	mkdir -p celery-broker; \
	trap 'kill $$worker $$beat 2>/dev/null; wait $$worker $$beat 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/celery -A config worker --loglevel=INFO --concurrency=1 --without-gossip --without-mingle & worker=$$!; \
	$(VENV)/bin/celery -A config beat --loglevel=INFO & beat=$$!; \
	$(PY) manage.py runserver $(RUN_ADDRESS)

test: $(STAMP)
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DJANGO_ALLOW_ASYNC_UNSAFE=true \
		$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The README's picture: the browser journeys (tests/e2e/test_journeys.py) keep their screenshots in
# test-artifacts/screenshots/; the estate's public page becomes docs/screenshot.png.
screenshots: $(STAMP)
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DJANGO_ALLOW_ASYNC_UNSAFE=true \
		$(VENV)/bin/pytest -n 0 -q tests/e2e/test_journeys.py
	cp test-artifacts/screenshots/journey-estate-public-top.png docs/screenshot.png

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hans -l en --no-obsolete --ignore=".venv/*" --ignore="staticfiles/*"
	$(PY) manage.py compilemessages --ignore=".venv/*"

worker: $(STAMP)
	$(VENV)/bin/celery -A config worker --loglevel=INFO

beat: $(STAMP)
	$(VENV)/bin/celery -A config beat --loglevel=INFO

# Backups of DATABASE_URL (PostgreSQL only) and MEDIA_ROOT: `make backup` writes
# backups/<UTC timestamp>/ (db.dump, media.tar.gz, manifest.json); `BACKUP=backups/<ts> make
# restore` puts one back after asking (NOINPUT=1 to skip the question). See config/backups.py.
backup: $(STAMP)
	$(PY) manage.py backup_site

restore: $(STAMP)
	@test -n "$(BACKUP)" || { echo "Name the backup folder: BACKUP=backups/<timestamp> make restore"; exit 1; }
	$(PY) manage.py restore_site "$(BACKUP)" $(if $(NOINPUT),--noinput)

# Known vulnerabilities in the pinned requirements (and what they pull in), from PyPI's
# advisory data. pip-audit lives in its own venv so that the test venv stays lean. --strict:
# a dependency that could not be looked up fails the audit instead of passing unchecked.
AUDIT_VENV := .venv-audit
$(AUDIT_VENV)/bin/pip-audit:
	$(PYTHON) -m venv $(AUDIT_VENV)
	$(AUDIT_VENV)/bin/pip install --quiet pip-audit

audit: $(AUDIT_VENV)/bin/pip-audit
	$(AUDIT_VENV)/bin/pip-audit --strict --progress-spinner off -r requirements.txt

# The benchmark (docs/performance.md): PostgreSQL, DEBUG off, one table of figures. The first run
# creates the database and generates the city at BENCH_SCALE (minutes at scale 1); later runs
# reuse it. BENCH_ARGS passes options on, e.g. BENCH_ARGS="--only requests --runs 50".
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/huanxin_bench
# 100,000 meetings rather than scale 1's 24,000: the reminder sweep's target is set among that many.
BENCH_SCALE ?= 1
BENCH_MEETINGS ?= 100000
bench: $(STAMP)
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL= $(PY) -m tests.bench.run --scale $(BENCH_SCALE) \
		--meetings $(BENCH_MEETINGS) $(BENCH_ARGS)

# The load test (docs/performance.md, "Load"): gunicorn with LOAD_WORKERS workers on the loopback,
# locust with LOAD_USERS people on a mixed journey for LOAD_TIME, against the city `make bench`
# generated. locust lives in its own venv, .venv-load. LOAD_ARGS passes options on, e.g.
# LOAD_ARGS=--fail-over-target (exit 1 when the total p95 is over 250 ms). Not part of `make test`.
LOAD_VENV := .venv-load
LOCUST_VERSION := 2.47.0
LOAD_REDIS_URL ?= redis://127.0.0.1:6379/9
LOAD_USERS ?= 100
LOAD_SPAWN_RATE ?= 10
LOAD_TIME ?= 5m
LOAD_WORKERS ?= 3
$(LOAD_VENV)/bin/locust:
	$(PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/pip install --quiet locust==$(LOCUST_VERSION)

load: $(STAMP) $(LOAD_VENV)/bin/locust
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(LOAD_REDIS_URL) LOCUST=$(LOAD_VENV)/bin/locust \
		$(PY) -m tests.load.run --users $(LOAD_USERS) --spawn-rate $(LOAD_SPAWN_RATE) --time $(LOAD_TIME) \
		--workers $(LOAD_WORKERS) $(LOAD_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
