"""The harmony `Vocabulary` over a llama.cpp vocabulary (llama-cpp-python's C bindings).

llama_cpp is imported only when a model is at hand, so importing the core stays light.

Tokenization is cached: llama.cpp spends about 1.4 ms on every stretch of text it tokenizes
(with the gpt-4o pre-tokenizer of gpt-oss), whatever its length, so a prompt of 300 messages
costs over a second — and a conversation re-renders the same messages every turn.
"""

from __future__ import annotations

import ctypes
import logging
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import llama_cpp

from app.core.engine.native import NativeModel

log = logging.getLogger(__name__)

_PIECE_BUFFER = 64
_TOKENIZE_CACHE_SIZE = 8192  # texts: message contents, headers, pieces around markers


class LlamaVocabulary:
    """Tokenization, token bytes and special-token lookup of a loaded llama.cpp vocabulary.

    Token bytes and marker ids are cached (the stream parser asks for them once per token), and
    so are the latest tokenizations. One thread at a time, like the model itself.
    """

    def __init__(self, vocab: object) -> None:
        import llama_cpp

        if not vocab:
            raise ValueError("the model has no vocabulary")
        self._vocab = vocab
        self._n_tokens = int(llama_cpp.llama_vocab_n_tokens(vocab))
        self._bytes: dict[int, bytes] = {}
        self._markers: dict[str, int | None] = {}
        self._special_texts: frozenset[str] | None = None
        self._tokenized: OrderedDict[str, tuple[int, ...]] = OrderedDict()

    @classmethod
    def from_llama(cls, llama: llama_cpp.Llama) -> LlamaVocabulary:
        """The vocabulary of a high-level `llama_cpp.Llama` (which must outlive it)."""
        import llama_cpp

        return cls(llama_cpp.llama_model_get_vocab(llama.model))

    @property
    def size(self) -> int:
        return self._n_tokens

    def tokenize(self, text: str) -> list[int]:
        if not text:
            return []
        ids = self._tokenized.get(text)
        if ids is None:
            ids = tuple(self._tokenize(text.encode("utf-8"), special=False))
            self._tokenized[text] = ids
            if len(self._tokenized) > _TOKENIZE_CACHE_SIZE:
                self._tokenized.popitem(last=False)
        else:
            self._tokenized.move_to_end(text)
        return list(ids)

    def token_bytes(self, token_id: int) -> bytes:
        cached = self._bytes.get(token_id)
        if cached is None:
            if not 0 <= token_id < self._n_tokens:
                raise IndexError(f"token id {token_id} is not in the vocabulary")
            cached = self._bytes[token_id] = self._piece(token_id)
        return cached

    def marker_id(self, text: str) -> int | None:
        if text not in self._markers:
            ids = self._tokenize(text.encode("utf-8"), special=True)
            found = (ids[0] if len(ids) == 1 and self._is_special(ids[0])
                     and self.token_bytes(ids[0]) == text.encode("utf-8") else None)
            self._markers[text] = found
        return self._markers[text]

    def special_texts(self) -> frozenset[str]:
        if self._special_texts is None:
            texts = (self.token_bytes(token_id).decode("utf-8", errors="replace")
                     for token_id in range(self._n_tokens) if self._is_special(token_id))
            self._special_texts = frozenset(text for text in texts if text)
            log.debug("the vocabulary has %d special tokens", len(self._special_texts))
        return self._special_texts

    def _tokenize(self, data: bytes, *, special: bool) -> list[int]:
        import llama_cpp

        capacity = len(data) + 8
        while True:
            buffer = (llama_cpp.llama_token * capacity)()
            count = llama_cpp.llama_tokenize(self._vocab, data, len(data), buffer, capacity,
                                             False, special)
            if count >= 0:
                return list(buffer[:count])
            capacity = -count  # llama.cpp says how many tokens it needs

    def _is_special(self, token_id: int) -> bool:
        import llama_cpp

        attr = llama_cpp.llama_vocab_get_attr(self._vocab, token_id)
        return bool(attr & (llama_cpp.LLAMA_TOKEN_ATTR_CONTROL
                            | llama_cpp.LLAMA_TOKEN_ATTR_USER_DEFINED))

    def _piece(self, token_id: int) -> bytes:
        import llama_cpp

        size = _PIECE_BUFFER
        while True:
            buffer = ctypes.create_string_buffer(size)
            length = llama_cpp.llama_token_to_piece(self._vocab, token_id, buffer, size, 0, True)
            if length >= 0:
                return buffer.raw[:length]
            size = -length  # the buffer was too small; llama.cpp says how much it needs


@contextmanager
def open_vocabulary(path: Path) -> Iterator[LlamaVocabulary]:
    """Load only the vocabulary of a GGUF file (no weights), freeing it afterwards.

    Raises RuntimeError when llama.cpp cannot load the file.
    """
    model = NativeModel.load(path, vocab_only=True)
    try:
        yield LlamaVocabulary(model.vocab)
    finally:
        model.close()
