"""Render a `Prompt` to the exact harmony prompt, as text or as token ids.

Both come from one list of segments, each either a marker (a special token) or text, so the
text a person inspects with `oss-chat render` is exactly what the model receives. As tokens,
markers are looked up in the model's vocabulary and text goes through `safe_tokenize`, so no
content can ever turn into a marker.

Dropping earlier reasoning: with `drop_previous_reasoning`, an analysis message is left out when
its turn was answered — a `final` message follows it, before the latest user message. The
reasoning of the turn in progress (after the latest user message, e.g. during a tool-call chain)
is kept, and so is reasoning whose turn never reached an answer. On one-turn histories this is
the reference library's rule (the vectors `test_dropping_cot_by_default`,
`test_keep_analysis_between_finals`, `test_does_not_drop_if_ongoing_analysis`); unlike it, it
also drops the reasoning of the second and later turns, as harmony's guide prescribes ("drop any
previous CoT content … if the responses by the assistant ended in a message to the final
channel") and as the model's own chat template does — so each new prompt shares its prefix with
the previous one up to the previous `<|start|>assistant`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from app.core.harmony.builtin_tools import BUILTIN_NAMESPACES
from app.core.harmony.prompt import Message, Prompt, ResponseFormat
from app.core.harmony.schema_ts import ToolNamespace, tools_section
from app.core.harmony.vocab import (
    CALL,
    CHANNEL,
    CONSTRAIN,
    END,
    MESSAGE,
    START,
    SafeTokenizer,
    Vocabulary,
    VocabularyError,
)


@dataclass(frozen=True)
class Segment:
    """A piece of a rendered prompt: a marker token, or text to be tokenized as text."""

    text: str
    is_marker: bool = False


def render_text(prompt: Prompt) -> str:
    return "".join(segment.text for segment in render_segments(prompt))


def render_tokens(prompt: Prompt, vocab: Vocabulary) -> list[int]:
    """The prompt's token ids: markers by lookup, every text through `safe_tokenize`."""
    ids: list[int] = []
    marker_ids: dict[str, int] = {}
    text_tokenizer = SafeTokenizer(vocab)
    for segment in render_segments(prompt):
        if not segment.is_marker:
            ids.extend(text_tokenizer.tokenize(segment.text))
            continue
        if segment.text not in marker_ids:
            token_id = vocab.marker_id(segment.text)
            if token_id is None:
                raise VocabularyError(f"not a gpt-oss vocabulary: it has no {segment.text} token")
            marker_ids[segment.text] = token_id
        ids.append(marker_ids[segment.text])
    return ids


def render_segments(prompt: Prompt) -> list[Segment]:
    """The whole prompt; adjacent texts are merged, as llama.cpp would tokenize them."""
    out = _Segments()
    if prompt.system:
        _message(out, "system", system_text(prompt))
    developer = developer_text(prompt)
    if developer is not None:
        _message(out, "developer", developer)
    for message in visible_history(prompt.messages, prompt.drop_previous_reasoning):
        _render_message_into(out, message)
    if prompt.add_generation_prompt:
        out.marker(START)
        out.text("assistant")
    return out.segments


def render_message(message: Message) -> list[Segment]:
    out = _Segments()
    _render_message_into(out, message)
    return out.segments


def system_text(prompt: Prompt) -> str:
    """The system message: identity and dates, effort, built-in tools, channels.

    An empty identity or knowledge cutoff leaves its line out.
    """
    top = []
    if prompt.model_identity:
        top.append(prompt.model_identity)
    if prompt.knowledge_cutoff:
        top.append(f"Knowledge cutoff: {prompt.knowledge_cutoff}")
    if prompt.current_date:
        top.append(f"Current date: {prompt.current_date}")
    sections = ["\n".join(top)] if top else []
    sections.append(f"Reasoning: {prompt.reasoning_effort}")
    if prompt.builtin_tools:
        names = sorted(set(prompt.builtin_tools))
        sections.append(tools_section([BUILTIN_NAMESPACES[name] for name in names]))
    if prompt.required_channels:
        channels = (f"# Valid channels: {', '.join(prompt.required_channels)}."
                    " Channel must be included for every message.")
        if prompt.tools:
            channels += "\nCalls to these tools must go to the commentary channel: 'functions'."
        sections.append(channels)
    return "\n\n".join(sections)


def developer_text(prompt: Prompt) -> str | None:
    """The developer message, or None when there is nothing to put in one."""
    sections = []
    if prompt.instructions is not None:
        sections += ["# Instructions", prompt.instructions]
    if prompt.tools:
        sections.append(tools_section([ToolNamespace("functions", None, prompt.tools)]))
    if prompt.response_formats:
        sections.append(_response_formats(prompt.response_formats))
    return "\n\n".join(sections) if sections else None


def visible_history(messages: Sequence[Message], drop_previous_reasoning: bool) -> list[Message]:
    """The messages to render, without the reasoning of answered earlier turns."""
    if not drop_previous_reasoning:
        return list(messages)
    last_user = max((i for i, m in enumerate(messages) if m.role == "user"), default=-1)
    kept: list[Message] = []
    answered = False  # a final answer follows, before the latest user message
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if index < last_user and message.role == "assistant" and message.channel == "final":
            answered = True
        if not (answered and message.channel == "analysis"):
            kept.append(message)
    kept.reverse()
    return kept


def _render_message_into(out: _Segments, message: Message) -> None:
    out.marker(START)
    if message.role == "tool":
        out.text(message.name or "")
    else:
        out.text(message.role if message.name is None else f"{message.role}:{message.name}")
    if message.recipient is not None and message.recipient != "all":
        out.text(f" to={message.recipient}")
    if message.channel is not None:
        out.marker(CHANNEL)
        out.text(message.channel)
    if message.content_type is not None:
        if message.content_type.startswith(CONSTRAIN):
            out.text(" ")
            out.marker(CONSTRAIN)
            out.text(message.content_type[len(CONSTRAIN):])
        else:
            out.text(f" {message.content_type}")
    out.marker(MESSAGE)
    out.text(message.content)
    # A tool call ends with <|call|>; an answer ended by <|return|> is stored with <|end|>.
    out.marker(CALL if message.role == "assistant" and message.recipient is not None else END)


def _message(out: _Segments, role: str, content: str) -> None:
    out.marker(START)
    out.text(role)
    out.marker(MESSAGE)
    out.text(content)
    out.marker(END)


def _response_formats(formats: Sequence[ResponseFormat]) -> str:
    parts = ["# Response Formats"]
    for response_format in formats:
        lines = [f"## {response_format.name}\n"]
        if response_format.description:
            lines.append(f"// {response_format.description}")
        lines.append(json.dumps(response_format.schema, ensure_ascii=False,
                                separators=(",", ":")))
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


class _Segments:
    """Collects segments, merging adjacent texts and dropping empty ones."""

    def __init__(self) -> None:
        self.segments: list[Segment] = []

    def marker(self, text: str) -> None:
        self.segments.append(Segment(text, is_marker=True))

    def text(self, text: str) -> None:
        if not text:
            return
        if self.segments and not self.segments[-1].is_marker:
            self.segments[-1] = Segment(self.segments[-1].text + text)
        else:
            self.segments.append(Segment(text))
