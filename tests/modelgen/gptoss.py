"""Write a gpt-oss GGUF (architecture string `gpt-oss`) from given hyper-parameters and weights.

numpy shapes are ggml shapes reversed: `attn_q.weight` is (n_head·head_dim, n_embd).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gguf
import numpy as np

from tests.modelgen.vocab import Vocab

ARCH = "gpt-oss"


@dataclass(frozen=True)
class Shape:
    n_embd: int = 64
    n_layer: int = 2
    n_head: int = 4
    n_head_kv: int = 2
    head_dim: int = 16
    n_expert: int = 4
    n_expert_used: int = 2
    n_ff: int = 32
    context_length: int = 131072
    sliding_window: int = 128

    @property
    def q_dim(self) -> int:
        return self.n_head * self.head_dim

    @property
    def kv_dim(self) -> int:
        return self.n_head_kv * self.head_dim


def tensor_shapes(shape: Shape, n_vocab: int) -> dict[str, tuple[int, ...]]:
    """Every tensor llama.cpp's gpt-oss loader requires, with its numpy shape."""
    s = shape
    shapes: dict[str, tuple[int, ...]] = {
        "token_embd.weight": (n_vocab, s.n_embd),
        "output_norm.weight": (s.n_embd,),
        "output.weight": (n_vocab, s.n_embd),
    }
    for i in range(s.n_layer):
        p = f"blk.{i}."
        shapes.update({
            p + "attn_norm.weight": (s.n_embd,),
            p + "post_attention_norm.weight": (s.n_embd,),
            p + "attn_q.weight": (s.q_dim, s.n_embd),
            p + "attn_q.bias": (s.q_dim,),
            p + "attn_k.weight": (s.kv_dim, s.n_embd),
            p + "attn_k.bias": (s.kv_dim,),
            p + "attn_v.weight": (s.kv_dim, s.n_embd),
            p + "attn_v.bias": (s.kv_dim,),
            p + "attn_output.weight": (s.n_embd, s.q_dim),
            p + "attn_output.bias": (s.n_embd,),
            p + "attn_sinks.weight": (s.n_head,),
            p + "ffn_gate_inp.weight": (s.n_expert, s.n_embd),
            p + "ffn_gate_inp.bias": (s.n_expert,),
            p + "ffn_gate_exps.weight": (s.n_expert, s.n_ff, s.n_embd),
            p + "ffn_gate_exps.bias": (s.n_expert, s.n_ff),
            p + "ffn_up_exps.weight": (s.n_expert, s.n_ff, s.n_embd),
            p + "ffn_up_exps.bias": (s.n_expert, s.n_ff),
            p + "ffn_down_exps.weight": (s.n_expert, s.n_embd, s.n_ff),
            p + "ffn_down_exps.bias": (s.n_expert, s.n_embd),
        })
    return shapes


def add_metadata(writer: gguf.GGUFWriter, shape: Shape, vocab: Vocab, name: str) -> None:
    """The hyper-parameters and tokenizer keys llama.cpp's gpt-oss loader reads."""
    writer.add_name(name)
    writer.add_block_count(shape.n_layer)
    writer.add_context_length(shape.context_length)
    writer.add_embedding_length(shape.n_embd)
    writer.add_feed_forward_length(shape.n_ff)
    writer.add_head_count(shape.n_head)
    writer.add_head_count_kv(shape.n_head_kv)
    writer.add_key_length(shape.head_dim)
    writer.add_value_length(shape.head_dim)
    writer.add_rope_dimension_count(shape.head_dim)
    writer.add_rope_freq_base(150000.0)
    writer.add_rope_scaling_type(gguf.RopeScalingType.YARN)
    writer.add_rope_scaling_factor(32.0)
    writer.add_rope_scaling_orig_ctx_len(4096)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_expert_count(shape.n_expert)
    writer.add_expert_used_count(shape.n_expert_used)
    writer.add_expert_feed_forward_length(shape.n_ff)
    writer.add_sliding_window(shape.sliding_window)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-4o")
    writer.add_token_list(vocab.tokens)
    writer.add_token_types(vocab.types)
    writer.add_token_merges(vocab.merges)
    writer.add_bos_token_id(vocab.marker("<|startoftext|>"))
    writer.add_eos_token_id(vocab.marker("<|return|>"))
    writer.add_pad_token_id(vocab.marker("<|endoftext|>"))


def write_gptoss_gguf(path: Path, shape: Shape, vocab: Vocab,
                      weight: Callable[[str, tuple[int, ...]], np.ndarray],
                      *, name: str = "test-gpt-oss") -> Path:
    """Write the model; `weight(name, shape)` supplies each tensor (float32 or float16)."""
    tmp = path.with_name(path.name + ".part")
    writer = gguf.GGUFWriter(str(tmp), ARCH)
    add_metadata(writer, shape, vocab, name)
    for tensor_name, tensor_shape in tensor_shapes(shape, len(vocab)).items():
        data = weight(tensor_name, tensor_shape)
        if data.shape != tensor_shape:
            raise ValueError(f"{tensor_name}: shape {data.shape}, expected {tensor_shape}")
        writer.add_tensor(tensor_name, data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    tmp.replace(path)
    return path


def write_foreign_gguf(path: Path, architecture: str = "llama") -> Path:
    """A valid GGUF of another architecture, to check that it is refused by name."""
    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_name(f"test-{architecture}")
    writer.add_block_count(1)
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
