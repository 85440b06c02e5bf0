"""The benchmark model: gpt-oss-20b's real shapes and types with random weights.

llama.cpp's speed depends on the shapes, the quantization types and the bytes it streams from
memory for each token, not on what the weights say; so a ~12 GB file of random MXFP4 experts
and Q8_0 attention and embeddings decodes and reads prompts at the real model's speed, and can
be generated in well under a minute instead of downloaded.

The tensors are written one at a time (the largest, the embeddings, is ~600 MB), from a pool
of random bytes with the block scales set so that activations stay finite through 24 layers.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, replace
from pathlib import Path

import gguf
import numpy as np

from tests.modelgen.gptoss import ARCH, Shape, add_metadata, tensor_shapes
from tests.modelgen.vocab import HARMONY_SPECIALS, TOKEN_CONTROL, Vocab, byte_to_unicode, spell

# Bump when anything below changes what is written: the cache key includes it.
VERSION = "1"

N_VOCAB = 201_088
FIRST_SPECIAL = 199_998  # `<|startoftext|>` in o200k_harmony; the markers keep their real ids
FULL = Shape(n_embd=2880, n_layer=24, n_head=64, n_head_kv=8, head_dim=64, n_expert=32,
             n_expert_used=4, n_ff=2880, context_length=131072, sliding_window=128)
QUICK = replace(FULL, n_layer=2)  # every tensor type and width, a tenth of the size

Q8_0 = gguf.GGMLQuantizationType.Q8_0
MXFP4 = gguf.GGMLQuantizationType.MXFP4
F32 = gguf.GGMLQuantizationType.F32

# Weights with an RMS of about 0.02, as in trained transformers: a 2880-wide dot product of
# normalised activations then stays near 1, and 24 residual additions stay far from overflow.
WEIGHT_RMS = 0.02
# MXFP4: value = code * 2^(scale - 128) with codes in {0, ±1, ±2, ±3, ±4, ±6, ±8, ±12}
# (RMS ~5.85 for uniform random codes): a scale byte of 120 gives an RMS of ~0.023.
MXFP4_SCALE = 120
Q8_0_SCALE = WEIGHT_RMS / 73.9  # uniform random int8 has an RMS of ~73.9
POOL_BYTES = 64 << 20


@dataclass(frozen=True)
class ModelSpec:
    shape: Shape
    label: str

    @property
    def file_name(self) -> str:
        key = hashlib.sha256(repr((VERSION, self.shape, N_VOCAB)).encode()).hexdigest()[:10]
        return f"gpt-oss-20b-shaped-random-{self.shape.n_layer}L-v{VERSION}-{key}.gguf"


FULL_SPEC = ModelSpec(FULL, "gpt-oss-20b shape, random weights (24 layers)")
QUICK_SPEC = ModelSpec(QUICK, "gpt-oss-20b width, random weights, 2 layers (--quick)")


def default_cache() -> Path:
    return Path.home() / ".cache" / "oss-chat-bench"


def benchmark_vocab() -> Vocab:
    """201,088 tokens: bytes, word-like fillers, then the harmony specials at their real ids.

    Fillers are never produced by tokenizing (no merges reach them) but the model samples them,
    so generated text looks like words (" w1234"). The rest of the id space is reserved control
    tokens, as in o200k_harmony.
    """
    vocab = Vocab()
    for b in range(256):
        vocab.add(byte_to_unicode()[b])
    vocab.add_word("  ")  # llama.cpp requires at least one merge
    filler = 0
    while len(vocab) < FIRST_SPECIAL:
        vocab.add(spell(f" w{filler}".encode()))
        filler += 1
    for special in HARMONY_SPECIALS:
        vocab.add(special, TOKEN_CONTROL)
    while len(vocab) < N_VOCAB:
        vocab.add(f"<|reserved_{len(vocab)}|>", TOKEN_CONTROL)
    return vocab


def tensor_type(name: str, shape: tuple[int, ...]) -> gguf.GGMLQuantizationType:
    """The types of ggml-org's gpt-oss-20b MXFP4 file."""
    if name.endswith("_exps.weight"):
        return MXFP4
    if name.endswith(".weight") and len(shape) >= 2 and not name.endswith("gate_inp.weight"):
        return Q8_0  # attention, token embeddings, output
    return F32  # norms, biases (the experts' too), sinks, the router


