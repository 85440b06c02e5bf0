"""The messages of one conversation: a list view that scales to long chats and streams.

Streaming touches one row: the model emits `dataChanged` for it, the view measures that row
alone, and lays the rows out again only if its height changed (which reads cached heights
for every other row). While the user is at the bottom the view follows new text; once they
scroll up it stays put and offers "Jump to latest". Clicks on links inside messages are
handled here: section toggles and code Copy act at once, web links are only reported through
`linkActivated`, the view never opens anything itself.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QContextMenuEvent,
    QFocusEvent,
    QGuiApplication,
    QHelpEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QMenu,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from app.ui.chat.action_bar import MessageActionBar, message_menu
from app.ui.chat.delegate import MessageDelegate
from app.ui.chat.follow import ScrollFollower
from app.ui.chat.items import ChatItem, MessageId
from app.ui.chat.markdown import COPY_CODE_PREFIX
from app.ui.chat.message_document import COPY_TOOL_PREFIX, REASONING_SECTION, TOGGLE_PREFIX
from app.ui.chat.message_model import MessageListModel
from app.ui.chat.theme import ChatTheme

log = logging.getLogger(__name__)

ALLOWED_LINK_SCHEMES = frozenset({"http", "https", "mailto"})


class ChatView(QListView):
    """Shows a `MessageListModel` with `MessageDelegate`.

    Signals:
        linkActivated(QUrl): the user clicked an http, https or mailto link in a message; the
            window decides whether and how to open it.
        copyRequested(object): copy the message with this id.
        regenerateRequested(object): answer again in place of this assistant message.
        editRequested(object): edit this user message.
        deleteRequested(object): delete this message.
        siblingRequested(object, int): show the previous (-1) or next (+1) version of a message.
        codeCopied(str): a code block's Copy put this text on the clipboard.
    """

    linkActivated = Signal(QUrl)
    copyRequested = Signal(object)
    regenerateRequested = Signal(object)
    editRequested = Signal(object)
    deleteRequested = Signal(object)
    siblingRequested = Signal(object, int)
    codeCopied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pressed_link: tuple[MessageId, str] | None = None
        self._last_width = -1
        self._model: MessageListModel | None = None

        self._delegate = MessageDelegate(self)
        self._delegate.set_theme(ChatTheme.for_palette(self.palette()))
        self._theme_follows_palette = True
        self._delegate.layoutNeeded.connect(self.scheduleDelayedItemsLayout)
        self.setItemDelegate(self._delegate)

        self._follower = ScrollFollower(self)
        self.jump_button = self._follower.jump_button

        self.action_bar = MessageActionBar(self.viewport())
        self.action_bar.copyRequested.connect(self.copyRequested)
        self.action_bar.editRequested.connect(self.editRequested)
        self.action_bar.regenerateRequested.connect(self.regenerateRequested)
        self.action_bar.deleteRequested.connect(self.deleteRequested)
        self.action_bar.siblingRequested.connect(self.siblingRequested)

        self.verticalScrollBar().valueChanged.connect(self._place_action_bar)

        self.setObjectName("chatView")
        self.setAccessibleName("Messages")
        self.setUniformItemSizes(False)
        # Layout stays single-pass: a batched layout finishes after doItemsLayout returns, too
        # late to put the message being read back where it was (see ScrollFollower).
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setMouseTracking(True)
        self.verticalScrollBar().setSingleStep(24)

    # -- public API ----------------------------------------------------------------------

    @property
    def delegate(self) -> MessageDelegate:
        return self._delegate

    def is_following(self) -> bool:
        """Whether new text scrolls into view (the user has not scrolled up)."""
        return self._follower.following

    def scroll_to_latest(self) -> None:
        """Scroll to the bottom and follow new text again (what "Jump to latest" does)."""
        self._follower.follow()

    def set_theme(self, theme: ChatTheme | None) -> None:
        """Use these colours; None follows the palette (light or dark) again."""
        self._theme_follows_palette = theme is None
        self._apply_theme(theme or ChatTheme.for_palette(self.palette()))

    def set_reasoning_expanded_by_default(self, expanded: bool) -> None:
        self._delegate.set_reasoning_expanded_by_default(expanded)
        self.scheduleDelayedItemsLayout()

    def toggle_reasoning(self, message_id: MessageId) -> bool:
        """Open or close a reply's reasoning, keeping the reply where it is on screen."""
        return self._toggle_section(message_id, REASONING_SECTION)

    def item_at(self, pos: QPoint) -> ChatItem | None:
        return self.item_of(self.indexAt(pos))

    def item_of(self, index: QModelIndex | QPersistentModelIndex) -> ChatItem | None:
        """The message at an index, read through the model's Python API.

        Never `index.data(role)` in this package: PySide6 6.12 on Python 3.10/3.11 drops a
        reference to None whenever data() has nothing for a role, which ends in a crash.
        """
        model = self._model
        if model is None or not index.isValid() or not 0 <= index.row() < model.rowCount():
            return None
        return model.item_at(index.row())

    def style_option(self, index: QModelIndex) -> QStyleOptionViewItem:
        """The option the delegate gets for this row (its rectangle in the viewport)."""
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        option.rect = self.visualRect(index)
        return option

    def row_index(self, message_id: MessageId) -> QModelIndex:
        """The index of a message, invalid if the model does not hold it."""
        if self._model is None or (row := self._model.row_of(message_id)) < 0:
            return QModelIndex()
        return self._model.index(row, 0)

    def shown_text(self, message_id: MessageId) -> str:
        """What a message shows right now as plain text (open sections, badges, status)."""
        index = self.row_index(message_id)
        document = self._delegate.document_for(self.style_option(index), index)
        return document.to_plain_text() if document is not None else ""

    def link_rects(self, message_id: MessageId, href: str) -> list[QRect]:
        """Where a link of a message is drawn, in viewport coordinates (empty if not drawn)."""
        index = self.row_index(message_id)
        if not index.isValid():
            return []
        return self._delegate.anchor_rects(self.style_option(index), index, href)

    # -- model and layout ------------------------------------------------------------------

    def setModel(self, model: QAbstractItemModel | None) -> None:
        """Show a `MessageListModel` (the view reads messages through its Python API)."""
        if model is not None and not isinstance(model, MessageListModel):
            raise TypeError(f"ChatView shows a MessageListModel, not {type(model).__name__}")
        if self._model is not None:
            self._model.modelReset.disconnect(self._on_model_reset)
        self._model = model
        super().setModel(model)
        if model is not None:
            model.modelReset.connect(self._on_model_reset)
        self._on_model_reset()

    def message_model(self) -> MessageListModel | None:
        return self._model

    def doItemsLayout(self) -> None:
        """Lay rows out, then keep what the user was reading where it was (or the bottom)."""
        with self._follower.laying_out():
            super().doItemsLayout()
        self._place_action_bar()

    def dataChanged(self, top_left: QModelIndex | QPersistentModelIndex,
                    bottom_right: QModelIndex | QPersistentModelIndex,
                    roles: Sequence[int] = ()) -> None:
        """Measure the changed row(s); lay out again only if a height actually changed.

        QListView's own handler lays out every row (a delayed full layout) for any change, so
        this calls only QAbstractItemView's, which repaints the row. The height the last layout
        used is read first: QListView's item rectangles already ask the delegate for the new one.
        """
        model = self._model
        rows = range(top_left.row(), bottom_right.row() + 1)
        if model is None or len(rows) > 20:
            super().dataChanged(top_left, bottom_right, list(roles))
            return
        laid_out = [self._delegate.last_height(model.item_at(row).message_id) for row in rows]
        QAbstractItemView.dataChanged(self, top_left, bottom_right, list(roles))
        resized = False
        for row, old_height in zip(rows, laid_out, strict=True):
            index = model.index(row, 0)
            resized |= self._delegate.measure(self.style_option(index), index) != old_height
        if resized:
            self.doItemsLayout()
        self._refresh_action_bar()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.viewport().width() != self._last_width:
            self._last_width = self.viewport().width()
            self._delegate.set_view_width(self._last_width)
            self.scheduleDelayedItemsLayout()
        self._follower.place_button()
        self._place_action_bar()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._theme_follows_palette:
            self._apply_theme(ChatTheme.for_palette(self.palette()))
        elif event.type() == QEvent.Type.FontChange:
            self._delegate.clear_caches()
            self.scheduleDelayedItemsLayout()

    # -- mouse and keyboard ----------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        link = self._link_at(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and link is not None:
            self._pressed_link = link
            event.accept()
            return
        self._pressed_link = None
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        pressed, self._pressed_link = self._pressed_link, None
        if event.button() == Qt.MouseButton.LeftButton and pressed is not None:
            if self._link_at(event.position().toPoint()) == pressed:
                self._activate_link(*pressed)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        over_link = self._link_at(pos) is not None
        self.viewport().setCursor(Qt.CursorShape.PointingHandCursor if over_link
                                  else Qt.CursorShape.ArrowCursor)
        item = self.item_at(pos)
        if item is not None and item.message_id != self.action_bar.message_id:
            self._attach_action_bar(item)
        super().mouseMoveEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:  # into the bar (a child) is not leaving
            self.action_bar.hide()
            self.action_bar.message_id = None
        elif event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            link = self._link_at(event.pos())
            if link is not None and not link[1].startswith("osschat:"):
                QToolTip.showText(event.globalPos(), link[1], self.viewport())  # where it goes
                return True
        return super().viewportEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        """Start keyboard navigation at the newest message (Qt would pick the oldest)."""
        model = self._model
        if model is not None and model.rowCount() and not self.currentIndex().isValid():
            self.selectionModel().setCurrentIndex(
                model.index(model.rowCount() - 1, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
        super().focusInEvent(event)

    def currentChanged(self, current: QModelIndex | QPersistentModelIndex,
                       previous: QModelIndex | QPersistentModelIndex) -> None:
        super().currentChanged(current, previous)
        item = self.item_of(current)
        if self.hasFocus() and item is not None:
            self._attach_action_bar(item)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        item = self.item_of(self.currentIndex())
        if event.matches(QKeySequence.StandardKey.Copy) and item is not None:
            self.copyRequested.emit(item.message_id)
            event.accept()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        keyboard = event.reason() == QContextMenuEvent.Reason.Keyboard
        index = self.currentIndex() if keyboard else self.indexAt(event.pos())
        item = self.item_of(index)
        if item is None:
            return
        menu = self.context_menu_for(item)
        menu.exec(event.globalPos())
        menu.deleteLater()

    def context_menu_for(self, item: ChatItem) -> QMenu:
        """The actions for one message, as a menu (also reachable from the keyboard)."""
        shown = self._delegate.is_expanded(item.message_id, REASONING_SECTION)
        return message_menu(self, item, self.action_bar, reasoning_shown=shown,
                            toggle_reasoning=lambda: self.toggle_reasoning(item.message_id))

    # -- internals -------------------------------------------------------------------------

    def _link_at(self, pos: QPoint) -> tuple[MessageId, str] | None:
        index = self.indexAt(pos)
        item = self.item_of(index)
        if item is None:
            return None
        href = self._delegate.anchor_at(self.style_option(index), index, pos)
        return (item.message_id, href) if href else None

    def _activate_link(self, message_id: MessageId, href: str) -> None:
        if href.startswith(TOGGLE_PREFIX):
            self._toggle_section(message_id, href.removeprefix(TOGGLE_PREFIX))
        elif href.startswith((COPY_CODE_PREFIX, COPY_TOOL_PREFIX)):
            self._copy_code(message_id, href)
        else:
            url = QUrl(href)
            if url.scheme().lower() in ALLOWED_LINK_SCHEMES:
                self.linkActivated.emit(url)
            else:
                log.debug("Ignored a link with scheme %r", url.scheme())

    def _copy_code(self, message_id: MessageId, href: str) -> None:
        index = self.row_index(message_id)
        text = self._delegate.copy_text(self.style_option(index), index, href)
        if text is None:
            log.warning("No code behind copy link %s", href)
            return
        QGuiApplication.clipboard().setText(text)
        self.codeCopied.emit(text)

    def _toggle_section(self, message_id: MessageId, section: str) -> bool:
        index = self.row_index(message_id)
        expanded = self._delegate.toggle_section(message_id, section)
        if index.isValid():
            self._follower.pin(message_id)  # the header stays under the pointer
            self._delegate.measure(self.style_option(index), index)
            self.doItemsLayout()
        return expanded

    def _apply_theme(self, theme: ChatTheme) -> None:
        if theme != self._delegate.theme:
            self._delegate.set_theme(theme)
            self.scheduleDelayedItemsLayout()
            self.viewport().update()

    def _on_model_reset(self) -> None:
        self._follower.reset()
        self.action_bar.hide()
        self.action_bar.message_id = None

    def _attach_action_bar(self, item: ChatItem) -> None:
        self.action_bar.show_for(item)
        self._place_action_bar()

    def _refresh_action_bar(self) -> None:
        message_id = self.action_bar.message_id
        if message_id is None:
            return
        item = self.item_of(self.row_index(message_id))
        if item is not None:
            self._attach_action_bar(item)

    def _place_action_bar(self) -> None:
        bar = self.action_bar
        index = self.row_index(bar.message_id) if bar.message_id is not None else QModelIndex()
        if not index.isValid():
            bar.hide()
            return
        footer = self._delegate.footer_rect(self.style_option(index), index)
        if not footer.intersects(self.viewport().rect()):
            bar.hide()
            return
        user = (item := self.item_of(index)) is not None and item.role == "user"
        x = footer.right() - bar.width() if user else footer.left()
        bar.move(x, footer.center().y() - bar.height() // 2)
        bar.show()
        bar.raise_()

