"""Turn the token ids gpt-oss generates into events and harmony messages, as they stream.

The stream starts right after the prompt's `<|start|>assistant`, in the middle of a header whose
role is known. States: header (until `<|message|>`) -> content (until `<|end|>`, `<|return|>` or
`<|call|>`) -> expect-start (until `<|start|>`). Markers are compared by id, never by text, and
only text tokens ever become text; content bytes are decoded incrementally, so a character split
across tokens is emitted once, whole, and invalid bytes become U+FFFD.

Tolerance, because gpt-oss at temperature 1 sometimes breaks the format and a turn must never
fail for it:
- a header with junk, or an unknown channel, is parsed as far as it makes sense (`header.py`);
  text whose channel cannot be recovered is answer text;
- a header that never gets its `<|message|>` (too long, or closed by an end marker) becomes a
  message: the channel is recovered and the rest is content;
- a stray `<|start|>` or `<|channel|>` inside content closes the message and starts a new one;
  any other marker or special token out of place is dropped, never shown as text;
- text where a `<|start|>` should be starts a header implicitly.

`<|return|>`, `<|call|>` and `<|endoftext|>` end the turn by themselves. Feeding tokens after
that continues in the expect-start state, so a whole transcript (e.g. a call, then a tool reply)
can be parsed with one parser.
"""

from __future__ import annotations

import codecs
import logging
from enum import Enum, auto

from app.core.harmony.events import (
    AnswerDelta,
    CommentaryDelta,
    Event,
    MessageComplete,
    ReasoningDelta,
    StopReason,
    ToolCallComplete,
    ToolCallDelta,
    TurnEnd,
)
from app.core.harmony.header import Header, parse_header, split_unterminated
from app.core.harmony.prompt import Message, Role
from app.core.harmony.vocab import (
    CHANNEL,
    CONSTRAIN,
    HarmonyMarkers,
    Vocabulary,
    special_token_ids,
)

log = logging.getLogger(__name__)

# A header longer than this is content whose <|message|> never came (real headers have at most
# four words, e.g. `assistant to=functions.f <|channel|>commentary <|constrain|>json`).
MAX_HEADER_WORDS = 6
MAX_HEADER_CHARS = 256


class _State(Enum):
    EXPECT_START = auto()
    HEADER = auto()
    CONTENT = auto()


class _Kind(Enum):
    REASONING = auto()
    ANSWER = auto()
    COMMENTARY = auto()
    TOOL_CALL = auto()
    HIDDEN = auto()  # written by the model in another role (e.g. an imagined tool reply)


