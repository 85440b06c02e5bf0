"""The user's settings at work: loaded at start, applied to the window, the chat and the
engine, edited in the Settings dialog, and the window's state kept for next time."""

from __future__ import annotations

import dataclasses
import logging

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QApplication

from app.core.modelfiles.library import ModelLibrary
from app.core.paths import AppPaths
from app.core.settings import Settings, SettingsStore
from app.ui.chat_controller import ChatController
from app.ui.main_window import MainWindow
from app.ui.settings_dialog import SettingsDialog
from app.ui.theme import ThemeManager
from app.ui.window_state import restore_window_state, save_window_state

log = logging.getLogger(__name__)


class Preferences(QObject):
    """Owns the settings file and the theme.

    Signals:
        reloadRequested(): the model must be loaded again (context, threads, GPU or default
                           model changed and the user agreed).
    """

    reloadRequested = Signal()

    def __init__(self, paths: AppPaths, window: MainWindow, controller: ChatController,
                 library: ModelLibrary, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = SettingsStore(paths)
        self.settings = self.store.load()
        self.library = library
        self._window, self._controller = window, controller
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self.theme = ThemeManager(app, self)
        self.theme.themeChanged.connect(window.chat_view.set_theme)
        self.dialog: SettingsDialog | None = None
        window.settings_action.triggered.connect(self.open_dialog)
        window.expand_reasoning_action.toggled.connect(self._remember_reasoning_expanded)
        self.apply(self.settings)
        if not restore_window_state(window, window.splitter, self.settings):
            window.resize(1100, 740)

    @property
    def notice(self) -> str | None:
        return self.store.notice

    def apply(self, settings: Settings) -> None:
        self.settings = settings
        window, controller = self._window, self._controller
        window.chat_view.set_theme(self.theme.apply_settings(settings))
        controller.sampling = settings.sampling_config()
        controller.default_instructions = settings.default_instructions
        controller.default_effort = settings.default_effort
        if controller.conversation is None:
            window.composer.set_effort(settings.default_effort)
        window.expand_reasoning_action.setChecked(settings.reasoning_expanded)
        window.chat_view.set_reasoning_expanded_by_default(settings.reasoning_expanded)

    @Slot()
    def open_dialog(self) -> SettingsDialog:
        if self.dialog is not None:
            self.dialog.raise_()
            return self.dialog
        dialog = SettingsDialog(self.settings, self.library, self._window)
        dialog.accepted.connect(lambda: self._save_and_apply(dialog.result_settings()))
        dialog.reloadRequested.connect(lambda _settings: self.reloadRequested.emit())
        dialog.finished.connect(self._forget_dialog)
        self.dialog = dialog
        dialog.open()
        return dialog

    @Slot()
    def _forget_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None

    def _save_and_apply(self, settings: Settings) -> None:
        settings = dataclasses.replace(
            settings, window_geometry=self.settings.window_geometry,
            window_state=self.settings.window_state,
            splitter_sizes=self.settings.splitter_sizes,
            last_conversation_id=self.settings.last_conversation_id)
        self.apply(settings)
        self._save(settings)

    @Slot(bool)
    def _remember_reasoning_expanded(self, expanded: bool) -> None:
        if expanded != self.settings.reasoning_expanded:
            self._save_and_apply(dataclasses.replace(self.settings, reasoning_expanded=expanded))

    def save_window(self) -> None:
        """Window size, splitter and the conversation on screen, for the next start."""
        conversation = self._controller.conversation
        settings = save_window_state(self._window, self._window.splitter, self.settings)
        settings = dataclasses.replace(
            settings, last_conversation_id=conversation.id if conversation else None)
        self._save(settings)

    def _save(self, settings: Settings) -> None:
        try:
            self.store.save(settings)
        except (OSError, ValueError) as exc:
            log.error("Cannot save the settings: %s", exc)
            self._window.status.showMessage(f"The settings could not be saved: {exc}", 15000)
        else:
            self.settings = settings
