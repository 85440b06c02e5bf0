"""The message tree: adding nodes, following and switching branches, saving reply progress.

Edits and regenerations add siblings; nothing is overwritten, so no edit can lose a reply.
The branch on screen is the path from the root to `conversations.active_leaf_id`; each message
remembers its last active child, so switching to a sibling returns to where the user was
inside that sibling's subtree (for a subtree never visited: its newest leaf).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, cast

from app.core.storage import conversations
from app.core.storage.errors import NotFoundError
from app.core.storage.models import (
    ConversationId,
    Effort,
    HarmonyRecord,
    Message,
    MessageId,
    MessageStatus,
    Role,
    SiblingInfo,
)

COLUMNS = ("id, conversation_id, parent_id, active_child_id, role, answer, reasoning, "
           "tool_calls, tool_results, harmony, effort, stats, status, error, created_at, "
           "updated_at")
_PREFIXED = ", ".join(f"m.{name.strip()}" for name in COLUMNS.split(","))
# `up(id, depth)`: the message (parameter) and its ancestors. The step is a scalar subquery on
# purpose: written as a join, SQLite (3.38+, with statistics) builds a Bloom filter over the
# whole table at every step, which made loading a 2,000-message branch 10x slower.
_WALK_UP = ("up(id, depth) AS (SELECT ?, 0"
            " UNION ALL SELECT (SELECT parent_id FROM messages WHERE id = up.id), up.depth + 1"
            " FROM up WHERE up.id IS NOT NULL)")


def to_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False,
                                                 separators=(",", ":"))


def _from_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def from_row(row: sqlite3.Row | tuple[Any, ...]) -> Message:
    return Message(
        id=row[0], conversation_id=row[1], parent_id=row[2], active_child_id=row[3],
        role=cast(Role, row[4]), answer=row[5], reasoning=row[6],
        tool_calls=_from_json(row[7]), tool_results=_from_json(row[8]),
        harmony=_from_json(row[9]), effort=cast("Effort | None", row[10]),
        stats=_from_json(row[11]) or {}, status=cast(MessageStatus, row[12]), error=row[13],
        created_at=row[14], updated_at=row[15])


def get(conn: sqlite3.Connection, message_id: MessageId) -> Message:
    row = conn.execute(f"SELECT {COLUMNS} FROM messages WHERE id = ?", (message_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no message with id {message_id}")
    return from_row(row)


def insert(conn: sqlite3.Connection, message: Message) -> MessageId:
    """Store a message as it is (times, status, pointers); `message.id` is ignored."""
    cursor = conn.execute(
        f"INSERT INTO messages ({COLUMNS.partition(', ')[2]}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (message.conversation_id, message.parent_id, message.active_child_id, message.role,
         message.answer, message.reasoning, to_json(message.tool_calls),
         to_json(message.tool_results), to_json(message.harmony), message.effort,
         to_json(message.stats or None), message.status, message.error, message.created_at,
         message.updated_at))
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def add_child(conn: sqlite3.Connection, conversation_id: ConversationId,
              parent_id: MessageId | None, *, role: Role, answer: str, now: float,
              status: MessageStatus = "complete", effort: Effort | None = None) -> MessageId:
    """Append a message under `parent_id` (None: a new root) and make it the active leaf."""
    conversation = conversations.get(conn, conversation_id)
    if parent_id is not None:
        parent = conn.execute("SELECT conversation_id FROM messages WHERE id = ?",
                              (parent_id,)).fetchone()
        if parent is None or parent[0] != conversation_id:
            raise NotFoundError(f"no message {parent_id} in conversation {conversation_id}")
    message_id = insert(conn, Message(
        id=0, conversation_id=conversation_id, parent_id=parent_id, role=role, answer=answer,
        reasoning="", status=status, created_at=now, updated_at=now, effort=effort))
    if parent_id is not None and parent_id == conversation.active_leaf_id:
        # The usual case, the next turn of the branch on screen: only two pointers move.
        conn.execute("UPDATE messages SET active_child_id = ? WHERE id = ?",
                      (message_id, parent_id))
        conversations.set_active_leaf(conn, conversation_id, message_id)
    else:
        activate(conn, message_id)
    conversations.touch(conn, conversation_id, now)
    return message_id


def path_to_root(conn: sqlite3.Connection, message_id: MessageId) -> list[Message]:
    """The messages from the root down to `message_id` (inclusive)."""
    rows = conn.execute(
        f"WITH RECURSIVE {_WALK_UP} SELECT {_PREFIXED} FROM up CROSS JOIN messages m"
        " ON m.id = up.id ORDER BY up.depth DESC", (message_id,)).fetchall()
    return [from_row(row) for row in rows]


def active_branch(conn: sqlite3.Connection, conversation_id: ConversationId) -> list[Message]:
    leaf = conversations.get(conn, conversation_id).active_leaf_id
    return [] if leaf is None else path_to_root(conn, leaf)


def _children_by_parent(conn: sqlite3.Connection, conversation_id: ConversationId
                        ) -> dict[MessageId | None, list[MessageId]]:
    children: dict[MessageId | None, list[MessageId]] = defaultdict(list)
    for message_id, parent_id in conn.execute(
            "SELECT id, parent_id FROM messages WHERE conversation_id = ? ORDER BY id",
            (conversation_id,)):
        children[parent_id].append(message_id)
    return children


def _info(siblings: Sequence[MessageId], message_id: MessageId) -> SiblingInfo:
    index = siblings.index(message_id)
    return SiblingInfo(index=index, count=len(siblings),
                       previous_id=siblings[index - 1] if index > 0 else None,
                       next_id=siblings[index + 1] if index + 1 < len(siblings) else None)


def siblings(conn: sqlite3.Connection, message_id: MessageId) -> list[MessageId]:
    """Ids of the message and its siblings (same parent), oldest first."""
    message = get(conn, message_id)
    if message.parent_id is None:
        rows = conn.execute("SELECT id FROM messages WHERE conversation_id = ? AND parent_id IS "
                            "NULL ORDER BY id", (message.conversation_id,))
    else:
        rows = conn.execute("SELECT id FROM messages WHERE parent_id = ? ORDER BY id",
                            (message.parent_id,))
    return [row[0] for row in rows]


def sibling_info(conn: sqlite3.Connection, message_id: MessageId) -> SiblingInfo:
    return _info(siblings(conn, message_id), message_id)


def branch_sibling_info(conn: sqlite3.Connection, conversation_id: ConversationId
                        ) -> dict[MessageId, SiblingInfo]:
    """Sibling positions of every message on the active branch, from one query."""
    leaf = conversations.get(conn, conversation_id).active_leaf_id
    if leaf is None:
        return {}
    children = _children_by_parent(conn, conversation_id)
    parent_of = {child: parent for parent, kids in children.items() for child in kids}
    result: dict[MessageId, SiblingInfo] = {}
    node: MessageId | None = leaf
    while node is not None:
        parent = parent_of[node]
        result[node] = _info(children[parent], node)
        node = parent
    return result


def activate(conn: sqlite3.Connection, message_id: MessageId) -> MessageId:
    """Show the branch through `message_id`, down to the leaf last visited below it.

    Every ancestor's remembered child is pointed along the path, so the choice is kept when the
    user switches away and back. Returns the new active leaf.
    """
    path = conn.execute(
        f"WITH RECURSIVE {_WALK_UP} SELECT m.id, m.parent_id, p.active_child_id"
        " FROM up CROSS JOIN messages m ON m.id = up.id LEFT JOIN messages p ON p.id = m.parent_id",
        (message_id,)).fetchall()
    if not path:
        raise NotFoundError(f"no message with id {message_id}")
    conn.executemany("UPDATE messages SET active_child_id = ? WHERE id = ?",
                     [(child, parent) for child, parent, remembered in path
                      if parent is not None and remembered != child])
    leaf = conn.execute(
        "WITH RECURSIVE down(id, depth) AS (SELECT ?, 0"
        " UNION ALL SELECT (SELECT active_child_id FROM messages WHERE id = down.id),"
        " down.depth + 1 FROM down WHERE down.id IS NOT NULL)"
        " SELECT id FROM down WHERE id IS NOT NULL ORDER BY depth DESC LIMIT 1",
        (message_id,)).fetchone()[0]
    conversation_id = conn.execute("SELECT conversation_id FROM messages WHERE id = ?",
                                   (message_id,)).fetchone()[0]
    conversations.set_active_leaf(conn, conversation_id, leaf)
    return int(leaf)


def update_reply(conn: sqlite3.Connection, message_id: MessageId, *, answer: str,
                 reasoning: str, status: MessageStatus, now: float,
                 stats: dict[str, Any] | None = None, error: str | None = None,
                 tool_calls: list[Any] | None = None, tool_results: list[Any] | None = None,
                 harmony: list[HarmonyRecord] | None = None) -> None:
    """Save a reply's progress; the optional parts are only written when given."""
    assignments = ["answer = ?", "reasoning = ?", "status = ?", "updated_at = ?"]
    values: list[Any] = [answer, reasoning, status, now]
    for column, value in (("stats", stats), ("error", error), ("tool_calls", tool_calls),
                          ("tool_results", tool_results), ("harmony", harmony)):
        if value is not None:
            assignments.append(f"{column} = ?")
            values.append(value if isinstance(value, str) else to_json(value))
    cursor = conn.execute(f"UPDATE messages SET {', '.join(assignments)} WHERE id = ?",
                          (*values, message_id))
    if cursor.rowcount == 0:
        raise NotFoundError(f"no message with id {message_id}")


