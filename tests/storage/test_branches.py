"""The message tree: turns, edits and regenerations as siblings, switching branches."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from app.core.storage import ConversationStore, Message, NotFoundError, SiblingInfo


def _texts(branch: list[Message]) -> list[str]:
    return [message.answer for message in branch]


def _reply(store: ConversationStore, conversation_id: int, text: str,
           parent_id: int | None = None) -> Message:
    writer = store.begin_reply(conversation_id, parent_id=parent_id)
    writer.append_answer(text)
    return writer.finish()


class Chat(NamedTuple):
    conversation_id: int
    u1: Message
    a1: Message
    u2: Message
    a2: Message


def _chat(store: ConversationStore) -> Chat:
    """u1 → a1 → u2 → a2, all on one branch."""
    conversation = store.create_conversation()
    u1 = store.add_user_message(conversation.id, "u1")
    a1 = _reply(store, conversation.id, "a1")
    u2 = store.add_user_message(conversation.id, "u2")
    a2 = _reply(store, conversation.id, "a2")
    return Chat(conversation.id, u1, a1, u2, a2)


def test_turns_append_to_the_active_branch(store: ConversationStore) -> None:
    chat = _chat(store)
    branch = store.active_branch(chat.conversation_id)
    assert _texts(branch) == ["u1", "a1", "u2", "a2"]
    assert [m.parent_id for m in branch] == [None, chat.u1.id, chat.a1.id, chat.u2.id]
    assert [m.role for m in branch] == ["user", "assistant", "user", "assistant"]
    assert store.get_conversation(chat.conversation_id).active_leaf_id == chat.a2.id


def test_editing_a_user_message_starts_a_new_branch_and_keeps_the_old(
        store: ConversationStore) -> None:
    chat = _chat(store)
    edited = store.edit_user_message(chat.u2.id, "u2 edited")
    assert edited.parent_id == chat.a1.id and edited.id != chat.u2.id
    assert _texts(store.active_branch(chat.conversation_id)) == ["u1", "a1", "u2 edited"]
    _reply(store, chat.conversation_id, "a2 for the edit")
    assert _texts(store.active_branch(chat.conversation_id)) == ["u1", "a1", "u2 edited",
                                                                 "a2 for the edit"]
    assert store.sibling_info(edited.id) == SiblingInfo(index=1, count=2,
                                                        previous_id=chat.u2.id, next_id=None)
    assert [m.answer for m in store.siblings(chat.u2.id)] == ["u2", "u2 edited"]
    # The old branch, with its reply, is one switch away.
    assert _texts(store.switch_to(chat.u2.id)) == ["u1", "a1", "u2", "a2"]


def test_editing_the_first_message_makes_a_second_root(store: ConversationStore) -> None:
    chat = _chat(store)
    edited = store.edit_user_message(chat.u1.id, "A different opening question")
    assert edited.parent_id is None
    assert _texts(store.active_branch(chat.conversation_id)) == ["A different opening question"]
    assert store.sibling_info(edited.id).count == 2
    assert store.get_conversation(chat.conversation_id).title == "u1"
    assert _texts(store.switch_to(chat.u1.id)) == ["u1", "a1", "u2", "a2"]


def test_regenerate_adds_a_sibling_reply(store: ConversationStore) -> None:
    chat = _chat(store)
    writer = store.begin_regenerate(chat.a2.id, effort="high")
    placeholder = store.get_message(writer.message_id)
    assert placeholder.parent_id == chat.u2.id and placeholder.status == "streaming"
    assert placeholder.effort == "high" and placeholder.answer == ""
    writer.append_answer("a2, second try")
    writer.finish()
    assert _texts(store.active_branch(chat.conversation_id)) == ["u1", "a1", "u2",
                                                                 "a2, second try"]
    info = store.branch_sibling_info(chat.conversation_id)
    assert info[writer.message_id] == SiblingInfo(index=1, count=2, previous_id=chat.a2.id,
                                                  next_id=None)
    assert info[chat.u1.id].count == info[chat.a1.id].count == info[chat.u2.id].count == 1


def test_switching_returns_to_where_the_user_was_in_that_branch(
        store: ConversationStore) -> None:
    chat = _chat(store)
    # Under a1 there are two user branches; under the first, two replies.
    first_retry = store.begin_regenerate(chat.a2.id)
    first_retry.append_answer("a2b")
    a2b = first_retry.finish()
    store.switch_to(chat.a2.id)  # the user prefers the first reply in this branch
    u2_edit = store.edit_user_message(chat.u2.id, "u2b")
    _reply(store, chat.conversation_id, "reply to u2b")
    # Back to the first user branch: it shows a2 (last seen there), not the newest a2b.
    assert _texts(store.switch_to(chat.u2.id)) == ["u1", "a1", "u2", "a2"]
    assert _texts(store.switch_to(u2_edit.id)) == ["u1", "a1", "u2b", "reply to u2b"]
    assert _texts(store.switch_to(a2b.id)) == ["u1", "a1", "u2", "a2b"]
    # Switching to a message in the middle keeps the rest of its branch.
    assert _texts(store.switch_to(chat.a1.id)) == ["u1", "a1", "u2", "a2b"]


def test_a_new_turn_after_switching_goes_on_the_shown_branch(store: ConversationStore) -> None:
    chat = _chat(store)
    store.edit_user_message(chat.u2.id, "u2b")
    store.switch_to(chat.a2.id)
    store.add_user_message(chat.conversation_id, "u3")
    assert _texts(store.active_branch(chat.conversation_id)) == ["u1", "a1", "u2", "a2", "u3"]


def test_a_reply_can_be_attached_to_any_message_of_the_conversation(
        store: ConversationStore) -> None:
    chat = _chat(store)
    side = _reply(store, chat.conversation_id, "another answer to u1", parent_id=chat.u1.id)
    assert _texts(store.active_branch(chat.conversation_id)) == ["u1", "another answer to u1"]
    assert store.sibling_info(side.id).count == 2
    other = store.create_conversation()
    with pytest.raises(NotFoundError):
        store.add_user_message(other.id, "x", parent_id=chat.a2.id)


def test_only_user_messages_are_edited_and_only_replies_regenerated(
        store: ConversationStore) -> None:
    chat = _chat(store)
    with pytest.raises(ValueError, match="only user messages"):
        store.edit_user_message(chat.a1.id, "x")
    with pytest.raises(ValueError, match="only assistant replies"):
        store.begin_regenerate(chat.u1.id)


def test_the_tree_and_chosen_branch_survive_a_restart(db_path: Path) -> None:
    with ConversationStore.open(db_path) as store:
        chat = _chat(store)
        store.edit_user_message(chat.u2.id, "u2b")
        store.switch_to(chat.a2.id)
        before = store.all_messages(chat.conversation_id)
    with ConversationStore.open(db_path) as store:
        assert _texts(store.active_branch(chat.conversation_id)) == ["u1", "a1", "u2", "a2"]
        assert store.all_messages(chat.conversation_id) == before


def test_tool_messages_are_nodes_of_the_tree(store: ConversationStore) -> None:
    chat = _chat(store)
    tool = store.add_tool_message(chat.conversation_id, '{"sunny": true}')
    assert tool.role == "tool"
    assert store.active_branch(chat.conversation_id)[-1] == tool


def test_an_empty_conversation_has_an_empty_branch(store: ConversationStore) -> None:
    conversation = store.create_conversation()
    assert store.active_branch(conversation.id) == []
    assert store.branch_sibling_info(conversation.id) == {}
