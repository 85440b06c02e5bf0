# OSS Chat: `make run` installs into .venv and starts the app; `make test` installs and runs
# lint and the tests; `make package` builds the installers (see packaging/README.md).
# GPU builds: set CMAKE_ARGS before the first install (see README).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP_RUN  := $(VENV)/.installed-run
STAMP_DEV  := $(VENV)/.installed-dev
ARGS ?=
SELFTEST := build/selftest
UNAME := $(shell uname -s)
ifeq ($(UNAME),Darwin)
BUNDLE_EXE := dist/OSS Chat.app/Contents/MacOS/oss-chat
else
BUNDLE_EXE := dist/oss-chat/oss-chat
endif
BENCH_ARGS ?=

.PHONY: run test lint typecheck bench package package-check clean help

help:
	@echo "make run    install into $(VENV) and start OSS Chat (ARGS='--model PATH' to pass options)"
	@echo "make test   install with the dev tools, run lint, contracts, type checks and tests"
	@echo "make bench  measure against llama.cpp; report in results/ (BENCH_ARGS='--quick' to try it)"
	@echo "make package        build the bundle (PyInstaller), then the .deb and .tar.gz (Linux)"
	@echo "                    or an unsigned .dmg (macOS); Windows: packaging/windows/build.ps1"
	@echo "make package-check  build, then run the bundle's --self-test and check the .deb"

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
	$(BIN)/ruff check app tests packaging bench
	$(BIN)/lint-imports

typecheck: $(STAMP_DEV)
	$(BIN)/mypy

test: lint typecheck
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP_DEV)
	$(PY) bench/run.py $(BENCH_ARGS)

package: $(STAMP_DEV)
ifneq ($(UNAME),Darwin)
	@command -v objdump >/dev/null && command -v dpkg-deb >/dev/null || \
	  (echo "make package needs objdump (binutils) and dpkg-deb (dpkg)" >&2; exit 1)
endif
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist \
	  --workpath build/pyinstaller packaging/oss-chat.spec
ifeq ($(UNAME),Darwin)
	$(PY) -m dmgbuild -s packaging/macos/dmg_settings.py -D app="dist/OSS Chat.app" \
	  -D icon=build/icons/oss-chat.icns "OSS Chat" dist/oss-chat-unsigned.dmg
else
	$(PY) packaging/linux/build_packages.py
endif

package-check: package
	$(PY) packaging/selftest_model.py $(SELFTEST)/model.gguf
	rm -rf $(SELFTEST)/data
	"$(BUNDLE_EXE)" --data-dir $(SELFTEST)/data --self-test --model $(SELFTEST)/model.gguf
ifneq ($(UNAME),Darwin)
	$(PY) packaging/linux/check_deb.py
endif

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
