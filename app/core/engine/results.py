"""What loading and generating report back."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from app.core.engine.memory import MemoryEstimate
from app.core.harmony.events import StopReason
from app.core.harmony.prompt import Message


@dataclass(frozen=True)
class LoadInfo:
    path: str
    name: str
    backend: str  # "CPU", "CUDA", "Metal", "Vulkan", …
    device: str
    n_gpu_layers: int
    n_ctx: int
    n_threads: int
    memory: MemoryEstimate
    note: str | None = None  # why a fallback happened, for the user


@dataclass
class GenerationStats:
    prompt_tokens: int = 0
    reused_tokens: int = 0
    evaluated_tokens: int = 0
    prompt_tok_s: float = 0.0
    ttft_s: float = 0.0
    decode_tok_s: float = 0.0
    generated_tokens: int = 0
    stop_reason: str = ""
    effort: str = ""
    backend: str = ""
    dropped_turns: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class GenerationResult:
    stats: GenerationStats
    stop_reason: StopReason
    messages: list[Message] = field(default_factory=list)
    answer: str = ""
    reasoning: str = ""
