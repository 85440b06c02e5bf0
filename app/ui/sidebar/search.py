"""Full-text search results as a Qt list model, with snippets ready to paint.

The store marks matched words with markers of our choosing. Private-use characters are used
because no one types them, so a snippet can be split at them safely and everything else
escaped: a chat about HTML shows its tags as text, and only the matches come out bold.
"""

from __future__ import annotations

import html
import logging
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
    ConversationId,
    ConversationStore,
    MessageId,
    Role,
    SearchHit,
    StorageError,
)
from app.ui.sidebar.conversation_model import UNTITLED

log = logging.getLogger(__name__)

HIGHLIGHT_START = "\ue000"
HIGHLIGHT_END = "\ue001"
MARKERS = (HIGHLIGHT_START, HIGHLIGHT_END)
SEARCH_LIMIT = 100

_Index = QModelIndex | QPersistentModelIndex
_SPEAKERS: dict[Role, str] = {"user": "You", "assistant": "gpt-oss", "tool": "Tool"}


def highlight_parts(snippet: str) -> list[tuple[str, bool]]:
    """The snippet as (text, highlighted) pieces, with runs of white space made one space.

    Unbalanced or stray markers never leak into the text: a start inside a highlight and an
    end outside one are dropped.
    """
    parts: list[tuple[str, bool]] = []
    highlighted = False
    piece: list[str] = []
    for char in " ".join(snippet.split()):
        if char in MARKERS:
            if (char == HIGHLIGHT_START) != highlighted:
                if piece:
                    parts.append(("".join(piece), highlighted))
                piece, highlighted = [], not highlighted
            continue
        piece.append(char)
    if piece:
        parts.append(("".join(piece), highlighted))
    return parts


def highlight_html(snippet: str) -> str:
    """Escaped HTML of a snippet, its matches in bold."""
    return "".join(f"<b>{html.escape(text)}</b>" if bold else html.escape(text)
                   for text, bold in highlight_parts(snippet))


def plain_snippet(snippet: str) -> str:
    return "".join(text for text, _ in highlight_parts(snippet))


@dataclass(frozen=True)
class SearchResult:
    """One hit, as the sidebar shows it. A title match has no message."""

    conversation_id: ConversationId
    message_id: MessageId | None
    role: Role | None
    title: str
    snippet_parts: tuple[tuple[str, bool], ...]
    snippet_html: str
    snippet_text: str

    @classmethod
    def from_hit(cls, hit: SearchHit) -> SearchResult:
        return cls(conversation_id=hit.conversation_id, message_id=hit.message_id,
                   role=hit.role, title=hit.title or UNTITLED,
                   snippet_parts=tuple(highlight_parts(hit.snippet)),
                   snippet_html=highlight_html(hit.snippet),
                   snippet_text=plain_snippet(hit.snippet))

    @property
    def is_title_match(self) -> bool:
        return self.message_id is None

    def accessible_text(self) -> str:
        if self.role is None:
            return f"{self.title}, title matches"
        return f"{self.title}, {_SPEAKERS[self.role]}: {self.snippet_text}"


class SearchRoles(IntEnum):
    ConversationIdRole = Qt.ItemDataRole.UserRole + 1
    MessageIdRole = Qt.ItemDataRole.UserRole + 2
    SnippetHtmlRole = Qt.ItemDataRole.UserRole + 3
    SnippetTextRole = Qt.ItemDataRole.UserRole + 4
    MessageRoleRole = Qt.ItemDataRole.UserRole + 5


_ROLE_NAMES = {
    SearchRoles.ConversationIdRole: b"conversationId",
    SearchRoles.MessageIdRole: b"messageId",
    SearchRoles.SnippetHtmlRole: b"snippetHtml",
    SearchRoles.SnippetTextRole: b"snippetText",
    SearchRoles.MessageRoleRole: b"messageRole",
}


class SearchResultsModel(QAbstractListModel):
    """The hits of the current query: title matches first, then messages, newest first.

    A new query replaces the results with a reset (the whole list is new anyway); removing a
    deleted conversation's hits removes just those rows. The number of hits is bounded by
    `limit`, so the query runs on the GUI thread.

    Signals:
        storageFailed(str): the store could not be searched; the message is for the user.
    """

    storageFailed = Signal(str)

    def __init__(self, store: ConversationStore, parent: QObject | None = None, *,
                 limit: int = SEARCH_LIMIT) -> None:
        super().__init__(parent)
        self._store = store
        self._limit = limit
        self._query = ""
        self._results: list[SearchResult] = []

    @property
    def query(self) -> str:
        return self._query

    def set_query(self, text: str) -> None:
        """Search for `text` (every word, the last as a prefix); blank text clears the results."""
        self._query = text.strip()
        results: list[SearchResult] = []
        if self._query:
            try:
                hits = self._store.search(self._query, limit=self._limit, markers=MARKERS)
            except StorageError as error:
                log.warning("Search failed: %s", error)
                self.storageFailed.emit(f"Could not search the chats. {error}")
                hits = []
            results = [SearchResult.from_hit(hit) for hit in hits]
            log.debug("Search found %d hit(s)", len(results))
        self.beginResetModel()
        self._results = results
        self.endResetModel()

    def refresh(self) -> None:
        """Run the current query again (after a rename, restore or new message)."""
        if self._query:
            self.set_query(self._query)

    def clear(self) -> None:
        if self._query or self._results:
            self.set_query("")

    def remove_conversation(self, conversation_id: ConversationId) -> None:
        """Drop the hits of a deleted conversation, row by row."""
        for row in reversed(range(len(self._results))):
            if self._results[row].conversation_id == conversation_id:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._results[row]
                self.endRemoveRows()

    def result_at(self, row: int) -> SearchResult | None:
        return self._results[row] if 0 <= row < len(self._results) else None

    def results(self) -> list[SearchResult]:
        return list(self._results)

    def rowCount(self, parent: _Index | None = None) -> int:
        if parent is not None and parent.isValid():
            return 0
        return len(self._results)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        result = self.result_at(index.row()) if index.isValid() else None
        if result is None:
            return None
        values: dict[int, Any] = {
            Qt.ItemDataRole.DisplayRole: result.title,
            Qt.ItemDataRole.ToolTipRole: result.title,
            Qt.ItemDataRole.AccessibleTextRole: result.accessible_text(),
            SearchRoles.ConversationIdRole: result.conversation_id,
            SearchRoles.MessageIdRole: result.message_id,
            SearchRoles.SnippetHtmlRole: result.snippet_html,
            SearchRoles.SnippetTextRole: result.snippet_text,
            SearchRoles.MessageRoleRole: result.role,
        }
        return values.get(role)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemNeverHasChildren)

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update({int(role): QByteArray(name) for role, name in _ROLE_NAMES.items()})
        return names
