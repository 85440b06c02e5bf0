"""The Appearance settings applied to the whole application: light or dark, and font size.

"system" follows the platform's colour scheme, live. "light" and "dark" ask the platform for
that scheme (Qt 6.8+ `QStyleHints.setColorScheme`); where it cannot oblige (many Linux desktops,
the offscreen platform) an application palette in the requested colours takes its place, which
Fusion and the palette-aware styles honour. The chat view paints its own colours, so the
manager also says which of its themes (LIGHT or DARK) matches.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication, QLabel

from app.core.settings import FONT_SIZE_SYSTEM, Settings, ThemeName
from app.ui.chat.theme import DARK, LIGHT, ChatTheme

log = logging.getLogger(__name__)

_SCHEMES = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}

Role = QPalette.ColorRole
_COLORS: dict[Qt.ColorScheme, dict[QPalette.ColorRole, str]] = {
    Qt.ColorScheme.Dark: {
        Role.Window: "#2b2b2b", Role.WindowText: "#e6e6e6", Role.Base: "#1f1f1f",
        Role.AlternateBase: "#272727", Role.Button: "#353535", Role.ButtonText: "#e6e6e6",
        Role.Text: "#e6e6e6", Role.BrightText: "#ffffff", Role.PlaceholderText: "#8d96a0",
        Role.Highlight: "#2f6fbf", Role.HighlightedText: "#ffffff", Role.Accent: "#2f6fbf",
        Role.Link: DARK.link, Role.LinkVisited: "#b083f0", Role.ToolTipBase: "#3c3c3c",
        Role.ToolTipText: "#e6e6e6",
    },
    Qt.ColorScheme.Light: {
        Role.Window: "#efefef", Role.WindowText: "#000000", Role.Base: "#ffffff",
        Role.AlternateBase: "#f7f7f7", Role.Button: "#efefef", Role.ButtonText: "#000000",
        Role.Text: "#000000", Role.BrightText: "#ffffff", Role.PlaceholderText: "#6e7781",
        Role.Highlight: "#308cc6", Role.HighlightedText: "#ffffff", Role.Accent: "#308cc6",
        Role.Link: LIGHT.link, Role.LinkVisited: "#8250df", Role.ToolTipBase: "#ffffdc",
        Role.ToolTipText: "#000000",
    },
}
_DISABLED_TEXT = {Qt.ColorScheme.Dark: "#7a7a7a", Qt.ColorScheme.Light: "#9a9a9a"}


def forced_palette(scheme: Qt.ColorScheme) -> QPalette:
    """A complete palette for `scheme`; Qt derives the bevel shades from button and window."""
    colors = _COLORS[scheme]
    palette = QPalette(QColor(colors[Role.Button]), QColor(colors[Role.Window]))
    for role, color in colors.items():
        palette.setColor(role, QColor(color))
    for role in (Role.WindowText, Role.Text, Role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(_DISABLED_TEXT[scheme]))
    return palette


def show_message(label: QLabel, text: str, *, error: bool = False) -> None:
    """Show `text` in `label`, in the chat view's error colour when it is an error (and the
    text colour of the palette otherwise); an empty text hides the label."""
    palette = label.palette()
    role = QPalette.ColorRole.WindowText
    palette.setColor(role, QColor(ChatTheme.for_palette(palette).error) if error
                     else QApplication.palette(label).color(role))
    label.setPalette(palette)
    label.setText(text)
    label.setProperty("error", error)
    label.setAccessibleDescription("Error" if error else "")
    label.setVisible(bool(text))


class ThemeManager(QObject):
    """Owns the application's colour scheme, palette and font.

    Signals:
        themeChanged(ChatTheme): the chat view's colours changed, after `apply()` or when the
            system switched between light and dark while the theme follows it. Not emitted
            when the colours stay the same.
    """

    themeChanged = Signal(object)

    def __init__(self, app: QApplication, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self._hints = app.styleHints()
        self._theme: ThemeName = "system"
        self._own_palette = False
        self._system_font = QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont)
        self._chat_theme = self._following_system(self._hints.colorScheme())
        self._hints.colorSchemeChanged.connect(self._on_color_scheme_changed)

    @property
    def theme(self) -> ThemeName:
        return self._theme

    @property
    def chat_theme(self) -> ChatTheme:
        """The chat view's colours for the current theme."""
        return self._chat_theme

    def apply_settings(self, settings: Settings) -> ChatTheme:
        return self.apply(settings.theme, settings.font_size)

    def apply(self, theme: ThemeName, font_size: int = FONT_SIZE_SYSTEM) -> ChatTheme:
        """Switch the application to `theme` ("system", "light" or "dark") and `font_size`
        points (0: the system's); returns the matching chat view theme."""
        self._apply_font(font_size)
        self._theme = theme
        if theme == "system":
            self._unset_color_scheme()
            self._set_own_palette(None)
            chat_theme = self._following_system(self._hints.colorScheme())
        else:
            wanted = _SCHEMES[theme]
            granted = self._request_color_scheme(wanted)
            self._set_own_palette(None if granted else wanted)
            chat_theme = DARK if theme == "dark" else LIGHT
        log.info("theme %s (chat colours %s)", theme, chat_theme.name)
        self._set_chat_theme(chat_theme)
        return chat_theme

    def _request_color_scheme(self, scheme: Qt.ColorScheme) -> bool:
        """Ask the platform for `scheme`; True when it now uses it."""
        if hasattr(self._hints, "setColorScheme"):  # Qt 6.8
            self._hints.setColorScheme(scheme)
        return self._hints.colorScheme() == scheme

    def _unset_color_scheme(self) -> None:
        if hasattr(self._hints, "unsetColorScheme"):
            self._hints.unsetColorScheme()

    def _set_own_palette(self, scheme: Qt.ColorScheme | None) -> None:
        if scheme is not None:
            QApplication.setPalette(forced_palette(scheme))
            self._own_palette = True
        elif self._own_palette:
            QApplication.setPalette(QPalette())  # nothing set: the platform's palette again
            self._own_palette = False

    def _apply_font(self, size: int) -> None:
        font = QFont(self._system_font)
        if size != FONT_SIZE_SYSTEM:
            font.setPointSize(size)
        if font != self._app.font():
            QApplication.setFont(font)

    def _following_system(self, scheme: Qt.ColorScheme) -> ChatTheme:
        if scheme == Qt.ColorScheme.Dark:
            return DARK
        if scheme == Qt.ColorScheme.Light:
            return LIGHT
        return ChatTheme.for_palette(self._app.palette())  # the platform does not say

    def _set_chat_theme(self, chat_theme: ChatTheme) -> None:
        if chat_theme != self._chat_theme:
            self._chat_theme = chat_theme
            self.themeChanged.emit(chat_theme)

    @Slot(Qt.ColorScheme)
    def _on_color_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        if self._theme == "system":
            self._set_chat_theme(self._following_system(scheme))
        elif self._own_palette and scheme == _SCHEMES[self._theme]:
            log.info("the platform now shows the %s scheme itself", self._theme)
            self._set_own_palette(None)  # it granted the request after all
