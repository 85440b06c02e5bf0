"""Model downloads for the GUI: ModelDownloader on a worker thread, reported by signals.

A download is a job, not a resource the app holds, so each one gets a plain Python thread.
That thread never touches Qt objects' slots directly: it emits one private signal, connected
with a queued connection, and the public signals are emitted from the GUI thread. Pause and
Cancel set a `threading.Event` that the transfer checks between network reads (a busy
thread would never see a queued "stop"); both keep the partial file, and `resume()` starts
again where it stopped. Each start ends with exactly one of finished, cancelled or failed.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from app.core.modelfiles.catalog import DEFAULT_MODEL, ResolvedModel, resolve
from app.core.modelfiles.download import ModelDownloader
from app.core.modelfiles.errors import DownloadCancelled, DownloadError
from app.core.modelfiles.progress import DownloadProgress
from app.core.modelfiles.transfer import RetryPolicy
from app.core.paths import AppPaths

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DownloadRequest:
    repo: str = DEFAULT_MODEL.repo
    file: str | None = None
    revision: str | None = None
    resolved: ResolvedModel | None = None  # skips resolving (e.g. a pending download)


class DownloadService(QObject):
    """Runs one model download at a time off the GUI thread.

    Signals:
        planned(object): a DownloadPlan (exact files, size, commit, disk space, memory fit)
            in answer to `plan()`, for the user to confirm; the job ends there.
        resolved(object): the ResolvedModel being downloaded (exact files, size, commit).
        phaseChanged(str): "resolving", "downloading" or "verifying".
        progress(object, object, float, float): bytes done, bytes total (Python ints: a
            model exceeds 32 bits), speed in bytes/s, seconds left (-1 when unknown).
        finished(str): the verified model's path.
        failed(str): a message for the user, ending a download or a plan; a Retry may
            follow (`resume()`).
        cancelled(): paused or cancelled; the partial file is kept for `resume()`.
    """

    planned = Signal(object)
    resolved = Signal(object)
    phaseChanged = Signal(str)
    progress = Signal(object, object, float, float)
    finished = Signal(str)
    failed = Signal(str)
    cancelled = Signal()
    _relay = Signal(str, object)  # (kind, payload), emitted on the worker thread

    def __init__(self, paths: AppPaths, parent: QObject | None = None, *,
                 retry: RetryPolicy | None = None) -> None:
        super().__init__(parent)
        self._downloader = ModelDownloader(paths, retry=retry)
        self._thread: threading.Thread | None = None
        self._busy = False  # until the job's last signal reaches the GUI thread
        self._cancel = threading.Event()
        self._request: DownloadRequest | None = None
        self._phase = ""
        self._relay.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def downloader(self) -> ModelDownloader:
        return self._downloader

    def is_running(self) -> bool:
        return self._busy

    def plan(self, request: DownloadRequest | None = None) -> None:
        """Resolve the model and check disk and memory, off the GUI thread: ends with
        `planned` or `failed`. Start the download with `DownloadRequest(resolved=…)`."""
        self._launch(request, download=False)

    def start(self, request: DownloadRequest | None = None) -> None:
        """Start (or resume) a download; ignored while one is running."""
        self._launch(request, download=True)

    def _launch(self, request: DownloadRequest | None, *, download: bool) -> None:
        if self.is_running():
            log.info("a download is already running")
            return
        if self._thread is not None:
            self._thread.join()  # its job is over; only the thread's last steps remain
        self._request = request or DownloadRequest()
        self._cancel = threading.Event()
        self._phase = ""
        self._busy = True
        self._thread = threading.Thread(target=self._work, name="model-download",
                                        args=(self._request, self._cancel, download))
        self._thread.start()

    def resume(self) -> None:
        """Start the last request again; the download continues from its partial file."""
        self.start(self._request)

    def pause(self) -> None:
        self._cancel.set()

    def cancel(self) -> None:
        """Stop the download; the partial file stays, so this is the same as pause()."""
        self._cancel.set()

    def discard(self, model: ResolvedModel) -> None:
        """Delete the partial files of a download the user gave up (not while it runs)."""
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError("cannot discard a running download")
        self._downloader.discard(model)

    def shutdown(self, timeout: float = 10.0) -> bool:
        """Cancel and wait for the worker thread; False if it did not end in time."""
        self._cancel.set()
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def _work(self, request: DownloadRequest, cancel: threading.Event, download: bool) -> None:
        try:
            model = request.resolved
            if model is None:
                self._relay.emit("phase", "resolving")
                model = resolve(request.repo, request.file, request.revision)
            if not download:
                self._relay.emit("planned", self._downloader.plan(model))
                return
            self._relay.emit("resolved", model)
            path = self._downloader.download(model, on_progress=self._on_progress,
                                             cancel=cancel)
        except DownloadCancelled:
            self._relay.emit("cancelled", None)
        except DownloadError as exc:
            self._relay.emit("failed", str(exc))
        except Exception as exc:  # a bug: keep the GUI alive and the user informed
            log.exception("download failed unexpectedly")
            self._relay.emit("failed", f"The download failed unexpectedly: {exc}")
        else:
            self._relay.emit("finished", str(path))

    def _on_progress(self, p: DownloadProgress) -> None:
        self._relay.emit("progress", p)

    @Slot(str, object)
    def _deliver(self, kind: str, payload: Any) -> None:
        if kind == "progress":
            p: DownloadProgress = payload
            if p.phase != self._phase:
                self._phase = p.phase
                self.phaseChanged.emit(p.phase)
            self.progress.emit(p.done, p.total, p.speed, -1.0 if p.eta is None else p.eta)
        elif kind == "phase":
            self._phase = str(payload)
            self.phaseChanged.emit(self._phase)
        elif kind == "resolved":
            self._request = DownloadRequest(resolved=payload)  # resume at the same commit
            self.resolved.emit(payload)
        elif kind == "planned":
            self._busy = False
            self._request = DownloadRequest(resolved=payload.model)  # start() downloads it
            self.planned.emit(payload)
        elif kind == "finished":
            self._busy = False
            self.finished.emit(str(payload))
        elif kind == "failed":
            self._busy = False
            self.failed.emit(str(payload))
        elif kind == "cancelled":
            self._busy = False
            self.cancelled.emit()
