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
TRIGGER_QK = 24.0  # the trigger head's score for a call: 24² / 8, well above its sink
TRIGGER_SINK = 20.0

Piece = str | bytes


@dataclass(frozen=True)
class ScriptedModel:
    path: Path
    pieces: tuple[Piece, ...]
    token_ids: tuple[int, ...]  # the generated sequence, in this model's vocabulary
    endless: bool
    after_call: tuple[Piece, ...] = ()  # the reply once the prompt holds a tool call
    after_call_ids: tuple[int, ...] = ()

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


@dataclass(frozen=True)
class _Layout:
    """Where things live: three one-hot sections of `slots`, then the trigger dimension.

    Heads: `groups` of `slots // 64` copy heads in layer 0 (distance 1, then 2), then one
    trigger head, which is live in layer 1 (full attention, so a call far back is seen).
    """

    n_vocab: int
    slots: int

    @property
    def heads_per_group(self) -> int:
        return self.slots // HEAD_DIM

    @property
    def trigger_head(self) -> int:
        return 2 * self.heads_per_group

    @property
    def trigger_dim(self) -> int:
        return WINDOW * self.slots

    def shape(self) -> Shape:
        heads = self.trigger_head + 1
        return Shape(n_embd=self.trigger_dim + HEAD_DIM, n_layer=2, n_head=heads,
                     n_head_kv=heads, head_dim=HEAD_DIM, n_expert=4, n_expert_used=2, n_ff=32)


def _copy_heads(layout: _Layout, shape: Shape) -> dict[str, np.ndarray]:
    """Layer 0: heads whose score peaks at distance 1 or 2 copy that token's one-hot slot."""
    theta = ROPE_BASE ** (-2.0 * np.arange(ROPE_PAIRS) / HEAD_DIM)
    half = HEAD_DIM // 2
    q_bias = np.zeros((shape.n_head, HEAD_DIM), dtype=np.float32)
    k_bias = np.zeros((shape.n_head, HEAD_DIM), dtype=np.float32)
    wv = np.zeros((shape.kv_dim, shape.n_embd), dtype=np.float16)
    wo = np.zeros((shape.n_embd, shape.q_dim), dtype=np.float16)
    for head in range(layout.trigger_head):
        group, local = divmod(head, layout.heads_per_group)
        distance = 1 + group
        q_bias[head, :ROPE_PAIRS] = QK_AMPLITUDE
        # NeoX rotary pairs (i, i + 32): the phase makes the score peak at `distance`.
        k_bias[head, :ROPE_PAIRS] = QK_AMPLITUDE * np.cos(distance * theta)
        k_bias[head, half:half + ROPE_PAIRS] = QK_AMPLITUDE * np.sin(distance * theta)
        for r in range(HEAD_DIM):
            wv[head * HEAD_DIM + r, local * HEAD_DIM + r] = 1.0
            wo[(group + 1) * layout.slots + local * HEAD_DIM + r, head * HEAD_DIM + r] = 1.0
    return {"attn_q.bias": q_bias.reshape(-1), "attn_k.bias": k_bias.reshape(-1),
            "attn_v.weight": wv, "attn_output.weight": wo,
            "attn_sinks.weight": np.full(shape.n_head, SINK, dtype=np.float32)}


def _trigger_head(layout: _Layout, shape: Shape, query_token: int,
                  call_token: int) -> dict[str, np.ndarray]:
    """Layer 1: at `query_token` only, attend to any `<|call|>` in the context.

    Q and K use the lowest rotary frequency, which barely turns over the whole context, so the
    match does not depend on distance. With no call (or another current token) the positive
    sink takes the attention and the head adds nothing.
    """
    normed = math.sqrt(shape.n_embd / WINDOW)  # a one-hot slot after layer 1's RMS norm
    lowest = HEAD_DIM // 2 - 1
    row = layout.trigger_head * HEAD_DIM
    wq = np.zeros((shape.q_dim, shape.n_embd), dtype=np.float16)
    wk = np.zeros((shape.kv_dim, shape.n_embd), dtype=np.float16)
    wv = np.zeros((shape.kv_dim, shape.n_embd), dtype=np.float16)
    wo = np.zeros((shape.n_embd, shape.q_dim), dtype=np.float16)
    wq[row + lowest, query_token] = TRIGGER_QK / normed
    wk[row + lowest, call_token] = TRIGGER_QK / normed
    wv[row, call_token] = 1.0 / normed
    wo[layout.trigger_dim, row] = math.sqrt(shape.n_embd)
    sinks = np.zeros(shape.n_head, dtype=np.float32)
    sinks[layout.trigger_head] = TRIGGER_SINK
    return {"attn_q.weight": wq, "attn_k.weight": wk, "attn_v.weight": wv,
            "attn_output.weight": wo, "attn_sinks.weight": sinks}


