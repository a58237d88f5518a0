# Promo Portal. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.django.local
SERVE_SETTINGS ?= config.django.production

.DEFAULT_GOAL := help
.PHONY: help install system-deps migrate demo run worker serve test test-fast bench bench-web lint format messages clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed ## Create .venv and install the pinned dependencies (with test/lint extras)

migrate: install ## Apply database migrations (SQLite under var/ unless DATABASE_URL is set)
	@mkdir -p var/media var/mail var/exports var/celery/queue var/celery/processed var/celery/control
	$(PY) manage.py migrate --noinput -v0

demo: migrate ## Load the reference data and the demo users (idempotent)
	$(PY) manage.py seed_demo

# Ctrl+C stops runserver; the trap then gives the worker a warm shutdown by sending TERM to its
# main process only (TERM to its pool children as well can leave it hanging).
# The links in the mails point at this server (PORT=8011 too) unless PORTAL_BASE_URL is set.
run: demo ## Install, migrate, load demo data, serve http://127.0.0.1:8000 (PORT=8011: another port, mail links follow) with a Celery worker
	@echo "Starting the Celery worker (filesystem broker, no server needed) and the web server..."
	@export PORTAL_BASE_URL="$${PORTAL_BASE_URL:-http://$(HOST):$(PORT)}"; \
	$(VENV)/bin/celery -A config worker -B -l warning --concurrency 2 \
	  --schedule var/celery/beat-schedule >var/celery/worker.log 2>&1 & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	echo "Portal: http://$(HOST):$(PORT)/   (e-mails are written to var/mail/ with links to $$PORTAL_BASE_URL, worker log: var/celery/worker.log)"; \
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: install ## Run only the Celery worker with beat (for a separate terminal; mail links point at PORT)
	PORTAL_BASE_URL="$${PORTAL_BASE_URL:-http://$(HOST):$(PORT)}" $(VENV)/bin/celery -A config worker -B -l info

serve: install ## Production: migrate, collectstatic, gunicorn + worker + beat on DATABASE_URL and CELERY_BROKER_URL
	DJANGO_SETTINGS_MODULE=$(SERVE_SETTINGS) config/bin/serve

system-deps: ## Install the Debian packages the tests need (PostgreSQL, Redis, Chromium, poppler-utils, DejaVu fonts) if missing
	@need=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || need="$$need postgresql"; \
	command -v redis-server >/dev/null 2>&1 || need="$$need redis-server"; \
	test -x /usr/bin/chromium || need="$$need chromium chromium-driver"; \
	command -v pdftotext >/dev/null 2>&1 || need="$$need poppler-utils"; \
	fc-list 2>/dev/null | grep -qi dejavu || need="$$need fonts-dejavu-core"; \
	if [ -n "$$need" ]; then \
	  echo "Installing:$$need"; \
	  SUDO=""; [ "$$(id -u)" = "0" ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$need >/dev/null; \
	fi

test: install system-deps ## Run the whole suite on a throwaway PostgreSQL cluster and Redis (started and removed here)
	DJANGO_SETTINGS_MODULE=config.django.test config/bin/with-redis config/bin/with-postgres $(VENV)/bin/pytest $(PYTEST_ARGS)

test-fast: install ## Run the suite without the browser, worker, SMTP and API fuzz tests
	DJANGO_SETTINGS_MODULE=config.django.test config/bin/with-postgres $(VENV)/bin/pytest -m "not e2e and not worker and not smtp and not fuzz" $(PYTEST_ARGS)

bench: install system-deps ## Run the benchmarks (reader, import, hostile files, digest e-mails, exports, PDF) on a throwaway PostgreSQL and print figures
	DJANGO_SETTINGS_MODULE=config.django.test config/bin/with-postgres $(PY) bench/run.py $(BENCH_ARGS)

# BENCH_WEB_USERS, BENCH_WEB_SECONDS, BENCH_WEB_WORKERS, BENCH_WEB_PROMOS... (bench/web/README.md)
# shorten or resize the run; BENCH_WEB_ARGS passes options to bench/web (--help).
bench-web: install system-deps ## Load benchmark: 10,000 promos, gunicorn, single-user pages and 50 users for 60 s
	config/bin/with-postgres $(PY) -m bench.web $(BENCH_WEB_ARGS)

lint: install ## ruff check and the migrations check
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run -v0

format: install ## Format the code with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: install ## Update and compile the English translation (locale/en)
	$(PY) manage.py makemessages -l en --ignore ".venv/*" --ignore "var/*"
	$(PY) manage.py compilemessages --ignore ".venv/*"

clean: ## Remove var/ (database, media, mail, exports); keeps .venv
	rm -rf var
