"""Fixtures for the chat view tests: messages and a view."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from app.ui.chat import ChatItem, ChatView, MessageListModel

VIEW_SIZE = (800, 600)


def make_items(count: int, *, start: int = 0) -> list[ChatItem]:
    """Alternating user questions and assistant replies with some Markdown."""
    items = []
    for number in range(start, start + count):
        if number % 2 == 0:
            question = f"Question {number}: how does step {number} work?"
            items.append(ChatItem(number, "user", question))
        else:
            answer = (f"## Answer {number}\n\nStep **{number}** works like this:\n\n"
                      "- first it reads\n- then it writes\n\n"
                      "```python\nprint('step')\n```\n" + "More detail. " * (number % 7 * 5))
            items.append(ChatItem(number, "assistant", answer, reasoning="Let me think.",
                                  reasoning_seconds=3.0, effort="medium"))
    return items


@pytest.fixture
def model() -> MessageListModel:
    return MessageListModel(make_items(6))


def shown_view(qtbot, model: MessageListModel, view_class: type[ChatView] = ChatView) -> ChatView:
    """A view of `model` on screen, laid out and painted."""
    chat_view = view_class()
    qtbot.addWidget(chat_view)
    chat_view.setModel(model)
    chat_view.resize(*VIEW_SIZE)
    chat_view.show()
    qtbot.waitExposed(chat_view)
    settle(qtbot)
    return chat_view


@pytest.fixture
def view(qtbot, model: MessageListModel) -> Iterator[ChatView]:
    yield shown_view(qtbot, model)


def settle(qtbot) -> None:
    """Let posted layouts and paints run: a few turns of the event loop, no sleeping."""
    for _ in range(4):
        QApplication.processEvents()
