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

.PHONY: run test lint format check messages worker beat bench clean venv

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

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
