"""A byte-level BPE vocabulary in the o200k_harmony style, small enough for test models.

Ids 0–255 are the 256 byte tokens (GPT-2's byte-to-unicode spelling), then a few merged
words, then the harmony specials as control tokens in their real order — so every marker has
an id far from its real one (`<|start|>` is 200006 in the real vocabulary, ~280 here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

TOKEN_NORMAL = 1
TOKEN_CONTROL = 3

# The harmony specials in the order of o200k_harmony (199998 onwards).
HARMONY_SPECIALS: tuple[str, ...] = (
    "<|startoftext|>", "<|endoftext|>", "<|reserved_200000|>", "<|reserved_200001|>",
    "<|return|>", "<|constrain|>", "<|reserved_200004|>", "<|channel|>", "<|start|>",
    "<|end|>", "<|message|>", "<|reserved_200009|>", "<|reserved_200010|>",
    "<|reserved_200011|>", "<|call|>", "<|reserved_200013|>", "<|reserved_200014|>",
    "<|reserved_200015|>", "<|reserved_200016|>", "<|reserved_200017|>", "<|endofprompt|>",
)
MARKERS: tuple[str, ...] = (
    "<|start|>", "<|end|>", "<|message|>", "<|channel|>", "<|constrain|>", "<|return|>",
    "<|call|>", "<|endoftext|>", "<|startoftext|>",
)


@cache
def byte_to_unicode() -> dict[int, str]:
    """GPT-2's reversible mapping of bytes to printable unicode characters."""
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
                 + list(range(ord("®"), ord("ÿ") + 1)))
    chars = list(printable)
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return {b: chr(c) for b, c in zip(printable, chars, strict=True)}


def spell(data: bytes) -> str:
    """The vocabulary spelling of raw bytes."""
    table = byte_to_unicode()
    return "".join(table[b] for b in data)


@dataclass
class Vocab:
    tokens: list[str] = field(default_factory=list)
    types: list[int] = field(default_factory=list)
    merges: list[str] = field(default_factory=list)
    _ids: dict[str, int] = field(default_factory=dict)

    def add(self, spelling: str, token_type: int = TOKEN_NORMAL) -> int:
        if spelling in self._ids:
            raise ValueError(f"duplicate token {spelling!r}")
        self._ids[spelling] = len(self.tokens)
        self.tokens.append(spelling)
        self.types.append(token_type)
        return self._ids[spelling]

    def has(self, spelling: str) -> bool:
        return spelling in self._ids

    def id(self, spelling: str) -> int:
        return self._ids[spelling]

    def byte_id(self, value: int) -> int:
        return self._ids[byte_to_unicode()[value]]

    def marker(self, text: str) -> int:
        return self._ids[text]

    def add_word(self, word: str) -> int:
        """Add `word` as one token, reachable by a chain of merges from its bytes."""
        spelled = spell(word.encode("utf-8"))
        pieces = list(spelled)
        prefix = pieces[0]
        for char in pieces[1:]:
            merged = prefix + char
            if not self.has(merged):
                self.merges.append(f"{prefix} {char}")
                self.add(merged)
            prefix = merged
        return self.id(spelled)

    def __len__(self) -> int:
        return len(self.tokens)


def base_vocab(words: tuple[str, ...] = ()) -> Vocab:
    """Bytes, optional merged words, then the harmony specials."""
    vocab = Vocab()
    for b in range(256):
        vocab.add(byte_to_unicode()[b])
    # llama.cpp requires at least one merge; a double space is harmless in any prompt.
    vocab.add_word("  ")
    for word in words:
        vocab.add_word(word)
    for special in HARMONY_SPECIALS:
        vocab.add(special, TOKEN_CONTROL)
    return vocab
