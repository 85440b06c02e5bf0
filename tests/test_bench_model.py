"""The benchmark's model and verdicts, checked without writing 12 GB or timing anything."""

from __future__ import annotations

import gguf

from bench.common import Target
from bench.model import FULL, N_VOCAB, benchmark_vocab, tensor_type
from tests.modelgen.gptoss import tensor_shapes


def test_vocabulary_has_the_real_size_and_marker_ids() -> None:
    vocab = benchmark_vocab()
    assert len(vocab) == N_VOCAB
    # o200k_harmony's ids, so prompts tokenize around the markers as with the real model.
    assert vocab.marker("<|startoftext|>") == 199998
    assert vocab.marker("<|return|>") == 200002
    assert vocab.marker("<|start|>") == 200006
    assert vocab.marker("<|end|>") == 200007
    assert vocab.marker("<|call|>") == 200012
    assert vocab.types[vocab.marker("<|start|>")] == 3
    assert vocab.merges


def test_tensor_types_follow_the_mxfp4_release() -> None:
    types = {name: tensor_type(name, shape) for name, shape in tensor_shapes(FULL, N_VOCAB).items()}
    assert types["blk.0.ffn_down_exps.weight"] == gguf.GGMLQuantizationType.MXFP4
    assert types["blk.0.ffn_down_exps.bias"] == gguf.GGMLQuantizationType.F32
    assert types["blk.0.attn_q.weight"] == gguf.GGMLQuantizationType.Q8_0
    assert types["token_embd.weight"] == gguf.GGMLQuantizationType.Q8_0
    assert types["blk.0.ffn_gate_inp.weight"] == gguf.GGMLQuantizationType.F32
    assert types["blk.0.attn_sinks.weight"] == gguf.GGMLQuantizationType.F32
    size = 0
    for name, shape in tensor_shapes(FULL, N_VOCAB).items():
        block, block_bytes = gguf.GGML_QUANT_SIZES[types[name]]
        count = 1
        for dim in shape:
            count *= dim
        size += count // block * block_bytes
    assert 11.9e9 < size < 12.2e9  # the real file is 12.1 GB


def test_targets_say_pass_or_by_how_much_they_miss() -> None:
    faster = Target(0.97, higher_is_better=True)
    assert faster.met(0.98) and not faster.met(0.9)
    assert faster.miss(0.9, "×") == "by 0.070× (7%)"
    quicker = Target(250.0)
    assert quicker.met(100) and not quicker.met(300)
    assert quicker.miss(300, "ms") == "by 50.0 ms (20%)"
