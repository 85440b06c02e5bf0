"""Logging set-up: a rotating file in the log folder plus stderr.

Prompt and answer text are never logged at INFO or above; callers log such text at DEBUG only.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

LOG_FILE_NAME = "oss-chat.log"
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_MAX_BYTES = 2_000_000
_BACKUPS = 3
_HANDLER_PREFIX = "oss-chat-"  # our handlers, replaced when set-up runs again


def setup_logging(log_dir: Path, *, verbose: bool = False, stderr_level: int | None = None) -> Path:
    """Route all logging to `log_dir/oss-chat.log` (rotating) and to stderr. Returns the file."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if (handler.get_name() or "").startswith(_HANDLER_PREFIX):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    formatter = logging.Formatter(_FORMAT)

    log_file = log_dir / LOG_FILE_NAME
    file_handler: logging.Handler
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8"
        )
    except OSError as exc:  # a read-only home must not stop the app
        file_handler = logging.NullHandler()
        print(f"oss-chat: cannot write the log file {log_file}: {exc}", file=sys.stderr)  # noqa: T201
    file_handler.setFormatter(formatter)
    file_handler.set_name(_HANDLER_PREFIX + "file")
    root.addHandler(file_handler)

    stream = logging.StreamHandler(sys.stderr)
    stream.setFormatter(formatter)
    if stderr_level is None:
        stderr_level = logging.DEBUG if verbose else logging.WARNING
    stream.setLevel(stderr_level)
    stream.set_name(_HANDLER_PREFIX + "stderr")
    root.addHandler(stream)
    return log_file
