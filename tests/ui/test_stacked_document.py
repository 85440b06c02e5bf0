"""Messages as stacked pieces: a streaming update builds only what changed."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest
from PySide6.QtGui import QFont

from app.ui.chat import ChatItem, MessageListModel
from app.ui.chat.message_document import build_document
from app.ui.chat.stacked_document import StackedDocument
from tests.ui.conftest import settle, shown_view

PARAGRAPHS = "".join(f"Paragraph {number} with **bold** text.\n\n" for number in range(40))



def test_a_streaming_update_builds_only_the_piece_that_changed(qtbot) -> None:
    model = MessageListModel([ChatItem("live", "assistant", PARAGRAPHS + "The last one",
                                       status="streaming")])
    view = shown_view(qtbot, model)
    assert view.delegate.pieces_built >= 41

    before = view.delegate.pieces_built
    model.update_streaming("live", answer_delta=" grows")
    settle(qtbot)
    assert view.delegate.pieces_built == before + 1  # the last block, not the 40 before it
    assert "The last one grows" in view.shown_text("live")

    before = view.delegate.pieces_built
    model.update_streaming("live", answer_delta=".\n\n```python\nx = 1\n```")
    settle(qtbot)
    assert view.delegate.pieces_built - before <= 2
    assert view.shown_text("live").count("Paragraph") == 40


def test_the_finished_reply_reuses_the_pieces_of_its_last_update(qtbot) -> None:
    model = MessageListModel([ChatItem("live", "assistant", PARAGRAPHS + "End.",
                                       status="streaming")])
    view = shown_view(qtbot, model)
    before = view.delegate.pieces_built

    finished = dataclasses.replace(model.item("live"), status="done",
                                   stats={"tokens_per_second": 12.5, "tokens": 300})
    model.replace(finished)
    settle(qtbot)
    assert view.delegate.pieces_built == before + 1  # only the footer with the figures
    assert "12.5 tok/s" in view.shown_text("live")


@pytest.mark.parametrize("html", [
    ["<p>one</p>", "<p>two</p>"],
    ["<h2>Title</h2>", "<p>text</p>", "<ul><li>a</li><li>b</li></ul>", "<p>end</p>"],
])
def test_pieces_are_spaced_as_one_document_spaces_its_blocks(qtbot, html) -> None:
    font = QFont()
    stacked = StackedDocument([build_document(part, font, 500) for part in html])
    whole = build_document("".join(html), font, 500)
    assert stacked.height() == whole.size().height()
    assert stacked.to_plain_text() == whole.toPlainText()


def test_links_are_found_in_every_piece(qtbot) -> None:
    font = QFont()
    parts = ("<p>first</p>", '<p>see <a href="osschat:x">x</a></p>',
             '<p><a href="osschat:y">y</a></p>')
    stacked = StackedDocument([build_document(part, font, 500) for part in parts])
    rects = stacked.anchor_rects("osschat:y")
    assert len(rects) == 1
    assert rects[0].top() > stacked.anchor_rects("osschat:x")[0].bottom()
    assert stacked.anchor_at(rects[0].center()) == "osschat:y"
    assert stacked.anchor_at(rects[0].center() - rects[0].topLeft()) == ""


def test_warming_up_compiles_the_code_highlighters_before_a_reply_needs_them() -> None:
    script = (
        "from pygments.lexers.rust import RustLexer\n"
        "assert '_tokens' not in RustLexer.__dict__\n"
        "from app.ui.chat.markdown import warm_up\n"
        "warm_up()\n"
        "assert '_tokens' in RustLexer.__dict__\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
