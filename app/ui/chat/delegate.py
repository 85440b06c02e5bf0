"""Paints messages through cached documents, one stacked document per message version.

A view lays out every row to size its scroll bar, so `sizeHint` must be cheap for all of them:
rows whose document has not been built yet get an estimate from their text length, and the
real height replaces it once the row is painted (the delegate then asks for a new layout). So
opening a 2,000-message chat builds documents only for the rows on screen. A message's pieces
(see stacked_document.py) are cached by their HTML, so a streaming update builds only the
piece that changed, and the finished reply reuses the pieces of its last update.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections import OrderedDict
from dataclasses import dataclass

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QTextDocument
from PySide6.QtWidgets import QAbstractScrollArea, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.ui.chat.items import ChatItem, MessageId
from app.ui.chat.markdown import MarkdownRenderer
from app.ui.chat.message_document import (
    REASONING_SECTION,
    build_document,
    compose_message,
    has_reasoning_header,
)
from app.ui.chat.message_model import MessageListModel
from app.ui.chat.stacked_document import StackedDocument
from app.ui.chat.theme import LIGHT, ChatTheme

log = logging.getLogger(__name__)

SIDE_MARGIN = 16
MAX_COLUMN_WIDTH = 820
MIN_TEXT_WIDTH = 120
TOP_PADDING = 10
FOOTER_HEIGHT = 30  # room for the hover action bar and the "‹ 2/3 ›" switcher
BUBBLE_PADDING_X = 12
BUBBLE_PADDING_Y = 8
BUBBLE_RADIUS = 12
BUBBLE_MAX_FRACTION = 0.8
DOCUMENT_CACHE_SIZE = 256
PIECE_CACHE_SIZE = 4096
SIZE_CACHE_LIMIT = 50_000
_Index = QModelIndex | QPersistentModelIndex
_KEYBOARD_FOCUS = QStyle.StateFlag.State_HasFocus | QStyle.StateFlag.State_KeyboardFocusChange

_KnownSize = tuple[int, int, QSize]  # message version, view width, size


@dataclass
class _CachedDocument:
    document: StackedDocument
    copy_texts: dict[str, str]


@dataclass(frozen=True)
class _Geometry:
    """Where a message's parts go inside its row, relative to the row's top left."""

    document_origin: QPointF
    bubble: QRectF | None
    footer: QRect
    height: int


class MessageDelegate(QStyledItemDelegate):
    """Draws each message: user messages in a bubble on the right, replies across the column.

    Signals:
        layoutNeeded(): a row's height was an estimate and painting measured it; the view
            should lay its rows out again (never done from inside a paint event).
        documentBuilt(object): the document of the message with this id was (re)built.
    """

    layoutNeeded = Signal()
    documentBuilt = Signal(object)

    def __init__(self, parent: QObject | None = None, renderer: MarkdownRenderer | None = None):
        super().__init__(parent)
        self._renderer = renderer or MarkdownRenderer()
        self._theme = LIGHT
        self._documents: OrderedDict[tuple[MessageId, int, str, frozenset[str]], _CachedDocument]
        self._documents = OrderedDict()
        self._pieces: OrderedDict[tuple[str, str], QTextDocument] = OrderedDict()
        self._sizes: dict[MessageId, _KnownSize] = {}
        self._width: int | None = None
        self._open_sections: dict[MessageId, frozenset[str]] = {}
        self._reasoning_open_by_default = False
        self.documents_built = 0
        self.pieces_built = 0

    # -- settings ------------------------------------------------------------------------

    @property
    def theme(self) -> ChatTheme:
        return self._theme

    def set_theme(self, theme: ChatTheme) -> None:
        if theme != self._theme:
            self._theme = theme
            self._sizes.clear()

    def set_view_width(self, width: int | None) -> None:
        """The width rows are laid out at (the viewport's), so `sizeHint` need not look it up.

        None makes the delegate read it from each style option instead.
        """
        self._width = width

    @property
    def reasoning_expanded_by_default(self) -> bool:
        return self._reasoning_open_by_default

    def set_reasoning_expanded_by_default(self, expanded: bool) -> None:
        """Whether replies show their reasoning open until the user toggles it."""
        if expanded != self._reasoning_open_by_default:
            self._reasoning_open_by_default = expanded
            self._sizes.clear()

    def open_sections(self, message_id: MessageId) -> frozenset[str]:
        default = frozenset({REASONING_SECTION}) if self._reasoning_open_by_default else frozenset()
        return self._open_sections.get(message_id, default)

    def is_expanded(self, message_id: MessageId, section: str) -> bool:
        return section in self.open_sections(message_id)

    def toggle_section(self, message_id: MessageId, section: str) -> bool:
        """Open or close one section of a message; returns whether it is now open."""
        sections = self.open_sections(message_id) ^ {section}
        self._open_sections[message_id] = sections
        self._sizes.pop(message_id, None)
        return section in sections

    def clear_caches(self) -> None:
        """Forget built documents and heights (after a font change)."""
        self._documents.clear()
        self._pieces.clear()
        self._sizes.clear()
        self._renderer.clear_cache()

    # -- QStyledItemDelegate ---------------------------------------------------------------

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        """Called for every row on every layout: a dictionary lookup in the common case."""
        item, version = _item_of(index)
        if item is None:
            return QSize(0, 0)
        view_width = self._row_width(option)
        known = self._sizes.get(item.message_id)
        if known is not None and known[0] == version and known[1] == view_width:
            return known[2]
        if item.is_streaming:  # the live row is always measured, never estimated
            return QSize(1, self.measure(option, index))
        height = self._estimate(item, option.font, view_width)
        return self._remember_size(item.message_id, version, view_width, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        item, version = _item_of(index)
        if item is None:
            return
        view_width = self._row_width(option)
        cached = self._document(item, version, option)
        geometry = self._geometry(item, cached.document, view_width)
        self._remember_size(item.message_id, version, view_width, geometry.height)
        if geometry.height != option.rect.height():
            self.layoutNeeded.emit()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.translate(option.rect.topLeft())
        if option.state & _KEYBOARD_FOCUS == _KEYBOARD_FOCUS:  # only for keyboard users
            self._paint_focus(painter, option, geometry)
        if geometry.bubble is not None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(self._theme.user_bubble))
            painter.drawRoundedRect(geometry.bubble, BUBBLE_RADIUS, BUBBLE_RADIUS)
        visible = QRectF(_visible_part(option).translated(-option.rect.topLeft()))
        self._paint_document(painter, cached.document, geometry.document_origin, item,
                             visible.translated(-geometry.document_origin))
        if item.sibling_count > 1:
            self._paint_switcher(painter, item, geometry.footer, option.font)
        painter.restore()

    # -- measuring and hit testing (for the view) -------------------------------------------

    def measure(self, option: QStyleOptionViewItem, index: _Index) -> int:
        """The exact height of a row, building its document if needed."""
        item, version = _item_of(index)
        if item is None:
            return 0
        view_width = self._row_width(option)
        cached = self._document(item, version, option)
        height = self._geometry(item, cached.document, view_width).height
        self._remember_size(item.message_id, version, view_width, height)
        return height

    def last_height(self, message_id: MessageId) -> int | None:
        """The height last given for a message (any version), None if never sized."""
        known = self._sizes.get(message_id)
        return known[2].height() if known is not None else None

    def anchor_at(self, option: QStyleOptionViewItem, index: _Index, pos: QPoint) -> str:
        """The link under `pos` (viewport coordinates, `option.rect` is the row), or ""."""
        item, version = _item_of(index)
        if item is None:
            return ""
        cached = self._document(item, version, option)
        geometry = self._geometry(item, cached.document, self._row_width(option))
        local = QPointF(pos - option.rect.topLeft()) - geometry.document_origin
        return cached.document.anchor_at(local)

    def anchor_rects(self, option: QStyleOptionViewItem, index: _Index,
                     href: str) -> list[QRect]:
        """Where the links to `href` are drawn in the row, in viewport coordinates."""
        item, version = _item_of(index)
        if item is None:
            return []
        cached = self._document(item, version, option)
        geometry = self._geometry(item, cached.document, self._row_width(option))
        offset = QPointF(option.rect.topLeft()) + geometry.document_origin
        return [rect.translated(offset).toAlignedRect()
                for rect in cached.document.anchor_rects(href)]

    def copy_text(self, option: QStyleOptionViewItem, index: _Index, href: str) -> str | None:
        """The text a Copy link of this message copies, or None if it has no such link."""
        item, version = _item_of(index)
        if item is None:
            return None
        return self._document(item, version, option).copy_texts.get(href)

    def document_for(self, option: QStyleOptionViewItem,
                     index: _Index) -> StackedDocument | None:
        """The document a row is painted from (built if needed); None for a foreign index."""
        item, version = _item_of(index)
        return self._document(item, version, option).document if item is not None else None

    def document_rect(self, option: QStyleOptionViewItem, index: _Index) -> QRect:
        """Where a row's document is drawn, in viewport coordinates."""
        item, version = _item_of(index)
        if item is None:
            return QRect()
        document = self._document(item, version, option).document
        origin = self._geometry(item, document, self._row_width(option)).document_origin
        return QRect((QPointF(option.rect.topLeft()) + origin).toPoint(),
                     QSize(*document.size_px()))

    def footer_rect(self, option: QStyleOptionViewItem, index: _Index) -> QRect:
        """The strip under a message where its actions go, in viewport coordinates."""
        item, version = _item_of(index)
        if item is None:
            return QRect()
        cached = self._document(item, version, option)
        footer = self._geometry(item, cached.document, self._row_width(option)).footer
        return footer.translated(option.rect.topLeft())

    # -- internals -------------------------------------------------------------------------

    def _row_width(self, option: QStyleOptionViewItem) -> int:
        return self._width if self._width is not None else _view_width(option)

    def _remember_size(self, message_id: MessageId, version: int, view_width: int,
                       height: int) -> QSize:
        """Keep the latest size of each message; theme, section and font changes clear it."""
        if len(self._sizes) >= SIZE_CACHE_LIMIT and message_id not in self._sizes:
            for stale in list(itertools.islice(self._sizes, SIZE_CACHE_LIMIT // 2)):
                del self._sizes[stale]
        size = QSize(1, height)
        self._sizes[message_id] = (version, view_width, size)
        return size

    def _document(self, item: ChatItem, version: int,
                  option: QStyleOptionViewItem) -> _CachedDocument:
        """The message's document laid out at the row's text width, built only if missing."""
        sections = self.open_sections(item.message_id)
        key = (item.message_id, version, self._theme.name, sections)
        text_width = _text_width(item, self._row_width(option))
        cached = self._documents.get(key)
        if cached is None:
            content = compose_message(item, self._theme, sections, self._renderer)
            pieces = [self._piece(html, option.font, text_width) for html in content.pieces]
            cached = _CachedDocument(StackedDocument(pieces), content.copy_texts)
            self._documents[key] = cached
            if len(self._documents) > DOCUMENT_CACHE_SIZE:
                self._documents.popitem(last=False)
            self.documents_built += 1
            self.documentBuilt.emit(item.message_id)
        else:
            self._documents.move_to_end(key)
        cached.document.set_text_width(text_width)  # after a resize, only a new layout
        return cached

    def _piece(self, html: str, font: QFont, text_width: int) -> QTextDocument:
        key = (html, font.key())
        piece = self._pieces.get(key)
        if piece is None:
            piece = self._pieces[key] = build_document(html, font, text_width)
            self.pieces_built += 1
            if len(self._pieces) > PIECE_CACHE_SIZE:
                self._pieces.popitem(last=False)
        else:
            self._pieces.move_to_end(key)
        return piece

    def _geometry(self, item: ChatItem, document: StackedDocument,
                  view_width: int) -> _Geometry:
        left, width = _column(view_width)
        doc_height = math.ceil(document.height())
        if item.role != "user":
            footer = QRect(left, TOP_PADDING + doc_height, width, FOOTER_HEIGHT)
            return _Geometry(QPointF(left, TOP_PADDING), None, footer,
                             TOP_PADDING + doc_height + FOOTER_HEIGHT)
        text_width = min(math.ceil(document.ideal_width()), math.ceil(document.text_width()))
        bubble_width = text_width + 2 * BUBBLE_PADDING_X
        bubble_height = doc_height + 2 * BUBBLE_PADDING_Y
        bubble = QRectF(left + width - bubble_width, TOP_PADDING, bubble_width, bubble_height)
        footer = QRect(left, TOP_PADDING + bubble_height, width, FOOTER_HEIGHT)
        origin = bubble.topLeft() + QPointF(BUBBLE_PADDING_X, BUBBLE_PADDING_Y)
        return _Geometry(origin, bubble, footer, TOP_PADDING + bubble_height + FOOTER_HEIGHT)

    def _estimate(self, item: ChatItem, font: QFont, view_width: int) -> int:
        """A height from the text length alone: good enough for rows not yet on screen."""
        metrics = QFontMetrics(font)
        per_line = max(1, int(_text_width(item, view_width) / max(1, metrics.averageCharWidth())))
        text = item.answer
        if item.role == "assistant" and self.is_expanded(item.message_id, REASONING_SECTION):
            text = f"{item.reasoning}\n{text}"
        lines = sum(max(1, math.ceil(len(line) / per_line)) for line in text.split("\n"))
        lines += 2 * text.count("```")  # code block headers and padding
        if item.role == "assistant" and (item.effort or has_reasoning_header(item)):
            lines += 2
        chrome = FOOTER_HEIGHT + TOP_PADDING + (2 * BUBBLE_PADDING_Y if item.role == "user" else 0)
        return chrome + lines * metrics.lineSpacing()

    def _paint_document(self, painter: QPainter, document: StackedDocument, origin: QPointF,
                        item: ChatItem, visible: QRectF) -> None:
        """Draw only the part on screen: a long reply can be many viewports tall."""
        painter.save()
        painter.translate(origin)
        document.draw(painter, visible,
                      self._theme.user_text if item.role == "user" else self._theme.text)
        painter.restore()

    def _paint_switcher(self, painter: QPainter, item: ChatItem, footer: QRect,
                        font: QFont) -> None:
        """The "‹ 2/3 ›" hint; the hover action bar covers it with real buttons."""
        painter.setFont(font)
        painter.setPen(QColor(self._theme.muted))
        align = Qt.AlignmentFlag.AlignRight if item.role == "user" else Qt.AlignmentFlag.AlignLeft
        text = f"‹ {item.sibling_index}/{item.sibling_count} ›"
        painter.drawText(footer, int(align | Qt.AlignmentFlag.AlignVCenter), text)

    def _paint_focus(self, painter: QPainter, option: QStyleOptionViewItem,
                     geometry: _Geometry) -> None:
        left, width = _column(self._row_width(option))
        frame = QRectF(left - 6, 2, width + 12, geometry.height - 4)
        painter.setPen(QColor(self._theme.muted))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(frame, 6, 6)


def _item_of(index: _Index) -> tuple[ChatItem | None, int]:
    """The message and its version, read through the model's Python API.

    Not `index.data(role)`: that costs two trips through Qt per call, and `sizeHint` runs for
    every row on every layout.
    """
    model = index.model()
    if not isinstance(model, MessageListModel):
        return None, 0
    return model.entry_at(index.row())


def _view_width(option: QStyleOptionViewItem) -> int:
    """The width rows are laid out at: the viewport's (sizeHint's option has no row rect)."""
    widget = option.widget
    if isinstance(widget, QAbstractScrollArea):
        return int(widget.viewport().width())
    return int(option.rect.width())


def _visible_part(option: QStyleOptionViewItem) -> QRect:
    """The part of the row inside the viewport, in viewport coordinates."""
    widget = option.widget
    if isinstance(widget, QAbstractScrollArea):
        return option.rect.intersected(widget.viewport().rect())
    return QRect(option.rect)


def _column(view_width: int) -> tuple[int, int]:
    """The left edge and width of the centred reading column."""
    width = max(MIN_TEXT_WIDTH, min(MAX_COLUMN_WIDTH, view_width - 2 * SIDE_MARGIN))
    return max(0, (view_width - width) // 2), width


def _text_width(item: ChatItem, view_width: int) -> int:
    _, width = _column(view_width)
    if item.role == "user":
        return max(MIN_TEXT_WIDTH // 2, int(width * BUBBLE_MAX_FRACTION) - 2 * BUBBLE_PADDING_X)
    return width
