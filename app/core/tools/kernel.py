"""The program inside the Python tool's child process: a small notebook kernel.

`app.core.tools.kernel_process` starts it by file path as
`python -I -X utf8 kernel.py --memory-limit BYTES`, with the conversation's private folder
as its working directory. `-I` keeps the parent's PYTHON* variables, user site-packages and
the app's own package off `sys.path`, so this module imports only the standard library.
UTF-8 mode makes output, pipes and files UTF-8 on every platform.

Protocol: one JSON object per line on the original stdin, one JSON reply per line on the
original stdout (both are private duplicates, out of the code's reach):

    request  {"id": 1, "code": "x = 41\\nx + 1", "output_cap": 65536, "timeout": 30.0}
    reply    {"id": 1, "value": "42", "error": null, "dropped": 0, "cut": false}

`value` is the display of a final expression statement (a notebook's `Out`), `error` a
formatted traceback, each cut to `output_cap` characters with a note (then `cut` is true);
`dropped` is how many bytes of printed output fell beyond `output_cap`.
The printed output itself never travels through the protocol: stdout and stderr (Python
level and native: C extensions, subprocesses, the fault handler) all go to the file the
parent passed as stderr, which the parent reads after the cell, so it still has what a cell
printed before a timeout, a stop or a crash.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import faulthandler
import io
import json
import linecache
import math
import os
import pprint
import sys
import traceback
import types
from typing import IO, Any

_ALARM_GRACE = 10  # seconds past the cell's time limit before the kernel ends itself


def format_size(size: int) -> str:
    """1536 -> "1.5 KB"; binary units, as the truncation note promises "64 KB" for 65536."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            break
        value /= 1024
    if unit == "bytes":
        return f"{size} bytes"
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


def truncation_note(total: int, shown: int) -> str:
    return f"[output truncated: {format_size(total)}, showing the first {format_size(shown)}]"


def cap_text(text: str, cap: int) -> str:
    """The text cut to `cap` characters, with the note when it was longer."""
    if len(text) <= cap:
        return text
    total = len(text.encode("utf-8", "backslashreplace"))
    return text[:cap] + "\n" + truncation_note(total, cap)


class CellOutput(io.TextIOBase):
    """Stdout and stderr of one cell: written through to a file descriptor up to a budget.

    Unbuffered, so a cell killed half-way leaves everything it printed in the file, in
    order. Beyond the budget, text is only counted, which keeps a runaway print loop from
    filling the disk.
    """

    encoding = "utf-8"
    errors = "backslashreplace"

    def __init__(self, fd: int, budget: int) -> None:
        super().__init__()
        self._sink = open(fd, "wb", closefd=False)  # noqa: SIM115 -- lives as long as we do
        self._budget = budget
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._sink.fileno()

    def write(self, s: str, /) -> int:
        data = s.encode(self.encoding, self.errors)
        kept = data[: self._budget]
        if kept:
            self._sink.write(kept)
            self._sink.flush()
            self._budget -= len(kept)
        self.dropped += len(data) - len(kept)
        return len(s)


def display(value: object) -> str:
    """How a notebook shows a value: repr, pretty-printed for containers."""
    if isinstance(value, (str, bytes)):
        return repr(value)
    return pprint.pformat(value, sort_dicts=False)


def run_cell(source: str, filename: str, namespace: dict[str, Any]) -> tuple[str | None,
                                                                           str | None]:
    """Execute a cell; returns (display of the final expression or None, traceback or None).

    Like a notebook, the value of a final expression statement is shown, and stored in `_`.
    """
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        tree = ast.parse(source, filename)
    except (SyntaxError, ValueError) as exc:  # ValueError: null bytes in the source
        return None, "".join(traceback.format_exception_only(type(exc), exc))
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ast.Expr):
        tree.body.pop()
    else:
        last = None
    try:
        exec(compile(tree, filename, "exec"), namespace)
        if last is None:
            return None, None
        value = eval(compile(ast.Expression(last.value), filename, "eval"), namespace)
        if value is None:
            return None, None
        namespace["_"] = value
        return display(value), None
    except BaseException as exc:  # the cell's own error, SystemExit and KeyboardInterrupt too
        tb = exc.__traceback__.tb_next if exc.__traceback__ else None  # drop this frame
        return None, "".join(traceback.format_exception(type(exc), exc, tb))


def take_protocol_channel() -> tuple[IO[bytes], IO[bytes]]:
    """Private copies of stdin/stdout for the protocol; fd 0 becomes empty, fd 1 joins fd 2.

    The copies are not inheritable, so subprocesses of the code cannot write into the
    protocol either, and `input()` in a cell meets end-of-file instead of our requests.
    """
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    return requests, replies


def apply_limits(memory_limit: int) -> None:
    """Cap the address space (and drop core dumps) where the OS has `resource` (POSIX).

    Linux enforces RLIMIT_AS; macOS accepts but ignores it. Both soft and hard limits are
    set, so the code cannot raise them again.
    """
    if sys.platform == "win32":
        return
    import resource

    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if memory_limit > 0:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = memory_limit if hard == resource.RLIM_INFINITY else min(memory_limit, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def set_alarm(seconds: float) -> None:
    """A backstop for a parent that died: the kernel ends itself if a cell runs far too long."""
    if sys.platform != "win32":
        import signal

        signal.alarm(math.ceil(seconds) + _ALARM_GRACE if seconds > 0 else 0)


def serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    module = types.ModuleType("__main__")  # the cell's globals, also for pickle and friends
    sys.modules["__main__"] = module
    namespace = module.__dict__
    for number, line in enumerate(requests, start=1):
        request = json.loads(line)
        cap = int(request.get("output_cap", 65536))
        output = CellOutput(1, cap)
        set_alarm(float(request.get("timeout", 0)))
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            value, error = run_cell(str(request.get("code", "")), f"<cell-{number}>", namespace)
        set_alarm(0)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        shown = [None if text is None else cap_text(text, cap) for text in (value, error)]
        reply = {"id": request.get("id"), "dropped": output.dropped,
                 "value": shown[0], "error": shown[1], "cut": shown != [value, error]}
        replies.write(json.dumps(reply).encode("ascii") + b"\n")
        replies.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--memory-limit", type=int, default=0, help="bytes; 0 for none")
    args = parser.parse_args(argv)
    requests, replies = take_protocol_channel()
    apply_limits(args.memory_limit)
    faulthandler.enable(file=2)  # a crash leaves its Python traceback in the output file
    sys.argv = [""]
    sys.path.insert(0, "")  # like a notebook: modules saved in the working folder import
    serve(requests, replies)
    return 0


if __name__ == "__main__":
    sys.exit(main())
