"""What can go wrong while fetching a model, each with a message meant for the user.

The GUI shows `str(error)` next to a Retry button and the command line prints it as one
line, so every message says what happened and what the user can do, without a traceback.
"""

from __future__ import annotations


class DownloadError(Exception):
    """A model could not be resolved or downloaded; `str()` is the message for the user."""

    #: Whether trying again later can help (a Retry button makes sense).
    retryable = True


class HubOffline(DownloadError):
    """Offline mode is on (HF_HUB_OFFLINE), so the app must not touch the network."""


class ConnectionFailed(DownloadError):
    """No network, the connection dropped for good, or the server stopped answering."""


class ServerError(DownloadError):
    """The Hub answered with an error of its own (5xx, rate limit, …)."""


class NotFound(DownloadError):
    """The repository, revision or file does not exist (or is private/gated)."""

    retryable = False


class NotEnoughSpace(DownloadError):
    """Checked before starting: the disk cannot hold the model plus a safety margin."""


class DiskFull(DownloadError):
    """The disk filled up while writing; the partial file is kept for resuming."""


class ChecksumMismatch(DownloadError):
    """The downloaded bytes are not the published file; the bad file has been deleted."""


class DownloadCancelled(Exception):
    """The user paused or cancelled; the partial file stays and the download can resume."""
