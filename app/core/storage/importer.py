"""Import conversation documents written by `export`: check them fully, then store them.

A document is validated completely before anything is written, so a damaged or foreign file
is refused with a message saying what is wrong and leaves the database as it was. Imported
conversations get new ids (the document's ids only link its messages to each other), so the
same file can be imported twice without clashing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from app.core.storage import conversations, messages
from app.core.storage.errors import ImportFormatError
from app.core.storage.export import BUNDLE_FORMAT, FORMAT, FORMAT_VERSION
from app.core.storage.models import (
    EFFORTS,
    MESSAGE_STATUSES,
    PYTHON_TOOL_MODES,
    ROLES,
    TITLE_SOURCES,
    Conversation,
    ConversationId,
    Message,
    MessageId,
)


def _check_header(document: Any, expected_format: str) -> Mapping[str, Any]:
    if not isinstance(document, Mapping):
        raise ImportFormatError("not an OSS Chat export: the document is not a JSON object")
    found = document.get("format")
    if found != expected_format:
        raise ImportFormatError(f"not an OSS Chat export: format is {found!r}, "
                                f"expected {expected_format!r}")
    version = document.get("version")
    if version != FORMAT_VERSION:
        raise ImportFormatError(f"unsupported export version {version!r}: this version of "
                                f"OSS Chat reads version {FORMAT_VERSION}")
    return document


def _get(record: Mapping[str, Any], key: str, check: Callable[[Any], bool], what: str,
         where: str) -> Any:
    if key not in record:
        raise ImportFormatError(f"{where}: missing {key!r}")
    value = record[key]
    if not check(value):
        raise ImportFormatError(f"{where}: {key!r} must be {what}, not {value!r}")
    return value


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_time(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _optional(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value is None or check(value)


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], bool]:
    return lambda value: value in choices


def _parse_conversation(record: Any) -> Conversation:
    if not isinstance(record, Mapping):
        raise ImportFormatError("'conversation' must be a JSON object")
    where = "conversation"
    return Conversation(
        id=_get(record, "id", _is_id, "an integer", where),
        title=_get(record, "title", _is_text, "text", where),
        title_source=_get(record, "title_source", _one_of(TITLE_SOURCES),
                          f"one of {TITLE_SOURCES}", where),
        created_at=float(_get(record, "created_at", _is_time, "a time", where)),
        updated_at=float(_get(record, "updated_at", _is_time, "a time", where)),
        pinned=_get(record, "pinned", lambda v: isinstance(v, bool), "true or false", where),
        effort=_get(record, "effort", _one_of(EFFORTS), f"one of {EFFORTS}", where),
        instructions=_get(record, "instructions", _is_text, "text", where),
        model=_get(record, "model", _is_text, "text", where),
        active_leaf_id=_get(record, "active_leaf_id", _optional(_is_id), "an id or null", where),
        # Exports made before the Python tool existed have no permission: it stays off.
        python_tool=_get(record, "python_tool", _one_of(PYTHON_TOOL_MODES),
                         f"one of {PYTHON_TOOL_MODES}", where)
        if "python_tool" in record else "off")


def _parse_message(record: Any, index: int) -> Message:
    if not isinstance(record, Mapping):
        raise ImportFormatError(f"message {index} must be a JSON object")
    where = f"message {index}"
    is_list = _optional(lambda v: isinstance(v, list))
    return Message(
        id=_get(record, "id", _is_id, "an integer", where),
        conversation_id=0,
        parent_id=_get(record, "parent_id", _optional(_is_id), "an id or null", where),
        active_child_id=_get(record, "active_child_id", _optional(_is_id), "an id or null",
                             where),
        role=_get(record, "role", _one_of(ROLES), f"one of {ROLES}", where),
        answer=_get(record, "answer", _is_text, "text", where),
        reasoning=_get(record, "reasoning", _is_text, "text", where),
        tool_calls=_get(record, "tool_calls", is_list, "a list or null", where),
        tool_results=_get(record, "tool_results", is_list, "a list or null", where),
        harmony=_get(record, "harmony", _optional(
            lambda v: isinstance(v, list) and all(isinstance(x, Mapping) for x in v)),
            "a list of objects or null", where),
        effort=_get(record, "effort", _optional(_one_of(EFFORTS)), f"one of {EFFORTS} or null",
                    where),
        stats=_get(record, "stats", lambda v: isinstance(v, Mapping), "an object", where),
        status=_get(record, "status", _one_of(MESSAGE_STATUSES), f"one of {MESSAGE_STATUSES}",
                    where),
        error=_get(record, "error", _optional(_is_text), "text or null", where),
        created_at=float(_get(record, "created_at", _is_time, "a time", where)),
        updated_at=float(_get(record, "updated_at", _is_time, "a time", where)))


def _check_tree(conversation: Conversation, tree: list[Message]) -> None:
    """Ids unique, every parent listed before its children, pointers inside the document."""
    seen: set[MessageId] = set()
    for message in tree:
        if message.id in seen:
            raise ImportFormatError(f"message id {message.id} appears twice")
        if message.parent_id is not None and message.parent_id not in seen:
            raise ImportFormatError(f"message {message.id}: its parent {message.parent_id} "
                                    "must come before it in the document")
        seen.add(message.id)
    children = {(m.parent_id, m.id) for m in tree}
    for message in tree:
        if message.active_child_id is not None and (message.id, message.active_child_id) \
                not in children:
            raise ImportFormatError(f"message {message.id}: active child "
                                    f"{message.active_child_id} is not one of its children")
    if conversation.active_leaf_id is not None and conversation.active_leaf_id not in seen:
        raise ImportFormatError(f"active leaf {conversation.active_leaf_id} is not a message "
                                "of the document")


def parse_document(document: Any) -> tuple[Conversation, list[Message]]:
    """Check a single-conversation document; ImportFormatError says what is wrong."""
    body = _check_header(document, FORMAT)
    conversation = _parse_conversation(body.get("conversation"))
    records = body.get("messages")
    if not isinstance(records, list):
        raise ImportFormatError("'messages' must be a list")
    tree = [_parse_message(record, index) for index, record in enumerate(records)]
    _check_tree(conversation, tree)
    return conversation, tree


def parse_bundle(document: Any) -> list[tuple[Conversation, list[Message]]]:
    body = _check_header(document, BUNDLE_FORMAT)
    items = body.get("conversations")
    if not isinstance(items, list):
        raise ImportFormatError("'conversations' must be a list")
    return [parse_document(item) for item in items]


def _mapped(ids: Mapping[MessageId, MessageId], old: MessageId | None) -> MessageId | None:
    return None if old is None else ids[old]


def store(conn: sqlite3.Connection, conversation: Conversation, tree: list[Message]
          ) -> ConversationId:
    """Insert a parsed document with new ids; the caller provides the transaction."""
    new_id = conversations.insert(
        conn, title=conversation.title, title_source=conversation.title_source,
        effort=conversation.effort, instructions=conversation.instructions,
        model=conversation.model, created_at=conversation.created_at,
        updated_at=conversation.updated_at, pinned=conversation.pinned,
        python_tool=conversation.python_tool)
    ids: dict[MessageId, MessageId] = {}
    for message in tree:
        ids[message.id] = messages.insert(conn, replace(
            message, conversation_id=new_id, parent_id=_mapped(ids, message.parent_id),
            active_child_id=None))
    conn.executemany("UPDATE messages SET active_child_id = ? WHERE id = ?",
                     [(ids[m.active_child_id], ids[m.id]) for m in tree
                      if m.active_child_id is not None])
    conversations.set_active_leaf(conn, new_id, _mapped(ids, conversation.active_leaf_id))
    return new_id

