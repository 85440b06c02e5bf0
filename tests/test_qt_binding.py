"""Guards against a Qt binding that corrupts Python's reference counts (PySide6 6.12.0 did)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget


class _Emitter(QObject):
    fired = Signal(int, object)


def test_event_processing_and_signals_keep_singleton_reference_counts(qapp) -> None:
    emitter = _Emitter()
    received: list[int] = []
    emitter.fired.connect(lambda number, _payload: received.append(number))
    widget = QWidget()
    before = [sys.getrefcount(x) for x in (None, True, False)]
    for i in range(3000):
        emitter.fired.emit(i, None)
        qapp.processEvents()
        widget.setVisible(False)
    after = [sys.getrefcount(x) for x in (None, True, False)]
    assert len(received) == 3000
    for was, now in zip(before, after, strict=True):
        assert abs(now - was) < 100, (before, after)
