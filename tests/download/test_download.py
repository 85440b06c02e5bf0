"""ModelDownloader against the fake Hub: progress, resume, retries, verification, disk trouble."""

from __future__ import annotations

import errno
import hashlib
import threading
from pathlib import Path
from typing import BinaryIO

import pytest

from app.core.modelfiles import transfer
from app.core.modelfiles.catalog import ResolvedModel, resolve
from app.core.modelfiles.download import LOCK_NAME, PART_SUFFIX, ModelDownloader
from app.core.modelfiles.errors import (
    ChecksumMismatch,
    DiskFull,
    DownloadCancelled,
    DownloadError,
    HubOffline,
    NotEnoughSpace,
    ServerError,
)
from app.core.modelfiles.library import ModelLibrary
from app.core.modelfiles.progress import DOWNLOADING, VERIFYING, DownloadProgress
from app.core.paths import AppPaths
from tests.download.conftest import FAST_RETRY, FILE, REPO
from tests.download.fakehub import FakeHub


@pytest.fixture
def downloader(app_paths: AppPaths) -> ModelDownloader:
    return ModelDownloader(app_paths, retry=FAST_RETRY, disk_margin=0)


def _part(downloader: ModelDownloader, model: ResolvedModel) -> Path:
    return downloader.folder(model) / (model.primary.name + PART_SUFFIX)


def _assert_monotonic(events: list[DownloadProgress], phase: str, total: int) -> None:
    done = [e.done for e in events if e.phase == phase]
    assert done, f"no {phase} events"
    assert done == sorted(done)
    assert done[-1] == total
    assert all(e.total == total for e in events if e.phase == phase)


def test_download_reports_progress_verifies_and_records(
        fake_hub: FakeHub, downloader: ModelDownloader, app_paths: AppPaths,
        model_bytes: bytes, model_sha: str) -> None:
    model = resolve(REPO)
    events: list[DownloadProgress] = []
    path = downloader.download(model, on_progress=events.append)

    assert path == app_paths.models / "ggml-org--gpt-oss-20b-GGUF" / model.revision / FILE
    assert hashlib.sha256(path.read_bytes()).hexdigest() == model_sha
    assert not _part(downloader, model).exists()
    _assert_monotonic(events, DOWNLOADING, len(model_bytes))
    _assert_monotonic(events, VERIFYING, len(model_bytes))
    assert [e.phase for e in events] == sorted((e.phase for e in events),
                                               key=[DOWNLOADING, VERIFYING].index)
    assert all(e.speed >= 0 and (e.eta is None or e.eta >= 0) for e in events)
    assert events[-1].eta == 0.0
    assert downloader.pending() == []
    [listed] = ModelLibrary(app_paths).models()
    assert (listed.path, listed.verified, listed.source) == (path, True, "downloaded")

    served = fake_hub.bytes_served()
    assert downloader.download(model) == path  # already there: nothing fetched again
    assert fake_hub.bytes_served() == served


def test_cancel_mid_file_then_resume_fetches_only_the_rest(
        fake_hub: FakeHub, app_paths: AppPaths, model_bytes: bytes, model_sha: str) -> None:
    fake_hub.piece_delay = 0.005
    model = resolve(REPO)
    cancel = threading.Event()
    first = ModelDownloader(app_paths, retry=FAST_RETRY, disk_margin=0)

    def on_progress(p: DownloadProgress) -> None:
        if p.done >= 100_000:
            cancel.set()

    with pytest.raises(DownloadCancelled):
        first.download(model, on_progress=on_progress, cancel=cancel)
    part = _part(first, model)
    kept = part.stat().st_size
    assert 100_000 <= kept < len(model_bytes)
    assert part.read_bytes() == model_bytes[:kept]  # a clean prefix, ready to resume
    assert not (first.folder(model) / FILE).exists()
    assert ModelLibrary(app_paths).models() == []  # a partial file is never a model
    assert first.pending() == [model]

    # "After a restart": a new downloader picks the partial file up.
    fake_hub.piece_delay = 0.0
    before = len(fake_hub.served)
    events: list[DownloadProgress] = []
    path = ModelDownloader(app_paths, retry=FAST_RETRY, disk_margin=0).download(
        model, on_progress=events.append)
    [resumed] = fake_hub.served[before:]
    assert (resumed.start, resumed.status) == (kept, 206)
    assert resumed.sent == len(model_bytes) - kept
    assert events[0].done == kept
    _assert_monotonic(events, DOWNLOADING, len(model_bytes))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == model_sha


