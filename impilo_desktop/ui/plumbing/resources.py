"""Finding bundled files (icons, styles) in development and in frozen builds, and loading
SVG icons that stay sharp on HiDPI screens."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QIcon,
    QIconEngine,
    QImage,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtSvg import QSvgRenderer


@cache
def _resources_dir() -> Path:
    # PyInstaller unpacks data next to the executable (sys._MEIPASS); an installed wheel
    # carries the folder as `impilo_desktop/_resources` (see setup.py); in development it
    # sits at the repository root, beside the package.
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    package = Path(__file__).resolve().parents[2]  # impilo_desktop/ui/plumbing/ -> impilo_desktop
    installed = package / "_resources"
    if installed.is_dir():
        return installed
    return package.parent / "resources"


def resource_path(rel: str) -> Path:
    """Absolute path of `resources/<rel>` (development, installed and frozen builds)."""
    return _resources_dir() / rel


class PaletteSvgIconEngine(QIconEngine):
    """Draws an SVG whose `currentColor` follows the palette at paint time: window text
    normally, highlighted text when selected, the disabled text colour when disabled. So
    icons follow light and dark mode without anyone re-setting them, and stay sharp at any
    device pixel ratio."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = data
        self._renderers: dict[str, QSvgRenderer] = {}

    def _color(self, mode: QIcon.Mode) -> str:
        palette = QGuiApplication.palette()
        if mode == QIcon.Mode.Disabled:
            group, role = QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText
        elif mode == QIcon.Mode.Selected:
            group, role = QPalette.ColorGroup.Active, QPalette.ColorRole.HighlightedText
        else:
            group, role = QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText
        color = palette.color(group, role)
        if mode == QIcon.Mode.Disabled and b"currentColor" not in self._data:
            color.setAlphaF(0.45)
        return color.name(QColor.NameFormat.HexArgb)

    def _renderer(self, mode: QIcon.Mode) -> QSvgRenderer:
        color = self._color(mode)
        renderer = self._renderers.get(color)
        if renderer is None:
            rgb = QColor(color).name().encode()
            renderer = QSvgRenderer(QByteArray(self._data.replace(b"currentColor", rgb)))
            self._renderers[color] = renderer
        return renderer

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        renderer = self._renderer(mode)
        if mode == QIcon.Mode.Disabled and b"currentColor" not in self._data:
            painter.save()
            painter.setOpacity(0.45)
            renderer.render(painter, QRectF(rect))
            painter.restore()
        else:
            renderer.render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        pixels = size * scale
        image = QImage(pixels, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint(painter, QRect(QPoint(0, 0), pixels), mode, state)
        painter.end()
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:
        return size

    def clone(self) -> QIconEngine:
        return PaletteSvgIconEngine(self._data)

    def isNull(self) -> bool:
        return not self._data


@cache
def icon(name: str) -> QIcon:
    """The icon `resources/icons/<name>.svg`, drawn in the palette's text colour (an empty
    icon, never an error, if the file is missing)."""
    path = resource_path(f"icons/{name}.svg")
    try:
        data = path.read_bytes()
    except OSError:
        return QIcon()
    return QIcon(PaletteSvgIconEngine(data))


def svg_path(name: str) -> Path:
    """Path of an icon's SVG file (for window icons and documentation)."""
    return resource_path(f"icons/{name}.svg")
