"""The message box: multi-line input, the reasoning-effort dropdown, and Send / Stop."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

EFFORTS = (("Low", "low"), ("Medium", "medium"), ("High", "high"))


class MessageInput(QPlainTextEdit):
    """Enter sends, Shift+Enter starts a new line.

    Signals:
        submitted(): Enter was pressed.
    """

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class Composer(QWidget):
    """Where the user writes. The effort choice sits right next to the input.

    Signals:
        sendRequested(str, str): the text and the effort ("low" / "medium" / "high").
        stopRequested(): Stop was clicked (or Esc pressed) while a reply streams.
        effortChanged(str): the dropdown changed.
        pythonAllowed(bool): the "Allow Python" switch changed.
    """

    sendRequested = Signal(str, str)
    stopRequested = Signal()
    effortChanged = Signal(str)
    pythonAllowed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._generating = False
        self.input = MessageInput()
        self.input.setObjectName("messageInput")
        self.input.setAccessibleName("Message")
        self.input.setPlaceholderText("Message gpt-oss")
        self.input.setTabChangesFocus(True)
        self.input.setMaximumHeight(96)
        self.effort_box = QComboBox()
        self.effort_box.setAccessibleName("Reasoning effort")
        self.effort_box.setToolTip("How hard the model thinks before it answers")
        for label, value in EFFORTS:
            self.effort_box.addItem(f"{label} effort", value)
        self.set_effort("medium")
        self.python_check = QCheckBox("Allow Python")
        self.python_check.setAccessibleName("Allow Python in this chat")
        self.python_check.setToolTip("Let the model run Python code in a sandbox, asking you "
                                     "first each time")
        self.send_button = QPushButton("Send")
        self.send_button.setAccessibleName("Send")
        self.send_button.setDefault(False)
        self.notice = QLabel()
        self.notice.setAccessibleName("Model status")
        self.notice.setWordWrap(True)
        self.notice.hide()

        row = QHBoxLayout()
        row.addWidget(self.input, 1)
        side = QVBoxLayout()
        side.addWidget(self.effort_box)
        side.addWidget(self.python_check)
        side.addWidget(self.send_button)
        side.addStretch(1)
        row.addLayout(side)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.notice)
        layout.addLayout(row)

        self.input.submitted.connect(self._submit)
        self.send_button.clicked.connect(self._on_button)
        self.effort_box.currentIndexChanged.connect(
            lambda _i: self.effortChanged.emit(self.effort()))
        self.python_check.toggled.connect(self.pythonAllowed)

    # -- effort -----------------------------------------------------------------------------
    def effort(self) -> str:
        return str(self.effort_box.currentData())

    def set_effort(self, effort: str) -> None:
        index = self.effort_box.findData(effort)
        if index >= 0 and index != self.effort_box.currentIndex():
            self.effort_box.blockSignals(True)
            self.effort_box.setCurrentIndex(index)
            self.effort_box.blockSignals(False)

    def set_python_allowed(self, allowed: bool) -> None:
        self.python_check.blockSignals(True)
        self.python_check.setChecked(allowed)
        self.python_check.blockSignals(False)

    # -- state ------------------------------------------------------------------------------
    def set_generating(self, generating: bool) -> None:
        self._generating = generating
        self.send_button.setText("Stop" if generating else "Send")
        self.send_button.setAccessibleName("Stop" if generating else "Send")

    def is_generating(self) -> bool:
        return self._generating

    def set_notice(self, text: str) -> None:
        """Why the model is not ready yet ("Loading model 45%…"); empty hides it."""
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def take_text(self) -> str:
        text = self.input.toPlainText()
        self.input.clear()
        return text

    @Slot()
    def _on_button(self) -> None:
        if self._generating:
            self.stopRequested.emit()
        else:
            self._submit()

    @Slot()
    def _submit(self) -> None:
        if self._generating:
            return
        text = self.input.toPlainText()
        if not text.strip():
            return
        self.input.clear()
        self.sendRequested.emit(text, self.effort())
