# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export DJANGO_SETTINGS_MODULE := marketplace.settings

.PHONY: run test lint install install-dev messages migrate seed format browser-deps

$(PY):
	$(PYTHON) -m venv $(VENV)

# XStatic-Bootstrap ships only an sdist that needs pkg_resources at build time,
# so it is built without isolation against the pinned setuptools.
$(VENV)/.installed: requirements.txt $(PY)
	$(PIP) install -q --upgrade pip "setuptools<81" wheel
	$(PIP) install -q --no-build-isolation XStatic-Bootstrap
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PIP) install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed messages
install-dev: $(VENV)/.installed-dev messages

# Compiles locale/*/LC_MESSAGES/django.po with Babel (no system gettext needed).
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -q -d locale -D django

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(VENV)/bin/honcho -f Procfile.dev start

test: install-dev
	$(VENV)/bin/pytest

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --check --quiet || (echo "djlint: run 'make format'"; exit 1)
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/djlint templates --reformat --quiet || true
