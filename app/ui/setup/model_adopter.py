"""Make a model file the library's default, off the GUI thread.

Checking a GGUF file never loads its weights, but it does parse the whole header, and
gpt-oss's header holds a vocabulary of 201,088 tokens and 446,189 merges: the `gguf` reader
takes many seconds over that on a slow machine (and longer from a network drive). So both a
file the user chose and a model that just finished downloading are checked and recorded on a
worker thread, one at a time, and the answer comes back as a signal on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from app.core.modelfiles.gguf_info import ModelFileError
from app.core.modelfiles.library import LocalModel, ModelLibrary

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Task:
    path: Path
    downloaded: bool  # verified by the downloader: look it up rather than add it
    tag: object


class ModelAdopter(QObject):
    """Validates model files and makes each accepted one the default, one at a time.

    The library is only used from the worker thread while a task runs; callers leave it
    alone until the answer arrives.

    Signals:
        accepted(object, object): the LocalModel (now the default) and the caller's tag.
        rejected(str, object): why the file cannot be used, for the user, and the tag.
    """

    accepted = Signal(object, object)
    rejected = Signal(str, object)
    _relay = Signal(object, object)  # (task, LocalModel or message), from the worker thread

    def __init__(self, library: ModelLibrary, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._library = library
        self._queue: deque[_Task] = deque()
        self._thread: threading.Thread | None = None
        self._busy = False
        self._relay.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def is_running(self) -> bool:
        return self._busy

    def add_file(self, path: Path, tag: object = None) -> None:
        """Check a file the user chose (not GGUF, truncated, not gpt-oss, split parts
        missing…) and remember it where it is."""
        self._submit(_Task(Path(path), False, tag))

    def adopt_download(self, path: Path, tag: object = None) -> None:
        """Use a model the downloader has just verified and recorded."""
        self._submit(_Task(Path(path), True, tag))

    def shutdown(self, timeout: float = 30.0) -> bool:
        """Drop queued checks and wait for the running one; False if it did not end in time."""
        self._queue.clear()
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def _submit(self, task: _Task) -> None:
        self._queue.append(task)
        self._next()

    def _next(self) -> None:
        if self._busy or not self._queue:
            return
        if self._thread is not None:
            self._thread.join()  # its answer was delivered; only its last steps remain
        self._busy = True
        self._thread = threading.Thread(target=self._work, args=(self._queue.popleft(),),
                                        name="model-file-check")
        self._thread.start()

    def _work(self, task: _Task) -> None:
        result: LocalModel | str
        try:
            result = self._adopt(task)
        except (ModelFileError, OSError) as exc:
            log.info("refused %s: %s", task.path, exc)
            result = str(exc)
        except Exception as exc:  # a bug: keep the GUI alive and the user informed
            log.exception("checking %s failed unexpectedly", task.path)
            result = f"{task.path.name} could not be checked: {exc}"
        self._relay.emit(task, result)

    def _adopt(self, task: _Task) -> LocalModel:
        if task.downloaded:
            model = self._library.find(task.path)
            if model is None:
                raise ModelFileError(f"{task.path.name} is not in the list of downloaded "
                                     "models.")
        else:
            model = self._library.add_file(task.path)
        if model.problem is not None:
            raise ModelFileError(model.problem)
        self._library.set_default(model)
        log.info("%s is now the default model", model.path)
        return model

    @Slot(object, object)
    def _deliver(self, task: Any, result: Any) -> None:
        self._busy = False
        if isinstance(result, LocalModel):
            self.accepted.emit(result, task.tag)
        else:
            self.rejected.emit(str(result), task.tag)
        self._next()
