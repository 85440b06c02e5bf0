"""Read what a GGUF file is — without loading its weights — and refuse what is not gpt-oss."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from app.core.modelfiles.gguf_native import TensorInfo, read_header

log = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
REQUIRED_ARCHITECTURE = "gpt-oss"
_SPLIT_NAME = re.compile(r"^(?P<stem>.*)-(?P<index>\d{5})-of-(?P<count>\d{5})\.gguf$")


class ModelFileError(Exception):
    """The file cannot be used as a gpt-oss model; the message says why, for the user."""


@dataclass(frozen=True)
class GGUFInfo:
    path: Path
    architecture: str
    name: str
    n_layer: int
    n_embd: int
    n_head: int
    n_head_kv: int
    head_dim: int
    n_ctx_train: int
    n_vocab: int
    sliding_window: int
    n_expert: int
    tensor_bytes: int  # the weights, all split parts together
    file_bytes: int
    split_count: int
    quantization: str

    @property
    def kv_bytes_per_token(self) -> int:
        """f16 K and V for every layer (the full-size sliding-window cache)."""
        return self.n_layer * 2 * self.n_head_kv * self.head_dim * 2


def _quantization(tensors: list[TensorInfo]) -> str:
    """The type holding most of the weights (the experts', for gpt-oss): "MXFP4", "Q8_0"…"""
    counts: dict[str, int] = {}
    for tensor in tensors:
        if tensor.name.endswith("_exps.weight") or tensor.name == "token_embd.weight":
            name = tensor.type_name.upper()
            counts[name] = counts.get(name, 0) + tensor.n_bytes
    return max(counts, key=counts.__getitem__) if counts else "unknown"


def split_parts(path: Path) -> list[Path]:
    """All files of a split set (…-00001-of-00003.gguf), or just `path`."""
    match = _SPLIT_NAME.match(path.name)
    if not match:
        return [path]
    count = int(match["count"])
    return [path.with_name(f"{match['stem']}-{i:05d}-of-{count:05d}.gguf")
            for i in range(1, count + 1)]


def _check_magic(path: Path) -> None:
    try:
        with path.open("rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise ModelFileError(f"{path.name} cannot be read: {exc.strerror or exc}") from exc
    if magic != GGUF_MAGIC:
        raise ModelFileError(f"{path.name} is not a GGUF model file.")


def _damaged(path: Path) -> ModelFileError:
    return ModelFileError(f"{path.name} is damaged or incomplete (an interrupted download?).")


def _check_complete(tensors: list[TensorInfo], path: Path) -> int:
    size = path.stat().st_size
    end = max((t.offset + t.n_bytes for t in tensors), default=0)
    if end > size:
        raise ModelFileError(
            f"{path.name} is incomplete: {size:,} of {end:,} bytes (an interrupted download?).")
    return sum(t.n_bytes for t in tensors)


def _part_tensors(path: Path) -> list[TensorInfo]:
    _check_magic(path)
    with read_header(path) as header:
        if header is None:
            raise _damaged(path)
        return list(header.tensors())


def inspect_gguf(path: Path) -> GGUFInfo:
    """Describe a gpt-oss GGUF file, or raise ModelFileError with a message for the user."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path} does not exist.")
    parts = split_parts(path)
    missing = [p.name for p in parts if not p.is_file()]
    if missing:
        raise ModelFileError(f"{path.name} is one part of a split model; missing: "
                             + ", ".join(missing))
    _check_magic(parts[0])
    with read_header(parts[0]) as header:
        if header is None:
            raise _damaged(parts[0])
        arch = header.string("general.architecture") or ""
        if arch != REQUIRED_ARCHITECTURE:
            what = f"architecture '{arch}'" if arch else "no architecture"
            raise ModelFileError(
                f"{path.name} is a GGUF model with {what}; OSS Chat runs gpt-oss models only.")

        def number(key: str, default: int = 0) -> int:
            value = header.number(f"{arch}.{key}")
            return int(value) if value is not None else default

        n_head = number("attention.head_count")
        n_embd = number("embedding_length")
        tensors = list(header.tensors())
        tensor_bytes = _check_complete(tensors, parts[0])
        tensor_bytes += sum(_check_complete(_part_tensors(p), p) for p in parts[1:])
        return GGUFInfo(
            path=path, architecture=arch, name=header.string("general.name") or path.stem,
            n_layer=number("block_count"), n_embd=n_embd, n_head=n_head,
            n_head_kv=number("attention.head_count_kv", n_head),
            head_dim=number("attention.key_length", n_embd // max(n_head, 1)),
            n_ctx_train=number("context_length"),
            n_vocab=header.array_length("tokenizer.ggml.tokens"),
            sliding_window=number("attention.sliding_window"),
            n_expert=number("expert_count"),
            tensor_bytes=tensor_bytes,
            file_bytes=sum(p.stat().st_size for p in parts),
            split_count=len(parts),
            quantization=_quantization(tensors),
        )
