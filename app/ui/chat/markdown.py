"""Markdown to the HTML subset QTextDocument understands, with highlighted code blocks.

markdown-it-py parses (CommonMark plus tables and strikethrough) and Pygments highlights code
with inline styles, because QTextDocument has no style sheet classes for it to use. The model's
text is untrusted: raw HTML is escaped rather than passed through, links are only rendered (the
view decides what a click does), and images are never loaded; a web image becomes a link to it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.util import ClassNotFound

from app.ui.chat.theme import DARK, LIGHT, ChatTheme

log = logging.getLogger(__name__)

COPY_CODE_PREFIX = "osschat:copy-code/"
"""Links to this prefix plus a block number are the Copy buttons of the answer's code blocks."""

WEB_SCHEMES = ("http://", "https://")


@dataclass(frozen=True)
class RenderedMarkdown:
    """HTML for each Markdown block (laid out one under the other) and the exact text of
    each code block, in order."""

    blocks: tuple[str, ...]
    code_blocks: tuple[str, ...]

    @property
    def html(self) -> str:
        return "".join(self.blocks)


def code_block_html(code: str, language: str, theme: ChatTheme, copy_href: str) -> str:
    """One code block: a header with the language and a Copy link, then the highlighted code.

    A one-cell-per-row table is the only way to give a block a background and padding that
    QTextDocument lays out reliably.
    """
    label = escape(language) if language else "code"
    return (
        f'<table width="100%" cellspacing="0" cellpadding="6" border="0"'
        f' bgcolor="{theme.code_background}" style="margin-top: 6px; margin-bottom: 6px;">'
        f'<tr><td style="color: {theme.muted};">{label}</td>'
        f'<td align="right"><a href="{escape(copy_href)}"'
        f' style="color: {theme.muted}; text-decoration: none;">Copy</a></td></tr>'
        f'<tr><td colspan="2"><pre style="white-space: pre-wrap; color: {theme.code_text};">'
        f"{_highlighted(code, language.lower(), theme.pygments_style)}</pre></td></tr></table>"
    )


BLOCK_CACHE_SIZE = 2048
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def split_blocks(text: str) -> list[str]:
    """Markdown text cut at blank lines outside fenced code: blocks that render on their own.

    Each block keeps its trailing blank lines, so the blocks joined are the text again.
    """
    blocks: list[str] = []
    current: list[str] = []
    fence = ""
    for line in text.splitlines(keepends=True):
        opener = _FENCE.match(line)
        if fence:
            current.append(line)
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence) \
                    and not line.strip()[len(opener.group(1)):]:
                fence = ""
        elif opener:
            fence = opener.group(1)
            current.append(line)
        elif not line.strip():
            if current:
                current.append(line)
                blocks.append("".join(current))
                current = []
            elif blocks:
                blocks[-1] += line
            else:
                current.append(line)
        else:
            if current and not current[-1].strip():  # blank lines that opened the text
                blocks.append("".join(current))
                current = []
            current.append(line)
    if current:
        blocks.append("".join(current))
    return blocks


@lru_cache(maxsize=256)
def _highlighted(code: str, language: str, style: str) -> str:
    """Token spans with inline colours; cached so finished blocks are not re-highlighted."""
    try:
        lexer = get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    formatter = HtmlFormatter(noclasses=True, nowrap=True, style=style)
    return str(highlight(code, lexer, formatter)).removesuffix("\n")


