"""The None reference workaround: the process survives many void PySide6 calls."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject

from app.ui.pyside_workarounds import keep_none_alive


def test_none_survives_far_more_void_calls_than_it_has_references() -> None:
    keep_none_alive()
    assert not keep_none_alive()  # idempotent: the second call has nothing to do
    probe = QObject()
    calls = sys.getrefcount(None) + 10_000 if sys.getrefcount(None) < 1 << 30 else 200_000
    for _ in range(calls):
        probe.setObjectName("x")
    assert sys.getrefcount(None) > 1000
