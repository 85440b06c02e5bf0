"""The list view of the sidebar: one activation per click or Enter, headers skipped, menus.

QListView emits `clicked` for every click and `activated` for Enter, a double click, or a
single click on platforms set to open items that way; listening to both would open a chat
twice. `itemActivated` is emitted once for each of those gestures instead.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QMouseEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QWidget

log = logging.getLogger(__name__)

_Index = QModelIndex | QPersistentModelIndex


class SidebarListView(QListView):
    """A single-selection list of equal-height rows, for conversations or search hits.

    Signals:
        itemActivated(QModelIndex): the user opened this row (click, Enter or double click).
        menuRequested(QModelIndex, QPoint): a context menu for this row, at this global
            position (mouse or the keyboard's menu key).
    """

    itemActivated = Signal(QModelIndex)
    menuRequested = Signal(QModelIndex, QPoint)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._double_clicking = False
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setMouseTracking(True)  # hover highlight
        self.clicked.connect(self._on_clicked)
        self.activated.connect(self._on_activated)

    def _single_click_opens(self) -> bool:
        return bool(self.style().styleHint(
            QStyle.StyleHint.SH_ItemView_ActivateItemOnSingleClick, None, self))

    def _on_clicked(self, index: QModelIndex) -> None:
        if not self._single_click_opens():  # otherwise `activated` follows this click
            self.itemActivated.emit(index)

    def _on_activated(self, index: QModelIndex) -> None:
        if not self._double_clicking:  # the double click's first click opened the row
            self.itemActivated.emit(index)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self._double_clicking = True
        try:
            super().mouseDoubleClickEvent(event)
        finally:
            self._double_clicking = False

    def moveCursor(self, cursorAction: QAbstractItemView.CursorAction,
                   modifiers: Qt.KeyboardModifier) -> QModelIndex:
        """Never land on a header: Up and Down skip them already, Home and Page keys do not."""
        index = super().moveCursor(cursorAction, modifiers)
        model = self.model()
        if model is None or not index.isValid():
            return index
        row = index.row()
        step = -1 if cursorAction in (QAbstractItemView.CursorAction.MoveUp,
                                      QAbstractItemView.CursorAction.MovePageUp) else 1
        while 0 <= row < model.rowCount() and not _enabled(model.index(row, 0)):
            row += step
        if not 0 <= row < model.rowCount():  # e.g. Page Up onto the first header
            row = index.row()
            while row < model.rowCount() and not _enabled(model.index(row, 0)):
                row += 1
        return model.index(row, 0) if 0 <= row < model.rowCount() else QModelIndex()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if event.reason() == QContextMenuEvent.Reason.Keyboard:
            index = self.currentIndex()
            position = self.viewport().mapToGlobal(self.visualRect(index).center())
        else:
            index = self.indexAt(event.pos())
            position = event.globalPos()
        if index.isValid() and _enabled(index):
            self.menuRequested.emit(index, position)
            event.accept()


def _enabled(index: _Index) -> bool:
    return bool(index.flags() & Qt.ItemFlag.ItemIsEnabled)
