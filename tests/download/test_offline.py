"""After set-up the app never touches the network: proved with an audit hook that records
every connection and name lookup the process attempts."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.core.engine.memory import estimate
from app.core.modelfiles.catalog import resolve
from app.core.modelfiles.download import ModelDownloader
from app.core.modelfiles.errors import HubOffline
from app.core.modelfiles.gguf_info import inspect_gguf
from app.core.modelfiles.library import ModelLibrary
from app.core.paths import AppPaths
from tests.download.conftest import FAST_RETRY, REPO
from tests.download.fakehub import FakeHub

_NETWORK_EVENTS = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname",
                   "socket.sendto", "socket.sendmsg"}
_watch: dict[str, Any] = {"active": False, "seen": []}


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _watch["active"] and event in _NETWORK_EVENTS:
        _watch["seen"].append((event, repr(args)[:200]))
        raise ConnectionRefusedError(f"network use in an offline test: {event}")


@pytest.fixture
def no_network() -> Iterator[list[tuple[str, str]]]:
    """While active, any connection or name lookup fails and is recorded."""
    if not _watch.get("installed"):
        sys.addaudithook(_audit)  # hooks cannot be removed: this one is switched off instead
        _watch["installed"] = True
    _watch["seen"] = []
    _watch["active"] = True
    try:
        yield _watch["seen"]
    finally:
        _watch["active"] = False


def test_the_hook_notices_a_connection(no_network: list[tuple[str, str]]) -> None:
    import socket

    with socket.socket() as s, pytest.raises(ConnectionRefusedError):
        s.connect(("127.0.0.1", 9))
    assert no_network[0][0] == "socket.connect"
    no_network.clear()


@pytest.mark.slow
def test_start_up_and_chat_open_no_socket(
        fake_hub: FakeHub, app_paths: AppPaths, data_dir: Path,
        monkeypatch: pytest.MonkeyPatch, no_network: list[tuple[str, str]]) -> None:
    llama_cpp = pytest.importorskip("llama_cpp")
    from huggingface_hub import constants

    _watch["active"] = False  # set-up: the one time the network is used
    model = resolve(REPO)
    ModelDownloader(app_paths, retry=FAST_RETRY, disk_margin=0).download(model)
    ModelLibrary(app_paths).set_default(ModelLibrary(app_paths).models()[0].path)

    _watch["active"] = True
    assert ModelLibrary(app_paths).default is not None  # local by nature, even when online
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)

    library = ModelLibrary(app_paths)  # start-up: the library and the default model
    default = library.default
    assert default is not None and default.usable and library.models() == [default]
    info = inspect_gguf(default.path)
    assert estimate(info, 256).total_bytes > 0
    assert ModelDownloader(app_paths).download(model) == default.path
    with pytest.raises(HubOffline):
        resolve(REPO)
    assert main(["--data-dir", str(data_dir), "download"]) == 1

    llm = llama_cpp.Llama(str(default.path), n_ctx=256, n_threads=1, verbose=False)
    try:  # chat: load and generate a few tokens
        tokens = []
        for token in llm.generate(llm.tokenize(b"Hello world", add_bos=False)):
            tokens.append(token)
            if len(tokens) == 4:
                break
        assert len(tokens) == 4
    finally:
        llm.close()
    assert no_network == []
