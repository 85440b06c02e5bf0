"""Progress of a download as the user sees it: bytes, speed and time left, a few times a
second rather than once per network packet."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

DOWNLOADING = "downloading"
VERIFYING = "verifying"


@dataclass(frozen=True)
class DownloadProgress:
    phase: str  # DOWNLOADING or VERIFYING
    done: int  # bytes, all files of the model together (a resumed download starts above 0)
    total: int
    speed: float  # bytes per second over the last few seconds; 0.0 until known
    eta: float | None  # seconds left; None until known
    file: str  # the file being worked on

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


ProgressCallback = Callable[[DownloadProgress], None]


def human_size(n: float) -> str:
    """Bytes as people read them on a download page: 12.1 GB, 460 KB (powers of 1000)."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit in ("bytes", "KB") else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


class ProgressMeter:
    """Turns a stream of byte counts into throttled DownloadProgress reports.

    Speed is measured over a sliding window, so a stall shows as a falling speed and a
    growing time left, and bytes that were already on disk before a resume do not count as
    speed.
    """

    def __init__(self, phase: str, total: int, callback: ProgressCallback | None, *,
                 start: int = 0, interval: float = 0.1, window: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.phase = phase
        self.total = total
        self._callback = callback
        self._interval = interval
        self._window = window
        self._clock = clock
        self._samples: deque[tuple[float, int]] = deque([(clock(), start)])
        self._last_report = float("-inf")
        self._reported: int | None = None
        self.done = start

    def update(self, done: int, file: str, *, force: bool = False) -> None:
        now = self._clock()
        self.done = done
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[1][0] >= self._window:
            self._samples.popleft()
        if done == self._reported:
            return  # nothing new to show
        if force or done >= self.total or now - self._last_report >= self._interval:
            self._last_report = now
            self._reported = done
            self._report(now, file)

    def _report(self, now: float, file: str) -> None:
        if self._callback is None:
            return
        t0, d0 = self._samples[0]
        speed = (self.done - d0) / (now - t0) if now > t0 and self.done > d0 else 0.0
        remaining = max(self.total - self.done, 0)
        eta = remaining / speed if speed > 0 else (0.0 if remaining == 0 else None)
        self._callback(DownloadProgress(self.phase, self.done, self.total, speed, eta, file))
