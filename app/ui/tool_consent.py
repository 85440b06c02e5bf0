"""The question before the model's Python code runs: Run, Always allow in this chat, Deny."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget


class ToolConsentBar(QWidget):
    """Shows the code and waits for the user's answer; hidden otherwise.

    Signals:
        approved(bool): Run (False) or Always allow in this chat (True).
        denied(): Deny.
    """

    approved = Signal(bool)
    denied = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolConsent")
        self.label = QLabel("The model wants to run this Python code on your computer, in a "
                            "separate process with no access to your files outside its folder:")
        self.label.setWordWrap(True)
        self.code = QPlainTextEdit()
        self.code.setReadOnly(True)
        self.code.setAccessibleName("Python code to run")
        self.code.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.code.setMaximumHeight(120)
        self.run_button = QPushButton("Run")
        self.always_button = QPushButton("Always allow in this chat")
        self.deny_button = QPushButton("Deny")
        for button in (self.run_button, self.always_button, self.deny_button):
            button.setAccessibleName(button.text())
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.deny_button, self.always_button, self.run_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.code)
        layout.addLayout(buttons)
        self.run_button.clicked.connect(lambda: self._answer(always=False))
        self.always_button.clicked.connect(lambda: self._answer(always=True))
        self.deny_button.clicked.connect(self._deny)
        self.hide()

    def ask(self, code: str) -> None:
        self.code.setPlainText(code)
        self.show()
        self.run_button.setFocus()

    def _answer(self, *, always: bool) -> None:
        self.hide()
        self.approved.emit(always)

    def _deny(self) -> None:
        self.hide()
        self.denied.emit()
