"""A message laid out as a column of small QTextDocuments, one per piece.

A reply is cut into pieces (its header, each Markdown block, its footer) and each piece is a
document of its own, so a streaming update builds and lays out only the piece that changed:
an update costs the same at the end of a long reply as at its start, and the finished reply
reuses every piece its last update built. Pieces are spaced as one document spaces its blocks:
the larger of the margins that meet.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QPainter,
    QPalette,
    QTextDocument,
    QTextFrame,
)

from app.ui.chat.message_document import anchor_rects


class StackedDocument:
    """Pieces drawn one under the other; hit-testing and links work across all of them."""

    def __init__(self, pieces: Sequence[QTextDocument]) -> None:
        self.pieces = tuple(pieces)
        self._margins = [_outer_margins(piece) for piece in self.pieces]
        self._tops: list[float] | None = None

    # -- layout ----------------------------------------------------------------------------

    def text_width(self) -> float:
        return self.pieces[0].textWidth() if self.pieces else 0.0

    def set_text_width(self, width: float) -> None:
        """Lay every piece out at `width`; pieces shared with another version are re-laid
        out only if that one used another width."""
        for piece in self.pieces:
            if piece.textWidth() != width:
                piece.setTextWidth(width)
                self._tops = None

    def height(self) -> float:
        tops = self._piece_tops()
        return tops[-1] + self.pieces[-1].size().height() if self.pieces else 0.0

    def ideal_width(self) -> float:
        return max((piece.idealWidth() for piece in self.pieces), default=0.0)

    def _piece_tops(self) -> list[float]:
        if self._tops is None:
            tops, y = [], 0.0
            for number, piece in enumerate(self.pieces):
                if number:
                    y += max(self._margins[number - 1][1], self._margins[number][0])
                tops.append(y)
                y += piece.size().height()
            self._tops = tops
        return self._tops

    # -- painting and hit testing ------------------------------------------------------------

    def draw(self, painter: QPainter, clip: QRectF, text_color: str) -> None:
        """Draw the pieces that meet `clip` (document coordinates)."""
        for top, piece in zip(self._piece_tops(), self.pieces, strict=True):
            height = piece.size().height()
            if top > clip.bottom() or top + height < clip.top():
                continue
            painter.save()
            painter.translate(0, top)
            context = QAbstractTextDocumentLayout.PaintContext()
            context.clip = clip.translated(0, -top)
            context.palette.setColor(QPalette.ColorRole.Text, QColor(text_color))
            piece.documentLayout().draw(painter, context)
            painter.restore()

    def anchor_at(self, point: QPointF) -> str:
        """The link under `point` (document coordinates), or ""."""
        for top, piece in zip(self._piece_tops(), self.pieces, strict=True):
            if top <= point.y() < top + piece.size().height():
                return str(piece.documentLayout().anchorAt(point - QPointF(0, top)))
        return ""

    def anchor_rects(self, href: str) -> list[QRectF]:
        """Where the links to `href` are, in document coordinates."""
        return [rect.translated(0, top)
                for top, piece in zip(self._piece_tops(), self.pieces, strict=True)
                for rect in anchor_rects(piece, href)]

    # -- content ---------------------------------------------------------------------------

    def to_plain_text(self) -> str:
        return "\n".join(piece.toPlainText() for piece in self.pieces)

    def to_html(self) -> str:
        """Each piece's HTML as Qt writes it (for inspection; not valid as one page)."""
        return "\n".join(piece.toHtml() for piece in self.pieces)

    def size_px(self) -> tuple[int, int]:
        return math.ceil(self.ideal_width()), math.ceil(self.height())


def _outer_margins(document: QTextDocument) -> tuple[float, float]:
    """The top margin of a document's first block or frame and the bottom one of its last:
    a document alone leaves them out, and they meet the neighbouring pieces' margins."""
    root = document.rootFrame()
    children = root.childFrames()
    first, last = document.firstBlock(), document.lastBlock()
    top = first.blockFormat().topMargin()
    bottom = last.blockFormat().bottomMargin()
    if children:
        if _starts_at(children[0], first.position()):
            top = children[0].frameFormat().topMargin()
        if children[-1].lastPosition() + 1 >= last.position() and not last.text():
            bottom = children[-1].frameFormat().bottomMargin()  # Qt's empty block after a table
    return top, bottom


def _starts_at(frame: QTextFrame, position: int) -> bool:
    return frame.firstPosition() <= position + 1
