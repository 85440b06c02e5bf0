"""Full-text search over titles and messages: matching, snippets, safety of user queries."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.storage import ConversationStore, SearchHit
from app.core.storage.search import fts_query
from tests.storage.conftest import FakeClock


def _conversation(store: ConversationStore, question: str, answer: str,
                  reasoning: str = "") -> int:
    conversation = store.create_conversation()
    store.add_user_message(conversation.id, question)
    writer = store.begin_reply(conversation.id)
    writer.append_reasoning(reasoning)
    writer.append_answer(answer)
    writer.finish()
    return conversation.id


def _check_index(store: ConversationStore) -> None:
    """FTS5's own check that the index matches the text it indexes."""
    with store._db.read() as conn:
        for table in ("message_search", "conversation_search"):
            conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")


def test_titles_and_messages_are_found_with_highlighted_snippets(
        store: ConversationStore) -> None:
    bread = _conversation(store, "How do I bake sourdough bread?",
                          "Feed the starter, then knead the dough and bake it hot.")
    _conversation(store, "Tell me about rivers", "The Rhône flows through Lyon.")
    hits = store.search("bake")
    assert hits == [
        SearchHit(bread, "How do I bake sourdough bread?", None, None,
                  "How do I [bake] sourdough bread?"),
        SearchHit(bread, "How do I bake sourdough bread?", hits[1].message_id, "assistant",
                  "Feed the starter, then knead the dough and [bake] it hot."),
        SearchHit(bread, "How do I bake sourdough bread?", hits[2].message_id, "user",
                  "How do I [bake] sourdough bread?"),
    ]


def test_markers_are_the_callers_choice(store: ConversationStore) -> None:
    _conversation(store, "weather", "It is sunny in Paris today.")
    hit = store.search("paris", markers=("\ue000", "\ue001"))[-1]
    assert hit.snippet == "It is sunny in \ue000Paris\ue001 today."


def test_every_word_must_match_and_the_last_is_a_prefix(store: ConversationStore) -> None:
    _conversation(store, "q1", "red apples and green pears")
    _conversation(store, "q2", "red cars")
    assert [h.snippet for h in store.search("red app")] == ["[red] [apples] and green pears"]
    assert len(store.search("red")) == 2
    assert store.search("red bicycles") == []


def test_accents_and_case_do_not_matter(store: ConversationStore) -> None:
    _conversation(store, "q", "Un café à Montréal")
    assert len(store.search("CAFE montreal")) == 1


def test_long_messages_give_short_snippets(store: ConversationStore) -> None:
    _conversation(store, "q", "filler " * 200 + "needle " + "filler " * 200)
    snippet = store.search("needle")[0].snippet
    assert "[needle]" in snippet and snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet.split()) <= 20


def test_reasoning_is_not_searched(store: ConversationStore) -> None:
    _conversation(store, "q", "The answer.", reasoning="secret chain of thought")
    assert store.search("secret") == []


def test_deleted_conversations_are_never_found(store: ConversationStore) -> None:
    kept = _conversation(store, "kiwi one", "kiwi")
    gone = _conversation(store, "kiwi two", "kiwi")
    store.delete_conversation(gone)
    assert {hit.conversation_id for hit in store.search("kiwi")} == {kept}


def test_newest_messages_come_first_and_the_limit_holds(store: ConversationStore,
                                                        clock: FakeClock) -> None:
    ids = []
    for index in range(8):
        clock.advance(60)
        ids.append(_conversation(store, f"question {index}", f"mango number {index}"))
    hits = store.search("mango", limit=5)
    assert [hit.conversation_id for hit in hits] == ids[::-1][:5]
    assert store.search("mango", limit=0) == []


def test_streamed_edited_and_purged_text_keeps_the_index_exact(store: ConversationStore,
                                                               clock: FakeClock) -> None:
    conversation = store.create_conversation()
    user = store.add_user_message(conversation.id, "first words")
    writer = store.begin_reply(conversation.id, interval=0.0)
    for word in ("alpha ", "beta ", "gamma"):
        writer.append_answer(word)
    writer.finish()
    store.edit_user_message(user.id, "second words")
    store.rename(conversation.id, "renamed title")
    _check_index(store)
    assert [h.snippet for h in store.search("beta")] == ["alpha [beta] gamma"]
    store.delete_conversation(conversation.id)
    clock.advance(10)
    store.purge_deleted(0)
    _check_index(store)
    assert store.search("alpha") == [] and store.search("renamed") == []


@pytest.mark.parametrize("query", ['"foo', "AND", "OR", "NOT x", "NEAR(a b)", "*", "a*b",
                                   "col:value", "^start", "-minus", "(", ")", '""', "'", "\x00",
                                   "foo AND", "{a b}", "+", "a:b:c", "   "])
def test_query_syntax_typed_by_users_is_searched_as_text(store: ConversationStore,
                                                         query: str) -> None:
    _conversation(store, "q", 'He said "foo AND bar" (NOT really) at col:value.')
    store.search(query)  # must not raise


def test_quoted_words_match_literally(store: ConversationStore) -> None:
    _conversation(store, "q", "use AND, OR and NOT carefully")
    assert len(store.search("AND OR NOT")) == 1


def test_fts_query_quotes_every_word() -> None:
    assert fts_query('say "hi" now') == '"say" """hi""" "now"*'
    assert fts_query("  ") is None


@settings(deadline=None, max_examples=300,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text())
def test_no_query_can_break_the_search(store: ConversationStore, query: str) -> None:
    if not store.conversation_ids():
        _conversation(store, "Some title", "Some text with words, numbers 42 and café.")
    try:
        store.search(query)
    except sqlite3.Error as exc:  # pragma: no cover - the failure message is the point
        pytest.fail(f"query {query!r} raised {exc}")
