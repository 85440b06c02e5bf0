"""The context menu of a conversation: rename, pin, export and delete.

Built per request and shown with `popup`, never `exec`: nothing blocks, so tests (and the
rest of the window) keep running while it is open. The same keys as in the list are shown
next to Rename and Delete so the menu teaches them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

EXPORT_FORMATS = {"markdown": "Export as Markdown…", "json": "Export as JSON…"}


@dataclass(frozen=True)
class MenuActions:
    """What the menu's entries do; Rename is left out when `rename` is None."""

    rename: Callable[[], object] | None
    toggle_pin: Callable[[], object]
    export: Callable[[str], object]
    delete: Callable[[], object]


def conversation_menu(parent: QWidget, *, pinned: bool, actions: MenuActions) -> QMenu:
    """A menu for one conversation; it deletes itself once closed."""
    menu = QMenu(parent)
    menu.setObjectName("conversationMenu")
    menu.setAccessibleName("Chat actions")
    menu.aboutToHide.connect(menu.deleteLater)
    if actions.rename is not None:
        rename = menu.addAction("Rename")
        rename.setShortcut(QKeySequence("F2"))
        rename.setShortcutVisibleInContextMenu(True)
        rename.triggered.connect(actions.rename)
    pin = menu.addAction("Unpin" if pinned else "Pin")
    pin.triggered.connect(actions.toggle_pin)
    menu.addSeparator()
    for format_name, text in EXPORT_FORMATS.items():
        export = menu.addAction(text)
        export.triggered.connect(lambda _=False, name=format_name: actions.export(name))
    menu.addSeparator()
    delete = menu.addAction("Delete")
    delete.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
    delete.setShortcutVisibleInContextMenu(True)
    delete.triggered.connect(actions.delete)
    return menu