def mark_interrupted(conn: sqlite3.Connection, now: float) -> int:
    """Replies left `streaming` by a crash or kill keep their text and become `interrupted`."""
    cursor = conn.execute(
        "UPDATE messages SET status = 'interrupted', updated_at = ? WHERE status = 'streaming'",
        (now,))
    return cursor.rowcount


def all_in_conversation(conn: sqlite3.Connection, conversation_id: ConversationId
                        ) -> list[Message]:
    """Every message of the conversation, every branch, oldest first (parents before children)."""
    rows = conn.execute(f"SELECT {COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY id",
                        (conversation_id,))
    return [from_row(row) for row in rows]


def delete(conn: sqlite3.Connection, message_id: MessageId) -> MessageId | None:
    """Delete a message and every reply below it; returns the conversation's new active leaf.

    The branch on screen moves to a remaining sibling (the next one, else the previous), or
    up to the parent when the message was an only child.
    """
    message = get(conn, message_id)
    family = siblings(conn, message_id)
    position = family.index(message_id)
    conn.execute("UPDATE messages SET active_child_id = NULL WHERE active_child_id = ?",
                 (message_id,))
    conn.execute("DELETE FROM messages WHERE id = ?", (message_id,))
    remaining = [m for m in family if m != message_id]
    target = remaining[min(position, len(remaining) - 1)] if remaining else message.parent_id
    if target is None:
        conversations.set_active_leaf(conn, message.conversation_id, None)
        return None
    return activate(conn, target)
