# Two commands do all the set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# `make run HOST=127.0.0.1 PORT=9100` overrides the saved configuration; only values given on
# the command line count (shells such as zsh export HOST as the machine's name).
SERVE_FLAGS := $(if $(filter command line,$(origin HOST)),--address $(HOST)) \
	$(if $(filter command line,$(origin PORT)),--port $(PORT))
# tests/services run against this PostgreSQL (trust auth); pytest-django creates test_<name>.
SERVICES_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
SERVICES_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test test-portable lint format install install-dev clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "TallySync needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py serve $(SERVE_FLAGS)

test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest -m "not services"
	DATABASE_URL=$${DATABASE_URL:-$(SERVICES_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(SERVICES_REDIS_URL)} \
		$(BIN)/pytest -m services

# The non-browser suite again with uvloop and httptools hidden (.ci/no-extensions): the server's
# fallbacks (asyncio's loop, h11) as an office without them runs it. .ci/run runs it after `test`.
test-portable: install-dev
	PYTHONPATH=$(CURDIR)/.ci/no-extensions $(BIN)/python -c \
		'import importlib.util as u; assert not u.find_spec("uvloop") and not u.find_spec("httptools")'
	PYTHONPATH=$(CURDIR)/.ci/no-extensions $(BIN)/pytest -m "not services" --ignore=tests/e2e -q

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .import_linter_cache
