"""The None/True/False reference workaround: the process survives many PySide6 calls."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

from app.ui.pyside_workarounds import keep_singletons_alive


class Emitter(QObject):
    fired = Signal()


def test_singletons_survive_far_more_calls_than_they_have_references() -> None:
    keep_singletons_alive()
    assert not keep_singletons_alive()  # idempotent: the second call has nothing to do
    emitter = Emitter()
    calls = max(sys.getrefcount(None), sys.getrefcount(True)) + 10_000
    calls = min(calls, 200_000)
    for _ in range(calls):
        emitter.setObjectName("x")  # returns None
        emitter.fired.emit()  # returns True
    assert sys.getrefcount(None) > 1000 and sys.getrefcount(True) > 1000
