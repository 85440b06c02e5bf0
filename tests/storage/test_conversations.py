"""Conversations: create, rename, pin, delete with undo, list pages, groups and titles."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app.core.storage import (
    ConversationStore,
    NotFoundError,
    group_conversations,
    group_label,
)
from app.core.storage.conversations import automatic_title
from tests.storage.conftest import FakeClock


def test_a_new_conversation_has_defaults_and_is_saved(store: ConversationStore,
                                                      db_path: Path, clock: FakeClock) -> None:
    created = store.create_conversation(effort="high", instructions="Answer in French.",
                                        model="gpt-oss-20b")
    assert created.title == "" and created.title_source == "auto"
    assert created.created_at == created.updated_at == clock.now
    assert not created.pinned and created.active_leaf_id is None
    store.close()
    with ConversationStore.open(db_path) as reopened:
        again = reopened.get_conversation(created.id)
    assert again == created


def test_rename_pin_effort_instructions_and_model_are_kept(store: ConversationStore) -> None:
    conversation = store.create_conversation()
    store.rename(conversation.id, "  Trip to Lyon  ")
    store.set_pinned(conversation.id, True)
    store.set_effort(conversation.id, "low")
    store.set_instructions(conversation.id, "Be brief.")
    store.set_model(conversation.id, "gpt-oss-20b-mxfp4")
    changed = store.get_conversation(conversation.id)
    assert (changed.title, changed.title_source, changed.pinned, changed.effort,
            changed.instructions, changed.model) == (
        "Trip to Lyon", "user", True, "low", "Be brief.", "gpt-oss-20b-mxfp4")


def test_unknown_ids_raise_not_found(store: ConversationStore) -> None:
    with pytest.raises(NotFoundError):
        store.get_conversation(999)
    with pytest.raises(NotFoundError):
        store.rename(999, "x")
    with pytest.raises(NotFoundError):
        store.get_message(999)


def test_title_comes_from_the_first_user_message(store: ConversationStore) -> None:
    conversation = store.create_conversation()
    store.add_user_message(conversation.id, "\n  How do   I bake bread?\nWith details please")
    store.add_user_message(conversation.id, "And cake?")
    assert store.get_conversation(conversation.id).title == "How do I bake bread?"


def test_a_users_title_wins_over_automatic_and_model_titles(store: ConversationStore) -> None:
    conversation = store.create_conversation()
    store.rename(conversation.id, "Mine")
    store.add_user_message(conversation.id, "Hello")
    assert not store.set_generated_title(conversation.id, "Greeting")
    assert store.get_conversation(conversation.id).title == "Mine"
    other = store.create_conversation()
    store.add_user_message(other.id, "Hello")
    assert store.set_generated_title(other.id, "Greeting")
    assert store.get_conversation(other.id).title_source == "model"


def test_a_titled_conversation_keeps_its_title(store: ConversationStore) -> None:
    conversation = store.create_conversation(title="Preset title")
    store.add_user_message(conversation.id, "Hello")
    assert store.get_conversation(conversation.id).title == "Preset title"


@pytest.mark.parametrize(("text", "title"), [
    ("short", "short"),
    ("a" * 60, "a" * 60),
    ("word " * 30, ("word " * 12).strip() + "…"),
    ("abcdefgh " * 10, ("abcdefgh " * 6).strip() + "…"),
    ("x" * 100, "x" * 59 + "…"),
    ("   \n\n", ""),
])
def test_automatic_title_is_one_trimmed_line_of_about_60_characters(text: str,
                                                                    title: str) -> None:
    assert automatic_title(text) == title
    assert len(automatic_title(text)) <= 60


def test_list_is_pinned_first_then_newest_first(store: ConversationStore,
                                                clock: FakeClock) -> None:
    first = store.create_conversation(title="first")
    clock.advance(10)
    second = store.create_conversation(title="second")
    clock.advance(10)
    third = store.create_conversation(title="third")
    clock.advance(10)
    store.add_user_message(first.id, "new activity moves it up")
    store.set_pinned(second.id, True)
    page = store.list_conversations()
    assert [c.id for c in page.conversations] == [second.id, first.id, third.id]
    assert page.next_cursor is None


def test_pages_follow_each_other_without_gaps_or_repeats(store: ConversationStore,
                                                         clock: FakeClock) -> None:
    ids = []
    for index in range(23):
        ids.append(store.create_conversation(title=f"c{index}").id)
        if index % 3:  # some share a timestamp: the id breaks the tie
            clock.advance(1)
    store.set_pinned(ids[5], True)
    seen = []
    cursor = None
    while True:
        page = store.list_conversations(limit=5, before=cursor)
        seen.extend(c.id for c in page.conversations)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == store.conversation_ids()
    assert sorted(seen) == sorted(ids) and seen[0] == ids[5]
    assert store.count_conversations() == 23


def test_delete_hides_restore_brings_back(store: ConversationStore) -> None:
    conversation = store.create_conversation()
    store.add_user_message(conversation.id, "secret plans")
    store.delete_conversation(conversation.id)
    assert store.list_conversations().conversations == []
    assert store.search("secret") == []
    assert store.get_conversation(conversation.id).deleted_at is not None
    store.restore(conversation.id)
    assert [c.id for c in store.list_conversations().conversations] == [conversation.id]
    assert len(store.search("secret")) == 2  # the title and the message


def test_purge_removes_only_what_was_deleted_long_enough_ago(store: ConversationStore,
                                                             clock: FakeClock) -> None:
    old = store.create_conversation()
    store.add_user_message(old.id, "old")
    recent = store.create_conversation()
    kept = store.create_conversation()
    store.delete_conversation(old.id)
    clock.advance(100)
    store.delete_conversation(recent.id)
    clock.advance(10)
    assert store.purge_deleted(older_than_seconds=50) == 1
    with pytest.raises(NotFoundError):
        store.get_conversation(old.id)
    store.restore(recent.id)
    assert {c.id for c in store.list_conversations().conversations} == {recent.id, kept.id}


def test_deleted_conversations_are_purged_at_the_next_start(db_path: Path,
                                                            clock: FakeClock) -> None:
    with ConversationStore.open(db_path, clock=clock) as store:
        conversation = store.create_conversation()
        store.add_user_message(conversation.id, "to be forgotten")
        store.delete_conversation(conversation.id)
    clock.advance(1)
    with ConversationStore.open(db_path, clock=clock) as store:
        with pytest.raises(NotFoundError):
            store.get_conversation(conversation.id)
        assert store.search("forgotten") == []


def _at(day: datetime) -> float:
    return day.timestamp()


def test_group_labels_follow_local_calendar_days() -> None:
    now = datetime(2025, 6, 10, 9, 0)
    assert group_label(_at(now), _at(now)) == "Today"
    assert group_label(_at(datetime(2025, 6, 10, 0, 1)), _at(now)) == "Today"
    assert group_label(_at(datetime(2025, 6, 9, 23, 59)), _at(now)) == "Yesterday"
    assert group_label(_at(datetime(2025, 6, 8, 12, 0)), _at(now)) == "Previous 7 days"
    assert group_label(_at(datetime(2025, 6, 3, 0, 0)), _at(now)) == "Previous 7 days"
    assert group_label(_at(datetime(2025, 6, 2, 23, 0)), _at(now)) == "Older"
    assert group_label(_at(now + timedelta(hours=30)), _at(now)) == "Today"
    assert group_label(_at(datetime(2020, 1, 1)), _at(now), pinned=True) == "Pinned"


def test_a_page_splits_into_groups(store: ConversationStore, clock: FakeClock) -> None:
    clock.now = _at(datetime(2025, 6, 1, 12, 0))
    older = store.create_conversation(title="older")
    clock.now = _at(datetime(2025, 6, 9, 12, 0))
    yesterday = store.create_conversation(title="yesterday")
    pinned = store.create_conversation(title="pinned")
    store.set_pinned(pinned.id, True)
    clock.now = _at(datetime(2025, 6, 10, 8, 0))
    today = store.create_conversation(title="today")
    groups = group_conversations(store.list_conversations().conversations, clock.now)
    assert [(label, [c.id for c in items]) for label, items in groups] == [
        ("Pinned", [pinned.id]), ("Today", [today.id]), ("Yesterday", [yesterday.id]),
        ("Older", [older.id])]


def test_a_snapshot_reads_one_state_and_refuses_writes(store: ConversationStore) -> None:
    conversation = store.create_conversation(title="kept")
    with store.snapshot():
        assert store.get_conversation(conversation.id).title == "kept"
        assert store.conversation_ids() == [conversation.id]
        with pytest.raises(RuntimeError, match="read snapshot"):
            store.rename(conversation.id, "changed")
    store.rename(conversation.id, "changed")
    assert store.get_conversation(conversation.id).title == "changed"
