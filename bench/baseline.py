"""llama.cpp on its own: the reference every engine figure is compared with.

Written straight against the C API (llama-cpp-python's ctypes bindings), independently of
the app's `native.py`, doing what llama.cpp's own tools do: `llama_decode` of one token per
step with llama.cpp's sampler chain (`dist`, the chain the app's default sampling builds), or
without sampling at all like `llama-bench`'s text-generation test; prompts in `n_batch` chunks
with logits for the last token only. Same model file, threads, context and batch sizes as
the engine.
"""

from __future__ import annotations

import ctypes
import json
import random
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import llama_cpp as lib
import numpy as np


class NonFiniteLogits(RuntimeError):
    """The model produced NaN or infinite logits: its weights are unusable for timing."""


class RawLlama:
    """A context of its own; the weights are loaded from `path`, or shared when `model` (a
    llama_model pointer) is given: then both sides read the very same memory, and how the
    kernel happened to place two copies of 12 GB cannot favour either.
    """

    def __init__(self, path: Path, *, n_ctx: int, n_threads: int, n_batch: int,
                 model: Any = None) -> None:
        lib.llama_backend_init()
        self.owns_model = model is None
        if model is None:
            params = lib.llama_model_default_params()
            params.n_gpu_layers = -1  # everything on the GPU when there is one, as the engine
            model = lib.llama_model_load_from_file(str(path).encode(), params)
            if not model:
                raise RuntimeError(f"llama.cpp could not load {path}")
        self.model = model
        cparams = lib.llama_context_default_params()
        cparams.n_ctx = n_ctx
        cparams.n_batch = cparams.n_ubatch = n_batch
        cparams.n_threads = cparams.n_threads_batch = n_threads
        self.ctx = lib.llama_init_from_model(self.model, cparams)
        if not self.ctx:
            raise RuntimeError("llama.cpp could not create a context")
        self.n_batch = n_batch
        self.n_vocab = lib.llama_vocab_n_tokens(lib.llama_model_get_vocab(self.model))
        self.batch = lib.llama_batch_init(n_batch, 0, 1)
        self.one = (lib.llama_token * 1)()
        self.position = 0

    def clear(self) -> None:
        lib.llama_memory_clear(lib.llama_get_memory(self.ctx), True)
        self.position = 0

    def prompt(self, tokens: list[int]) -> float:
        """Evaluate `tokens` from an empty cache; returns the seconds it took."""
        self.clear()
        started = time.perf_counter()
        self._evaluate(tokens, 0)
        return time.perf_counter() - started

    def rewind(self, tokens: list[int]) -> None:
        """Back to just after `tokens` (read before by `prompt`): the cache keeps all but the
        last, which is evaluated again for fresh logits, as the engine's prefix reuse does."""
        last = len(tokens) - 1
        if not lib.llama_memory_seq_rm(lib.llama_get_memory(self.ctx), 0, last, -1):
            raise RuntimeError("llama.cpp could not trim its cache")
        self._evaluate(tokens, last)

    def _evaluate(self, tokens: list[int], start: int) -> None:
        """Decode tokens[start:] in batches; logits for the last one only."""
        done = start
        while done < len(tokens):
            chunk = tokens[done:done + self.n_batch]
            batch = self.batch
            for i, token in enumerate(chunk):
                batch.token[i] = token
                batch.pos[i] = done + i
                batch.n_seq_id[i] = 1
                batch.seq_id[i][0] = 0
                batch.logits[i] = 0
            batch.logits[len(chunk) - 1] = done + len(chunk) == len(tokens)
            batch.n_tokens = len(chunk)
            if lib.llama_decode(self.ctx, batch) != 0:
                raise RuntimeError("llama_decode failed")
            done += len(chunk)
        lib.llama_synchronize(self.ctx)
        self.position = len(tokens)

    def check_logits(self) -> None:
        logits = np.ctypeslib.as_array(lib.llama_get_logits_ith(self.ctx, -1),
                                       shape=(self.n_vocab,))
        if not np.isfinite(logits).all():
            raise NonFiniteLogits("the model's logits are not finite")

    def generate(self, n: int, *, sample: bool, seed: int) -> float:
        """Tokens per second over `n` steps after a prompt.

        With `sample`: each step samples with llama.cpp's `dist` chain then decodes that
        token, like the engine (the first sample comes from the prompt's logits). Without:
        each step decodes a random token, like `llama-bench -n`.
        """
        rng = random.Random(seed)
        sampler = None
        if sample:
            sampler = lib.llama_sampler_chain_init(lib.llama_sampler_chain_default_params())
            lib.llama_sampler_chain_add(sampler, lib.llama_sampler_init_dist(seed & 0xFFFFFFFF))
        one, ctx = self.one, self.ctx
        try:
            started = time.perf_counter()
            for _ in range(n):
                if sampler is not None:
                    one[0] = lib.llama_sampler_sample(sampler, ctx, -1)
                else:
                    one[0] = rng.randrange(self.n_vocab)
                if lib.llama_decode(ctx, lib.llama_batch_get_one(one, 1)) != 0:
                    raise RuntimeError("llama_decode failed")
            lib.llama_synchronize(ctx)
            elapsed = time.perf_counter() - started
        finally:
            if sampler is not None:
                lib.llama_sampler_free(sampler)
        self.position += n
        return n / elapsed

    def close(self) -> None:
        if self.ctx:
            lib.llama_batch_free(self.batch)
            lib.llama_free(self.ctx)
            self.ctx = None
        if self.model and self.owns_model:
            lib.llama_model_free(self.model)
        self.model = None


def quiet_log() -> Any:
    """Silence llama.cpp's console log (it would bury the benchmark's own output)."""
    callback = lib.llama_log_callback(lambda _level, _text, _user: None)
    lib.llama_log_set(callback, ctypes.c_void_p(0))
    return callback  # the caller keeps it alive


def llama_bench(path: Path, *, threads: int, prompt: int, gen: int, runs: int
                ) -> dict[str, float] | None:
    """llama.cpp's own `llama-bench` figures, when the binary is on PATH (never built here)."""
    binary = shutil.which("llama-bench")
    if binary is None:
        return None
    command = [binary, "-m", str(path), "-t", str(threads), "-p", str(prompt), "-n", str(gen),
               "-r", str(runs), "-o", "json"]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=3600)
    if done.returncode != 0:
        print(f"  llama-bench failed: {done.stderr.strip()[-300:]}")
        return None
    figures: dict[str, float] = {}
    for test in json.loads(done.stdout):
        kind = "prompt" if test.get("n_prompt") else "decode"
        figures[kind] = float(test["avg_ts"])
        figures[f"{kind}_stdev"] = float(test.get("stddev_ts", 0.0))
    return figures
