"""Export to JSON and Markdown, and import back: the round trip must be lossless."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.storage import ConversationStore, ImportFormatError
from tests.storage.conftest import FakeClock


def _normalised(document: dict[str, Any]) -> dict[str, Any]:
    """The document with ids replaced by positions: imports get new ids, nothing else changes."""
    document = copy.deepcopy(document)
    position = {message["id"]: index for index, message in enumerate(document["messages"])}
    position[None] = None
    for message in document["messages"]:
        for key in ("id", "parent_id", "active_child_id"):
            message[key] = position[message[key]]
    conversation = document["conversation"]
    conversation["id"] = None
    conversation["active_leaf_id"] = position[conversation["active_leaf_id"]]
    return document


def _rich_conversation(store: ConversationStore, clock: FakeClock) -> int:
    conversation = store.create_conversation(effort="high", instructions="Be precise.",
                                             model="gpt-oss-20b")
    user = store.add_user_message(conversation.id, "What's the weather in Paris?")
    clock.advance(2.5)
    writer = store.begin_reply(conversation.id)
    writer.append_reasoning("Need the weather tool.")
    writer.append_answer("Sunny, 24 °C.")
    harmony = [
        {"role": "assistant", "channel": "analysis", "recipient": None, "content_type": None,
         "name": None, "content": "Need the weather tool."},
        {"role": "assistant", "channel": "commentary", "recipient": "functions.get_weather",
         "content_type": "<|constrain|>json", "name": None, "content": '{"city": "Paris"}'},
        {"role": "tool", "channel": "commentary", "recipient": "assistant",
         "content_type": None, "name": "functions.get_weather", "content": '{"sunny": true}'},
        {"role": "assistant", "channel": "final", "recipient": None, "content_type": None,
         "name": None, "content": "Sunny, 24 °C."},
    ]
    reply = writer.finish(
        stats={"tokens": 42, "tokens_per_second": 16.7, "time_to_first_token": 0.26},
        tool_calls=[{"name": "functions.get_weather", "arguments": {"city": "Paris"}}],
        tool_results=[{"name": "functions.get_weather", "content": {"sunny": True}}],
        harmony=harmony)
    clock.advance(1)
    retry = store.begin_regenerate(reply.id, effort="low")
    retry.append_answer("It is sunny")
    retry.finish("interrupted")
    clock.advance(1)
    store.edit_user_message(user.id, "What's the weather in Lyon?")
    failed = store.begin_reply(conversation.id)
    failed.append_answer("Par")
    failed.finish("error", error="out of memory")
    store.switch_to(reply.id)
    store.set_pinned(conversation.id, True)
    return conversation.id


def test_the_json_document_holds_every_branch_and_detail(store: ConversationStore,
                                                         clock: FakeClock) -> None:
    conversation_id = _rich_conversation(store, clock)
    document = store.export_json(conversation_id)
    assert (document["format"], document["version"]) == ("oss-chat-conversation", 1)
    assert document["conversation"]["instructions"] == "Be precise."
    assert document["conversation"]["pinned"] is True
    messages = document["messages"]
    assert [m["status"] for m in messages] == ["complete", "complete", "interrupted",
                                               "complete", "error"]
    assert messages[1]["harmony"][1]["recipient"] == "functions.get_weather"
    assert messages[1]["reasoning"] == "Need the weather tool."
    assert messages[1]["answer"] == "Sunny, 24 °C."
    assert messages[4]["error"] == "out of memory"
    json.dumps(document)  # plain JSON types only


def test_json_round_trip_is_lossless(store: ConversationStore, clock: FakeClock) -> None:
    conversation_id = _rich_conversation(store, clock)
    document = json.loads(json.dumps(store.export_json(conversation_id)))
    imported = store.import_json(document)
    assert imported != conversation_id
    again = store.export_json(imported)
    assert _normalised(again) == _normalised(document)
    assert [m.answer for m in store.active_branch(imported)] == [
        m.answer for m in store.active_branch(conversation_id)]
    assert [(info.index, info.count) for info in store.branch_sibling_info(imported).values()] \
        == [(info.index, info.count)
            for info in store.branch_sibling_info(conversation_id).values()]
    assert store.search("Lyon")  # the imported text is searchable


def test_a_bundle_of_everything_round_trips(store: ConversationStore, clock: FakeClock) -> None:
    first = _rich_conversation(store, clock)
    second = store.create_conversation(title="Empty one").id
    bundle = store.export_all_json()
    assert bundle["format"] == "oss-chat-conversations"
    with ConversationStore.open(":memory:") as other:
        ids = other.import_bundle(json.loads(json.dumps(bundle)))
        assert [_normalised(other.export_json(i)) for i in ids] == [
            _normalised(store.export_json(i)) for i in (first, second)]


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(format="something-else"), "not an OSS Chat export"),
    (lambda d: d.update(version=2), "unsupported export version 2"),
    (lambda d: d["conversation"].pop("title"), "missing 'title'"),
    (lambda d: d["messages"][0].update(role="system"), "'role' must be one of"),
    (lambda d: d["messages"][0].update(status="done"), "'status' must be one of"),
    (lambda d: d["messages"][1].update(created_at="yesterday"), "'created_at' must be a time"),
    (lambda d: d["messages"].reverse(), "must come before it"),
    (lambda d: d["messages"].append(dict(d["messages"][0])), "appears twice"),
    (lambda d: d["conversation"].update(active_leaf_id=999), "active leaf 999"),
    (lambda d: d["messages"][0].update(active_child_id=999), "is not one of its children"),
    (lambda d: d.update(messages={}), "'messages' must be a list"),
])
def test_a_bad_document_is_refused_and_nothing_is_stored(store: ConversationStore,
                                                         clock: FakeClock, change: Any,
                                                         message: str) -> None:
    document = store.export_json(_rich_conversation(store, clock))
    change(document)
    with pytest.raises(ImportFormatError, match=message):
        store.import_json(document)
    assert store.count_conversations() == 1
    with pytest.raises(ImportFormatError, match="not a JSON object"):
        store.import_json([document])


def test_markdown_shows_the_active_branch_with_reasoning_folded(store: ConversationStore,
                                                                clock: FakeClock) -> None:
    conversation_id = _rich_conversation(store, clock)
    markdown = store.export_markdown(conversation_id)
    assert markdown.startswith("# What's the weather in Paris?\n")
    assert "- Model: gpt-oss-20b" in markdown and "- Reasoning effort: high" in markdown
    assert "<details>\n<summary>Instructions</summary>\n\nBe precise.\n\n</details>" in markdown
    assert "## You\n\nWhat's the weather in Paris?" in markdown
    assert "## Assistant (reasoning effort: high)" in markdown
    assert ("<details>\n<summary>Reasoning</summary>\n\nNeed the weather tool.\n\n</details>"
            "\n\n<details>\n<summary>Tool calls</summary>") in markdown
    assert markdown.rstrip().endswith("Sunny, 24 °C.")
    assert "Lyon" not in markdown and "It is sunny" not in markdown  # other branches


def test_markdown_notes_unfinished_replies(store: ConversationStore) -> None:
    conversation = store.create_conversation()
    store.add_user_message(conversation.id, "hi")
    writer = store.begin_reply(conversation.id)
    writer.append_answer("Hel")
    writer.finish("error", error="the model stopped")
    markdown = store.export_markdown(conversation.id)
    assert markdown.rstrip().endswith("Hel\n\n*Reply failed: the model stopped.*")


_text = st.text(max_size=40)
_json_scalar = st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(
    allow_nan=False, allow_infinity=False) | _text
_stats = st.dictionaries(st.text(max_size=10), _json_scalar, max_size=4)
_harmony = st.none() | st.lists(st.fixed_dictionaries({
    "role": st.sampled_from(["assistant", "tool"]), "channel": st.sampled_from(
        ["analysis", "commentary", "final"]), "recipient": st.none() | _text,
    "content_type": st.none() | _text, "name": st.none() | _text, "content": _text}),
    max_size=3)
_step = st.tuples(
    st.sampled_from(["user", "reply", "edit", "regenerate", "switch", "tool"]),
    st.integers(min_value=0), _text, _text,
    st.sampled_from(["complete", "interrupted", "error"]), _stats, _harmony,
    st.floats(min_value=0, max_value=10**6))


@settings(deadline=None, max_examples=75)
@given(steps=st.lists(_step, max_size=14), title=_text, pinned=st.booleans(),
       effort=st.sampled_from(["low", "medium", "high"]))
def test_any_conversation_tree_round_trips_through_json(
        steps: list[Any], title: str, pinned: bool, effort: Any) -> None:
    clock = FakeClock()
    with ConversationStore.open(":memory:", clock=clock) as store:
        conversation = store.create_conversation(title=title, effort=effort)
        store.set_pinned(conversation.id, pinned)
        for action, pick, text, reasoning, status, stats, harmony, pause in steps:
            clock.advance(pause)
            existing = store.all_messages(conversation.id)
            chosen = existing[pick % len(existing)] if existing else None
            if action == "user" or chosen is None:
                store.add_user_message(conversation.id, text)
            elif action == "edit" and chosen.role == "user":
                store.edit_user_message(chosen.id, text)
            elif action == "regenerate" and chosen.role == "assistant" and chosen.parent_id:
                writer = store.begin_regenerate(chosen.id)
                writer.append_answer(text)
                writer.finish(status, stats=stats, harmony=harmony)
            elif action == "switch":
                store.switch_to(chosen.id)
            elif action == "tool":
                store.add_tool_message(conversation.id, text, parent_id=chosen.id)
            else:
                writer = store.begin_reply(conversation.id, parent_id=chosen.id)
                writer.append_reasoning(reasoning)
                writer.append_answer(text)
                writer.finish(status, stats=stats, harmony=harmony,
                              error="failed" if status == "error" else None)
        document = store.export_json(conversation.id)
        imported = store.import_json(json.loads(json.dumps(document)))
        assert _normalised(store.export_json(imported)) == _normalised(document)
        assert [m.answer for m in store.active_branch(imported)] == [
            m.answer for m in store.active_branch(conversation.id)]
