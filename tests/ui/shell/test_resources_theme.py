"""Icons: every SVG loads, renders sharp at 2x, and takes the palette's text colour (so it
follows light and dark); missing names give an empty icon, not an error."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon
from pytestqt.qtbot import QtBot

from impilo_desktop.ui.plumbing.resources import icon, resource_path
from impilo_desktop.ui.plumbing.theme import (
    DARK_STATUS,
    LIGHT_STATUS,
    is_dark,
    scheme_follower,
    status_colors,
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
