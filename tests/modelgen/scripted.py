"""Scripted gpt-oss models: real llama.cpp generates exactly a given sequence of tokens.

How it works (all inside the real gpt-oss architecture, experts zeroed):
- The residual stream has three sections of one-hot slots: the current token, the previous
  token, and the one before it.
- Layer 0's attention heads have zero Q/K weights and constant Q/K biases whose rotary phases
  make the score peak at a distance of exactly 1 (first half of the heads) or 2 (second half);
  a very negative sink keeps the softmax one-hot. V copies the current-token section, the output
  projection writes it into the previous-token sections.
- `output.weight` reads the window (current, previous, one before) and gives the scripted next
  token a logit 50 above every other, so even sampling at temperature 1 follows the script.

Each step needs an "anchor": a position in its window whose token, at that distance, is always
followed by the same next token. Text pieces become tokens of their own (a repeated piece is
re-split into new tokens), so markers such as `<|channel|>` may repeat freely.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.modelgen.gptoss import Shape, write_gptoss_gguf
from tests.modelgen.vocab import HARMONY_SPECIALS, Vocab, base_vocab, spell

STOP_MARKERS = ("<|return|>", "<|call|>", "<|endoftext|>")
HEAD_DIM = 64
WINDOW = 3  # current token + two previous ones
ROPE_BASE = 150000.0
ROPE_PAIRS = 4  # highest rotary frequencies only: unchanged by YaRN scaling
QK_AMPLITUDE = 24.0
SINK = -1000.0
LOGIT_MARGIN = 50.0

Piece = str | bytes


@dataclass(frozen=True)
class ScriptedModel:
    path: Path
    pieces: tuple[Piece, ...]
    token_ids: tuple[int, ...]  # the generated sequence, in this model's vocabulary
    endless: bool

    @property
    def text(self) -> str:
        """The script as text, markers included (split UTF-8 bytes joined back)."""
        out = b"".join(p if isinstance(p, bytes) else p.encode("utf-8") for p in self.pieces)
        return out.decode("utf-8", errors="replace")


def split_markers(text: str) -> list[str]:
    """'<|channel|>final<|message|>Hi<|return|>' -> ['<|channel|>', 'final', '<|message|>', …]."""
    pieces: list[str] = []
    rest = text
    while rest:
        cut = min(((rest.find(m), m) for m in HARMONY_SPECIALS if m in rest),
                  default=(-1, ""))
        if cut[0] < 0:
            pieces.append(rest)
            break
        index, marker = cut
        if index:
            pieces.append(rest[:index])
        pieces.append(marker)
        rest = rest[index + len(marker):]
    return pieces


def _text_token(vocab: Vocab, text: str) -> list[int]:
    data = text.encode("utf-8")
    if len(data) == 1:
        return [vocab.byte_id(data[0])]
    spelled = spell(data)
    if not vocab.has(spelled):
        return [vocab.add(spelled)]
    # A repeated piece: the same text, as tokens the vocabulary does not have yet.
    for cut in range(1, len(spelled)):
        head, tail = spelled[:cut], spelled[cut:]
        if len(head) > 1 and len(tail) > 1 and not vocab.has(head) and not vocab.has(tail):
            return [vocab.add(head), vocab.add(tail)]
    raise ValueError(f"text piece {text!r} repeats too often to stay unambiguous; vary it")


def _compile(vocab: Vocab, pieces: Sequence[Piece]) -> list[int]:
    ids: list[int] = []
    for piece in pieces:
        if isinstance(piece, bytes):
            ids.extend(vocab.byte_id(b) for b in piece)
        elif piece in HARMONY_SPECIALS:
            ids.append(vocab.marker(piece))
        elif piece:
            ids.extend(_text_token(vocab, piece))
    return ids


def _prompt_tail(vocab: Vocab) -> list[int]:
    # What a harmony prompt ends with, `<|start|>assistant`, in this vocabulary (bytes only).
    return [vocab.marker("<|start|>"), *(vocab.byte_id(b) for b in b"assistant")]


def _examples(tail: list[int], gen: list[int],
              loop: list[int] | None) -> list[tuple[tuple[int, ...], int]]:
    """(window, next) pairs; a window is (current, previous, one before).

    `loop` is the tail of `gen` that repeats forever, for endless scripts.
    """
    seq = tail + gen
    examples = []
    for k in range(len(tail) - 1, len(seq) - 1):
        examples.append(((seq[k], seq[k - 1], seq[k - 2]), seq[k + 1]))
    if loop:
        n = len(loop)
        for k in range(n):
            window = (loop[k], loop[(k - 1) % n], loop[(k - 2) % n])
            examples.append((window, loop[(k + 1) % n]))
    return examples


def _anchors(examples: list[tuple[tuple[int, ...], int]]) -> dict[tuple[int, int], int]:
    successors: dict[tuple[int, int], set[int]] = {}
    for window, nxt in examples:
        for offset, token in enumerate(window):
            successors.setdefault((offset, token), set()).add(nxt)
    anchors: dict[tuple[int, int], int] = {}
    for step, (window, nxt) in enumerate(examples):
        for offset, token in enumerate(window):
            if successors[(offset, token)] == {nxt}:
                anchors[(offset, token)] = nxt
                break
        else:
            raise ValueError(f"script step {step} is ambiguous: the tokens {window} are each "
                             "followed by different tokens elsewhere; split a piece differently")
    return anchors


def _weights(shape: Shape, n_vocab: int, slots: int, anchors: dict[tuple[int, int], int]):
    n_embd, heads_per_group = shape.n_embd, slots // HEAD_DIM
    scale = math.sqrt(n_embd)
    theta = ROPE_BASE ** (-2.0 * np.arange(ROPE_PAIRS) / HEAD_DIM)

    def attention_bias(kind: str) -> np.ndarray:
        bias = np.zeros((shape.n_head, HEAD_DIM), dtype=np.float32)
        for head in range(shape.n_head):
            distance = 1 + head // heads_per_group
            if kind == "q":
                bias[head, :ROPE_PAIRS] = QK_AMPLITUDE
            else:  # NeoX rotary pairs (i, i + HEAD_DIM/2); phase so the score peaks at `distance`
                bias[head, :ROPE_PAIRS] = QK_AMPLITUDE * np.cos(distance * theta)
                half = HEAD_DIM // 2
                bias[head, half:half + ROPE_PAIRS] = QK_AMPLITUDE * np.sin(distance * theta)
        return bias.reshape(-1)

    def copy_matrices() -> tuple[np.ndarray, np.ndarray]:
        wv = np.zeros((shape.kv_dim, n_embd), dtype=np.float16)
        wo = np.zeros((n_embd, shape.q_dim), dtype=np.float16)
        for head in range(shape.n_head):
            group, local = divmod(head, heads_per_group)
            for r in range(HEAD_DIM):
                wv[head * HEAD_DIM + r, local * HEAD_DIM + r] = 1.0
                wo[(group + 1) * slots + local * HEAD_DIM + r, head * HEAD_DIM + r] = 1.0
        return wv, wo

    wv, wo = copy_matrices()
    embd = np.zeros((n_vocab, n_embd), dtype=np.float16)
    embd[np.arange(n_vocab), np.arange(n_vocab)] = scale
    output = np.zeros((n_vocab, n_embd), dtype=np.float16)
    # After the final RMS norm each of the three one-hot sections holds sqrt(n_embd / 3).
    unit = LOGIT_MARGIN / math.sqrt(n_embd / WINDOW)
    for (offset, token), nxt in anchors.items():
        output[nxt, offset * slots + token] = unit

    def weight(name: str, tshape: tuple[int, ...]) -> np.ndarray:
        layer0 = name.startswith("blk.0.")
        if name == "token_embd.weight":
            return embd
        if name == "output.weight":
            return output
        if name.endswith("norm.weight"):
            return np.ones(tshape, dtype=np.float32)
        if layer0 and name.endswith("attn_q.bias"):
            return attention_bias("q")
        if layer0 and name.endswith("attn_k.bias"):
            return attention_bias("k")
        if layer0 and name.endswith("attn_v.weight"):
            return wv
        if layer0 and name.endswith("attn_output.weight"):
            return wo
        if layer0 and name.endswith("attn_sinks.weight"):
            return np.full(tshape, SINK, dtype=np.float32)
        dtype = np.float16 if name.endswith(".weight") and len(tshape) > 1 else np.float32
        return np.zeros(tshape, dtype=dtype)

    return weight


def write_scripted_model(path: Path, pieces: Sequence[Piece], *, endless: bool = False,
                         loop_from: int = 0) -> ScriptedModel:
    """Write a model whose generation after `<|start|>assistant` is exactly `pieces`.

    A str piece that is a harmony special is that marker token; any other str is text (one new
    token); bytes are emitted one byte token each (to split UTF-8 characters across tokens).
    A script must end with a stop marker unless it is `endless`: then after the last piece it
    goes on with `pieces[loop_from:]`, forever.
    """
    pieces = tuple(pieces)
    if not pieces:
        raise ValueError("empty script")
    last = pieces[-1]
    if not endless and last not in STOP_MARKERS:
        raise ValueError(f"a script must end with one of {STOP_MARKERS} or be endless")
    vocab = base_vocab()
    head = _compile(vocab, pieces[:loop_from])
    gen = head + _compile(vocab, pieces[loop_from:])
    anchors = _anchors(_examples(_prompt_tail(vocab), gen, gen[len(head):] if endless else None))
    slots = math.ceil(len(vocab) / HEAD_DIM) * HEAD_DIM
    heads = 2 * (slots // HEAD_DIM)
    shape = Shape(n_embd=WINDOW * slots, n_layer=2, n_head=heads, n_head_kv=heads,
                  head_dim=HEAD_DIM, n_expert=4, n_expert_used=2, n_ff=32)
    write_gptoss_gguf(path, shape, vocab, _weights(shape, len(vocab), slots, anchors),
                      name="scripted-gpt-oss")
    return ScriptedModel(path=path, pieces=pieces, token_ids=tuple(gen), endless=endless)


def script_key(pieces: Sequence[Piece], endless: bool, loop_from: int = 0) -> str:
    """A stable file name for caching a scripted model."""
    digest = hashlib.sha256(repr((tuple(pieces), endless, loop_from)).encode()).hexdigest()[:16]
    return f"scripted-{digest}.gguf"
