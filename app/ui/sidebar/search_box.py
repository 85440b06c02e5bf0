"""The "Search chats" box: asks for a search once typing pauses, not on every key.

A search per key would query the store five times for a five-letter word and make the
results flicker; waiting for a short pause (a single-shot timer, restarted by each key)
asks once. Clearing the text is answered at once, so the list comes back without delay.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QHideEvent, QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

log = logging.getLogger(__name__)

SEARCH_DELAY_MS = 200


class SearchBox(QLineEdit):
    """A line edit with a clear button that reports searches, debounced.

    Escape clears the text; Down asks to move into the list below. Hiding the box drops a
    pending search (the sidebar runs it again when shown).

    Signals:
        searchRequested(str): search for this (non-blank) text now.
        searchCleared(): the text became blank; show the full list again.
        leaveDownRequested(): Down was pressed; move the focus into the list below.
    """

    searchRequested = Signal(str)
    searchCleared = Signal()
    leaveDownRequested = Signal()

    def __init__(self, parent: QWidget | None = None, *,
                 delay_ms: int = SEARCH_DELAY_MS) -> None:
        super().__init__(parent)
        self.setObjectName("searchBox")
        self.setPlaceholderText("Search chats")
        self.setAccessibleName("Search chats")
        self.setClearButtonEnabled(True)
        clear_action = self.findChild(QAction, "_q_qlineeditclearaction")
        if clear_action is not None:  # Qt leaves its clear button without a name
            clear_action.setText("Clear search")
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(self.search_now)
        self.textChanged.connect(self._on_text_changed)
        self.returnPressed.connect(self.search_now)

    def search_now(self) -> None:
        """Ask for the search at once (Enter, or the pause after typing ended)."""
        self.timer.stop()
        if self.text().strip():
            self.searchRequested.emit(self.text())
        else:
            self.searchCleared.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            event.accept()
        elif event.key() == Qt.Key.Key_Down:
            if self.timer.isActive():
                self.search_now()
            self.leaveDownRequested.emit()
            event.accept()
        else:
            super().keyPressEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def _on_text_changed(self, text: str) -> None:
        if text.strip():
            self.timer.start()  # restarts: one search once typing pauses
        else:
            self.timer.stop()
            self.searchCleared.emit()
