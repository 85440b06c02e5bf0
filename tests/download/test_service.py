"""DownloadService: the downloader on a worker thread, seen through its Qt signals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QThread
from pytestqt.qtbot import QtBot

from app.core.modelfiles.download import DownloadPlan
from app.core.paths import AppPaths
from app.ui.services.download_service import DownloadRequest, DownloadService
from tests.download.conftest import FAST_RETRY, REPO
from tests.download.fakehub import FakeHub

TIMEOUT = 15_000


@pytest.fixture
def service(qtbot: QtBot, app_paths: AppPaths) -> Iterator[DownloadService]:
    service = DownloadService(app_paths, retry=FAST_RETRY)
    yield service
    assert service.shutdown()


def test_download_reports_progress_then_the_path(
        qtbot: QtBot, fake_hub: FakeHub, service: DownloadService, model_bytes: bytes) -> None:
    progress: list[tuple[Any, ...]] = []
    phases: list[str] = []
    on_gui_thread: list[bool] = []

    def on_progress(*args: Any) -> None:
        progress.append(args)
        app = QCoreApplication.instance()
        on_gui_thread.append(app is not None and QThread.currentThread() == app.thread())

    service.progress.connect(on_progress)
    service.phaseChanged.connect(phases.append)
    with qtbot.waitSignal(service.finished, timeout=TIMEOUT) as finished:
        service.start()
    path = Path(finished.args[0])
    assert path.read_bytes() == model_bytes
    assert phases == ["resolving", "downloading", "verifying"]
    assert progress[-1][:2] == (len(model_bytes), len(model_bytes))
    assert all(on_gui_thread)
    assert service.shutdown()


def test_pause_keeps_the_partial_file_and_resume_continues(
        qtbot: QtBot, fake_hub: FakeHub, service: DownloadService, model_bytes: bytes) -> None:
    fake_hub.piece_delay = 0.02  # time for the queued pause to arrive
    paused: list[int] = []

    def pause_once(done: int, total: int, speed: float, eta: float) -> None:
        if done >= 100_000 and not paused:
            paused.append(done)
            service.pause()

    service.progress.connect(pause_once)
    with qtbot.waitSignal(service.cancelled, timeout=TIMEOUT):
        service.start(DownloadRequest(repo=REPO))
    fake_hub.piece_delay = 0.0
    assert not service.is_running()
    with qtbot.waitSignal(service.finished, timeout=TIMEOUT) as finished:
        service.resume()
    assert Path(finished.args[0]).read_bytes() == model_bytes
    assert fake_hub.served[-1].start >= 100_000
    assert len(fake_hub.api_calls) == 1  # resumed at the pinned commit, without resolving again


def test_failures_arrive_as_a_message(qtbot: QtBot, fake_hub: FakeHub,
                                      service: DownloadService) -> None:
    with qtbot.waitSignal(service.failed, timeout=TIMEOUT) as failed:
        service.start(DownloadRequest(repo="nobody/nothing"))
    assert "nobody/nothing was not found" in failed.args[0]


def test_plan_shows_size_disk_and_memory_then_start_downloads_it(
        qtbot: QtBot, fake_hub: FakeHub, service: DownloadService, model_bytes: bytes) -> None:
    with qtbot.waitSignal(service.planned, timeout=TIMEOUT) as planned:
        service.plan()
    plan: DownloadPlan = planned.args[0]
    assert plan.model.total_bytes == len(model_bytes)
    assert plan.disk.ok and plan.disk.needed == len(model_bytes)
    assert plan.memory is not None and plan.memory.fit is not None
    assert fake_hub.served == []
    with qtbot.waitSignal(service.finished, timeout=TIMEOUT):
        service.start(DownloadRequest(resolved=plan.model))
    assert len(fake_hub.api_calls) == 1