def test_a_dropped_connection_is_retried_and_resumed(
        fake_hub: FakeHub, downloader: ModelDownloader, model_bytes: bytes,
        model_sha: str) -> None:
    fake_hub.drop_after = 150_000
    events: list[DownloadProgress] = []
    path = downloader.download(resolve(REPO), on_progress=events.append)
    assert [(s.start, s.sent) for s in fake_hub.served] == [
        (0, 150_000), (150_000, len(model_bytes) - 150_000)]
    _assert_monotonic(events, DOWNLOADING, len(model_bytes))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == model_sha


def test_a_server_that_ignores_ranges_still_gives_a_correct_file(
        fake_hub: FakeHub, downloader: ModelDownloader, model_sha: str) -> None:
    fake_hub.drop_after, fake_hub.ignore_range = 100_000, True
    path = downloader.download(resolve(REPO))
    assert [s.start for s in fake_hub.served] == [0, 0]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == model_sha


def test_checksum_mismatch_deletes_the_file_and_says_so(
        fake_hub: FakeHub, downloader: ModelDownloader, app_paths: AppPaths) -> None:
    fake_hub.corrupt = True
    model = resolve(REPO)
    with pytest.raises(ChecksumMismatch, match=f"{FILE} arrived damaged.*so it was deleted"):
        downloader.download(model)
    assert not _part(downloader, model).exists()
    assert not (downloader.folder(model) / FILE).exists()
    assert ModelLibrary(app_paths).models() == []
    fake_hub.corrupt = False  # Retry
    assert downloader.download(model).is_file()


def test_server_errors_are_retried_then_reported(
        fake_hub: FakeHub, downloader: ModelDownloader, app_paths: AppPaths) -> None:
    model = resolve(REPO)
    fake_hub.fail_status = 500
    with pytest.raises(ServerError, match=r"HTTP 500"):
        downloader.download(model)
    assert fake_hub.served == []
    assert ModelLibrary(app_paths).models() == []
    fake_hub.fail_times = 2  # a passing hiccup: the automatic retries get through
    assert downloader.download(model).is_file()


class _FillingDisk:
    """A file that fails with ENOSPC once `room` bytes have been written."""

    def __init__(self, real: BinaryIO, room: int) -> None:
        self._real, self._room = real, room

    def write(self, data: bytes) -> int:
        if len(data) > self._room:
            self._real.write(data[: self._room])
            self._room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self._room -= len(data)
        return self._real.write(data)

    def __enter__(self) -> _FillingDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self._real.close()


def test_disk_full_keeps_the_partial_file_and_the_library(
        fake_hub: FakeHub, downloader: ModelDownloader, app_paths: AppPaths,
        monkeypatch: pytest.MonkeyPatch, tiny_model: Path) -> None:
    library = ModelLibrary(app_paths)
    added = library.add_file(tiny_model)
    library.set_default(added)
    saved = app_paths.model_library_file.read_bytes()
    real_open = transfer.open_part
    monkeypatch.setattr(transfer, "open_part",
                        lambda path, append: _FillingDisk(real_open(path, append), 200_000))
    model = resolve(REPO)
    with pytest.raises(DiskFull, match=r"The disk is full \(.*\)\. The 200,000 bytes downloaded "
                                       r"so far are kept for resuming\. Free some space and "
                                       r"retry\."):
        downloader.download(model)
    assert _part(downloader, model).stat().st_size == 200_000
    assert app_paths.model_library_file.read_bytes() == saved
    assert ModelLibrary(app_paths).models() == [added]
    assert ModelLibrary(app_paths).default == added

    monkeypatch.setattr(transfer, "open_part", real_open)  # space was freed: Retry
    before = len(fake_hub.served)
    path = downloader.download(model)
    assert fake_hub.served[before].start == 200_000
    assert path.read_bytes() == tiny_model.read_bytes()


