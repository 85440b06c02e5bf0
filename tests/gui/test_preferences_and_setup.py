"""Settings, theme, restored window state and the first-run set-up, in the real window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from app.core.settings import SettingsStore
from app.ui.chat import DARK


def test_settings_dialog_validates_applies_and_persists(qtbot, gui, app_paths) -> None:
    session = gui()
    window = session.window
    window.settings_action.trigger()
    dialog = session.preferences.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.top_p_spin.setValue(0.0)
    assert not dialog.ok_button.isEnabled()
    assert dialog.errors() and dialog.errors()[0].field == "top_p"
    dialog.top_p_spin.setValue(0.9)
    dialog.temperature_spin.setValue(0.7)
    dialog.instructions_edit.setPlainText("Answer in French.")
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("dark"))
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: session.preferences.dialog is None)
    controller = session.controller
    assert controller.sampling.temperature == 0.7 and controller.sampling.top_p == 0.9
    assert controller.default_instructions == "Answer in French."
    assert window.chat_view.delegate.theme == DARK
    stored = SettingsStore(app_paths).load()
    assert (stored.temperature, stored.theme) == (0.7, "dark")


def test_instructions_and_sampling_reach_the_prompt(qtbot, gui, reply_model) -> None:
    session = gui(reply_model.path)
    session.controller.default_instructions = "Answer in French."
    window = session.window
    window.composer.input.setPlainText("Bonjour")
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not session.controller.generating, timeout=30000)
    prompt = session.engine.worker.engine.prompts[-1]
    assert "<|start|>developer<|message|># Instructions\n\nAnswer in French." in prompt


def test_window_state_and_last_conversation_are_restored(qtbot, gui, reply_model) -> None:
    first = gui(reply_model.path)
    first.window.composer.input.setPlainText("Remember me")
    qtbot.keyClick(first.window.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not first.controller.generating, timeout=30000)
    conversation_id = first.controller.conversation.id
    first.window.resize(760, 560)
    first.window.splitter.setSizes([300, 460])
    qtbot.wait(20)
    first.close()
    second = gui()
    assert second.controller.conversation is not None
    assert second.controller.conversation.id == conversation_id
    assert second.controller.model.item_at(0).answer == "Remember me"
    assert (second.window.width(), second.window.height()) == (760, 560)
    assert second.window.splitter.sizes()[0] == 300


def test_first_run_shows_the_set_up_view_and_a_chosen_file_loads(qtbot, gui,
                                                                  reply_model) -> None:
    session = gui()
    session.start_model(None)
    window = session.window
    assert window.welcome is not None
    assert window.pages.currentWidget() is window.welcome
    with qtbot.waitSignal(session.controller.modelLoaded, timeout=60000):
        window.welcome.add_model_file(reply_model.path)
    assert window.welcome is None
    assert window.pages.currentWidget() is window.chat_panel
    assert session.library.default is not None
    assert session.library.default.path == reply_model.path
    window.composer.input.setPlainText("Hi")
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not session.controller.generating, timeout=30000)
    assert session.controller.model.item_at(1).answer == "Hello! **How** can I help?"


def test_copy_message_puts_its_text_on_the_clipboard(qtbot, gui, reply_model) -> None:
    session = gui(reply_model.path)
    window = session.window
    window.composer.input.setPlainText("Hi")
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not session.controller.generating, timeout=30000)
    window.chat_view.copyRequested.emit(session.controller.model.item_at(1).message_id)
    assert QGuiApplication.clipboard().text() == "Hello! **How** can I help?"
