"""Window size, position, layout and the sidebar's width, kept across runs in Settings.

Qt encodes geometry and layout as opaque bytes (kept as base64 text in settings.json) and
checks them when restoring; anything it refuses, or that does not fit the splitter, is
ignored so a hand-edited or stale file only costs the saved layout.
"""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import replace

from PySide6.QtCore import QByteArray, QSize
from PySide6.QtWidgets import QMainWindow, QSplitter, QWidget

from app.core.settings import Settings

log = logging.getLogger(__name__)

_WIDGET_SIZE_MAX = 16_777_215  # QWIDGETSIZE_MAX
_SMALLEST_WINDOW = QSize(120, 80)  # below this a restored geometry is a damaged record


def _encode(data: QByteArray) -> str:
    return base64.b64encode(data.data()).decode("ascii")


def _decode(text: str | None) -> QByteArray | None:
    if not text:
        return None
    try:
        return QByteArray(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        log.info("ignoring saved window data that is not base64")
        return None


def save_window_state(window: QWidget, splitter: QSplitter | None,
                      settings: Settings) -> Settings:
    """`settings` with the window's geometry, its toolbar and dock layout (a QMainWindow's)
    and the splitter's sizes; call it before the window closes."""
    state = _encode(window.saveState()) if isinstance(window, QMainWindow) else None
    sizes = tuple(splitter.sizes()) if splitter is not None else ()
    return replace(settings, window_geometry=_encode(window.saveGeometry()),
                   window_state=state or settings.window_state,
                   splitter_sizes=sizes if sum(sizes) > 0 else settings.splitter_sizes)


def restore_window_state(window: QWidget, splitter: QSplitter | None,
                         settings: Settings) -> bool:
    """Put the window back as `save_window_state` found it, before it is shown; returns
    whether the geometry was restored (if not, the caller's default size stands)."""
    restored = False
    geometry = _decode(settings.window_geometry)
    if geometry is not None:
        before = window.saveGeometry()
        restored = window.restoreGeometry(geometry)
        smallest = window.minimumSizeHint().expandedTo(_SMALLEST_WINDOW)
        if restored and (window.width() < smallest.width()
                         or window.height() < smallest.height()):
            # Qt accepts a truncated record and makes the window 1 pixel high.
            window.restoreGeometry(before)
            restored = False
        if not restored:
            log.info("ignoring saved window geometry that Qt does not accept")
    state = _decode(settings.window_state)
    if state is not None and isinstance(window, QMainWindow) and not window.restoreState(state):
        log.info("ignoring saved window layout that Qt does not accept")
    sizes = settings.splitter_sizes
    if splitter is not None and sizes:
        if (len(sizes) == splitter.count() and sum(sizes) > 0
                and all(0 <= size <= _WIDGET_SIZE_MAX for size in sizes)):
            splitter.setSizes(list(sizes))
        else:
            log.info("ignoring saved splitter sizes %s for %d panels", sizes, splitter.count())
    return restored