class _RandomBytes:
    """Random bytes from a fixed pool at random offsets: fast (a copy, not a generator)."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.pool = self.rng.integers(0, 256, POOL_BYTES, dtype=np.uint8)

    def take(self, n: int) -> np.ndarray:
        start = int(self.rng.integers(0, POOL_BYTES))
        return np.resize(np.roll(self.pool, -start) if n > POOL_BYTES - start else
                         self.pool[start:], n)


def _quantized(random: _RandomBytes, qtype: gguf.GGMLQuantizationType,
               shape: tuple[int, ...]) -> np.ndarray:
    block, block_bytes = gguf.GGML_QUANT_SIZES[qtype]
    rows = int(np.prod(shape[:-1]))
    blocks = random.take(rows * shape[-1] // block * block_bytes).reshape(-1, block_bytes)
    if qtype == MXFP4:
        blocks[:, 0] = MXFP4_SCALE
    else:
        blocks[:, 0:2] = np.frombuffer(np.float16(Q8_0_SCALE).tobytes(), dtype=np.uint8)
    return blocks.reshape(*shape[:-1], shape[-1] // block * block_bytes)


def _plain(random: _RandomBytes, name: str, shape: tuple[int, ...]) -> np.ndarray:
    if name.endswith("norm.weight"):
        return np.ones(shape, dtype=np.float32)
    if name.endswith("ffn_gate_inp.weight"):  # the router: varied expert choices per token
        return (random.rng.standard_normal(shape, dtype=np.float32) * WEIGHT_RMS)
    return np.zeros(shape, dtype=np.float32)  # biases and attention sinks


def write_model(path: Path, shape: Shape, *, seed: int = 0, name: str = "bench-gpt-oss-20b",
                log: bool = True) -> Path:
    """Write the GGUF tensor by tensor (never more than one tensor in memory)."""
    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    vocab = benchmark_vocab()
    shapes = tensor_shapes(shape, len(vocab))
    writer = gguf.GGUFWriter(str(tmp), ARCH)
    add_metadata(writer, shape, vocab, name)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_MXFP4_MOE)
    for tensor_name, tensor_shape in shapes.items():
        qtype = tensor_type(tensor_name, tensor_shape)
        if qtype == F32:
            writer.add_tensor_info(tensor_name, tensor_shape, np.dtype(np.float32),
                                   int(np.prod(tensor_shape)) * 4)
        else:
            block, block_bytes = gguf.GGML_QUANT_SIZES[qtype]
            byte_shape = (*tensor_shape[:-1], tensor_shape[-1] // block * block_bytes)
            writer.add_tensor_info(tensor_name, byte_shape, np.dtype(np.uint8),
                                   int(np.prod(byte_shape)), raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    random = _RandomBytes(seed)
    written = 0
    for index, (tensor_name, tensor_shape) in enumerate(shapes.items()):
        qtype = tensor_type(tensor_name, tensor_shape)
        data = (_plain(random, tensor_name, tensor_shape) if qtype == F32
                else _quantized(random, qtype, tensor_shape))
        writer.write_tensor_data(data)
        written += data.nbytes
        if log and index % 40 == 39:
            print(f"  {written / 1e9:5.1f} GB written ({time.perf_counter() - started:.0f} s)",
                  flush=True)
    writer.close()
    tmp.replace(path)
    if log:
        print(f"  wrote {path.name}: {path.stat().st_size / 1e9:.2f} GB in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
    return path


def ensure_model(spec: ModelSpec, cache: Path) -> Path:
    """The cached benchmark model, generated first when missing."""
    path = cache / spec.file_name
    if path.is_file():
        return path
    print(f"Generating the benchmark model ({spec.label}) in {cache} …", flush=True)
    for stale in cache.glob("gpt-oss-20b-shaped-random-*.gguf.part"):
        stale.unlink()  # an interrupted earlier run
    return write_model(path, spec.shape)
