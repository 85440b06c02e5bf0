"""Workarounds for defects in the PySide6 build we ship with.

PySide6 6.12 returns None from void methods (and for null pointers or empty QVariants)
without taking a reference to it. On Python 3.12+ None is immortal, so nothing happens; on
Python 3.10 and 3.11 every such call drops one reference, and after some thousands of calls
(a few seconds of streaming in the chat view) the interpreter aborts with "deallocating
None". Until a fixed PySide6 is available we give None a reference count that can never
reach zero, which is what Python 3.12 does for it anyway.
"""

from __future__ import annotations

import ctypes
import logging
import platform
import sys

from PySide6.QtCore import QObject

log = logging.getLogger(__name__)

_PRACTICALLY_IMMORTAL = 1 << 60
_PROBE_CALLS = 64


def none_reference_leaks() -> bool:
    """Whether calling a void PySide6 method loses a reference to None (the defect above)."""
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(_PROBE_CALLS):
        probe.setObjectName("probe")
    return sys.getrefcount(None) <= before - _PROBE_CALLS // 2


def keep_none_alive() -> bool:
    """Make None's reference count unreachably large if this PySide6 loses references to it.

    Returns whether it did. Safe to call more than once.
    """
    if sys.version_info >= (3, 12) or platform.python_implementation() != "CPython":
        return False
    if sys.getrefcount(None) >= _PRACTICALLY_IMMORTAL // 2 or not none_reference_leaks():
        return False
    ctypes.c_ssize_t.from_address(id(None)).value = _PRACTICALLY_IMMORTAL
    log.info("PySide6 loses references to None on this Python; None made immortal")
    return True
