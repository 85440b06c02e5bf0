"""The engine through the real llama.cpp on generated gpt-oss models."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from app.core.engine.config import EngineConfig, SamplingConfig
from app.core.engine.engine import Engine, EngineError
from app.core.engine.native import LoadCancelled
from app.core.harmony.events import AnswerDelta, ReasoningDelta, StopReason
from app.core.harmony.prompt import Message, Prompt
from app.core.modelfiles.gguf_info import ModelFileError
from tests.modelgen.gptoss import write_foreign_gguf


def _prompt(*messages: Message, effort: str = "medium") -> Prompt:
    return Prompt(reasoning_effort=effort, messages=tuple(messages))


def _user(text: str) -> Message:
    return Message(role="user", content=text)


def test_load_reports_progress_backend_and_context(reply_model) -> None:
    engine = Engine()
    seen: list[float] = []
    try:
        info = engine.load(reply_model.path, EngineConfig(n_ctx=4096, n_threads=1),
                           progress=seen.append)
        assert seen and seen[-1] == pytest.approx(1.0)
        assert seen == sorted(seen)
        assert info.backend == "CPU"
        assert info.n_ctx == 4096 and info.n_threads == 1
        assert engine.loaded
    finally:
        engine.unload()
    assert not engine.loaded


def test_cancelled_load_leaves_no_model(reply_model) -> None:
    engine = Engine()
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(LoadCancelled):
        engine.load(reply_model.path, cancel=cancel)
    assert not engine.loaded


def test_wrong_architecture_and_corrupt_files_are_refused(tmp_path: Path) -> None:
    engine = Engine()
    with pytest.raises(ModelFileError, match="architecture 'llama'"):
        engine.load(write_foreign_gguf(tmp_path / "llama.gguf"))
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"GGUF" + b"\xff" * 64)
    with pytest.raises(ModelFileError, match="damaged or incomplete"):
        engine.load(junk)
    assert not engine.loaded


def test_generate_without_a_model_fails_clearly() -> None:
    with pytest.raises(EngineError, match="No model"):
        Engine().generate(_prompt(_user("hi")))


def test_scripted_reply_is_parsed_into_reasoning_and_answer(make_engine, reply_model) -> None:
    engine = make_engine(reply_model.path)
    events = []
    result = engine.generate(_prompt(_user("What is 2 + 2?"), effort="high"),
                             on_event=events.append)
    assert result.stop_reason is StopReason.RETURN
    assert result.reasoning == "User asks a sum. Simple."
    assert result.answer == "2 + 2 = 4"
    assert "".join(e.text for e in events if isinstance(e, AnswerDelta)) == "2 + 2 = 4"
    assert any(isinstance(e, ReasoningDelta) for e in events)
    assert [(m.channel, m.content) for m in result.messages] == [
        ("analysis", "User asks a sum. Simple."), ("final", "2 + 2 = 4")]
    stats = result.stats
    assert stats.stop_reason == "return" and stats.effort == "high"
    assert stats.generated_tokens == len(reply_model.token_ids)
    assert stats.prompt_tokens == len(engine.tokenize_prompt(_prompt(_user("What is 2 + 2?"),
                                                                     effort="high")))
    assert stats.ttft_s > 0 and stats.decode_tok_s > 0 and stats.prompt_tok_s > 0


def test_stop_during_decode_keeps_the_partial_reply(make_engine, endless_model,
                                                    reply_model) -> None:
    engine = make_engine(endless_model.path)
    cancel = threading.Event()
    answer: list[str] = []

    def on_event(event) -> None:
        if isinstance(event, AnswerDelta):
            answer.append(event.text)
            if len(answer) == 20:
                cancel.set()

    result = engine.generate(_prompt(_user("count")), on_event=on_event, cancel=cancel)
    assert result.stop_reason is StopReason.STOPPED
    assert result.answer == "".join(answer)
    assert result.answer.startswith("tick tock tick")
    assert result.messages and result.messages[-1].content == result.answer
    again = engine.generate(_prompt(_user("count")), SamplingConfig(max_tokens=10))
    assert again.stop_reason is StopReason.LENGTH
    assert again.stats.generated_tokens == 10


def test_stop_while_reading_a_long_prompt(make_engine, reply_model) -> None:
    engine = make_engine(reply_model.path, n_ctx=8192, n_batch=128)
    cancel = threading.Event()
    progress: list[tuple[int, int]] = []

    def on_progress(done: int, total: int) -> None:
        progress.append((done, total))
        cancel.set()  # the next batch is aborted inside llama_decode

    long_prompt = _prompt(_user(" ".join(f"word{i}" for i in range(700))))
    result = engine.generate(long_prompt, cancel=cancel, on_prompt_progress=on_progress)
    assert result.stop_reason is StopReason.STOPPED
    assert result.stats.generated_tokens == 0
    total = progress[0][1]
    assert progress == [(128, total)]
    assert total > 1000
    # The engine stays usable, and what was read before the stop is reused.
    result = engine.generate(long_prompt)
    assert result.answer == "2 + 2 = 4"
    assert result.stats.reused_tokens == 128


def test_prefix_reuse_evaluates_only_the_new_tokens(make_engine, reply_model) -> None:
    engine = make_engine(reply_model.path, n_ctx=4096)
    history: list[Message] = []
    evaluated = {}
    for turn in range(1, 6):
        history.append(_user(f"Question number {turn}, please answer it."))
        prompt = _prompt(*history)
        tokens = engine.tokenize_prompt(prompt)
        cached_before = list(engine._cached)
        result = engine.generate(prompt)
        expected_reuse = 0
        while (expected_reuse < min(len(cached_before), len(tokens) - 1)
               and cached_before[expected_reuse] == tokens[expected_reuse]):
            expected_reuse += 1
        assert result.stats.reused_tokens == expected_reuse
        assert result.stats.evaluated_tokens == len(tokens) - expected_reuse
        evaluated[turn] = result.stats.evaluated_tokens
        history.extend(result.messages)
    # Turn 2 and turn 5 evaluate only the last answer and the new question, not the history.
    for turn in (2, 5):
        new_text = engine.tokenize_prompt(_prompt(_user(f"Question number {turn}, please "
                                                        "answer it.")))
        assert evaluated[turn] < len(new_text) + 40
    assert evaluated[5] < evaluated[1]


def test_overflow_drops_the_oldest_turns_and_length_stops(make_engine, endless_model) -> None:
    engine = make_engine(endless_model.path, n_ctx=1024)
    history: list[Message] = []
    for i in range(12):
        history += [_user(f"Message {i}: " + "blah " * 20),
                    Message(role="assistant", channel="final", content="ok " * 10)]
    history.append(_user("And now?"))
    prompt = _prompt(*history)
    assert len(engine.tokenize_prompt(prompt)) > 1024
    result = engine.generate(prompt, conversation_key="c1")
    assert result.stats.dropped_turns > 0
    assert result.stats.prompt_tokens <= 1024 * 3 // 4
    assert result.stop_reason is StopReason.LENGTH
    assert result.stats.prompt_tokens + result.stats.generated_tokens == 1024
    # The next turn keeps at least as many turns out, so the prompt's start stays stable.
    history += [*result.messages, _user("more")]
    again = engine.generate(_prompt(*history), SamplingConfig(max_tokens=4),
                            conversation_key="c1")
    assert again.stats.dropped_turns >= result.stats.dropped_turns
    assert again.stats.reused_tokens > 0


def test_context_is_fitted_to_memory_or_refused_with_a_proposal(reply_model) -> None:
    from app.core.engine.engine import WontFit
    from app.core.engine.memory import estimate
    from app.core.modelfiles.gguf_info import inspect_gguf

    info = inspect_gguf(reply_model.path)
    fixed = estimate(info, 0, available=1 << 40).total_bytes
    room_for_20k = int((fixed + info.kv_bytes_per_token * 20000) / 0.85)
    engine = Engine()
    try:
        loaded = engine.load(reply_model.path, EngineConfig(n_ctx=131072, n_threads=1),
                             available_memory=room_for_20k)
        assert 16384 <= loaded.n_ctx <= 20000
        assert loaded.note and "reduced from 131,072" in loaded.note
    finally:
        engine.unload()
    chosen = EngineConfig(n_ctx=131072, n_threads=1, fit_context_to_memory=False)
    with pytest.raises(WontFit, match=r"will not fit in memory.*Try a context of"):
        engine.load(reply_model.path, chosen, available_memory=room_for_20k)
    assert not engine.loaded
