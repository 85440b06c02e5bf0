"""The welcome view with the real DownloadService against the fake Hub on 127.0.0.1."""

from __future__ import annotations

import itertools
import re
import socket
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from app.core.modelfiles import transfer
from app.core.modelfiles.catalog import GPT_OSS_20B, GPT_OSS_120B, resolve
from app.core.modelfiles.download import PART_SUFFIX, ModelDownloader
from app.core.modelfiles.errors import DownloadCancelled
from app.core.modelfiles.library import LocalModel, ModelLibrary
from app.core.modelfiles.progress import DownloadProgress, human_size
from app.core.paths import AppPaths
from app.ui.services.download_service import DownloadService
from app.ui.setup import WelcomeView
from app.ui.setup.model_card import CardState, ModelCard
from tests.download.conftest import FAST_RETRY, FILE, REPO
from tests.download.fakehub import FakeHub
from tests.download.test_download import _FillingDisk
from tests.setup.conftest import BIG_MACHINE, SMALL_MACHINE, ViewFactory

TIMEOUT = 15_000
PROGRESS = re.compile(r"^[\d.,]+ (bytes|KB) of [\d.,]+ KB · [\d.,]+ (KB|MB|GB)/s · \d+ s left$")


def card_of(view: WelcomeView, key: str = GPT_OSS_20B.key) -> ModelCard:
    card = view.card(key)
    assert card is not None
    return card


def wait_checked(qtbot: QtBot, card: ModelCard) -> None:
    """Until the card's plan (or its failure) has arrived."""
    qtbot.waitUntil(lambda: (card.state is CardState.FAILED
                             or not card.size_label.text().startswith("Size: about")),
                    timeout=TIMEOUT)


def download(qtbot: QtBot, view: WelcomeView, card: ModelCard) -> LocalModel:
    with qtbot.waitSignal(view.modelReady, timeout=TIMEOUT) as ready:
        card.download_button.click()
    model: LocalModel = ready.args[0]
    return model


def hub_model(hub: FakeHub) -> bytes:
    """The model file the fake Hub serves as gpt-oss-20b."""
    return hub.repos[REPO][FILE]


def part_file(service: DownloadService) -> Path:
    [pending] = service.downloader.pending()
    return service.downloader.folder(pending) / (FILE + PART_SUFFIX)


def test_the_20b_card_shows_size_disk_and_memory_fit_once_planned(
        qtbot: QtBot, fake_hub: FakeHub, make_view: ViewFactory, model_bytes: bytes) -> None:
    view = make_view(available=SMALL_MACHINE)
    assert [c.model for c in view.cards] == [GPT_OSS_20B]
    card = card_of(view)
    # At once, before the Hub answers: the catalog's size and the memory estimate.
    assert card.size_label.text() == "Size: about 12.1 GB"
    assert card.memory_label.text().startswith("Memory: fits (needs about 13.")
    assert re.fullmatch(r"Disk: enough space \([\d.]+ GB free\)", card.disk_label.text())
    assert not card.download_button.isEnabled()
    wait_checked(qtbot, card)
    assert card.size_label.text() == f"Size: {human_size(len(model_bytes))}"
    assert re.fullmatch(r"Disk: enough space \([\d.]+ GB free\)", card.disk_label.text())
    assert re.fullmatch(r"Memory: fits \(needs about [\d.]+ GB, 17.2 GB of RAM free\)",
                        card.memory_label.text())
    assert card.download_button.isEnabled() and card.download_button.text() == "Download"
    assert card.resolved is not None and card.resolved.revision == fake_hub.commit
    assert len(fake_hub.api_calls) == 1 and fake_hub.served == []  # nothing downloaded yet


@pytest.mark.parametrize(("available", "offered"), [
    (SMALL_MACHINE, [GPT_OSS_20B.key]),
    (BIG_MACHINE, [GPT_OSS_20B.key, GPT_OSS_120B.key]),
])
def test_120b_is_offered_only_where_it_fits(
        qtbot: QtBot, fake_hub: FakeHub, make_view: ViewFactory, available: int,
        offered: list[str]) -> None:
    model_bytes = hub_model(fake_hub)
    names = [f"gpt-oss-120b-mxfp4-0000{i}-of-00003.gguf" for i in (1, 2, 3)]
    fake_hub.add(GPT_OSS_120B.repo, dict.fromkeys(names, model_bytes))
    view = make_view(available=available)
    assert [c.model.key for c in view.cards] == offered
    for card in view.cards:
        wait_checked(qtbot, card)
        assert card.download_button.isEnabled()
    if len(offered) > 1:
        big = card_of(view, GPT_OSS_120B.key)
        assert big.size_label.text() == f"Size: {human_size(3 * len(model_bytes))} in 3 files"
        assert big.memory_label.text().startswith("Memory: fits")


