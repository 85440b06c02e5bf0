"""Workarounds for defects in the PySide6 build we ship with.

PySide6 6.12 hands out None, True and False without taking a reference to them: void
methods return None, `Signal.emit` returns True, some event paths return False. On Python
3.12+ these objects are immortal, so nothing happens; on Python 3.10 and 3.11 every such call
drops one reference, and after some thousands of calls (seconds of streaming into the chat
view) the interpreter aborts with "deallocating None" or "deallocating True or False".
Until a fixed PySide6 is available we give these three objects reference counts that can
never reach zero, which is what Python 3.12 does for them anyway.
"""

from __future__ import annotations

import ctypes
import logging
import platform
import sys

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

_PRACTICALLY_IMMORTAL = 1 << 60
_PROBE_CALLS = 64
_SINGLETONS = (None, True, False)


class _Probe(QObject):
    """Something to call void methods on and emit from.

    Signals:
        fired(): emitted only by the probe itself.
    """

    fired = Signal()


def singleton_references_leak() -> bool:
    """Whether this PySide6 loses references to None or True (the defect above)."""
    probe = _Probe()
    before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(_PROBE_CALLS):
        probe.setObjectName("probe")  # a void method: returns None
        probe.fired.emit()  # returns True
    after = sys.getrefcount(None), sys.getrefcount(True)
    return any(now <= then - _PROBE_CALLS // 2 for then, now in zip(before, after, strict=True))


def keep_singletons_alive() -> bool:
    """Make None, True and False practically immortal if this PySide6 loses references to them.

    Returns whether it did. Safe to call more than once.
    """
    if sys.version_info >= (3, 12) or platform.python_implementation() != "CPython":
        return False
    if sys.getrefcount(None) >= _PRACTICALLY_IMMORTAL // 2 or not singleton_references_leak():
        return False
    for singleton in _SINGLETONS:
        ctypes.c_ssize_t.from_address(id(singleton)).value = _PRACTICALLY_IMMORTAL
    log.info("PySide6 loses references to None/True/False on this Python; made them immortal")
    return True
