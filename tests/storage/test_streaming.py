"""Saving replies while they stream, and what is left after a crash or a SIGKILL."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.storage import ConversationStore, ReplyWriter
from tests.storage.conftest import FakeClock
from tests.storage.stream_child import delta

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ticker() -> FakeClock:
    """The writer's monotonic clock."""
    return FakeClock(start=100.0)


def _start(store: ConversationStore, ticker: FakeClock) -> ReplyWriter:
    conversation = store.create_conversation()
    store.add_user_message(conversation.id, "Hi")
    return store.begin_reply(conversation.id, monotonic=ticker)


def _stored(store: ConversationStore, writer: ReplyWriter) -> tuple[str, str, str]:
    message = store.get_message(writer.message_id)
    return message.answer, message.reasoning, message.status


def test_deltas_are_saved_at_most_once_per_interval(store: ConversationStore,
                                                    ticker: FakeClock) -> None:
    writer = _start(store, ticker)
    assert _stored(store, writer) == ("", "", "streaming")
    assert not writer.append_reasoning("Thinking. ")
    ticker.advance(0.5)
    assert not writer.append_answer("Hello")
    assert _stored(store, writer) == ("", "", "streaming")
    ticker.advance(0.5)
    assert writer.append_answer(", world")
    assert _stored(store, writer) == ("Hello, world", "Thinking. ", "streaming")
    ticker.advance(0.2)
    assert not writer.append_answer("!")
    assert writer.writes == 1


def test_a_stalled_stream_is_saved_by_flush_if_due(store: ConversationStore,
                                                   ticker: FakeClock) -> None:
    writer = _start(store, ticker)
    writer.append_answer("partial")
    assert not writer.flush_if_due()
    ticker.advance(1.0)
    assert writer.flush_if_due()
    assert not writer.flush_if_due()  # nothing new to save
    assert _stored(store, writer)[0] == "partial"


def test_finish_saves_everything_with_its_details(store: ConversationStore,
                                                  ticker: FakeClock, clock: FakeClock) -> None:
    writer = _start(store, ticker)
    writer.append_reasoning("User greets. ")
    writer.append_reasoning("Greet back.")
    writer.append_answer("Hello!")
    clock.advance(5)
    harmony = [
        {"role": "assistant", "channel": "analysis", "recipient": None, "content_type": None,
         "name": None, "content": "User greets. Greet back."},
        {"role": "assistant", "channel": "final", "recipient": None, "content_type": None,
         "name": None, "content": "Hello!"},
    ]
    stats = {"tokens": 7, "tokens_per_second": 16.5, "time_to_first_token": 0.31}
    message = writer.finish(stats=stats, harmony=harmony, tool_calls=[], tool_results=[])
    assert (message.answer, message.reasoning, message.status) == (
        "Hello!", "User greets. Greet back.", "complete")
    assert message.stats == stats and message.harmony == harmony
    assert message.effort == "medium" and message.updated_at == clock.now
    assert store.get_conversation(message.conversation_id).updated_at == clock.now
    assert store.get_message(message.id) == message
    with pytest.raises(RuntimeError):
        writer.append_answer("more")
    with pytest.raises(RuntimeError):
        writer.finish()


def test_stopped_and_failed_replies_keep_their_partial_text(store: ConversationStore,
                                                            ticker: FakeClock) -> None:
    stopped = _start(store, ticker)
    stopped.append_answer("Once upon a")
    assert stopped.finish("interrupted").answer == "Once upon a"
    failed = _start(store, ticker)
    failed.append_answer("Half")
    message = failed.finish("error", error="the model ran out of memory")
    assert (message.status, message.answer, message.error) == (
        "error", "Half", "the model ran out of memory")
    with pytest.raises(ValueError, match="final status"):
        _start(store, ticker).finish("streaming")


def test_a_reply_left_streaming_is_marked_interrupted_at_the_next_start(
        db_path: Path, ticker: FakeClock) -> None:
    store = ConversationStore.open(db_path)
    writer = _start(store, ticker)
    writer.append_reasoning("Plan.")
    writer.append_answer("Saved part")
    writer.flush()
    writer.append_answer(" never saved")
    store.close()  # as if the process had died here
    with ConversationStore.open(db_path) as reopened:
        message = reopened.get_message(writer.message_id)
        assert (message.answer, message.reasoning, message.status) == (
            "Saved part", "Plan.", "interrupted")
        assert [m.role for m in reopened.active_branch(message.conversation_id)] == [
            "user", "assistant"]


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_reply_survives_sigkill_mid_stream(db_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.storage.stream_child", str(db_path)], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    saved_length = 0
    try:
        assert child.stdout is not None
        for _save in range(2):  # two saves: the writer keeps saving as the stream goes on
            line = child.stdout.readline()
            if not line.startswith("saved "):
                pytest.fail(f"the child failed: {child.stderr and child.stderr.read()}")
            _word, conversation_id, message_id, length = line.split()
            saved_length = int(length)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()
    assert child.returncode == -signal.SIGKILL

    with ConversationStore.open(db_path) as store:
        reply = store.get_message(int(message_id))
        assert reply.status == "interrupted"
        assert reply.reasoning == "The user wants a story. "
        assert len(reply.answer) >= saved_length
        expected = "".join(delta(index) for index in range(len(reply.answer)))
        assert expected.startswith(reply.answer) and reply.answer.endswith(" ")
        branch = store.active_branch(int(conversation_id))
        assert [(m.role, m.status) for m in branch] == [("user", "complete"),
                                                        ("assistant", "interrupted")]
        assert branch[0].answer == "Tell me a very long story"
        conversations = store.list_conversations().conversations
        assert len(conversations) == 2
        earlier = next(c for c in conversations if c.title == "Earlier chat")
        assert [(m.answer, m.status) for m in store.active_branch(earlier.id)] == [
            ("An earlier question", "complete"), ("An earlier answer", "complete")]
