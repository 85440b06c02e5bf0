"""The engine worker thread and its signals, through pytest-qt."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.core.engine.config import EngineConfig, SamplingConfig
from app.core.harmony.prompt import Message, Prompt
from app.ui.services.engine_service import MIN_UPDATE_INTERVAL, EngineService

CONFIG = EngineConfig(n_ctx=2048, n_threads=2)


def _prompt(text: str = "hi") -> Prompt:
    return Prompt(messages=(Message(role="user", content=text),))


@pytest.fixture
def service(qtbot):
    svc = EngineService()
    yield svc
    assert svc.shutdown(2000)


def _load(qtbot, service: EngineService, path: Path) -> None:
    with qtbot.waitSignal(service.loaded, timeout=20000):
        service.load(path, CONFIG)


def test_load_emits_progress_then_loaded(qtbot, service, reply_model) -> None:
    progress: list[float] = []
    service.loadProgress.connect(lambda _rid, f: progress.append(f))
    with qtbot.waitSignal(service.loaded, timeout=20000) as blocker:
        rid = service.load(reply_model.path, CONFIG)
    assert blocker.args[0] == rid
    assert blocker.args[1].backend == "CPU"
    assert progress and progress[-1] == pytest.approx(1.0)


def test_bad_file_emits_load_failed(qtbot, service, tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a model")
    with qtbot.waitSignal(service.loadFailed, timeout=5000) as blocker:
        service.load(bad, CONFIG)
    assert "not a GGUF model file" in blocker.args[1]


def test_generate_streams_coalesced_updates_then_finishes_once(qtbot, service,
                                                               reply_model) -> None:
    _load(qtbot, service, reply_model.path)
    updates, ends = [], []
    service.streamed.connect(updates.append)
    for signal, name in ((service.finished, "finished"),
                         (service.cancelled, "cancelled"),
                         (service.failed, "failed")):
        signal.connect(lambda rid, payload, name=name: ends.append((name, rid, payload)))
    started = time.monotonic()
    with qtbot.waitSignal(service.finished, timeout=20000):
        rid = service.generate(_prompt())
    elapsed = time.monotonic() - started
    qtbot.wait(50)
    assert [(name, r) for name, r, _ in ends] == [("finished", rid)]
    result = ends[0][2]
    assert result.answer == "2 + 2 = 4"
    assert "".join(u.answer for u in updates) == "2 + 2 = 4"
    assert "".join(u.reasoning for u in updates) == "User asks a sum. Simple."
    assert all(u.request_id == rid for u in updates)
    assert len(updates) <= elapsed / MIN_UPDATE_INTERVAL + 2


def test_stop_emits_cancelled_with_the_partial_reply(qtbot, service, endless_model) -> None:
    _load(qtbot, service, endless_model.path)
    updates = []
    service.streamed.connect(updates.append)
    with qtbot.waitSignal(service.cancelled, timeout=20000) as blocker:
        rid = service.generate(_prompt(), SamplingConfig(max_tokens=100000))
        qtbot.waitUntil(lambda: "tick tock" in "".join(u.answer for u in updates),
                        timeout=10000)
        service.cancel(rid)
    result = blocker.args[1]
    assert result.answer.startswith("tick tock")
    assert "".join(u.answer for u in updates) == result.answer


def test_generate_without_model_emits_failed(qtbot, service) -> None:
    with qtbot.waitSignal(service.failed, timeout=5000) as blocker:
        service.generate(_prompt())
    assert "No model" in blocker.args[1]


def test_shutdown_while_generating_ends_within_two_seconds(qtbot, endless_model) -> None:
    service = EngineService()
    _load(qtbot, service, endless_model.path)
    updates = []
    service.streamed.connect(updates.append)
    service.generate(_prompt(), SamplingConfig(max_tokens=100000))
    qtbot.waitUntil(lambda: bool(updates), timeout=10000)
    started = time.monotonic()
    assert service.shutdown(2000)
    assert time.monotonic() - started < 2.0
    assert not service.worker.engine.loaded
