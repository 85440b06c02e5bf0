"""pytest fixtures that generate test models once per session (never downloaded or committed)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tests.modelgen.scripted import Piece, ScriptedModel, script_key, write_scripted_model
from tests.modelgen.tiny import write_tiny_model


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def tiny_model(model_cache: Path) -> Path:
    """A tiny gpt-oss GGUF with random weights."""
    return write_tiny_model(model_cache / "tiny-gpt-oss.gguf")


ScriptedFactory = Callable[..., ScriptedModel]


@pytest.fixture(scope="session")
def scripted_model(model_cache: Path) -> ScriptedFactory:
    """`scripted_model(pieces, endless=, loop_from=, after_call=)` -> a model generating `pieces`.

    See `write_scripted_model`.
    """
    made: dict[str, ScriptedModel] = {}

    def make(pieces: Sequence[Piece], *, endless: bool = False, loop_from: int = 0,
             after_call: Sequence[Piece] | None = None) -> ScriptedModel:
        key = script_key(pieces, endless, loop_from, after_call)
        if key not in made:
            made[key] = write_scripted_model(model_cache / key, pieces, endless=endless,
                                             loop_from=loop_from, after_call=after_call)
        return made[key]

    return make
