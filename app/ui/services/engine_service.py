"""The engine on its own thread: one worker QObject owns the model for the app's lifetime.

The GUI never waits on it. Requests go in as queued signals and are handled in order; each
generate request ends with exactly one of `finished`, `cancelled` or `failed`. Stop sets a
`threading.Event` that the decode loop (every token) and llama.cpp's abort callback (during
a long prompt) check, because a busy worker never sees a queued "stop" signal.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from app.core.engine.config import EngineConfig, SamplingConfig
from app.core.engine.engine import Engine
from app.core.engine.native import LoadCancelled, preload
from app.core.harmony.events import (
    AnswerDelta,
    CommentaryDelta,
    Event,
    ReasoningDelta,
    StopReason,
    ToolCallDelta,
)
from app.core.harmony.prompt import Prompt
from app.core.modelfiles.gguf_info import ModelFileError

log = logging.getLogger(__name__)

MIN_UPDATE_INTERVAL = 1 / 30  # the screen gets at most ~30 stream updates a second


@dataclass
class StreamUpdate:
    """The text that arrived since the last update, plus any structural events."""

    request_id: int
    reasoning: str = ""
    answer: str = ""
    commentary: str = ""
    tool_call: str = ""
    events: list[Event] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.reasoning or self.answer or self.commentary or self.tool_call
                    or self.events)


@dataclass(frozen=True)
class LoadRequest:
    request_id: int
    path: Path
    config: EngineConfig
    cancel: threading.Event


@dataclass(frozen=True)
class GenerateRequest:
    request_id: int
    prompt: Prompt
    sampling: SamplingConfig
    conversation_key: str | None
    cancel: threading.Event


class _Coalescer:
    """Gathers parser events and emits them at most every MIN_UPDATE_INTERVAL seconds."""

    def __init__(self, request_id: int, emit: Any) -> None:
        self._request_id = request_id
        self._emit = emit
        self._pending = StreamUpdate(request_id)
        self._last = 0.0

    def add(self, event: Event) -> None:
        pending = self._pending
        if isinstance(event, AnswerDelta):
            pending.answer += event.text
        elif isinstance(event, ReasoningDelta):
            pending.reasoning += event.text
        elif isinstance(event, CommentaryDelta):
            pending.commentary += event.text
        elif isinstance(event, ToolCallDelta):
            pending.tool_call += event.text
        else:
            pending.events.append(event)
        now = time.monotonic()
        if now - self._last >= MIN_UPDATE_INTERVAL:
            self.flush(now)

    def flush(self, now: float | None = None) -> None:
        if not self._pending.empty():
            self._emit(self._pending)
            self._pending = StreamUpdate(self._request_id)
        self._last = time.monotonic() if now is None else now


class EngineWorker(QObject):
    """Lives on the engine thread; every slot runs there.

    Signals:
        loadProgress(int, float): request id, fraction 0–1.
        loaded(int, object): request id, LoadInfo.
        loadFailed(int, str): request id, message for the user ("" when cancelled).
        promptProgress(int, int, int): request id, tokens read, tokens to read.
        streamed(object): a StreamUpdate (coalesced).
        finished(int, object): request id, GenerationResult.
        cancelled(int, object): request id, the partial GenerationResult.
        failed(int, str): request id, message for the user.
        stopped(): the engine was unloaded; the thread ends right after.
    """

    loadProgress = Signal(int, float)
    loaded = Signal(int, object)
    loadFailed = Signal(int, str)
    promptProgress = Signal(int, int, int)
    streamed = Signal(object)
    finished = Signal(int, object)
    cancelled = Signal(int, object)
    failed = Signal(int, str)
    stopped = Signal()

    def __init__(self, engine: Engine | None = None) -> None:
        super().__init__()
        self.engine = engine or Engine()

    @Slot(object)
    def load(self, request: LoadRequest) -> None:
        rid = request.request_id
        try:
            info = self.engine.load(request.path, request.config, cancel=request.cancel,
                                    progress=lambda f: self.loadProgress.emit(rid, f))
        except LoadCancelled:
            self.loadFailed.emit(rid, "")
        except ModelFileError as exc:
            self.loadFailed.emit(rid, str(exc))
        except Exception as exc:
            log.exception("Loading %s failed", request.path)
            self.loadFailed.emit(rid, f"Loading failed: {exc}")
        else:
            self.loaded.emit(rid, info)

    @Slot(object)
    def generate(self, request: GenerateRequest) -> None:
        rid = request.request_id
        coalescer = _Coalescer(rid, self.streamed.emit)
        try:
            result = self.engine.generate(
                request.prompt, request.sampling, on_event=coalescer.add, cancel=request.cancel,
                on_prompt_progress=lambda done, total: self.promptProgress.emit(rid, done, total),
                conversation_key=request.conversation_key)
        except Exception as exc:
            coalescer.flush()
            log.exception("Generation failed")
            self.failed.emit(rid, str(exc) or exc.__class__.__name__)
            return
        coalescer.flush()
        if result.stop_reason is StopReason.STOPPED:
            self.cancelled.emit(rid, result)
        else:
            self.finished.emit(rid, result)

    @Slot()
    def unload(self) -> None:
        self.engine.unload()

    @Slot()
    def shutdown(self) -> None:
        self.engine.unload()
        self.stopped.emit()
        worker_thread = self.thread()
        # Hand this object back to the GUI thread so it can be deleted there, and quit
        # directly: the GUI thread is blocked in wait() and cannot deliver a queued quit.
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())
        worker_thread.quit()


class EngineService(QObject):
    """The GUI's handle on the engine thread. All methods return at once.

    Signals: the worker's (see EngineWorker), delivered on the GUI thread.
    """

    loadProgress = Signal(int, float)
    loaded = Signal(int, object)
    loadFailed = Signal(int, str)
    promptProgress = Signal(int, int, int)
    streamed = Signal(object)
    finished = Signal(int, object)
    cancelled = Signal(int, object)
    failed = Signal(int, str)

    _loadRequested = Signal(object)
    _generateRequested = Signal(object)
    _unloadRequested = Signal()
    _shutdownRequested = Signal()

    def __init__(self, parent: QObject | None = None, engine: Engine | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._cancels: dict[int, threading.Event] = {}
        self._thread = QThread()
        self._thread.setObjectName("engine")
        self.worker = EngineWorker(engine)
        self.worker.moveToThread(self._thread)
        self._loadRequested.connect(self.worker.load)
        self._generateRequested.connect(self.worker.generate)
        self._unloadRequested.connect(self.worker.unload)
        self._shutdownRequested.connect(self.worker.shutdown)
        queued = Qt.ConnectionType.QueuedConnection
        for name in ("loadProgress", "loaded", "loadFailed", "promptProgress", "streamed",
                     "finished", "cancelled", "failed"):
            getattr(self.worker, name).connect(getattr(self, name), queued)
        for done in (self.loaded, self.loadFailed, self.finished, self.cancelled, self.failed):
            done.connect(self._forget)
        self._thread.start()

    @Slot(int)
    def _forget(self, request_id: int, *_: object) -> None:
        self._cancels.pop(request_id, None)

    def _new_request(self) -> tuple[int, threading.Event]:
        rid, cancel = next(self._ids), threading.Event()
        self._cancels[rid] = cancel
        return rid, cancel

    def load(self, path: Path, config: EngineConfig | None = None) -> int:
        preload()  # here, on the GUI thread, before the engine thread needs the modules
        rid, cancel = self._new_request()
        self._loadRequested.emit(LoadRequest(rid, Path(path), config or EngineConfig(), cancel))
        return rid

    def generate(self, prompt: Prompt, sampling: SamplingConfig | None = None,
                 conversation_key: str | None = None) -> int:
        rid, cancel = self._new_request()
        self._generateRequested.emit(GenerateRequest(rid, prompt, sampling or SamplingConfig(),
                                                     conversation_key, cancel))
        return rid

    def cancel(self, request_id: int | None = None) -> None:
        """Stop one request, or every running and queued one."""
        targets = [self._cancels.get(request_id)] if request_id else list(self._cancels.values())
        for event in targets:
            if event is not None:
                event.set()

    def unload(self) -> None:
        self._unloadRequested.emit()

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Cancel everything, close the model and end the thread; True if it ended in time."""
        if not self._thread.isRunning():
            return True
        self.cancel()
        self._shutdownRequested.emit()
        ended = self._thread.wait(timeout_ms)
        if not ended:
            log.error("The engine thread did not stop within %d ms", timeout_ms)
        return bool(ended)
