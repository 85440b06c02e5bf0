# OSS Chat: `make run` installs into .venv and starts the app; `make test` installs and runs
# lint and the tests. GPU builds: set CMAKE_ARGS before the first install (see README).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP_RUN  := $(VENV)/.installed-run
STAMP_DEV  := $(VENV)/.installed-dev
ARGS ?=
BENCH_ARGS ?=

.PHONY: run test lint typecheck bench clean help

help:
	@echo "make run    install into $(VENV) and start OSS Chat (ARGS='--model PATH' to pass options)"
	@echo "make test   install with the dev tools, run lint, contracts, type checks and tests"
	@echo "make bench  measure against llama.cpp; report in results/ (BENCH_ARGS='--quick' to try it)"

$(PY):
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
	  (echo "OSS Chat needs Python 3.10 or newer" >&2; exit 1)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(PY) -m app $(ARGS)

lint: $(STAMP_DEV)
	$(BIN)/ruff check app tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP_DEV)
	$(BIN)/mypy

test: lint typecheck
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP_DEV)
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
