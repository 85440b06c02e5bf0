"""Engines on generated models, closed after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.core.engine.config import EngineConfig
from app.core.engine.engine import Engine
from tests.modelgen.scripted import split_markers

REPLY = ("<|channel|>analysis<|message|>User asks a sum. Simple.<|end|>"
         "<|start|>assistant<|channel|>final<|message|>2 + 2 = 4<|return|>")


@pytest.fixture
def make_engine() -> Iterator[Callable[..., Engine]]:
    engines: list[Engine] = []

    def make(path: Path, **config: object) -> Engine:
        engine = Engine()
        engines.append(engine)
        engine.load(path, EngineConfig(**{"n_ctx": 2048, "n_threads": 2, **config}))
        return engine

    yield make
    for engine in engines:
        engine.unload()


@pytest.fixture
def reply_model(scripted_model):
    return scripted_model(split_markers(REPLY))


@pytest.fixture
def endless_model(scripted_model):
    return scripted_model(["<|channel|>", "final", "<|message|>", "tick ", "tock "],
                          endless=True, loop_from=3)
