"""The actions on a message: buttons under the hovered message, and the context menu.

One bar is shared by all messages and moved to whichever is hovered, so a long chat costs no
widgets per message, while the actions are still real buttons with accessible names. The
context menu offers the same actions to keyboard users and emits through the same bar.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from app.ui.chat.items import ChatItem, MessageId


class MessageActionBar(QWidget):
    """Copy / Edit / Regenerate / Delete and the "‹ 2/3 ›" version switcher for one message.

    Signals:
        copyRequested(object): copy the message with this id.
        editRequested(object): edit this (user) message.
        regenerateRequested(object): answer again in place of this (assistant) message.
        deleteRequested(object): delete this message.
        siblingRequested(object, int): show the previous (-1) or next (+1) version.
    """

    copyRequested = Signal(object)
    editRequested = Signal(object)
    regenerateRequested = Signal(object)
    deleteRequested = Signal(object)
    siblingRequested = Signal(object, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageActionBar")
        self.setAccessibleName("Message actions")
        self.setAutoFillBackground(True)  # covers the painted "‹ 2/3 ›" hint under it
        self.setBackgroundRole(QPalette.ColorRole.Base)  # the list's own background
        self.message_id: MessageId | None = None
        self.previous_button = self._button("‹", "Previous version", partial(self._sibling, -1))
        self.version_label = QLabel()
        self.version_label.setAccessibleName("Version")
        self.next_button = self._button("›", "Next version", partial(self._sibling, +1))
        self.copy_button = self._button("Copy", "Copy message", partial(self._emit, "copy"))
        self.edit_button = self._button("Edit", "Edit message", partial(self._emit, "edit"))
        self.regenerate_button = self._button(
            "Regenerate", "Regenerate reply", partial(self._emit, "regenerate"))
        self.delete_button = self._button("Delete", "Delete message", partial(self._emit, "delete"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for widget in (self.previous_button, self.version_label, self.next_button,
                       self.copy_button, self.edit_button, self.regenerate_button,
                       self.delete_button):
            layout.addWidget(widget)
        self.hide()

    def _button(self, text: str, name: str, slot: Callable[[], None]) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(name)
        button.setAccessibleName(name)
        button.setAutoRaise(True)
        button.clicked.connect(slot)
        return button

    def show_for(self, item: ChatItem) -> None:
        """Offer the actions that make sense for this message now."""
        self.message_id = item.message_id
        settled = not item.is_streaming
        has_versions = item.sibling_count > 1
        for widget in (self.previous_button, self.version_label, self.next_button):
            widget.setVisible(has_versions)
        self.version_label.setText(f"{item.sibling_index}/{item.sibling_count}")
        self.previous_button.setEnabled(settled and item.sibling_index > 1)
        self.next_button.setEnabled(settled and item.sibling_index < item.sibling_count)
        self.edit_button.setVisible(item.role == "user")
        self.edit_button.setEnabled(settled)
        self.regenerate_button.setVisible(item.role == "assistant")
        self.regenerate_button.setEnabled(settled)
        self.delete_button.setEnabled(settled)
        self.adjustSize()

    def _emit(self, action: str) -> None:
        signals = {"copy": self.copyRequested, "edit": self.editRequested,
                   "regenerate": self.regenerateRequested, "delete": self.deleteRequested}
        if self.message_id is not None:
            signals[action].emit(self.message_id)

    def _sibling(self, delta: int) -> None:
        if self.message_id is not None:
            self.siblingRequested.emit(self.message_id, delta)


def message_menu(parent: QWidget, item: ChatItem, bar: MessageActionBar, *,
                 reasoning_shown: bool, toggle_reasoning: Callable[[], object]) -> QMenu:
    """A menu with the actions for `item`; they emit the bar's signals for that message."""
    menu = QMenu(parent)
    menu.setAccessibleName("Message actions")
    message_id, settled = item.message_id, not item.is_streaming

    def add(text: str, slot: Callable[[], object], enabled: bool = True) -> None:
        action = menu.addAction(text)
        action.triggered.connect(slot)
        action.setEnabled(enabled)

    add("Copy message", lambda: bar.copyRequested.emit(message_id))
    if item.role == "user":
        add("Edit message", lambda: bar.editRequested.emit(message_id), settled)
    if item.role == "assistant":
        add("Regenerate reply", lambda: bar.regenerateRequested.emit(message_id), settled)
        if item.reasoning:
            add("Hide thinking" if reasoning_shown else "Show thinking", toggle_reasoning)
    if item.sibling_count > 1:
        add("Previous version", lambda: bar.siblingRequested.emit(message_id, -1),
            settled and item.sibling_index > 1)
        add("Next version", lambda: bar.siblingRequested.emit(message_id, 1),
            settled and item.sibling_index < item.sibling_count)
    menu.addSeparator()
    add("Delete message", lambda: bar.deleteRequested.emit(message_id), settled)
    return menu
