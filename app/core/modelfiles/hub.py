"""The Hugging Face Hub as the app sees it: where it is, whether we may reach it, and its
errors in the user's words.

huggingface_hub reads `HF_ENDPOINT` and `HF_HUB_OFFLINE` once, when it is first imported.
Reading them again on every call lets a running app (and the tests) change them, and makes
sure offline mode is honoured before any request is even built.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import urlsplit

from app import APP_SLUG, __version__
from app.core.modelfiles.errors import (
    ConnectionFailed,
    DownloadError,
    HubOffline,
    NotFound,
    ServerError,
)

log = logging.getLogger(__name__)

_TRUE = {"1", "ON", "YES", "TRUE"}
#: HTTP statuses worth retrying after a pause: timeouts, rate limits, server trouble.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def endpoint() -> str:
    """The Hub's base URL (`HF_ENDPOINT`, or huggingface.co)."""
    from huggingface_hub import constants

    return (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def host() -> str:
    return urlsplit(endpoint()).netloc or endpoint()


def offline() -> bool:
    """True when `HF_HUB_OFFLINE` (or `TRANSFORMERS_OFFLINE`) asks for no network at all."""
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE")
    if value is not None:
        return value.strip().upper() in _TRUE
    from huggingface_hub import constants

    return bool(constants.is_offline_mode())


def require_online() -> None:
    if offline():
        raise HubOffline("Offline mode is on (HF_HUB_OFFLINE is set), so models cannot be "
                         "downloaded. Unset it to download, or choose a GGUF file on disk.")


def request_headers() -> dict[str, str]:
    """The client's usual headers (user agent, the user's token if logged in), uncompressed."""
    from huggingface_hub.utils import build_hf_headers  # type: ignore[attr-defined]  # lazy export

    headers = build_hf_headers(library_name=APP_SLUG, library_version=__version__)
    headers["Accept-Encoding"] = "identity"  # sizes and ranges refer to the file's own bytes
    return headers


def translate(exc: BaseException, *, what: str) -> DownloadError | None:
    """The user-facing error for a failure of huggingface_hub or its HTTP client, or None
    when `exc` is not a network or Hub problem (a bug, to be raised as it is).

    `what` names the thing being fetched, e.g. "ggml-org/gpt-oss-20b-GGUF".
    """
    import httpx2
    from huggingface_hub import errors

    if isinstance(exc, DownloadError):
        return exc
    if isinstance(exc, errors.OfflineModeIsEnabled):
        return HubOffline("Offline mode is on (HF_HUB_OFFLINE is set), so models cannot be "
                          "downloaded. Unset it to download, or choose a GGUF file on disk.")
    if isinstance(exc, errors.GatedRepoError):
        return NotFound(f"{what} needs access approval on Hugging Face; OSS Chat can only "
                        "download public models.")
    if isinstance(exc, errors.RevisionNotFoundError):
        return NotFound(f"{what}: that revision does not exist on Hugging Face.")
    if isinstance(exc, errors.RemoteEntryNotFoundError):
        return NotFound(f"{what}: that file does not exist on Hugging Face.")
    if isinstance(exc, errors.RepositoryNotFoundError):
        return NotFound(f"{what} was not found on Hugging Face (check the name; private "
                        "repositories are not supported).")
    if isinstance(exc, errors.HFValidationError):
        return NotFound(f"{what} is not a valid Hugging Face repository name.")
    if isinstance(exc, errors.HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else 0
        return http_status_error(status, what=what)
    if isinstance(exc, httpx2.TimeoutException):
        return ConnectionFailed(f"{host()} stopped answering while fetching {what}. Check the "
                                "network connection and try again.")
    if isinstance(exc, httpx2.ConnectError):
        return ConnectionFailed(f"Cannot reach {host()}: no network connection? Check it and "
                                "try again.")
    if isinstance(exc, (httpx2.NetworkError, httpx2.RemoteProtocolError)):
        return ConnectionFailed(f"The connection to {host()} kept dropping while fetching "
                                f"{what}. Try again; the download resumes where it stopped.")
    return None


def http_status_error(status: int, *, what: str) -> DownloadError:
    if status == 429:
        return ServerError(f"{host()} is limiting requests right now (HTTP 429). "
                           "Wait a few minutes and try again.")
    if status >= 500:
        return ServerError(f"{host()} is having problems (HTTP {status}) while serving {what}. "
                           "Try again later.")
    if status in (401, 403):
        return NotFound(f"{host()} refused access to {what} (HTTP {status}).")
    if status == 404:
        return NotFound(f"{what} was not found on {host()} (HTTP 404).")
    return ServerError(f"{host()} answered HTTP {status} for {what}.")
