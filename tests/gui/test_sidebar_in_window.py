"""The conversation list, search, rename, delete with undo and export, in the real window."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from app.ui.sidebar.conversation_model import ConversationRoles
from app.ui.sidebar.search import SearchRoles


def _chat(qtbot, session, text: str) -> int:
    window = session.window
    window.new_chat()
    window.composer.input.setPlainText(text)
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not session.controller.generating, timeout=30000)
    return session.controller.conversation.id


def _listed(sidebar) -> list[int]:
    model = sidebar.model
    ids = (model.index(row, 0).data(ConversationRoles.ConversationIdRole)
           for row in range(model.rowCount()))
    return [i for i in ids if i is not None]


def test_chats_appear_newest_first_and_open_on_click(qtbot, gui, reply_model) -> None:
    session = gui(reply_model.path)
    sidebar = session.window.sidebar
    first = _chat(qtbot, session, "Tell me about owls")
    second = _chat(qtbot, session, "Tell me about bats")
    assert _listed(sidebar) == [second, first]
    index = sidebar.model.index_of(first)
    rect = sidebar.list_view.visualRect(index)
    qtbot.mouseClick(sidebar.list_view.viewport(), Qt.MouseButton.LeftButton,
                     pos=rect.center())
    assert session.controller.conversation.id == first
    assert session.controller.model.item_at(0).answer == "Tell me about owls"
    assert session.window.windowTitle().startswith("Tell me about owls")


def test_search_finds_message_text_and_opens_the_chat(qtbot, gui, reply_model) -> None:
    session = gui(reply_model.path)
    sidebar = session.window.sidebar
    owls = _chat(qtbot, session, "Tell me about owls")
    _chat(qtbot, session, "Tell me about bats")
    session.window.focus_search()
    qtbot.keyClicks(sidebar.search_box, "owls")
    sidebar.search_now()
    assert sidebar.is_searching()
    results = sidebar.search_model
    hits = [results.index(row, 0) for row in range(results.rowCount())]
    assert hits
    assert {hit.data(SearchRoles.ConversationIdRole) for hit in hits} == {owls}
    assert any("<b>owls</b>" in (hit.data(SearchRoles.SnippetHtmlRole) or "") for hit in hits)
    hit = hits[-1]
    with qtbot.waitSignal(sidebar.conversationActivated):
        sidebar.results_view.activated.emit(hit)
    assert session.controller.conversation.id == owls


def test_rename_and_delete_with_undo(qtbot, gui, reply_model) -> None:
    session = gui(reply_model.path)
    sidebar, store = session.window.sidebar, session.store
    chat = _chat(qtbot, session, "A chat to rename")
    assert sidebar.model.rename(chat, "Owl facts")
    assert store.get_conversation(chat).title == "Owl facts"
    assert session.window.windowTitle().startswith("Owl facts")
    assert sidebar.delete_conversation(chat)
    assert chat not in _listed(sidebar)
    assert session.controller.conversation is None  # the open chat went with it
    assert sidebar.undo_bar.isVisible()
    assert sidebar.undo_delete()
    assert chat in _listed(sidebar)
    assert store.get_conversation(chat).deleted_at is None


def test_export_writes_the_chosen_file(qtbot, gui, reply_model, tmp_path: Path) -> None:
    session = gui(reply_model.path)
    chat = _chat(qtbot, session, "Export me")
    for fmt, name in (("markdown", "chat.md"), ("json", "chat.json")):
        dialog = session.window.export_conversation(chat, fmt)
        assert isinstance(dialog, QFileDialog)
        dialog.fileSelected.emit(str(tmp_path / name))
        dialog.close()
    assert "Export me" in (tmp_path / "chat.md").read_text(encoding="utf-8")
    document = json.loads((tmp_path / "chat.json").read_text(encoding="utf-8"))
    assert document["format"] == "oss-chat-conversation"
    QApplication.processEvents()
