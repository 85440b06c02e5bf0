"""Conversation rows: create, read, change, list a page, soft-delete and purge.

Functions take a connection the caller has opened a transaction on (see `Database`), so the
facade can combine them atomically.
"""

from __future__ import annotations

import sqlite3
from typing import Any, cast

from app.core.storage.errors import NotFoundError
from app.core.storage.models import (
    Conversation,
    ConversationId,
    ConversationPage,
    Effort,
    ListCursor,
    MessageId,
    PythonTool,
    TitleSource,
)

COLUMNS = ("id, title, title_source, created_at, updated_at, pinned, effort, instructions, "
           "model, active_leaf_id, deleted_at, python_tool")
TITLE_LENGTH = 60
_ELLIPSIS = "…"


def from_row(row: sqlite3.Row | tuple[Any, ...]) -> Conversation:
    return Conversation(
        id=row[0], title=row[1], title_source=cast(TitleSource, row[2]), created_at=row[3],
        updated_at=row[4], pinned=bool(row[5]), effort=cast(Effort, row[6]),
        instructions=row[7], model=row[8], active_leaf_id=row[9], deleted_at=row[10],
        python_tool=cast(PythonTool, row[11]))


def insert(conn: sqlite3.Connection, *, title: str, title_source: TitleSource, effort: Effort,
           instructions: str, model: str, created_at: float, updated_at: float,
           pinned: bool = False, python_tool: PythonTool = "off") -> ConversationId:
    cursor = conn.execute(
        "INSERT INTO conversations (title, title_source, created_at, updated_at, pinned, effort,"
        " instructions, model, python_tool) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (title, title_source, created_at, updated_at, int(pinned), effort, instructions, model,
         python_tool))
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def get(conn: sqlite3.Connection, conversation_id: ConversationId) -> Conversation:
    """The conversation, deleted or not; NotFoundError once purged (or never created)."""
    row = conn.execute(f"SELECT {COLUMNS} FROM conversations WHERE id = ?",
                       (conversation_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no conversation with id {conversation_id}")
    return from_row(row)


def exists(conn: sqlite3.Connection, conversation_id: ConversationId) -> bool:
    return conn.execute("SELECT 1 FROM conversations WHERE id = ?",
                        (conversation_id,)).fetchone() is not None


def _set(conn: sqlite3.Connection, conversation_id: ConversationId, assignments: str,
         values: tuple[Any, ...]) -> None:
    cursor = conn.execute(f"UPDATE conversations SET {assignments} WHERE id = ?",
                          (*values, conversation_id))
    if cursor.rowcount == 0:
        raise NotFoundError(f"no conversation with id {conversation_id}")


def set_title(conn: sqlite3.Connection, conversation_id: ConversationId, title: str,
              source: TitleSource) -> None:
    _set(conn, conversation_id, "title = ?, title_source = ?", (title, source))


def set_pinned(conn: sqlite3.Connection, conversation_id: ConversationId, pinned: bool) -> None:
    _set(conn, conversation_id, "pinned = ?", (int(pinned),))


def set_effort(conn: sqlite3.Connection, conversation_id: ConversationId, effort: Effort) -> None:
    _set(conn, conversation_id, "effort = ?", (effort,))


def set_python_tool(conn: sqlite3.Connection, conversation_id: ConversationId,
                    mode: PythonTool) -> None:
    _set(conn, conversation_id, "python_tool = ?", (mode,))


def set_instructions(conn: sqlite3.Connection, conversation_id: ConversationId,
                     instructions: str) -> None:
    _set(conn, conversation_id, "instructions = ?", (instructions,))


def set_model(conn: sqlite3.Connection, conversation_id: ConversationId, model: str) -> None:
    _set(conn, conversation_id, "model = ?", (model,))


def set_active_leaf(conn: sqlite3.Connection, conversation_id: ConversationId,
                    leaf_id: MessageId | None) -> None:
    _set(conn, conversation_id, "active_leaf_id = ?", (leaf_id,))


def touch(conn: sqlite3.Connection, conversation_id: ConversationId, now: float) -> None:
    """Mark new activity: the conversation moves to the top of the list."""
    _set(conn, conversation_id, "updated_at = max(updated_at, ?)", (now,))


def set_deleted(conn: sqlite3.Connection, conversation_id: ConversationId,
                deleted_at: float | None) -> None:
    _set(conn, conversation_id, "deleted_at = ?", (deleted_at,))


def purge_deleted(conn: sqlite3.Connection, deleted_before: float) -> int:
    """Delete for good what was soft-deleted before the given time; returns how many."""
    cursor = conn.execute(
        "DELETE FROM conversations WHERE deleted_at IS NOT NULL AND deleted_at <= ?",
        (deleted_before,))
    return cursor.rowcount


def list_page(conn: sqlite3.Connection, limit: int, before: ListCursor | None) -> ConversationPage:
    """Pinned first, then most recently active first, `limit` rows after the cursor.

    Keyset paging (a row-value comparison on the listing index) keeps every page as fast as
    the first, however many conversations there are.
    """
    if limit <= 0:
        return ConversationPage([], None)
    query = f"SELECT {COLUMNS} FROM conversations WHERE deleted_at IS NULL"
    params: tuple[Any, ...] = ()
    if before is not None:
        query += " AND (pinned, updated_at, id) < (?, ?, ?)"
        params = (int(before.pinned), before.updated_at, before.id)
    query += " ORDER BY pinned DESC, updated_at DESC, id DESC LIMIT ?"
    rows = [from_row(row) for row in conn.execute(query, (*params, limit + 1))]
    page, more = rows[:limit], len(rows) > limit
    cursor = None
    if more:
        last = page[-1]
        cursor = ListCursor(pinned=last.pinned, updated_at=last.updated_at, id=last.id)
    return ConversationPage(page, cursor)


def count(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM conversations WHERE deleted_at IS NULL").fetchone()
    return int(row[0])


def automatic_title(text: str, length: int = TITLE_LENGTH) -> str:
    """A title from a message: its first non-empty line, cut at a word near `length`."""
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    line = " ".join(line.split())
    if len(line) <= length:
        return line
    cut = line[: length - 1]
    space = cut.rfind(" ")
    if line[len(cut)] != " " and space >= length // 2:  # do not end inside a word
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + _ELLIPSIS
