"""Test-wide set-up: offscreen Qt, a fresh data folder per test, a guard against leaked threads."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from app.core.paths import AppPaths

pytest_plugins = ["tests.modelgen.fixtures"]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every platform folder and the Hugging Face cache at a fresh temporary folder."""
    home = tmp_path / "home"
    for var, sub in (("XDG_DATA_HOME", "share"), ("XDG_CONFIG_HOME", "config"),
                     ("XDG_CACHE_HOME", "cache"), ("XDG_STATE_HOME", "state"),
                     ("HF_HOME", "hf")):
        monkeypatch.setenv(var, str(home / sub))
    return home


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """The `--data-dir` of one test."""
    return tmp_path / "oss-chat-data"


@pytest.fixture
def app_paths(data_dir: Path) -> AppPaths:
    return AppPaths.under(data_dir).ensure()


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    """Fail a test that leaves a Python thread running behind it."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 2.0
    leaked: list[threading.Thread] = []
    while time.monotonic() < deadline:
        leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()
                  and not t.daemon]
        if not leaked:
            return
        time.sleep(0.02)
    pytest.fail(f"test leaked running threads: {[t.name for t in leaked]}")
