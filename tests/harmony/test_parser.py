"""The stream parser over real token ids of the tiny model's vocabulary.

The stream starts right after the prompt's `<|start|>assistant`, as generation does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from app.core.engine.llama_vocab import LlamaVocabulary
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
from app.core.harmony.parser import HarmonyStreamParser
from app.core.harmony.prompt import Message, Prompt
from app.core.harmony.render import render_text
from tests.harmony.vectors import vector
from tests.modelgen.vocab import HARMONY_SPECIALS

Tokenize = Callable[[str], list[int]]
TEXT_EVENTS = (ReasoningDelta, AnswerDelta, CommentaryDelta, ToolCallDelta)


def feed(parser: HarmonyStreamParser, ids: Iterable[int]) -> list[Event]:
    events: list[Event] = []
    for token_id in ids:
        events += parser.feed(token_id)
    return events


def text_of(events: list[Event], kind: type) -> str:
    return "".join(event.text for event in events if isinstance(event, kind))


def shown_text(events: list[Event]) -> str:
    return "".join(event.text for event in events if isinstance(event, TEXT_EVENTS))


def assert_no_marker_text(events: list[Event]) -> None:
    for event in events:
        if isinstance(event, TEXT_EVENTS):
            assert not any(special in event.text for special in HARMONY_SPECIALS), event


@pytest.fixture
def parser(tiny_vocab: LlamaVocabulary) -> HarmonyStreamParser:
    return HarmonyStreamParser(tiny_vocab)


def test_reasoning_then_answer(parser: HarmonyStreamParser, model_output: Tokenize) -> None:
    events = feed(parser, model_output(
        "<|channel|>analysis<|message|>User says hello.<|end|>"
        "<|start|>assistant<|channel|>final<|message|>Hello world<|return|>"))
    assert text_of(events, ReasoningDelta) == "User says hello."
    assert text_of(events, AnswerDelta) == "Hello world"
    assert [e for e in events if not isinstance(e, TEXT_EVENTS)] == [
        MessageComplete(Message("assistant", "User says hello.", channel="analysis")),
        MessageComplete(Message("assistant", "Hello world", channel="final")),
        TurnEnd(StopReason.RETURN),
    ]
    assert parser.messages == [Message("assistant", "User says hello.", channel="analysis"),
                               Message("assistant", "Hello world", channel="final")]


def test_a_stream_that_repeats_the_prompt_tail_parses_the_same(
        parser: HarmonyStreamParser, model_output: Tokenize) -> None:
    feed(parser, model_output("<|start|>assistant<|channel|>final<|message|>Hi<|return|>"))
    assert parser.messages == [Message("assistant", "Hi", channel="final")]


def test_an_answer_ended_by_return_is_stored_to_render_with_end(
        parser: HarmonyStreamParser, model_output: Tokenize) -> None:
    feed(parser, model_output("<|channel|>final<|message|>Hi<|return|>"))
    history = (Message("user", "Hello"), *parser.messages)
    text = render_text(Prompt(system=False, messages=history, add_generation_prompt=False))
    assert text.endswith("<|start|>assistant<|channel|>final<|message|>Hi<|end|>")


def test_preamble_then_tool_call(parser: HarmonyStreamParser, model_output: Tokenize) -> None:
    events = feed(parser, model_output(
        "<|channel|>commentary<|message|>Checking the weather.<|end|>"
        "<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json"
        '<|message|>{"city": "Paris"}<|call|>'))
    assert text_of(events, CommentaryDelta) == "Checking the weather."
    assert all(e.recipient == "functions.get_weather"
               for e in events if isinstance(e, ToolCallDelta))
    assert text_of(events, ToolCallDelta) == '{"city": "Paris"}'
    assert ToolCallComplete(recipient="functions.get_weather", channel="commentary",
                            content_type="<|constrain|>json",
                            arguments='{"city": "Paris"}') in events
    assert events[-1] == TurnEnd(StopReason.CALL)
    assert text_of(events, AnswerDelta) == text_of(events, ReasoningDelta) == ""


def test_builtin_tool_call_on_the_analysis_channel_is_a_call_not_reasoning(
        parser: HarmonyStreamParser, model_output: Tokenize) -> None:
    events = feed(parser, model_output(
        "<|channel|>analysis<|message|>Compute it.<|end|>"
        "<|start|>assistant<|channel|>analysis to=python code<|message|>print(6 * 7)<|call|>"))
    assert text_of(events, ReasoningDelta) == "Compute it."
    assert {e.recipient for e in events if isinstance(e, ToolCallDelta)} == {"python"}
    assert text_of(events, ToolCallDelta) == "print(6 * 7)"
    assert ToolCallComplete("python", "analysis", "code", "print(6 * 7)") in events


def test_a_character_split_across_tokens_is_emitted_once_whole(
        parser: HarmonyStreamParser, model_output: Tokenize, byte_ids: dict[int, int]) -> None:
    events = feed(parser, model_output("<|channel|>final<|message|>Hi "))
    emoji = [byte_ids[b] for b in "🙂".encode()]
    assert len(emoji) == 4
    for token_id in emoji[:3]:
        assert parser.feed(token_id) == []
    assert parser.feed(emoji[3]) == [AnswerDelta("🙂")]
    events += feed(parser, model_output("!<|return|>"))
    assert parser.messages == [Message("assistant", "Hi 🙂!", channel="final")]


@pytest.mark.parametrize(("data", "text"), [
    (b"\xff", "\ufffd"),
    (b"a\x80b", "a\ufffdb"),
    (b"\xf0\x9f", "\ufffd"),           # a character cut off by the end of the message
    (b"\xf0\x9fx", "\ufffdx"),
    (b"\xed\xa0\x80", "\ufffd\ufffd\ufffd"),  # an encoded surrogate
])
def test_invalid_bytes_become_replacement_characters(
        parser: HarmonyStreamParser, model_output: Tokenize, byte_ids: dict[int, int],
        data: bytes, text: str) -> None:
    events = feed(parser, model_output("<|channel|>final<|message|>"))
    events += feed(parser, [byte_ids[b] for b in data] + model_output("<|end|>"))
    assert text_of(events, AnswerDelta) == text
    assert parser.messages[0].content == text


MALFORMED = {
    # name: (model output, expected (channel, content) of the messages, shown answer text)
    "junk after the channel name": (
        "<|channel|>final junk<|message|>Hi<|return|>", [("final", "Hi")], "Hi"),
    "junk glued to the channel name": (
        "<|channel|>analysis}}<|message|>hmm<|end|><|start|>assistant<|channel|>finalX"
        "<|message|>Hi<|return|>", [("analysis", "hmm"), ("final", "Hi")], "Hi"),
    "unknown channel": (
        "<|channel|>banana<|message|>Hi<|return|>", [("final", "Hi")], "Hi"),
    "no channel": (
        "<|message|>Hi<|return|>", [("final", "Hi")], "Hi"),
    "missing <|message|>": (
        "<|channel|>analysis I must refuse<|end|><|start|>assistant<|channel|>final<|message|>"
        "No.<|return|>", [("analysis", "I must refuse"), ("final", "No.")], "No."),
    "missing <|message|> and channel": (
        "I must refuse<|end|>", [("final", "I must refuse")], "I must refuse"),
    "stray <|start|> in content": (
        "<|channel|>final<|message|>Hel<|start|>lo<|return|>", [("final", "Hel"), ("final", "lo")],
        "Hello"),
    "stray <|message|> and <|constrain|> in content": (
        "<|channel|>final<|message|>A<|message|>B<|constrain|>C<|return|>", [("final", "ABC")],
        "ABC"),
    "<|channel|> in content starts a new message": (
        "<|channel|>analysis<|message|>think<|channel|>final<|message|>Hi<|return|>",
        [("analysis", "think"), ("final", "Hi")], "Hi"),
    "no <|start|> after <|end|>": (
        "<|channel|>analysis<|message|>think<|end|>assistant<|channel|>final<|message|>Hi"
        "<|return|>", [("analysis", "think"), ("final", "Hi")], "Hi"),
    "reserved tokens anywhere": (
        "<|reserved_200000|><|channel|>final<|reserved_200010|><|message|>H<|endofprompt|>i"
        "<|startoftext|><|return|>", [("final", "Hi")], "Hi"),
    "header only": ("<|channel|>final<|end|>", [("final", "")], ""),
    "empty header": ("<|start|><|end|><|start|><|return|>", [], ""),
    "double channel": (
        "<|channel|>final<|channel|>final<|message|>Hi<|return|>", [("final", "Hi")], "Hi"),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_output_never_raises_nor_shows_markers(
        name: str, parser: HarmonyStreamParser, model_output: Tokenize) -> None:
    text, messages, answer = MALFORMED[name]
    events = feed(parser, model_output(text))
    events += parser.finish(StopReason.STOPPED)
    assert_no_marker_text(events)
    assert [(m.channel, m.content) for m in parser.messages] == messages
    assert text_of(events, AnswerDelta) == answer


def test_a_header_without_message_marker_streams_once_it_is_clearly_text(
        parser: HarmonyStreamParser, model_output: Tokenize) -> None:
    events = feed(parser, model_output("<|channel|>analysis We need to answer"))
    assert events == []  # could still be a header
    events += feed(parser, model_output(" the question"))
    assert text_of(events, ReasoningDelta) == "We need to answer the question"
    events += feed(parser, model_output(" now.<|end|>"))
    assert text_of(events, ReasoningDelta) == "We need to answer the question now."
    assert parser.messages == [Message("assistant", "We need to answer the question now.",
                                       channel="analysis")]


def test_tool_call_header_with_a_plain_content_type(parser: HarmonyStreamParser,
                                                    model_output: Tokenize) -> None:
    events = feed(parser, model_output(
        '<|channel|>commentary to=functions.f json<|message|>{"a": 1}<|call|>'))
    assert ToolCallComplete("functions.f", "commentary", "json", '{"a": 1}') in events


@pytest.mark.parametrize(("text", "reason"), [
    ("<|channel|>final<|message|>Hi<|return|>", StopReason.RETURN),
    ("<|channel|>commentary to=functions.f<|message|>{}<|call|>", StopReason.CALL),
    ("<|channel|>final<|message|>Hi<|endoftext|>", StopReason.END_OF_TEXT),
])
def test_stop_markers_end_the_turn(parser: HarmonyStreamParser, model_output: Tokenize,
                                   text: str, reason: StopReason) -> None:
    events = feed(parser, model_output(text))
    assert isinstance(events[-2], (MessageComplete, ToolCallComplete))
    assert events[-1] == TurnEnd(reason)
    assert parser.finish(StopReason.STOPPED) == []


@pytest.mark.parametrize("reason", [StopReason.LENGTH, StopReason.STOPPED])
def test_finish_flushes_a_partial_message(parser: HarmonyStreamParser, model_output: Tokenize,
                                          byte_ids: dict[int, int], reason: StopReason) -> None:
    feed(parser, model_output("<|channel|>final<|message|>Half an ans"))
    parser.feed(byte_ids[0xC3])  # the first byte of "é"
    events = parser.finish(reason)
    assert events == [AnswerDelta("\ufffd"),
                      MessageComplete(Message("assistant", "Half an ans\ufffd", channel="final")),
                      TurnEnd(reason)]


def test_finish_before_any_content(parser: HarmonyStreamParser, model_output: Tokenize) -> None:
    feed(parser, model_output("<|channel|>anal"))
    assert parser.finish(StopReason.STOPPED) == [TurnEnd(StopReason.STOPPED)]
    assert parser.messages == []
    assert parser.finish(StopReason.STOPPED) == []


def test_a_partial_tool_call_is_not_a_complete_call(parser: HarmonyStreamParser,
                                                    model_output: Tokenize) -> None:
    feed(parser, model_output('<|channel|>commentary to=functions.f<|message|>{"a": '))
    events = parser.finish(StopReason.LENGTH)
    assert not any(isinstance(e, ToolCallComplete) for e in events)
    assert parser.messages[0].recipient == "functions.f"
    assert events[-1] == TurnEnd(StopReason.LENGTH)


def test_ids_outside_the_vocabulary_are_dropped(parser: HarmonyStreamParser,
                                                model_output: Tokenize) -> None:
    feed(parser, model_output("<|channel|>final<|message|>A"))
    assert parser.feed(10**9) == []
    assert parser.feed(-1) == []
    feed(parser, model_output("B<|return|>"))
    assert parser.messages[0].content == "AB"


def test_the_reference_stream_vector(parser: HarmonyStreamParser,
                                     model_output: Tokenize) -> None:
    """test_streamable_parser.txt: an analysis message, a browser call, then a tool reply.

    The file starts right after `<|start|>assistant`, where the parser starts. After
    `<|call|>` ends the turn the parser goes on parsing, so the tool reply is the third message.
    """
    events = feed(parser, model_output(vector("test_streamable_parser").rstrip()))
    analysis, call, reply = parser.messages
    assert analysis.channel == "analysis" and analysis.role == "assistant"
    assert analysis.content.startswith('User asks "Who is the current US president?"')
    assert analysis.content.endswith("But w\ne need up to date info. Let's browse to confirm.")
    assert call == Message("assistant", '{"query": "current US president July 2025", "topn": 10, '
                                        '"source": "news"}', channel="commentary",
                           recipient="browser.search", content_type="code")
    assert reply == Message("tool", '{"result": "https://openai.com/"}', channel="commentary",
                            recipient="assistant", name="browser.search")
    assert text_of(events, ReasoningDelta) == analysis.content
    assert text_of(events, ToolCallDelta) == call.content
    assert TurnEnd(StopReason.CALL) in events
    assert shown_text(events) == analysis.content + call.content  # the reply is not shown
