"""Real llama.cpp generation through the parser: scripted models write exact harmony replies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import llama_cpp
import pytest

from app.core.engine.llama_vocab import LlamaVocabulary
from app.core.harmony.events import (
    AnswerDelta,
    Event,
    ReasoningDelta,
    StopReason,
    ToolCallComplete,
    TurnEnd,
)
from app.core.harmony.parser import HarmonyStreamParser
from app.core.harmony.prompt import Message, Prompt
from app.core.harmony.render import render_tokens
from app.core.harmony.vocab import HarmonyMarkers
from tests.modelgen.scripted import split_markers

SAMPLING = {"temp": 1.0, "top_p": 1.0, "top_k": 0, "min_p": 0.0}
PROMPT = Prompt(current_date="2025-08-05", reasoning_effort="low",
                messages=(Message("user", "What is 2 + 2?"),))

Load = Callable[[Path], llama_cpp.Llama]


@pytest.fixture
def load() -> Iterator[Load]:
    models: list[llama_cpp.Llama] = []

    def _load(path: Path) -> llama_cpp.Llama:
        model = llama_cpp.Llama(str(path), n_ctx=2048, n_threads=1, verbose=False)
        models.append(model)
        return model

    yield _load
    for model in models:
        model.close()


def run_turn(llama: llama_cpp.Llama, limit: int = 300) -> tuple[list[Event], HarmonyStreamParser]:
    vocab = LlamaVocabulary.from_llama(llama)
    parser = HarmonyStreamParser(vocab)
    stop_ids = HarmonyMarkers.from_vocab(vocab).stop_ids
    events: list[Event] = []
    llama.set_seed(0)
    for count, token_id in enumerate(llama.generate(render_tokens(PROMPT, vocab), **SAMPLING),
                                     start=1):
        events += parser.feed(token_id)
        if token_id in stop_ids:
            break
        if count >= limit:
            events += parser.finish(StopReason.LENGTH)
            break
    return events, parser


def text_of(events: list[Event], kind: type) -> str:
    return "".join(event.text for event in events if isinstance(event, kind))


def test_reasoning_and_an_answer_with_a_split_emoji(scripted_model, load: Load) -> None:
    pieces = [*split_markers("<|channel|>analysis<|message|>User asks 2 + 2. Simple.<|end|>"
                             "<|start|>assistant<|channel|>final<|message|>2 + 2 = 4 "),
              "🙂".encode(), "<|return|>"]
    events, parser = run_turn(load(scripted_model(pieces).path))
    assert text_of(events, ReasoningDelta) == "User asks 2 + 2. Simple."
    assert AnswerDelta("🙂") in events  # four byte tokens, one whole character
    assert text_of(events, AnswerDelta) == "2 + 2 = 4 🙂"
    assert events[-1] == TurnEnd(StopReason.RETURN)
    assert parser.messages == [
        Message("assistant", "User asks 2 + 2. Simple.", channel="analysis"),
        Message("assistant", "2 + 2 = 4 🙂", channel="final")]


def test_a_tool_call_with_a_broken_header(scripted_model, load: Load) -> None:
    pieces = split_markers(
        "<|channel|>analysis I need the weather.<|end|><|start|>assistant<|channel|>commentary "
        'to=functions.get_weather json<|message|>{"city": "Paris"}<|call|>')
    events, parser = run_turn(load(scripted_model(pieces).path))
    assert text_of(events, ReasoningDelta) == "I need the weather."
    assert ToolCallComplete("functions.get_weather", "commentary", "json",
                            '{"city": "Paris"}') in events
    assert events[-1] == TurnEnd(StopReason.CALL)
    assert len(parser.messages) == 2


def test_an_endless_answer_cut_by_the_token_limit(scripted_model, load: Load) -> None:
    pieces = ["<|channel|>", "final", "<|message|>", "tick ", "tock "]
    events, parser = run_turn(load(scripted_model(pieces, endless=True).path), limit=30)
    assert events[-1] == TurnEnd(StopReason.LENGTH)
    # The script loops through `<|channel|>final<|message|>` too: each loop is a new message.
    *whole, last = parser.messages
    assert whole and all(m == Message("assistant", "tick tock ", channel="final") for m in whole)
    assert "tick tock ".startswith(last.content) and last.channel == "final"
    assert text_of(events, AnswerDelta) == "".join(m.content for m in parser.messages)
