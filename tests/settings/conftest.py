"""Fixtures for the settings tests: a model library, a downloaded model, the dialog."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from app.core.modelfiles.catalog import resolve
from app.core.modelfiles.download import ModelDownloader
from app.core.modelfiles.library import ModelLibrary
from app.core.paths import AppPaths
from app.core.settings import Settings
from app.ui.settings_dialog import SettingsDialog
from tests.download.conftest import FAST_RETRY, REPO, fake_hub, model_bytes  # noqa: F401
from tests.download.fakehub import FakeHub

DialogFactory = Callable[..., SettingsDialog]


@pytest.fixture
def library(app_paths: AppPaths) -> ModelLibrary:
    return ModelLibrary(app_paths)


@pytest.fixture
def second_model(tiny_model: Path, tmp_path: Path) -> Path:
    """Another valid model file, somewhere else."""
    path = tmp_path / "elsewhere" / "second.gguf"
    path.parent.mkdir()
    path.write_bytes(tiny_model.read_bytes())
    return path


@pytest.fixture
def downloaded_model(fake_hub: FakeHub, app_paths: AppPaths) -> Path:  # noqa: F811
    """The tiny model, downloaded by the app from the local fake Hub."""
    return ModelDownloader(app_paths, retry=FAST_RETRY, disk_margin=0).download(resolve(REPO))


@pytest.fixture
def open_dialog(qtbot, library: ModelLibrary) -> DialogFactory:
    """`open_dialog(settings=Settings())`: the dialog, shown and exposed."""
    made: list[SettingsDialog] = []  # alive until the test ends, even if only a part is used

    def make(settings: Settings | None = None) -> SettingsDialog:
        dialog = SettingsDialog(settings or Settings(), library)
        made.append(dialog)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    return make
