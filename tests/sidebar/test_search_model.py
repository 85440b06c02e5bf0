"""Search results: highlighted snippets made safe to render, and the results model."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.core.storage import ConversationStore
from app.ui.sidebar.search import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    SearchResultsModel,
    SearchRoles,
    highlight_html,
    highlight_parts,
    plain_snippet,
)

S, E = HIGHLIGHT_START, HIGHLIGHT_END


def chat(store: ConversationStore, title: str, question: str, answer: str = "") -> int:
    conversation = store.create_conversation(title=title)
    store.add_user_message(conversation.id, question)
    if answer:
        writer = store.begin_reply(conversation.id)
        writer.append_answer(answer)
        writer.finish()
    return conversation.id


# -- snippets ----------------------------------------------------------------------------------


def test_matches_come_out_bold_and_everything_else_escaped() -> None:
    snippet = f"use <b>bold</b> & {S}<script>{E} tags"
    assert highlight_html(snippet) == (
        "use &lt;b&gt;bold&lt;/b&gt; &amp; <b>&lt;script&gt;</b> tags")


def test_parts_split_at_the_markers() -> None:
    assert highlight_parts(f"{S}red{E} and {S}green{E}") == [
        ("red", True), (" and ", False), ("green", True)]


@pytest.mark.parametrize(("snippet", "parts"), [
    (f"a {E}b", [("a b", False)]),  # an end with no start
    (f"{S}a {S}b{E} c", [("a b", True), (" c", False)]),  # a start inside a highlight
    (f"{S}open", [("open", True)]),  # never closed
    ("", []),
])
def test_stray_markers_never_show_up_as_text(snippet: str, parts) -> None:
    assert highlight_parts(snippet) == parts


def test_line_breaks_and_runs_of_spaces_become_one_space() -> None:
    assert plain_snippet(f"first line\n\n  second {S}line{E}\t end") == (
        "first line second line end")


# -- the model ---------------------------------------------------------------------------------


@pytest.fixture
def results(store: ConversationStore) -> SearchResultsModel:
    return SearchResultsModel(store)


def test_a_query_lists_title_matches_then_message_matches(store, results) -> None:
    bread = chat(store, "Bread <b>baking</b>", "How long to bake bread?", "Bake it 40 minutes.")
    chat(store, "Rivers", "Which river flows through Lyon?")
    results.set_query("bake")
    hits = results.results()
    assert [hit.conversation_id for hit in hits] == [bread, bread]
    assert all(hit.message_id is not None for hit in hits)
    results.set_query("baking")
    (title_hit,) = results.results()
    assert title_hit.is_title_match
    assert title_hit.snippet_html == "Bread &lt;b&gt;<b>baking</b>&lt;/b&gt;"
    index = results.index(0, 0)
    assert index.data() == "Bread <b>baking</b>"  # the title, shown as plain text
    assert index.data(SearchRoles.ConversationIdRole) == bread
    assert index.data(SearchRoles.MessageIdRole) is None
    assert index.data(Qt.ItemDataRole.AccessibleTextRole) == (
        "Bread <b>baking</b>, title matches")


def test_a_message_hit_says_who_wrote_it_to_screen_readers(store, results) -> None:
    chat(store, "Weather", "Is it sunny in Paris?")
    results.set_query("paris")
    assert results.index(0, 0).data(Qt.ItemDataRole.AccessibleTextRole) == (
        "Weather, You: Is it sunny in Paris?")
    assert results.index(0, 0).data(SearchRoles.SnippetTextRole) == "Is it sunny in Paris?"


def test_blank_queries_clear_the_results(store, results) -> None:
    chat(store, "Weather", "Is it sunny in Paris?")
    results.set_query("paris")
    assert results.rowCount() == 1
    results.set_query("   ")
    assert results.rowCount() == 0
    assert results.query == ""


def test_the_number_of_hits_is_bounded(store) -> None:
    for number in range(8):
        chat(store, f"Chat {number}", "the same question")
    results = SearchResultsModel(store, limit=5)
    results.set_query("question")
    assert results.rowCount() == 5


def test_a_deleted_chats_hits_are_removed_row_by_row(qtbot, store, results) -> None:
    keep = chat(store, "Keep", "apples")
    gone = chat(store, "Gone apples", "apples", "more apples")
    results.set_query("apples")
    assert [hit.conversation_id for hit in results.results()].count(gone) == 3
    with qtbot.assertNotEmitted(results.modelReset):
        results.remove_conversation(gone)
    assert [hit.conversation_id for hit in results.results()] == [keep]


def test_refresh_runs_the_query_again(store, results) -> None:
    first = chat(store, "First", "pears")
    results.set_query("pears")
    second = chat(store, "Second", "pears")
    results.refresh()
    assert {hit.conversation_id for hit in results.results()} == {first, second}


def test_the_model_passes_the_model_tester(qtmodeltester, store, results) -> None:
    chat(store, "Bread", "bread", "bread again")
    results.set_query("bread")
    qtmodeltester.check(results)
    results.set_query("nothing matches this")
    results.set_query("bread")
