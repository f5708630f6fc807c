"""How an order status looks: the domain's label and group, plus a colour (and a dot icon)
that reads well on both light and dark backgrounds."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from impilo_desktop.api.models import OrderStatus
from impilo_desktop.domain.status import StatusGroup, status_group, status_label, statuses_in

__all__ = [
    "StatusGroup",
    "status_colour",
    "status_group",
    "status_icon",
    "status_label",
    "status_text",
    "statuses_in",
]


# Mid-saturation hues: legible as text and as a dot on white and on near-black backgrounds.
_GROUP_COLOURS: dict[StatusGroup, str] = {
    StatusGroup.OPEN: "#3b82f6",
    StatusGroup.NEEDS_ACTION: "#e0892b",
    StatusGroup.IN_TRANSIT: "#8b5cf6",
    StatusGroup.CLOSED: "#22a06b",
    StatusGroup.OTHER: "#8a8f98",
}
_SPECIAL_COLOURS: dict[str, str] = {
    OrderStatus.VOIDED: "#8a8f98",
    OrderStatus.UNABLE_TO_FULFILL: "#d9534f",
    OrderStatus.UNSUCCESSFUL_DELIVERY: "#d9534f",
}


def status_text(value: str | None) -> str:
    """The raw status value as a plain string ('' when absent)."""
    return str(value) if value else ""


def status_colour(value: str | None) -> QColor:
    raw = status_text(value)
    return QColor(_SPECIAL_COLOURS.get(raw) or _GROUP_COLOURS[status_group(raw)])


_icon_cache: dict[str, QIcon] = {}


def status_icon(value: str | None) -> QIcon:
    """A filled dot in the status colour (drawn, so it scales and needs no file)."""
    colour = status_colour(value)
    key = colour.name()
    cached = _icon_cache.get(key)
    if cached is not None:
        return cached
    icon = QIcon()
    for size in (12, 16, 24, 32):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        margin = size * 0.2
        painter.drawEllipse(
            int(margin), int(margin), int(size - 2 * margin), int(size - 2 * margin)
        )
        painter.end()
        icon.addPixmap(pixmap)
    _icon_cache[key] = icon
    return icon
