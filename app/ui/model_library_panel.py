"""The Model page of Settings: the models on this computer, and adding, removing and choosing.

Adding and removing act on the library at once (removing a download deletes its file, so it
asks first). The default model is only chosen here and written by `apply()`, so Cancel in the
dialog keeps the old one. Dialogs open with `open()`, never `exec()`: the event loop keeps
running and tests can answer them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QLocale, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.modelfiles.gguf_info import ModelFileError
from app.core.modelfiles.library import LocalModel, ModelLibrary
from app.ui.theme import show_message

log = logging.getLogger(__name__)

COLUMNS = ("Name", "Size", "Quantization", "Status", "Path")
_PATH_ROLE = Qt.ItemDataRole.UserRole


def _same(a: Path | None, b: Path | None) -> bool:
    """Whether both name the same file, or both are None."""
    return (a.absolute() if a else None) == (b.absolute() if b else None)


class ModelLibraryPanel(QWidget):
    """Lists a `ModelLibrary` with Add file…, Remove… and Make default.

    Signals:
        modelsChanged(): a model was added or removed.
        defaultChosen(object): the chosen default model's path (Path, or None) changed.
    """

    modelsChanged = Signal()
    defaultChosen = Signal(object)

    def __init__(self, library: ModelLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._library = library
        default = library.default
        self._initial_default = default.path if default else None
        self._default = self._initial_default
        self._models: list[LocalModel] = []
        self.file_dialog: QFileDialog | None = None  # open while choosing a file
        self.confirmation: QMessageBox | None = None  # open while asking to remove

        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Models on this computer")
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.itemActivated.connect(lambda *_: self.make_default())

        self.add_button = QPushButton("Add &file…")
        self.add_button.setAccessibleName("Add a model file")
        self.add_button.clicked.connect(self.open_add_dialog)
        self.remove_button = QPushButton("&Remove…")
        self.remove_button.setAccessibleName("Remove the selected model")
        self.remove_button.clicked.connect(self.ask_remove)
        self.default_button = QPushButton("Make &default")
        self.default_button.setAccessibleName("Make the selected model the default")
        self.default_button.clicked.connect(self.make_default)

        self.message = QLabel()
        self.message.setAccessibleName("Model list message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.default_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.refresh()

    # What the dialog reads

    def models(self) -> list[LocalModel]:
        return list(self._models)

    def chosen_default(self) -> Path | None:
        return self._default

    def default_changed(self) -> bool:
        """Whether the chosen default differs from the library's when the panel opened."""
        return not _same(self._default, self._initial_default)

    def apply(self) -> None:
        """Record the chosen default in the library (raises OSError if it cannot be saved)."""
        if self.default_changed():
            try:
                self._library.set_default(self._default)
            except ModelFileError as exc:  # removed meanwhile (another window)
                log.warning("cannot make %s the default: %s", self._default, exc)

    # Actions

    def selected_model(self) -> LocalModel | None:
        items = self.tree.selectedItems()
        if not items:
            return None
        path = items[0].data(0, _PATH_ROLE)
        return next((m for m in self._models if str(m.path) == path), None)

    def select(self, path: Path) -> None:
        for row in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(row)
            if _same(Path(item.data(0, _PATH_ROLE)), path):
                self.tree.setCurrentItem(item)

    @Slot()
    def open_add_dialog(self) -> None:
        """Ask for a GGUF file; `add_model_file` gets it (without blocking the event loop)."""
        dialog = QFileDialog(self, "Add a model file", str(Path.home()),
                             "GGUF models (*.gguf);;All files (*)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda path: self.add_model_file(Path(path)))
        dialog.destroyed.connect(lambda: setattr(self, "file_dialog", None))
        self.file_dialog = dialog
        dialog.open()

    def add_model_file(self, path: Path) -> LocalModel | None:
        """Check and add a file; on failure the reason shows under the list."""
        try:
            model = self._library.add_file(path)
        except (ModelFileError, OSError) as exc:
            reason = str(exc) if isinstance(exc, ModelFileError) else exc.strerror or str(exc)
            self._show_message(f"Cannot add {Path(path).name}: {reason}", error=True)
            return None
        self.refresh()
        self.select(model.path)
        self._show_message(f"Added {model.name}.")
        self.modelsChanged.emit()
        return model

    @Slot()
    def ask_remove(self) -> None:
        model = self.selected_model()
        if model is None:
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setStandardButtons(QMessageBox.StandardButton.Yes
                               | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        yes = box.button(QMessageBox.StandardButton.Yes)
        if model.source == "downloaded":
            box.setWindowTitle("Delete model")
            box.setText(f"Delete {model.name}?")
            box.setInformativeText(
                f"This deletes the downloaded file ({self._size(model)}) from {model.path.parent}."
                " You can download it again later.")
            yes.setText("&Delete")
        else:
            box.setWindowTitle("Remove model")
            box.setText(f"Remove {model.name} from the list?")
            box.setInformativeText(f"The file stays where it is: {model.path}")
            yes.setText("&Remove")
        yes.setAccessibleName(yes.text().replace("&", ""))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda result: self._removal_answered(model, result))
        box.destroyed.connect(lambda: setattr(self, "confirmation", None))
        self.confirmation = box
        box.open()

    def _removal_answered(self, model: LocalModel, result: int) -> None:
        if result == QMessageBox.StandardButton.Yes:
            self.remove_model(model)

    def remove_model(self, model: LocalModel) -> None:
        try:
            self._library.remove(model)
        except OSError as exc:
            self._show_message(f"Cannot remove {model.name}: {exc.strerror or exc}", error=True)
            return
        verb = "Deleted" if model.source == "downloaded" else "Removed"
        self._show_message(f"{verb} {model.name}.")
        if self._initial_default is not None and _same(self._initial_default, model.path):
            self._initial_default = None  # the library forgot it too
        if self._is_default(model):
            self._set_default(None)
        self.refresh()
        self.modelsChanged.emit()

    @Slot()
    def make_default(self) -> None:
        model = self.selected_model()
        if model is not None and model.usable:
            self._set_default(model.path)
            self.refresh()
            self.select(model.path)

    # Display

    def refresh(self) -> None:
        """Read the library again and show it, keeping the selection."""
        selected = self.selected_model()
        self._models = self._library.models()
        self.tree.clear()
        for model in self._models:
            item = QTreeWidgetItem([model.name, self._size(model), model.quantization,
                                    self._status(model), str(model.path)])
            item.setData(0, _PATH_ROLE, str(model.path))
            item.setToolTip(4, str(model.path))
            item.setToolTip(3, model.problem or self._status(model))
            if self._is_default(model):
                font = item.font(0)
                font.setBold(True)
                item.setFont(0, font)
            self.tree.addTopLevelItem(item)
        if selected is not None:
            self.select(selected.path)
        self._update_buttons()

    def _status(self, model: LocalModel) -> str:
        parts = ["Default"] if self._is_default(model) else []
        if model.source == "downloaded":
            parts.append("Downloaded, verified" if model.verified else "Downloaded")
        else:
            parts.append("Added")
        if model.problem:
            parts.append(f"Cannot be used: {model.problem}")
        return " · ".join(parts)

    @staticmethod
    def _size(model: LocalModel) -> str:
        return QLocale().formattedDataSize(model.size) if model.size else "—"

    def _is_default(self, model: LocalModel) -> bool:
        return self._default is not None and _same(model.path, self._default)

    def _set_default(self, path: Path | None) -> None:
        if not _same(path, self._default):
            self._default = path
            self.defaultChosen.emit(path)

    def _update_buttons(self) -> None:
        model = self.selected_model()
        self.remove_button.setEnabled(model is not None)
        self.default_button.setEnabled(model is not None and model.usable
                                       and not self._is_default(model))

    def _show_message(self, text: str, *, error: bool = False) -> None:
        show_message(self.message, text, error=error)
        (log.warning if error else log.info)("%s", text)
