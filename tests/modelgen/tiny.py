"""A tiny gpt-oss model with random weights: real architecture, keys, tensors and vocabulary."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.modelgen.gptoss import Shape, write_gptoss_gguf
from tests.modelgen.vocab import base_vocab

# Whole-word tokens so prompts exercise real BPE merges, not only bytes.
TINY_WORDS = ("assistant", "user", "system", "Hello", " world", " the")


def write_tiny_model(path: Path, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    vocab = base_vocab(TINY_WORDS)

    def weight(name: str, shape: tuple[int, ...]) -> np.ndarray:
        if name.endswith("norm.weight"):
            return np.ones(shape, dtype=np.float32)
        return (rng.standard_normal(shape) * 0.05).astype(np.float32)

    return write_gptoss_gguf(path, Shape(), vocab, weight, name="tiny-random-gpt-oss")
