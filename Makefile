# Two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
CHROMIUM := /usr/bin/chromium

.PHONY: run test install install-test chromium lint migrations-check test-unit test-browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)
install-test: $(TEST_STAMP)

## make run: install, migrate the embedded SQLite database under var/, load the demo practice
## on first run, then serve http://127.0.0.1:8000 with one task worker beside the server.
run: $(STAMP)
	$(BIN)/imago migrate --noinput
	$(BIN)/imago demo --if-empty
	$(BIN)/imago serve

## make test: install the test extras and Debian's chromium (for the browser tests), then run
## everything. Browser tests run in their own pytest invocation (architecture.md pitfalls).
test: $(TEST_STAMP) chromium
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/imago makemigrations --check --dry-run
	$(MAKE) test-unit
	$(MAKE) test-browser

test-unit: $(TEST_STAMP)
	bash scripts/pytest-strict -m "not browser"

test-browser: $(TEST_STAMP) chromium
	DJANGO_ALLOW_ASYNC_UNSAFE=true bash scripts/pytest-strict -m browser

chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  elif command -v sudo >/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq chromium; \
	  else echo "Please install Debian's chromium (apt-get install chromium) for the browser tests."; exit 1; fi; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache
