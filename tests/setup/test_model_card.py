"""A model card on its own: what each state shows, and accessible names on every control."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QAbstractButton, QLabel, QProgressBar, QWidget
from pytestqt.qtbot import QtBot

from app.core.engine.memory import Fit, MemoryEstimate
from app.core.modelfiles.catalog import GPT_OSS_20B, RemoteFile, ResolvedModel
from app.core.modelfiles.download import DiskCheck, DownloadPlan
from app.core.modelfiles.progress import DOWNLOADING
from app.ui.setup.model_card import CardState, ModelCard
from tests.setup.conftest import ViewFactory

GB = 1000**3
MODEL = ResolvedModel(GPT_OSS_20B.repo, "c" * 40,
                      (RemoteFile("gpt-oss-20b-mxfp4.gguf", 12 * GB, "0" * 64),))


def plan(free: int, needed: int = 12 * GB) -> DownloadPlan:
    return DownloadPlan(MODEL, DiskCheck(Path("/m"), needed, GB // 2, free), None)


def make_card(qtbot: QtBot) -> ModelCard:
    card = ModelCard(GPT_OSS_20B)
    qtbot.addWidget(card)
    card.show()
    return card


def test_not_enough_disk_and_wont_fit_are_said_plainly(qtbot: QtBot) -> None:
    card = make_card(qtbot)
    memory = MemoryEstimate(12 * GB, GB, GB, 8 * GB, Fit.WONT_FIT, "RAM", None)
    card.show_plan(plan(free=3 * GB), memory)
    assert card.disk_label.text() == "Disk: not enough space (needs 12.5 GB, 3.0 GB free)"
    assert card.memory_label.text().startswith("Memory: won't fit (needs about 14.0 GB")
    assert card.download_button.isEnabled()  # the downloader checks again when it starts


def test_the_buttons_follow_the_download(qtbot: QtBot) -> None:
    card = make_card(qtbot)

    def shown() -> set[str]:
        return {b.text() for b in card.findChildren(QAbstractButton) if b.isVisible()}

    assert shown() == {"Download"} and not card.download_button.isEnabled()  # not planned
    card.show_plan(plan(free=80 * GB), None)
    assert shown() == {"Download"} and card.download_button.isEnabled()
    card.show_starting()
    assert shown() == {"Pause", "Cancel"} and card.progress_bar.isVisible()
    card.show_progress(DOWNLOADING, 3 * GB, 12 * GB, 45e6, 200.0)
    assert card.progress_bar.value() == 250
    assert card.progress_label.text() == "3.0 GB of 12.0 GB · 45.0 MB/s · 3 min left"
    card.show_paused()
    assert shown() == {"Resume", "Cancel"}
    card.show_cancelled()
    assert shown() == {"Resume download (3.0 GB of 12.0 GB)", "Discard"}
    assert card.state is CardState.IDLE and not card.progress_bar.isVisible()
    card.show_failed("The disk is full.", partial=3 * GB)
    assert shown() == {"Retry", "Discard"}
    card.show_failed("damaged, so it was deleted", partial=0)
    assert shown() == {"Retry"}
    card.set_download_allowed(False)  # another model is downloading
    assert not card.retry_button.isEnabled()
    card.show_done("Ready.")
    assert shown() == set()


def test_a_model_downloaded_earlier_is_offered_for_use(qtbot: QtBot) -> None:
    card = make_card(qtbot)
    card.show_plan(plan(free=80 * GB, needed=0), None, complete=True)
    assert card.download_button.text() == "Use it"
    assert card.download_button.accessibleName() == "Use the downloaded gpt-oss-20b"
    assert card.status_label.text() == "Already downloaded and verified."


def test_every_control_has_an_accessible_name(qtbot: QtBot, make_view: ViewFactory) -> None:
    view = make_view()
    controls = [w for w in view.findChildren(QWidget)
                if isinstance(w, (QAbstractButton, QLabel, QProgressBar))]
    assert len(controls) > 15
    assert [w for w in controls if not w.accessibleName()] == []
    names = [b.accessibleName() for b in view.findChildren(QAbstractButton)]
    assert len(names) == len(set(names))  # each button says which model it acts on
