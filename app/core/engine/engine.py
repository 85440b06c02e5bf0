"""The inference engine: one gpt-oss model, its context, prefix reuse and the decode loop.

Not thread-safe by design: exactly one thread (the GUI's worker, or the `ask` command) owns
an Engine. Another thread may only set the `cancel` event it passed in.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from app.core.engine.config import EngineConfig, SamplingConfig
from app.core.engine.fitting import fit_prompt
from app.core.engine.llama_vocab import LlamaVocabulary
from app.core.engine.memory import Fit, estimate
from app.core.engine.native import (
    Aborted,
    NativeContext,
    NativeModel,
    NativeSampler,
    devices,
    supports_gpu_offload,
)
from app.core.engine.results import GenerationResult, GenerationStats, LoadInfo
from app.core.harmony.events import AnswerDelta, Event, ReasoningDelta, StopReason, TurnEnd
from app.core.harmony.parser import HarmonyStreamParser
from app.core.harmony.prompt import Prompt
from app.core.harmony.render import render_tokens
from app.core.harmony.vocab import HarmonyMarkers
from app.core.modelfiles.gguf_info import ModelFileError, inspect_gguf

log = logging.getLogger(__name__)

EventSink = Callable[[Event], None]
ProgressSink = Callable[[int, int], None]


class WontFit(ModelFileError):
    """The model and context do not fit this machine's memory."""


