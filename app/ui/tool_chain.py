"""The tool calls of a reply: ask the user, run Python in its sandbox, return the result.

gpt-oss calls Python on the analysis channel (`to=python`) and stops with `<|call|>`; the
result goes back as a `python` tool message and generation resumes until a final answer.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal, Slot

from app.core.harmony.prompt import Message
from app.core.storage.models import PythonTool
from app.core.tools.result import ToolResult
from app.ui.services.python_service import DEFAULT_TIMEOUT, PythonService

log = logging.getLogger(__name__)

DENIED = "The user did not allow running this code."
STOPPED = "The user stopped the reply while the code was running."


def unavailable(recipient: str) -> str:
    return f"The tool {recipient} is not available in this chat."


def tool_message(recipient: str, text: str) -> Message:
    """The harmony message that carries a tool's result back to the model."""
    return Message(role="tool", name=recipient, recipient="assistant", channel="analysis",
                   content=text)


class ToolChain(QObject):
    """One call at a time: the controller hands over a call and gets a result message back.

    Signals:
        consentRequested(str): Python code waits for Run / Always allow / Deny.
        resultReady(object, bool): the tool's harmony Message, and whether it ran to the end
                                   (False after a stop: the reply ends instead of resuming).
    """

    consentRequested = Signal(str)
    resultReady = Signal(object, bool)

    def __init__(self, python: PythonService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.python = python
        self.timeout = DEFAULT_TIMEOUT  # seconds per call
        self._conversation: int | None = None
        self._pending: Message | None = None
        self._running: int | None = None
        python.finished.connect(self._on_finished)

    @property
    def waiting_for_consent(self) -> bool:
        return self._pending is not None

    @property
    def busy(self) -> bool:
        return self._pending is not None or self._running is not None

    def handle(self, conversation_id: int, mode: PythonTool, call: Message) -> None:
        recipient = call.recipient or ""
        self._conversation = conversation_id
        if recipient != "python" or mode == "off":
            self.resultReady.emit(tool_message(recipient, unavailable(recipient)), True)
        elif mode == "always":
            self._run(call)
        else:
            self._pending = call
            self.consentRequested.emit(call.content)

    def approve(self) -> None:
        call, self._pending = self._pending, None
        if call is not None:
            self._run(call)

    def deny(self) -> None:
        call, self._pending = self._pending, None
        if call is not None:
            self.resultReady.emit(tool_message("python", DENIED), True)

    def stop(self) -> None:
        """Kill a running call at once; a call waiting for consent is dropped."""
        if self._running is not None:
            self.python.stop(self._running)
        elif self._pending is not None:
            self._pending = None
            self.resultReady.emit(tool_message("python", STOPPED), False)

    def _run(self, call: Message) -> None:
        assert self._conversation is not None
        log.info("Running a Python call in conversation %d", self._conversation)
        self._running = self.python.run(self._conversation, call.content, timeout=self.timeout)

    @Slot(int, object)
    def _on_finished(self, request_id: int, result: ToolResult) -> None:
        if request_id != self._running:
            return
        self._running = None
        self.resultReady.emit(tool_message("python", result.output), not result.stopped)
