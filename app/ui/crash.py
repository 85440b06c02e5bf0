"""Uncaught exceptions: logged with their traceback and shown in a dialog, never a silent exit."""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox

from app import APP_NAME

log = logging.getLogger(__name__)


class CrashReporter(QObject):
    """Installs itself as `sys.excepthook` and shows each error in a dialog on the GUI thread.

    Signals:
        reported(str): the formatted traceback, emitted for every uncaught exception
                       (queued, so exceptions in worker threads reach the GUI thread).
    """

    reported = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._previous_hook = sys.excepthook
        self.dialogs: list[QMessageBox] = []
        self.reported.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        sys.excepthook = self._hook

    def uninstall(self) -> None:
        if sys.excepthook == self._hook:
            sys.excepthook = self._previous_hook

    def _hook(self, exc_type: type[BaseException], exc: BaseException,
              tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        log.critical("Uncaught exception:\n%s", text)
        self.reported.emit(text)

    @Slot(str)
    def _show(self, details: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Critical, APP_NAME,
                          f"Something went wrong inside {APP_NAME}. Your conversations are safe; "
                          "the details were written to the log.")
        box.setDetailedText(details)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setObjectName("crashDialog")
        box.finished.connect(lambda _result, b=box: self.dialogs.remove(b))
        self.dialogs.append(box)
        box.open()
