"""Small versioned JSON documents that survive crashes, full disks and hand edits.

Writes go to a temporary file that replaces the old one in a single rename, so a crash or a
full disk leaves the previous version intact. A file that cannot be read (damaged, or written
by a newer OSS Chat) is renamed aside, never overwritten, and the store starts empty with a
notice for the user.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_LOCKS: dict[Path, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(path: Path) -> threading.RLock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(path, threading.RLock())


class JsonStore:
    """One JSON object with a `version` key, read and updated as a whole.

    `update()` holds a per-file lock across read-modify-write, so the download thread and
    the GUI thread can both record changes without losing each other's.
    """

    def __init__(self, path: Path, version: int, description: str) -> None:
        self.path = path
        self.version = version
        self.description = description  # "the model list", for notices
        self._lock = _lock_for(path.absolute())
        self.notice: str | None = None

    def load(self) -> dict[str, Any]:
        """The stored data (without `version`); {} when missing or set aside."""
        with self._lock:
            try:
                text = self.path.read_text(encoding="utf-8")
            except FileNotFoundError:
                return {}
            except OSError as exc:
                self.notice = f"Cannot read {self.description} ({self.path}): {exc.strerror}."
                log.warning("%s", self.notice)
                return {}
            try:
                data = json.loads(text)
                if not isinstance(data, dict) or not isinstance(data.get("version"), int):
                    raise ValueError("not a versioned JSON object")
            except ValueError as exc:
                log.warning("%s is damaged: %s", self.path, exc)
                self._set_aside("damaged", "was damaged")
                return {}
            if data["version"] > self.version:
                self._set_aside("newer", "was written by a newer version of OSS Chat")
                return {}
            data.pop("version")
            return data

    def save(self, data: dict[str, Any]) -> None:
        """Replace the file atomically; raises OSError (the old file is then unchanged)."""
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            payload = json.dumps({"version": self.version, **data}, indent=2, ensure_ascii=False)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp",
                                       dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(payload + "\n")
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise

    def update(self, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        """Load, let `change` edit the data in place, save; returns the saved data."""
        with self._lock:
            data = self.load()
            change(data)
            self.save(data)
            return data

    def _set_aside(self, tag: str, why: str) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.{tag}-{stamp}")
        try:
            self.path.replace(aside)
        except OSError as exc:
            log.warning("cannot move %s aside: %s", self.path, exc)
            aside = self.path
        self.notice = (f"{self.description.capitalize()} ({self.path.name}) {why}; it was "
                       f"kept as {aside.name} and a new one was started.")
        log.warning("%s", self.notice)
