"""The model cards' plans and downloads, run through one DownloadService.

The service runs one job at a time and answers with signals that do not say which model they
are about, so this keeps a small queue and knows which card the running job belongs to. Each
card's plan (exact files, disk space, memory fit) and a clicked download wait their turn, a
download ahead of plans. Nothing here blocks: the service's worker thread does the work.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Literal

from PySide6.QtCore import QObject, Signal

from app.core.engine.config import DEFAULT_CONTEXT
from app.core.engine.memory import MemoryEstimate, estimate
from app.core.modelfiles.catalog import ResolvedModel, expected_info, memory_fit
from app.core.modelfiles.download import DiskCheck, DownloadPlan
from app.ui.services.download_service import DownloadRequest, DownloadService
from app.ui.setup.model_card import CardState, ModelCard

log = logging.getLogger(__name__)

JobKind = Literal["plan", "download"]


@dataclass(frozen=True)
class _Job:
    kind: JobKind
    card: ModelCard


class CardDownloads(QObject):
    """Connects model cards to a DownloadService: what a card asks, what the service answers.

    `available` (bytes of memory) replaces this machine's free RAM in the fit estimates.

    Signals:
        downloaded(object, str): a ModelCard and the path of its model, downloaded and
            verified; the card says "Getting it ready…" until told more.
    """

    downloaded = Signal(object, str)

    def __init__(self, service: DownloadService, cards: Sequence[ModelCard], *,
                 available: int | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._cards = list(cards)
        self._available = available
        self._queue: list[_Job] = []
        self._job: _Job | None = None
        self._retry_kind: dict[str, JobKind] = {}  # card key -> what Retry runs again
        self._stopping: dict[str, str] = {}  # card key -> "pause" or "cancel" while it stops
        self._phase = ""  # of the running download, for its progress text
        service.planned.connect(self._on_planned)
        service.resolved.connect(self._on_resolved)
        service.phaseChanged.connect(self._on_phase)
        service.progress.connect(self._on_progress)
        service.finished.connect(self._on_finished)
        service.failed.connect(self._on_failed)
        service.cancelled.connect(self._on_cancelled)
        for card in self._cards:
            card.downloadRequested.connect(partial(self._download, card))
            card.pauseRequested.connect(partial(self._stop, card, "pause"))
            card.cancelRequested.connect(partial(self._stop, card, "cancel"))
            card.retryRequested.connect(partial(self._retry, card))
            card.discardRequested.connect(partial(self._discard, card))

    def check(self) -> None:
        """Show each card's disk space and memory fit at once from the catalog's sizes (no
        network needed, so offline too), pick up downloads that were left unfinished, then
        ask the Hub for the exact files."""
        downloader = self._service.downloader
        pending = {model.repo.lower(): model for model in downloader.pending()}
        for card in self._cards:
            card.show_memory(estimate(expected_info(card.model), DEFAULT_CONTEXT,
                                      available=self._available))
            done = 0
            resolved = pending.get(card.model.repo.lower())
            if resolved is not None:
                done = resolved.total_bytes - downloader.remaining_bytes(resolved)
                card.show_partial(resolved, done)
            try:
                downloader.models_dir.mkdir(parents=True, exist_ok=True)
                free = shutil.disk_usage(downloader.models_dir).free
            except OSError as exc:
                log.warning("cannot measure the free space in %s: %s",
                            downloader.models_dir, exc)
            else:
                card.show_disk(DiskCheck(downloader.models_dir, card.model.approx_bytes - done,
                                         downloader.disk_margin, free))
            self._plan(card)

    def report_failure(self, card: ModelCard, message: str) -> None:
        """The downloaded model could not be used: show why; Retry downloads again."""
        self._retry_kind[card.model.key] = "download"
        card.show_failed(message)

    def clear(self) -> None:
        """Forget the jobs that have not started (shutting down)."""
        self._queue.clear()

    # The queue.

    def _plan(self, card: ModelCard) -> None:
        card.show_checking()
        self._submit(_Job("plan", card))

    def _submit(self, job: _Job) -> None:
        if job in self._queue or job == self._job:
            return
        if job.kind == "download":
            self._queue.insert(0, job)
        else:
            self._queue.append(job)
        self._update_buttons()
        self._next()

    def _next(self) -> None:
        if self._job is not None or not self._queue or self._service.is_running():
            return
        self._job = job = self._queue.pop(0)
        self._phase = ""
        card = job.card
        request = (DownloadRequest(resolved=card.resolved) if card.resolved is not None
                   else DownloadRequest(repo=card.model.repo))
        log.info("%s %s", "planning" if job.kind == "plan" else "downloading", card.model.key)
        if job.kind == "plan":
            self._service.plan(request)
        else:
            self._service.start(request)

    def _end_job(self) -> _Job | None:
        job, self._job = self._job, None
        if job is not None:
            self._stopping.pop(job.card.model.key, None)
        self._update_buttons()
        self._next()
        return job

    def _current(self, kind: JobKind) -> ModelCard | None:
        return self._job.card if self._job is not None and self._job.kind == kind else None

    def _update_buttons(self) -> None:
        """One download at a time: while one runs or waits, the others cannot start."""
        busy = {j.card for j in [*self._queue, self._job] if j and j.kind == "download"}
        for card in self._cards:
            card.set_download_allowed(not busy or card in busy)

    # What the cards ask.

    def _download(self, card: ModelCard) -> None:
        card.show_starting()
        self._submit(_Job("download", card))

    def _stop(self, card: ModelCard, how: str) -> None:
        """Pause or Cancel: both keep the partial file; Cancel then offers Discard."""
        job = _Job("download", card)
        if job in self._queue:  # not started yet
            self._queue.remove(job)
            self._update_buttons()
            card.show_cancelled()
        elif self._current("download") is card:
            self._stopping[card.model.key] = how
            if how == "pause":
                self._service.pause()
            else:
                self._service.cancel()
        elif card.state is CardState.PAUSED:  # Cancel on a paused download
            card.show_cancelled()

    def _retry(self, card: ModelCard) -> None:
        if self._retry_kind.get(card.model.key) == "download":
            self._download(card)
        else:
            self._plan(card)

    def _discard(self, card: ModelCard) -> None:
        if card.resolved is None or self._current("download") is not None:
            return
        # The service's own discard() also refuses while its finished job's thread is still
        # winding down; its downloader is safe to use whenever no download is running.
        try:
            self._service.downloader.discard(card.resolved)
        except OSError as exc:
            card.show_failed(f"The partial download could not be deleted: {exc}")
            return
        card.show_discarded()

    # What the DownloadService answers.

    def _on_planned(self, plan: DownloadPlan) -> None:
        card = self._current("plan")
        if card is not None:
            downloader = self._service.downloader
            card.show_plan(plan, self._memory(plan),
                           complete=downloader.downloaded(plan.model) is not None)
        self._end_job()

    def _memory(self, plan: DownloadPlan) -> MemoryEstimate | None:
        if self._available is None:
            return plan.memory
        return memory_fit(plan.model, available=self._available)

    def _on_resolved(self, model: ResolvedModel) -> None:
        card = self._current("download")
        if card is not None:
            card.resolved = model

    def _on_phase(self, phase: str) -> None:
        card = self._current("download")
        if card is not None:
            self._phase = phase
            card.show_phase(phase)

    def _on_progress(self, done: int, total: int, speed: float, eta: float) -> None:
        card = self._current("download")
        if card is not None:
            card.show_progress(self._phase, done, total, speed, None if eta < 0 else eta)

    def _on_finished(self, path: str) -> None:
        card = self._current("download")
        self._end_job()
        if card is not None:
            card.show_done("Downloaded and verified. Getting it ready…")
            self.downloaded.emit(card, path)

    def _on_failed(self, message: str) -> None:
        job = self._end_job()
        if job is None:
            return
        card = job.card
        self._retry_kind[card.model.key] = job.kind
        partial_bytes = None
        if job.kind == "download" and card.resolved is not None:
            downloader = self._service.downloader
            partial_bytes = card.resolved.total_bytes - downloader.remaining_bytes(card.resolved)
        log.info("%s %s failed: %s", job.kind, card.model.key, message)
        card.show_failed(message, partial_bytes)

    def _on_cancelled(self) -> None:
        job = self._job
        how = self._stopping.get(job.card.model.key) if job is not None else None
        self._end_job()
        if job is None:
            return
        if how == "pause":
            job.card.show_paused()
        else:
            job.card.show_cancelled()
