"""Application basics: command line, folders, logging, the window, Qt messages and crashes."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer, qWarning
from PySide6.QtWidgets import QApplication, QMessageBox

from app import APP_NAME, __version__
from app.cli import main
from app.core.logs import LOG_FILE_NAME, setup_logging
from app.core.paths import AppPaths
from app.ui.application import AppSession, run_gui
from app.ui.crash import CrashReporter
from app.ui.qt_logging import install_qt_message_handler, remove_qt_message_handler


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True,
                          timeout=60, check=False)


def test_version_and_help_from_python_dash_m() -> None:
    version = _run("--version")
    assert version.returncode == 0
    assert version.stdout.strip() == f"oss-chat {__version__}"
    help_text = _run("--help")
    assert help_text.returncode == 0
    assert "--data-dir DIR" in help_text.stdout and "--model PATH" in help_text.stdout


def test_unknown_option_is_a_usage_error() -> None:
    result = _run("--no-such-option")
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr


def test_missing_model_file_is_refused_with_a_clear_message(tmp_path: Path, capsys) -> None:
    code = main(["--data-dir", str(tmp_path / "d"), "--model", str(tmp_path / "nope.gguf")])
    assert code == 2
    assert "model file not found" in capsys.readouterr().err


def test_data_dir_puts_everything_under_it(tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path / "portable").ensure()
    for folder in (paths.data, paths.config, paths.logs, paths.cache, paths.models):
        assert folder.is_dir()
        assert folder.is_relative_to(tmp_path / "portable")
    assert paths.database.parent == paths.data


def test_platform_default_follows_the_platform_folders(isolated_home: Path) -> None:
    paths = AppPaths.resolve(None)
    assert paths.data == isolated_home / "share" / "oss-chat"
    assert paths.config == isolated_home / "config" / "oss-chat"


def test_logging_goes_to_a_rotating_file(tmp_path: Path) -> None:
    log_file = setup_logging(tmp_path / "logs")
    logging.getLogger("app.test").info("hello from the test")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert log_file.name == LOG_FILE_NAME
    assert "hello from the test" in log_file.read_text(encoding="utf-8")


def test_qt_messages_reach_python_logging(caplog: pytest.LogCaptureFixture, qtlog) -> None:
    install_qt_message_handler()
    try:
        with caplog.at_level(logging.WARNING, logger="qt"):
            qWarning("a Qt warning for the test")
    finally:
        remove_qt_message_handler()
    assert any(r.name == "qt" and "a Qt warning for the test" in r.getMessage()
               for r in caplog.records)


def test_main_window_layout(qtbot, app_paths: AppPaths) -> None:
    session = AppSession.start(app_paths)
    window = session.window
    qtbot.addWidget(window)
    try:
        window.show()
        qtbot.waitExposed(window)
        assert window.windowTitle() == APP_NAME
        assert window.composer.effort() == "medium"
        box = window.composer.effort_box
        assert [box.itemData(i) for i in range(box.count())] == ["low", "medium", "high"]
        assert window.focusWidget() is window.composer.input
        sidebar = window.sidebar
        for widget in (sidebar.new_chat_button, sidebar.search_box, sidebar.list_view,
                       window.chat_view, window.composer.input, box, window.composer.send_button):
            assert widget.accessibleName()
    finally:
        session.close()


def test_uncaught_exception_is_logged_and_shown(qtbot, caplog: pytest.LogCaptureFixture) -> None:
    reporter = CrashReporter()
    reporter.install()
    try:
        try:
            raise RuntimeError("boom for the test")
        except RuntimeError:
            with caplog.at_level(logging.CRITICAL):
                sys.excepthook(*sys.exc_info())
        qtbot.waitUntil(lambda: len(reporter.dialogs) == 1)
    finally:
        reporter.uninstall()
    box = reporter.dialogs[0]
    assert isinstance(box, QMessageBox)
    assert "boom for the test" in box.detailedText()
    assert any("boom for the test" in r.getMessage() for r in caplog.records)
    box.close()


def test_run_gui_opens_the_window_and_writes_the_log(app_paths: AppPaths, qapp) -> None:
    shown: list[str] = []

    def close_soon() -> None:
        shown.extend(w.windowTitle() for w in QApplication.topLevelWidgets() if w.isVisible())
        for widget in QApplication.topLevelWidgets():
            widget.close()  # the last window closing quits, as when the user closes it

    setup_logging(app_paths.logs)
    QTimer.singleShot(0, close_soon)
    assert run_gui(app_paths) == 0
    assert APP_NAME in shown
    remove_qt_message_handler()
    assert "Window shown" in (app_paths.logs / LOG_FILE_NAME).read_text(encoding="utf-8")
