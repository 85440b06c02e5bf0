"""The model's Python tool for the GUI: `PythonSession.run` off the GUI thread.

A run is a job, not a resource the app holds, so each one gets a plain Python thread (the
session serialises runs of one conversation). The thread emits one private signal, queued
to the GUI thread, which emits the public one. Stop sets the run's `threading.Event`; the
session looks at it every few milliseconds and kills the process. Every run ends with
exactly one `finished`, a stopped one too.
"""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt, Signal, Slot

from app.core.tools import DEFAULT_OUTPUT_CAP, DEFAULT_TIMEOUT, PythonTools, ToolResult

log = logging.getLogger(__name__)


@dataclass
class _Run:
    conversation_id: int
    cancel: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


class PythonService(QObject):
    """Runs the model's Python code for the conversations, one process per conversation.

    Signals:
        finished(int, object): the request id and its ToolResult (`output` is the text for
            the model), after a normal end, an error, a timeout, a crash or a stop.
    """

    finished = Signal(int, object)
    _relay = Signal(int, object)  # (request id, ToolResult), emitted on the run's thread

    def __init__(self, tools: PythonTools | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tools = tools or PythonTools()
        self._runs: dict[int, _Run] = {}
        self._ids = itertools.count(1)
        self._shut_down = False
        self._relay.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def tools(self) -> PythonTools:
        return self._tools

    def run(self, conversation_id: int, code: str, *, timeout: float = DEFAULT_TIMEOUT,
            output_cap: int = DEFAULT_OUTPUT_CAP) -> int:
        """Start running `code` in the conversation's session; returns the request id."""
        if self._shut_down:
            raise RuntimeError("the Python service has been shut down")
        request_id = next(self._ids)
        job = _Run(conversation_id)
        job.thread = threading.Thread(target=self._work, name=f"python-run-{request_id}",
                                      args=(request_id, job, code, timeout, output_cap))
        self._runs[request_id] = job
        job.thread.start()
        return request_id

    def is_running(self, request_id: int) -> bool:
        """True until the run's `finished` has been emitted."""
        return request_id in self._runs

    def stop(self, request_id: int) -> None:
        """Stop a run at once (its process is killed); `finished` follows with `stopped`."""
        job = self._runs.get(request_id)
        if job is not None:
            job.cancel.set()

    def close_conversation(self, conversation_id: int) -> None:
        """Stop the conversation's runs, end its process and remove its folder."""
        for job in self._runs.values():
            if job.conversation_id == conversation_id:
                job.cancel.set()
        self._tools.close(conversation_id)

    def shutdown(self, timeout: float = 5.0) -> bool:
        """Stop everything, end all processes and join the threads; False if one hung."""
        self._shut_down = True
        for job in self._runs.values():
            job.cancel.set()
        self._tools.close_all()
        threads = [job.thread for job in self._runs.values() if job.thread is not None]
        for thread in threads:
            thread.join(timeout)
        return not any(thread.is_alive() for thread in threads)

    def _work(self, request_id: int, job: _Run, code: str, timeout: float,
              output_cap: int) -> None:
        try:
            # A session costs nothing until it runs, and a cancelled run never starts one,
            # so a run racing with shutdown() leaves no process or folder behind.
            result = self._tools.session(job.conversation_id).run(
                code, timeout=timeout, output_cap=output_cap, cancel=job.cancel)
        except Exception as exc:  # a bug: the chat still needs its one answer
            log.exception("the Python tool failed unexpectedly")
            result = ToolResult(f"The Python tool failed unexpectedly: {exc}", crashed=True)
        self._relay.emit(request_id, result)

    @Slot(int, object)
    def _deliver(self, request_id: int, result: ToolResult) -> None:
        job = self._runs.pop(request_id, None)
        if job is not None and job.thread is not None:
            job.thread.join()  # it has emitted its last signal; only its return remains
        self.finished.emit(request_id, result)
