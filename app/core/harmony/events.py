"""What the stream parser reports while the model writes: text deltas by kind, completed tool
calls and messages, and the end of the turn with its reason.

Reasoning, answer and preamble are separate event types so that no consumer can show reasoning
as the answer by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from app.core.harmony.prompt import Message


class StopReason(Enum):
    RETURN = "return"            # <|return|>: the answer is complete
    CALL = "call"                # <|call|>: run the tool, then continue the turn
    END_OF_TEXT = "end_of_text"  # <|endoftext|>
    LENGTH = "length"            # the token limit was reached
    STOPPED = "stopped"          # the user stopped the generation


@dataclass(frozen=True)
class ReasoningDelta:
    """More of the chain of thought (analysis channel): never part of the answer."""

    text: str


@dataclass(frozen=True)
class AnswerDelta:
    """More of the answer (final channel, or text whose channel could not be recovered)."""

    text: str


@dataclass(frozen=True)
class CommentaryDelta:
    """More of a user-visible preamble (commentary channel, no recipient)."""

    text: str


@dataclass(frozen=True)
class ToolCallDelta:
    """More of a tool call's arguments, e.g. code for `python` as it is written."""

    recipient: str
    text: str


@dataclass(frozen=True)
class ToolCallComplete:
    """A whole tool call: an assistant message with a recipient."""

    recipient: str
    channel: str | None
    content_type: str | None
    arguments: str


@dataclass(frozen=True)
class MessageComplete:
    message: Message


@dataclass(frozen=True)
class TurnEnd:
    reason: StopReason


Event = (ReasoningDelta | AnswerDelta | CommentaryDelta | ToolCallDelta | ToolCallComplete
         | MessageComplete | TurnEnd)
TextDelta = ReasoningDelta | AnswerDelta | CommentaryDelta | ToolCallDelta
