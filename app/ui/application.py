"""Start the GUI: the QApplication, Qt-to-logging, the crash reporter and the main window."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from app import APP_ID, APP_NAME, __version__
from app.core.paths import AppPaths
from app.core.resources import APP_ICON, resource_path
from app.ui.crash import CrashReporter
from app.ui.main_window import MainWindow
from app.ui.qt_logging import install_qt_message_handler

log = logging.getLogger(__name__)


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QApplication.setApplicationName(APP_NAME)
    QApplication.setApplicationDisplayName(APP_NAME)
    QApplication.setApplicationVersion(__version__)
    QApplication.setOrganizationDomain(APP_ID.rsplit(".", 1)[0])
    QApplication.setDesktopFileName(APP_ID)
    if sys.platform == "win32":  # one taskbar button with the Start-menu entry's icon
        import ctypes

        ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID(APP_ID)
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setWindowIcon(QIcon(str(resource_path(APP_ICON))))
    return app


def run_gui(paths: AppPaths, model: Path | None = None) -> int:
    install_qt_message_handler()
    app = create_application()
    reporter = CrashReporter(app)
    reporter.install()
    window = MainWindow(model_path=model)
    window.show()
    log.info("Window shown; data in %s", paths.data)
    try:
        return app.exec()
    finally:
        reporter.uninstall()
