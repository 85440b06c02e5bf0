"""MessageListModel: a well-behaved Qt model whose streaming updates touch one row only."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QModelIndex, Qt

from app.ui.chat.items import ChatItem
from app.ui.chat.message_model import MessageListModel, MessageRoles
from tests.ui.conftest import make_items


def test_a_populated_model_passes_the_model_tester(qtmodeltester) -> None:
    qtmodeltester.check(MessageListModel(make_items(10)))


def test_an_empty_model_passes_the_model_tester(qtmodeltester) -> None:
    qtmodeltester.check(MessageListModel())


def test_the_model_stays_consistent_through_changes(qtmodeltester) -> None:
    model = MessageListModel(make_items(4))
    qtmodeltester.check(model)
    model.append(ChatItem("live", "assistant", status="streaming"))
    model.update_streaming("live", "Hello", "thinking")
    model.remove(1)
    model.replace(ChatItem(0, "user", "edited"))
    model.set_items(make_items(3))
    assert model.rowCount() == 3


def test_update_streaming_emits_data_changed_for_exactly_one_row_and_no_reset(qtbot) -> None:
    model = MessageListModel(make_items(6))
    model.append(ChatItem("live", "assistant", status="streaming"))
    changes: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda top, bottom, *_: changes.append((top.row(), bottom.row())))
    structural = []
    for signal in (model.modelAboutToBeReset, model.modelReset, model.layoutAboutToBeChanged,
                   model.layoutChanged, model.rowsInserted, model.rowsRemoved):
        signal.connect(lambda *args, s=signal: structural.append(s))

    with qtbot.waitSignal(model.dataChanged, timeout=1000):
        assert model.update_streaming("live", answer_delta="Hel", reasoning_delta="Hmm")
    model.update_streaming("live", answer_delta="lo")

    assert changes == [(6, 6), (6, 6)]
    assert structural == []
    item = model.item_at(6)
    assert (item.answer, item.reasoning) == ("Hello", "Hmm")


def test_streaming_gives_only_the_live_row_a_new_version() -> None:
    model = MessageListModel(make_items(4))
    before = [model.version_at(row) for row in range(4)]
    model.update_streaming(3, answer_delta=" more")
    after = [model.version_at(row) for row in range(4)]
    assert after[:3] == before[:3]
    assert after[3] != before[3]
    assert model.data(model.index(3), MessageRoles.VersionRole) == after[3]


def test_update_for_a_message_not_in_the_model_is_ignored(qtbot) -> None:
    model = MessageListModel(make_items(2))
    with qtbot.assertNotEmitted(model.dataChanged):
        assert not model.update_streaming("gone", answer_delta="late text")


def test_append_inserts_one_row_at_the_end(qtbot) -> None:
    model = MessageListModel(make_items(3))
    with qtbot.waitSignal(model.rowsInserted, timeout=1000) as inserted:
        model.append(ChatItem("new", "user", "hi"))
    assert inserted.args[1:] == [3, 3]
    assert model.row_of("new") == 3
    with pytest.raises(ValueError, match="already"):
        model.append(ChatItem("new", "user", "again"))


def test_remove_takes_out_one_row_and_keeps_lookups_right(qtbot) -> None:
    model = MessageListModel(make_items(5))
    with qtbot.waitSignal(model.rowsRemoved, timeout=1000) as removed:
        assert model.remove(1)
    assert removed.args[1:] == [1, 1]
    assert [model.row_of(i) for i in (0, 1, 2, 3, 4)] == [0, -1, 1, 2, 3]
    assert not model.remove(1)


def test_replace_changes_one_row(qtbot) -> None:
    model = MessageListModel(make_items(3))
    with qtbot.waitSignal(model.dataChanged, timeout=1000) as changed:
        assert model.replace(ChatItem(2, "user", "edited question"))
    assert changed.args[0].row() == changed.args[1].row() == 2
    assert model.item(2).answer == "edited question"
    assert not model.replace(ChatItem("missing", "user", "x"))


def test_set_items_resets_and_refuses_duplicate_ids(qtbot) -> None:
    model = MessageListModel(make_items(3))
    with qtbot.waitSignal(model.modelReset, timeout=1000):
        model.set_items(make_items(5, start=10))
    assert model.rowCount() == 5 and model.row_of(14) == 4 and model.row_of(0) == -1
    with qtbot.assertNotEmitted(model.modelAboutToBeReset), pytest.raises(ValueError):
        model.set_items([ChatItem(1, "user"), ChatItem(1, "assistant")])
    assert model.rowCount() == 5


def test_roles_expose_the_item_and_its_fields() -> None:
    item = ChatItem("a", "assistant", "the answer", reasoning="why", effort="high")
    model = MessageListModel([item])
    index = model.index(0)
    assert model.data(index, Qt.ItemDataRole.DisplayRole) == "the answer"
    assert model.data(index, MessageRoles.ItemRole) is item
    assert model.data(index, MessageRoles.EffortRole) == "high"
    assert model.data(index, MessageRoles.ReasoningRole) == "why"
    assert model.data(QModelIndex(), MessageRoles.ItemRole) is None
    assert model.roleNames()[MessageRoles.AnswerRole].data() == b"answer"


operations = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers(0, 30)),
        st.tuples(st.just("remove"), st.integers(0, 30)),
        st.tuples(st.just("stream"), st.integers(0, 30)),
        st.tuples(st.just("replace"), st.integers(0, 30)),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(operations)
def test_lookups_and_rows_agree_after_any_sequence_of_changes(steps) -> None:
    model = MessageListModel()
    expected: list[int] = []
    for action, message_id in steps:
        if action == "append" and message_id not in expected:
            model.append(ChatItem(message_id, "assistant"))
            expected.append(message_id)
        elif action == "remove":
            assert model.remove(message_id) == (message_id in expected)
            if message_id in expected:
                expected.remove(message_id)
        elif action == "stream":
            assert model.update_streaming(message_id, "x") == (message_id in expected)
        elif action == "replace":
            assert model.replace(ChatItem(message_id, "user")) == (message_id in expected)
    assert [item.message_id for item in model.items()] == expected
    assert all(model.row_of(message_id) == row for row, message_id in enumerate(expected))
