"""The Settings dialog: current values, validation, new settings, reloading, accessibility."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from app.core.settings import Settings
from tests.settings.conftest import DialogFactory
from tests.settings.test_settings_store import CUSTOM


def type_into(qtbot, spin: QAbstractSpinBox, text: str) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)


def show_page(dialog, widget: QWidget) -> None:
    """Bring the tab holding `widget` to the front, as a user would."""
    for index in range(dialog.tabs.count()):
        if dialog.tabs.widget(index).isAncestorOf(widget):
            dialog.tabs.setCurrentIndex(index)


def test_it_shows_the_current_values(open_dialog: DialogFactory) -> None:
    dialog = open_dialog(CUSTOM)
    assert dialog.context_spin.value() == 32768
    assert not dialog.gpu_auto.isChecked() and dialog.gpu_spin.value() == 10
    assert not dialog.threads_auto.isChecked() and dialog.threads_spin.value() == 8
    assert (dialog.temperature_spin.value(), dialog.top_p_spin.value(),
            dialog.top_k_spin.value(), dialog.min_p_spin.value()) == (0.6, 0.95, 50, 0.05)
    assert not dialog.max_tokens_unlimited.isChecked()
    assert dialog.max_tokens_spin.value() == 2048
    assert dialog.effort_combo.currentText() == "High"
    assert dialog.instructions_edit.toPlainText() == CUSTOM.default_instructions
    assert dialog.reasoning_check.isChecked()
    assert dialog.theme_combo.currentText() == "Dark"
    assert not dialog.font_default.isChecked() and dialog.font_spin.value() == 13
    assert dialog.result_settings() == CUSTOM  # window state and all
    assert dialog.errors() == [] and dialog.ok_button.isEnabled()
    assert dialog.reload_notice.isHidden()


def test_automatic_and_unlimited_values_show_as_such(open_dialog: DialogFactory) -> None:
    dialog = open_dialog(Settings())
    for check, spin in ((dialog.gpu_auto, dialog.gpu_spin),
                        (dialog.threads_auto, dialog.threads_spin),
                        (dialog.max_tokens_unlimited, dialog.max_tokens_spin),
                        (dialog.font_default, dialog.font_spin)):
        assert check.isChecked() and not spin.isEnabled()
        check.setChecked(False)
        assert spin.isEnabled()
    assert dialog.top_k_spin.text() == "Off"
    assert dialog.theme_combo.currentText() == "Follow the system"
    assert dialog.effort_combo.currentText() == "Medium"


def test_a_number_out_of_range_shows_a_message_and_disables_ok(
        qtbot, open_dialog: DialogFactory) -> None:
    dialog = open_dialog()
    show_page(dialog, dialog.context_spin)
    label = dialog.error_labels["context_length"]
    type_into(qtbot, dialog.context_spin, "100")
    assert label.isVisible()
    assert label.text() == "Context length must be between 512 and 131,072 tokens."
    assert dialog.context_spin.accessibleDescription() == label.text()
    assert not dialog.ok_button.isEnabled()
    dialog.accept()  # Enter does nothing either
    assert dialog.isVisible() and dialog.result() == 0

    type_into(qtbot, dialog.context_spin, "4096")
    assert label.isHidden() and dialog.ok_button.isEnabled()
    assert dialog.result_settings().context_length == 4096


# field: (spin box, its "automatic" check box, text typed, start of the message)
INVALID_INPUT = {
    "top_p": ("top_p_spin", None, "0", "Top-p must be more than 0"),
    "font_size": ("font_spin", "font_default", "5", "Font size must be the system's, or 6"),
    "threads": ("threads_spin", "threads_auto", "", "Threads must be automatic, or 1 to 256"),
    "max_reply_tokens": ("max_tokens_spin", "max_tokens_unlimited", "",
                         "Maximum reply length must be at least 1 token"),
}


@pytest.mark.parametrize("field", list(INVALID_INPUT))
def test_other_invalid_input(qtbot, open_dialog: DialogFactory, field: str) -> None:
    widget, check, text, message = INVALID_INPUT[field]
    dialog = open_dialog()
    if check:
        getattr(dialog, check).setChecked(False)
    spin = getattr(dialog, widget)
    show_page(dialog, spin)
    type_into(qtbot, spin, text)
    if not text:
        qtbot.keyClick(spin, Qt.Key.Key_Backspace)
    assert dialog.error_labels[field].isVisible()
    assert dialog.error_labels[field].text().startswith(message)
    assert [error.field for error in dialog.errors()] == [field]
    assert not dialog.ok_button.isEnabled()
    if check:  # back to automatic or unlimited: valid again
        getattr(dialog, check).setChecked(True)
        assert dialog.ok_button.isEnabled()
        assert dialog.error_labels[field].isHidden()


def test_a_valid_edit_gives_the_new_settings_without_a_reload(
        qtbot, open_dialog: DialogFactory) -> None:
    start = Settings(window_geometry="AAAA", splitter_sizes=(200, 600), last_conversation_id=3)
    dialog = open_dialog(start)
    dialog.temperature_spin.setValue(0.7)
    dialog.top_k_spin.setValue(40)
    dialog.max_tokens_unlimited.setChecked(False)
    dialog.max_tokens_spin.setValue(512)
    dialog.effort_combo.setCurrentIndex(dialog.effort_combo.findText("Low"))
    dialog.instructions_edit.setPlainText("Be brief.")
    dialog.reasoning_check.setChecked(True)
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findText("Light"))
    dialog.font_default.setChecked(False)
    dialog.font_spin.setValue(15)
    assert dialog.reload_notice.isHidden()
    with qtbot.assertNotEmitted(dialog.reloadRequested), qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.reload_box is None
    assert dialog.result_settings() == replace(
        start, temperature=0.7, top_k=40, max_reply_tokens=512, default_effort="low",
        default_instructions="Be brief.", reasoning_expanded=True, theme="light", font_size=15)
    assert dialog.reload_confirmed is False


def test_performance_edits_map_to_the_settings(open_dialog: DialogFactory) -> None:
    dialog = open_dialog()
    dialog.gpu_auto.setChecked(False)
    dialog.gpu_spin.setValue(0)
    dialog.threads_auto.setChecked(False)
    dialog.threads_spin.setValue(3)
    settings = dialog.result_settings()
    assert (settings.gpu_layers, settings.threads) == (0, 3)
    assert settings.engine_config().n_gpu_layers == 0


def click(box: QMessageBox, button: QMessageBox.StandardButton) -> None:
    box.button(button).click()


def test_changing_the_context_asks_to_reload_and_reloads_on_yes(
        qtbot, open_dialog: DialogFactory) -> None:
    dialog = open_dialog()
    show_page(dialog, dialog.context_spin)
    dialog.context_spin.setValue(8192)
    assert dialog.reload_notice.isVisible()
    assert dialog.reload_notice.text() == \
        "Changes to context length take effect when the model reloads."
    assert dialog.reload_changes() == ["Context length"]

    dialog.accept()
    box = dialog.reload_box
    assert box is not None and box.isVisible()
    assert box.text() == "Reload the model now?"
    assert dialog.result() == 0 and dialog.isVisible()  # nothing decided yet

    order: list[str] = []
    dialog.accepted.connect(lambda: order.append("accepted"))
    dialog.reloadRequested.connect(lambda settings: order.append(settings.context_length))
    with qtbot.waitSignal(dialog.reloadRequested) as signal:
        click(box, QMessageBox.StandardButton.Yes)
    assert order == ["accepted", 8192]  # the new settings are stored before the reload
    assert signal.args == [dialog.result_settings()]
    assert dialog.reload_confirmed is True
    assert not dialog.isVisible()


def test_later_keeps_the_settings_without_reloading(qtbot, open_dialog: DialogFactory) -> None:
    dialog = open_dialog()
    dialog.threads_auto.setChecked(False)
    dialog.threads_spin.setValue(2)
    dialog.gpu_auto.setChecked(False)
    assert dialog.reload_notice.text() == \
        "Changes to GPU offload and threads take effect when the model reloads."
    dialog.accept()
    assert dialog.reload_box is not None
    with qtbot.assertNotEmitted(dialog.reloadRequested), qtbot.waitSignal(dialog.accepted):
        click(dialog.reload_box, QMessageBox.StandardButton.No)
    assert dialog.result_settings().threads == 2
    assert dialog.reload_confirmed is False


def test_cancel_in_the_question_goes_back_to_the_dialog(qtbot, open_dialog: DialogFactory) -> None:
    dialog = open_dialog()
    dialog.context_spin.setValue(4096)
    dialog.accept()
    assert dialog.reload_box is not None
    with qtbot.assertNotEmitted(dialog.accepted):
        click(dialog.reload_box, QMessageBox.StandardButton.Cancel)
    assert dialog.isVisible() and dialog.reload_box is None
    dialog.context_spin.setValue(16384)  # changed back: nothing to reload any more
    with qtbot.waitSignal(dialog.accepted):
        dialog.accept()
    assert dialog.reload_box is None


def test_cancel_gives_nothing(qtbot, open_dialog: DialogFactory) -> None:
    dialog = open_dialog()
    dialog.context_spin.setValue(4096)
    with qtbot.waitSignal(dialog.rejected), qtbot.assertNotEmitted(dialog.reloadRequested):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.reload_box is None


def test_enter_accepts(qtbot, open_dialog: DialogFactory) -> None:
    dialog = open_dialog()
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findText("Dark"))
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.theme_combo, Qt.Key.Key_Return)
    assert dialog.result_settings().theme == "dark"


def inputs(dialog: QWidget) -> list[QWidget]:
    """Every widget that takes keyboard focus, on every page."""
    return [w for w in dialog.findChildren(QWidget)
            if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.window() is dialog
            and not isinstance(w.parentWidget(), QAbstractSpinBox)]  # its inner line edit


def test_every_control_has_an_accessible_name(open_dialog: DialogFactory) -> None:
    dialog = open_dialog(CUSTOM)
    controls = inputs(dialog)
    assert len(controls) >= 20
    for control in controls:
        interface = QAccessible.queryAccessibleInterface(control)
        name = interface.text(QAccessible.Text.Name)
        assert name, f"{control.metaObject().className()} {control.objectName()} has no name"
        if isinstance(control, (QAbstractSpinBox, QComboBox, QCheckBox, QPlainTextEdit)):
            assert control.accessibleName()  # not only its text (a combo box's is its value)


def test_every_field_has_a_label_with_a_shortcut(open_dialog: DialogFactory) -> None:
    dialog = open_dialog()
    for page_index in range(1, dialog.tabs.count()):
        form = dialog.tabs.widget(page_index).layout()
        assert isinstance(form, QFormLayout)
        for row in range(form.rowCount()):
            label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            if label is None:
                continue  # a check box spanning the row has its own shortcut
            caption = label.widget()
            assert isinstance(caption, QLabel) and "&" in caption.text()
            assert caption.buddy() is not None and caption.buddy().focusPolicy()


def mnemonic(text: str) -> str | None:
    found = re.search(r"&([^&])", text)
    return found.group(1).lower() if found else None


def test_keyboard_shortcuts_do_not_clash(open_dialog: DialogFactory) -> None:
    dialog = open_dialog()
    tabs = [mnemonic(dialog.tabs.tabText(i)) for i in range(dialog.tabs.count())]
    assert None not in tabs and len(set(tabs)) == len(tabs)
    for page_index in range(dialog.tabs.count()):
        page = dialog.tabs.widget(page_index)
        texts = [w.text() for w in page.findChildren(QLabel) + page.findChildren(QAbstractButton)]
        keys = [key for key in map(mnemonic, texts) if key]
        assert len(set(keys)) == len(keys), keys
        assert not set(keys) & set(tabs), (dialog.tabs.tabText(page_index), keys)


def test_focus_moves_through_a_page_with_tab(qtbot, open_dialog: DialogFactory) -> None:
    dialog = open_dialog()
    dialog.tabs.setCurrentIndex(1)  # Performance
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.context_spin.setFocus()
    seen = []
    for _ in range(4):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    assert seen[:2] == [dialog.gpu_auto, dialog.threads_auto]  # the spins are disabled
    dialog.gpu_auto.setChecked(False)
    dialog.context_spin.setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.gpu_spin
    assert isinstance(dialog.gpu_spin, QSpinBox)


def test_the_reload_notice_names_every_change(open_dialog: DialogFactory) -> None:
    dialog = open_dialog()
    dialog.context_spin.setValue(8192)
    dialog.gpu_auto.setChecked(False)
    dialog.threads_auto.setChecked(False)
    assert dialog.reload_notice.text() == ("Changes to context length, GPU offload and threads "
                                           "take effect when the model reloads.")


def test_screen_readers_hear_the_hint_or_the_error(qtbot, open_dialog: DialogFactory) -> None:
    dialog = open_dialog()
    hint = "Automatic uses the"
    assert dialog.threads_auto.accessibleDescription().startswith(hint)
    dialog.threads_auto.setChecked(False)
    show_page(dialog, dialog.threads_spin)
    dialog.threads_spin.setFocus()
    dialog.threads_spin.selectAll()
    qtbot.keyClick(dialog.threads_spin, Qt.Key.Key_Backspace)  # empty: no number yet
    assert dialog.threads_spin.accessibleDescription().startswith("Threads must be")
    type_into(qtbot, dialog.threads_spin, "4")
    assert dialog.threads_spin.accessibleDescription().startswith(hint)
