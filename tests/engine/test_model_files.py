"""GGUF inspection and the memory estimate, without loading any weights."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.engine.memory import GIB, Fit, estimate
from app.core.modelfiles.gguf_info import ModelFileError, inspect_gguf, split_parts
from tests.modelgen.gptoss import write_foreign_gguf


def test_tiny_model_is_described(tiny_model: Path) -> None:
    info = inspect_gguf(tiny_model)
    assert info.architecture == "gpt-oss"
    assert (info.n_layer, info.n_head_kv, info.head_dim) == (2, 2, 16)
    assert info.n_ctx_train == 131072
    assert info.sliding_window == 128
    assert 0 < info.tensor_bytes <= info.file_bytes == tiny_model.stat().st_size
    assert info.kv_bytes_per_token == 2 * 2 * 2 * 16 * 2


def test_wrong_architecture_is_refused_by_name(tmp_path: Path) -> None:
    path = write_foreign_gguf(tmp_path / "llama.gguf", "llama")
    with pytest.raises(ModelFileError, match=r"architecture 'llama'.*gpt-oss models only"):
        inspect_gguf(path)


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 a zip file", b"hello" * 1000])
def test_non_gguf_files_are_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match="not a GGUF model file"):
        inspect_gguf(path)


@pytest.mark.parametrize("fraction", [0.99, 0.5, 0.01])
def test_truncated_files_are_refused(tmp_path: Path, tiny_model: Path, fraction: float) -> None:
    data = tiny_model.read_bytes()
    path = tmp_path / "partial.gguf"
    path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(ModelFileError, match="incomplete"):
        inspect_gguf(path)


def test_missing_file_and_missing_split_parts(tmp_path: Path, tiny_model: Path) -> None:
    with pytest.raises(ModelFileError, match="does not exist"):
        inspect_gguf(tmp_path / "nothing.gguf")
    first = tmp_path / "gpt-oss-120b-00001-of-00003.gguf"
    first.write_bytes(tiny_model.read_bytes())
    assert [p.name for p in split_parts(first)][2] == "gpt-oss-120b-00003-of-00003.gguf"
    with pytest.raises(ModelFileError, match=r"missing: .*00002-of-00003"):
        inspect_gguf(first)


def test_memory_estimate_classifies_and_suggests_a_context(tiny_model: Path) -> None:
    info = inspect_gguf(tiny_model)
    roomy = estimate(info, 16384, available=64 * GIB)
    assert roomy.fit is Fit.FITS
    assert roomy.kv_bytes == info.kv_bytes_per_token * 16384
    need = roomy.total_bytes
    assert estimate(info, 16384, available=int(need / 0.95)).fit is Fit.TIGHT
    fixed = roomy.weights_bytes + roomy.overhead_bytes
    have = int((fixed + info.kv_bytes_per_token * 20000) / 0.85)
    small = estimate(info, 1_000_000, available=have)
    assert small.fit is Fit.WONT_FIT
    assert small.suggested_context is not None
    assert 16384 <= small.suggested_context <= 20000
    assert estimate(info, small.suggested_context, available=have).fit is Fit.FITS
    assert "won't fit" in small.describe()
