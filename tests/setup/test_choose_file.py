"""Choose a GGUF file: accepted files become the default model; others are refused inline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from app.core.modelfiles.library import ModelLibrary
from app.core.paths import AppPaths
from app.ui.setup import WelcomeView
from tests.download.test_library import INVALID
from tests.setup.conftest import ViewFactory

TIMEOUT = 15_000


def wait_idle(qtbot: QtBot, view: WelcomeView) -> None:
    qtbot.waitUntil(view.choose_button.isEnabled, timeout=TIMEOUT)


def test_a_gpt_oss_file_is_accepted_and_becomes_the_default(
        qtbot: QtBot, make_view: ViewFactory, tiny_model: Path, app_paths: AppPaths) -> None:
    view = make_view()
    with qtbot.waitSignal(view.modelReady, timeout=TIMEOUT) as ready:
        view.add_model_file(tiny_model)
        assert not view.choose_button.isEnabled()  # checked off the GUI thread
        assert view.file_label.text() == f"Checking {tiny_model.name}…"
    model = ready.args[0]
    assert (model.path, model.source, model.name) == (tiny_model, "added",
                                                      "tiny-random-gpt-oss")
    assert ModelLibrary(app_paths).default == model
    assert view.file_label.text() == f"Using {tiny_model.name}."
    assert view.choose_button.isEnabled()


@pytest.mark.parametrize("case", list(INVALID))
def test_files_that_are_not_a_gpt_oss_model_are_refused_with_the_reason(
        qtbot: QtBot, make_view: ViewFactory, tiny_model: Path, app_paths: AppPaths,
        case: str) -> None:
    make, message = INVALID[case]
    path = make(app_paths.cache, tiny_model.read_bytes())
    view = make_view()
    ready: list[object] = []
    view.modelReady.connect(ready.append)
    view.add_model_file(path)
    wait_idle(qtbot, view)
    assert view.file_label.isVisible()
    assert re.search(message, view.file_label.text())
    assert ready == []
    assert ModelLibrary(app_paths).models() == []
    assert ModelLibrary(app_paths).default is None


def test_a_refused_file_then_a_good_one(qtbot: QtBot, make_view: ViewFactory,
                                        tiny_model: Path, tmp_path: Path) -> None:
    from tests.modelgen.gptoss import write_foreign_gguf

    view = make_view()
    view.add_model_file(write_foreign_gguf(tmp_path / "llama.gguf", "llama"))
    wait_idle(qtbot, view)
    assert view.file_label.text() == ("llama.gguf is a GGUF model with architecture 'llama'; "
                                      "OSS Chat runs gpt-oss models only.")
    with qtbot.waitSignal(view.modelReady, timeout=TIMEOUT):
        view.add_model_file(tiny_model)


def test_the_button_opens_a_file_dialog_for_gguf_files(
        qtbot: QtBot, make_view: ViewFactory, tiny_model: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def get_open_file_name(parent: object, caption: str, folder: str,
                           filters: str) -> tuple[str, str]:
        asked.append(filters)
        return str(tiny_model), filters

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(get_open_file_name))
    view = make_view()
    with qtbot.waitSignal(view.modelReady, timeout=TIMEOUT) as ready:
        view.choose_button.click()
    assert ready.args[0].path == tiny_model
    assert "*.gguf" in asked[0]


def test_cancelling_the_file_dialog_changes_nothing(
        qtbot: QtBot, make_view: ViewFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a: ("", "")))
    view = make_view()
    view.choose_button.click()
    assert view.choose_button.isEnabled() and view.file_label.text() == ""