def test_not_enough_space_is_refused_before_downloading(
        fake_hub: FakeHub, app_paths: AppPaths) -> None:
    downloader = ModelDownloader(app_paths, retry=FAST_RETRY, disk_margin=1 << 60)
    model = resolve(REPO)
    assert not downloader.disk_check(model).ok
    with pytest.raises(NotEnoughSpace, match=r"Not enough disk space for gpt-oss-20b-MXFP4: "
                                             r"it needs [\d,]+ KB \(\+[\d.]+ GB to spare\), "
                                             r"[\d.]+ GB free in "):
        downloader.download(model)
    assert fake_hub.served == []


def test_offline_mode_refuses_downloads_but_not_finished_models(
        fake_hub: FakeHub, downloader: ModelDownloader, monkeypatch: pytest.MonkeyPatch) -> None:
    model = resolve(REPO)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(HubOffline):
        downloader.download(model)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    path = downloader.download(model)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert downloader.download(model) == path


def test_discard_deletes_the_partial_and_forgets_the_download(
        fake_hub: FakeHub, downloader: ModelDownloader, app_paths: AppPaths) -> None:
    fake_hub.piece_delay = 0.002
    model = resolve(REPO)
    cancel = threading.Event()
    with pytest.raises(DownloadCancelled):
        downloader.download(model, cancel=cancel,
                            on_progress=lambda p: cancel.set() if p.done else None)
    assert downloader.pending() == [model]
    assert _part(downloader, model).is_file()
    downloader.discard(model)
    assert downloader.pending() == []
    assert not (app_paths.models / "ggml-org--gpt-oss-20b-GGUF").exists()


def test_a_split_model_is_downloaded_whole(fake_hub: FakeHub, downloader: ModelDownloader,
                                           app_paths: AppPaths, model_bytes: bytes) -> None:
    names = [f"gpt-oss-120b-mxfp4-0000{i}-of-00003.gguf" for i in (1, 2, 3)]
    fake_hub.add("ggml-org/gpt-oss-120b-GGUF", dict.fromkeys(names, model_bytes))
    model = resolve("ggml-org/gpt-oss-120b-GGUF")
    events: list[DownloadProgress] = []
    path = downloader.download(model, on_progress=events.append)
    assert path.name == names[0]
    assert sorted(p.name for p in path.parent.iterdir()) == names
    _assert_monotonic(events, DOWNLOADING, 3 * len(model_bytes))
    [listed] = ModelLibrary(app_paths).models()
    assert (listed.path, listed.size, listed.verified) == (path, 3 * len(model_bytes), True)


def test_one_download_at_a_time_per_models_folder(
        fake_hub: FakeHub, downloader: ModelDownloader, app_paths: AppPaths) -> None:
    from filelock import FileLock

    model = resolve(REPO)
    with FileLock(app_paths.models / LOCK_NAME), \
            pytest.raises(DownloadError, match="Another download into this models folder"):
        downloader.download(model)  # while another process holds the lock
    assert fake_hub.served == []
    assert downloader.download(model).is_file()


def test_the_fake_hub_satisfies_the_stock_client(fake_hub: FakeHub, tmp_path: Path,
                                                 model_bytes: bytes) -> None:
    """The fake Hub's headers and redirects are what huggingface_hub itself relies on."""
    from huggingface_hub import hf_hub_download

    path = hf_hub_download(REPO, FILE, local_dir=tmp_path / "stock")
    assert Path(path).read_bytes() == model_bytes
