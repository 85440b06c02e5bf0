"""What the chat view shows for one message, as plain data.

The view never reaches into the conversation store or the engine: whoever owns the
conversation turns its messages into `ChatItem`s and hands them to `MessageListModel`.
Keeping this a plain dataclass lets the core and tests build items without Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

MessageId = str | int
Role = Literal["user", "assistant", "tool"]
Effort = Literal["low", "medium", "high"]
Status = Literal["complete", "streaming", "interrupted", "error"]


class ToolCall(NamedTuple):
    """One tool call made while answering, shown in a collapsible "Ran Python" block."""

    name: str
    arguments: str
    result: str


@dataclass
class ChatItem:
    """One displayed message.

    `message_id` must be unique across conversations (a database row id is): view state such
    as which sections are open is kept per id.
    `answer` is Markdown; `reasoning` is the model's thinking, shown collapsed and apart from
    the answer. `reasoning_seconds` is None while thinking or when the time is unknown.
    `sibling_index` is 1-based: the reply shows "‹ 2/3 ›" when `sibling_count` > 1.
    `stats` holds generation figures such as `tokens_per_second`, `tokens` and
    `time_to_first_token` (seconds); unknown keys are shown as they are.
    """

    message_id: MessageId
    role: Role
    answer: str = ""
    reasoning: str = ""
    reasoning_seconds: float | None = None
    effort: Effort | None = None
    status: Status = "complete"
    error: str | None = None
    sibling_index: int = 1
    sibling_count: int = 1
    tool_calls: list[ToolCall] = field(default_factory=list)
    stats: dict[str, float | int | str] | None = None

    @property
    def is_streaming(self) -> bool:
        return self.status == "streaming"

    def plain_text(self) -> str:
        """The text a screen reader reads and a plain copy takes: the answer, not the thinking."""
        return self.answer
