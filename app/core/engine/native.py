"""The thin layer over llama.cpp's C API (through llama-cpp-python's ctypes bindings).

The engine drives llama.cpp directly rather than through `llama_cpp.Llama`: the native sampler
chain samples without copying logits into Python, loading reports progress and can be
cancelled, and an abort callback interrupts a long prompt. Everything here runs on the one
thread that owns the model.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

class _Backend:
    """Process-wide llama.cpp initialisation (once), and the log callback it must keep alive."""

    lock = threading.Lock()
    ready = False
    log_callback: Any = None


def llama() -> Any:
    """The llama_cpp module, imported on first use so the window opens fast."""
    import llama_cpp

    return llama_cpp


def preload() -> None:
    """Import llama.cpp's bindings and load ggml's GGUF reader now, on the calling thread.

    The GUI calls this before its engine thread starts: PySide6 hooks every import, and that
    hook is not safe to run on a worker thread while the GUI thread runs Python code.
    """
    import llama_cpp._ggml  # noqa: F401

    from app.core.modelfiles.gguf_native import load_library

    load_library()


def ensure_backend() -> None:
    """Initialise llama.cpp once per process and route its log into Python logging."""
    with _Backend.lock:
        if _Backend.ready:
            return
        lib = llama()
        native_log = logging.getLogger("llama.cpp")
        # ggml levels: 1 debug, 2 info, 3 warn, 4 error, 5 continuation. llama.cpp warns about
        # harmless things on every gpt-oss load, and every failure it reports also reaches the
        # caller, who tells the user in the app's words; so its messages go to the log file.
        levels = {3: logging.INFO, 4: logging.INFO}

        def on_log(level: int, text: bytes, _user: Any) -> None:
            message = text.decode("utf-8", errors="replace").rstrip()
            if message:
                native_log.log(levels.get(level, logging.DEBUG), "%s", message)

        _Backend.log_callback = lib.llama_log_callback(on_log)
        lib.llama_log_set(_Backend.log_callback, ctypes.c_void_p(0))
        lib.llama_backend_init()
        _Backend.ready = True


@dataclass(frozen=True)
class Device:
    name: str
    description: str
    kind: str  # "CPU", "GPU", "iGPU", "accelerator"
    free_bytes: int
    total_bytes: int


_DEVICE_KINDS = {0: "CPU", 1: "GPU", 2: "iGPU", 3: "accelerator"}


def devices() -> list[Device]:
    """The compute devices llama.cpp found (CPU always; Metal, CUDA or Vulkan when built in)."""
    ensure_backend()
    try:
        from llama_cpp._ggml import libggml
    except ImportError:  # an older binding without the ggml handle
        return []
    lib = libggml
    lib.ggml_backend_dev_count.restype = ctypes.c_size_t
    lib.ggml_backend_dev_get.restype = ctypes.c_void_p
    lib.ggml_backend_dev_get.argtypes = [ctypes.c_size_t]
    for fn in (lib.ggml_backend_dev_name, lib.ggml_backend_dev_description):
        fn.restype = ctypes.c_char_p
        fn.argtypes = [ctypes.c_void_p]
    lib.ggml_backend_dev_type.restype = ctypes.c_int
    lib.ggml_backend_dev_type.argtypes = [ctypes.c_void_p]
    lib.ggml_backend_dev_memory.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t),
                                            ctypes.POINTER(ctypes.c_size_t)]
    found = []
    for i in range(lib.ggml_backend_dev_count()):
        dev = lib.ggml_backend_dev_get(i)
        free, total = ctypes.c_size_t(0), ctypes.c_size_t(0)
        lib.ggml_backend_dev_memory(dev, ctypes.byref(free), ctypes.byref(total))
        found.append(Device(
            name=(lib.ggml_backend_dev_name(dev) or b"").decode(errors="replace"),
            description=(lib.ggml_backend_dev_description(dev) or b"").decode(errors="replace"),
            kind=_DEVICE_KINDS.get(lib.ggml_backend_dev_type(dev), "other"),
            free_bytes=free.value, total_bytes=total.value))
    return found


def supports_gpu_offload() -> bool:
    ensure_backend()
    return bool(llama().llama_supports_gpu_offload())


class LoadCancelled(Exception):
    """Loading was cancelled by the user."""


class NativeModel:
    """A loaded llama_model (weights) and its vocabulary pointer."""

    def __init__(self, pointer: Any, path: Path, n_gpu_layers: int) -> None:
        self.pointer = pointer
        self.path = path
        self.n_gpu_layers = n_gpu_layers
        self.vocab = llama().llama_model_get_vocab(pointer)

    @classmethod
    def load(cls, path: Path, *, n_gpu_layers: int = 0, vocab_only: bool = False,
             progress: Callable[[float], bool] | None = None,
             cpu_moe_layers: int = 0) -> NativeModel:
        """Load a GGUF. `progress(fraction)` returning False cancels (LoadCancelled)."""
        ensure_backend()
        lib = llama()
        params = lib.llama_model_default_params()
        params.n_gpu_layers = n_gpu_layers
        params.vocab_only = vocab_only
        cancelled = False

        def on_progress(fraction: float, _user: Any) -> bool:
            nonlocal cancelled
            if progress is not None and not progress(float(fraction)):
                cancelled = True
                return False
            return True

        callback = lib.llama_progress_callback(on_progress)
        params.progress_callback = callback
        overrides = _expert_overrides(cpu_moe_layers) if cpu_moe_layers and n_gpu_layers else None
        if overrides is not None:  # (array, pattern strings): both must outlive the load
            params.tensor_buft_overrides = ctypes.cast(overrides[0], ctypes.c_void_p)
        pointer = lib.llama_model_load_from_file(str(path).encode("utf-8"), params)
        del callback, overrides
        if cancelled:
            if pointer:
                lib.llama_model_free(pointer)
            raise LoadCancelled
        if not pointer:
            raise RuntimeError(f"llama.cpp could not load {path.name}")
        return cls(pointer, path, n_gpu_layers)

    def meta(self, key: str) -> str | None:
        buf = ctypes.create_string_buffer(512)
        n = llama().llama_model_meta_val_str(self.pointer, key.encode(), buf, len(buf))
        return buf.value.decode("utf-8", errors="replace") if n >= 0 else None

    @property
    def n_ctx_train(self) -> int:
        return int(llama().llama_model_n_ctx_train(self.pointer))

    @property
    def n_layer(self) -> int:
        return int(llama().llama_model_n_layer(self.pointer))

    def close(self) -> None:
        if self.pointer:
            llama().llama_model_free(self.pointer)
            self.pointer = None


def _expert_overrides(layers: int) -> Any:
    """Keep the MoE experts of the first `layers` layers in system RAM (for small GPUs)."""
    lib = llama()
    try:
        from llama_cpp._ggml import libggml
    except ImportError:
        return None
    libggml.ggml_backend_cpu_buffer_type.restype = ctypes.c_void_p
    cpu_buft = libggml.ggml_backend_cpu_buffer_type()
    entry = lib.llama_model_tensor_buft_override if hasattr(
        lib, "llama_model_tensor_buft_override") else None
    if entry is None:
        class _Override(ctypes.Structure):
            _fields_ = [("pattern", ctypes.c_char_p), ("buft", ctypes.c_void_p)]
        entry = _Override
    patterns = [f"blk\\.{i}\\.ffn_(up|down|gate)_exps".encode() for i in range(layers)]
    array = (entry * (len(patterns) + 1))()
    for i, pattern in enumerate(patterns):
        array[i].pattern = pattern
        array[i].buft = cpu_buft
    return array, patterns


class Aborted(Exception):
    """llama_decode stopped because the abort callback asked it to."""


class NativeContext:
    """A llama_context (KV cache, threads) with batch decoding, an abort flag and a sampler."""

    def __init__(self, model: NativeModel, *, n_ctx: int, n_threads: int, n_batch: int = 512,
                 n_ubatch: int = 512, flash_attn: bool | None = None) -> None:
        lib = llama()
        params = lib.llama_context_default_params()
        params.n_ctx = n_ctx
        params.n_batch = n_batch
        params.n_ubatch = n_ubatch
        params.n_threads = n_threads
        params.n_threads_batch = n_threads
        params.flash_attn_type = (lib.LLAMA_FLASH_ATTN_TYPE_AUTO if flash_attn is None else
                                  int(bool(flash_attn)))
        # Prefix reuse rolls the cache back; with a trimmed sliding-window cache that silently
        # gives wrong logits, so the full-size one is required.
        params.swa_full = True
        params.no_perf = True
        self.pointer = lib.llama_init_from_model(model.pointer, params)
        if not self.pointer:
            raise RuntimeError("llama.cpp could not create a context (not enough memory?)")
        self.model = model
        self.n_ctx = int(lib.llama_n_ctx(self.pointer))
        self.n_batch = n_batch
        self.abort_flag = threading.Event()
        self._abort_cb = lib.ggml_abort_callback(lambda _data: self.abort_flag.is_set())
        self._null_cb = lib.ggml_abort_callback()
        self._one = (lib.llama_token * 1)()
        self._batch = lib.llama_batch_init(n_batch, 0, 1)

    # -- decoding ---------------------------------------------------------------------------
    def decode_prompt(self, tokens: Sequence[int], start: int,
                      on_progress: Callable[[int], None] | None = None) -> None:
        """Evaluate `tokens` at positions start…; logits only for the last one.

        The abort callback is installed only here: llama.cpp calls it after every graph node,
        which would cost decode speed if it stayed on.
        """
        lib = llama()
        lib.llama_set_abort_callback(self.pointer, self._abort_cb, None)
        try:
            done = 0
            while done < len(tokens):
                chunk = tokens[done:done + self.n_batch]
                self._fill(chunk, start + done, last_logits=done + len(chunk) == len(tokens))
                self._check(lib.llama_decode(self.pointer, self._batch))
                done += len(chunk)
                if on_progress is not None:
                    on_progress(done)
        finally:
            lib.llama_set_abort_callback(self.pointer, self._null_cb, None)

    def decode_one(self, token: int) -> None:
        lib = llama()
        self._one[0] = token
        self._check(lib.llama_decode(self.pointer, lib.llama_batch_get_one(self._one, 1)))

    def _fill(self, chunk: Sequence[int], start: int, *, last_logits: bool) -> None:
        batch = self._batch
        n = len(chunk)
        for i, token in enumerate(chunk):
            batch.token[i] = token
            batch.pos[i] = start + i
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = 0
            batch.logits[i] = 0
        batch.logits[n - 1] = 1 if last_logits else 0
        batch.n_tokens = n

    def _check(self, code: int) -> None:
        if code == 0:
            return
        if code == 2:
            raise Aborted
        if code == 1:
            raise RuntimeError("the context is full (no KV cache slot for this batch)")
        raise RuntimeError(f"llama_decode failed with status {code}")

    # -- cache ------------------------------------------------------------------------------
    def cached_length(self) -> int:
        """How many positions of sequence 0 are in the KV cache."""
        lib = llama()
        return int(lib.llama_memory_seq_pos_max(lib.llama_get_memory(self.pointer), 0)) + 1

    def truncate(self, keep: int) -> bool:
        """Drop every cached position from `keep` on; False if the cache cannot do that."""
        lib = llama()
        return bool(lib.llama_memory_seq_rm(lib.llama_get_memory(self.pointer), 0, keep, -1))

    def clear(self) -> None:
        lib = llama()
        lib.llama_memory_clear(lib.llama_get_memory(self.pointer), True)

    def close(self) -> None:
        lib = llama()
        if self.pointer:
            lib.llama_batch_free(self._batch)
            lib.llama_free(self.pointer)
            self.pointer = None


class NativeSampler:
    """llama.cpp's own sampler chain: no logits are copied into Python."""

    def __init__(self, *, temperature: float, top_p: float, top_k: int, min_p: float,
                 seed: int) -> None:
        lib = llama()
        self.pointer = lib.llama_sampler_chain_init(lib.llama_sampler_chain_default_params())
        add = lib.llama_sampler_chain_add
        if temperature <= 0:
            add(self.pointer, lib.llama_sampler_init_greedy())
            return
        # Samplers that would change nothing are left out: each is a pass over the vocabulary.
        if top_k > 0:
            add(self.pointer, lib.llama_sampler_init_top_k(top_k))
        if top_p < 1.0:
            add(self.pointer, lib.llama_sampler_init_top_p(top_p, 1))
        if min_p > 0.0:
            add(self.pointer, lib.llama_sampler_init_min_p(min_p, 1))
        if temperature != 1.0:
            add(self.pointer, lib.llama_sampler_init_temp(temperature))
        add(self.pointer, lib.llama_sampler_init_dist(seed & 0xFFFFFFFF))

    def sample(self, context: NativeContext) -> int:
        return int(llama().llama_sampler_sample(self.pointer, context.pointer, -1))

    def close(self) -> None:
        if self.pointer:
            llama().llama_sampler_free(self.pointer)
            self.pointer = None
