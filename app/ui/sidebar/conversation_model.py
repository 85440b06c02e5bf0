"""The saved conversations as a Qt list model, with a header row before each date group.

Rows come from the store a page at a time (`canFetchMore`/`fetchMore` over its keyset
cursor), so a list of ten thousand chats opens as fast as a list of ten. The model holds
exactly the conversations that sort at or above the last page's cursor: a change that moves a
conversation out of that range removes its row, one that moves it in inserts it, and the
next page can then never bring a row the model already has.

Every row, header or conversation, has a sort key, and the rows are kept in key order. A
change is then one insert, one move or one removal (plus a header appearing or disappearing
with its group), never a reset: views keep their selection, scroll position and editor.
"""

from __future__ import annotations

import bisect
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from app.core.storage import (
    Conversation,
    ConversationId,
    ConversationStore,
    GroupLabel,
    ListCursor,
    NotFoundError,
    StorageError,
    group_label,
)
from app.core.storage.grouping import GROUP_ORDER

log = logging.getLogger(__name__)

FIRST_PAGE_SIZE = 100
UNTITLED = "New chat"

_Index = QModelIndex | QPersistentModelIndex
_SortKey = tuple[int, int, float, int]


@dataclass(frozen=True)
class GroupHeader:
    """The row that names a date group ("Pinned", "Today", …)."""

    label: GroupLabel


Entry = Conversation | GroupHeader


class ConversationRoles(IntEnum):
    """Custom data roles; the delegate reads entries through `entry_at` instead."""

    ConversationIdRole = Qt.ItemDataRole.UserRole + 1
    IsHeaderRole = Qt.ItemDataRole.UserRole + 2
    GroupRole = Qt.ItemDataRole.UserRole + 3
    PinnedRole = Qt.ItemDataRole.UserRole + 4
    UpdatedAtRole = Qt.ItemDataRole.UserRole + 5
    EffortRole = Qt.ItemDataRole.UserRole + 6


_ROLE_NAMES = {
    ConversationRoles.ConversationIdRole: b"conversationId",
    ConversationRoles.IsHeaderRole: b"isHeader",
    ConversationRoles.GroupRole: b"group",
    ConversationRoles.PinnedRole: b"pinned",
    ConversationRoles.UpdatedAtRole: b"updatedAt",
    ConversationRoles.EffortRole: b"effort",
}


def display_title(conversation: Conversation) -> str:
    """What the list shows for a chat that has no title yet (no message sent)."""
    return conversation.title or UNTITLED


def _store_key(conversation: Conversation) -> tuple[int, float, int]:
    """The store's listing order, as a value that compares like its cursor."""
    return int(conversation.pinned), conversation.updated_at, conversation.id


