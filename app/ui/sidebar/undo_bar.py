"""The "Chat deleted — Undo" bar shown for a few seconds after a delete.

Deleting is immediate (no "are you sure?"), which is only kind because it can be undone.
The store keeps the conversation soft-deleted; this bar is the user's way back until it
times out, after which the deletion stands and the next start purges it. A newer deletion
replaces the offer: only the latest one can be undone, as in mail apps.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from app.core.storage import ConversationId

log = logging.getLogger(__name__)

UNDO_SECONDS = 10.0


class UndoBar(QFrame):
    """Offers to undo the last deletion until its single-shot timer runs out.

    Signals:
        undoRequested(int): the user pressed Undo for this conversation.
        expired(int): the offer for this conversation ended (timeout, dismissed or replaced).
    """

    undoRequested = Signal(int)
    expired = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, seconds: float = UNDO_SECONDS) -> None:
        super().__init__(parent)
        self.setObjectName("undoBar")
        self.setAccessibleName("Deleted chat")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.conversation_id: ConversationId | None = None
        self.label = QLabel("Chat deleted")
        self.label.setAccessibleName("Chat deleted")
        self.undo_button = QPushButton("Undo")
        self.undo_button.setAccessibleName("Undo delete")
        self.undo_button.setToolTip("Bring the deleted chat back")
        self.undo_button.clicked.connect(self._undo)
        self.dismiss_button = QToolButton()
        self.dismiss_button.setText("×")
        self.dismiss_button.setAutoRaise(True)
        self.dismiss_button.setAccessibleName("Dismiss")
        self.dismiss_button.setToolTip("Dismiss")
        self.dismiss_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.undo_button)
        layout.addWidget(self.dismiss_button)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(round(seconds * 1000))
        self.timer.timeout.connect(self.dismiss)
        self.hide()

    def offer(self, conversation_id: ConversationId) -> None:
        """Show the bar for this deletion, replacing any earlier offer, and start the clock."""
        if self.conversation_id is not None and self.conversation_id != conversation_id:
            self.expired.emit(self.conversation_id)
        self.conversation_id = conversation_id
        self.show()
        self.timer.start()

    def dismiss(self) -> None:
        """End the offer without undoing: the deletion stands."""
        self.timer.stop()
        self.hide()
        conversation_id, self.conversation_id = self.conversation_id, None
        if conversation_id is not None:
            log.debug("Undo for conversation %d expired", conversation_id)
            self.expired.emit(conversation_id)

    def _undo(self) -> None:
        self.timer.stop()
        self.hide()
        conversation_id, self.conversation_id = self.conversation_id, None
        if conversation_id is not None:
            self.undoRequested.emit(conversation_id)