def test_download_shows_progress_then_the_model_is_verified_and_the_default(
        qtbot: QtBot, fake_hub: FakeHub, make_view: ViewFactory, service: DownloadService,
        app_paths: AppPaths) -> None:
    model_bytes = hub_model(fake_hub)
    fake_hub.piece_delay = 0.01  # long enough for several progress reports
    view = make_view()
    card = card_of(view)
    wait_checked(qtbot, card)
    texts: list[str] = []
    service.progress.connect(lambda *_: texts.append(card.progress_label.text()))
    ticks: list[float] = []
    timer = QTimer(view)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(10)

    started = time.monotonic()
    model = download(qtbot, view, card)
    took = time.monotonic() - started
    timer.stop()

    assert any(PROGRESS.match(text) for text in texts), texts
    assert texts[-1].startswith("Verifying the download · ")
    assert model.verified and model.source == "downloaded"
    assert model.path.read_bytes() == model_bytes
    assert ModelLibrary(app_paths).default == model
    assert card.state is CardState.DONE
    assert "verified and ready" in card.status_label.text()
    assert not card.pause_button.isVisible() and not card.cancel_button.isVisible()
    assert len(fake_hub.api_calls) == 1  # downloaded at the planned commit
    # The GUI thread kept turning: no gap between timer ticks anywhere near the download's.
    assert len(ticks) > 10
    assert max(b - a for a, b in itertools.pairwise(ticks)) < took / 2


def test_pause_keeps_the_partial_file_and_resume_continues(
        qtbot: QtBot, fake_hub: FakeHub, make_view: ViewFactory, service: DownloadService,
        model_bytes: bytes) -> None:
    fake_hub.piece_delay = 0.02
    view = make_view()
    card = card_of(view)
    wait_checked(qtbot, card)
    paused: list[int] = []

    def pause_once(done: int, *_: object) -> None:
        if done >= 100_000 and not paused:
            paused.append(done)
            card.pause_button.click()

    service.progress.connect(pause_once)
    with qtbot.waitSignal(service.cancelled, timeout=TIMEOUT):
        card.download_button.click()
    service.progress.disconnect(pause_once)
    assert card.state is CardState.PAUSED
    assert card.resume_button.isVisible() and card.cancel_button.isVisible()
    assert not card.pause_button.isVisible()
    kept = part_file(service).stat().st_size
    assert 100_000 <= kept < len(model_bytes)
    assert card.progress_label.text() == (f"Paused · {human_size(kept)} of "
                                          f"{human_size(len(model_bytes))}")

    fake_hub.piece_delay = 0.0
    with qtbot.waitSignal(view.modelReady, timeout=TIMEOUT) as ready:
        card.resume_button.click()
    assert ready.args[0].path.read_bytes() == model_bytes
    assert fake_hub.served[-1].start == kept
    assert len(fake_hub.api_calls) == 1


def test_cancel_keeps_the_partial_for_resuming_or_discards_it(
        qtbot: QtBot, fake_hub: FakeHub, make_view: ViewFactory, service: DownloadService,
        model_bytes: bytes) -> None:
    fake_hub.piece_delay = 0.02
    view = make_view()
    card = card_of(view)
    wait_checked(qtbot, card)

    def cancel_once(done: int, *_: object) -> None:
        if done >= 100_000 and card.cancel_button.isVisible():
            card.cancel_button.click()

    service.progress.connect(cancel_once)
    with qtbot.waitSignal(service.cancelled, timeout=TIMEOUT):
        card.download_button.click()
    service.progress.disconnect(cancel_once)
    part = part_file(service)
    kept = part.stat().st_size
    assert card.state is CardState.IDLE
    assert card.status_label.text() == f"Download cancelled. The {human_size(kept)} " \
                                       "downloaded so far are kept."
    assert card.download_button.text() == (f"Resume download ({human_size(kept)} of "
                                           f"{human_size(len(model_bytes))})")
    assert card.discard_button.isVisible() and card.discard_button.isEnabled()

    card.discard_button.click()
    assert not part.exists() and service.downloader.pending() == []
    assert card.download_button.text() == "Download"
    assert not card.discard_button.isVisible()
    fake_hub.piece_delay = 0.0
    download(qtbot, view, card)
    assert fake_hub.served[-1].start == 0


