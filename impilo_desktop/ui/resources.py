"""Finding bundled files (icons, styles) in development and in frozen builds, and loading
SVG icons that stay sharp on HiDPI screens."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer


def _root() -> Path:
    # PyInstaller unpacks data next to the executable (sys._MEIPASS); in development the
    # resources folder sits at the repository root, beside the package.
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parents[2]


def resource_path(rel: str) -> Path:
    """Absolute path of `resources/<rel>` (works in development and frozen builds)."""
    return _root() / "resources" / rel


_SIZES = (16, 20, 24, 32, 40, 48, 64, 96, 128, 256)


def _icon_color() -> str:
    """The text colour of the current palette, so line icons follow light and dark mode."""
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return "#1f2933"
    return QGuiApplication.palette().color(QPalette.ColorRole.WindowText).name()


@cache
def _render(name: str, color: str) -> QIcon:
    path = resource_path(f"icons/{name}.svg")
    try:
        data = path.read_bytes()
    except OSError:
        return QIcon()
    # Line icons draw with `currentColor`; status and app icons carry their own colours.
    renderer = QSvgRenderer(QByteArray(data.replace(b"currentColor", color.encode())))
    if not renderer.isValid():
        return QIcon()
    result = QIcon()
    for size in _SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        result.addPixmap(QPixmap.fromImage(image))
    return result


def icon(name: str) -> QIcon:
    """The icon `resources/icons/<name>.svg` in the current scheme's text colour (an empty
    icon, never an error, if the file is missing). Rendered at many sizes so it stays sharp
    at every device pixel ratio."""
    return _render(name, _icon_color())


def svg_path(name: str) -> Path:
    """Path of an icon's SVG file (for window icons and documentation)."""
    return resource_path(f"icons/{name}.svg")
