"""Full-text search over titles and message text, with highlighted snippets (SQLite FTS5).

What the user types is never passed to FTS5 as query syntax: every word becomes a quoted
phrase, so `"foo`, `AND`, `NEAR(` or `*` are searched for as text and can never raise. All
words must match; the last one also matches as a prefix, so results appear while typing.
"""

from __future__ import annotations

import sqlite3
from typing import cast

from app.core.storage.models import Role, SearchHit

DEFAULT_MARKERS = ("[", "]")
_SNIPPET_ELLIPSIS = "…"
_SNIPPET_TOKENS = 16


def fts_query(text: str) -> str | None:
    """The FTS5 query matching every word of `text` (the last as a prefix); None if empty."""
    words = [word.replace("\x00", "") for word in text.split()]
    words = [word for word in words if word]
    if not words:
        return None
    phrases = ['"' + word.replace('"', '""') + '"' for word in words]
    phrases[-1] += "*"
    return " ".join(phrases)


def search(conn: sqlite3.Connection, text: str, *, limit: int = 50,
           markers: tuple[str, str] = DEFAULT_MARKERS) -> list[SearchHit]:
    """Title matches first (best first), then message matches, newest first.

    Messages are returned newest first rather than by relevance: FTS5 can then stop after
    `limit` rows instead of ranking every match, which keeps a search over years of chats fast,
    and recent conversations are what people look for most.
    """
    query = fts_query(text)
    if query is None or limit <= 0:
        return []
    opening, closing = markers
    hits = [
        SearchHit(conversation_id=row[0], title=row[1], message_id=None, role=None,
                  snippet=row[2])
        for row in conn.execute(
            "SELECT c.id, c.title, highlight(conversation_search, 0, ?, ?)"
            " FROM conversation_search JOIN conversations c ON c.id = conversation_search.rowid"
            " WHERE conversation_search MATCH ? AND c.deleted_at IS NULL"
            " ORDER BY rank LIMIT ?", (opening, closing, query, limit))]
    remaining = limit - len(hits)
    if remaining <= 0:
        return hits
    hits.extend(
        SearchHit(conversation_id=row[0], title=row[1], message_id=row[2],
                  role=cast(Role, row[3]), snippet=row[4])
        for row in conn.execute(
            "SELECT m.conversation_id, c.title, m.id, m.role,"
            " snippet(message_search, 0, ?, ?, ?, ?)"
            " FROM message_search"
            " JOIN messages m ON m.id = message_search.rowid"
            " JOIN conversations c ON c.id = m.conversation_id"
            " WHERE message_search MATCH ? AND c.deleted_at IS NULL"
            " ORDER BY message_search.rowid DESC LIMIT ?",
            (opening, closing, _SNIPPET_ELLIPSIS, _SNIPPET_TOKENS, query, remaining)))
    return hits
