"""Start the GUI: the QApplication, the store, the engine thread, and the main window."""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app import APP_ID, APP_NAME, __version__
from app.core.paths import AppPaths
from app.core.storage import ConversationStore, StorageError
from app.ui.chat_controller import ChatController
from app.ui.crash import CrashReporter
from app.ui.main_window import MainWindow
from app.ui.qt_logging import install_qt_message_handler
from app.ui.services.engine_service import EngineService

log = logging.getLogger(__name__)

# Set to 1, the app prints "shown at <Unix time>" when the window is first painted and quits:
# how the benchmarks time a cold start to the window, from outside the process.
EXIT_AFTER_SHOWN = "OSS_CHAT_EXIT_AFTER_SHOWN"


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QApplication.setApplicationName(APP_NAME)
    QApplication.setApplicationDisplayName(APP_NAME)
    QApplication.setApplicationVersion(__version__)
    QApplication.setOrganizationDomain(APP_ID.rsplit(".", 1)[0])
    QApplication.setDesktopFileName(APP_ID)
    return QApplication(argv if argv is not None else sys.argv[:1])


@dataclass
class AppSession:
    """Everything one window needs, so that the app and the tests build it the same way."""

    paths: AppPaths
    store: ConversationStore
    engine: EngineService
    controller: ChatController
    window: MainWindow

    @classmethod
    def start(cls, paths: AppPaths) -> AppSession:
        """Open the store and build the window; raises StorageError when the store cannot open."""
        store = ConversationStore.open(paths.database)
        engine = EngineService()
        controller = ChatController(store, engine)
        window = MainWindow(controller)
        if store.notice:
            window.status.showMessage(store.notice, 30000)
        return cls(paths, store, engine, controller, window)

    def default_model(self, requested: Path | None) -> Path | None:
        if requested is not None:
            return requested
        from app.core.modelfiles.library import ModelLibrary

        default = ModelLibrary(self.paths).default
        return default.path if default is not None and default.usable else None

    def close(self) -> None:
        self.controller.stop()
        self.engine.shutdown()
        self.store.close()


class _ExitAfterShown(QObject):
    """Reports the first paint of the window, then quits (see EXIT_AFTER_SHOWN)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._report)  # runs once this paint is done
        return False

    @staticmethod
    def _report() -> None:
        if sys.stdout is not None:  # None in a windowed build
            sys.stdout.write(f"shown at {time.time():.6f}\n")
            sys.stdout.flush()
        QApplication.quit()


def run_gui(paths: AppPaths, model: Path | None = None) -> int:
    install_qt_message_handler()
    app = create_application()
    reporter = CrashReporter(app)
    reporter.install()
    try:
        session = AppSession.start(paths)
    except StorageError as exc:
        log.error("Cannot open the conversations: %s", exc)
        QMessageBox.critical(None, APP_NAME, str(exc))
        return 1
    if os.environ.get(EXIT_AFTER_SHOWN) == "1":
        watcher = _ExitAfterShown(session.window)
        session.window.installEventFilter(watcher)
    session.window.show()
    log.info("Window shown; data in %s", paths.data)
    model_path = session.default_model(model)
    if model_path is not None:
        QTimer.singleShot(0, lambda: session.controller.load_model(model_path))
    try:
        return app.exec()
    finally:
        session.close()
        reporter.uninstall()
