"""One message as a QTextDocument: answer, effort badge, reasoning, tool calls, status.

Everything a message shows, including its clickable parts, lives in one document so the
delegate paints a message with a single call and hit-tests it with `anchorAt`. Clickable
parts that are not web links use the internal `osschat:` scheme and never leave the view.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from html import escape

from PySide6.QtCore import QPointF, QRectF, QUrl
from PySide6.QtGui import QFont, QFontDatabase, QTextBlock, QTextDocument

from app.ui.chat.items import ChatItem
from app.ui.chat.markdown import COPY_CODE_PREFIX, MarkdownRenderer, code_block_html
from app.ui.chat.theme import ChatTheme

TOGGLE_PREFIX = "osschat:toggle/"
"""Links to this prefix plus a section name expand or collapse that section."""
COPY_TOOL_PREFIX = "osschat:copy-tool/"
REASONING_SECTION = "reasoning"
OUTPUT_SECTION = "output"


def tool_section(number: int) -> str:
    return f"tool/{number}"


@dataclass(frozen=True)
class MessageContent:
    """A message as the HTML of its pieces (laid out one under the other: the header, each
    Markdown block of the answer, the footer) and, for each Copy link, the text it copies."""

    pieces: tuple[str, ...]
    copy_texts: dict[str, str]

    @property
    def html(self) -> str:
        return "".join(self.pieces)


def compose_message(
    item: ChatItem, theme: ChatTheme, expanded: frozenset[str], renderer: MarkdownRenderer
) -> MessageContent:
    """The pieces of one message; `expanded` names its open sections (e.g. "reasoning")."""
    if item.role == "user":
        return MessageContent((_plain_html(item.answer),), {})
    if item.role == "tool":
        return MessageContent((_tool_output_html(item, theme, expanded),), {})
    parts: list[str] = []
    copy_texts: dict[str, str] = {}
    meta = [_effort_badge(item, theme), _reasoning_header(item, theme, expanded)]
    if any(meta):
        parts.append(f"<p>{'&nbsp;&nbsp;'.join(m for m in meta if m)}</p>")
    if REASONING_SECTION in expanded and item.reasoning:
        parts.append(f'<p style="color: {theme.muted};">{_plain_html(item.reasoning)}</p>')
    for number, call in enumerate(item.tool_calls):
        section = tool_section(number)
        verb = "Ran Python" if call.name == "python" else f"Used {escape(call.name)}"
        parts.append(f"<p>{_toggle_link(section, verb, expanded, theme)}</p>")
        if section in expanded:
            href = f"{COPY_TOOL_PREFIX}{number}"
            copy_texts[href] = call.arguments
            language = "python" if call.name == "python" else "json"
            parts.append(code_block_html(call.arguments, language, theme, href))
            parts.append(f'<p style="color: {theme.muted};">{_plain_html(call.result)}</p>')
    rendered = renderer.render(item.answer, theme, cache=not item.is_streaming)
    copy_texts.update(_answer_copy_texts(rendered.code_blocks))
    footer = _status_html(item, theme) + _stats_html(item, theme)
    pieces = ("".join(parts), *rendered.blocks, footer)
    return MessageContent(tuple(piece for piece in pieces if piece) or ("",), copy_texts)


def reasoning_label(item: ChatItem) -> str:
    """"Thinking…" while the model thinks, "Thought for 12 s" after, "Thoughts" if untimed."""
    if item.reasoning_seconds is not None:
        seconds = round(item.reasoning_seconds)
        if seconds < 1:
            return "Thought for a moment"
        minutes, seconds = divmod(seconds, 60)
        return f"Thought for {minutes} min {seconds} s" if minutes else f"Thought for {seconds} s"
    if item.is_streaming and not item.answer:
        return "Thinking…"
    return "Thoughts"


def has_reasoning_header(item: ChatItem) -> bool:
    return item.role == "assistant" and bool(
        item.reasoning or (item.is_streaming and not item.answer)
    )


def _answer_copy_texts(code_blocks: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    for number, code in enumerate(code_blocks):
        yield f"{COPY_CODE_PREFIX}{number}", code


def _plain_html(text: str) -> str:
    """Text exactly as written: escaped, whitespace and line breaks kept."""
    return f'<span style="white-space: pre-wrap;">{escape(text)}</span>'


def _toggle_link(section: str, label: str, expanded: frozenset[str], theme: ChatTheme) -> str:
    arrow = "▾" if section in expanded else "▸"
    return (f'<a href="{TOGGLE_PREFIX}{section}" style="color: {theme.muted};'
            f' text-decoration: none;">{arrow} {escape(label)}</a>')


def _effort_badge(item: ChatItem, theme: ChatTheme) -> str:
    if item.effort is None:
        return ""
    return (f'<span style="background-color: {theme.badge_background};'
            f' color: {theme.badge_text};">&nbsp;{item.effort.capitalize()} effort&nbsp;</span>')


def _reasoning_header(item: ChatItem, theme: ChatTheme, expanded: frozenset[str]) -> str:
    if not has_reasoning_header(item):
        return ""
    return _toggle_link(REASONING_SECTION, reasoning_label(item), expanded, theme)


def _tool_output_html(item: ChatItem, theme: ChatTheme, expanded: frozenset[str]) -> str:
    header = f"<p>{_toggle_link(OUTPUT_SECTION, 'Tool output', expanded, theme)}</p>"
    if OUTPUT_SECTION not in expanded:
        return header
    return f'{header}<p style="color: {theme.muted};">{_plain_html(item.answer)}</p>'


def _status_html(item: ChatItem, theme: ChatTheme) -> str:
    if item.status == "interrupted":
        return f'<p style="color: {theme.muted};"><i>Stopped before the reply was finished.</i></p>'
    if item.status == "error":
        reason = escape(item.error or "the reply could not be generated")
        return f'<p style="color: {theme.error};">Error: {reason}</p>'
    return ""


def _stats_html(item: ChatItem, theme: ChatTheme) -> str:
    if not item.stats or item.is_streaming:
        return ""
    stats = escape(format_stats(item.stats))
    return f'<p style="color: {theme.muted}; font-size: small;">{stats}</p>'


def format_stats(stats: dict[str, float | int | str]) -> str:
    known = {
        "tokens_per_second": lambda v: f"{float(v):.1f} tok/s",
        "tokens": lambda v: f"{v} tokens",
        "time_to_first_token": lambda v: f"{float(v):.2f} s to first token",
    }
    parts = []
    for key, value in stats.items():
        formatter = known.get(key)
        parts.append(formatter(value) if formatter else f"{key.replace('_', ' ')}: {value}")
    return " · ".join(parts)


class OfflineTextDocument(QTextDocument):
    """A QTextDocument that never loads a resource (image, style sheet) from anywhere.

    Signals: only those of QTextDocument.
    """

    def loadResource(self, resource_type: int, name: QUrl | str) -> object:
        return None


def build_document(html: str, font: QFont, width: float) -> QTextDocument:
    """A laid-out document for one message, `width` pixels wide."""
    document = OfflineTextDocument()
    document.setDocumentMargin(0)
    document.setDefaultFont(font)
    mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()
    document.setDefaultStyleSheet(f'pre, code {{ font-family: "{mono}"; }}')
    document.setHtml(html)
    document.setTextWidth(width)
    return document


def anchor_rects(document: QTextDocument, href: str) -> list[QRectF]:
    """Where the links to `href` are in the document, one rectangle per line they cover."""
    rects: list[QRectF] = []
    block = document.begin()
    while block.isValid():
        rects.extend(_block_anchor_rects(document, block, href))
        block = block.next()
    return rects


def _block_anchor_rects(document: QTextDocument, block: QTextBlock, href: str) -> list[QRectF]:
    rects = []
    origin = document.documentLayout().blockBoundingRect(block).topLeft()
    layout = block.layout()
    fragments = block.begin()
    while not fragments.atEnd():
        fragment = fragments.fragment()
        if fragment.charFormat().anchorHref() == href:
            start = fragment.position() - block.position()
            end = start + fragment.length()
            while start < end:
                line = layout.lineForTextPosition(start)
                line_end = min(end, line.textStart() + line.textLength())
                left = _x_of(line.cursorToX(start))  # includes the line's own x and alignment
                right = _x_of(line.cursorToX(line_end))
                top_left = origin + QPointF(left, line.y())
                rects.append(QRectF(top_left.x(), top_left.y(), right - left, line.height()))
                start = max(line_end, start + 1)
        fragments += 1
    return rects


def _x_of(cursor_to_x: object) -> float:
    """QTextLine.cursorToX returns (x, position) in PySide; take the x."""
    value = cursor_to_x[0] if isinstance(cursor_to_x, tuple) else cursor_to_x
    return float(value)  # type: ignore[arg-type]
