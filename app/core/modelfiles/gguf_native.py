"""GGUF metadata through ggml's own C reader (shipped with llama-cpp-python).

The `gguf` Python package parses every one of gpt-oss's 201,088 vocabulary strings into
Python objects, which takes about 16 s; ggml's reader takes milliseconds. Only the header
is read (`no_alloc`): the weights stay on disk.
"""

from __future__ import annotations

import ctypes
import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# enum gguf_type
_UINT8, _INT8, _UINT16, _INT16, _UINT32, _INT32, _FLOAT32, _BOOL, _STRING, _ARRAY = range(10)
_UINT64, _INT64, _FLOAT64 = 10, 11, 12


class _InitParams(ctypes.Structure):
    _fields_ = [("no_alloc", ctypes.c_bool), ("ctx", ctypes.c_void_p)]


@functools.cache
def load_library() -> Any:
    """ggml-base from llama-cpp-python's library folder, with the signatures used here."""
    from pathlib import Path as _P

    import llama_cpp
    from llama_cpp._ctypes_extensions import load_shared_library

    lib = load_shared_library("ggml-base", _P(llama_cpp.__file__).parent / "lib")
    ctx, i64, size, cstr = ctypes.c_void_p, ctypes.c_int64, ctypes.c_size_t, ctypes.c_char_p
    signatures: dict[str, tuple[list[Any], Any]] = {
        "gguf_init_from_file": ([cstr, _InitParams], ctx),
        "gguf_free": ([ctx], None),
        "gguf_find_key": ([ctx, cstr], i64),
        "gguf_get_kv_type": ([ctx, i64], ctypes.c_int),
        "gguf_get_arr_n": ([ctx, i64], size),
        "gguf_get_val_u8": ([ctx, i64], ctypes.c_uint8),
        "gguf_get_val_u32": ([ctx, i64], ctypes.c_uint32),
        "gguf_get_val_i32": ([ctx, i64], ctypes.c_int32),
        "gguf_get_val_u64": ([ctx, i64], ctypes.c_uint64),
        "gguf_get_val_i64": ([ctx, i64], ctypes.c_int64),
        "gguf_get_val_f32": ([ctx, i64], ctypes.c_float),
        "gguf_get_val_str": ([ctx, i64], cstr),
        "gguf_get_data_offset": ([ctx], size),
        "gguf_get_n_tensors": ([ctx], i64),
        "gguf_get_tensor_name": ([ctx, i64], cstr),
        "gguf_get_tensor_offset": ([ctx, i64], size),
        "gguf_get_tensor_size": ([ctx, i64], size),
        "gguf_get_tensor_type": ([ctx, i64], ctypes.c_int),
        "ggml_type_name": ([ctypes.c_int], cstr),
    }
    for name, (args, result) in signatures.items():
        function = getattr(lib, name)
        function.argtypes, function.restype = args, result
    return lib


@dataclass(frozen=True)
class TensorInfo:
    name: str
    type_name: str
    offset: int  # from the start of the file
    n_bytes: int


class GGUFHeader:
    """Key/value metadata and tensor table of one GGUF file."""

    def __init__(self, pointer: Any) -> None:
        self._ctx = pointer
        self._lib = load_library()

    def _key(self, key: str) -> int:
        return int(self._lib.gguf_find_key(self._ctx, key.encode()))

    def string(self, key: str) -> str | None:
        index = self._key(key)
        if index < 0 or self._lib.gguf_get_kv_type(self._ctx, index) != _STRING:
            return None
        value = self._lib.gguf_get_val_str(self._ctx, index)
        return value.decode("utf-8", errors="replace") if value is not None else None

    def number(self, key: str) -> float | None:
        index = self._key(key)
        if index < 0:
            return None
        getters = {_UINT8: "u8", _UINT32: "u32", _INT32: "i32", _UINT64: "u64", _INT64: "i64",
                   _FLOAT32: "f32"}
        getter = getters.get(self._lib.gguf_get_kv_type(self._ctx, index))
        return None if getter is None else getattr(self._lib, f"gguf_get_val_{getter}")(
            self._ctx, index)

    def array_length(self, key: str) -> int:
        index = self._key(key)
        if index < 0 or self._lib.gguf_get_kv_type(self._ctx, index) != _ARRAY:
            return 0
        return int(self._lib.gguf_get_arr_n(self._ctx, index))

    def tensors(self) -> Iterator[TensorInfo]:
        lib, ctx = self._lib, self._ctx
        base = int(lib.gguf_get_data_offset(ctx))
        for i in range(int(lib.gguf_get_n_tensors(ctx))):
            yield TensorInfo(
                name=(lib.gguf_get_tensor_name(ctx, i) or b"").decode(errors="replace"),
                type_name=(lib.ggml_type_name(lib.gguf_get_tensor_type(ctx, i)) or b"?").decode(),
                offset=base + int(lib.gguf_get_tensor_offset(ctx, i)),
                n_bytes=int(lib.gguf_get_tensor_size(ctx, i)))


@contextmanager
def read_header(path: Path) -> Iterator[GGUFHeader | None]:
    """The file's header, or None when ggml cannot parse it (damaged or not GGUF)."""
    lib = load_library()
    pointer = lib.gguf_init_from_file(str(path).encode("utf-8"), _InitParams(True, None))
    if not pointer:
        yield None
        return
    try:
        yield GGUFHeader(pointer)
    finally:
        lib.gguf_free(pointer)
