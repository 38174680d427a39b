# OpenAUP: `make run` serves the demo district; `make test` runs every check.
# Everything installs into .venv and a git-ignored static folder; nothing is installed globally.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
AUP := $(BIN)/aup
VENDOR := src/openaup/static/vendor
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint typecheck suite static install install-test serve demo clean help

help:
	@echo "make run    install, build, migrate, load the demo district and serve it on http://$(HOST):$(PORT)"
	@echo "make test   install the test tools and run lint, type checks, import contracts and the suite"

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "OpenAUP needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Front-end packages (USWDS, htmx), pinned in package-lock.json, copied where Django finds them.
$(VENDOR)/.built: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/uswds $(VENDOR)/htmx
	cp -r node_modules/@uswds/uswds/dist/css node_modules/@uswds/uswds/dist/js \
	      node_modules/@uswds/uswds/dist/img node_modules/@uswds/uswds/dist/fonts $(VENDOR)/uswds/
	cp node_modules/@uswds/uswds/LICENSE.md $(VENDOR)/uswds/
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx.org/LICENSE $(VENDOR)/htmx/
	touch $@

static: $(VENDOR)/.built

run: install static
	$(AUP) collectstatic --noinput --verbosity 0
	$(AUP) migrate --noinput
	$(AUP) demo --if-empty
	$(AUP) demo --sign-ins --url http://$(HOST):$(PORT)
	$(AUP) serve --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(AUP) makemigrations --check --dry-run

typecheck: install-test
	$(BIN)/mypy

suite: install-test static
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck suite

clean:
	rm -rf $(VENV) node_modules $(VENDOR) build dist
