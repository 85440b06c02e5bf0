"""Will the model fit? Weights + KV cache + buffers against free RAM (and VRAM with a GPU)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import psutil

from app.core.modelfiles.gguf_info import GGUFInfo

GIB = 1024**3
MIN_CONTEXT = 2048
# Compute buffers, the logits of a batch and the runtime itself, beyond weights and cache.
BASE_OVERHEAD = 512 * 1024**2


class Fit(enum.Enum):
    FITS = "fits"
    TIGHT = "tight"
    WONT_FIT = "won't fit"


@dataclass(frozen=True)
class MemoryEstimate:
    weights_bytes: int
    kv_bytes: int
    overhead_bytes: int
    available_bytes: int
    fit: Fit
    where: str  # "RAM" or "VRAM"
    suggested_context: int | None  # a context that would fit, when this one does not

    @property
    def total_bytes(self) -> int:
        return self.weights_bytes + self.kv_bytes + self.overhead_bytes

    def describe(self) -> str:
        need = self.total_bytes / GIB
        have = self.available_bytes / GIB
        text = f"needs about {need:.1f} GB, {have:.1f} GB of {self.where} free: {self.fit.value}"
        if self.suggested_context:
            text += f"; a context of {self.suggested_context:,} tokens would fit"
        return text


def available_ram() -> int:
    return int(psutil.virtual_memory().available)


def _classify(total: int, available: int) -> Fit:
    if total <= available * 0.85:
        return Fit.FITS
    if total <= available:
        return Fit.TIGHT
    return Fit.WONT_FIT


def estimate(info: GGUFInfo, n_ctx: int, *, available: int | None = None,
             vram_free: int | None = None, gpu_fraction: float = 0.0) -> MemoryEstimate:
    """Estimate for `n_ctx` tokens; with a GPU, `gpu_fraction` of the layers live in VRAM."""
    kv = info.kv_bytes_per_token * n_ctx
    overhead = BASE_OVERHEAD + info.n_vocab * 4 * 512
    if vram_free is not None and gpu_fraction > 0:
        need = int((info.tensor_bytes + kv) * gpu_fraction) + overhead
        where, have, weights = "VRAM", vram_free, int(info.tensor_bytes * gpu_fraction)
        kv_part = int(kv * gpu_fraction)
    else:
        have = available if available is not None else available_ram()
        where, weights, kv_part = "RAM", info.tensor_bytes, kv
        need = weights + kv_part + overhead
    fit = _classify(need, have)
    suggestion = None
    if fit is Fit.WONT_FIT:
        spare = have * 0.85 - (need - kv_part)
        per_token = kv_part / n_ctx if n_ctx else 0
        if per_token > 0 and spare > per_token * MIN_CONTEXT:
            suggestion = max(MIN_CONTEXT, int(spare // per_token) // 1024 * 1024)
    return MemoryEstimate(weights, kv_part, overhead, have, fit, where, suggestion)
