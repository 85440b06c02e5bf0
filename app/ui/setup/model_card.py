"""One model on the welcome view: what it costs this machine, and its download's controls.

The card only displays and asks: it emits what the user clicked, and CardDownloads decides
what runs (one download at a time through the DownloadService). Its state decides which
buttons exist, so a stale button (Pause on a finished download) can never be clicked.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.engine.memory import MemoryEstimate
from app.core.modelfiles.catalog import GPT_OSS_20B, GPT_OSS_120B, KnownModel, ResolvedModel
from app.core.modelfiles.download import DiskCheck, DownloadPlan
from app.core.modelfiles.progress import DOWNLOADING, VERIFYING
from app.ui.setup import wording

_BLURBS = {
    GPT_OSS_20B.key: "OpenAI's open-weight model for laptops and desktops, in the MXFP4 "
                     "format it was released in.",
    GPT_OSS_120B.key: "The larger gpt-oss: stronger answers, for machines with plenty of "
                      "memory.",
}
_PROGRESS_STEPS = 1000  # QProgressBar holds an int; 12 GB in bytes does not fit one


class CardState(enum.Enum):
    IDLE = "idle"  # not downloading: Download, or Resume and Discard for a partial download
    DOWNLOADING = "downloading"
    PAUSED = "paused"
    FAILED = "failed"
    DONE = "done"


class ModelCard(QFrame):
    """Size, free disk, memory fit and the download controls for one catalog model.

    Signals:
        downloadRequested(): Download, Resume download or Resume was clicked.
        pauseRequested(): Pause was clicked.
        cancelRequested(): Cancel was clicked.
        retryRequested(): Retry was clicked, after the message in `status_label`.
        discardRequested(): Discard (delete the partial download) was clicked.
    """

    downloadRequested = Signal()
    pauseRequested = Signal()
    cancelRequested = Signal()
    retryRequested = Signal()
    discardRequested = Signal()

    def __init__(self, model: KnownModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.resolved: ResolvedModel | None = None  # pinned files, once the Hub answered
        self.partial = 0  # bytes of an unfinished download already on disk
        self.complete = False  # downloaded and verified earlier; Download just uses it
        self.state = CardState.IDLE
        self._download_allowed = True
        self.setObjectName("modelCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(model.title)

        title = model.title
        self.title_label = self._label(title, f"{title}: model", bold=True)
        self.blurb_label = self._label(_BLURBS.get(model.key, ""), f"{title}: description")
        self.size_label = self._label(wording.approximate_size_text(model.approx_bytes),
                                      f"{title}: size")
        self.disk_label = self._label("Disk: checking…", f"{title}: disk space")
        self.memory_label = self._label("Memory: checking…", f"{title}: memory fit")
        self.status_label = self._label("", f"{title}: download status")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setRange(0, _PROGRESS_STEPS)
        self.progress_bar.setTextVisible(False)  # the label below says it in words
        self.progress_bar.setAccessibleName(f"{title}: download progress")
        self.progress_label = self._label("", f"{title}: bytes, speed and time left")

        self.download_button = self._button("Download", f"Download {title}",
                                            self.downloadRequested)
        self.resume_button = self._button("Resume", f"Resume downloading {title}",
                                          self.downloadRequested)
        self.pause_button = self._button("Pause", f"Pause downloading {title}",
                                         self.pauseRequested)
        self.cancel_button = self._button("Cancel", f"Cancel downloading {title}",
                                          self.cancelRequested)
        self.retry_button = self._button("Retry", f"Retry {title}", self.retryRequested)
        self.discard_button = self._button("Discard", f"Discard the partial download of {title}",
                                           self.discardRequested)
        self.discard_button.setToolTip("Delete the part downloaded so far")

        buttons = QHBoxLayout()
        for button in (self.download_button, self.resume_button, self.pause_button,
                       self.cancel_button, self.retry_button, self.discard_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        for widget in (self.title_label, self.blurb_label, self.size_label, self.disk_label,
                       self.memory_label, self.progress_bar, self.progress_label,
                       self.status_label):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        self._apply_state()

    def _label(self, text: str, name: str, *, bold: bool = False) -> QLabel:
        label = QLabel(text, self)
        label.setWordWrap(True)
        label.setAccessibleName(name)
        if bold:
            font = QFont(label.font())
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 1.15)
            label.setFont(font)
        return label

    def _button(self, text: str, name: str, signal: SignalInstance) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(name)
        button.clicked.connect(signal.emit)
        return button

    # What the welcome view tells the card.

    def show_checking(self) -> None:
        self.status_label.setText("Checking the download on Hugging Face…")

    def show_disk(self, disk: DiskCheck) -> None:
        self.disk_label.setText(wording.disk_text(disk))

    def show_memory(self, memory: MemoryEstimate | None) -> None:
        self.memory_label.setText(wording.memory_text(memory))

    def show_plan(self, plan: DownloadPlan, memory: MemoryEstimate | None, *,
                  complete: bool = False) -> None:
        """The exact size, disk space and memory fit; the download can start.

        `complete`: the model was downloaded and verified before (and then not used).
        """
        self.resolved = plan.model
        self.complete = complete
        self.size_label.setText(wording.size_text(plan.model))
        self.show_disk(plan.disk)
        self.show_memory(memory)
        self.partial = 0 if complete else plan.model.total_bytes - plan.disk.needed
        self.status_label.setText("Already downloaded and verified." if complete else "")
        self._set_state(CardState.IDLE)

    def show_partial(self, resolved: ResolvedModel, done: int) -> None:
        """A download started earlier (maybe before a restart) that can resume."""
        self.resolved = resolved
        self.partial = done
        self._apply_state()

    def show_starting(self) -> None:
        self.status_label.setText("Starting the download…")
        self.progress_label.setText("")
        self._set_state(CardState.DOWNLOADING)

    def show_phase(self, phase: str) -> None:
        if phase == DOWNLOADING:
            self.status_label.setText("Downloading…")
        elif phase == VERIFYING:
            self.status_label.setText("Checking the file against the published checksum…")
        else:
            self.status_label.setText("Looking up the model on Hugging Face…")

    def show_progress(self, phase: str, done: int, total: int, speed: float,
                      eta: float | None) -> None:
        self.progress_bar.setValue(done * _PROGRESS_STEPS // total if total else 0)
        self.progress_label.setText(wording.progress_text(done, total, speed, eta, phase=phase))
        if phase == DOWNLOADING:
            self.partial = done

    def show_paused(self) -> None:
        total = self.resolved.total_bytes if self.resolved else 0
        self.progress_label.setText(
            f"Paused{wording.SEPARATOR}{wording.amount_text(self.partial, total)}")
        self.status_label.setText("Paused. Resume continues where it stopped.")
        self._set_state(CardState.PAUSED)

    def show_cancelled(self) -> None:
        kept = f" {wording.kept_text(self.partial)}" if self.partial else ""
        self.status_label.setText(f"Download cancelled.{kept}")
        self._set_state(CardState.IDLE)

    def show_discarded(self) -> None:
        self.partial = 0
        self.status_label.setText("The partial download was deleted.")
        self._apply_state()

    def show_failed(self, message: str, partial: int | None = None) -> None:
        """A message for the user and a Retry (and Discard when bytes are kept)."""
        if partial is not None:
            self.partial = partial
        self.status_label.setText(message)
        self._set_state(CardState.FAILED)

    def show_done(self, message: str) -> None:
        self.progress_bar.setValue(_PROGRESS_STEPS)
        self.status_label.setText(message)
        self._set_state(CardState.DONE)

    def set_download_allowed(self, allowed: bool) -> None:
        """Off while another model is downloading: one download at a time."""
        self._download_allowed = allowed
        self._apply_state()

    def _set_state(self, state: CardState) -> None:
        self.state = state
        self._apply_state()

    def _apply_state(self) -> None:
        state, partial = self.state, self.partial > 0
        active = state in (CardState.DOWNLOADING, CardState.PAUSED)
        self.progress_bar.setVisible(active or state is CardState.DONE)
        self.progress_label.setVisible(active)
        self.download_button.setVisible(state is CardState.IDLE)
        self._label_download_button()
        self.download_button.setEnabled(self._download_allowed and self.resolved is not None)
        self.resume_button.setVisible(state is CardState.PAUSED)
        self.resume_button.setEnabled(self._download_allowed)
        self.pause_button.setVisible(state is CardState.DOWNLOADING)
        self.cancel_button.setVisible(active)
        self.retry_button.setVisible(state is CardState.FAILED)
        self.retry_button.setEnabled(self._download_allowed)
        self.discard_button.setVisible(partial and state in (CardState.IDLE, CardState.FAILED))
        self.discard_button.setEnabled(self._download_allowed)

    def _label_download_button(self) -> None:
        title = self.model.title
        total = self.resolved.total_bytes if self.resolved else 0
        if self.complete:
            text, name = "Use it", f"Use the downloaded {title}"
        elif self.partial > 0:
            text = wording.resume_text(self.partial, total)
            name = f"Resume downloading {title} ({wording.amount_text(self.partial, total)})"
        else:
            text, name = "Download", f"Download {title}"
        self.download_button.setText(text)
        self.download_button.setAccessibleName(name)
