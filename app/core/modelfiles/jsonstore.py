"""Small versioned JSON documents that survive crashes, full disks and hand edits.

Writes go to a temporary file that replaces the old one in a single rename, so a crash or a
full disk leaves the previous version intact. A file that cannot be read (damaged, or written
by a newer OSS Chat) is renamed aside, never overwritten, and the store starts empty with a
notice for the user. A store made with `keep_newer=True` instead leaves a newer file where
it is until the first save, so an older OSS Chat started once does not take the newer one's
data away from it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
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

    def __init__(self, path: Path, version: int, description: str, *,
                 keep_newer: bool = False) -> None:
        self.path = path
        self.version = version
        self.description = description  # "the model list", for notices
        self.keep_newer = keep_newer
        self.newer_on_disk = False  # a newer file was left in place; the next save sets it aside
        self._lock = _lock_for(path.absolute())
        self.notice: str | None = None

    def load(self) -> dict[str, Any]:
        """The stored data (without `version`); {} when missing or set aside."""
        with self._lock:
            try:
                raw = self.path.read_bytes()
            except FileNotFoundError:
                return {}
            except OSError as exc:
                # Set aside rather than report only: the next save would replace it.
                log.warning("cannot read %s: %s", self.path, exc)
                self._set_aside("unreadable", f"could not be read ({exc.strerror})")
                return {}
            try:
                data = json.loads(raw.decode("utf-8"))
                if not isinstance(data, dict) or not isinstance(data.get("version"), int):
                    raise ValueError("not a versioned JSON object")
            except ValueError as exc:
                log.warning("%s is damaged: %s", self.path, exc)
                self._set_aside("damaged", "was damaged")
                return {}
            if data["version"] > self.version:
                if self.keep_newer:
                    self.newer_on_disk = True
                    self.notice = (f"{self.description.capitalize()} ({self.path.name}) was "
                                   "written by a newer version of OSS Chat; this version "
                                   "leaves it as it is and starts with defaults.")
                    log.warning("%s", self.notice)
                    return {}
                self._set_aside("newer", "was written by a newer version of OSS Chat")
                return {}
            data.pop("version")
            return data

    def save(self, data: dict[str, Any]) -> None:
        """Replace the file atomically; raises OSError (the old file is then unchanged)."""
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.newer_on_disk:
                if not self._set_aside("newer", "was written by a newer version of OSS Chat"):
                    raise OSError(f"cannot move {self.path} aside; it is left unchanged")
                self.newer_on_disk = False
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

    def keep_copy(self, tag: str) -> Path | None:
        """Copy the file as it is to `<name>.<tag>-<time>` before the data is repaired, so a
        hand edit is never lost; None when there is no file or copying fails."""
        with self._lock:
            aside = self._aside_name(tag)
            try:
                shutil.copy2(self.path, aside)
            except OSError as exc:
                log.warning("cannot copy %s to %s: %s", self.path, aside, exc)
                return None
            return aside

    def _aside_name(self, tag: str) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.{tag}-{stamp}")
        number = 1
        while aside.exists() or aside.is_symlink():  # never replace an earlier one
            number += 1
            aside = self.path.with_name(f"{self.path.name}.{tag}-{stamp}-{number}")
        return aside

    def _set_aside(self, tag: str, why: str) -> bool:
        """Rename the file out of the way; False when it is still in place."""
        aside = self._aside_name(tag)
        try:
            self.path.replace(aside)
        except OSError as exc:
            log.warning("cannot move %s aside: %s", self.path, exc)
            self.notice = (f"{self.description.capitalize()} ({self.path.name}) {why}, and it "
                           f"could not be moved aside ({exc.strerror}).")
            return False
        self.notice = (f"{self.description.capitalize()} ({self.path.name}) {why}; it was "
                       f"kept as {aside.name} and a new one was started.")
        log.warning("%s", self.notice)
        return True
