"""The first-run view: what OSS Chat is, then getting a model — download one or choose a file.

Shown while no model is configured. Everything slow happens elsewhere: Hub lookups, disk
checks and downloads in the DownloadService (sequenced for the cards by CardDownloads), file
checks in a ModelAdopter; this widget lays out the cards and passes answers along.
"""

from __future__ import annotations

from pathlib import Path

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
from app.core.modelfiles.catalog import offered_models
from app.core.modelfiles.library import LocalModel, ModelLibrary
from app.core.paths import AppPaths
from app.ui.services.download_service import DownloadService
from app.ui.setup.card_downloads import CardDownloads
from app.ui.setup.model_adopter import ModelAdopter
from app.ui.setup.model_card import ModelCard

INTRO = (f"{APP_NAME} runs OpenAI's gpt-oss on this computer. It is private: your "
         "conversations stay here, and once the model is on your disk, it works offline.")
GET_MODEL = "To start, download the model once, or use a GGUF file you already have."


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
        self._owns_service = service is None
        self._service = service if service is not None else DownloadService(paths, self)
        self._adopter = ModelAdopter(library, self)
        self.cards = [ModelCard(model) for model in offered_models(available)]
        self._downloads = CardDownloads(self._service, self.cards, available=available,
                                        parent=self)
        self._build()
        self._downloads.downloaded.connect(self._on_downloaded)
        self._adopter.accepted.connect(self._on_accepted)
        self._adopter.rejected.connect(self._on_rejected)
        self._downloads.check()

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
        self._downloads.clear()
        service_done = self._service.shutdown(timeout) if self._owns_service else True
        return self._adopter.shutdown(timeout) and service_done

    def _on_downloaded(self, card: ModelCard, path: str) -> None:
        self._adopter.adopt_download(Path(path), card)

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
            self._downloads.report_failure(tag, message)
        else:
            self.choose_button.setEnabled(True)
            self.file_label.setText(message)