def _output(layout: _Layout, shape: Shape, anchors: dict[tuple[int, int], int],
            branch: tuple[int, int] | None) -> np.ndarray:
    output = np.zeros((layout.n_vocab, shape.n_embd), dtype=np.float16)
    # After the final RMS norm each one-hot section holds about sqrt(n_embd / 3).
    unit = LOGIT_MARGIN / math.sqrt(shape.n_embd / WINDOW)
    for (offset, token), nxt in anchors.items():
        output[nxt, offset * layout.slots + token] = unit
    if branch is not None:  # after a call: the second script's first token, not the first's
        first, after_call = branch
        output[after_call, layout.trigger_dim] = 2.5 * unit
        output[first, layout.trigger_dim] = -1.5 * unit
    return output


def _after_call_examples(tail: list[int], first: list[int], second: list[int]
                         ) -> tuple[list[tuple[tuple[int, ...], int]], int, int]:
    """The second script's steps, except where it parts from the first: the trigger decides.

    Returns the examples, the index where the scripts differ, and the token the trigger head
    listens at (the one before the split).
    """
    split = next((i for i, (a, b) in enumerate(zip(first, second, strict=False)) if a != b),
                 None)
    if split is None:
        raise ValueError("the after-call script must differ from the first one")
    seq = tail + second
    query = seq[len(tail) + split - 1]
    examples = _examples(tail, second, None)
    del examples[split]
    if any(window[0] == query and nxt != second[split] for window, nxt in examples[split:]):
        raise ValueError("the after-call script repeats the token before its first difference; "
                         "split a piece differently")
    return examples, split, query


def _weights(layout: _Layout, anchors: dict[tuple[int, int], int],
             branch: tuple[int, int] | None, query: int, call_token: int):
    shape = layout.shape()
    embd = np.zeros((layout.n_vocab, shape.n_embd), dtype=np.float16)
    embd[np.arange(layout.n_vocab), np.arange(layout.n_vocab)] = math.sqrt(shape.n_embd)
    layers = {0: _copy_heads(layout, shape), 1: _trigger_head(layout, shape, query, call_token)}
    output = _output(layout, shape, anchors, branch)

    def weight(name: str, tshape: tuple[int, ...]) -> np.ndarray:
        if name == "token_embd.weight":
            return embd
        if name == "output.weight":
            return output
        if name.endswith("norm.weight"):
            return np.ones(tshape, dtype=np.float32)
        layer, _, tensor = name.removeprefix("blk.").partition(".")
        if tensor in layers[int(layer)]:
            return layers[int(layer)][tensor]
        dtype = np.float16 if name.endswith(".weight") and len(tshape) > 1 else np.float32
        return np.zeros(tshape, dtype=dtype)

    return shape, weight


def write_scripted_model(path: Path, pieces: Sequence[Piece], *, endless: bool = False,
                         loop_from: int = 0,
                         after_call: Sequence[Piece] | None = None) -> ScriptedModel:
    """Write a model whose generation after `<|start|>assistant` is exactly `pieces`.

    A str piece that is a harmony special is that marker token; any other str is text (one new
    token); bytes are emitted one byte token each (to split UTF-8 characters across tokens).
    A script must end with a stop marker unless it is `endless`: then after the last piece it
    goes on with `pieces[loop_from:]`, forever. With `after_call`, a prompt that holds a
    `<|call|>` (a tool call and its result) is answered with that script instead.
    """
    pieces = tuple(pieces)
    if not pieces:
        raise ValueError("empty script")
    for script, loops in ((pieces, endless), (tuple(after_call or ("<|return|>",)), False)):
        if not loops and script[-1] not in STOP_MARKERS:
            raise ValueError(f"a script must end with one of {STOP_MARKERS} or be endless")
    vocab = base_vocab()
    head = _compile(vocab, pieces[:loop_from])
    gen = head + _compile(vocab, pieces[loop_from:])
    tail = _prompt_tail(vocab)
    examples = _examples(tail, gen, gen[len(head):] if endless else None)
    branch, query = None, tail[-1]
    if after_call:
        second = _compile(vocab, after_call)
        examples_b, split, query = _after_call_examples(tail, gen, second)
        examples += examples_b
        branch = (gen[split], second[split])
    anchors = _anchors(examples)
    layout = _Layout(len(vocab), math.ceil(len(vocab) / HEAD_DIM) * HEAD_DIM)
    shape, weight = _weights(layout, anchors, branch, query, vocab.marker("<|call|>"))
    write_gptoss_gguf(path, shape, vocab, weight, name="scripted-gpt-oss")
    return ScriptedModel(path=path, pieces=pieces, token_ids=tuple(gen), endless=endless,
                         after_call=tuple(after_call or ()),
                         after_call_ids=tuple(second) if after_call else ())


def script_key(pieces: Sequence[Piece], endless: bool, loop_from: int = 0,
               after_call: Sequence[Piece] | None = None) -> str:
    """A stable file name for caching a scripted model."""
    key = repr((tuple(pieces), endless, loop_from, tuple(after_call or ())))
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"scripted-{digest}.gguf"
