"""Window state: geometry, layout and splitter sizes survive a round trip; garbage is ignored."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QSplitter, QToolBar

from app.core.settings import Settings
from app.ui.window_state import restore_window_state, save_window_state


def make_window(qtbot) -> tuple[QMainWindow, QSplitter]:
    window = QMainWindow()
    qtbot.addWidget(window)
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.addWidget(QLabel("sidebar"))
    splitter.addWidget(QLabel("chat"))
    window.setCentralWidget(splitter)
    toolbar = QToolBar("Main")
    toolbar.setObjectName("mainToolBar")
    window.addToolBar(toolbar)
    window.resize(500, 400)
    splitter.setSizes([200, 500])
    return window, splitter


def test_round_trip(qtbot) -> None:
    window, splitter = make_window(qtbot)
    window.resize(612, 434)
    window.show()
    qtbot.waitExposed(window)
    splitter.setSizes([250, 550])
    window.findChild(QToolBar).setVisible(False)
    saved = save_window_state(window, splitter, Settings(theme="dark"))
    assert saved.theme == "dark"  # the rest stays
    assert saved.window_geometry and saved.window_state
    assert saved.splitter_sizes == tuple(splitter.sizes())
    assert sum(saved.splitter_sizes) > 0

    again, again_splitter = make_window(qtbot)
    assert restore_window_state(again, again_splitter, saved) is True
    again.show()
    qtbot.waitExposed(again)
    assert again.size() == window.size()
    assert again_splitter.sizes() == list(saved.splitter_sizes)
    assert again.findChild(QToolBar).isHidden()


def test_nothing_saved_changes_nothing(qtbot) -> None:
    window, splitter = make_window(qtbot)
    sizes = splitter.sizes()
    assert restore_window_state(window, splitter, Settings()) is False
    assert window.size().width() == 500
    assert splitter.sizes() == sizes


NOT_GEOMETRY = base64.b64encode(b"certainly not a geometry").decode()


def truncated_geometry(length: int) -> str:
    window = QMainWindow()
    window.resize(400, 300)
    data = window.saveGeometry().data()[:length]
    window.deleteLater()
    return base64.b64encode(data).decode()


GARBAGE: dict[str, Callable[[], Settings]] = {
    "not base64": lambda: Settings(window_geometry="%%% not base64 %%%"),
    "random bytes": lambda: Settings(window_geometry=NOT_GEOMETRY, window_state=NOT_GEOMETRY),
    "truncated header": lambda: Settings(window_geometry=truncated_geometry(8)),
    # Qt accepts this one and makes the window one pixel high.
    "truncated record": lambda: Settings(window_geometry=truncated_geometry(-1)),
    "bad layout": lambda: Settings(window_state="!!"),
    "three sizes for two panels": lambda: Settings(splitter_sizes=(100, 200, 300)),
    "all zero": lambda: Settings(splitter_sizes=(0, 0)),
    "huge": lambda: Settings(splitter_sizes=(10**12, 5)),
}


@pytest.mark.parametrize("case", list(GARBAGE))
def test_garbage_is_ignored(qtbot, case: str) -> None:
    window, splitter = make_window(qtbot)
    sizes = splitter.sizes()
    assert restore_window_state(window, splitter, GARBAGE[case]()) is False
    assert window.size().width() == 500
    assert splitter.sizes() == sizes
    window.show()  # and the window still works
    qtbot.waitExposed(window)
    assert window.height() > 100


def test_a_plain_widget_and_no_splitter(qtbot) -> None:
    widget = QLabel("dialog")
    qtbot.addWidget(widget)
    widget.resize(321, 123)
    saved = save_window_state(widget, None, Settings(splitter_sizes=(1, 2)))
    assert saved.splitter_sizes == (1, 2) and saved.window_state is None
    other = QLabel("dialog")
    qtbot.addWidget(other)
    assert restore_window_state(other, None, saved) is True
    assert other.size().width() == 321