def test_a_download_left_unfinished_is_offered_for_resuming(
        qtbot: QtBot, fake_hub: FakeHub, make_view: ViewFactory, app_paths: AppPaths,
        model_bytes: bytes) -> None:
    fake_hub.piece_delay = 0.005
    model = resolve(REPO)
    cancel = threading.Event()

    def stop_early(p: DownloadProgress) -> None:
        if p.done >= 100_000:
            cancel.set()

    with pytest.raises(DownloadCancelled):  # "yesterday, before the app was closed"
        ModelDownloader(app_paths, retry=FAST_RETRY).download(
            model, on_progress=stop_early, cancel=cancel)
    fake_hub.piece_delay = 0.0
    kept = sum(p.stat().st_size for p in app_paths.models.rglob("*" + PART_SUFFIX))
    api_calls = len(fake_hub.api_calls)

    view = make_view()
    card = card_of(view)
    expected = f"Resume download ({human_size(kept)} of {human_size(len(model_bytes))})"
    assert card.download_button.text() == expected  # at once, from the files on disk
    assert card.download_button.accessibleName().startswith("Resume downloading gpt-oss-20b")
    assert card.discard_button.isVisible()
    wait_checked(qtbot, card)
    assert card.download_button.text() == expected
    assert re.fullmatch(r"Disk: enough space \([\d.]+ GB free\)", card.disk_label.text())
    download(qtbot, view, card)
    assert fake_hub.served[-1].start == kept
    assert len(fake_hub.api_calls) == api_calls  # the pinned commit, not resolved again


def test_a_dropped_connection_is_retried_without_the_user(
        qtbot: QtBot, fake_hub: FakeHub, make_view: ViewFactory, model_bytes: bytes) -> None:
    fake_hub.drop_after = 150_000
    view = make_view()
    card = card_of(view)
    wait_checked(qtbot, card)
    model = download(qtbot, view, card)
    assert [(s.start, s.sent) for s in fake_hub.served] == [
        (0, 150_000), (150_000, len(model_bytes) - 150_000)]
    assert model.path.read_bytes() == model_bytes


def test_a_checksum_mismatch_says_so_and_retry_downloads_again(
        qtbot: QtBot, fake_hub: FakeHub, make_view: ViewFactory, service: DownloadService,
        app_paths: AppPaths) -> None:
    fake_hub.corrupt = True
    view = make_view()
    card = card_of(view)
    wait_checked(qtbot, card)
    with qtbot.waitSignal(service.failed, timeout=TIMEOUT):
        card.download_button.click()
    assert card.state is CardState.FAILED
    assert f"{FILE} arrived damaged" in card.status_label.text()
    assert "so it was deleted" in card.status_label.text()
    assert card.retry_button.isVisible() and card.retry_button.isEnabled()
    assert not card.discard_button.isVisible()  # nothing is kept
    assert ModelLibrary(app_paths).models() == []

    fake_hub.corrupt = False
    with qtbot.waitSignal(view.modelReady, timeout=TIMEOUT):
        card.retry_button.click()
    assert card.state is CardState.DONE


def test_server_errors_say_so_and_retry(
        qtbot: QtBot, fake_hub: FakeHub, make_view: ViewFactory, service: DownloadService) -> None:
    view = make_view()
    card = card_of(view)
    wait_checked(qtbot, card)
    fake_hub.fail_status = 503
    with qtbot.waitSignal(service.failed, timeout=TIMEOUT):
        card.download_button.click()
    assert "is having problems (HTTP 503)" in card.status_label.text()
    assert card.retry_button.isVisible()
    fake_hub.fail_status = None
    with qtbot.waitSignal(view.modelReady, timeout=TIMEOUT):
        card.retry_button.click()


