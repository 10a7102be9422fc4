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
# Until a catalogue exists there is nothing to compile, and that is not an error.
messages: $(VENV)/.installed
	@if ls locale/*/LC_MESSAGES/django.po >/dev/null 2>&1; then \
		$(VENV)/bin/pybabel compile -d locale -D django; \
	else \
		echo "messages: no locale/*/LC_MESSAGES/django.po yet, nothing to compile"; \
	fi

migrate: install
	$(PY) manage.py migrate --noinput

# The demo data command may not exist yet on a branch; only its absence is tolerated,
# a failing seed still stops `make run`.
seed: migrate
	@if $(PY) manage.py help seed_demo >/dev/null 2>&1; then \
		$(PY) manage.py seed_demo; \
	else \
		echo "seed: manage.py seed_demo does not exist yet, skipping demo data"; \
	fi

run: seed
	$(VENV)/bin/honcho -f Procfile.dev start

# Two processes (pytest-xdist): each its own test database and Redis database (tests/conftest.py).
test: install-dev
	$(VENV)/bin/pytest -n 2

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --lint
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/djlint templates --reformat --quiet || true

# Chromium for the `browser` tests comes from Debian, not from Playwright's download.
browser-deps:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)
