"""Start the GUI: the QApplication, the store, the engine thread, and the main window."""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from app import APP_ID, APP_NAME, __version__
from app.core.modelfiles.library import ModelLibrary
from app.core.paths import AppPaths
from app.core.resources import APP_ICON, resource_path
from app.core.storage import ConversationStore, StorageError
from app.ui.chat_controller import ChatController
from app.ui.crash import CrashReporter
from app.ui.main_window import MainWindow
from app.ui.preferences import Preferences
from app.ui.qt_logging import install_qt_message_handler
from app.ui.services.engine_service import EngineService
from app.ui.setup import WelcomeView

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
    if sys.platform == "win32":  # one taskbar button with the Start-menu entry's icon
        import ctypes

        ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID(APP_ID)
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setWindowIcon(QIcon(str(resource_path(APP_ICON))))
    return app


@dataclass
class AppSession:
    """Everything one window needs, so that the app and the tests build it the same way."""

    paths: AppPaths
    store: ConversationStore
    engine: EngineService
    controller: ChatController
    window: MainWindow
    library: ModelLibrary
    preferences: Preferences

    @classmethod
    def start(cls, paths: AppPaths, engine: EngineService | None = None) -> AppSession:
        """Open the store and build the window; raises StorageError when the store cannot open."""
        store = ConversationStore.open(paths.database)
        engine = engine or EngineService()
        controller = ChatController(store, engine)
        window = MainWindow(controller)
        library = ModelLibrary(paths)
        preferences = Preferences(paths, window, controller, library)
        session = cls(paths, store, engine, controller, window, library, preferences)
        window.engine_config_provider = preferences.settings.engine_config
        preferences.reloadRequested.connect(session.reload_model)
        for notice in (store.notice, preferences.notice, *library.notices):
            if notice:
                window.status.showMessage(notice, 30000)
        session._reopen_last_conversation()
        return session

    def _reopen_last_conversation(self) -> None:
        last = self.preferences.settings.last_conversation_id
        if last is None:
            return
        try:
            conversation = self.store.get_conversation(last)
        except LookupError:
            return
        if conversation.deleted_at is None:
            self.controller.open_conversation(last)

    def default_model(self, requested: Path | None) -> Path | None:
        if requested is not None:
            return requested
        default = self.library.default
        return default.path if default is not None and default.usable else None

    def start_model(self, requested: Path | None) -> None:
        """Load the model, or show the set-up view when there is none yet."""
        path = self.default_model(requested)
        if path is None:
            self.window.show_welcome(WelcomeView(self.paths, self.library))
        else:
            self.controller.load_model(path, self.preferences.settings.engine_config())

    def reload_model(self) -> None:
        path = self.default_model(None) or (
            Path(self.controller.model_info.path) if self.controller.model_info else None)
        if path is not None:
            self.controller.load_model(path, self.preferences.settings.engine_config())

    def close(self) -> None:
        self.preferences.save_window()
        if self.window.welcome is not None:
            self.window.close_welcome()
        self.controller.stop()
        self.controller.tools.python.shutdown()
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
    QTimer.singleShot(0, lambda: session.start_model(model))
    try:
        return app.exec()
    finally:
        session.close()
        reporter.uninstall()
