"""How an order status looks: a human label, its group and a colour that reads well on both
light and dark backgrounds."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from impilo_desktop.api.models import OrderStatus


class StatusGroup(StrEnum):
    """The coordinator's view of where an order stands (impilo-api.md 2.5)."""

    OPEN = "open"
    NEEDS_ACTION = "needsAction"
    IN_TRANSIT = "inTransit"
    CLOSED = "closed"
    OTHER = "other"


GROUP_LABELS: dict[StatusGroup, str] = {
    StatusGroup.OPEN: "Open",
    StatusGroup.NEEDS_ACTION: "Needs action",
    StatusGroup.IN_TRANSIT: "In transit",
    StatusGroup.CLOSED: "Closed",
    StatusGroup.OTHER: "Other",
}

_LABELS: dict[str, str] = {
    OrderStatus.ORDER_PLACED: "Order placed",
    OrderStatus.AWAITING_SHIPMENT: "Awaiting shipment",
    OrderStatus.PENDING_INVENTORY: "Pending inventory",
    OrderStatus.ON_HOLD: "On hold",
    OrderStatus.PENDING_ADDITIONAL_INFORMATION: "Needs more information",
    OrderStatus.RECONFIRM_ADDRESS: "Reconfirm address",
    OrderStatus.SHIPPED: "Shipped",
    OrderStatus.AVAILABLE_FOR_PICKUP: "Available for pickup",
    OrderStatus.UNSUCCESSFUL_DELIVERY: "Delivery failed",
    OrderStatus.DELIVERED: "Delivered",
    OrderStatus.RETURN_ISSUED: "Return issued",
    OrderStatus.UNABLE_TO_FULFILL: "Unable to fulfill",
    OrderStatus.VOIDED: "Voided",
}

_GROUPS: dict[str, StatusGroup] = {
    OrderStatus.ORDER_PLACED: StatusGroup.OPEN,
    OrderStatus.AWAITING_SHIPMENT: StatusGroup.OPEN,
    OrderStatus.PENDING_INVENTORY: StatusGroup.OPEN,
    OrderStatus.ON_HOLD: StatusGroup.OPEN,
    OrderStatus.PENDING_ADDITIONAL_INFORMATION: StatusGroup.NEEDS_ACTION,
    OrderStatus.RECONFIRM_ADDRESS: StatusGroup.NEEDS_ACTION,
    OrderStatus.UNSUCCESSFUL_DELIVERY: StatusGroup.NEEDS_ACTION,
    OrderStatus.AVAILABLE_FOR_PICKUP: StatusGroup.NEEDS_ACTION,
    OrderStatus.SHIPPED: StatusGroup.IN_TRANSIT,
    OrderStatus.DELIVERED: StatusGroup.CLOSED,
    OrderStatus.RETURN_ISSUED: StatusGroup.CLOSED,
    OrderStatus.UNABLE_TO_FULFILL: StatusGroup.CLOSED,
    OrderStatus.VOIDED: StatusGroup.CLOSED,
}

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


def status_label(value: str | None) -> str:
    """A human label; unknown future values are spelt out from their camelCase."""
    raw = status_text(value)
    if not raw:
        return "Unknown"
    if raw in _LABELS:
        return _LABELS[raw]
    # e.g. "ORDER_PLACED" (seen in one example event) or a new camelCase value.
    if raw.isupper() or "_" in raw:
        words = raw.lower().replace("_", " ")
    else:
        words = "".join(f" {c.lower()}" if c.isupper() else c for c in raw).strip()
    for known, label in _LABELS.items():
        if known.lower() == raw.replace("_", "").lower():
            return label
    return words[:1].upper() + words[1:]


def status_group(value: str | None) -> StatusGroup:
    return _GROUPS.get(status_text(value), StatusGroup.OTHER)


def statuses_in(group: StatusGroup) -> list[str]:
    """The documented statuses of one group, in the API's order."""
    return [str(s) for s in OrderStatus if _GROUPS.get(s) == group]


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
