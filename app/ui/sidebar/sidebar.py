"""The sidebar of the main window: New chat, search, the conversation list, and undo.

The sidebar edits conversations itself (rename, pin, delete, undo) through its model, and
reports each change by a signal; what needs the rest of the window (opening a chat,
creating one, choosing where to save an export) is only requested by a signal. The window
tells it about changes made elsewhere (a new message, a generated title) through
`conversation_added` / `conversation_changed` / `conversation_removed`.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QMenu,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.storage import (
    Conversation,
    ConversationId,
    ConversationStore,
    NotFoundError,
    StorageError,
)
from app.ui.sidebar.conversation_model import FIRST_PAGE_SIZE, ConversationListModel
from app.ui.sidebar.delegate import ConversationDelegate, SearchResultDelegate
from app.ui.sidebar.list_view import SidebarListView
from app.ui.sidebar.menu import EXPORT_FORMATS, MenuActions, conversation_menu
from app.ui.sidebar.search import SearchResultsModel
from app.ui.sidebar.search_box import SEARCH_DELAY_MS, SearchBox
from app.ui.sidebar.undo_bar import UNDO_SECONDS, UndoBar

log = logging.getLogger(__name__)


class Sidebar(QWidget):
    """New chat button, search box, conversation list (or search results) and the undo bar.

    Signals:
        conversationActivated(int): open this conversation (click or Enter on a row or hit).
        messageActivated(int, int): a search hit in this message of this conversation was
            opened; emitted after conversationActivated, so the window can scroll to it.
        newChatRequested(): the user wants a new chat; the window creates it, then calls
            `conversation_added` and `select_conversation`.
        exportRequested(int, str): export this conversation as "markdown" or "json"; the
            window asks where to save (`ConversationStore.export_markdown` / `export_json`).
        deleted(int): this conversation was deleted (soft: Undo may still bring it back).
        restored(int): Undo brought this conversation back.
        renamed(int, str): this conversation got this title from the user.
        pinned(int, bool): this conversation was pinned (True) or unpinned (False).
        storageFailed(str): the store could not be read or written; a message for the user.
    """

    conversationActivated = Signal(int)
    messageActivated = Signal(int, int)
    newChatRequested = Signal()
    exportRequested = Signal(int, str)
    deleted = Signal(int)
    restored = Signal(int)
    renamed = Signal(int, str)
    pinned = Signal(int, bool)
    storageFailed = Signal(str)

    def __init__(self, store: ConversationStore, parent: QWidget | None = None, *,
                 clock: Callable[[], float] = time.time, page_size: int = FIRST_PAGE_SIZE,
                 search_delay_ms: int = SEARCH_DELAY_MS,
                 undo_seconds: float = UNDO_SECONDS) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.setAccessibleName("Sidebar")
        self._store = store
        self._clock = clock
        self._active_id: ConversationId | None = None

        self.model = ConversationListModel(store, self, clock=clock, page_size=page_size)
        self.search_model = SearchResultsModel(store, self)
        for model in (self.model, self.search_model):
            model.storageFailed.connect(self.storageFailed)
        self.model.renamed.connect(self.renamed)

        self.new_chat_button = QPushButton("New chat")
        self.new_chat_button.setAccessibleName("New chat")
        self.new_chat_button.setToolTip("Start a new chat")
        self.new_chat_button.clicked.connect(self._request_new_chat)

        self.search_box = SearchBox(delay_ms=search_delay_ms)
        self.search_timer = self.search_box.timer
        self.search_box.searchRequested.connect(self._search)
        self.search_box.searchCleared.connect(self._show_list)
        self.search_box.leaveDownRequested.connect(self._focus_shown_list)

        self.list_view = self._build_list_view()
        self.results_view = self._build_results_view()
        self.no_results_label = QLabel("No chats match your search")
        self.no_results_label.setAccessibleName("No chats match your search")
        self.no_results_label.setAlignment(Qt.AlignmentFlag.AlignHCenter
                                           | Qt.AlignmentFlag.AlignTop)
        self.no_results_label.setWordWrap(True)
        self.stack = QStackedWidget()
        for page in (self.list_view, self.results_view, self.no_results_label):
            self.stack.addWidget(page)

        self.undo_bar = UndoBar(self, seconds=undo_seconds)
        self.undo_bar.undoRequested.connect(self._undo)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.new_chat_button)
        layout.addWidget(self.search_box)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.undo_bar)

        self.day_timer = QTimer(self)
        self.day_timer.setSingleShot(True)
        self.day_timer.timeout.connect(self._new_day)
        self._arm_day_timer()

    # -- building --------------------------------------------------------------------------

    def _build_list_view(self) -> SidebarListView:
        view = SidebarListView()
        view.setObjectName("conversationList")
        view.setAccessibleName("Conversations")
        view.setItemDelegate(ConversationDelegate(view, clock=self._clock))
        view.setModel(self.model)
        view.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)  # F2, as in files
        view.itemActivated.connect(self._open_row)
        view.menuRequested.connect(self._show_row_menu)
        self._add_delete_key(view)
        self.model.rowsInserted.connect(self._restore_selection)
        self.model.modelReset.connect(self._restore_selection)
        return view

    def _build_results_view(self) -> SidebarListView:
        view = SidebarListView()
        view.setObjectName("searchResults")
        view.setAccessibleName("Search results")
        view.setUniformItemSizes(False)  # title matches take one line, message matches three
        view.setItemDelegate(SearchResultDelegate(view))
        view.setModel(self.search_model)
        view.itemActivated.connect(self._open_hit)
        view.menuRequested.connect(self._show_hit_menu)
        self._add_delete_key(view)
        return view

    def _add_delete_key(self, view: SidebarListView) -> None:
        action = QAction("Delete chat", view)
        keys = [QKeySequence(QKeySequence.StandardKey.Delete)]
        if sys.platform == "darwin":  # Finder's Command-Backspace
            keys.append(QKeySequence("Ctrl+Backspace"))
        action.setShortcuts(keys)
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(partial(self._delete_current, view))
        view.addAction(action)

    # -- public API ------------------------------------------------------------------------

    def focus_search(self) -> None:
        """Put the cursor in the search box, its text selected (for the window's Ctrl+F)."""
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def active_conversation(self) -> ConversationId | None:
        return self._active_id

    def select_conversation(self, conversation_id: ConversationId | None) -> None:
        """Highlight the conversation the window shows (None: none); scrolls it into view."""
        self._active_id = conversation_id
        index = self.model.index_of(conversation_id) if conversation_id is not None else None
        selection = self.list_view.selectionModel()
        if index is None or not index.isValid():
            selection.clearSelection()
            return
        selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.list_view.scrollTo(index)

    def is_searching(self) -> bool:
        """Whether search results (or "no results") are shown instead of the list."""
        return self.stack.currentWidget() is not self.list_view

    def search_now(self) -> None:
        """Run the search for the box's text at once, without waiting for a typing pause."""
        self.search_box.search_now()

    def conversation_added(self, conversation_id: ConversationId) -> None:
        self.model.conversation_added(conversation_id)
        if self.is_searching():
            self.search_model.refresh()

    def conversation_changed(self, conversation_id: ConversationId) -> None:
        self.model.conversation_changed(conversation_id)

    def conversation_removed(self, conversation_id: ConversationId) -> None:
        self.model.conversation_removed(conversation_id)
        self.search_model.remove_conversation(conversation_id)
        if self._active_id == conversation_id:
            self._active_id = None

    def rename_conversation(self, conversation_id: ConversationId) -> bool:
        """Open the title editor on the conversation's row; False if the list does not show it."""
        index = self.model.index_of(conversation_id)
        if self.is_searching() or not index.isValid():
            return False
        self.list_view.setCurrentIndex(index)
        self.list_view.scrollTo(index)
        self.list_view.edit(index)
        return True

    def set_pinned(self, conversation_id: ConversationId, pinned: bool) -> bool:
        if not self.model.set_pinned(conversation_id, pinned):
            return False
        index = self.model.index_of(conversation_id)
        if index.isValid() and self.list_view.currentIndex() == index:
            self.list_view.scrollTo(index)
        self.pinned.emit(conversation_id, pinned)
        return True

    def request_export(self, conversation_id: ConversationId, format_name: str) -> None:
        if format_name not in EXPORT_FORMATS:
            raise ValueError(f"unknown export format {format_name!r}")
        self.exportRequested.emit(conversation_id, format_name)

    def delete_conversation(self, conversation_id: ConversationId) -> bool:
        """Delete at once and offer Undo for a few seconds."""
        if not self.model.delete(conversation_id):
            return False
        self.search_model.remove_conversation(conversation_id)
        if self._active_id == conversation_id:
            self._active_id = None
        self.undo_bar.offer(conversation_id)
        self.deleted.emit(conversation_id)
        return True

    def undo_delete(self) -> bool:
        """What the Undo button does; False when there is nothing to undo."""
        if self.undo_bar.conversation_id is None:
            return False
        self.undo_bar.undo_button.click()
        return True

    def context_menu_for(self, conversation_id: ConversationId, *,
                         with_rename: bool = True) -> QMenu | None:
        """The actions for one conversation as a menu (not shown); None if it is gone."""
        conversation = self._conversation(conversation_id)
        if conversation is None:
            return None
        actions = MenuActions(
            rename=partial(self._rename_later, conversation_id) if with_rename else None,
            toggle_pin=partial(self.set_pinned, conversation_id, not conversation.pinned),
            export=partial(self.request_export, conversation_id),
            delete=partial(self.delete_conversation, conversation_id))
        return conversation_menu(self, pinned=conversation.pinned, actions=actions)

    # -- events ----------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        """Catch up on what happened while hidden: a new day, a search still to run.

        Hidden, the sidebar leaves the store alone (the search box drops a pending search),
        which also keeps it from reading a store the window closed while quitting.
        """
        super().showEvent(event)
        self.model.refresh_groups()
        if self.search_box.text().strip() != self.search_model.query:
            self.search_now()

    # -- internals -------------------------------------------------------------------------

    def _conversation(self, conversation_id: ConversationId) -> Conversation | None:
        conversation = self.model.conversation(conversation_id)
        if conversation is not None:
            return conversation
        try:
            return self._store.get_conversation(conversation_id)
        except NotFoundError:
            return None
        except StorageError as error:
            self.storageFailed.emit(str(error))
            return None

    def _request_new_chat(self) -> None:
        self.search_box.clear()
        self.newChatRequested.emit()

    def _search(self, text: str) -> None:
        self.search_model.set_query(text)
        empty = self.search_model.rowCount() == 0
        self.stack.setCurrentWidget(self.no_results_label if empty else self.results_view)

    def _show_list(self) -> None:
        self.search_model.clear()
        self.stack.setCurrentWidget(self.list_view)

    def _focus_shown_list(self) -> None:
        view = self.stack.currentWidget()
        if not isinstance(view, SidebarListView):
            return
        view.setFocus(Qt.FocusReason.TabFocusReason)
        if not view.currentIndex().isValid():
            first = view.moveCursor(QAbstractItemView.CursorAction.MoveHome,
                                    Qt.KeyboardModifier.NoModifier)
            if first.isValid():
                view.setCurrentIndex(first)

    def _open_row(self, index: QModelIndex) -> None:
        conversation = self.model.conversation_at(index.row())
        if conversation is not None:
            self._active_id = conversation.id
            self.conversationActivated.emit(conversation.id)

    def _open_hit(self, index: QModelIndex) -> None:
        result = self.search_model.result_at(index.row())
        if result is None:
            return
        self.select_conversation(result.conversation_id)
        self.conversationActivated.emit(result.conversation_id)
        if result.message_id is not None:
            self.messageActivated.emit(result.conversation_id, result.message_id)

    def _restore_selection(self) -> None:
        """Rows arriving (a page, an undo) select the active chat if nothing else is."""
        if self._active_id is None or self.list_view.selectionModel().hasSelection():
            return
        index = self.model.index_of(self._active_id)
        if index.isValid():
            self.list_view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _show_row_menu(self, index: QModelIndex, position: QPoint) -> None:
        conversation = self.model.conversation_at(index.row())
        menu = self.context_menu_for(conversation.id) if conversation is not None else None
        if menu is not None:
            menu.popup(position)

    def _show_hit_menu(self, index: QModelIndex, position: QPoint) -> None:
        result = self.search_model.result_at(index.row())
        menu = (self.context_menu_for(result.conversation_id, with_rename=False)
                if result is not None else None)
        if menu is not None:
            menu.popup(position)

    def _rename_later(self, conversation_id: ConversationId) -> None:
        """Open the editor once the menu has closed and given focus back to the list."""
        QTimer.singleShot(0, self, partial(self.rename_conversation, conversation_id))

    def _delete_current(self, view: SidebarListView) -> None:
        index = view.currentIndex()
        if view is self.list_view:
            conversation = self.model.conversation_at(index.row())
            conversation_id = conversation.id if conversation is not None else None
        else:
            result = self.search_model.result_at(index.row())
            conversation_id = result.conversation_id if result is not None else None
        if index.isValid() and conversation_id is not None:
            self.delete_conversation(conversation_id)

    def _undo(self, conversation_id: ConversationId) -> None:
        if not self.model.restore(conversation_id):
            return
        self.search_model.refresh()
        self.restored.emit(conversation_id)

    def _arm_day_timer(self) -> None:
        """Wake just after the next local midnight: "Today" becomes "Yesterday" then."""
        now = datetime.fromtimestamp(self._clock())
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time())
        self.day_timer.start(max(1000, int((midnight - now).total_seconds() * 1000) + 1000))

    def _new_day(self) -> None:
        if self.isVisible():  # otherwise showEvent catches up
            self.model.refresh_groups()
        self._arm_day_timer()
