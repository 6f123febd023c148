# The README's two commands are `make run` and `make test`; CI runs `.ci/run`, which calls
# `make lint` and `make test` against PostgreSQL and Redis.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format migrations worker beat schema clean messages

# Translations: each .mo is rebuilt only when its .po changed (msgfmt, or polib without
# gettext), so `make run` and `make test` serve the Chinese interface from a fresh clone.
LOCALE_MO := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

locale/%.mo: locale/%.po | $(STAMP)
	$(BIN)/python manage.py compile_locale

messages: $(LOCALE_MO)

## Serve the app on http://127.0.0.1:8000 with demo data (SQLite and in-process jobs
## unless DATABASE_URL / REDIS_URL are set).
run: install messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## Run the whole test suite (PYTEST_ARGS passes options through, e.g. PYTEST_ARGS="-k api").
test: install messages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install
	$(BIN)/celery -A annotation_platform worker -Q default,qa --loglevel=INFO

beat: install
	$(BIN)/celery -A annotation_platform beat --loglevel=INFO

schema: install
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file openapi.yml

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
