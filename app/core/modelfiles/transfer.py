"""Fetch one file over HTTP into a `.part` file that survives pauses, crashes and restarts.

Why not `hf_hub_download(local_dir=…)`: in huggingface_hub 2.x it writes to a temporary file
unique to each call and deletes it whenever the call fails or is interrupted, so a paused
12 GB download would start again from zero (only connection drops *within* one call resume).
This keeps the partial bytes in a file of our own and asks for the rest with an HTTP Range
request, through huggingface_hub's own HTTP session (its headers, token, redirects and its
offline-mode guard). Retries use exponential backoff that a cancel interrupts at once.

hf_xet is not used for the same reason: it writes whole files and cannot continue a partial
one. The Hub also serves Xet-stored files over plain HTTP with ranges (huggingface_hub falls
back to exactly that when hf_xet is missing), so every model file can be resumed.
"""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from app.core.modelfiles import hub
from app.core.modelfiles.errors import (
    ConnectionFailed,
    DiskFull,
    DownloadCancelled,
    DownloadError,
    ServerError,
)

log = logging.getLogger(__name__)

_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before telling the user. Attempts count only failures in a row without
    new bytes: a connection that drops every few minutes on a long download never gives up."""

    attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 30.0
    timeout: float | None = None  # seconds without data; None: HF_HUB_DOWNLOAD_TIMEOUT (10)

    def delay(self, failures: int) -> float:
        return float(min(self.max_delay, self.base_delay * 2 ** max(failures - 1, 0)))

    def read_timeout(self) -> float:
        if self.timeout is not None:
            return self.timeout
        from huggingface_hub import constants

        return float(constants.HF_HUB_DOWNLOAD_TIMEOUT)


class _Transient(Exception):
    """A failure worth another attempt; `error` is what the user sees if attempts run out."""

    def __init__(self, error: DownloadError) -> None:
        super().__init__(str(error))
        self.error = error


def open_part(path: Path, append: bool) -> BinaryIO:
    """Open the partial file for writing (a seam for tests that simulate a full disk)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("ab" if append else "wb")


def part_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def fetch(url: str, part: Path, size: int, *, retry: RetryPolicy, cancel: threading.Event,
          on_position: Callable[[int], None], what: str) -> None:
    """Bring `part` to the first `size` bytes of `url`, resuming from what it holds.

    Raises DownloadCancelled (partial kept), DiskFull (partial kept) or another
    DownloadError once `retry.attempts` tries in a row made no progress.
    """
    failures = 0
    while True:
        offset = part_size(part)
        if offset > size:
            log.warning("%s is larger than the file on the Hub; starting it again", part.name)
            part.unlink()
            offset = 0
        if offset == size:
            return
        if cancel.is_set():
            raise DownloadCancelled()
        try:
            _stream(url, part, offset, size, timeout=retry.read_timeout(), cancel=cancel,
                    on_position=on_position, what=what)
        except _Transient as exc:
            progressed = part_size(part) > offset
            failures = 1 if progressed else failures + 1
            if failures >= retry.attempts:
                raise exc.error from exc
            delay = retry.delay(failures)
            log.warning("%s: %s; retrying in %.1f s (attempt %d of %d)", what,
                        exc.__cause__ or exc, delay, failures, retry.attempts)
            if cancel.wait(delay):
                raise DownloadCancelled() from exc


def _stream(url: str, part: Path, offset: int, size: int, *, timeout: float,
            cancel: threading.Event, on_position: Callable[[int], None], what: str) -> None:
    import httpx2
    from huggingface_hub import get_session, hf_raise_for_status

    headers = hub.request_headers()
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        with get_session().stream("GET", url, headers=headers, timeout=timeout) as response:
            status = response.status_code
            if status in hub.RETRY_STATUSES:
                raise _Transient(hub.http_status_error(status, what=what))
            if status == 416:  # our partial no longer matches the server's idea of the file
                part.unlink(missing_ok=True)
                raise _Transient(ServerError(f"{hub.host()} refused to resume {what}."))
            if status >= 400:
                response.read()
                hf_raise_for_status(response)
            if offset and status != 206:
                log.info("the server ignored the resume request for %s; starting over", what)
                offset = 0
            _write_body(response.iter_bytes(), part, offset, size, cancel=cancel,
                        on_position=on_position)
    except (_Transient, DownloadError, DownloadCancelled):
        raise
    except (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError) as exc:
        error = hub.translate(exc, what=what)
        assert error is not None
        raise _Transient(error) from exc
    except Exception as exc:
        error = hub.translate(exc, what=what)
        if error is None:
            raise
        raise error from exc
    if part_size(part) < size:
        raise _Transient(ConnectionFailed(f"The connection to {hub.host()} ended early while "
                                          f"downloading {what}."))


def _write_body(chunks: Iterator[bytes], part: Path, offset: int, size: int, *,
                cancel: threading.Event, on_position: Callable[[int], None]) -> None:
    """Append the response body to `part`, never beyond `size` bytes (wrong content is
    caught by the checksum, wrong length by the size check)."""
    position = offset
    on_position(position)
    try:
        with open_part(part, append=offset > 0) as f:
            for chunk in chunks:
                if cancel.is_set():
                    raise DownloadCancelled()
                piece = chunk[: size - position]
                f.write(piece)
                position += len(piece)
                on_position(position)
                if position >= size:
                    break
    except OSError as exc:  # only the file can raise OSError here; HTTP errors are httpx's
        kept = f" The {part_size(part):,} bytes downloaded so far are kept for resuming."
        raise local_error(exc, part.parent, kept) from exc


def local_error(exc: OSError, folder: Path, kept: str = "") -> DownloadError:
    """A file-system failure in the user's words: a full disk, or an unusable folder."""
    if exc.errno in _NO_SPACE:
        return DiskFull(f"The disk is full ({folder}).{kept} Free some space and retry.")
    return DownloadError(f"Cannot write to {folder}: {exc.strerror or exc}.")
