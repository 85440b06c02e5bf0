"""Stored messages as the chat view's items."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.core.storage.models import Message as StoredMessage
from app.core.storage.models import SiblingInfo
from app.ui.chat import ChatItem, ToolCall


def view_stats(stats: Mapping[str, Any]) -> dict[str, float | int | str] | None:
    """The figures a reply shows under it, from the engine's stats."""
    if not stats:
        return None
    shown: dict[str, float | int | str] = {}
    for source, target in (("decode_tok_s", "tokens_per_second"), ("generated_tokens", "tokens"),
                           ("ttft_s", "time_to_first_token")):
        value = stats.get(source)
        if isinstance(value, int | float) and value:
            shown[target] = round(value, 2) if isinstance(value, float) else value
    return shown or None


def tool_call_items(calls: Sequence[Mapping[str, Any]] | None) -> list[ToolCall]:
    """Stored tool calls ({"name", "arguments", "result"}) as the view's "Ran Python" blocks."""
    return [ToolCall(str(c.get("name", "")), str(c.get("arguments", "")),
                     str(c.get("result", ""))) for c in calls or () if isinstance(c, Mapping)]


def chat_item(message: StoredMessage, siblings: SiblingInfo | None = None) -> ChatItem:
    seconds = message.stats.get("reasoning_seconds") if message.stats else None
    return ChatItem(
        message_id=message.id,
        role=message.role,
        answer=message.answer,
        reasoning=message.reasoning,
        reasoning_seconds=float(seconds) if isinstance(seconds, int | float) else None,
        effort=message.effort if message.role == "assistant" else None,
        status=message.status,
        error=message.error,
        sibling_index=siblings.index + 1 if siblings else 1,
        sibling_count=siblings.count if siblings else 1,
        stats=view_stats(message.stats) if message.role == "assistant" else None,
        tool_calls=tool_call_items(message.tool_calls),
    )


def chat_items(branch: Sequence[StoredMessage],
               siblings: Mapping[int, SiblingInfo]) -> list[ChatItem]:
    return [chat_item(m, siblings.get(m.id)) for m in branch if m.role != "tool"]
