"""Fixtures for the sidebar tests: a real store on a file, a settable clock, a shown sidebar."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from PySide6.QtWidgets import QApplication

from app.core.paths import AppPaths
from app.core.storage import ConversationStore
from app.ui.sidebar.conversation_model import ConversationListModel
from tests.storage.conftest import FakeClock

# A fixed local afternoon, so the date groups do not depend on when the tests run.
NOW = datetime(2025, 6, 18, 15, 0).timestamp()
SIDEBAR_SIZE = (300, 600)


def days_ago(days: float, *, hour: int = 12) -> float:
    """A local time `days` calendar days before NOW, at the given hour."""
    day = datetime.fromtimestamp(NOW) - timedelta(days=days)
    return day.replace(hour=hour, minute=0).timestamp()


def create_at(store: ConversationStore, clock: FakeClock, when: float, title: str,
              *, pinned: bool = False) -> int:
    """A conversation whose last activity is `when` (the clock is put back to NOW)."""
    clock.now = when
    conversation = store.create_conversation(title=title)
    if pinned:
        store.set_pinned(conversation.id, True)
    clock.now = NOW
    return conversation.id


def create_many(store: ConversationStore, clock: FakeClock, count: int) -> list[int]:
    """`count` conversations a minute apart, the last one newest."""
    return [create_at(store, clock, NOW - (count - number) * 60, f"Chat {number}")
            for number in range(count)]


def shown_titles(model: ConversationListModel) -> list[str]:
    """Every row as the list shows it: group labels and conversation titles."""
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def settle() -> None:
    for _ in range(4):
        QApplication.processEvents()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def store(app_paths: AppPaths, clock: FakeClock) -> Iterator[ConversationStore]:
    opened = ConversationStore.open(app_paths.database, clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def make_sidebar(qtbot, store: ConversationStore, clock: FakeClock):
    """Build and show a sidebar over the test's store (after the test has filled it)."""

    from app.ui.sidebar.sidebar import Sidebar

    def make(**options) -> Sidebar:
        options.setdefault("clock", clock)
        sidebar = Sidebar(store, **options)
        qtbot.addWidget(sidebar)
        sidebar.resize(*SIDEBAR_SIZE)
        sidebar.show()
        qtbot.waitExposed(sidebar)
        settle()
        return sidebar

    return make
