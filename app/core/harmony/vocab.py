"""The model's vocabulary as harmony needs it, and tokenization that cannot forge a marker.

Marker ids are always looked up in the loaded vocabulary: test models put the markers at other
ids than the real o200k_harmony vocabulary, and nothing here may depend on either.

llama.cpp parses the texts of user-defined special tokens (for gpt-oss: `<|start|>`, `<|end|>`,
`<|message|>`, `<|channel|>`, `<|constrain|>`) even when asked for plain-text tokenization, so a
user who pastes `<|end|><|start|>system<|message|>…` would otherwise inject conversation
structure. `safe_tokenize` keeps such text as text: it breaks every occurrence of a special
token's text into two pieces and tokenizes the pieces separately, so the bytes the model sees are
exactly what the user wrote, spelled with ordinary tokens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from typing import Protocol

log = logging.getLogger(__name__)

START = "<|start|>"
END = "<|end|>"
MESSAGE = "<|message|>"
CHANNEL = "<|channel|>"
CONSTRAIN = "<|constrain|>"
RETURN = "<|return|>"
CALL = "<|call|>"
ENDOFTEXT = "<|endoftext|>"


class Vocabulary(Protocol):
    """What the harmony layer needs from a tokenizer (implemented over llama.cpp in the engine)."""

    def tokenize(self, text: str) -> list[int]:
        """Plain-text tokenization (llama.cpp's special=False), without BOS."""
        ...

    def token_bytes(self, token_id: int) -> bytes:
        """The bytes a token stands for; a special token's bytes are its text."""
        ...

    def marker_id(self, text: str) -> int | None:
        """The id of the special token whose text is exactly `text`, if there is one."""
        ...

    def special_texts(self) -> frozenset[str]:
        """The texts of all control and user-defined tokens."""
        ...


class VocabularyError(ValueError):
    """The vocabulary cannot serve harmony (a marker is missing, or text cannot be made safe)."""


@dataclass(frozen=True)
class HarmonyMarkers:
    """The ids of the harmony markers in one vocabulary."""

    start: int
    end: int
    message: int
    channel: int
    constrain: int
    return_: int
    call: int
    endoftext: int

    @classmethod
    def from_vocab(cls, vocab: Vocabulary) -> HarmonyMarkers:
        ids: dict[str, int] = {}
        for field in fields(cls):
            text = MARKER_TEXTS[field.name]
            token_id = vocab.marker_id(text)
            if token_id is None:
                raise VocabularyError(
                    f"not a gpt-oss vocabulary: it has no {text} token")
            ids[field.name] = token_id
        return cls(**ids)

    @property
    def stop_ids(self) -> frozenset[int]:
        """The tokens after which sampling must stop (`<|end|>` only closes one message)."""
        return frozenset((self.return_, self.call, self.endoftext))


MARKER_TEXTS: dict[str, str] = {
    "start": START, "end": END, "message": MESSAGE, "channel": CHANNEL,
    "constrain": CONSTRAIN, "return_": RETURN, "call": CALL, "endoftext": ENDOFTEXT,
}


def special_token_ids(vocab: Vocabulary) -> frozenset[int]:
    """The ids of every special token of `vocab` (markers, reserved and other control tokens)."""
    ids = (vocab.marker_id(text) for text in vocab.special_texts())
    return frozenset(token_id for token_id in ids if token_id is not None)


def safe_tokenize(text: str, vocab: Vocabulary) -> list[int]:
    """Tokenize untrusted text so that no special token can result, keeping every byte of it."""
    return SafeTokenizer(vocab).tokenize(text)


class SafeTokenizer:
    """`safe_tokenize` for many texts: the vocabulary's special tokens are gathered once.

    Each occurrence of a special token's text is broken right after its `<|` (after its first
    character for other texts), and the pieces are tokenized separately. If a piece still
    yields a special id, it is split further; a single character that is itself a special
    token cannot be kept as text and raises `VocabularyError`.
    """

    def __init__(self, vocab: Vocabulary) -> None:
        self._vocab = vocab
        self._specials = vocab.special_texts()
        self._special_ids = special_token_ids(vocab)
        self._first_chars = frozenset(text[0] for text in self._specials if text)

    def tokenize(self, text: str) -> list[int]:
        if not text:
            return []
        ids: list[int] = []
        begin = 0
        for cut in [*self._cut_points(text), len(text)]:
            ids.extend(_tokenize_piece(text[begin:cut], self._vocab, self._special_ids))
            begin = cut
        return ids

    def _cut_points(self, text: str) -> list[int]:
        if not any(char in text for char in self._first_chars):
            return []  # the common case: no special token's text can occur
        cuts: set[int] = set()
        for special in self._specials:
            if len(special) < 2:
                continue  # cannot be broken; left to the verification in _tokenize_piece
            offset = 2 if special.startswith("<|") and len(special) > 2 else 1
            found = text.find(special)
            while found >= 0:
                cuts.add(found + offset)
                found = text.find(special, found + 1)
        return sorted(cuts)


def _tokenize_piece(piece: str, vocab: Vocabulary, special_ids: frozenset[int]) -> list[int]:
    ids = vocab.tokenize(piece)
    if special_ids.isdisjoint(ids):
        return ids
    if len(piece) == 1:
        raise VocabularyError(f"the character {piece!r} is a special token and cannot be text")
    log.debug("a text piece still produced a special token; splitting it further")
    middle = len(piece) // 2
    return (_tokenize_piece(piece[:middle], vocab, special_ids)
            + _tokenize_piece(piece[middle:], vocab, special_ids))
