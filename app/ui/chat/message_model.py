"""The messages of one conversation as a Qt list model.

Streaming changes one row many times a second, so `update_streaming` appends to that row and
emits `dataChanged` for it alone: a reset would make the view lay out and repaint every
message per token, which is what makes other chat apps crawl on long conversations.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections.abc import Iterable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from app.ui.chat.items import ChatItem, MessageId

log = logging.getLogger(__name__)

# Versions are unique across every model in the process, so a cache keyed by
# (message id, version) can never confuse two conversations that reuse message ids.
_versions = itertools.count(1)

_DISPLAY_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)


class MessageRoles(IntEnum):
    """Custom data roles; `ItemRole` gives the whole `ChatItem` (what the delegate reads)."""

    ItemRole = Qt.ItemDataRole.UserRole + 1
    VersionRole = Qt.ItemDataRole.UserRole + 2
    MessageIdRole = Qt.ItemDataRole.UserRole + 3
    SenderRole = Qt.ItemDataRole.UserRole + 4
    AnswerRole = Qt.ItemDataRole.UserRole + 5
    ReasoningRole = Qt.ItemDataRole.UserRole + 6
    StatusRole = Qt.ItemDataRole.UserRole + 7
    EffortRole = Qt.ItemDataRole.UserRole + 8


_ROLE_NAMES = {
    MessageRoles.ItemRole: b"item",
    MessageRoles.VersionRole: b"version",
    MessageRoles.MessageIdRole: b"messageId",
    MessageRoles.SenderRole: b"sender",
    MessageRoles.AnswerRole: b"answer",
    MessageRoles.ReasoningRole: b"reasoning",
    MessageRoles.StatusRole: b"status",
    MessageRoles.EffortRole: b"effort",
}

_FIELD_OF_ROLE: dict[int, str] = {
    MessageRoles.MessageIdRole: "message_id",
    MessageRoles.SenderRole: "role",
    MessageRoles.AnswerRole: "answer",
    MessageRoles.ReasoningRole: "reasoning",
    MessageRoles.StatusRole: "status",
    MessageRoles.EffortRole: "effort",
}


class MessageListModel(QAbstractListModel):
    """Holds the `ChatItem`s of one conversation, oldest first.

    Every change gives the row a new version number (`VersionRole`), so views can cache
    whatever they build from a message until that message changes.

    Signals: only those of QAbstractListModel (rowsInserted, dataChanged, modelReset, …).
    """

    def __init__(self, items: Iterable[ChatItem] = (), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[ChatItem] = list(items)
        self._rows: dict[MessageId, int] = _rows_by_id(self._items)
        self._item_versions: list[int] = [next(_versions) for _ in self._items]

    # -- reading ---------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        if parent is not None and parent.isValid():
            return 0
        return len(self._items)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role in _DISPLAY_ROLES:
            return item.plain_text()
        if role == MessageRoles.ItemRole:
            return item
        if role == MessageRoles.VersionRole:
            return self._item_versions[index.row()]
        field_name = _FIELD_OF_ROLE.get(role)
        return getattr(item, field_name) if field_name else None

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update({int(role): QByteArray(name) for role, name in _ROLE_NAMES.items()})
        return names

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemNeverHasChildren)

    def items(self) -> list[ChatItem]:
        """A copy of the list of items, oldest first."""
        return list(self._items)

    def item_at(self, row: int) -> ChatItem:
        return self._items[row]

    def version_at(self, row: int) -> int:
        return self._item_versions[row]

    def entry_at(self, row: int) -> tuple[ChatItem | None, int]:
        """The item and version at a row, or (None, 0) outside the model (for delegates)."""
        if 0 <= row < len(self._items):
            return self._items[row], self._item_versions[row]
        return None, 0

    def row_of(self, message_id: MessageId) -> int:
        """The row of a message, or -1 if the model does not hold it."""
        return self._rows.get(message_id, -1)

    def item(self, message_id: MessageId) -> ChatItem | None:
        row = self.row_of(message_id)
        return self._items[row] if row >= 0 else None

    # -- changing --------------------------------------------------------------------------

    def set_items(self, items: Iterable[ChatItem]) -> None:
        """Show another conversation (or a reloaded one): a reset, never used while streaming."""
        new_items = list(items)
        rows = _rows_by_id(new_items)
        self.beginResetModel()
        self._items = new_items
        self._rows = rows
        self._item_versions = [next(_versions) for _ in new_items]
        self.endResetModel()

    def append(self, item: ChatItem) -> None:
        if item.message_id in self._rows:
            raise ValueError(f"message {item.message_id!r} is already in the model")
        row = len(self._items)
        self.beginInsertRows(QModelIndex(), row, row)
        self._items.append(item)
        self._item_versions.append(next(_versions))
        self._rows[item.message_id] = row
        self.endInsertRows()

    def replace(self, item: ChatItem) -> bool:
        """Swap in a new version of a message with the same id; False if it is not here."""
        row = self.row_of(item.message_id)
        if row < 0:
            log.debug("replace: message %r is not in the model", item.message_id)
            return False
        self._items[row] = item
        self._changed(row)
        return True

    def update_streaming(
        self, message_id: MessageId, answer_delta: str = "", reasoning_delta: str = ""
    ) -> bool:
        """Append newly streamed text to one message and tell views about that row only.

        Returns False (and changes nothing) when the message is not in the model, e.g. when an
        update arrives after the user switched to another conversation.
        """
        row = self.row_of(message_id)
        if row < 0:
            log.debug("update_streaming: message %r is not in the model", message_id)
            return False
        if not answer_delta and not reasoning_delta:
            return True
        item = self._items[row]
        self._items[row] = dataclasses.replace(
            item, answer=item.answer + answer_delta, reasoning=item.reasoning + reasoning_delta
        )
        self._changed(row)
        return True

    def remove(self, message_id: MessageId) -> bool:
        row = self.row_of(message_id)
        if row < 0:
            log.debug("remove: message %r is not in the model", message_id)
            return False
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._items[row]
        del self._item_versions[row]
        del self._rows[message_id]
        self._reindex(row)
        self.endRemoveRows()
        return True

    def _changed(self, row: int) -> None:
        self._item_versions[row] = next(_versions)
        index = self.index(row, 0)
        self.dataChanged.emit(index, index)

    def _reindex(self, first_row: int) -> None:
        for row in range(first_row, len(self._items)):
            self._rows[self._items[row].message_id] = row


def _rows_by_id(items: list[ChatItem]) -> dict[MessageId, int]:
    rows = {item.message_id: row for row, item in enumerate(items)}
    if len(rows) != len(items):
        raise ValueError("message ids must be unique within a conversation")
    return rows
