"""Colours of the chat view, in light and dark.

A theme is a frozen value with a `name`, so every cache of rendered messages can include it
in its key: switching themes never shows a message in the other theme's colours.
"""

from __future__ import annotations

from dataclasses import dataclass

from pygments.styles import get_style_by_name
from pygments.token import Token
from PySide6.QtGui import QPalette


@dataclass(frozen=True)
class ChatTheme:
    """Colours as CSS strings (QTextDocument takes them in HTML) plus a Pygments style."""

    name: str
    text: str
    muted: str
    link: str
    user_bubble: str
    user_text: str
    badge_background: str
    badge_text: str
    error: str
    inline_code_background: str
    table_border: str
    pygments_style: str

    @property
    def code_background(self) -> str:
        """The code block background is the Pygments style's own, so its colours stay legible."""
        return str(get_style_by_name(self.pygments_style).background_color)

    @property
    def code_text(self) -> str:
        """The colour of code tokens the style leaves unstyled (plain names, punctuation)."""
        color = get_style_by_name(self.pygments_style).style_for_token(Token)["color"]
        return f"#{color}" if color else self.text

    @classmethod
    def for_palette(cls, palette: QPalette) -> ChatTheme:
        """The light or the dark theme, whichever matches the window background."""
        window = palette.color(QPalette.ColorRole.Window)
        return DARK if window.lightness() < 128 else LIGHT


LIGHT = ChatTheme(
    name="light",
    text="#1f2328",
    muted="#656d76",
    link="#0969da",
    user_bubble="#e8eef7",
    user_text="#1f2328",
    badge_background="#ddf4ff",
    badge_text="#0550ae",
    error="#cf222e",
    inline_code_background="#eff1f3",
    table_border="#d0d7de",
    pygments_style="default",
)

DARK = ChatTheme(
    name="dark",
    text="#e6edf3",
    muted="#8d96a0",
    link="#4493f8",
    user_bubble="#2b3440",
    user_text="#e6edf3",
    badge_background="#1c3150",
    badge_text="#9ecbff",
    error="#ff7b72",
    inline_code_background="#343941",
    table_border="#3d444d",
    pygments_style="github-dark",
)
