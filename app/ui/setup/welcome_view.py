"""The first-run view: what OSS Chat is, then getting a model — download one or choose a file.

Shown while no model is configured. Everything slow happens elsewhere: the Hub lookups,
disk checks and downloads run in the DownloadService, file checks in a ModelAdopter; this
widget only sequences them and shows their answers. The DownloadService runs one job at a
time, so the view keeps a small queue: each card's plan (exact size, disk space, memory fit)
and a clicked download wait their turn, a download ahead of plans.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME
from app.core.engine.config import DEFAULT_CONTEXT
from app.core.engine.memory import MemoryEstimate, estimate
from app.core.modelfiles.catalog import (
    ResolvedModel,
    expected_info,
    memory_fit,
    offered_models,
)
from app.core.modelfiles.download import DiskCheck, DownloadPlan
from app.core.modelfiles.library import LocalModel, ModelLibrary
from app.core.paths import AppPaths
from app.ui.services.download_service import DownloadRequest, DownloadService
from app.ui.setup.model_adopter import ModelAdopter
from app.ui.setup.model_card import CardState, ModelCard

log = logging.getLogger(__name__)

INTRO = (f"{APP_NAME} runs OpenAI's gpt-oss on this computer. It is private: your "
         "conversations stay here, and once the model is on your disk, it works offline.")
GET_MODEL = "To start, download the model once, or use a GGUF file you already have."

JobKind = Literal["plan", "download"]


@dataclass(frozen=True)
class _Job:
    kind: JobKind
    card: ModelCard


class WelcomeView(QWidget):
    """The welcome header, a card per model worth offering, and "Choose a GGUF file…".

    `available` (bytes of memory) replaces this machine's free RAM in the fit estimates and
    in the choice of models to offer; None measures it.

    Signals:
        modelReady(object): a LocalModel to load, now the library's default: a download was
            verified, or a chosen file was accepted.
    """

    modelReady = Signal(object)

    def __init__(self, paths: AppPaths, library: ModelLibrary,
                 service: DownloadService | None = None, parent: QWidget | None = None, *,
                 available: int | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomeView")
        self.setAccessibleName(f"Welcome to {APP_NAME}")
        self._paths = paths
        self._owns_service = service is None
        self._service = service if service is not None else DownloadService(paths, self)
        self._adopter = ModelAdopter(library, self)
        self._available = available
        self._queue: list[_Job] = []
        self._job: _Job | None = None
        self._retry_kind: dict[str, JobKind] = {}  # card key -> what Retry runs again
        self._stopping: dict[str, str] = {}  # card key -> "pause" or "cancel" while it stops
        self._phase = ""  # of the running download, for its progress text

        self.cards = [ModelCard(model) for model in offered_models(available)]
        self._build()
        self._connect()
        self._check_models()

    # Layout.

    def _build(self) -> None:
        content = QWidget()
        content.setObjectName("welcomeContent")
        layout = QVBoxLayout(content)
        layout.setSpacing(12)
        title = QLabel(f"Welcome to {APP_NAME}")
        title.setAccessibleName("Welcome")
        font = QFont(title.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.6)
        title.setFont(font)
        self.intro_label = self._text(INTRO, "About OSS Chat")
        layout.addWidget(title)
        layout.addWidget(self.intro_label)
        layout.addWidget(self._text(GET_MODEL, "Getting a model"))
        for card in self.cards:
            layout.addWidget(card)

        self.choose_button = QPushButton("Choose a GGUF file…")
        self.choose_button.setAccessibleName("Choose a GGUF model file")
        self.choose_button.setToolTip("Use a gpt-oss GGUF file that is already on this "
                                      "computer; it stays where it is")
        self.choose_button.clicked.connect(self.choose_file)
        self.file_label = self._text("", "Chosen model file")
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.choose_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.file_label)
        layout.addStretch(1)

        scroll = QScrollArea(self)
        scroll.setAccessibleName("Welcome")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    @staticmethod
    def _text(text: str, name: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setAccessibleName(name)
        return label

    def _connect(self) -> None:
        service = self._service
        service.planned.connect(self._on_planned)
        service.resolved.connect(self._on_resolved)
        service.phaseChanged.connect(self._on_phase)
        service.progress.connect(self._on_progress)
        service.finished.connect(self._on_finished)
        service.failed.connect(self._on_failed)
        service.cancelled.connect(self._on_cancelled)
        self._adopter.accepted.connect(self._on_accepted)
        self._adopter.rejected.connect(self._on_rejected)
        for card in self.cards:
            card.downloadRequested.connect(partial(self._download, card))
            card.pauseRequested.connect(partial(self._stop, card, "pause"))
            card.cancelRequested.connect(partial(self._stop, card, "cancel"))
            card.retryRequested.connect(partial(self._retry, card))
            card.discardRequested.connect(partial(self._discard, card))

    # Public API.

    def card(self, key: str) -> ModelCard | None:
        """The card of a catalog model ("gpt-oss-20b"), if it is offered."""
        return next((c for c in self.cards if c.model.key == key), None)

    def choose_file(self) -> None:
        """Ask for a GGUF file and use it (what "Choose a GGUF file…" does)."""
        start = str(Path.home())
        name, _ = QFileDialog.getOpenFileName(self, "Choose a gpt-oss model file", start,
                                              "GGUF models (*.gguf);;All files (*)")
        if name:
            self.add_model_file(Path(name))

    def add_model_file(self, path: Path) -> None:
        """Check `path` without loading it; when accepted it becomes the default model and
        modelReady follows, otherwise the reason is shown under the button."""
        self.choose_button.setEnabled(False)
        self.file_label.setText(f"Checking {Path(path).name}…")
        self._adopter.add_file(Path(path))

    def shutdown(self, timeout: float = 10.0) -> bool:
        """Stop what the view started: its own DownloadService (an injected one belongs to
        its owner and keeps running) and any file check; False if something did not end."""
        self._queue.clear()
        service_done = self._service.shutdown(timeout) if self._owns_service else True
        return self._adopter.shutdown(timeout) and service_done

    # Jobs for the DownloadService, one at a time.

    def _check_models(self) -> None:
        """Show each card's disk space and memory fit at once from the catalog's sizes (no
        network needed, so offline too), pick up downloads that were left unfinished, then
        ask the Hub for the exact files."""
        downloader = self._service.downloader
        pending = {model.repo.lower(): model for model in downloader.pending()}
        for card in self.cards:
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
        for card in self.cards:
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
            self._adopter.adopt_download(Path(path), card)

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

    # What the ModelAdopter answers.

    def _on_accepted(self, model: LocalModel, tag: object) -> None:
        if isinstance(tag, ModelCard):
            tag.show_done(f"{model.name} is downloaded, verified and ready.")
        else:
            self.choose_button.setEnabled(True)
            self.file_label.setText(f"Using {model.path.name}.")
        self.modelReady.emit(model)

    def _on_rejected(self, message: str, tag: object) -> None:
        if isinstance(tag, ModelCard):
            self._retry_kind[tag.model.key] = "download"
            tag.show_failed(message)
        else:
            self.choose_button.setEnabled(True)
            self.file_label.setText(message)
