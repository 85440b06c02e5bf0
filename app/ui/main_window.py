"""The main window: conversations on the left, the chat and the composer on the right."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Slot
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME, __version__
from app.core.engine.config import EngineConfig
from app.core.modelfiles.library import LocalModel
from app.core.storage.models import Conversation
from app.ui.chat import ChatView
from app.ui.chat_controller import ChatController, ModelState
from app.ui.composer import Composer
from app.ui.setup import WelcomeView
from app.ui.sidebar import Sidebar
from app.ui.status_area import StatusArea
from app.ui.tool_consent import ToolConsentBar

log = logging.getLogger(__name__)

_SAFE_SCHEMES = ("http", "https", "mailto")


class MainWindow(QMainWindow):
    def __init__(self, controller: ChatController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._editing: int | None = None
        self.engine_config_provider: Callable[[], EngineConfig] | None = None
        self.setWindowTitle(APP_NAME)
        self.setObjectName("mainWindow")
        self.resize(1100, 740)

        self.sidebar = self._build_sidebar()
        self.chat_view = ChatView()
        self.chat_view.setModel(controller.model)
        self.composer = Composer()
        chat_panel = QWidget()
        chat_panel.setObjectName("chatPanel")
        layout = QVBoxLayout(chat_panel)
        layout.addWidget(self.chat_view, 1)
        self.tool_consent = ToolConsentBar()
        layout.addWidget(self.tool_consent)
        layout.addWidget(self.composer)
        self.pages = QStackedWidget()
        self.pages.addWidget(chat_panel)
        self.chat_panel = chat_panel
        self.welcome: WelcomeView | None = None
        self.splitter = QSplitter()
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([260, 840])
        self.setCentralWidget(self.splitter)
        self.status = StatusArea()
        self.setStatusBar(self.status)
        self._build_menus()
        self._connect()
        self._show_model_state(controller.model_state.value, "")
        self.composer.input.setFocus()

    # -- building ---------------------------------------------------------------------------
    def _build_sidebar(self) -> Sidebar:
        sidebar = Sidebar(self.controller.store)
        sidebar.setObjectName("sidebar")
        return sidebar

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.new_chat_action = self._action(file_menu, "&New chat", QKeySequence.StandardKey.New,
                                            self.new_chat)
        file_menu.addSeparator()
        self.settings_action = self._action(file_menu, "&Settings…",
                                            QKeySequence.StandardKey.Preferences, None)
        self.settings_action.setShortcuts([QKeySequence.StandardKey.Preferences,
                                           QKeySequence("Ctrl+,")])
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", QKeySequence.StandardKey.Quit, self.close)
        edit_menu = bar.addMenu("&Edit")
        self._action(edit_menu, "&Find in chats", QKeySequence.StandardKey.Find,
                     self.focus_search)
        self.stop_action = self._action(edit_menu, "&Stop the reply", None,
                                        self.controller.stop)
        self.stop_action.setEnabled(False)
        view_menu = bar.addMenu("&View")
        self.expand_reasoning_action = self._action(view_menu, "Show &reasoning expanded", None,
                                                    None)
        self.expand_reasoning_action.setCheckable(True)
        self.expand_reasoning_action.toggled.connect(self._toggle_reasoning_default)
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, f"&About {APP_NAME}", None, self.show_about)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Cancel), self, self._escape)

    def _action(self, menu, text: str, shortcut, slot) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if slot is not None:
            action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _connect(self) -> None:
        c, composer, view, status = self.controller, self.composer, self.chat_view, self.status
        composer.sendRequested.connect(self._on_send)
        composer.stopRequested.connect(c.stop)
        composer.effortChanged.connect(c.set_effort)
        composer.pythonAllowed.connect(
            lambda allowed: c.set_python_tool("ask" if allowed else "off"))
        c.toolConsentRequested.connect(self.tool_consent.ask)
        self.tool_consent.approved.connect(lambda always: c.approve_tool(always=always))
        self.tool_consent.denied.connect(c.deny_tool)
        c.generatingChanged.connect(self._on_generating)
        c.modelStateChanged.connect(self._show_model_state)
        c.modelLoaded.connect(status.show_model)
        c.promptProgress.connect(status.show_prompt_progress)
        c.replyFinished.connect(status.show_reply_stats)
        c.contextUsage.connect(status.show_context)
        c.notice.connect(lambda text: status.showMessage(text, 10000))
        c.conversationOpened.connect(self._on_conversation_opened)
        view.regenerateRequested.connect(c.regenerate)
        view.editRequested.connect(self.start_edit)
        view.siblingRequested.connect(c.switch_sibling)
        view.deleteRequested.connect(c.delete_message)
        view.copyRequested.connect(self._copy_message)
        view.linkActivated.connect(self._open_link)
        sidebar = self.sidebar
        sidebar.conversationActivated.connect(self._open_conversation)
        sidebar.messageActivated.connect(self._show_message)
        sidebar.newChatRequested.connect(self.new_chat)
        sidebar.exportRequested.connect(self.export_conversation)
        sidebar.deleted.connect(self._on_conversation_deleted)
        sidebar.renamed.connect(self._on_conversation_renamed)
        sidebar.storageFailed.connect(lambda text: status.showMessage(text, 15000))
        c.conversationChanged.connect(sidebar.conversation_changed)

    # -- first run --------------------------------------------------------------------------
    def show_welcome(self, welcome: WelcomeView) -> None:
        """No model yet: the set-up view takes the chat's place until a model is ready."""
        self.welcome = welcome
        self.pages.addWidget(welcome)
        self.pages.setCurrentWidget(welcome)
        welcome.modelReady.connect(self._on_model_ready)

    @Slot(object)
    def _on_model_ready(self, model: LocalModel) -> None:
        self.controller.load_model(model.path, self.engine_config())
        self.close_welcome()

    def close_welcome(self) -> None:
        welcome, self.welcome = self.welcome, None
        self.pages.setCurrentWidget(self.chat_panel)
        if welcome is not None:
            welcome.shutdown(2.0)
            self.pages.removeWidget(welcome)
            welcome.deleteLater()
        self.composer.input.setFocus()

    def engine_config(self) -> EngineConfig | None:
        """The engine settings to load with (the app's preferences set this)."""
        return self.engine_config_provider() if self.engine_config_provider else None

    # -- actions ----------------------------------------------------------------------------
    @Slot()
    def new_chat(self) -> None:
        self.controller.new_chat()
        self.sidebar.select_conversation(None)

    @Slot()
    def focus_search(self) -> None:
        self.sidebar.focus_search()

    @Slot(int)
    def _open_conversation(self, conversation_id: int) -> None:
        current = self.controller.conversation
        if current is None or current.id != conversation_id:
            self.controller.open_conversation(conversation_id)

    @Slot(int, int)
    def _show_message(self, conversation_id: int, message_id: int) -> None:
        index = self.chat_view.row_index(message_id)
        if index.isValid():
            self.chat_view.scrollTo(index)

    @Slot(int)
    def _on_conversation_deleted(self, conversation_id: int) -> None:
        self.controller.tools.python.close_conversation(conversation_id)
        current = self.controller.conversation
        if current is not None and current.id == conversation_id:
            self.controller.stop()
            self.controller.new_chat()

    @Slot(int, str)
    def _on_conversation_renamed(self, conversation_id: int, title: str) -> None:
        current = self.controller.conversation
        if current is not None and current.id == conversation_id:
            self.setWindowTitle(f"{title} — {APP_NAME}")

    @Slot(int, str)
    def export_conversation(self, conversation_id: int, fmt: str) -> QFileDialog:
        """Ask where to save (without blocking), then write the Markdown or JSON export."""
        store = self.controller.store
        title = store.get_conversation(conversation_id).title or "conversation"
        suffix, kind = (".md", "Markdown (*.md)") if fmt == "markdown" else (".json",
                                                                             "JSON (*.json)")
        safe = "".join(ch if ch.isalnum() or ch in " -_" else "_" for ch in title).strip()
        dialog = QFileDialog(self, "Export conversation", (safe or "conversation") + suffix, kind)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(suffix.lstrip("."))
        dialog.fileSelected.connect(
            lambda path: self._write_export(conversation_id, fmt, Path(path)))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _write_export(self, conversation_id: int, fmt: str, path: Path) -> None:
        store = self.controller.store
        try:
            if fmt == "markdown":
                path.write_text(store.export_markdown(conversation_id), encoding="utf-8")
            else:
                path.write_text(json.dumps(store.export_json(conversation_id), indent=2,
                                           ensure_ascii=False), encoding="utf-8")
        except OSError as exc:
            self.status.showMessage(f"The export could not be written: {exc}", 15000)
        else:
            self.status.showMessage(f"Exported to {path}", 10000)

    def start_edit(self, message_id: int) -> None:
        """Edit & resend: the message's text goes back into the composer."""
        row = self.controller.model.row_of(message_id)
        if row < 0 or self.controller.generating:
            return
        self._editing = message_id
        self.composer.input.setPlainText(self.controller.model.item_at(row).answer)
        self.composer.set_notice("Editing a message: Send makes a new branch; Esc cancels.")
        self.composer.input.setFocus()

    def cancel_edit(self) -> None:
        if self._editing is not None:
            self._editing = None
            self.composer.input.clear()
            self._show_model_state(self.controller.model_state.value, "")

    @Slot(str, str)
    def _on_send(self, text: str, effort: str) -> None:
        editing, self._editing = self._editing, None
        if editing is not None:
            self.controller.set_effort(effort)  # type: ignore[arg-type]
            self.controller.edit(editing, text)
            self._show_model_state(self.controller.model_state.value, "")
        else:
            self.controller.send(text, effort)  # type: ignore[arg-type]
        self.chat_view.scroll_to_latest()

    def _escape(self) -> None:
        if self.controller.generating:
            self.controller.stop()
        else:
            self.cancel_edit()

    @Slot(bool)
    def _on_generating(self, generating: bool) -> None:
        self.composer.set_generating(generating)
        if not generating:
            self.tool_consent.hide()
        self.stop_action.setEnabled(generating)

    @Slot(str, str)
    def _show_model_state(self, state: str, detail: str) -> None:
        self.status.show_model_state(state, detail)
        if self._editing is not None:
            return
        texts = {
            ModelState.NONE.value: "No model yet: download gpt-oss-20b or choose a GGUF file "
                                   "to start chatting.",
            ModelState.LOADING.value: f"Loading the model {detail}… You can write already; "
                                      "your message is sent when it is ready.",
            ModelState.FAILED.value: f"The model could not be loaded: {detail}",
        }
        self.composer.set_notice(texts.get(state, ""))

    @Slot(object)
    def _on_conversation_opened(self, conversation: Conversation | None) -> None:
        self._editing = None
        effort = conversation.effort if conversation else self.controller.default_effort
        self.composer.set_effort(effort)
        python = (conversation.python_tool if conversation
                  else self.controller.default_python_tool)
        self.composer.set_python_allowed(python != "off")
        title = conversation.title if conversation and conversation.title else None
        self.setWindowTitle(f"{title} — {APP_NAME}" if title else APP_NAME)
        if conversation is not None:
            self.sidebar.conversation_changed(conversation.id)
        self.sidebar.select_conversation(conversation.id if conversation else None)
        self.composer.input.setFocus()

    def _copy_message(self, message_id: int) -> None:
        row = self.controller.model.row_of(message_id)
        if row >= 0:
            QGuiApplication.clipboard().setText(self.controller.model.item_at(row).plain_text())

    def _open_link(self, url: QUrl) -> None:
        if url.scheme() in _SAFE_SCHEMES:
            QDesktopServices.openUrl(url)

    def _toggle_reasoning_default(self, checked: bool) -> None:
        self.chat_view.set_reasoning_expanded_by_default(checked)

    def show_about(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, f"About {APP_NAME}",
                          f"{APP_NAME} {__version__}\n\nChat with gpt-oss on your own machine: "
                          "private, offline, through llama.cpp.", parent=self)
        box.open()
