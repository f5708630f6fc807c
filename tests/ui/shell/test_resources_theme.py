"""Icons: every SVG loads, renders sharp at 2x, and takes the palette's text colour (so it
follows light and dark); missing names give an empty icon, not an error. And which style
draws light and dark on each system."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon
from pytestqt.qtbot import QtBot

from impilo_desktop.ui.plumbing.resources import icon, resource_path
from impilo_desktop.ui.plumbing.theme import (
    DARK_STATUS,
    LIGHT_STATUS,
    IndicatorOutlineStyle,
    is_dark,
    scheme_follower,
    status_colors,
    style_for,
    style_name,
)

REQUIRED = (
    "new-order",
    "drafts",
    "history",
    "settings",
    "send",
    "online",
    "offline",
    "key-rejected",
    "add",
    "remove",
    "search",
    "app",
)


def darkest_pixel(ic: QIcon, mode: QIcon.Mode = QIcon.Mode.Normal) -> QColor:
    image = ic.pixmap(QSize(24, 24), 1.0, mode).toImage()
    pixels = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())]
    opaque = [p for p in pixels if p.alpha() > 200]
    assert opaque, "the icon drew nothing"
    return max(opaque, key=lambda c: abs(c.lightness() - 128))


def test_every_required_icon_exists_and_is_sharp_at_2x(qtbot: QtBot) -> None:
    folder = resource_path("icons")
    for name in REQUIRED:
        assert (folder / f"{name}.svg").is_file(), name
        ic = icon(name)
        assert not ic.isNull(), name
        pixmap = ic.pixmap(QSize(16, 16), 2.0)
        assert pixmap.deviceIndependentSize().toSize() == QSize(16, 16)
        assert pixmap.width() == 32, name
    assert icon("no-such-icon").isNull()


def test_line_icons_follow_the_scheme(qtbot: QtBot) -> None:
    follower = scheme_follower()
    try:
        follower.set_scheme(Qt.ColorScheme.Light)
        qtbot.waitUntil(lambda: not is_dark())
        assert darkest_pixel(icon("send")).lightness() < 100
        assert status_colors() == LIGHT_STATUS
        follower.set_scheme(Qt.ColorScheme.Dark)
        qtbot.waitUntil(is_dark)
        assert darkest_pixel(icon("send")).lightness() > 150
        assert status_colors() == DARK_STATUS
        # Status icons keep their meaning colour in both schemes.
        inside = icon("online").pixmap(QSize(24, 24), 1.0).toImage().pixelColor(4, 12)
        assert inside.green() > inside.red()
    finally:
        follower.set_scheme(Qt.ColorScheme.Unknown)


DARK, LIGHT, SYSTEM = Qt.ColorScheme.Dark, Qt.ColorScheme.Light, Qt.ColorScheme.Unknown


@pytest.mark.parametrize(
    ("platform", "build", "scheme", "style"),
    [
        # Windows 10 (build 19045): its native style is always light, so dark means Fusion.
        ("win32", 19045, DARK, "fusion"),
        ("win32", 19045, LIGHT, "native"),
        ("win32", 19045, SYSTEM, "native"),
        # Windows 11 (22000 and later) and macOS follow the OS's dark mode themselves.
        ("win32", 22000, DARK, "native"),
        ("win32", 26100, LIGHT, "native"),
        ("darwin", 0, DARK, "native"),
        ("darwin", 0, LIGHT, "native"),
        # Linux: Qt's choice (Fusion, or the desktop's) takes our palette.
        ("linux", 0, DARK, "native"),
        ("linux", 0, LIGHT, "native"),
    ],
)
def test_the_style_for_each_system_and_scheme(
    platform: str, build: int, scheme: Qt.ColorScheme, style: str
) -> None:
    assert style_for(platform, build, scheme) == style


def test_style_names_look_through_our_proxy() -> None:
    assert style_name(IndicatorOutlineStyle("fusion")) == "fusion"
