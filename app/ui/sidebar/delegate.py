"""Paints sidebar rows: conversations, their group headers, and search hits.

All rows of a list have one height, so the views can use uniform item sizes and never ask
for thousands of size hints. Conversation rows are plain text drawn with the painter;
only search snippets, which need bold matches, go through a QTextDocument, and those are
cached per snippet and width.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import (
    QDate,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPalette,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from app.core.storage import Conversation
from app.ui.sidebar.conversation_model import ConversationListModel, GroupHeader, display_title
from app.ui.sidebar.search import SearchResult, SearchResultsModel

log = logging.getLogger(__name__)

PADDING_X = 10
PADDING_Y = 6
PIN_WIDTH = 14
GAP = 8
SNIPPET_LINES = 2
DOCUMENT_CACHE_SIZE = 256
_Index = QModelIndex | QPersistentModelIndex
_MINUTE, _HOUR, _DAY = 60, 3600, 86400


def relative_time(then: float, now: float) -> str:
    """A short age for a row ("now", "5 min", "3 h", "2 d"); a date after a week."""
    age = now - then
    if age < _MINUTE:
        return "now"
    if age < _HOUR:
        return f"{int(age // _MINUTE)} min"
    if age < _DAY:
        return f"{int(age // _HOUR)} h"
    if age < 7 * _DAY:
        return f"{int(age // _DAY)} d"
    day = datetime.fromtimestamp(then).date()
    date = QDate(day.year, day.month, day.day)
    if day.year == datetime.fromtimestamp(now).year:
        return QLocale().toString(date, "d MMM")
    return QLocale().toString(date, QLocale.FormatType.ShortFormat)


def _text_color(option: QStyleOptionViewItem) -> QColor:
    selected = bool(option.state & QStyle.StateFlag.State_Selected)
    role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
    return option.palette.color(role)


def _muted_color(option: QStyleOptionViewItem) -> QColor:
    color = _text_color(option)
    color.setAlphaF(0.65)
    return color


def _draw_background(painter: QPainter, option: QStyleOptionViewItem) -> None:
    """The style's selection and hover background, without any of its text."""
    style = option.widget.style() if option.widget is not None else QApplication.style()
    style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter,
                        option.widget)


def _draw_pin(painter: QPainter, rect: QRect, color: QColor) -> None:
    """A small push pin: a round head and a needle, drawn so no icon file is needed."""
    size = min(rect.width(), rect.height(), 12)
    x, y = rect.center().x() - size / 2, rect.center().y() - size / 2
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    head = QPainterPath()
    head.addEllipse(x + size * 0.35, y, size * 0.65, size * 0.65)
    painter.drawPath(head)
    pen = painter.pen()
    pen.setStyle(Qt.PenStyle.SolidLine)
    pen.setColor(color)
    pen.setWidthF(max(1.0, size / 8))
    painter.setPen(pen)
    painter.drawLine(int(x + size * 0.5), int(y + size * 0.5), int(x), int(y + size))
    painter.restore()