def test_a_full_disk_keeps_the_partial_and_retry_resumes(
        qtbot: QtBot, fake_hub: FakeHub, make_view: ViewFactory, service: DownloadService,
        monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = transfer.open_part
    monkeypatch.setattr(transfer, "open_part",
                        lambda path, append: _FillingDisk(real_open(path, append), 200_000))
    view = make_view()
    card = card_of(view)
    wait_checked(qtbot, card)
    with qtbot.waitSignal(service.failed, timeout=TIMEOUT):
        card.download_button.click()
    assert card.status_label.text().startswith("The disk is full (")
    assert "200,000 bytes downloaded so far are kept" in card.status_label.text()
    assert card.retry_button.isVisible() and card.discard_button.isVisible()
    assert card.partial == 200_000

    monkeypatch.setattr(transfer, "open_part", real_open)  # the user freed some space
    with qtbot.waitSignal(view.modelReady, timeout=TIMEOUT) as ready:
        card.retry_button.click()
    assert fake_hub.served[-1].start == 200_000
    assert ready.args[0].path.read_bytes() == hub_model(fake_hub)


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_no_network_says_so_and_retry_checks_again(
        qtbot: QtBot, fake_hub: FakeHub, make_view: ViewFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    port = _unused_port()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")  # nobody listens there
    view = make_view()
    card = card_of(view)
    wait_checked(qtbot, card)
    assert card.state is CardState.FAILED
    assert card.status_label.text().startswith(f"Cannot reach 127.0.0.1:{port}: no network")
    assert card.retry_button.isVisible() and not card.download_button.isVisible()
    assert card.memory_label.text().startswith("Memory: fits")  # known without the network

    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)  # the network is back
    card.retry_button.click()
    wait_checked(qtbot, card)
    qtbot.waitUntil(card.download_button.isEnabled, timeout=TIMEOUT)
    assert card.state is CardState.IDLE and card.status_label.text() == ""


def test_offline_mode_says_so_and_a_file_can_still_be_chosen(
        qtbot: QtBot, make_view: ViewFactory, monkeypatch: pytest.MonkeyPatch,
        tiny_model: Path, no_network: list[tuple[str, str]]) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    view = make_view()
    card = card_of(view)
    wait_checked(qtbot, card)
    assert card.status_label.text().startswith("Offline mode is on (HF_HUB_OFFLINE is set)")
    assert card.retry_button.isVisible()
    assert card.memory_label.text().startswith("Memory: fits")
    with qtbot.waitSignal(view.modelReady, timeout=TIMEOUT) as ready:
        view.add_model_file(tiny_model)
    assert ready.args[0].path == tiny_model
    assert no_network == []  # not even a connection attempt


def test_one_download_at_a_time(qtbot: QtBot, fake_hub: FakeHub,
                                make_view: ViewFactory) -> None:
    fake_hub.add(GPT_OSS_120B.repo, {"gpt-oss-120b-mxfp4.gguf": hub_model(fake_hub)})
    fake_hub.piece_delay = 0.01
    view = make_view(available=BIG_MACHINE)
    small, big = card_of(view), card_of(view, GPT_OSS_120B.key)
    wait_checked(qtbot, small)
    wait_checked(qtbot, big)
    with qtbot.waitSignal(view.modelReady, timeout=TIMEOUT):
        small.download_button.click()
        assert not big.download_button.isEnabled()
        assert small.pause_button.isEnabled()
    assert big.download_button.isEnabled()


def test_cancel_while_paused_offers_resume_and_discard(
        qtbot: QtBot, fake_hub: FakeHub, make_view: ViewFactory,
        service: DownloadService) -> None:
    fake_hub.piece_delay = 0.02
    view = make_view()
    card = card_of(view)
    wait_checked(qtbot, card)
    service.progress.connect(lambda done, *_: card.pause_button.click() if done else None)
    with qtbot.waitSignal(service.cancelled, timeout=TIMEOUT):
        card.download_button.click()
    assert card.state is CardState.PAUSED
    card.cancel_button.click()
    assert card.state is CardState.IDLE
    assert card.download_button.text().startswith("Resume download (")
    assert card.discard_button.isVisible()


def test_a_model_downloaded_before_is_used_without_downloading_again(
        qtbot: QtBot, fake_hub: FakeHub, make_view: ViewFactory, app_paths: AppPaths) -> None:
    path = ModelDownloader(app_paths, retry=FAST_RETRY).download(resolve(REPO))
    served = fake_hub.bytes_served()  # then the app stopped before making it the default
    view = make_view()
    card = card_of(view)
    wait_checked(qtbot, card)
    assert card.download_button.text() == "Use it"
    with qtbot.waitSignal(view.modelReady, timeout=TIMEOUT) as ready:
        card.download_button.click()
    assert ready.args[0].path == path and ready.args[0].verified
    assert fake_hub.bytes_served() == served
    assert ModelLibrary(app_paths).default == ready.args[0]


def test_without_a_service_the_view_runs_and_stops_its_own(
        qtbot: QtBot, fake_hub: FakeHub, app_paths: AppPaths) -> None:
    view = WelcomeView(app_paths, ModelLibrary(app_paths), available=SMALL_MACHINE)
    qtbot.addWidget(view)
    card = card_of(view)
    wait_checked(qtbot, card)
    assert card.download_button.isEnabled()
    assert view.shutdown()