class MarkdownRenderer:
    """Renders and caches: a message is parsed once per theme, however often it is laid out.

    Text that is still streaming should be rendered with `cache=False`; every partial version
    would otherwise push finished messages out of the cache.
    """

    def __init__(self, cache_size: int = 512) -> None:
        self._cache: OrderedDict[tuple[str, str], RenderedMarkdown] = OrderedDict()
        self._blocks: OrderedDict[tuple[str, str, int], RenderedMarkdown] = OrderedDict()
        self._cache_size = cache_size
        self._parser = MarkdownIt(
            "commonmark", {"html": False, "linkify": False, "typographer": False, "breaks": True}
        ).enable(["table", "strikethrough"])
        rules = {
            "fence": _render_fence,
            "code_block": _render_fence,
            "image": _render_image,
            "link_open": _render_link_open,
            "code_inline": _render_code_inline,
            "table_open": _render_table_open,
            "blockquote_open": _render_blockquote_open,
        }
        for name, rule in rules.items():
            self._parser.add_render_rule(name, rule)

    def render(self, text: str, theme: ChatTheme, *, cache: bool = True) -> RenderedMarkdown:
        """The text rendered block by block; finished blocks come from a cache, so a reply
        that is still streaming (`cache=False`) parses only its last block again, and the
        finished reply's blocks are exactly those its last update showed."""
        key = (text, theme.name)
        cached = self._cache.get(key) if cache else None
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        rendered = self._render_blocks(split_blocks(text), theme, last_is_final=cache)
        if cache:
            self._cache[key] = rendered
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return rendered

    def _render_blocks(self, blocks: list[str], theme: ChatTheme, *,
                       last_is_final: bool) -> RenderedMarkdown:
        parts: list[str] = []
        code_blocks: list[str] = []
        for number, block in enumerate(blocks):
            key = (block, theme.name, len(code_blocks))
            finished = last_is_final or number < len(blocks) - 1
            rendered = self._blocks.get(key)
            if rendered is None:
                env: dict[str, Any] = {"theme": theme, "code_blocks": [],
                                       "first_code_block": len(code_blocks)}
                rendered = RenderedMarkdown((self._parser.render(block, env),),
                                            tuple(env["code_blocks"]))
                if finished:
                    self._blocks[key] = rendered
                    if len(self._blocks) > BLOCK_CACHE_SIZE:
                        self._blocks.popitem(last=False)
            else:
                self._blocks.move_to_end(key)
            parts.extend(rendered.blocks)
            code_blocks.extend(rendered.code_blocks)
        return RenderedMarkdown(tuple(parts), tuple(code_blocks))

    def clear_cache(self) -> None:
        self._cache.clear()
        self._blocks.clear()


WARM_UP_LANGUAGES = ("python", "bash", "javascript", "typescript", "json", "c", "cpp", "java",
                     "rust", "go", "sql", "yaml", "html", "css")


def warm_up() -> None:
    """Pay the one-off costs of a first render (Pygments imports each lexer and compiles its
    rules on first use: tens of milliseconds each) before a reply needs them."""
    started = time.perf_counter()
    text = "\n\n".join(f"**{name}** `x`\n\n```{name}\nx = 1\n```" for name in WARM_UP_LANGUAGES)
    try:
        for theme in (LIGHT, DARK):
            MarkdownRenderer().render(f"# Title\n\n- item\n\n| a |\n|---|\n| 1 |\n\n{text}",
                                      theme)
    except Exception:  # only a head start: the first real render pays instead
        log.warning("Warming up the Markdown renderer failed", exc_info=True)
        return
    log.debug("Markdown renderer warmed up in %.0f ms", (time.perf_counter() - started) * 1000)


_warm_up_started = threading.Event()


def warm_up_in_background() -> None:
    """Run `warm_up` once per process on a thread of its own (while a model loads, say): the
    work is Python code, which hands the GUI thread the interpreter every few milliseconds."""
    if not _warm_up_started.is_set():
        _warm_up_started.set()
        threading.Thread(target=warm_up, name="markdown-warm-up", daemon=True).start()


# markdown-it render rules: (renderer, tokens, index, options, env) -> HTML.


def _render_fence(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    info = token.info.split(maxsplit=1)
    language = info[0] if info else ""
    code = token.content.removesuffix("\n")
    number = env.get("first_code_block", 0) + len(env["code_blocks"])
    env["code_blocks"].append(code)
    return code_block_html(code, language, env["theme"], f"{COPY_CODE_PREFIX}{number}")


def _render_image(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Never an <img>: the app is offline and a remote image would tell a server we read it."""
    token = tokens[idx]
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    label = escape(f"[image: {alt}]" if alt else "[image]")
    src = str(token.attrGet("src") or "")
    if src.lower().startswith(WEB_SCHEMES):
        theme: ChatTheme = env["theme"]
        return f'<a href="{escape(src)}" style="color: {theme.link};">{label}</a>'
    return label


def _render_link_open(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    tokens[idx].attrSet("style", f"color: {env['theme'].link};")
    return renderer.renderToken(tokens, idx, options, env)


def _render_code_inline(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    background = env["theme"].inline_code_background
    return f'<code style="background-color: {background};">{escape(tokens[idx].content)}</code>'


def _render_table_open(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    border = env["theme"].table_border
    return (f'<table border="1" cellspacing="0" cellpadding="4"'
            f' style="border-collapse: collapse; border-style: solid; border-color: {border};">\n')


def _render_blockquote_open(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f'<blockquote style="color: {env["theme"].muted};">\n'
