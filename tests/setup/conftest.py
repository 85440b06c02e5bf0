"""Fixtures for the set-up view: the fake Hub, a DownloadService with quick retries, the
view itself, and a guard that lets sockets reach only this machine."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.core.modelfiles.library import ModelLibrary
from app.core.paths import AppPaths
from app.ui.services.download_service import DownloadService
from app.ui.setup import WelcomeView
from tests.download.conftest import FAST_RETRY, fake_hub, model_bytes, model_sha
from tests.download.fakehub import FakeHub
from tests.download.test_offline import no_network

# The download tests' fixtures, reused: the fake Hub and the no-socket audit hook.
__all__ = ["fake_hub", "model_bytes", "model_sha", "no_network"]

GIB = 1024**3
#: Enough memory for gpt-oss-20b (fits) but not for gpt-oss-120b.
SMALL_MACHINE = 16 * GIB
#: Enough for both models.
BIG_MACHINE = 512 * GIB

_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_guard: dict[str, Any] = {"installed": False, "active": False, "seen": []}


def _host(event: str, args: tuple[Any, ...]) -> str | None:
    """The host a socket event is about, or None when it has no host (a Unix socket)."""
    if event == "socket.connect":
        address = args[1]
        return str(address[0]) if isinstance(address, tuple) else None
    if event in ("socket.getaddrinfo", "socket.gethostbyname"):
        return str(args[0]) if args[0] is not None else None
    return None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _guard["active"] or not event.startswith("socket."):
        return
    host = _host(event, args)
    if host is not None and host not in _LOOPBACK:
        _guard["seen"].append((event, host))
        raise ConnectionRefusedError(f"a set-up test tried to reach {host}")


@pytest.fixture(autouse=True)
def loopback_only() -> Iterator[list[tuple[str, str]]]:
    """Every connection and name lookup must stay on 127.0.0.1: no test uses the internet."""
    if not _guard["installed"]:
        sys.addaudithook(_audit)  # hooks cannot be removed: this one is switched off instead
        _guard["installed"] = True
    _guard["seen"] = []
    _guard["active"] = True
    try:
        yield _guard["seen"]
    finally:
        _guard["active"] = False
    assert _guard["seen"] == [], f"network use beyond this machine: {_guard['seen']}"


@pytest.fixture
def service(qtbot: QtBot, app_paths: AppPaths) -> Iterator[DownloadService]:
    service = DownloadService(app_paths, retry=FAST_RETRY)
    yield service
    assert service.shutdown()


ViewFactory = Callable[..., WelcomeView]


@pytest.fixture
def make_view(qtbot: QtBot, app_paths: AppPaths, service: DownloadService,
              fake_hub: FakeHub) -> Iterator[ViewFactory]:
    """`make_view(available=…)`: a shown WelcomeView using the test's DownloadService; it
    asks the fake Hub, unless the test points HF_ENDPOINT elsewhere or sets offline mode."""
    views: list[WelcomeView] = []

    def make(available: int | None = SMALL_MACHINE) -> WelcomeView:
        view = WelcomeView(app_paths, ModelLibrary(app_paths), service, available=available)
        qtbot.addWidget(view)
        view.resize(700, 800)
        view.show()
        views.append(view)
        return view

    yield make
    for view in views:
        assert view.shutdown()
