"""ThemeManager: forcing light or dark, following the system, the font size."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QLabel

from app.core.settings import Settings
from app.ui.chat.theme import DARK, LIGHT, ChatTheme
from app.ui.theme import ThemeManager


def window_lightness() -> int:
    return QApplication.palette().color(QPalette.ColorRole.Window).lightness()


@pytest.fixture
def manager(qapp: QApplication) -> Iterator[ThemeManager]:
    original = QApplication.palette().color(QPalette.ColorRole.Window)
    themes = ThemeManager(qapp)
    yield themes
    themes.apply("system", 0)
    assert QApplication.palette().color(QPalette.ColorRole.Window) == original


def test_forcing_dark_and_light_changes_the_palette_and_the_chat_theme(
        qtbot, manager: ThemeManager) -> None:
    assert window_lightness() >= 128  # the offscreen platform is light and cannot switch
    with qtbot.waitSignal(manager.themeChanged) as signal:
        assert manager.apply("dark") == DARK
    assert signal.args == [DARK]
    assert window_lightness() < 128
    assert ChatTheme.for_palette(QApplication.palette()) == DARK
    assert manager.chat_theme == DARK and manager.theme == "dark"

    with qtbot.waitSignal(manager.themeChanged) as signal:
        assert manager.apply("light") == LIGHT
    assert signal.args == [LIGHT]
    assert window_lightness() >= 128


def test_widgets_take_the_forced_palette(qtbot, manager: ThemeManager) -> None:
    label = QLabel("Hello")
    qtbot.addWidget(label)
    manager.apply("dark")
    QApplication.processEvents()
    assert label.palette().color(QPalette.ColorRole.WindowText).lightness() > 200


def test_back_to_system_restores_the_platform_palette(qtbot, manager: ThemeManager) -> None:
    before = QApplication.palette().color(QPalette.ColorRole.Window)
    manager.apply("dark")
    with qtbot.waitSignal(manager.themeChanged) as signal:
        assert manager.apply("system") == LIGHT
    assert signal.args == [LIGHT]
    assert QApplication.palette().color(QPalette.ColorRole.Window) == before


def test_no_signal_when_the_colours_stay(qtbot, manager: ThemeManager) -> None:
    manager.apply("light")
    with qtbot.assertNotEmitted(manager.themeChanged):
        assert manager.apply("light", 14) == LIGHT


def test_system_follows_the_platform_switching_scheme(qtbot, manager: ThemeManager) -> None:
    hints = QGuiApplication.styleHints()
    manager.apply("system")
    with qtbot.waitSignal(manager.themeChanged) as signal:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # as the platform does
    assert signal.args == [DARK]
    with qtbot.waitSignal(manager.themeChanged) as signal:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert signal.args == [LIGHT]


def test_a_forced_theme_ignores_the_platform_switching(qtbot, manager: ThemeManager) -> None:
    manager.apply("light")
    with qtbot.assertNotEmitted(manager.themeChanged):
        QGuiApplication.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert manager.chat_theme == LIGHT
    assert window_lightness() >= 128


def test_the_own_palette_goes_when_the_platform_grants_the_scheme_late(
        manager: ThemeManager) -> None:
    before = QApplication.palette().color(QPalette.ColorRole.Window)
    manager.apply("dark")
    assert window_lightness() < 128
    QGuiApplication.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert QApplication.palette().color(QPalette.ColorRole.Window) == before
    assert manager.chat_theme == DARK


def test_font_size(manager: ThemeManager) -> None:
    system = QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont)
    manager.apply_settings(Settings(font_size=17))
    assert QApplication.font().pointSize() == 17
    assert QApplication.font().family() == system.family()
    manager.apply_settings(Settings(font_size=0))
    assert QApplication.font().pointSize() == system.pointSize()
