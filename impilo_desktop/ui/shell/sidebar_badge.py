"""A count on a sidebar icon ("3" orders need action), seen in the narrow sidebar too.

The badge is drawn over the page's own icon at paint time, so the icon keeps following the
palette (light and dark) and the badge stays sharp at any scale."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QIconEngine, QImage, QPainter, QPixmap

BADGE_COLOUR = "#b45309"
"""A deep amber (the needs-action hue), white text on it well above 4.5:1."""


def badge_text(count: int) -> str:
    return "99+" if count > 99 else str(count)


class BadgeIconEngine(QIconEngine):
    """`base` with `count` in a round badge at its top right (nothing when 0)."""

    def __init__(self, base: QIcon, count: int) -> None:
        super().__init__()
        self._base = base
        self._count = count

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        self._base.paint(painter, rect, Qt.AlignmentFlag.AlignCenter, mode, state)
        if self._count <= 0:
            return
        text = badge_text(self._count)
        side = max(8.0, rect.height() * 0.62)
        width = side if len(text) == 1 else side * (0.55 + 0.32 * len(text))
        badge = QRectF(rect.right() + 1 - width + side * 0.25, rect.top() - side * 0.2, width, side)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(BADGE_COLOUR))
        painter.drawRoundedRect(badge, side / 2, side / 2)
        font = QFont(painter.font())
        font.setBold(True)
        font.setPixelSize(max(6, int(side * 0.72)))
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), text)
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        pixels = size * scale
        image = QImage(pixels, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        # The badge reaches a little past the icon's corner: the icon draws a little inside.
        inset = int(pixels.height() * 0.12)
        self.paint(painter, QRect(QPoint(0, inset), pixels - QSize(inset, inset)), mode, state)
        painter.end()
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:
        return size

    def clone(self) -> QIconEngine:
        return BadgeIconEngine(self._base, self._count)


def badged(base: QIcon, count: int) -> QIcon:
    """`base` with a count badge (just `base` for 0)."""
    return QIcon(BadgeIconEngine(base, count)) if count > 0 else base


__all__ = ["BADGE_COLOUR", "BadgeIconEngine", "badge_text", "badged"]
