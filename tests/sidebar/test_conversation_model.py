"""ConversationListModel: groups, paging over the store, and one-row updates."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from app.core.paths import AppPaths
from app.core.storage import ConversationStore
from app.ui.sidebar.conversation_model import ConversationListModel, ConversationRoles
from tests.sidebar.conftest import NOW, create_at, create_many, days_ago, shown_titles
from tests.storage.conftest import FakeClock

ROOT = QModelIndex()


class Recorder:
    """Which structural signals a model emitted, in order."""

    SIGNALS = ("modelReset", "rowsInserted", "rowsRemoved", "rowsMoved", "layoutChanged",
               "dataChanged")

    def __init__(self, model: ConversationListModel) -> None:
        self.events: list[tuple[str, ...]] = []
        for name in self.SIGNALS:
            getattr(model, name).connect(lambda *args, name=name: self._record(name, args))

    def _record(self, name: str, args: tuple) -> None:
        if name in ("rowsInserted", "rowsRemoved"):
            self.events.append((name, args[1], args[2]))
        elif name == "rowsMoved":
            self.events.append((name, args[1], args[2], args[4]))
        elif name == "dataChanged":
            self.events.append((name, args[0].row(), args[1].row()))
        else:
            self.events.append((name,))

    def names(self) -> list[str]:
        return [event[0] for event in self.events]


def conversation_ids(model: ConversationListModel) -> list[int]:
    ids = [model.index(row, 0).data(ConversationRoles.ConversationIdRole)
           for row in range(model.rowCount())]
    return [each for each in ids if each is not None]


def fetch_all(model: ConversationListModel) -> None:
    while model.canFetchMore(ROOT):
        model.fetchMore(ROOT)


@pytest.fixture
def groups(store: ConversationStore, clock: FakeClock) -> dict[str, int]:
    """One conversation per group, created oldest first, plus a second one today."""
    return {
        "older": create_at(store, clock, days_ago(30), "Older chat"),
        "week": create_at(store, clock, days_ago(3), "Three days ago"),
        "yesterday": create_at(store, clock, days_ago(1, hour=23), "Late yesterday"),
        "today": create_at(store, clock, days_ago(0, hour=9), "This morning"),
        "latest": create_at(store, clock, NOW - 60, "A minute ago"),
        "pinned": create_at(store, clock, days_ago(40), "Pinned long ago", pinned=True),
    }


# -- model tester ------------------------------------------------------------------------------


def test_an_empty_model_passes_the_model_tester(qtmodeltester, store, clock) -> None:
    model = ConversationListModel(store, clock=clock)
    qtmodeltester.check(model)
    assert model.rowCount() == 0
    assert not model.canFetchMore(ROOT)


def test_a_populated_model_passes_the_model_tester(qtmodeltester, store, clock, groups) -> None:
    qtmodeltester.check(ConversationListModel(store, clock=clock, page_size=3))


def test_the_model_stays_consistent_through_changes(qtmodeltester, store, clock,
                                                    groups) -> None:
    model = ConversationListModel(store, clock=clock, page_size=4)
    qtmodeltester.check(model)
    model.rename(groups["week"], "Renamed")
    model.set_pinned(groups["today"], True)
    model.set_pinned(groups["pinned"], False)
    model.delete(groups["yesterday"])
    model.restore(groups["yesterday"])
    model.conversation_added(create_at(store, clock, NOW, "New"))
    fetch_all(model)
    model.set_pinned(groups["older"], True)
    model.delete(groups["older"])
    assert model.loaded_count() == 6


# -- groups and order ------------------------------------------------------------------------


def test_pinned_come_first_then_today_yesterday_previous_7_days_and_older(
        store, clock, groups) -> None:
    model = ConversationListModel(store, clock=clock)
    assert shown_titles(model) == [
        "Pinned", "Pinned long ago",
        "Today", "A minute ago", "This morning",
        "Yesterday", "Late yesterday",
        "Previous 7 days", "Three days ago",
        "Older", "Older chat",
    ]


def test_headers_cannot_be_selected_and_conversations_can_be_renamed(store, clock, groups) -> None:
    model = ConversationListModel(store, clock=clock)
    header, conversation = model.index(0, 0), model.index(1, 0)
    assert header.data(ConversationRoles.IsHeaderRole) is True
    assert not header.flags() & (Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
    assert conversation.flags() & Qt.ItemFlag.ItemIsSelectable
    assert conversation.flags() & Qt.ItemFlag.ItemIsEditable
    assert conversation.data(ConversationRoles.GroupRole) == "Pinned"
    assert conversation.data(ConversationRoles.PinnedRole) is True
    assert conversation.data(Qt.ItemDataRole.AccessibleTextRole) == "Pinned long ago, pinned"
    assert conversation.data(Qt.ItemDataRole.ToolTipRole) == (
        "Pinned long ago\nReasoning effort: medium")
    assert conversation.data(ConversationRoles.EffortRole) == "medium"


def test_an_untitled_chat_shows_as_new_chat_and_edits_as_empty(store, clock) -> None:
    conversation = store.create_conversation()
    model = ConversationListModel(store, clock=clock)
    index = model.index_of(conversation.id)
    assert index.data() == "New chat"
    assert index.data(Qt.ItemDataRole.EditRole) == ""


def test_after_midnight_the_groups_move_on(store, clock, groups) -> None:
    model = ConversationListModel(store, clock=clock)
    assert not model.refresh_groups()  # same day: nothing to do
    clock.now = NOW + 12 * 3600  # 03:00 the next day
    assert model.refresh_groups()
    titles = shown_titles(model)
    assert titles[titles.index("Yesterday") + 1:titles.index("Previous 7 days")] == [
        "A minute ago", "This morning"]


# -- paging ----------------------------------------------------------------------------------


def test_only_the_first_page_is_loaded_and_fetch_more_brings_the_next(store, clock) -> None:
    create_many(store, clock, 1000)
    model = ConversationListModel(store, clock=clock, page_size=100)
    assert model.loaded_count() == 100
    assert model.canFetchMore(ROOT)
    model.fetchMore(ROOT)
    assert model.loaded_count() == 200
    fetch_all(model)
    assert model.loaded_count() == 1000
    assert not model.canFetchMore(ROOT)
    assert conversation_ids(model) == store.conversation_ids()
    assert shown_titles(model).count("Today") == 1  # a group spanning pages has one header


# -- fine-grained updates ----------------------------------------------------------------------


def test_renaming_emits_data_changed_for_the_row_only(store, clock, groups) -> None:
    model = ConversationListModel(store, clock=clock)
    recorder = Recorder(model)
    row = model.row_of(groups["week"])
    renamed = []
    model.renamed.connect(lambda *args: renamed.append(args))
    assert model.rename(groups["week"], "  Bread recipes ")
    assert recorder.events == [("dataChanged", row, row)]
    assert model.index(row, 0).data() == "Bread recipes"
    assert store.get_conversation(groups["week"]).title == "Bread recipes"
    assert renamed == [(groups["week"], "Bread recipes")]


def test_a_blank_title_is_refused(store, clock, groups) -> None:
    model = ConversationListModel(store, clock=clock)
    recorder = Recorder(model)
    index = model.index_of(groups["week"])
    assert not model.setData(index, "   ")
    assert recorder.events == []
    assert store.get_conversation(groups["week"]).title == "Three days ago"


def test_the_editor_commits_through_set_data(store, clock, groups) -> None:
    model = ConversationListModel(store, clock=clock)
    assert model.setData(model.index_of(groups["today"]), "Morning walk")
    assert store.get_conversation(groups["today"]).title == "Morning walk"
    assert not model.setData(model.index(0, 0), "A header")


def test_a_new_conversation_inserts_one_row_at_the_top_of_today(store, clock, groups) -> None:
    model = ConversationListModel(store, clock=clock)
    recorder = Recorder(model)
    new_id = create_at(store, clock, NOW, "Brand new")
    model.conversation_added(new_id)
    today = shown_titles(model).index("Today")
    assert recorder.events == [("rowsInserted", today + 1, today + 1)]
    assert shown_titles(model)[today + 1] == "Brand new"


def test_the_first_conversation_of_a_group_brings_its_header(store, clock) -> None:
    model = ConversationListModel(store, clock=clock)
    recorder = Recorder(model)
    model.conversation_added(create_at(store, clock, NOW, "First"))
    assert recorder.events == [("rowsInserted", 0, 1)]
    assert shown_titles(model) == ["Today", "First"]


def test_pinning_moves_the_row_into_the_pinned_group(store, clock, groups) -> None:
    model = ConversationListModel(store, clock=clock)
    recorder = Recorder(model)
    row = model.row_of(groups["week"])
    persistent = QPersistentModelIndex(model.index(row, 0))
    assert model.set_pinned(groups["week"], True)
    header = row - 1  # "Previous 7 days" had this chat only
    assert recorder.events == [
        ("rowsMoved", row, row, 1),  # moved, not removed and added again
        ("dataChanged", 1, 1),
        ("rowsRemoved", header + 1, header + 1),  # its old header, one lower after the move
    ]
    titles = shown_titles(model)
    assert titles[:3] == ["Pinned", "Three days ago", "Pinned long ago"]
    assert "Previous 7 days" not in titles  # its only chat left, so did its header
    assert persistent.row() == 1  # a selection on the row follows it


def test_unpinning_moves_it_back_and_removes_the_empty_pinned_header(store, clock,
                                                                     groups) -> None:
    model = ConversationListModel(store, clock=clock)
    before = shown_titles(model)
    assert model.set_pinned(groups["pinned"], False)
    assert shown_titles(model) == [*before[2:], "Pinned long ago"]


def test_new_activity_moves_a_chat_to_the_top_of_today(store, clock, groups) -> None:
    model = ConversationListModel(store, clock=clock)
    recorder = Recorder(model)
    store.add_user_message(groups["older"], "One more question")
    model.conversation_changed(groups["older"])
    titles = shown_titles(model)
    assert titles[titles.index("Today") + 1] == "Older chat"
    assert "Older" not in titles
    assert "modelReset" not in recorder.names()


def test_delete_removes_the_row_and_restore_puts_it_back_in_place(store, clock,
                                                                  groups) -> None:
    model = ConversationListModel(store, clock=clock)
    before = shown_titles(model)
    recorder = Recorder(model)
    row = model.row_of(groups["today"])
    assert model.delete(groups["today"])
    assert recorder.events == [("rowsRemoved", row, row)]
    assert store.get_conversation(groups["today"]).deleted_at is not None
    assert model.restore(groups["today"])
    assert shown_titles(model) == before
    assert store.get_conversation(groups["today"]).deleted_at is None


def test_removing_the_last_chat_of_a_group_removes_its_header_too(store, clock, groups) -> None:
    model = ConversationListModel(store, clock=clock)
    row = model.row_of(groups["older"])
    recorder = Recorder(model)
    model.conversation_removed(groups["older"])
    assert recorder.events == [("rowsRemoved", row - 1, row)]
    assert "Older" not in shown_titles(model)


def test_a_change_beyond_the_loaded_pages_waits_for_its_page(store, clock) -> None:
    ids = create_many(store, clock, 30)
    model = ConversationListModel(store, clock=clock, page_size=10)
    oldest = ids[0]
    store.rename(oldest, "Renamed far down")
    model.conversation_changed(oldest)
    assert model.row_of(oldest) == -1
    store.set_pinned(oldest, True)
    model.conversation_changed(oldest)  # now it sorts first: it is inserted
    assert model.row_of(oldest) == 1
    store.set_pinned(oldest, False)
    model.conversation_changed(oldest)  # and back beyond the loaded pages
    assert model.row_of(oldest) == -1
    fetch_all(model)
    assert conversation_ids(model) == store.conversation_ids()


def test_a_store_that_cannot_be_written_reports_and_changes_nothing(
        store, groups, app_paths: AppPaths) -> None:
    read_only = ConversationStore.open(app_paths.database, read_only=True)
    try:
        model = ConversationListModel(read_only)
        failures: list[str] = []
        model.storageFailed.connect(failures.append)
        assert not model.rename(groups["week"], "New title")
        assert len(failures) == 1
        assert model.index_of(groups["week"]).data() == "Three days ago"
    finally:
        read_only.close()


OPERATIONS = st.lists(st.tuples(
    st.sampled_from(["add", "rename", "pin", "unpin", "touch", "delete", "restore", "fetch"]),
    st.integers(min_value=0, max_value=40)), max_size=25)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_the_rows_always_match_the_stores_order(qtmodeltester, operations) -> None:
    clock = FakeClock(NOW - 100_000)
    with ConversationStore.open(":memory:", clock=clock) as store:
        for number in range(12):
            clock.advance(3600 * 7)
            store.create_conversation(title=f"Chat {number}")
        model = ConversationListModel(store, clock=lambda: NOW, page_size=5)
        qtmodeltester.check(model)
        deleted: list[int] = []
        for name, number in operations:
            clock.advance(600)
            ids = store.conversation_ids()
            target = ids[number % len(ids)] if ids else None
            if name == "add":
                model.conversation_added(store.create_conversation(title="added").id)
            elif name == "fetch":
                model.fetchMore(ROOT)
            elif name == "restore" and deleted:
                model.restore(deleted.pop())
            elif target is None:
                continue
            elif name == "rename":
                model.rename(target, f"renamed {number}")
            elif name in ("pin", "unpin"):
                model.set_pinned(target, name == "pin")
            elif name == "touch":
                store.add_user_message(target, "more")
                model.conversation_changed(target)
            elif name == "delete":
                model.delete(target)
                deleted.append(target)
            shown = conversation_ids(model)
            assert shown == store.conversation_ids()[:len(shown)]
            _check_headers(model)
        fetch_all(model)
        assert conversation_ids(model) == store.conversation_ids()


def _check_headers(model: ConversationListModel) -> None:
    """Exactly one header before each group's first chat, never an empty group."""
    labels = []
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        if index.data(ConversationRoles.IsHeaderRole):
            labels.append(index.data())
            assert not model.index(row + 1, 0).data(ConversationRoles.IsHeaderRole)
            assert row + 1 < model.rowCount()
        else:
            assert index.data(ConversationRoles.GroupRole) == labels[-1]
    assert len(labels) == len(set(labels))
