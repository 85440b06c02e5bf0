"""Fixtures for the packaging tests: the build scripts under packaging/, icons rendered once.

packaging/ holds scripts, not a package (a `packaging` package would shadow the library of
that name), so its folders go on sys.path the way the scripts themselves are run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
for folder in (ROOT / "packaging", ROOT / "packaging" / "linux"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import make_icons  # noqa: E402


@pytest.fixture(scope="session")
def icon_set(qapp, tmp_path_factory: pytest.TempPathFactory) -> make_icons.IconSet:
    """Every icon file the build makes, rendered once (after pytest-qt's QApplication exists,
    so the renderer does not create a QGuiApplication of its own)."""
    return make_icons.build_icons(tmp_path_factory.mktemp("icons"))
