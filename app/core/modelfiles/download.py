"""Download a resolved model into the models folder: resumable, verified, never half-used.

Each file is fetched into `<name>.part` (kept across pauses, crashes and restarts), checked
against the sha256 the Hub published, and only then renamed to its real name and recorded in
the manifest. A partial or damaged file therefore never looks like a model to anyone.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from app.core.engine.memory import MemoryEstimate
from app.core.modelfiles import hub
from app.core.modelfiles.catalog import RemoteFile, ResolvedModel, memory_fit
from app.core.modelfiles.errors import (
    ChecksumMismatch,
    DownloadCancelled,
    DownloadError,
    NotEnoughSpace,
)
from app.core.modelfiles.manifest import (
    DownloadedModel,
    DownloadManifest,
    file_path,
    model_folder,
    remove_empty_dirs,
)
from app.core.modelfiles.progress import (
    DOWNLOADING,
    VERIFYING,
    ProgressCallback,
    ProgressMeter,
    human_size,
)
from app.core.modelfiles.transfer import RetryPolicy, fetch, local_error, part_size
from app.core.paths import AppPaths

log = logging.getLogger(__name__)

PART_SUFFIX = ".part"
LOCK_NAME = ".download.lock"
#: Free space to leave beyond the model itself, so the system and the app keep working.
DISK_MARGIN = 512 * 1024**2
_HASH_BLOCK = 4 * 1024**2


@dataclass(frozen=True)
class DiskCheck:
    folder: Path
    needed: int  # bytes still to download
    margin: int
    free: int

    @property
    def ok(self) -> bool:
        return self.free >= self.needed + self.margin

    def describe(self) -> str:
        return (f"needs {human_size(self.needed)} (+{human_size(self.margin)} to spare), "
                f"{human_size(self.free)} free in {self.folder}")


@dataclass(frozen=True)
class DownloadPlan:
    """What to show before the user confirms a download: size, disk space, memory fit."""

    model: ResolvedModel
    disk: DiskCheck
    memory: MemoryEstimate | None  # None when the model's shape is unknown before download


class ModelDownloader:
    """Downloads ResolvedModels into `AppPaths.models`; safe to use from a worker thread.

    `download()` blocks; pass a `threading.Event` to cancel it from another thread. It ends
    by returning the path of a verified model or by raising DownloadCancelled or a
    DownloadError whose message is for the user. In every case the partial files stay, so
    calling it again resumes.
    """

    def __init__(self, paths: AppPaths, *, retry: RetryPolicy | None = None,
                 disk_margin: int = DISK_MARGIN) -> None:
        self.models_dir = paths.models
        self.retry = retry or RetryPolicy()
        self.disk_margin = disk_margin
        self.manifest = DownloadManifest(self.models_dir)

    def folder(self, model: ResolvedModel) -> Path:
        return model_folder(self.models_dir, model)

    def _final(self, model: ResolvedModel, remote: RemoteFile) -> Path:
        return file_path(self.folder(model), remote.name)

    def _part(self, model: ResolvedModel, remote: RemoteFile) -> Path:
        final = self._final(model, remote)
        return final.with_name(final.name + PART_SUFFIX)

    def _is_done(self, model: ResolvedModel, remote: RemoteFile) -> bool:
        """A file under its real name has been verified (nothing else renames it there)."""
        final = self._final(model, remote)
        return final.is_file() and final.stat().st_size == remote.size

    def remaining_bytes(self, model: ResolvedModel) -> int:
        """Bytes still to download, counting what the partial files already hold."""
        remaining = 0
        for remote in model.files:
            if not self._is_done(model, remote):
                remaining += remote.size - min(part_size(self._part(model, remote)), remote.size)
        return remaining

    def disk_check(self, model: ResolvedModel) -> DiskCheck:
        """Whether the rest of the download fits on the disk, with a safety margin."""
        folder = self.models_dir
        folder.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(folder).free
        return DiskCheck(folder, self.remaining_bytes(model), self.disk_margin, free)

    def plan(self, model: ResolvedModel, *, n_ctx: int | None = None,
             available: int | None = None) -> DownloadPlan:
        """Disk space and the engine's memory-fit estimate for `model`, without the network."""
        return DownloadPlan(model, self.disk_check(model),
                            memory_fit(model, n_ctx, available=available))

    def pending(self) -> list[ResolvedModel]:
        """Downloads started earlier and not finished: offer to resume them at that commit."""
        return self.manifest.pending()

    def downloaded(self, model: ResolvedModel) -> DownloadedModel | None:
        for entry in self.manifest.models():
            if entry.resolved == model and not entry.missing():
                return entry
        return None

    def discard(self, model: ResolvedModel) -> None:
        """Give up a download: delete its partial files and forget it."""
        for remote in model.files:
            self._part(model, remote).unlink(missing_ok=True)
        self.manifest.remove_pending(model)
        remove_empty_dirs(self.folder(model), self.models_dir)

    def download(self, model: ResolvedModel, *, on_progress: ProgressCallback | None = None,
                 cancel: threading.Event | None = None) -> Path:
        """Download (or resume), verify and record `model`; returns the file for llama.cpp."""
        cancel = cancel or threading.Event()
        done = self.downloaded(model)
        if done is not None:
            return done.path
        try:
            todo = [f for f in model.files if not self._is_done(model, f)]
            if todo:
                hub.require_online()
                check = self.disk_check(model)
                if not check.ok:
                    raise NotEnoughSpace(f"Not enough disk space for {model.name}: it "
                                         f"{check.describe()}. Free some space and retry.")
                with self._exclusive():
                    self.manifest.add_pending(model)
                    self._fetch_all(model, todo, on_progress, cancel)
                    self._verify_all(model, todo, on_progress, cancel)
            entry = self.manifest.add_model(model)
        except OSError as exc:  # the models folder or its record, not the network
            raise local_error(exc, self.models_dir) from exc
        log.info("%s is downloaded and verified: %s", model.name, entry.path)
        return entry.path

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """One download at a time per models folder, across processes: two writers
        appending to the same partial file would only produce a checksum failure."""
        from filelock import FileLock, Timeout

        lock = FileLock(self.models_dir / LOCK_NAME)
        try:
            lock.acquire(timeout=0)
        except Timeout as exc:
            raise DownloadError("Another download into this models folder is running (in "
                                "another OSS Chat window or `oss-chat download`). Let it "
                                "finish or stop it, then retry.") from exc
        try:
            yield
        finally:
            lock.release()

    def _fetch_all(self, model: ResolvedModel, todo: list[RemoteFile],
                   on_progress: ProgressCallback | None, cancel: threading.Event) -> None:
        from huggingface_hub import hf_hub_url

        base = model.total_bytes - sum(f.size for f in todo)
        already = sum(min(part_size(self._part(model, f)), f.size) for f in todo)
        meter = ProgressMeter(DOWNLOADING, model.total_bytes, on_progress, start=base + already)
        for remote in todo:
            url = hf_hub_url(model.repo, remote.name, revision=model.revision,
                             endpoint=hub.endpoint())
            log.info("downloading %s from %s (%d bytes, %d on disk)", remote.name, url,
                     remote.size, part_size(self._part(model, remote)))
            start = base

            def position(pos: int, start: int = start, name: str = remote.name) -> None:
                meter.update(start + pos, name)

            fetch(url, self._part(model, remote), remote.size, retry=self.retry,
                  cancel=cancel, on_position=position, what=remote.name)
            base += remote.size
        meter.update(base, todo[-1].name, force=True)

    def _verify_all(self, model: ResolvedModel, todo: list[RemoteFile],
                    on_progress: ProgressCallback | None, cancel: threading.Event) -> None:
        meter = ProgressMeter(VERIFYING, sum(f.size for f in todo), on_progress)
        checked = 0
        for remote in todo:
            part = self._part(model, remote)

            def hashed(n: int, start: int = checked, name: str = remote.name) -> None:
                meter.update(start + n, name)

            digest = _sha256(part, cancel, hashed)
            if digest != remote.sha256:
                part.unlink(missing_ok=True)
                log.info("sha256 mismatch for %s: got %s, expected %s", remote.name, digest,
                          remote.sha256)
                raise ChecksumMismatch(
                    f"{remote.name} arrived damaged (its checksum does not match the one "
                    "published on Hugging Face), so it was deleted. Retry to download it "
                    "again.")
            os.replace(part, self._final(model, remote))
            checked += remote.size
            meter.update(checked, remote.name, force=True)


def _sha256(path: Path, cancel: threading.Event, on_bytes: Callable[[int], None]) -> str:
    digest = hashlib.sha256()
    done = 0
    try:
        with path.open("rb") as f:
            while block := f.read(_HASH_BLOCK):
                if cancel.is_set():
                    raise DownloadCancelled()
                digest.update(block)
                done += len(block)
                on_bytes(done)
    except OSError as exc:
        raise DownloadError(f"Cannot read {path.name} to verify it: {exc.strerror}.") from exc
    return digest.hexdigest()

