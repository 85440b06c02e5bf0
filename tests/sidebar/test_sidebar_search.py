"""Searching from the sidebar: typing, results, opening a hit, and going back to the list."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.core.storage import ConversationStore
from app.ui.sidebar.sidebar import Sidebar
from tests.sidebar.conftest import settle


def chat(store: ConversationStore, title: str, question: str, answer: str) -> tuple[int, int]:
    """A conversation with a question and a reply; returns its id and the reply's id."""
    conversation = store.create_conversation(title=title)
    store.add_user_message(conversation.id, question)
    writer = store.begin_reply(conversation.id)
    writer.append_answer(answer)
    writer.finish()
    return conversation.id, store.active_branch(conversation.id)[-1].id


@pytest.fixture
def chats(store) -> dict[str, tuple[int, int]]:
    return {
        "bread": chat(store, "Baking", "How long do I knead dough?",
                      "Knead the dough for ten minutes, then let it rise."),
        "html": chat(store, "<b>Markup</b> & tags", "What does <script> do?",
                     "It runs code in the page."),
        "rivers": chat(store, "Rivers", "Which river flows through Lyon?",
                       "The Rhône and the Saône."),
    }


@pytest.fixture
def sidebar(make_sidebar, chats) -> Sidebar:
    return make_sidebar(search_delay_ms=30)


def type_and_wait(qtbot, sidebar: Sidebar, text: str) -> None:
    sidebar.search_box.setFocus()
    qtbot.keyClicks(sidebar.search_box, text)
    qtbot.waitUntil(lambda: not sidebar.search_timer.isActive())
    settle()


def hit_center(sidebar: Sidebar, row: int):
    return sidebar.results_view.visualRect(sidebar.search_model.index(row, 0)).center()


def test_the_search_box_is_labelled_and_clearable(sidebar) -> None:
    box = sidebar.search_box
    assert box.placeholderText() == "Search chats"
    assert box.isClearButtonEnabled()
    assert sidebar.search_timer.isSingleShot()
    assert sidebar.search_timer.parent() is box  # owned by the widget, gone with it


def test_the_default_pause_before_searching_is_200_ms(make_sidebar) -> None:
    assert make_sidebar().search_timer.interval() == 200


def test_typing_searches_once_when_typing_pauses(qtbot, sidebar, chats) -> None:
    searches: list[str] = []
    sidebar.search_model.modelReset.connect(lambda: searches.append(sidebar.search_model.query))
    sidebar.search_box.setFocus()
    qtbot.keyClicks(sidebar.search_box, "dough")
    assert sidebar.search_timer.isActive()
    assert not sidebar.is_searching()  # nothing yet while typing
    qtbot.waitUntil(sidebar.is_searching)
    assert searches == ["dough"]
    assert sidebar.stack.currentWidget() is sidebar.results_view
    results = sidebar.search_model.results()
    assert {result.conversation_id for result in results} == {chats["bread"][0]}
    assert "<b>dough</b>" in results[0].snippet_html


def test_titles_with_markup_are_shown_as_text(qtbot, sidebar, chats) -> None:
    type_and_wait(qtbot, sidebar, "script")
    (hit,) = sidebar.search_model.results()
    assert hit.title == "<b>Markup</b> & tags"
    assert hit.snippet_html == "What does &lt;<b>script</b>&gt; do?"
    sidebar.search_box.clear()
    type_and_wait(qtbot, sidebar, "markup")
    title_hit = sidebar.search_model.results()[0]
    assert title_hit.snippet_html == "&lt;b&gt;<b>Markup</b>&lt;/b&gt; &amp; tags"


def test_no_results_says_so(qtbot, sidebar) -> None:
    type_and_wait(qtbot, sidebar, "zeppelin")
    assert sidebar.stack.currentWidget() is sidebar.no_results_label
    assert sidebar.is_searching()


def test_clearing_the_search_goes_back_to_the_list_at_once(qtbot, sidebar) -> None:
    type_and_wait(qtbot, sidebar, "dough")
    sidebar.search_box.clear()
    assert sidebar.stack.currentWidget() is sidebar.list_view
    assert sidebar.search_model.rowCount() == 0
    assert not sidebar.search_timer.isActive()


def test_deleting_the_text_before_the_pause_never_searches(qtbot, sidebar) -> None:
    with qtbot.assertNotEmitted(sidebar.search_model.modelReset, wait=100):
        sidebar.search_box.setText("dou")
        sidebar.search_box.setText("")
    assert not sidebar.is_searching()


