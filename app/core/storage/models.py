"""The records the conversation store hands out: plain, immutable, Qt-free.

Ids are SQLite integer row ids (`AUTOINCREMENT`, so an id is never reused after a purge and a
stale id held by a view can never point at a newer conversation). Times are Unix seconds
(floats), which survive a JSON round trip exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

ConversationId = int
MessageId = int

Role = Literal["user", "assistant", "tool"]
Effort = Literal["low", "medium", "high"]
MessageStatus = Literal["complete", "streaming", "interrupted", "error"]
# Who wrote the title: derived from the first message, typed by the user, or written by the model.
TitleSource = Literal["auto", "user", "model"]
PythonTool = Literal["off", "ask", "always"]
GroupLabel = Literal["Pinned", "Today", "Yesterday", "Previous 7 days", "Older"]

ROLES: tuple[Role, ...] = get_args(Role)
EFFORTS: tuple[Effort, ...] = get_args(Effort)
MESSAGE_STATUSES: tuple[MessageStatus, ...] = get_args(MessageStatus)
TITLE_SOURCES: tuple[TitleSource, ...] = get_args(TitleSource)
PYTHON_TOOL_MODES: tuple[PythonTool, ...] = get_args(PythonTool)
DEFAULT_EFFORT: Effort = "medium"

# One harmony message of a turn, as JSON: role, channel, recipient, content_type, name, content.
# Kept as a plain mapping so the store does not depend on the harmony package's classes.
HarmonyRecord = dict[str, Any]


@dataclass(frozen=True)
class Conversation:
    id: ConversationId
    title: str
    title_source: TitleSource
    created_at: float
    updated_at: float
    pinned: bool
    effort: Effort
    # The per-conversation system prompt (the harmony developer message's instructions).
    instructions: str
    model: str
    # The last message of the branch the user is looking at; None while the chat is empty.
    active_leaf_id: MessageId | None
    deleted_at: float | None = None
    python_tool: PythonTool = "off"


@dataclass(frozen=True)
class Message:
    """One node of a conversation's message tree.

    For a user message `answer` holds what the user wrote. An assistant turn may be a chain of
    harmony messages (reasoning, tool calls, tool results, final answer): `harmony` keeps that
    chain exactly so the next prompt can be rendered again, while `answer` and `reasoning` keep
    the visible final text and the reasoning text apart, so reasoning is never sent back as an
    answer.
    """

    id: MessageId
    conversation_id: ConversationId
    parent_id: MessageId | None
    role: Role
    answer: str
    reasoning: str
    status: MessageStatus
    created_at: float
    updated_at: float
    effort: Effort | None = None
    tool_calls: list[Any] | None = None
    tool_results: list[Any] | None = None
    harmony: list[HarmonyRecord] | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    # The child the user last looked at, so switching back to this branch returns there.
    active_child_id: MessageId | None = None


@dataclass(frozen=True)
class SiblingInfo:
    """Where a message stands among its siblings, for a `‹ 2/3 ›` switcher (index is 0-based)."""

    index: int
    count: int
    previous_id: MessageId | None
    next_id: MessageId | None


@dataclass(frozen=True)
class ListCursor:
    """Position after the last row of a page; pass it back as `before` for the next page."""

    pinned: bool
    updated_at: float
    id: ConversationId


@dataclass(frozen=True)
class ConversationPage:
    conversations: list[Conversation]
    next_cursor: ListCursor | None


@dataclass(frozen=True)
class SearchHit:
    """One search result; `message_id` is None when the title matched.

    `snippet` is the matching text with the matched words between the caller's markers.
    """

    conversation_id: ConversationId
    title: str
    message_id: MessageId | None
    role: Role | None
    snippet: str
