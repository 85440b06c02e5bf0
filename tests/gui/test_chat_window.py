"""The main window driven like a user would, through the real engine thread and store."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.gui.conftest import RecordingEngine


def _type_and_send(qtbot, window, text: str) -> None:
    window.composer.input.setPlainText(text)
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)


def _wait_reply_done(qtbot, session) -> None:
    qtbot.waitUntil(lambda: not session.controller.generating, timeout=30000)


def test_send_streams_the_reply_with_reasoning_and_saves_it(qtbot, gui, reply_model) -> None:
    session = gui(reply_model.path)
    window, model = session.window, session.controller.model
    with qtbot.waitSignal(session.controller.generatingChanged, timeout=5000):
        _type_and_send(qtbot, window, "Hi there")
    assert window.composer.send_button.text() == "Stop"
    _wait_reply_done(qtbot, session)
    assert window.composer.send_button.text() == "Send"
    assert window.composer.input.toPlainText() == ""
    assert model.rowCount() == 2
    user, reply = model.item_at(0), model.item_at(1)
    assert (user.role, user.answer) == ("user", "Hi there")
    assert reply.answer == "Hello! **How** can I help?"
    assert reply.reasoning == "The user greets. Answer kindly."
    assert reply.status == "complete" and reply.effort == "medium"
    assert reply.reasoning_seconds is not None
    assert reply.stats and reply.stats["tokens"] > 0
    # Collapsed "Thought for" section by default, and the effort badge.
    shown = window.chat_view.shown_text(reply.message_id)
    assert "Thought for" in shown and "The user greets" not in shown
    # It is in SQLite.
    conversation = session.controller.conversation
    stored = session.store.active_branch(conversation.id)
    assert [m.role for m in stored] == ["user", "assistant"]
    assert stored[1].answer == "Hello! **How** can I help?"
    assert stored[1].reasoning == "The user greets. Answer kindly."
    assert conversation.title == "Hi there"
    assert "tok/s" in window.status.speed_label.text()


def test_shift_enter_inserts_a_newline(qtbot, gui, reply_model) -> None:
    session = gui(reply_model.path)
    composer = session.window.composer
    composer.input.setPlainText("line one")
    composer.input.moveCursor(composer.input.textCursor().MoveOperation.End)
    qtbot.keyClick(composer.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert composer.input.toPlainText() == "line one\n"
    assert session.controller.model.rowCount() == 0


def test_effort_dropdown_reaches_the_prompt_and_the_reply(qtbot, gui, reply_model) -> None:
    session = gui(reply_model.path)
    window = session.window
    window.composer.effort_box.setCurrentIndex(window.composer.effort_box.findData("high"))
    _type_and_send(qtbot, window, "Think hard")
    _wait_reply_done(qtbot, session)
    engine = session.engine.worker.engine
    assert isinstance(engine, RecordingEngine)
    assert "Reasoning: high" in engine.prompts[-1]
    assert session.controller.model.item_at(1).effort == "high"
    assert session.controller.conversation.effort == "high"
    window.composer.effort_box.setCurrentIndex(window.composer.effort_box.findData("low"))
    _type_and_send(qtbot, window, "Quickly now")
    _wait_reply_done(qtbot, session)
    assert "Reasoning: low" in engine.prompts[-1]
    # The earlier turn's reasoning is not sent again; its answer is.
    assert "The user greets" not in engine.prompts[-1]
    assert "Hello! **How** can I help?" in engine.prompts[-1]


def test_stop_keeps_the_partial_reply(qtbot, gui, endless_model) -> None:
    session = gui(endless_model.path)
    window, model = session.window, session.controller.model
    _type_and_send(qtbot, window, "Sing")
    qtbot.waitUntil(lambda: model.rowCount() == 2 and "la li" in model.item_at(1).answer,
                    timeout=20000)
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Escape)
    _wait_reply_done(qtbot, session)
    reply = model.item_at(1)
    assert reply.status == "interrupted"
    assert reply.answer.startswith("la li")
    stored = session.store.get_message(reply.message_id)
    assert stored.status == "interrupted" and stored.answer == reply.answer


def test_regenerate_then_switch_between_versions(qtbot, gui, reply_model) -> None:
    session = gui(reply_model.path)
    window, model, controller = session.window, session.controller.model, session.controller
    _type_and_send(qtbot, window, "Hi")
    _wait_reply_done(qtbot, session)
    first = model.item_at(1).message_id
    window.chat_view.regenerateRequested.emit(first)
    _wait_reply_done(qtbot, session)
    second = model.item_at(1)
    assert second.message_id != first
    assert (second.sibling_index, second.sibling_count) == (2, 2)
    controller.switch_sibling(second.message_id, -1)
    assert model.item_at(1).message_id == first
    assert (model.item_at(1).sibling_index, model.item_at(1).sibling_count) == (1, 2)


def test_edit_a_message_into_a_branch_and_switch_back(qtbot, gui, reply_model) -> None:
    session = gui(reply_model.path)
    window, model, controller = session.window, session.controller.model, session.controller
    _type_and_send(qtbot, window, "First question")
    _wait_reply_done(qtbot, session)
    original = model.item_at(0).message_id
    window.chat_view.editRequested.emit(original)
    assert window.composer.input.toPlainText() == "First question"
    _type_and_send(qtbot, window, "Edited question")
    _wait_reply_done(qtbot, session)
    assert model.rowCount() == 2
    edited = model.item_at(0)
    assert edited.answer == "Edited question" and edited.message_id != original
    assert (edited.sibling_index, edited.sibling_count) == (2, 2)
    assert model.item_at(1).status == "complete"
    engine = session.engine.worker.engine
    assert "Edited question" in engine.prompts[-1] and "First question" not in engine.prompts[-1]
    controller.switch_sibling(edited.message_id, -1)
    assert model.item_at(0).answer == "First question"
    assert model.rowCount() == 2


def test_message_typed_while_loading_is_sent_when_ready(qtbot, gui, reply_model) -> None:
    session = gui()
    controller, window = session.controller, session.window
    assert "No model" in window.composer.notice.text()
    _type_and_send(qtbot, window, "Early bird")
    assert controller.model.rowCount() == 1
    assert session.store.active_branch(controller.conversation.id)[0].answer == "Early bird"
    controller.load_model(reply_model.path)
    _wait_reply_done(qtbot, session)
    qtbot.waitUntil(lambda: controller.model.rowCount() == 2, timeout=30000)
    qtbot.waitUntil(lambda: controller.model.item_at(1).status == "complete", timeout=30000)
    assert controller.model.item_at(1).answer == "Hello! **How** can I help?"


def test_delete_a_message(qtbot, gui, reply_model) -> None:
    session = gui(reply_model.path)
    window, model = session.window, session.controller.model
    _type_and_send(qtbot, window, "Hi")
    _wait_reply_done(qtbot, session)
    window.chat_view.deleteRequested.emit(model.item_at(1).message_id)
    assert model.rowCount() == 1
    assert [m.role for m in session.store.active_branch(session.controller.conversation.id)] \
        == ["user"]
