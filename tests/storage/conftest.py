"""Fixtures for the storage tests: a store on a real file in the test's data folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.paths import AppPaths
from app.core.storage import ConversationStore


class FakeClock:
    """A settable clock for the store's timestamps and the reply writer's pacing."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(app_paths: AppPaths) -> Path:
    return app_paths.database


@pytest.fixture
def store(db_path: Path, clock: FakeClock) -> Iterator[ConversationStore]:
    opened = ConversationStore.open(db_path, clock=clock)
    yield opened
    opened.close()
