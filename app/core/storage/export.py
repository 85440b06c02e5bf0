"""Export a conversation as a JSON document (lossless, importable) or as Markdown (readable).

The JSON document carries every branch, the remembered choices, statuses, stats and exact
timestamps, so importing it gives back the same conversation. Markdown shows the branch on
screen only, the way a person would want to read or share it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from app.core.storage.models import Conversation, Message

FORMAT = "oss-chat-conversation"
BUNDLE_FORMAT = "oss-chat-conversations"
FORMAT_VERSION = 1
UNTITLED = "Untitled conversation"

CONVERSATION_FIELDS = ("id", "title", "title_source", "created_at", "updated_at", "pinned",
                       "effort", "instructions", "model", "active_leaf_id", "python_tool")
MESSAGE_FIELDS = ("id", "parent_id", "active_child_id", "role", "answer", "reasoning",
                  "tool_calls", "tool_results", "harmony", "effort", "stats", "status", "error",
                  "created_at", "updated_at")

_ROLE_HEADINGS = {"user": "You", "assistant": "Assistant", "tool": "Tool"}
_STATUS_NOTES = {"streaming": "Reply still being written when exported.",
                 "interrupted": "Reply interrupted.", "error": "Reply failed"}


def conversation_document(conversation: Conversation, messages: Iterable[Message]
                          ) -> dict[str, Any]:
    """The versioned JSON document of one conversation with all its branches."""
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "conversation": {name: getattr(conversation, name) for name in CONVERSATION_FIELDS},
        "messages": [{name: getattr(message, name) for name in MESSAGE_FIELDS}
                     for message in messages],
    }


def bundle_document(documents: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Several conversation documents in one file (a backup of everything)."""
    return {"format": BUNDLE_FORMAT, "version": FORMAT_VERSION,
            "conversations": list(documents)}


def dump_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _local_time(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def _json_block(value: Any) -> str:
    return "```json\n" + json.dumps(value, ensure_ascii=False, indent=2) + "\n```"


def _details(summary: str, body: str) -> str:
    # Blank lines around the body let Markdown inside <details> render.
    return f"<details>\n<summary>{summary}</summary>\n\n{body.strip()}\n\n</details>"


def _message_markdown(message: Message) -> str:
    heading = _ROLE_HEADINGS[message.role]
    if message.role == "assistant" and message.effort:
        heading += f" (reasoning effort: {message.effort})"
    parts = [f"## {heading}"]
    if message.reasoning.strip():
        parts.append(_details("Reasoning", message.reasoning))
    if message.tool_calls:
        parts.append(_details("Tool calls", _json_block(message.tool_calls)))
    if message.tool_results:
        parts.append(_details("Tool results", _json_block(message.tool_results)))
    if message.answer.strip():
        parts.append(message.answer.strip())
    note = _STATUS_NOTES.get(message.status)
    if note:
        if message.status == "error":
            note += f": {message.error}." if message.error else "."
        parts.append(f"*{note}*")
    return "\n\n".join(parts)


def to_markdown(conversation: Conversation, branch: Iterable[Message]) -> str:
    """The conversation's active branch as Markdown: title, details, then each message."""
    lines = [f"# {conversation.title or UNTITLED}", "",
             f"- Created: {_local_time(conversation.created_at)}",
             f"- Updated: {_local_time(conversation.updated_at)}",
             f"- Reasoning effort: {conversation.effort}"]
    if conversation.model:
        lines.append(f"- Model: {conversation.model}")
    sections = ["\n".join(lines)]
    if conversation.instructions.strip():
        sections.append(_details("Instructions", conversation.instructions))
    sections.extend(_message_markdown(message) for message in branch)
    return "\n\n".join(sections) + "\n"
