"""Tolerant parsing of message headers the model writes, e.g. `assistant to=functions.f<|channel|>
commentary <|constrain|>json`.

gpt-oss at temperature 1 sometimes writes a broken header: junk after the channel name, an
unknown channel, no `<|message|>` at all. None of that may fail a turn, so nothing here raises:
the channel is recovered when a known one can be recognised, header words that make no sense
are ignored, and text that is evidently content is returned as content. A header is held as
text in which the `<|channel|>` and `<|constrain|>` markers appear as their texts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.core.harmony.prompt import CHANNELS, ROLES, Role
from app.core.harmony.vocab import CHANNEL, CONSTRAIN

log = logging.getLogger(__name__)

RECIPIENT_PREFIX = "to="


@dataclass(frozen=True)
class Header:
    role: Role
    name: str | None = None
    channel: str | None = None  # a known channel, or None when absent or unrecognisable
    recipient: str | None = None
    content_type: str | None = None


def parse_header(text: str, role: Role | None) -> Header:
    """The header of a message whose `<|message|>` has arrived.

    `role` is the role when it is already known (the prompt ended with `<|start|>assistant`);
    otherwise the first word is the role, or a tool's name (`browser.search to=assistant`).
    """
    channel, rest = _take_channels(text)
    return _from_words(_words(rest), role, channel)


def split_unterminated(text: str, role: Role | None) -> tuple[Header, str]:
    """A header that never got its `<|message|>`: the header it starts with, and the content.

    `<|channel|>analysis I must refuse` -> (analysis, "I must refuse"). After the channel name
    only `to=…` and `<|constrain|>…` words still count as header; without a channel, only the
    role word does.
    """
    index = text.find(CHANNEL)
    if index < 0:
        words = text.split(maxsplit=1)
        if words and _role_word(words[0], role):
            header = _from_words(words[:1], role, None)
            content = words[1] if len(words) > 1 else ""
        else:
            header, content = _from_words([], role, None), text.lstrip()
        return header, _without_markers(content)
    before, after = text[:index], text[index + len(CHANNEL):]
    value = after[:_word_length(after)]
    extra, content = _leading_header_words(after[len(value):])
    header = _from_words(_words(before) + _words(" ".join(extra)), role, _known_channel(value))
    return header, _without_markers(content)


def _take_channels(text: str) -> tuple[str | None, str]:
    """Remove every `<|channel|>name`; the first recognisable name is the channel."""
    channel: str | None = None
    while (index := text.find(CHANNEL)) >= 0:
        after = text[index + len(CHANNEL):]
        length = _word_length(after)
        channel = channel or _known_channel(after[:length])
        text = text[:index] + " " + after[length:]
    return channel, text


def _known_channel(value: str) -> str | None:
    for channel in CHANNELS:
        if value == channel:
            return channel
    for channel in CHANNELS:
        if value.startswith(channel):
            log.debug("recovered channel %s from a channel name with junk after it", channel)
            return channel
    if value:
        log.debug("unknown channel name in a header (%d characters)", len(value))
    return None


def _word_length(text: str) -> int:
    """Length of a channel name: up to whitespace or the next marker."""
    for index, char in enumerate(text):
        if char.isspace() or char == "<":
            return index
    return len(text)


def _words(text: str) -> list[str]:
    # `<|constrain|>` may be glued to the word before it: `to=functions.f<|constrain|>json`.
    return text.replace(CONSTRAIN, " " + CONSTRAIN).split()


def _leading_header_words(text: str) -> tuple[list[str], str]:
    words = []
    rest = text.lstrip()
    while rest.startswith((RECIPIENT_PREFIX, CONSTRAIN)):
        parts = rest.split(maxsplit=1)
        words.append(parts[0])
        rest = parts[1] if len(parts) > 1 else ""
    return words, rest


def _role_word(word: str, role: Role | None) -> bool:
    return word == role if role is not None else word.partition(":")[0] in ROLES


def _from_words(words: list[str], role: Role | None, channel: str | None) -> Header:
    name = None
    if role is None:
        role, name, words = _role_from(words)
    elif words and words[0] == role:
        words = words[1:]
    recipient: str | None = None
    content_type: str | None = None
    after_recipient: list[str] = []
    for word in words:
        if recipient is None and word.startswith(RECIPIENT_PREFIX) and len(word) > 3:
            recipient = word[len(RECIPIENT_PREFIX):]
        elif content_type is None and word.startswith(CONSTRAIN):
            content_type = word
        elif recipient is not None:
            after_recipient.append(word)
        else:
            log.debug("ignored a word in a message header (%d characters)", len(word))
    if content_type is None and after_recipient:
        content_type = after_recipient[-1]  # `to=functions.f json`
    return Header(role=role, name=name, channel=channel, recipient=recipient,
                  content_type=content_type)


def _role_from(words: list[str]) -> tuple[Role, str | None, list[str]]:
    if not words:
        return "assistant", None, words
    first = words[0]
    base, _, name = first.partition(":")
    for role in ROLES:
        if base == role:
            if role == "tool":
                return role, name or "tool", words[1:]
            return role, name or None, words[1:]
    if "." in first or (len(words) > 1 and words[1].startswith(RECIPIENT_PREFIX)):
        return "tool", first, words[1:]  # a tool's reply: `functions.f to=assistant`
    return "assistant", None, words


def _without_markers(text: str) -> str:
    return text.replace(CHANNEL, "").replace(CONSTRAIN, "")
