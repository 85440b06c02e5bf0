"""Engine and sampling settings, with gpt-oss's recommended defaults."""

from __future__ import annotations

from dataclasses import dataclass

import psutil

DEFAULT_CONTEXT = 16384


def physical_cores() -> int:
    return psutil.cpu_count(logical=False) or psutil.cpu_count() or 1


@dataclass(frozen=True)
class EngineConfig:
    n_ctx: int = DEFAULT_CONTEXT
    n_threads: int | None = None  # None: the physical cores
    n_gpu_layers: int = -1  # -1: all layers on the GPU when there is one; 0: CPU only
    cpu_moe_layers: int = 0  # keep this many layers' experts in RAM (small GPUs)
    flash_attn: bool | None = None  # None: llama.cpp decides
    n_batch: int = 512
    check_memory: bool = True
    # The default context shrinks to what fits in memory; a context the user chose does not:
    # it is refused with a proposal instead.
    fit_context_to_memory: bool = True

    @property
    def threads(self) -> int:
        return self.n_threads or physical_cores()


@dataclass(frozen=True)
class SamplingConfig:
    """OpenAI's recommended sampling for gpt-oss; every value is passed to llama.cpp."""

    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0
    min_p: float = 0.0
    max_tokens: int | None = None  # None: until the model stops or the context is full
    seed: int | None = None
