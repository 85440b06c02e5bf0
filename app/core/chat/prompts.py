"""From the conversation store to the harmony prompt, and from a reply back to the store.

The store keeps each assistant turn's harmony messages (reasoning, tool calls, results, the
answer) as plain records, so the next prompt re-renders the turn exactly; a turn without
them (an interrupted reply, an import) is rebuilt from its reasoning and answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from app.core.harmony.prompt import Message, Prompt, ReasoningEffort
from app.core.storage.models import Message as StoredMessage

_RECORD_KEYS = ("role", "content", "channel", "recipient", "content_type", "name")


@dataclass(frozen=True)
class PromptSettings:
    """What the prompt takes from the conversation and the app settings."""

    effort: ReasoningEffort = "medium"
    instructions: str = ""
    current_date: str | None = None
    python: bool = False  # the built-in Python tool is offered


def to_records(messages: Iterable[Message]) -> list[dict[str, Any]]:
    """Harmony messages as JSON-ready records for the store."""
    records = []
    for message in messages:
        record = {key: getattr(message, key) for key in _RECORD_KEYS}
        records.append({k: v for k, v in record.items() if v is not None})
    return records


def from_records(records: Iterable[dict[str, Any]]) -> list[Message]:
    out = []
    for record in records:
        fields = {key: record.get(key) for key in _RECORD_KEYS}
        out.append(Message(role=fields.pop("role") or "assistant",
                           content=str(fields.pop("content") or ""), **fields))
    return out


def turn_messages(stored: StoredMessage) -> list[Message]:
    """The harmony messages one stored message stands for."""
    if stored.role == "user":
        return [Message(role="user", content=stored.answer)]
    if stored.harmony:
        return from_records(stored.harmony)
    if stored.role == "tool":
        return []  # a tool result without its harmony record cannot be rendered exactly
    rebuilt = []
    if stored.reasoning:
        rebuilt.append(Message(role="assistant", channel="analysis", content=stored.reasoning))
    if stored.answer:
        rebuilt.append(Message(role="assistant", channel="final", content=stored.answer))
    return rebuilt


def build_prompt(branch: Sequence[StoredMessage], settings: PromptSettings) -> Prompt:
    """The prompt for the next assistant turn after `branch` (the active branch, root first).

    Replies that failed or were never written contribute nothing; a reply that was stopped
    keeps what it had, like the reference renders an answer that was cut short.
    """
    messages: list[Message] = []
    for stored in branch:
        if stored.role == "assistant" and stored.status in ("error", "streaming"):
            continue
        messages.extend(turn_messages(stored))
    return Prompt(reasoning_effort=settings.effort,
                  instructions=settings.instructions.strip() or None,
                  current_date=settings.current_date,
                  builtin_tools=("python",) if settings.python else (),
                  messages=tuple(messages))