class EngineError(Exception):
    """A turn failed in a way the user should be told about."""


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class Engine:
    def __init__(self) -> None:
        self._model: NativeModel | None = None
        self._context: NativeContext | None = None
        self._vocab: LlamaVocabulary | None = None
        self._markers: HarmonyMarkers | None = None
        self._cached: list[int] = []  # tokens whose K/V are in the cache, from position 0
        self._dropped_turns: dict[str, int] = {}
        self.info: LoadInfo | None = None

    @property
    def loaded(self) -> bool:
        return self._context is not None

    @property
    def vocab(self) -> LlamaVocabulary:
        if self._vocab is None:
            raise EngineError("No model is loaded.")
        return self._vocab

    # -- loading ----------------------------------------------------------------------------
    def load(self, path: Path, config: EngineConfig | None = None, *,
             progress: Callable[[float], None] | None = None,
             cancel: threading.Event | None = None,
             available_memory: int | None = None) -> LoadInfo:
        """Load a gpt-oss GGUF; raises ModelFileError (incl. WontFit) or LoadCancelled.

        `available_memory` overrides the free RAM the estimate is made against.
        """
        config = config or EngineConfig()
        info = inspect_gguf(path)
        n_ctx = min(config.n_ctx, info.n_ctx_train) if info.n_ctx_train else config.n_ctx
        memory = estimate(info, n_ctx, available=available_memory)
        context_note = None
        if (config.check_memory and memory.fit is Fit.WONT_FIT and memory.suggested_context
                and config.fit_context_to_memory):
            context_note = (f"The context was reduced from {n_ctx:,} to "
                            f"{memory.suggested_context:,} tokens to fit in memory.")
            n_ctx = memory.suggested_context
            memory = estimate(info, n_ctx, available=available_memory)
        if config.check_memory and memory.fit is Fit.WONT_FIT:
            hint = (f" Try a context of {memory.suggested_context:,} tokens."
                    if memory.suggested_context else "")
            raise WontFit(f"{info.name} will not fit in memory: it {memory.describe()}.{hint}")
        self.unload()

        def on_progress(fraction: float) -> bool:
            if progress is not None:
                progress(fraction)
            return not (cancel is not None and cancel.is_set())

        gpu = supports_gpu_offload() and config.n_gpu_layers != 0
        attempts = [config.n_gpu_layers, info.n_layer // 2, 0] if gpu else [0]
        failures: list[str] = []
        for layers in dict.fromkeys(attempts):  # in order, without repeats
            model = None
            try:
                model = NativeModel.load(path, n_gpu_layers=layers, progress=on_progress,
                                         cpu_moe_layers=config.cpu_moe_layers)
                context = NativeContext(model, n_ctx=n_ctx, n_threads=config.threads,
                                        n_batch=config.n_batch, n_ubatch=config.n_batch,
                                        flash_attn=config.flash_attn)
            except RuntimeError as exc:
                if model is not None:
                    model.close()
                failures.append(f"{'all' if layers < 0 else layers} GPU layers: {exc}")
                log.warning("Loading with n_gpu_layers=%d failed: %s", layers, exc)
                continue
            self._model, self._context = model, context
            break
        else:
            raise ModelFileError(f"{info.name} could not be loaded. " + "; ".join(failures))

        self._vocab = LlamaVocabulary(model.vocab)
        self._markers = HarmonyMarkers.from_vocab(self._vocab)
        backend, device = self._describe_backend(model.n_gpu_layers)
        notes = [context_note] if context_note else []
        if failures:
            notes.append("The GPU could not hold the whole model (" + "; ".join(failures) + ").")
        note = " ".join(notes) or None
        self.info = LoadInfo(path=str(path), name=info.name, backend=backend, device=device,
                             n_gpu_layers=model.n_gpu_layers, n_ctx=context.n_ctx,
                             n_threads=config.threads, memory=memory, note=note)
        log.info("Loaded %s: %s on %s, context %d, %d threads", info.name, backend, device,
                 context.n_ctx, config.threads)
        return self.info

    @staticmethod
    def _describe_backend(n_gpu_layers: int) -> tuple[str, str]:
        found = devices()
        gpus = [d for d in found if d.kind in ("GPU", "iGPU")]
        if n_gpu_layers != 0 and gpus:
            name = gpus[0].name
            for backend in ("CUDA", "Metal", "MTL", "Vulkan", "ROCm", "SYCL"):
                if name.upper().startswith(backend.upper()):
                    return ("Metal" if backend == "MTL" else backend), gpus[0].description
            return name, gpus[0].description
        cpu = next((d for d in found if d.kind == "CPU"), None)
        return "CPU", cpu.description if cpu else "CPU"

    def unload(self) -> None:
        if self._context is not None:
            self._context.close()
        if self._model is not None:
            self._model.close()
        self._context = self._model = self._vocab = self._markers = None
        self._cached = []
        self._dropped_turns.clear()
        self.info = None

    # -- generating -------------------------------------------------------------------------
    def tokenize_prompt(self, prompt: Prompt) -> list[int]:
        return render_tokens(prompt, self.vocab)

    def generate(self, prompt: Prompt, sampling: SamplingConfig | None = None, *,
                 on_event: EventSink | None = None, cancel: threading.Event | None = None,
                 on_prompt_progress: ProgressSink | None = None,
                 conversation_key: str | None = None) -> GenerationResult:
        """Generate one assistant turn, streaming parser events to `on_event`."""
        context, markers = self._context, self._markers
        if context is None or markers is None or self.info is None:
            raise EngineError("No model is loaded.")
        sampling = sampling or SamplingConfig()
        cancel = cancel or threading.Event()
        started = time.perf_counter()
        reserve = min(sampling.max_tokens or context.n_ctx // 4, context.n_ctx // 2)
        fitted = fit_prompt(prompt, self.tokenize_prompt, context.n_ctx - reserve,
                            self._dropped_turns.get(conversation_key or "", 0))
        if conversation_key is not None:
            self._dropped_turns[conversation_key] = fitted.dropped_turns
        tokens = fitted.tokens
        stats = GenerationStats(prompt_tokens=len(tokens), effort=prompt.reasoning_effort,
                                backend=self.info.backend, dropped_turns=fitted.dropped_turns)

        reused = self._reuse_prefix(context, tokens)
        stats.reused_tokens = reused
        stats.evaluated_tokens = len(tokens) - reused
        parser = HarmonyStreamParser(self.vocab)
        result = GenerationResult(stats=stats, stop_reason=StopReason.STOPPED)
        try:
            self._read_prompt(context, tokens, reused, cancel, on_prompt_progress)
        except Aborted:
            self._cached = tokens[:context.cached_length()]
            return self._finish(result, parser, StopReason.STOPPED, on_event)
        prompt_done = time.perf_counter()
        if stats.evaluated_tokens:
            stats.prompt_tok_s = stats.evaluated_tokens / max(prompt_done - started, 1e-9)
        return self._decode(context, markers, sampling, parser, result, cancel=cancel,
                            on_event=on_event, started=started)

    def _reuse_prefix(self, context: NativeContext, tokens: list[int]) -> int:
        keep = _common_prefix(self._cached, tokens)
        keep = min(keep, len(tokens) - 1)  # the last prompt token must run to give logits
        if not context.truncate(keep):
            context.clear()
            keep = 0
        self._cached = tokens[:keep]
        return keep

    def _read_prompt(self, context: NativeContext, tokens: list[int], start: int,
                     cancel: threading.Event, on_progress: ProgressSink | None) -> None:
        context.abort_flag = cancel
        total = len(tokens) - start

        def progress(done: int) -> None:
            self._cached = tokens[:start + done]
            if on_progress is not None:
                on_progress(done, total)

        context.decode_prompt(tokens[start:], start, progress)

    def _decode(self, context: NativeContext, markers: HarmonyMarkers, sampling: SamplingConfig,
                parser: HarmonyStreamParser, result: GenerationResult, *,
                cancel: threading.Event, on_event: EventSink | None,
                started: float) -> GenerationResult:
        stats = result.stats
        stop_ids = {markers.return_, markers.call, markers.endoftext}
        limit = sampling.max_tokens if sampling.max_tokens is not None else context.n_ctx
        seed = sampling.seed if sampling.seed is not None else int(time.time_ns() & 0xFFFFFFFF)
        sampler = NativeSampler(temperature=sampling.temperature, top_p=sampling.top_p,
                                top_k=sampling.top_k, min_p=sampling.min_p, seed=seed)
        first_at = 0.0
        reason = StopReason.LENGTH
        try:
            while stats.generated_tokens < limit:
                if cancel.is_set():
                    reason = StopReason.STOPPED
                    break
                if len(self._cached) >= context.n_ctx:
                    reason = StopReason.LENGTH
                    break
                token = sampler.sample(context)
                stats.generated_tokens += 1
                if stats.generated_tokens == 1:
                    first_at = time.perf_counter()
                    stats.ttft_s = first_at - started
                ended = self._deliver(parser.feed(token), result, on_event)
                if ended is None and token in stop_ids:  # the parser always ends here; be sure
                    ended = StopReason.END_OF_TEXT
                    self._deliver(parser.finish(ended), result, on_event)
                if ended is not None:
                    result.messages = list(parser.messages)
                    return self._complete(result, ended, first_at)
                if stats.generated_tokens >= limit or len(self._cached) + 1 >= context.n_ctx:
                    break  # the last token's logits would never be used: do not evaluate it
                context.decode_one(token)
                self._cached.append(token)
        finally:
            sampler.close()
        self._finish(result, parser, reason, on_event)
        return self._complete(result, reason, first_at)

    def _complete(self, result: GenerationResult, reason: StopReason,
                  first_at: float) -> GenerationResult:
        stats = result.stats
        if stats.generated_tokens > 1 and first_at:
            stats.decode_tok_s = (stats.generated_tokens - 1) / max(
                time.perf_counter() - first_at, 1e-9)
        stats.stop_reason = reason.value
        result.stop_reason = reason
        return result

    def _finish(self, result: GenerationResult, parser: HarmonyStreamParser, reason: StopReason,
                on_event: EventSink | None) -> GenerationResult:
        self._deliver(parser.finish(reason), result, on_event)
        result.messages = list(parser.messages)
        result.stop_reason = reason
        result.stats.stop_reason = reason.value
        return result

    @staticmethod
    def _deliver(events: list[Event], result: GenerationResult,
                 on_event: EventSink | None) -> StopReason | None:
        ended = None
        for event in events:
            if isinstance(event, AnswerDelta):
                result.answer += event.text
            elif isinstance(event, ReasoningDelta):
                result.reasoning += event.text
            elif isinstance(event, TurnEnd):
                ended = event.reason
            if on_event is not None:
                on_event(event)
        return ended
