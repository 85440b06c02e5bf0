"""One running kernel child process, seen from the app: start, talk, read output, kill.

The child gets a scrubbed environment (an allow-list: no API keys or tokens of the parent),
its own process group on POSIX so a kill also ends what the code started, and no console
window on Windows. Replies are read by a thread into a queue, so waiting for one has a
timeout on every platform; the thread ends when the child's stdout closes (it exits or is
killed) and is joined by `close()`.

Platforms: on Linux the address space is capped (RLIMIT_AS) and a kill ends the whole
process group. macOS ignores RLIMIT_AS, so there is no memory cap there. Windows has no
`resource` module and no process groups to kill: there is no memory cap, and processes the
code starts itself survive a kill of the kernel; a job object (with
JOB_OBJECT_LIMIT_PROCESS_MEMORY and KILL_ON_JOB_CLOSE) would add both and is not done yet.
A frozen build of the app has no Python at `sys.executable`: there the app's own executable
runs the kernel (`oss-chat --python-kernel`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from app.core.tools import kernel

log = logging.getLogger(__name__)

KERNEL_PATH = Path(kernel.__file__)
_KEPT_VARIABLES = frozenset({"PATH", "LANG", "LANGUAGE", "TZ"})
_KEPT_ON_WINDOWS = frozenset({"SYSTEMROOT", "WINDIR", "COMSPEC", "PATHEXT", "SYSTEMDRIVE",
                              "NUMBER_OF_PROCESSORS", "PROCESSOR_ARCHITECTURE"})
_THREAD_POOL_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_MAX_POOL_THREADS = 4


def child_environment(workdir: Path) -> dict[str, str]:
    """The variables the code sees: an allow-list, with home and temp in its private folder.

    Thread pools of numeric libraries are kept small: each thread reserves memory, and on
    a many-core machine their reservations alone would exceed the address-space limit.
    """
    kept = _KEPT_VARIABLES | (_KEPT_ON_WINDOWS if sys.platform == "win32" else frozenset())
    env = {name: value for name, value in os.environ.items()
           if name.upper() in kept or name.startswith("LC_")}
    folder = str(workdir)
    env.update(HOME=folder, TMPDIR=folder, TEMP=folder, TMP=folder)
    if sys.platform == "win32":
        env["USERPROFILE"] = folder
    threads = str(min(_MAX_POOL_THREADS, os.cpu_count() or 1))
    env.update(dict.fromkeys(_THREAD_POOL_VARIABLES, threads))
    return env


# The packaged app has no separate Python: it runs the kernel itself when given this flag.
KERNEL_FLAG = "--python-kernel"


def kernel_command(interpreter: str, memory_limit: int) -> list[str]:
    """How to start the kernel: the kernel file under Python, or the packaged app itself."""
    if getattr(sys, "frozen", False) and interpreter == sys.executable:
        return [interpreter, KERNEL_FLAG, "--memory-limit", str(memory_limit)]
    return [interpreter, "-I", "-X", "utf8", str(KERNEL_PATH), "--memory-limit",
            str(memory_limit)]


class KernelProcess:
    """A started kernel. Not thread-safe except `kill()`, which any thread may call."""

    def __init__(self, workdir: Path, *, memory_limit: int, interpreter: str) -> None:
        # The child's stderr, to which the kernel also points its stdout: all the code
        # prints. Unlinked at once on POSIX, deleted on close on Windows.
        self._output = tempfile.TemporaryFile()  # noqa: SIM115 -- closed in close()
        argv = kernel_command(interpreter, memory_limit)
        extra: dict[str, Any] = {}
        if sys.platform == "win32":
            extra["creationflags"] = subprocess.CREATE_NO_WINDOW
        else:
            extra["start_new_session"] = True
        try:
            self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=self._output, cwd=workdir,
                                          env=child_environment(workdir), **extra)
        except BaseException:
            self._output.close()
            raise
        self._replies: queue.Queue[bytes | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, name=f"python-kernel-{self.pid}",
                                         daemon=True)  # never holds up the app's exit
        self._reader.start()
        log.debug("started Python kernel %d in %s", self.pid, workdir)

    @property
    def pid(self) -> int:
        return self._proc.pid

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self._replies.put(line)
        self._replies.put(None)

    def send(self, message: dict[str, Any]) -> None:
        """Send a request; a dead child is noticed by `reply()` (end of its output)."""
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(json.dumps(message).encode("ascii") + b"\n")
            self._proc.stdin.flush()
        except OSError as exc:  # BrokenPipeError: it has already gone
            log.debug("could not write to the Python kernel: %s", exc)

    def reply(self, timeout: float) -> dict[str, Any] | None:
        """The next reply, None once the child has gone; raises queue.Empty after `timeout`."""
        while True:
            line = self._replies.get(timeout=max(timeout, 0.0))
            if line is None:
                self._replies.put(None)  # stays at the end for any later call
                return None
            try:
                message = json.loads(line)
            except ValueError:
                message = None
            if isinstance(message, dict):
                return message
            log.debug("ignored a line from the Python kernel that is no reply")

    def begin_cell(self) -> None:
        """Empty the output file for the next cell's output."""
        self._output.seek(0)
        self._output.truncate()

    def cell_output(self, limit: int) -> tuple[bytes, int]:
        """The first `limit` bytes the cell printed, and how many bytes it printed."""
        size = os.fstat(self._output.fileno()).st_size
        self._output.seek(0)
        data = self._output.read(limit)
        self._output.seek(0, os.SEEK_END)  # the child shares this offset; keep it at the end
        return data, size

    def kill(self) -> None:
        """End the child at once, with everything it started on POSIX."""
        if self._proc.returncode is not None:
            return
        try:
            if sys.platform == "win32":
                self._proc.kill()
            else:
                os.killpg(self._proc.pid, signal.SIGKILL)
        except OSError as exc:  # it has just ended by itself
            log.debug("could not kill the Python kernel: %s", exc)

    def exit_description(self, timeout: float = 2.0) -> str:
        """'exit status 3' or 'killed by signal SIGSEGV'; for a child whose output ended."""
        try:
            code = self._proc.wait(timeout)
        except subprocess.TimeoutExpired:  # it closed its protocol channel but lives on
            self.kill()
            return "closed its reply channel"
        if code < 0:
            try:
                return f"killed by signal {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit status {code}"

    def close(self) -> None:
        """Kill the child, reap it, join the reader and release the pipes and the file."""
        self.kill()
        self._proc.wait()
        self._reader.join()
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):  # a request the dead child never read
                    stream.close()
        self._output.close()
        log.debug("closed Python kernel %d", self.pid)