class HarmonyStreamParser:
    """Feed generated token ids one at a time; each call returns the events it caused."""

    def __init__(self, vocab: Vocabulary) -> None:
        self._vocab = vocab
        markers = HarmonyMarkers.from_vocab(vocab)
        self._markers = markers
        self._stop_reasons = {markers.return_: StopReason.RETURN, markers.call: StopReason.CALL,
                              markers.endoftext: StopReason.END_OF_TEXT}
        self._special_ids = special_token_ids(vocab)
        self._messages: list[Message] = []
        self._turn_ended = False
        self._state = _State.HEADER
        self._role: Role | None = "assistant"
        self._header_text = ""
        self._header: Header | None = None
        self._content: list[str] = []
        self._decoder = _utf8_decoder()

    @property
    def messages(self) -> list[Message]:
        """The completed messages of this turn, in order, as they are stored and re-rendered."""
        return list(self._messages)

    def feed(self, token_id: int) -> list[Event]:
        events: list[Event] = []
        self._turn_ended = False
        markers = self._markers
        if token_id in self._stop_reasons:
            self._close(events)
            self._end_turn(events, self._stop_reasons[token_id])
        elif token_id == markers.end:
            self._close(events)
            self._state = _State.EXPECT_START
        elif token_id == markers.start:
            self._close(events)
            self._begin_header(None)
        elif token_id == markers.message:
            self._on_message_marker(events)
        elif token_id in (markers.channel, markers.constrain):
            self._on_header_marker(CHANNEL if token_id == markers.channel else CONSTRAIN, events)
        elif token_id in self._special_ids:
            log.debug("dropped special token %d outside its place", token_id)
        else:
            self._on_text(self._token_bytes(token_id), events)
        return events

    def finish(self, reason: StopReason) -> list[Event]:
        """End the turn from outside (token limit, stopped by the user): flush a partial message.

        A partial tool call is stored as a message but not reported as a complete call.
        Returns nothing when the turn already ended and no token came since.
        """
        if self._turn_ended:
            return []
        events: list[Event] = []
        self._close(events, partial=True)
        self._end_turn(events, reason)
        return events

    # States

    def _begin_header(self, role: Role | None, text: str = "") -> None:
        self._state = _State.HEADER
        self._role = role
        self._header_text = text
        self._decoder = _utf8_decoder()

    def _begin_content(self, header: Header, events: list[Event], text: str = "") -> None:
        self._state = _State.CONTENT
        self._header = header
        self._content = []
        self._append(text, events)

    def _end_turn(self, events: list[Event], reason: StopReason) -> None:
        events.append(TurnEnd(reason))
        self._state = _State.EXPECT_START
        self._turn_ended = True

    def _close(self, events: list[Event], *, partial: bool = False) -> None:
        """Complete the message in progress, if there is one."""
        if self._state is _State.HEADER:
            text = self._header_text + self._decoder.decode(b"", final=True)
            if not text.strip():
                return
            log.debug("a message header ended without <|message|>")
            header, content = split_unterminated(text, self._role)
            if partial and not content:
                self._state = _State.EXPECT_START  # cut off inside its header: nothing to keep
                return
            self._begin_content(header, events, content)
        if self._state is not _State.CONTENT or self._header is None:
            return
        self._append(self._decoder.decode(b"", final=True), events)
        header = self._header
        message = Message(role=header.role, content="".join(self._content),
                          channel=_stored_channel(header), recipient=header.recipient,
                          content_type=header.content_type, name=header.name)
        self._messages.append(message)
        events.append(MessageComplete(message))
        if _kind(header) is _Kind.TOOL_CALL and header.recipient is not None and not partial:
            events.append(ToolCallComplete(recipient=header.recipient, channel=message.channel,
                                           content_type=header.content_type,
                                           arguments=message.content))
        self._state = _State.EXPECT_START
        self._header = None
        self._content = []
        self._decoder = _utf8_decoder()

    # Tokens

    def _on_message_marker(self, events: list[Event]) -> None:
        if self._state is _State.HEADER:
            text = self._header_text + self._decoder.decode(b"", final=True)
            self._decoder = _utf8_decoder()
            self._begin_content(parse_header(text, self._role), events)
        elif self._state is _State.EXPECT_START:
            self._begin_content(Header(role="assistant"), events)
        else:
            log.debug("dropped a <|message|> inside content")

    def _on_header_marker(self, text: str, events: list[Event]) -> None:
        if self._state is _State.CONTENT:
            if text != CHANNEL:
                log.debug("dropped %s inside content", text)
                return
            log.debug("a <|channel|> inside content starts a new message")
            self._close(events)
        if self._state is _State.EXPECT_START:
            self._begin_header("assistant", text)
            return
        self._header_text += self._decoder.decode(b"", final=True) + text

    def _on_text(self, data: bytes, events: list[Event]) -> None:
        if self._state is _State.EXPECT_START:
            log.debug("text where <|start|> was expected starts a header")
            self._begin_header(None)
        text = self._decoder.decode(data)
        if self._state is _State.CONTENT:
            self._append(text, events)
            return
        self._header_text += text
        if (len(self._header_text) > MAX_HEADER_CHARS
                or len(self._header_text.split()) > MAX_HEADER_WORDS):
            log.debug("a message header is too long: treating it as content")
            header, content = split_unterminated(self._header_text, self._role)
            self._begin_content(header, events, content)

    def _append(self, text: str, events: list[Event]) -> None:
        if not text or self._header is None:
            return
        self._content.append(text)
        kind = _kind(self._header)
        if kind is _Kind.REASONING:
            events.append(ReasoningDelta(text))
        elif kind is _Kind.COMMENTARY:
            events.append(CommentaryDelta(text))
        elif kind is _Kind.TOOL_CALL:
            events.append(ToolCallDelta(self._header.recipient or "", text))
        elif kind is _Kind.ANSWER:
            events.append(AnswerDelta(text))

    def _token_bytes(self, token_id: int) -> bytes:
        try:
            return self._vocab.token_bytes(token_id)
        except (IndexError, ValueError):
            log.warning("dropped token id %d: not in the vocabulary", token_id)
            return b""


def _kind(header: Header) -> _Kind:
    if header.role != "assistant":
        return _Kind.HIDDEN
    if header.recipient is not None:
        return _Kind.TOOL_CALL  # built-in tools are called on the analysis channel
    if header.channel == "analysis":
        return _Kind.REASONING
    if header.channel == "commentary":
        return _Kind.COMMENTARY
    return _Kind.ANSWER


def _stored_channel(header: Header) -> str | None:
    """An assistant message is stored on the channel it was shown as: text without a
    recognisable channel was shown as the answer, so it is stored as `final`."""
    if header.channel is not None or header.role != "assistant":
        return header.channel
    if header.recipient is None:
        return "final"
    return "commentary" if header.recipient.startswith("functions.") else "analysis"


def _utf8_decoder() -> codecs.IncrementalDecoder:
    return codecs.getincrementaldecoder("utf-8")(errors="replace")
