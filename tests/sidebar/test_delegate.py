"""The sidebar's delegates: ages, bold matches, pins, and painting only what is on screen."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QFont, QImage, QTextDocument

from app.ui.sidebar.delegate import ConversationDelegate, SearchResultDelegate, relative_time
from app.ui.sidebar.search import highlight_html
from tests.sidebar.conftest import NOW, create_at, days_ago, settle

MINUTE, HOUR, DAY = 60, 3600, 86400


@pytest.mark.parametrize(("age", "text"), [
    (0, "now"), (59, "now"), (MINUTE, "1 min"), (59 * MINUTE, "59 min"), (HOUR, "1 h"),
    (23 * HOUR, "23 h"), (DAY, "1 d"), (6 * DAY, "6 d"),
])
def test_recent_ages_are_short(age: float, text: str) -> None:
    assert relative_time(NOW - age, NOW) == text


def test_older_chats_show_a_date() -> None:
    same_year = datetime(2025, 3, 2, 10).timestamp()
    last_year = datetime(2023, 11, 5, 10).timestamp()
    assert "2" in relative_time(same_year, NOW) and "2025" not in relative_time(same_year, NOW)
    assert relative_time(same_year, NOW) != relative_time(last_year, NOW)
    assert "23" in relative_time(last_year, NOW)


def bold_runs(document: QTextDocument) -> list[tuple[str, bool]]:
    runs = []
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            runs.append((fragment.text(), fragment.charFormat().fontWeight() >= QFont.Weight.Bold))
            iterator += 1
        block = block.next()
    return runs


def test_a_snippet_document_shows_matches_bold_and_markup_as_text(qapp) -> None:
    delegate = SearchResultDelegate()
    html = highlight_html("use \ue000<i>tags</i>\ue001 like <b>this</b>")
    document = delegate.document(html, 200, QFont())
    assert document.toPlainText() == "use <i>tags</i> like <b>this</b>"
    assert bold_runs(document) == [("use ", False), ("<i>tags</i>", True),
                                   (" like <b>this</b>", False)]
    assert delegate.document(html, 200, QFont()) is document  # built once
    assert delegate.documents_built == 1


def test_search_hits_build_documents_only_for_rows_on_screen(qtbot, make_sidebar, store,
                                                            clock) -> None:
    for number in range(60):
        conversation = store.create_conversation(title=f"Chat {number}")
        store.add_user_message(conversation.id, f"question {number} about apples")
    sidebar = make_sidebar()
    sidebar.search_box.setText("apples")
    sidebar.search_now()
    settle()
    delegate = sidebar.results_view.itemDelegate()
    assert isinstance(delegate, SearchResultDelegate)
    assert sidebar.search_model.rowCount() == 60
    assert 0 < delegate.documents_built < 20


def paint_row(sidebar, conversation_id: int) -> QImage:
    view = sidebar.list_view
    rect = view.visualRect(sidebar.model.index_of(conversation_id))
    return view.viewport().grab(rect).toImage()


def has_ink(image: QImage, columns: range) -> bool:
    background = image.pixel(image.width() // 2, 1)
    return any(image.pixel(x, y) != background for x in columns for y in range(image.height()))


def test_pinned_rows_carry_a_pin_mark(make_sidebar, store, clock) -> None:
    pinned = create_at(store, clock, days_ago(3), "Same title", pinned=True)
    plain = create_at(store, clock, days_ago(3), "Same title")
    sidebar = make_sidebar()
    pinned_image, plain_image = paint_row(sidebar, pinned), paint_row(sidebar, plain)
    assert pinned_image != plain_image
    assert not has_ink(plain_image, range(0, 10))  # the title starts after the padding
    assert has_ink(pinned_image, range(10, 24))


def test_a_long_title_is_elided_before_the_age(make_sidebar, store, clock) -> None:
    long_id = create_at(store, clock, NOW - 2 * HOUR, "W" * 200)
    sidebar = make_sidebar()
    image = paint_row(sidebar, long_id)
    age_left = image.width() - 10 - sidebar.fontMetrics().horizontalAdvance("2 h")
    assert has_ink(image, range(age_left, image.width() - 10))  # the age, at the right
    assert not has_ink(image, range(age_left - 6, age_left - 1))  # a gap: the title stops


def test_headers_and_rows_share_one_height(make_sidebar, store, clock) -> None:
    create_at(store, clock, NOW, "Today")
    sidebar = make_sidebar()
    view = sidebar.list_view
    assert isinstance(view.itemDelegate(), ConversationDelegate)
    header, row = (view.visualRect(sidebar.model.index(number, 0)) for number in (0, 1))
    assert header.height() == row.height() > view.fontMetrics().height()
    assert view.indexAt(QPoint(5, row.center().y())).row() == 1
