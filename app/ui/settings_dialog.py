"""The Settings dialog: model library, performance, sampling, chat defaults and appearance.

`Settings.validate()` is the one judge of what is valid: the dialog builds the settings the
fields describe, validates them on every edit and shows each message under its field; OK stays
disabled while any remains. Spin box ranges equal the valid ranges, so a field whose text is
not a number in range yet counts as its maximum plus one, which the validation refuses with
the right message.

Changes that need a model reload ask "Reload the model now?" when OK is pressed. Every
question opens with `open()`, never `exec()`, so the event loop (and tests) keep running.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.engine.config import physical_cores
from app.core.modelfiles.library import ModelLibrary
from app.core.settings import (
    CONTEXT_MAX,
    CONTEXT_MIN,
    FONT_SIZE_MAX,
    FONT_SIZE_MIN,
    FONT_SIZE_SYSTEM,
    GPU_LAYERS_AUTO,
    GPU_LAYERS_MAX,
    INT32_MAX,
    TEMPERATURE_MAX,
    THREADS_MAX,
    THREADS_MIN,
    FieldError,
    Settings,
    reload_changes,
)
from app.ui.model_library_panel import ModelLibraryPanel
from app.ui.theme import show_message

log = logging.getLogger(__name__)

EFFORT_CHOICES = (("Low", "low"), ("Medium", "medium"), ("High", "high"))
THEME_CHOICES = (("Follow the system", "system"), ("Light", "light"), ("Dark", "dark"))
DEFAULT_MODEL = "The default model"


def _spin(low: int, high: int, name: str, suffix: str = "", step: int = 1) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setSingleStep(step)
    spin.setSuffix(suffix)
    spin.setGroupSeparatorShown(True)
    spin.setAccessibleName(name)
    return spin


def _double(high: float, step: float, decimals: int, name: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(0.0, high)
    spin.setDecimals(decimals)
    spin.setSingleStep(step)
    spin.setAccessibleName(name)
    return spin


def _typed(spin: QSpinBox | QDoubleSpinBox) -> float:
    """The value, or one past the range while the text is not an acceptable number."""
    return spin.value() if spin.hasAcceptableInput() else spin.maximum() + 1


class SettingsDialog(QDialog):
    """Edits a `Settings` value and the `ModelLibrary`.

    After OK, `result_settings()` is the new value (the dialog saves nothing but the default
    model, which belongs to the library). Connect `accepted` to store and apply it;
    `reloadRequested` follows when the user agreed to reload the model now.

    Signals:
        reloadRequested(Settings): emitted after `accepted` when the user confirmed reloading
            the model for changes that need it (context, GPU offload, threads, default model).
    """

    reloadRequested = Signal(object)

    def __init__(self, settings: Settings, library: ModelLibrary,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._initial = settings
        self._result = settings
        self.reload_confirmed = False
        self.reload_box: QMessageBox | None = None  # open while asking to reload
        self.error_labels: dict[str, QLabel] = {}
        self._described: dict[str, tuple[list[QWidget], str]] = {}  # widgets and their hint

        self.model_panel = ModelLibraryPanel(library)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Settings pages")
        self.tabs.addTab(self.model_panel, "&Model")
        self.tabs.addTab(self._performance_page(), "&Performance")
        self.tabs.addTab(self._sampling_page(), "&Sampling")
        self.tabs.addTab(self._chat_page(), "&Chat")
        self.tabs.addTab(self._appearance_page(), "&Appearance")

        self.reload_notice = QLabel()
        self.reload_notice.setAccessibleName("Reload notice")
        self.reload_notice.setWordWrap(True)
        self.reload_notice.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.reload_notice)
        layout.addWidget(self.buttons)

        self.resize(self.sizeHint().expandedTo(QSize(620, 460)))
        self._show(settings)
        self._connect_edits()
        self.model_panel.defaultChosen.connect(self._revalidate)
        self._revalidate()

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    # Pages

    def _form(self) -> tuple[QWidget, QFormLayout]:
        page = QWidget()
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        return page, form

    def _row(self, form: QFormLayout, label: str, name: str, field: QWidget, *,
             focus: QWidget | None = None, hint: str = "") -> None:
        """A labelled field with its hint and its (hidden) error message below it."""
        cell = QWidget()
        cell.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        if field.sizePolicy().horizontalPolicy() == QSizePolicy.Policy.Expanding:
            column.addWidget(field)  # the instructions: as wide as the page
        else:
            column.addWidget(field, 0, Qt.AlignmentFlag.AlignLeft)
        focus = focus or field
        if hint:
            note = QLabel(hint)
            note.setWordWrap(True)
            note.setEnabled(False)  # the palette's muted text
            column.addWidget(note)
        error = QLabel()
        error.setWordWrap(True)
        error.setAccessibleName(f"{focus.accessibleName()} error")
        error.hide()
        column.addWidget(error)
        caption = QLabel(label)
        caption.setBuddy(focus)
        form.addRow(caption, cell)
        self.error_labels[name] = error
        self._described[name] = ([focus, *field.findChildren(QAbstractSpinBox)], hint)

    def _optional(self, check: QCheckBox, spin: QSpinBox) -> QWidget:
        """A "no value" check box that disables the spin box next to it."""
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(check)
        line.addWidget(spin, 1)
        check.toggled.connect(lambda on: spin.setEnabled(not on))
        return row

    def _performance_page(self) -> QWidget:
        page, form = self._form()
        self.context_spin = _spin(CONTEXT_MIN, CONTEXT_MAX, "Context length", " tokens", 1024)
        self._row(form, "Context &length:", "context_length", self.context_spin,
                  hint="How much of the conversation the model sees. More needs more memory.")
        self.gpu_auto = QCheckBox("Automatic")
        self.gpu_auto.setAccessibleName("Automatic GPU offload")
        self.gpu_spin = _spin(0, GPU_LAYERS_MAX, "GPU layers", " layers")
        self._row(form, "&GPU offload:", "gpu_layers",
                  self._optional(self.gpu_auto, self.gpu_spin), focus=self.gpu_auto,
                  hint="Automatic puts every layer on the GPU when there is one; "
                       "0 layers runs on the CPU only.")
        self.threads_auto = QCheckBox("Automatic")
        self.threads_auto.setAccessibleName("Automatic threads")
        self.threads_spin = _spin(THREADS_MIN, THREADS_MAX, "Threads")
        self._row(form, "&Threads:", "threads",
                  self._optional(self.threads_auto, self.threads_spin), focus=self.threads_auto,
                  hint=f"Automatic uses the {physical_cores()} physical cores.")
        return page

    def _sampling_page(self) -> QWidget:
        page, form = self._form()
        self.temperature_spin = _double(TEMPERATURE_MAX, 0.05, 2, "Temperature")
        self._row(form, "&Temperature:", "temperature", self.temperature_spin,
                  hint="Higher is more varied, lower more predictable.")
        self.top_p_spin = _double(1.0, 0.05, 3, "Top-p")
        self._row(form, "T&op-p:", "top_p", self.top_p_spin)
        self.top_k_spin = _spin(0, INT32_MAX, "Top-k")
        self.top_k_spin.setSpecialValueText("Off")
        self._row(form, "Top-&k:", "top_k", self.top_k_spin)
        self.min_p_spin = _double(1.0, 0.01, 3, "Min-p")
        self._row(form, "M&in-p:", "min_p", self.min_p_spin)
        self.max_tokens_unlimited = QCheckBox("No limit")
        self.max_tokens_unlimited.setAccessibleName("No limit on reply length")
        self.max_tokens_spin = _spin(1, INT32_MAX, "Maximum reply length", " tokens", 256)
        self._row(form, "Maximum &reply length:", "max_reply_tokens",
                  self._optional(self.max_tokens_unlimited, self.max_tokens_spin),
                  focus=self.max_tokens_unlimited)
        return page

    def _chat_page(self) -> QWidget:
        page, form = self._form()
        self.effort_combo = QComboBox()
        self.effort_combo.setAccessibleName("Default reasoning effort")
        for text, value in EFFORT_CHOICES:
            self.effort_combo.addItem(text, value)
        self._row(form, "Default reasoning &effort:", "default_effort", self.effort_combo)
        self.instructions_edit = QPlainTextEdit()
        self.instructions_edit.setAccessibleName("Default instructions")
        self.instructions_edit.setTabChangesFocus(True)
        self.instructions_edit.setPlaceholderText("For example: Answer briefly, in British "
                                                  "English.")
        self._row(form, "Default &instructions:", "default_instructions",
                  self.instructions_edit, hint="Given to the model in every new conversation.")
        self.reasoning_check = QCheckBox("Show reasoning e&xpanded")
        self.reasoning_check.setAccessibleName("Show reasoning expanded")
        form.addRow(self.reasoning_check)
        return page

    def _appearance_page(self) -> QWidget:
        page, form = self._form()
        self.theme_combo = QComboBox()
        self.theme_combo.setAccessibleName("Theme")
        for text, value in THEME_CHOICES:
            self.theme_combo.addItem(text, value)
        self._row(form, "&Theme:", "theme", self.theme_combo)
        self.font_default = QCheckBox("System default")
        self.font_default.setAccessibleName("System default font size")
        self.font_spin = _spin(FONT_SIZE_MIN, FONT_SIZE_MAX, "Font size", " pt")
        self._row(form, "&Font size:", "font_size",
                  self._optional(self.font_default, self.font_spin), focus=self.font_default)
        return page

    # Values

    def _show(self, s: Settings) -> None:
        self.context_spin.setValue(s.context_length)
        self.gpu_auto.setChecked(s.gpu_layers == GPU_LAYERS_AUTO)
        # gpt-oss-20b has 24 layers: a sensible start when switching from automatic.
        self.gpu_spin.setValue(24 if s.gpu_layers == GPU_LAYERS_AUTO else s.gpu_layers)
        self.gpu_spin.setEnabled(not self.gpu_auto.isChecked())
        self.threads_auto.setChecked(s.threads is None)
        self.threads_spin.setValue(s.threads or physical_cores())
        self.threads_spin.setEnabled(s.threads is not None)
        self.temperature_spin.setValue(s.temperature)
        self.top_p_spin.setValue(s.top_p)
        self.top_k_spin.setValue(s.top_k)
        self.min_p_spin.setValue(s.min_p)
        self.max_tokens_unlimited.setChecked(s.max_reply_tokens is None)
        self.max_tokens_spin.setValue(s.max_reply_tokens or 4096)
        self.max_tokens_spin.setEnabled(s.max_reply_tokens is not None)
        self.effort_combo.setCurrentIndex(max(self.effort_combo.findData(s.default_effort), 0))
        self.instructions_edit.setPlainText(s.default_instructions)
        self.reasoning_check.setChecked(s.reasoning_expanded)
        self.theme_combo.setCurrentIndex(max(self.theme_combo.findData(s.theme), 0))
        self.font_default.setChecked(s.font_size == FONT_SIZE_SYSTEM)
        self.font_spin.setValue(s.font_size or self.font().pointSize())  # clamped to range
        self.font_spin.setEnabled(s.font_size != FONT_SIZE_SYSTEM)

    def _connect_edits(self) -> None:
        for spin in (self.context_spin, self.gpu_spin, self.threads_spin, self.top_k_spin,
                     self.max_tokens_spin, self.font_spin, self.temperature_spin,
                     self.top_p_spin, self.min_p_spin):
            spin.textChanged.connect(self._revalidate)
            # Typing: the spin box itself is silent while its text is not a value.
            spin.lineEdit().textChanged.connect(self._revalidate)
        for check in (self.gpu_auto, self.threads_auto, self.max_tokens_unlimited,
                      self.font_default, self.reasoning_check):
            check.toggled.connect(self._revalidate)
        for combo in (self.effort_combo, self.theme_combo):
            combo.currentIndexChanged.connect(self._revalidate)
        self.instructions_edit.textChanged.connect(self._revalidate)

    def result_settings(self) -> Settings:
        """The settings as edited: after OK the accepted value, before it the fields' value
        (possibly invalid, see `errors()`)."""
        return self._result if self.result() == QDialog.DialogCode.Accepted else self._edited()

    def _edited(self) -> Settings:
        def optional(check: QCheckBox, spin: QSpinBox, none: Any) -> Any:
            return none if check.isChecked() else int(_typed(spin))

        return replace(
            self._initial,
            context_length=int(_typed(self.context_spin)),
            gpu_layers=optional(self.gpu_auto, self.gpu_spin, GPU_LAYERS_AUTO),
            threads=optional(self.threads_auto, self.threads_spin, None),
            temperature=_typed(self.temperature_spin),
            top_p=_typed(self.top_p_spin),
            top_k=int(_typed(self.top_k_spin)),
            min_p=_typed(self.min_p_spin),
            max_reply_tokens=optional(self.max_tokens_unlimited, self.max_tokens_spin, None),
            default_effort=self.effort_combo.currentData(),
            default_instructions=self.instructions_edit.toPlainText(),
            reasoning_expanded=self.reasoning_check.isChecked(),
            theme=self.theme_combo.currentData(),
            font_size=optional(self.font_default, self.font_spin, FONT_SIZE_SYSTEM),
        )

    def errors(self) -> list[FieldError]:
        return self._edited().validate()

    def reload_changes(self) -> list[str]:
        """What changed that takes effect only when the model reloads."""
        changes = reload_changes(self._initial, self._edited())
        return [*changes, DEFAULT_MODEL] if self.model_panel.default_changed() else changes

    @Slot()
    def _revalidate(self) -> None:
        errors = {error.field: error.message for error in self.errors()}
        for name, label in self.error_labels.items():
            show_message(label, errors.get(name, ""), error=True)
            widgets, hint = self._described[name]
            for widget in widgets:  # what a screen reader says about the field
                widget.setAccessibleDescription(errors.get(name, hint))
        self.ok_button.setEnabled(not errors)
        changes = self.reload_changes()
        self.reload_notice.setText(_reload_sentence(changes) if changes else "")
        self.reload_notice.setVisible(bool(changes))

    # Accepting

    def accept(self) -> None:
        """OK: ask about reloading when needed, otherwise close with the new settings."""
        if self.errors():
            return
        changes = self.reload_changes()
        if not changes:
            self._finish(reload=False)
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Reload the model?",
                          "Reload the model now?", QMessageBox.StandardButton.Yes
                          | QMessageBox.StandardButton.No | QMessageBox.StandardButton.Cancel,
                          self)
        box.setInformativeText(f"{_reload_sentence(changes)} Later keeps the model as it is "
                               "until the next start.")
        box.button(QMessageBox.StandardButton.Yes).setText("&Reload now")
        box.button(QMessageBox.StandardButton.No).setText("&Later")
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.finished.connect(self._reload_answered)
        self.reload_box = box
        box.open()

    @Slot(int)
    def _reload_answered(self, answer: int) -> None:
        box, self.reload_box = self.reload_box, None
        if box is not None:
            box.deleteLater()
        if answer in (QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No):
            self._finish(reload=answer == QMessageBox.StandardButton.Yes)

    def _finish(self, *, reload: bool) -> None:
        self._result = self._edited()
        try:
            self.model_panel.apply()
        except OSError as exc:
            self.tabs.setCurrentWidget(self.model_panel)
            show_message(self.model_panel.message,
                         f"Cannot save the default model: {exc.strerror or exc}", error=True)
            return
        self.reload_confirmed = reload
        log.info("settings accepted%s", "; reloading the model" if reload else "")
        super().accept()
        if reload:
            self.reloadRequested.emit(self._result)


def _reload_sentence(changes: list[str]) -> str:
    """["Context length", "GPU offload"] -> "Changes to context length and GPU offload take
    effect when the model reloads."."""
    names = [c if c[:2].isupper() else c[0].lower() + c[1:] for c in changes]  # keep "GPU"
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"Changes to {listed} take effect when the model reloads."