class ConversationListModel(QAbstractListModel):
    """Conversations not deleted, pinned first, then most recently active, under group headers.

    The store is read and written on the calling (GUI) thread: its calls are bounded (one
    page, one row) and fast. Group labels are computed against the time of the last `reload`,
    which keeps the order stable; `refresh_groups` reloads once the day has changed.

    Signals:
        renamed(int, str): the user renamed this conversation (through `rename` or an editor).
        storageFailed(str): the store could not be read or written; the message is for the user.
    """

    renamed = Signal(int, str)
    storageFailed = Signal(str)

    def __init__(self, store: ConversationStore, parent: QObject | None = None, *,
                 clock: Callable[[], float] = time.time,
                 page_size: int = FIRST_PAGE_SIZE) -> None:
        super().__init__(parent)
        self._store = store
        self._clock = clock
        self._page_size = page_size
        self._now = clock()
        self._entries: list[Entry] = []
        self._keys: list[_SortKey] = []
        self._rows: dict[ConversationId, int] = {}
        self._cursor: ListCursor | None = None
        self._complete = True
        self.reload()

    # -- reading ---------------------------------------------------------------------------

    def rowCount(self, parent: _Index | None = None) -> int:
        if parent is not None and parent.isValid():
            return 0
        return len(self._entries)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.entry_at(index.row()) if index.isValid() else None
        if entry is None:
            return None
        if isinstance(entry, GroupHeader):
            return _header_data(entry, role)
        return _conversation_data(entry, self._label(entry), role)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        entry = self.entry_at(index.row()) if index.isValid() else None
        if entry is None:
            return Qt.ItemFlag.NoItemFlags
        if isinstance(entry, GroupHeader):
            # Disabled, as QComboBox separators are: keyboard navigation steps over them.
            return Qt.ItemFlag.ItemNeverHasChildren
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemNeverHasChildren)

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """The view's editor commits a new title here; a blank title is refused."""
        entry = self.entry_at(index.row()) if index.isValid() else None
        if role != Qt.ItemDataRole.EditRole or not isinstance(entry, Conversation):
            return False
        return self.rename(entry.id, str(value))

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update({int(role): QByteArray(name) for role, name in _ROLE_NAMES.items()})
        return names

    def canFetchMore(self, parent: _Index) -> bool:
        return not parent.isValid() and not self._complete

    def fetchMore(self, parent: _Index) -> None:
        if parent.isValid() or self._complete:
            return
        try:
            page = self._store.list_conversations(self._page_size, before=self._cursor)
        except StorageError as error:
            self._fail("Could not read the list of chats", error)
            self._complete = True
            return
        self._append_page(page.conversations)
        if page.next_cursor is None:
            self._complete = True
        else:
            self._cursor = page.next_cursor

    def entry_at(self, row: int) -> Entry | None:
        """The conversation or header at a row, None outside the model (for delegates)."""
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def conversation_at(self, row: int) -> Conversation | None:
        entry = self.entry_at(row)
        return entry if isinstance(entry, Conversation) else None

    def row_of(self, conversation_id: ConversationId) -> int:
        """The row of a conversation, or -1 when it is not loaded (or not listed at all)."""
        return self._rows.get(conversation_id, -1)

    def index_of(self, conversation_id: ConversationId) -> QModelIndex:
        row = self.row_of(conversation_id)
        return self.index(row, 0) if row >= 0 else QModelIndex()

    def conversation(self, conversation_id: ConversationId) -> Conversation | None:
        row = self.row_of(conversation_id)
        return self.conversation_at(row) if row >= 0 else None

    def loaded_count(self) -> int:
        """How many conversations (not headers) the model holds."""
        return len(self._rows)

    def group_of(self, conversation: Conversation) -> GroupLabel:
        return self._label(conversation)

    # -- following the store ---------------------------------------------------------------

    def reload(self) -> None:
        """Start again from the first page (a reset: for opening and a new day only)."""
        self.beginResetModel()
        self._now = self._clock()
        self._entries, self._keys, self._rows = [], [], {}
        self._cursor, self._complete = None, False
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def refresh_groups(self) -> bool:
        """Reload if the calendar day changed since the groups were computed."""
        if group_label(self._now, self._clock()) == "Today":
            return False
        self.reload()
        return True

    def conversation_added(self, conversation_id: ConversationId) -> None:
        """A conversation was created, imported or restored: insert its row where it sorts."""
        self._sync(conversation_id)

    def conversation_changed(self, conversation_id: ConversationId) -> None:
        """Title, pin or activity changed: update the row in place or move it."""
        self._sync(conversation_id)

    def conversation_removed(self, conversation_id: ConversationId) -> None:
        """A conversation was deleted elsewhere: remove its row (and an emptied header)."""
        row = self.row_of(conversation_id)
        if row >= 0:
            self._remove_conversation(row)

    # -- changing, through the store -------------------------------------------------------

    def rename(self, conversation_id: ConversationId, title: str) -> bool:
        title = title.strip()
        if not title:
            return False
        if not self._write(self._store.rename, conversation_id, title):
            return False
        self.renamed.emit(conversation_id, title)
        return True

    def set_pinned(self, conversation_id: ConversationId, pinned: bool) -> bool:
        return self._write(self._store.set_pinned, conversation_id, pinned)

    def delete(self, conversation_id: ConversationId) -> bool:
        """Soft-delete: hidden at once, `restore` brings it back until the store purges it."""
        return self._write(self._store.delete_conversation, conversation_id)

    def restore(self, conversation_id: ConversationId) -> bool:
        return self._write(self._store.restore, conversation_id)

    def _write(self, change: Callable[..., None], conversation_id: ConversationId,
               *args: Any) -> bool:
        try:
            change(conversation_id, *args)
        except NotFoundError:
            log.warning("Conversation %d is gone; removing it from the list", conversation_id)
            self.conversation_removed(conversation_id)
            return False
        except StorageError as error:
            self._fail("Could not save the change to the chat", error)
            return False
        self._sync(conversation_id)
        return True

    def _fail(self, what: str, error: StorageError) -> None:
        log.warning("%s: %s", what, error)
        self.storageFailed.emit(f"{what}. {error}")

    # -- internals -------------------------------------------------------------------------

    def _label(self, conversation: Conversation) -> GroupLabel:
        return group_label(conversation.updated_at, self._now, pinned=conversation.pinned)

    def _key(self, conversation: Conversation) -> _SortKey:
        rank = GROUP_ORDER.index(self._label(conversation))
        return rank, 1, -conversation.updated_at, -conversation.id

    @staticmethod
    def _header_key(label: GroupLabel) -> _SortKey:
        return GROUP_ORDER.index(label), 0, 0.0, 0

    def _in_loaded_range(self, conversation: Conversation) -> bool:
        if self._complete:
            return True
        cursor = self._cursor
        if cursor is None:  # before the first page
            return False
        return _store_key(conversation) >= (int(cursor.pinned), cursor.updated_at, cursor.id)

    def _sync(self, conversation_id: ConversationId) -> None:
        """Make the row of one conversation match the store: insert, update, move or remove."""
        try:
            conversation: Conversation | None = self._store.get_conversation(conversation_id)
        except NotFoundError:
            conversation = None
        except StorageError as error:
            self._fail("Could not read the chat", error)
            return
        row = self.row_of(conversation_id)
        previous = self.conversation_at(row)
        if (conversation is None or conversation.deleted_at is not None
                or not self._in_loaded_range(conversation)):
            if row >= 0:
                self._remove_conversation(row)
        elif previous is None:
            self._insert_conversation(conversation)
        else:
            self._update_conversation(row, previous, conversation)

    def _header_row(self, label: GroupLabel) -> int:
        key = self._header_key(label)
        row = bisect.bisect_left(self._keys, key)
        return row if row < len(self._keys) and self._keys[row] == key else -1

    def _group_is_single(self, row: int) -> bool:
        """Whether the conversation at `row` is the only one under its header."""
        before = self._entries[row - 1] if row > 0 else None
        after = self.entry_at(row + 1)
        return isinstance(before, GroupHeader) and (after is None or
                                                     isinstance(after, GroupHeader))

    def _insert_entries(self, row: int, entries: list[Entry], keys: list[_SortKey]) -> None:
        self.beginInsertRows(QModelIndex(), row, row + len(entries) - 1)
        self._entries[row:row] = entries
        self._keys[row:row] = keys
        self._reindex(row)
        self.endInsertRows()

    def _remove_entries(self, first: int, last: int) -> None:
        self.beginRemoveRows(QModelIndex(), first, last)
        for entry in self._entries[first:last + 1]:
            if isinstance(entry, Conversation):
                del self._rows[entry.id]
        del self._entries[first:last + 1]
        del self._keys[first:last + 1]
        self._reindex(first)
        self.endRemoveRows()

    def _insert_conversation(self, conversation: Conversation) -> None:
        key = self._key(conversation)
        label = self._label(conversation)
        if self._header_row(label) < 0:
            row = bisect.bisect_left(self._keys, self._header_key(label))
            self._insert_entries(row, [GroupHeader(label), conversation],
                                 [self._header_key(label), key])
        else:
            self._insert_entries(bisect.bisect_left(self._keys, key), [conversation], [key])

    def _remove_conversation(self, row: int) -> None:
        first = row - 1 if self._group_is_single(row) else row
        self._remove_entries(first, row)

    def _update_conversation(self, row: int, previous: Conversation,
                             conversation: Conversation) -> None:
        old_label = self._label(previous)
        new_label, key = self._label(conversation), self._key(conversation)
        if key == self._keys[row]:
            self._entries[row] = conversation
            self._changed(row)
            return
        if self._header_row(new_label) < 0:
            header_row = bisect.bisect_left(self._keys, self._header_key(new_label))
            self._insert_entries(header_row, [GroupHeader(new_label)],
                                 [self._header_key(new_label)])
            row = self.row_of(conversation.id)
        old_single = old_label != new_label and self._group_is_single(row)
        destination = bisect.bisect_left(self._keys, key)
        if destination in (row, row + 1):  # already between its neighbours
            self._entries[row], self._keys[row] = conversation, key
        else:
            self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), destination)
            del self._entries[row]
            del self._keys[row]
            target = destination if destination < row else destination - 1
            self._entries.insert(target, conversation)
            self._keys.insert(target, key)
            self._reindex(min(row, target))
            self.endMoveRows()
        self._changed(self.row_of(conversation.id))
        if old_single:
            self._remove_entries(self._header_row(old_label), self._header_row(old_label))

    def _append_page(self, conversations: list[Conversation]) -> None:
        entries: list[Entry] = []
        keys: list[_SortKey] = []
        last = self._entries[-1] if self._entries else None
        label = self._label(last) if isinstance(last, Conversation) else None
        for conversation in conversations:
            if conversation.id in self._rows:  # moved in by a change since the last page
                continue
            new_label = self._label(conversation)
            if new_label != label and self._header_row(new_label) < 0:
                entries.append(GroupHeader(new_label))
                keys.append(self._header_key(new_label))
            label = new_label
            entries.append(conversation)
            keys.append(self._key(conversation))
        if entries:
            self._insert_entries(len(self._entries), entries, keys)

    def _changed(self, row: int) -> None:
        index = self.index(row, 0)
        self.dataChanged.emit(index, index)

    def _reindex(self, first_row: int) -> None:
        for row in range(first_row, len(self._entries)):
            entry = self._entries[row]
            if isinstance(entry, Conversation):
                self._rows[entry.id] = row


def _header_data(header: GroupHeader, role: int) -> Any:
    if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole,
                ConversationRoles.GroupRole):
        return header.label
    if role == ConversationRoles.IsHeaderRole:
        return True
    return None


def _conversation_data(conversation: Conversation, label: GroupLabel, role: int) -> Any:
    if role == Qt.ItemDataRole.DisplayRole:
        return display_title(conversation)
    if role == Qt.ItemDataRole.ToolTipRole:  # the whole title, however narrow the sidebar
        return f"{display_title(conversation)}\nReasoning effort: {conversation.effort}"
    if role == Qt.ItemDataRole.EditRole:
        return conversation.title
    if role == Qt.ItemDataRole.AccessibleTextRole:
        return display_title(conversation) + (", pinned" if conversation.pinned else "")
    values: dict[int, Any] = {
        ConversationRoles.ConversationIdRole: conversation.id,
        ConversationRoles.IsHeaderRole: False,
        ConversationRoles.GroupRole: label,
        ConversationRoles.PinnedRole: conversation.pinned,
        ConversationRoles.UpdatedAtRole: conversation.updated_at,
        ConversationRoles.EffortRole: conversation.effort,
    }
    return values.get(role)
