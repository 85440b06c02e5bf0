"""Fixtures for the download tests: a fake Hub on 127.0.0.1 serving the tiny model."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.modelfiles.transfer import RetryPolicy
from tests.download.fakehub import FakeHub, RunningHub

REPO = "ggml-org/gpt-oss-20b-GGUF"
FILE = "gpt-oss-20b-MXFP4.gguf"
#: Quick retries so the failure tests take milliseconds, not a minute.
FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, timeout=5.0)


@pytest.fixture
def model_bytes(tiny_model: Path) -> bytes:
    return tiny_model.read_bytes()


@pytest.fixture
def model_sha(model_bytes: bytes) -> str:
    return hashlib.sha256(model_bytes).hexdigest()


@pytest.fixture
def fake_hub(monkeypatch: pytest.MonkeyPatch, model_bytes: bytes) -> Iterator[FakeHub]:
    """The Hub at HF_ENDPOINT, with gpt-oss-20b's repository holding the tiny model."""
    from huggingface_hub import constants
    from huggingface_hub.utils import close_session

    hub = FakeHub()
    hub.add(REPO, {"README.md": b"# gpt-oss-20b\n", FILE: model_bytes,
                   "params": b"{}"})
    running = RunningHub(hub)
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    # huggingface_hub read HF_ENDPOINT when it was imported: point its copies here too, so
    # no call can reach huggingface.co.
    monkeypatch.setattr(constants, "ENDPOINT", hub.url)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE",
                        hub.url + "/{repo_id}/resolve/{revision}/{filename}")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    try:
        yield hub
    finally:
        running.stop()
        close_session()
