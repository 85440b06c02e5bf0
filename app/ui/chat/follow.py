"""Where a chat view scrolls when its rows change: to the newest text, or nowhere at all.

While the user is at the bottom, new text scrolls into view. Once they scroll up, layouts
(a row growing, estimates replaced by real heights) must not move what they are reading, and
a "Jump to latest" button takes them back down and resumes following.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtWidgets import QPushButton

from app.ui.chat.items import MessageId

if TYPE_CHECKING:
    from app.ui.chat.chat_view import ChatView

log = logging.getLogger(__name__)

FOLLOW_SLACK = 4  # pixels from the bottom that still count as "at the bottom"
JUMP_BUTTON_MARGIN = 12


class ScrollFollower(QObject):
    """Follows the bottom of a `ChatView` or keeps one message still, and owns the jump button.

    The message kept still is the first whose top is on screen, noted after every scroll and
    layout (it cannot be read during a layout: QListView lays out again when asked).

    Signals: none.
    """

    def __init__(self, view: ChatView) -> None:
        super().__init__(view)
        self._view = view
        self._following = True
        self._in_layout = False
        self._anchor: tuple[MessageId, int] | None = None  # a message id and its top on screen

        self.jump_button = QPushButton("Jump to latest ↓", view)
        self.jump_button.setObjectName("jumpToLatest")
        self.jump_button.setAccessibleName("Jump to latest")
        self.jump_button.setToolTip("Scroll to the newest message and follow it")
        self.jump_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.jump_button.clicked.connect(self.follow)
        self.jump_button.hide()

        scroll_bar = view.verticalScrollBar()
        scroll_bar.rangeChanged.connect(self._on_range_changed)
        scroll_bar.valueChanged.connect(self._on_scrolled)

    @property
    def following(self) -> bool:
        return self._following

    def follow(self) -> None:
        """Scroll to the bottom and follow new text again."""
        self._following = True
        scroll_bar = self._view.verticalScrollBar()
        scroll_bar.setValue(scroll_bar.maximum())
        self.update_button()

    def reset(self) -> None:
        """A new conversation opens at its newest message."""
        self._following = True
        self._anchor = None
        self.update_button()

    def pin(self, message_id: MessageId) -> None:
        """Keep this message's top where it is through the next layout, instead of the bottom."""
        index = self._view.row_index(message_id)
        if index.isValid():
            self._following = False
            self._anchor = (message_id, self._view.visualRect(index).top())

    @contextmanager
    def laying_out(self) -> Iterator[None]:
        """Wrap a layout: afterwards scroll to the bottom, or so the anchor has not moved."""
        self._in_layout = True
        try:
            yield
            scroll_bar = self._view.verticalScrollBar()
            if self._following:
                scroll_bar.setValue(scroll_bar.maximum())
            elif self._anchor is not None:
                index = self._view.row_index(self._anchor[0])
                if index.isValid():
                    shift = self._view.visualRect(index).top() - self._anchor[1]
                    scroll_bar.setValue(scroll_bar.value() + shift)
        finally:
            self._in_layout = False
        self._following = self._at_bottom()
        self._remember_anchor()
        self.update_button()

    def place_button(self) -> None:
        button = self.jump_button
        button.adjustSize()
        viewport = self._view.viewport().geometry()
        button.move(viewport.center().x() - button.width() // 2,
                    viewport.bottom() - button.height() - JUMP_BUTTON_MARGIN)

    def update_button(self) -> None:
        scroll_bar = self._view.verticalScrollBar()
        wanted = not self._following and scroll_bar.value() < scroll_bar.maximum() - FOLLOW_SLACK
        if wanted != self.jump_button.isVisible():
            self.jump_button.setVisible(wanted)
            if wanted:
                self.place_button()
                self.jump_button.raise_()

    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._following:
            self._view.verticalScrollBar().setValue(maximum)
        self.update_button()

    def _on_scrolled(self, _value: int) -> None:
        if not self._in_layout:
            self._following = self._at_bottom()
            self._remember_anchor()
        self.update_button()

    def _at_bottom(self) -> bool:
        scroll_bar = self._view.verticalScrollBar()
        return scroll_bar.value() >= scroll_bar.maximum() - FOLLOW_SLACK

    def _remember_anchor(self) -> None:
        view = self._view
        index = view.indexAt(QPoint(1, 0))
        if index.isValid() and view.visualRect(index).top() < 0:
            below = index.siblingAtRow(index.row() + 1)
            index = below if below.isValid() else index
        item = view.item_of(index)
        self._anchor = (item.message_id, view.visualRect(index).top()) if item else None
