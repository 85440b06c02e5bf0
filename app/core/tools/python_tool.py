"""The model's stateful Python tool: one kernel process per conversation.

gpt-oss is told its code runs "in a stateful Jupyter notebook environment", so variables
must survive between calls: each conversation gets a `PythonSession` whose child process
lives until the conversation (or the app) closes it. The child runs in a private temporary
folder (its cwd, HOME and TMPDIR) that outlives restarts of the process, so files the code
saved are still there after a timeout; variables are not.

Each run has a time limit and an output cap; a timeout, a stop or a crash kills the
process, the result says so, and the next run starts a fresh one. See `result` for the
text the model reads.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import queue
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Literal

from app.core.tools.kernel_process import KernelProcess
from app.core.tools.result import (
    ToolResult,
    cell_text,
    crash_status,
    stop_status,
    timeout_status,
)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
DEFAULT_OUTPUT_CAP = 64 * 1024
DEFAULT_MEMORY_LIMIT = 2 * 1024**3  # bytes of address space; enforced on Linux only
_POLL_INTERVAL = 0.05  # how often a waiting run looks at its cancel event

_Ending = Literal["replied", "timed out", "stopped", "crashed"]


class PythonSession:
    """One conversation's Python process and folder, both created by the first run.

    Runs are serialised; `stop()` and `close()` may be called from any thread. The process
    is the `interpreter` (the app's own Python, so the code can use its packages), with its
    address space capped at `memory_limit` bytes where the OS enforces it (0: no cap).
    """

    def __init__(self, *, memory_limit: int = DEFAULT_MEMORY_LIMIT,
                 interpreter: str | None = None) -> None:
        self._workdir: Path | None = None  # created with the first process
        self._memory_limit = memory_limit
        self._interpreter = interpreter or sys.executable
        self._kernel: KernelProcess | None = None  # owned by the thread holding _run_lock
        self._request_ids = itertools.count(1)
        self._run_lock = threading.Lock()
        self._state_lock = threading.Lock()  # guards the two below
        self._cancel: threading.Event | None = None  # the current run's
        self._closed = False

    @property
    def workdir(self) -> Path | None:
        """The private folder (the code's cwd, HOME and TMPDIR) once a run has created it.

        It outlives restarts of the process and is removed by `close()`.
        """
        return self._workdir

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def pid(self) -> int | None:
        """The process id of the running kernel, if one is running (for diagnostics)."""
        kernel = self._kernel
        return None if kernel is None else kernel.pid

    def run(self, code: str, *, timeout: float = DEFAULT_TIMEOUT,
            output_cap: int = DEFAULT_OUTPUT_CAP,
            cancel: threading.Event | None = None) -> ToolResult:
        """Execute `code` in the session's process, waiting at most `timeout` seconds.

        Setting `cancel` (or calling `stop()`) ends the run within a fraction of a second.
        Never raises for what the code does: errors, timeouts and crashes are results.
        """
        if timeout <= 0 or output_cap <= 0:
            raise ValueError("timeout and output_cap must be positive")
        started = time.monotonic()
        cancel = cancel or threading.Event()
        with self._run_lock:
            with self._state_lock:
                if self._closed:
                    return ToolResult("The Python session was closed.", stopped=True)
                self._cancel = cancel
            try:
                result = self._execute(code, timeout, output_cap, cancel)
            finally:
                with self._state_lock:
                    self._cancel = None
        duration = time.monotonic() - started
        log.debug("Python run took %.2f s (timed out %s, crashed %s, stopped %s)", duration,
                  result.timed_out, result.crashed, result.stopped)
        return dataclasses.replace(result, duration=duration)

    def stop(self) -> None:
        """Stop the running execution, if any: its process is killed within a poll interval
        (50 ms) and the run returns a stopped result. An idle session keeps its state."""
        with self._state_lock:
            if self._cancel is not None:
                self._cancel.set()

    def close(self) -> None:
        """Stop, end the process and remove the private folder; idempotent."""
        with self._state_lock:
            self._closed = True
            if self._cancel is not None:
                self._cancel.set()
        with self._run_lock:
            self._discard_kernel()
            if self._workdir is not None:
                shutil.rmtree(self._workdir, ignore_errors=True)
                if self._workdir.exists():
                    log.warning("could not remove the Python tool folder %s", self._workdir)
                self._workdir = None

    def _execute(self, code: str, timeout: float, cap: int,
                 cancel: threading.Event) -> ToolResult:
        if cancel.is_set():
            return ToolResult("Execution was stopped before it started.", stopped=True)
        try:
            kernel = self._start()
        except OSError as exc:
            log.warning("could not start the Python tool process: %s", exc)
            return ToolResult(f"The Python process could not be started: {exc}", crashed=True)
        kernel.begin_cell()
        request_id = next(self._request_ids)
        kernel.send({"id": request_id, "code": code, "output_cap": cap, "timeout": timeout})
        ending, reply = self._wait(kernel, request_id, time.monotonic() + timeout, cancel)
        status = None
        if ending == "timed out":
            kernel.kill()
            status = timeout_status(timeout)
        elif ending == "stopped":
            kernel.kill()
            status = stop_status()
        elif ending == "crashed":
            status = crash_status(kernel.exit_description())
        if status is not None:
            log.info("Python tool execution %s; its process is discarded", ending)
        printed, size = kernel.cell_output(cap)
        if status is not None:
            self._discard_kernel()
        error = reply.get("error")
        text, truncated = cell_text(printed, size + int(reply.get("dropped") or 0), cap,
                                    value=reply.get("value"), error=error, status=status)
        return ToolResult(text, truncated=truncated or bool(reply.get("cut")),
                          error=error is not None,
                          timed_out=ending == "timed out", stopped=ending == "stopped",
                          crashed=ending == "crashed")

    @staticmethod
    def _wait(kernel: KernelProcess, request_id: int, deadline: float,
              cancel: threading.Event) -> tuple[_Ending, dict[str, Any]]:
        """How the cell ended, and its reply (empty unless it "replied")."""
        while not cancel.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timed out", {}
            try:
                reply = kernel.reply(min(remaining, _POLL_INTERVAL))
            except queue.Empty:
                continue
            if reply is None:
                return "crashed", {}
            if reply.get("id") == request_id:
                return "replied", reply
        return "stopped", {}

    def _start(self) -> KernelProcess:
        if self._workdir is None:
            self._workdir = Path(tempfile.mkdtemp(prefix="oss-chat-python-"))
        if self._kernel is None:
            self._kernel = KernelProcess(self._workdir, memory_limit=self._memory_limit,
                                         interpreter=self._interpreter)
        return self._kernel

    def _discard_kernel(self) -> None:
        if self._kernel is not None:
            self._kernel.close()
            self._kernel = None

