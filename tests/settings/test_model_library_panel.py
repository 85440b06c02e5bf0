"""The Model page: listing, adding (and refusing), removing, choosing the default."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QMessageBox

from app.core.modelfiles.library import ModelLibrary
from app.ui.model_library_panel import COLUMNS, ModelLibraryPanel
from tests.settings.conftest import DialogFactory

NAME = "tiny-random-gpt-oss"


def rows(panel: ModelLibraryPanel) -> list[dict[str, str]]:
    tree = panel.tree
    return [{column: tree.topLevelItem(row).text(index) for index, column in enumerate(COLUMNS)}
            for row in range(tree.topLevelItemCount())]


def test_adding_a_file_lists_it(qtbot, open_dialog: DialogFactory, library: ModelLibrary,
                                tiny_model: Path) -> None:
    panel = open_dialog().model_panel
    assert rows(panel) == []
    with qtbot.waitSignal(panel.modelsChanged):
        model = panel.add_model_file(tiny_model)
    assert model is not None
    assert rows(panel) == [{
        "Name": NAME, "Size": QLocale().formattedDataSize(tiny_model.stat().st_size),
        "Quantization": "F32", "Status": "Added", "Path": str(tiny_model)}]
    assert panel.selected_model() == model
    assert panel.message.isVisible() and panel.message.text() == f"Added {NAME}."
    assert library.models() == [model]  # the library has it at once


def test_a_file_that_is_not_a_model_shows_why(qtbot, open_dialog: DialogFactory,
                                              library: ModelLibrary, tmp_path: Path) -> None:
    notes = tmp_path / "notes.gguf"
    notes.write_bytes(b"PK\x03\x04 a zip file")
    panel = open_dialog().model_panel
    with qtbot.assertNotEmitted(panel.modelsChanged):
        assert panel.add_model_file(notes) is None
    assert panel.message.isVisible()
    assert panel.message.text().startswith(
        "Cannot add notes.gguf: notes.gguf is not a GGUF model file")
    assert panel.message.property("error") is True
    assert rows(panel) == [] and library.models() == []


def test_the_add_button_asks_for_a_file(qtbot, open_dialog: DialogFactory,
                                        tiny_model: Path) -> None:
    panel = open_dialog().model_panel
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    file_dialog = panel.file_dialog
    assert file_dialog is not None and file_dialog.isVisible()
    assert "*.gguf" in file_dialog.nameFilters()[0]
    with qtbot.waitSignal(panel.modelsChanged):
        file_dialog.selectFile(str(tiny_model))
        file_dialog.accept()
    assert [row["Path"] for row in rows(panel)] == [str(tiny_model)]
    qtbot.waitUntil(lambda: panel.file_dialog is None)


def answer(qtbot, panel: ModelLibraryPanel,
           button: QMessageBox.StandardButton) -> tuple[str, str, str, str]:
    """Ask to remove the first model, click `button`; the question's title, text, details
    and the text of its Yes button."""
    panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    box = panel.confirmation
    assert box is not None and box.isVisible()
    yes = box.button(QMessageBox.StandardButton.Yes)
    text = (box.windowTitle(), box.text(), box.informativeText(), yes.text())
    box.button(button).click()
    qtbot.waitUntil(lambda: panel.confirmation is None)
    return text


def test_removing_an_added_file_asks_and_leaves_it_on_disk(
        qtbot, open_dialog: DialogFactory, library: ModelLibrary, tiny_model: Path) -> None:
    library.add_file(tiny_model)
    panel = open_dialog().model_panel
    title, text, info, button = answer(qtbot, panel, QMessageBox.StandardButton.Cancel)
    assert (title, text, button) == ("Remove model", f"Remove {NAME} from the list?", "&Remove")
    assert info == f"The file stays where it is: {tiny_model}"
    assert len(rows(panel)) == 1  # cancelled

    with qtbot.waitSignal(panel.modelsChanged):
        answer(qtbot, panel, QMessageBox.StandardButton.Yes)
    assert rows(panel) == [] and library.models() == []
    assert tiny_model.exists()


def test_removing_a_download_says_it_deletes_the_file(
        qtbot, open_dialog: DialogFactory, library: ModelLibrary,
        downloaded_model: Path) -> None:
    panel = open_dialog().model_panel
    [row] = rows(panel)
    assert row["Status"] == "Downloaded, verified"
    title, text, info, button = answer(qtbot, panel, QMessageBox.StandardButton.Cancel)
    assert (title, text, button) == ("Delete model", f"Delete {NAME}?", "&Delete")
    assert "deletes the downloaded file" in info
    assert downloaded_model.exists()

    answer(qtbot, panel, QMessageBox.StandardButton.Yes)
    assert not downloaded_model.exists()
    assert rows(panel) == [] and library.models() == []
    assert panel.message.text() == f"Deleted {NAME}."


def test_make_default_takes_effect_on_ok_and_asks_to_reload(
        qtbot, open_dialog: DialogFactory, library: ModelLibrary, tiny_model: Path,
        second_model: Path) -> None:
    library.add_file(tiny_model)
    library.add_file(second_model)
    library.set_default(tiny_model)
    dialog = open_dialog()
    panel = dialog.model_panel
    assert [row["Status"] for row in rows(panel)] == ["Default · Added", "Added"]
    panel.select(tiny_model)
    assert not panel.default_button.isEnabled()  # already the default
    panel.select(second_model)
    with qtbot.waitSignal(panel.defaultChosen) as chosen:
        qtbot.mouseClick(panel.default_button, Qt.MouseButton.LeftButton)
    assert chosen.args == [second_model]
    assert [row["Status"] for row in rows(panel)] == ["Added", "Default · Added"]
    assert library.default is not None and library.default.path == tiny_model  # not yet
    assert dialog.reload_notice.text() == \
        "Changes to the default model take effect when the model reloads."

    dialog.accept()
    assert dialog.reload_box is not None
    with qtbot.waitSignal(dialog.reloadRequested):
        dialog.reload_box.button(QMessageBox.StandardButton.Yes).click()
    assert library.default is not None and library.default.path == second_model


def test_cancel_keeps_the_old_default(qtbot, open_dialog: DialogFactory,
                                      library: ModelLibrary, tiny_model: Path,
                                      second_model: Path) -> None:
    library.add_file(tiny_model)
    library.add_file(second_model)
    dialog = open_dialog()
    dialog.model_panel.select(second_model)
    dialog.model_panel.make_default()
    dialog.reject()
    assert library.default is None


def test_removing_the_chosen_default_forgets_it(qtbot, open_dialog: DialogFactory,
                                                library: ModelLibrary, tiny_model: Path,
                                                second_model: Path) -> None:
    library.add_file(tiny_model)
    library.set_default(tiny_model)
    dialog = open_dialog()
    panel = dialog.model_panel
    with qtbot.waitSignal(panel.defaultChosen) as chosen:
        answer(qtbot, panel, QMessageBox.StandardButton.Yes)
    assert chosen.args == [None]
    assert panel.chosen_default() is None
    assert not panel.default_changed()  # the library forgot it as well
    assert dialog.reload_notice.isHidden()
    panel.add_model_file(second_model)
    assert panel.default_button.isEnabled()
    panel.make_default()
    assert dialog.reload_changes() == ["The default model"]


def test_a_missing_file_is_listed_with_its_problem(open_dialog: DialogFactory,
                                                   library: ModelLibrary,
                                                   second_model: Path) -> None:
    library.add_file(second_model)
    second_model.unlink()
    panel = open_dialog().model_panel
    [row] = rows(panel)
    assert row["Size"] == "—"
    assert row["Status"].startswith("Added · Cannot be used:")
    panel.select(second_model)
    assert panel.remove_button.isEnabled() and not panel.default_button.isEnabled()
