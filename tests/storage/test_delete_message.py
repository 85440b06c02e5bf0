"""Deleting one message (with the replies below it) from the tree."""

from __future__ import annotations

from pathlib import Path

from app.core.storage import ConversationStore


def _reply(store: ConversationStore, conversation_id: int, parent_id: int, text: str) -> int:
    writer = store.begin_reply(conversation_id, parent_id=parent_id)
    writer.append_answer(text)
    return writer.finish().id


def test_deleting_a_reply_shows_its_sibling_or_its_parent(tmp_path: Path) -> None:
    store = ConversationStore.open(tmp_path / "c.sqlite3")
    conversation = store.create_conversation()
    question = store.add_user_message(conversation.id, "Q").id
    first = _reply(store, conversation.id, question, "A1")
    second = store.begin_regenerate(first)
    second.append_answer("A2")
    second_id = second.finish().id
    follow_up = store.add_user_message(conversation.id, "more").id
    branch = store.delete_message(second_id)
    assert [m.answer for m in branch] == ["Q", "A1"]
    assert store.siblings(first)[0].id == first
    assert follow_up not in [m.id for m in store.all_messages(conversation.id)]
    assert [m.answer for m in store.delete_message(first)] == ["Q"]
    assert store.delete_message(question) == []
    assert store.search("A1") == []
    store.close()