def test_escape_clears_the_search(qtbot, sidebar) -> None:
    type_and_wait(qtbot, sidebar, "dough")
    qtbot.keyClick(sidebar.search_box, Qt.Key.Key_Escape)
    assert sidebar.search_box.text() == ""
    assert not sidebar.is_searching()


def test_enter_searches_without_waiting(qtbot, make_sidebar, chats) -> None:
    sidebar = make_sidebar(search_delay_ms=10_000)
    sidebar.search_box.setText("rhône")
    qtbot.keyClick(sidebar.search_box, Qt.Key.Key_Return)
    assert sidebar.is_searching()
    assert sidebar.search_model.results()[0].conversation_id == chats["rivers"][0]


def test_down_moves_from_the_search_box_into_the_results(qtbot, sidebar) -> None:
    sidebar.activateWindow()
    type_and_wait(qtbot, sidebar, "dough")
    qtbot.keyClick(sidebar.search_box, Qt.Key.Key_Down)
    qtbot.waitUntil(sidebar.results_view.hasFocus)
    assert sidebar.results_view.currentIndex().row() == 0


def test_opening_a_message_hit_opens_the_chat_and_points_at_the_message(qtbot, sidebar,
                                                                       chats) -> None:
    type_and_wait(qtbot, sidebar, "rise")
    conversation_id, reply_id = chats["bread"]
    events: list[tuple] = []
    sidebar.conversationActivated.connect(lambda *args: events.append(("chat", *args)))
    sidebar.messageActivated.connect(lambda *args: events.append(("message", *args)))
    qtbot.mouseClick(sidebar.results_view.viewport(), Qt.MouseButton.LeftButton,
                     pos=hit_center(sidebar, 0))
    assert events == [("chat", conversation_id), ("message", conversation_id, reply_id)]
    assert sidebar.active_conversation() == conversation_id
    assert sidebar.list_view.selectionModel().selectedIndexes() == [
        sidebar.model.index_of(conversation_id)]
    assert sidebar.is_searching()  # the results stay for the next click


def test_opening_a_title_hit_opens_the_chat_only(qtbot, sidebar, chats) -> None:
    type_and_wait(qtbot, sidebar, "rivers")
    assert sidebar.search_model.results()[0].is_title_match
    with (qtbot.assertNotEmitted(sidebar.messageActivated),
          qtbot.waitSignal(sidebar.conversationActivated) as blocker):
        sidebar.results_view.setFocus()
        sidebar.results_view.setCurrentIndex(sidebar.search_model.index(0, 0))
        qtbot.keyClick(sidebar.results_view, Qt.Key.Key_Return)
    assert blocker.args == [chats["rivers"][0]]


def test_a_hits_menu_has_no_rename(sidebar, chats) -> None:
    menu = sidebar.context_menu_for(chats["bread"][0], with_rename=False)
    assert "Rename" not in [action.text() for action in menu.actions()]


def test_deleting_from_the_results_removes_its_hits_and_undo_brings_them_back(
        qtbot, sidebar, store, chats) -> None:
    type_and_wait(qtbot, sidebar, "the")
    conversation_id = chats["bread"][0]
    count = len(sidebar.search_model.results())
    row = next(row for row, hit in enumerate(sidebar.search_model.results())
               if hit.conversation_id == conversation_id)
    sidebar.results_view.setFocus()
    sidebar.results_view.setCurrentIndex(sidebar.search_model.index(row, 0))
    with qtbot.waitSignal(sidebar.deleted):
        qtbot.keyClick(sidebar.results_view, Qt.Key.Key_Delete)
    assert conversation_id not in {hit.conversation_id for hit in sidebar.search_model.results()}
    assert sidebar.model.row_of(conversation_id) == -1
    sidebar.undo_delete()
    assert len(sidebar.search_model.results()) == count
    assert sidebar.model.row_of(conversation_id) >= 0


def test_a_pending_search_waits_while_the_sidebar_is_hidden(qtbot, make_sidebar) -> None:
    sidebar = make_sidebar(search_delay_ms=10)
    sidebar.search_box.setText("dough")
    sidebar.hide()
    assert not sidebar.search_timer.isActive()
    sidebar.show()
    assert sidebar.search_model.query == "dough"
