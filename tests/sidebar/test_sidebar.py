"""The Sidebar widget: opening chats, the context menu, keys, undo and accessible names."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAccessible, QContextMenuEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QMenu,
    QScrollBar,
    QWidget,
)

from app.core.storage import ConversationStore
from app.ui.sidebar.sidebar import Sidebar
from tests.sidebar.conftest import NOW, create_at, create_many, days_ago, settle, shown_titles

# Popup menus on the offscreen platform: it cannot raise them or grab the keyboard.
POPUP = pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing)")


@pytest.fixture
def chats(store, clock) -> dict[str, int]:
    return {
        "old": create_at(store, clock, days_ago(20), "Old chat"),
        "yesterday": create_at(store, clock, days_ago(1), "Yesterday's chat"),
        "today": create_at(store, clock, NOW - 3600, "Today's chat"),
        "pinned": create_at(store, clock, days_ago(5), "Pinned chat", pinned=True),
    }


@pytest.fixture
def sidebar(make_sidebar, chats) -> Sidebar:
    return make_sidebar()


def row_center(sidebar: Sidebar, conversation_id: int) -> QPoint:
    index = sidebar.model.index_of(conversation_id)
    assert index.isValid()
    return sidebar.list_view.visualRect(index).center()


def click_row(qtbot, sidebar: Sidebar, conversation_id: int) -> None:
    qtbot.mouseClick(sidebar.list_view.viewport(), Qt.MouseButton.LeftButton,
                     pos=row_center(sidebar, conversation_id))


def menu_action(menu: QMenu, text: str):
    for action in menu.actions():
        if action.text() == text:
            return action
    raise AssertionError(f"no {text!r} in {[a.text() for a in menu.actions()]}")


def open_editor(qtbot, sidebar: Sidebar) -> QLineEdit:
    view = sidebar.list_view
    qtbot.waitUntil(lambda: view.state() == QAbstractItemView.State.EditingState)
    editor = view.viewport().findChild(QLineEdit)
    assert editor is not None and editor.isVisible()
    return editor


# -- opening chats ---------------------------------------------------------------------------


def test_a_click_on_a_row_opens_that_chat_once(qtbot, sidebar, chats) -> None:
    opened: list[int] = []
    sidebar.conversationActivated.connect(opened.append)
    click_row(qtbot, sidebar, chats["yesterday"])
    assert opened == [chats["yesterday"]]
    assert sidebar.active_conversation() == chats["yesterday"]


def test_a_double_click_opens_the_chat_once(qtbot, sidebar, chats) -> None:
    opened: list[int] = []
    sidebar.conversationActivated.connect(opened.append)
    # What a double click delivers: a click, then a double-click event (QTest sends only that).
    click_row(qtbot, sidebar, chats["today"])
    qtbot.mouseDClick(sidebar.list_view.viewport(), Qt.MouseButton.LeftButton,
                      pos=row_center(sidebar, chats["today"]))
    assert opened == [chats["today"]]


def test_enter_opens_the_current_row(qtbot, sidebar, chats) -> None:
    view = sidebar.list_view
    view.setFocus()
    view.setCurrentIndex(sidebar.model.index_of(chats["old"]))
    with qtbot.waitSignal(sidebar.conversationActivated) as blocker:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert blocker.args == [chats["old"]]


def test_a_click_on_a_group_header_opens_nothing(qtbot, sidebar) -> None:
    header = sidebar.list_view.visualRect(sidebar.model.index(0, 0)).center()
    with qtbot.assertNotEmitted(sidebar.conversationActivated):
        qtbot.mouseClick(sidebar.list_view.viewport(), Qt.MouseButton.LeftButton, pos=header)
    assert not sidebar.list_view.selectionModel().hasSelection()


def test_keyboard_navigation_steps_over_headers(qtbot, sidebar, chats) -> None:
    view = sidebar.list_view
    view.setFocus()
    view.setCurrentIndex(sidebar.model.index_of(chats["old"]))
    qtbot.keyClick(view, Qt.Key.Key_Home)  # the first row is a header: the chat under it
    assert view.currentIndex() == sidebar.model.index_of(chats["pinned"])
    qtbot.keyClick(view, Qt.Key.Key_PageDown)
    qtbot.keyClick(view, Qt.Key.Key_PageUp)
    assert view.currentIndex() == sidebar.model.index_of(chats["pinned"])
    qtbot.keyClick(view, Qt.Key.Key_Down)  # over "Today"
    assert view.currentIndex() == sidebar.model.index_of(chats["today"])
    qtbot.keyClick(view, Qt.Key.Key_Down)  # over "Yesterday"
    assert view.currentIndex() == sidebar.model.index_of(chats["yesterday"])
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.currentIndex() == sidebar.model.index_of(chats["old"])


def test_new_chat_asks_the_window_and_leaves_search(qtbot, sidebar) -> None:
    sidebar.search_box.setText("chat")
    sidebar.search_now()
    assert sidebar.is_searching()
    with qtbot.waitSignal(sidebar.newChatRequested):
        qtbot.mouseClick(sidebar.new_chat_button, Qt.MouseButton.LeftButton)
    assert not sidebar.is_searching()
    assert sidebar.search_box.text() == ""


def test_select_conversation_highlights_the_active_chat(sidebar, chats) -> None:
    sidebar.select_conversation(chats["old"])
    selected = sidebar.list_view.selectionModel().selectedIndexes()
    assert selected == [sidebar.model.index_of(chats["old"])]
    assert sidebar.active_conversation() == chats["old"]
    sidebar.select_conversation(None)
    assert not sidebar.list_view.selectionModel().hasSelection()


def test_the_active_chat_is_highlighted_once_its_page_arrives(make_sidebar, store,
                                                              clock) -> None:
    ids = create_many(store, clock, 250)
    sidebar = make_sidebar(page_size=100)
    sidebar.select_conversation(ids[0])  # the oldest: not loaded yet
    assert not sidebar.list_view.selectionModel().hasSelection()
    while sidebar.model.canFetchMore(sidebar.model.index(-1, 0)):
        sidebar.model.fetchMore(sidebar.model.index(-1, 0))
    assert sidebar.list_view.selectionModel().selectedIndexes() == [
        sidebar.model.index_of(ids[0])]


def test_scrolling_to_the_end_of_the_list_fetches_more(make_sidebar, store, clock) -> None:
    create_many(store, clock, 1000)
    sidebar = make_sidebar(page_size=100)
    model, view = sidebar.model, sidebar.list_view
    assert model.loaded_count() == 100
    assert view.uniformItemSizes()  # thousands of rows cost no size hints
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    assert model.loaded_count() == 200


def test_the_groups_move_on_just_after_midnight(sidebar, clock) -> None:
    timer = sidebar.day_timer
    assert timer.isSingleShot() and timer.isActive()
    assert timer.interval() == 9 * 3600 * 1000 + 1000  # NOW is 15:00
    clock.now = NOW + 9 * 3600 + 1
    timer.timeout.emit()
    titles = shown_titles(sidebar.model)
    assert "Today" not in titles
    assert titles[titles.index("Yesterday") + 1] == "Today's chat"
    assert timer.interval() == 24 * 3600 * 1000  # the next midnight, 24 h less 1 s, plus 1 s


def test_focus_search_puts_the_cursor_in_the_search_box(qtbot, sidebar) -> None:
    sidebar.search_box.setText("old query")
    sidebar.activateWindow()
    sidebar.focus_search()
    qtbot.waitUntil(sidebar.search_box.hasFocus)
    assert sidebar.search_box.selectedText() == "old query"


# -- context menu ----------------------------------------------------------------------------


def test_the_menu_offers_every_action(sidebar, chats) -> None:
    menu = sidebar.context_menu_for(chats["today"])
    texts = [action.text() for action in menu.actions() if not action.isSeparator()]
    assert texts == ["Rename", "Pin", "Export as Markdown…", "Export as JSON…", "Delete"]
    assert menu.accessibleName() == "Chat actions"
    pinned_menu = sidebar.context_menu_for(chats["pinned"])
    assert menu_action(pinned_menu, "Unpin")


@POPUP
def test_a_right_click_pops_the_menu_up_for_that_row(qtbot, sidebar, chats) -> None:
    viewport = sidebar.list_view.viewport()
    position = row_center(sidebar, chats["yesterday"])
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, position,
                              viewport.mapToGlobal(position))
    QApplication.sendEvent(viewport, event)
    menus = [menu for menu in sidebar.findChildren(QMenu) if menu.isVisible()]
    assert len(menus) == 1
    exported: list[tuple[int, str]] = []
    sidebar.exportRequested.connect(lambda *args: exported.append(args))
    menu_action(menus[0], "Export as JSON…").trigger()
    menus[0].close()
    assert exported == [(chats["yesterday"], "json")]


@POPUP
def test_the_menu_key_pops_the_menu_up_for_the_current_row(qtbot, sidebar, chats) -> None:
    view = sidebar.list_view
    view.setCurrentIndex(sidebar.model.index_of(chats["old"]))
    event = QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, QPoint(1, 1),
                              view.viewport().mapToGlobal(QPoint(1, 1)))
    QApplication.sendEvent(view.viewport(), event)
    (menu,) = [menu for menu in sidebar.findChildren(QMenu) if menu.isVisible()]
    with qtbot.waitSignal(sidebar.pinned) as blocker:
        menu_action(menu, "Pin").trigger()
    menu.close()
    assert blocker.args == [chats["old"], True]


def test_rename_from_the_menu_edits_the_title_in_place(qtbot, sidebar, store, chats) -> None:
    changes: list[int] = []
    sidebar.model.dataChanged.connect(lambda top, *_: changes.append(top.row()))
    menu_action(sidebar.context_menu_for(chats["old"]), "Rename").trigger()
    editor = open_editor(qtbot, sidebar)
    assert editor.text() == "Old chat"
    assert editor.accessibleName() == "Chat title"
    editor.selectAll()
    qtbot.keyClicks(editor, "Sourdough <starter>")
    with qtbot.waitSignal(sidebar.renamed) as blocker:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert blocker.args == [chats["old"], "Sourdough <starter>"]
    assert store.get_conversation(chats["old"]).title == "Sourdough <starter>"
    assert changes == [sidebar.model.row_of(chats["old"])]


def test_escape_in_the_editor_keeps_the_old_title(qtbot, sidebar, store, chats) -> None:
    assert sidebar.rename_conversation(chats["today"])
    editor = open_editor(qtbot, sidebar)
    editor.setText("Something else")
    with qtbot.assertNotEmitted(sidebar.renamed):
        qtbot.keyClick(editor, Qt.Key.Key_Escape)
        settle()
    assert store.get_conversation(chats["today"]).title == "Today's chat"


def test_pin_and_unpin_from_the_menu_move_the_row(qtbot, sidebar, store, chats) -> None:
    pins: list[tuple[int, bool]] = []
    sidebar.pinned.connect(lambda *args: pins.append(args))
    menu_action(sidebar.context_menu_for(chats["old"]), "Pin").trigger()
    assert shown_titles(sidebar.model)[:3] == ["Pinned", "Pinned chat", "Old chat"]
    assert store.get_conversation(chats["old"]).pinned
    menu_action(sidebar.context_menu_for(chats["old"]), "Unpin").trigger()
    assert shown_titles(sidebar.model)[-2:] == ["Older", "Old chat"]
    assert pins == [(chats["old"], True), (chats["old"], False)]


def test_export_entries_ask_the_window_with_the_format(qtbot, sidebar, chats) -> None:
    exported: list[tuple[int, str]] = []
    sidebar.exportRequested.connect(lambda *args: exported.append(args))
    menu_action(sidebar.context_menu_for(chats["today"]), "Export as Markdown…").trigger()
    menu_action(sidebar.context_menu_for(chats["today"]), "Export as JSON…").trigger()
    assert exported == [(chats["today"], "markdown"), (chats["today"], "json")]
    with pytest.raises(ValueError, match="format"):
        sidebar.request_export(chats["today"], "pdf")


# -- delete and undo ---------------------------------------------------------------------------


def test_delete_removes_the_row_and_offers_undo(qtbot, sidebar, store, chats) -> None:
    with qtbot.waitSignal(sidebar.deleted) as blocker:
        menu_action(sidebar.context_menu_for(chats["yesterday"]), "Delete").trigger()
    assert blocker.args == [chats["yesterday"]]
    assert sidebar.model.row_of(chats["yesterday"]) == -1
    assert "Yesterday" not in shown_titles(sidebar.model)
    assert store.get_conversation(chats["yesterday"]).deleted_at is not None
    assert sidebar.undo_bar.isVisible()
    assert sidebar.undo_bar.label.text() == "Chat deleted"
    assert sidebar.undo_bar.timer.isActive() and sidebar.undo_bar.timer.isSingleShot()
    assert sidebar.undo_bar.timer.interval() == 10_000


def test_undo_restores_the_chat_in_its_place(qtbot, sidebar, store, chats) -> None:
    before = shown_titles(sidebar.model)
    sidebar.delete_conversation(chats["yesterday"])
    with qtbot.waitSignal(sidebar.restored) as blocker:
        qtbot.mouseClick(sidebar.undo_bar.undo_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [chats["yesterday"]]
    assert shown_titles(sidebar.model) == before
    assert store.get_conversation(chats["yesterday"]).deleted_at is None
    assert chats["yesterday"] in store.conversation_ids()
    assert not sidebar.undo_bar.isVisible()
    assert not sidebar.undo_delete()  # nothing left to undo


def test_without_undo_the_chat_stays_deleted(qtbot, make_sidebar, store, chats) -> None:
    sidebar = make_sidebar(undo_seconds=0.05)
    sidebar.delete_conversation(chats["today"])
    with qtbot.waitSignal(sidebar.undo_bar.expired, timeout=2000):
        pass
    assert not sidebar.undo_bar.isVisible()
    assert not sidebar.undo_delete()
    assert store.get_conversation(chats["today"]).deleted_at is not None
    assert chats["today"] not in store.conversation_ids()
    assert sidebar.model.row_of(chats["today"]) == -1


def test_a_second_delete_replaces_the_undo_offer(qtbot, sidebar, store, chats) -> None:
    sidebar.delete_conversation(chats["today"])
    sidebar.delete_conversation(chats["old"])
    assert sidebar.undo_delete()
    assert store.get_conversation(chats["old"]).deleted_at is None
    assert store.get_conversation(chats["today"]).deleted_at is not None


def test_the_delete_key_deletes_the_current_chat(qtbot, sidebar, store, chats) -> None:
    click_row(qtbot, sidebar, chats["old"])
    with qtbot.waitSignal(sidebar.deleted) as blocker:
        qtbot.keyClick(sidebar.list_view, Qt.Key.Key_Delete)
    assert blocker.args == [chats["old"]]
    assert store.get_conversation(chats["old"]).deleted_at is not None
    assert sidebar.undo_bar.isVisible()


def test_f2_renames_the_current_chat(qtbot, sidebar, store, chats) -> None:
    click_row(qtbot, sidebar, chats["today"])
    qtbot.keyClick(sidebar.list_view, Qt.Key.Key_F2)
    editor = open_editor(qtbot, sidebar)
    editor.setText("Renamed with F2")
    with qtbot.waitSignal(sidebar.renamed):  # the editor commits once it has the key
        qtbot.keyClick(editor, Qt.Key.Key_Enter)
    assert store.get_conversation(chats["today"]).title == "Renamed with F2"


def test_the_delete_key_in_the_title_editor_edits_text_only(qtbot, sidebar, store,
                                                            chats) -> None:
    sidebar.rename_conversation(chats["today"])
    editor = open_editor(qtbot, sidebar)
    editor.setCursorPosition(0)
    with qtbot.assertNotEmitted(sidebar.deleted):
        qtbot.keyClick(editor, Qt.Key.Key_Delete)
    assert editor.text() == "oday's chat"


def test_storage_failures_reach_the_window(qtbot, store, chats, app_paths) -> None:
    with ConversationStore.open(app_paths.database, read_only=True) as read_only:
        sidebar = Sidebar(read_only)
        qtbot.addWidget(sidebar)
        with qtbot.waitSignal(sidebar.storageFailed) as blocker:
            assert not sidebar.set_pinned(chats["today"], True)
        assert "Could not save" in blocker.args[0]
        with qtbot.assertNotEmitted(sidebar.deleted):
            assert not sidebar.delete_conversation(chats["today"])
        assert not sidebar.undo_bar.isVisible()


# -- accessibility -----------------------------------------------------------------------------


def accessible_name(widget: QWidget) -> str:
    return QAccessible.queryAccessibleInterface(widget).text(QAccessible.Text.Name)


def test_every_control_has_an_accessible_name(sidebar) -> None:
    sidebar.search_box.setText("shows the clear button")
    sidebar.undo_bar.offer(1)
    controls = [widget for widget in sidebar.findChildren(QWidget)
                if isinstance(widget, QAbstractButton | QLineEdit | QAbstractItemView | QLabel)
                and not isinstance(widget, QScrollBar)]
    assert len(controls) >= 9
    for widget in controls:
        assert accessible_name(widget), f"{widget.metaObject().className()} has no name"
    names = {accessible_name(widget) for widget in controls}
    assert {"New chat", "Search chats", "Clear search", "Conversations", "Search results",
            "No chats match your search", "Chat deleted", "Undo delete", "Dismiss"} <= names
    assert accessible_name(sidebar.undo_bar) == "Deleted chat"


def test_rows_are_read_out_with_their_pinned_state(sidebar, chats) -> None:
    interface = QAccessible.queryAccessibleInterface(sidebar.list_view)
    names = [interface.child(number).text(QAccessible.Text.Name)
             for number in range(interface.childCount())]
    assert "Pinned chat, pinned" in names
    assert "Today" in names
