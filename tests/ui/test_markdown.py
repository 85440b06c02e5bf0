"""Markdown rendering: the elements chat answers use, highlighted code, and untrusted input."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QTextDocument, QTextTable

from app.ui.chat.markdown import COPY_CODE_PREFIX, MarkdownRenderer
from app.ui.chat.theme import DARK, LIGHT

ANSWER = """# Plan

Some *emphasis*, `inline_code()` and a [link](https://example.com/docs).

| Name | Size |
|------|-----:|
| a    |    1 |

> A quoted line.

1. first
2. second

- bullet
"""

ALLOWED_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "em", "strong", "s", "code", "pre",
                "a", "br", "hr", "ul", "ol", "li", "blockquote", "table", "thead", "tbody",
                "tr", "th", "td", "span"}


def render(text: str) -> str:
    return MarkdownRenderer().render(text, LIGHT).html


def test_common_elements_are_rendered() -> None:
    html = render(ANSWER)
    assert "<h1>Plan</h1>" in html
    assert "<em>emphasis</em>" in html
    assert ">inline_code()</code>" in html
    assert '<a href="https://example.com/docs"' in html
    assert "<table" in html and "<th>Name</th>" in html and "<td>a</td>" in html
    assert "<blockquote" in html and "A quoted line." in html
    assert "<ol>" in html and "<ul>" in html and "<li>bullet</li>" in html


def test_qt_understands_the_html(qapp) -> None:
    document = QTextDocument()
    document.setHtml(render(ANSWER))
    text = document.toPlainText()
    for words in ("Plan", "inline_code()", "link", "A quoted line.", "second", "bullet"):
        assert words in text
    tables = [frame for frame in document.rootFrame().childFrames()
              if isinstance(frame, QTextTable)]
    assert len(tables) == 1 and tables[0].rows() == 2 and tables[0].columns() == 2


def test_a_python_block_is_highlighted_with_inline_styles_and_its_code_kept() -> None:
    rendered = MarkdownRenderer().render("```python\ndef f():\n    return 1\n```\n", LIGHT)
    assert '<span style="color: #008000; font-weight: bold">def</span>' in rendered.html
    assert "class=" not in rendered.html
    assert rendered.code_blocks == ("def f():\n    return 1",)
    assert f'href="{COPY_CODE_PREFIX}0"' in rendered.html and ">Copy</a>" in rendered.html


def test_each_code_block_gets_its_own_copy_link() -> None:
    rendered = MarkdownRenderer().render(
        "```sh\nls -l\n```\n\ntext\n\n```nosuchlanguage\n<b>x</b>\n```\n\n    indented\n", LIGHT)
    assert rendered.code_blocks == ("ls -l", "<b>x</b>", "indented")
    for number in range(3):
        assert f'href="{COPY_CODE_PREFIX}{number}"' in rendered.html
    assert "&lt;b&gt;x&lt;/b&gt;" in rendered.html  # an unknown language is escaped, not lost


def test_script_and_raw_html_are_escaped() -> None:
    html = render('<script>alert("x")</script>\n\nHi <b onclick="steal()">bold</b> '
                  '<iframe src="https://evil.example"></iframe>\n')
    assert "<script" not in html and "<b " not in html and "<iframe" not in html
    assert "&lt;script&gt;" in html and "&lt;b onclick=" in html


def test_a_remote_image_is_never_an_img_but_a_link_with_its_alt_text() -> None:
    html = render("![a chart](http://example.com/a.png)")
    assert "<img" not in html
    assert '<a href="http://example.com/a.png"' in html and "[image: a chart]" in html


def test_a_local_or_data_image_becomes_its_alt_text_only() -> None:
    html = render("![secret](/home/me/secret.png) ![dot](data:image/png;base64,AAAA)")
    assert "<img" not in html and "secret.png" not in html and "data:" not in html
    assert "[image: secret]" in html and "[image: dot]" in html
    assert "<img" not in render("![x](file:///etc/passwd)")  # not even parsed as an image


def test_javascript_links_are_not_links() -> None:
    html = render("[click](javascript:alert(1))")
    assert "<a " not in html


def test_rendering_is_cached_per_text_and_theme_unless_streaming() -> None:
    renderer = MarkdownRenderer()
    first = renderer.render("**same**", LIGHT)
    assert renderer.render("**same**", LIGHT) is first
    dark = renderer.render("`x`", DARK)
    assert dark.html != renderer.render("`x`", LIGHT).html  # theme colours are in the HTML
    streaming = renderer.render("partial", LIGHT, cache=False)
    assert renderer.render("partial", LIGHT, cache=False) is not streaming


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abcimgsrcptonerrorhf:!*[]()`#|-\n\\&;")),
               max_size=120)
       | st.text(max_size=120))
def test_no_text_can_produce_active_content(text: str) -> None:
    collector = _TagCollector()
    collector.feed(render(text))
    for tag, attrs in collector.tags:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            assert not name.startswith("on"), name
            if name == "href":
                assert not (value or "").lower().lstrip().startswith(("javascript:", "data:"))


STREAMED = """# Plan

First paragraph with **bold** and `code`.

```python
x = 1

y = 2
```

| a | b |
|---|---|
| 1 | 2 |

- one
- two

1. first
2. second

> quoted
> text

```
second block
```
Last line"""


def test_blocks_join_back_to_the_text() -> None:
    from app.ui.chat.markdown import split_blocks

    blocks = split_blocks(STREAMED)
    assert "".join(blocks) == STREAMED
    assert any("x = 1\n\ny = 2" in block for block in blocks)  # a fence is never cut


def test_streaming_render_matches_the_whole_render_and_reuses_finished_blocks() -> None:
    renderer = MarkdownRenderer()
    whole = renderer.render(STREAMED, LIGHT)
    streamed = renderer.render(STREAMED, LIGHT, cache=False)
    assert streamed.blocks == whole.blocks
    # Rendered block by block, the text reads as markdown-it renders it in one piece.
    assert whole.html == renderer._parser.render(STREAMED, {"theme": LIGHT, "code_blocks": []})
    assert streamed.code_blocks == whole.code_blocks == ("x = 1\n\ny = 2", "second block")
    parsed: list[str] = []
    original = renderer._parser.render

    def counting(text, env=None):  # type: ignore[no-untyped-def]
        parsed.append(text)
        return original(text, env)

    renderer._parser.render = counting  # type: ignore[method-assign]
    renderer.render(STREAMED + " more", LIGHT, cache=False)
    assert parsed == ["```\nsecond block\n```\nLast line more"]
