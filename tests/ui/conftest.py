"""Fixtures for the chat view tests: the PySide6 None workaround and sample messages."""

from __future__ import annotations

import pytest

from app.ui.chat.items import ChatItem
from app.ui.pyside_workarounds import keep_none_alive


@pytest.fixture(autouse=True, scope="session")
def _none_stays_alive() -> None:
    """The app applies this at start-up; without it long view tests abort on Python 3.11."""
    keep_none_alive()


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