class ConversationDelegate(QStyledItemDelegate):
    """Draws a conversation (pin, elided title, age) or a group header in one row height.

    Renaming uses the stock line edit editor that QStyledItemDelegate creates for a string.
    """

    def __init__(self, parent: QObject | None = None, *,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self._clock = clock

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        return QSize(1, option.fontMetrics.height() + 2 * PADDING_Y)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        model = index.model()
        entry = model.entry_at(index.row()) if isinstance(model, ConversationListModel) else None
        if isinstance(entry, GroupHeader):
            self._paint_header(painter, option, entry)
        elif isinstance(entry, Conversation):
            self._paint_conversation(painter, option, entry)

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: _Index) -> QWidget:
        editor = super().createEditor(parent, option, index)
        editor.setAccessibleName("Chat title")
        if isinstance(editor, QLineEdit):
            editor.setPlaceholderText("Chat title")
        return editor

    def _paint_header(self, painter: QPainter, option: QStyleOptionViewItem,
                      header: GroupHeader) -> None:
        painter.save()
        font = QFont(option.font)
        font.setBold(True)
        font.setPointSizeF(max(1.0, font.pointSizeF() * 0.9))
        painter.setFont(font)
        color = option.palette.color(QPalette.ColorRole.Text)
        color.setAlphaF(0.75)
        painter.setPen(color)
        text_rect = option.rect.adjusted(PADDING_X, 0, -PADDING_X, -2)
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom),
                         header.label)
        painter.restore()

    def _paint_conversation(self, painter: QPainter, option: QStyleOptionViewItem,
                            conversation: Conversation) -> None:
        _draw_background(painter, option)
        painter.save()
        painter.setFont(option.font)
        rect = option.rect.adjusted(PADDING_X, 0, -PADDING_X, 0)
        metrics = QFontMetrics(option.font)
        age = relative_time(conversation.updated_at, self._clock())
        age_width = metrics.horizontalAdvance(age)
        painter.setPen(_muted_color(option))
        center_right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        painter.drawText(rect, center_right, age)
        if conversation.pinned:
            pin = QRect(rect.left(), rect.top(), PIN_WIDTH, rect.height())
            _draw_pin(painter, pin, _muted_color(option))
            rect.setLeft(rect.left() + PIN_WIDTH + GAP // 2)
        title_width = max(0, rect.width() - age_width - GAP)
        title = metrics.elidedText(display_title(conversation), Qt.TextElideMode.ElideRight,
                                   title_width)
        painter.setPen(_text_color(option))
        painter.drawText(QRect(rect.left(), rect.top(), title_width, rect.height()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), title)
        painter.restore()


class SearchResultDelegate(QStyledItemDelegate):
    """Draws a hit: a title match as its title with the matches bold; a message match as the
    chat's title in bold over two lines of snippet with the matches bold.

    Rows differ in height, which is fine here: a search shows at most a hundred hits.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._documents: OrderedDict[tuple[str, int, str], QTextDocument] = OrderedDict()
        self.documents_built = 0

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        """One line for a title match, the title and two snippet lines for a message match."""
        model = index.model()
        result = model.result_at(index.row()) if isinstance(model, SearchResultsModel) else None
        lines = 1 if result is None or result.is_title_match else 1 + SNIPPET_LINES
        return QSize(1, lines * option.fontMetrics.lineSpacing() + 2 * PADDING_Y)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        model = index.model()
        result = model.result_at(index.row()) if isinstance(model, SearchResultsModel) else None
        if result is None:
            return
        _draw_background(painter, option)
        painter.save()
        rect = option.rect.adjusted(PADDING_X, PADDING_Y, -PADDING_X, -PADDING_Y)
        line_height = option.fontMetrics.lineSpacing()
        title_rect = QRect(rect.left(), rect.top(), rect.width(), line_height)
        if result.is_title_match:
            self._paint_parts(painter, option, result.snippet_parts, title_rect)
        else:
            self._paint_title(painter, option, result, title_rect)
            snippet_rect = QRect(rect.left(), rect.top() + line_height, rect.width(),
                                 SNIPPET_LINES * line_height)
            self._paint_html(painter, option, result.snippet_html, snippet_rect, option.font)
        painter.restore()

    def document(self, html_text: str, width: int, font: QFont) -> QTextDocument:
        """The laid-out document of a snippet, built once per snippet, width and font."""
        key = (html_text, width, font.key())
        document = self._documents.get(key)
        if document is None:
            document = QTextDocument()
            document.setDocumentMargin(0)
            document.setDefaultFont(font)
            document.setHtml(html_text)
            document.setTextWidth(width)
            self._documents[key] = document
            self.documents_built += 1
            if len(self._documents) > DOCUMENT_CACHE_SIZE:
                self._documents.popitem(last=False)
        else:
            self._documents.move_to_end(key)
        return document

    def _paint_title(self, painter: QPainter, option: QStyleOptionViewItem, result: SearchResult,
                     rect: QRect) -> None:
        """The chat a message hit belongs to, in bold above the snippet."""
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(_text_color(option))
        title = QFontMetrics(font).elidedText(result.title, Qt.TextElideMode.ElideRight,
                                              rect.width())
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         title)

    def _paint_parts(self, painter: QPainter, option: QStyleOptionViewItem,
                     parts: tuple[tuple[str, bool], ...], rect: QRect) -> None:
        """One line of text with bold matches, elided at the right like a plain title."""
        painter.setPen(_text_color(option))
        bold = QFont(option.font)
        bold.setBold(True)
        x, right = rect.left(), rect.right()
        align = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for text, highlighted in parts:
            font = bold if highlighted else option.font
            metrics = QFontMetrics(font)
            shown = text
            width = metrics.horizontalAdvance(shown)
            if x + width > right:
                shown = metrics.elidedText(text + "…", Qt.TextElideMode.ElideRight, right - x)
                width = metrics.horizontalAdvance(shown)
            painter.setFont(font)
            painter.drawText(QRect(x, rect.top(), width, rect.height()), align, shown)
            x += width
            if x >= right:
                break

    def _paint_html(self, painter: QPainter, option: QStyleOptionViewItem, html_text: str,
                    rect: QRect, font: QFont) -> None:
        document = self.document(html_text, rect.width(), font)
        painter.save()
        painter.translate(rect.topLeft())
        painter.setClipRect(QRect(0, 0, rect.width(), rect.height()))
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette.setColor(QPalette.ColorRole.Text, _text_color(option))
        document.documentLayout().draw(painter, context)
        painter.restore()
