"""Where the app's read-only files (`resources/`: icons, …) are, from source and when frozen.

From a source checkout they sit next to the `app` package; a PyInstaller bundle copies them
into its data folder (`sys._MEIPASS`). Every caller asks here instead of guessing from
`__file__`, so both layouts keep working.
"""

from __future__ import annotations

import sys
from pathlib import Path

RESOURCES_DIR = "resources"
APP_ICON = "icons/oss-chat.svg"
# What a working installation must contain; the self-test checks each one.
REQUIRED = (APP_ICON,)


def is_frozen() -> bool:
    """True inside a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def resource_root() -> Path:
    if is_frozen():
        return Path(sys._MEIPASS) / RESOURCES_DIR  # type: ignore[attr-defined]
    return Path(__file__).resolve().parents[2] / RESOURCES_DIR


def resource_path(relative: str) -> Path:
    """The path of `relative` (e.g. "icons/oss-chat.svg") under the resource folder."""
    return resource_root() / relative


def missing_resources() -> list[str]:
    """The required resource files that are not there (empty when all are)."""
    return [name for name in REQUIRED if not resource_path(name).is_file()]
