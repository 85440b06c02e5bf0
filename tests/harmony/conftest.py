"""Fixtures for the harmony tests: the real llama.cpp vocabulary of the tiny test model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import llama_cpp
import pytest

from app.core.engine.llama_vocab import LlamaVocabulary


@pytest.fixture(scope="session")
def tiny_llama(tiny_model: Path) -> Iterator[llama_cpp.Llama]:
    """The tiny model's vocabulary in llama.cpp (no weights)."""
    llama = llama_cpp.Llama(str(tiny_model), vocab_only=True, verbose=False)
    yield llama
    llama.close()


@pytest.fixture(scope="session")
def tiny_vocab(tiny_llama: llama_cpp.Llama) -> LlamaVocabulary:
    return LlamaVocabulary.from_llama(tiny_llama)


@pytest.fixture(scope="session")
def model_output(tiny_llama: llama_cpp.Llama):
    """Tokenize text the way the model writes it: markers in the text are marker tokens."""

    def tokenize(text: str) -> list[int]:
        return tiny_llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    return tokenize


@pytest.fixture(scope="session")
def byte_ids(tiny_vocab: LlamaVocabulary) -> dict[int, int]:
    """byte value -> the id of the token that is exactly that byte."""
    ids = {}
    for token_id in range(tiny_vocab.size):
        data = tiny_vocab.token_bytes(token_id)
        if len(data) == 1:
            ids[data[0]] = token_id
    assert len(ids) == 256
    return ids
