"""How an order's status is shown: a human label and a group (impilo-api.md 2.5).

The status list has grown over time, so any value we do not know is shown as
"Other (<raw value>)" in the group "other" instead of failing. Event names sometimes arrive in
upper-snake form (`ORDER_PLACED`); they are read as the camelCase status they spell.
"""

from __future__ import annotations

from enum import StrEnum

from impilo_desktop.api.models import OrderStatus


class StatusGroup(StrEnum):
    """The coarse state a coordinator filters by."""

    OPEN = "open"
    NEEDS_ACTION = "needsAction"
    IN_TRANSIT = "inTransit"
    CLOSED = "closed"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The group's name for the UI."""
        return _GROUP_LABELS[self]


_GROUP_LABELS: dict[StatusGroup, str] = {
    StatusGroup.OPEN: "Open",
    StatusGroup.NEEDS_ACTION: "Needs action",
    StatusGroup.IN_TRANSIT: "In transit",
    StatusGroup.CLOSED: "Closed",
    StatusGroup.OTHER: "Other",
}

_LABELS: dict[OrderStatus, str] = {
    OrderStatus.ORDER_PLACED: "Order placed",
    OrderStatus.AWAITING_SHIPMENT: "Awaiting shipment",
    OrderStatus.PENDING_INVENTORY: "Waiting for stock",
    OrderStatus.ON_HOLD: "On hold",
    OrderStatus.PENDING_ADDITIONAL_INFORMATION: "Needs more information",
    OrderStatus.RECONFIRM_ADDRESS: "Confirm address",
    OrderStatus.SHIPPED: "Shipped",
    OrderStatus.AVAILABLE_FOR_PICKUP: "Ready for pickup",
    OrderStatus.UNSUCCESSFUL_DELIVERY: "Delivery failed",
    OrderStatus.DELIVERED: "Delivered",
    OrderStatus.RETURN_ISSUED: "Return issued",
    OrderStatus.UNABLE_TO_FULFILL: "Unable to fulfil",
    OrderStatus.VOIDED: "Voided",
}

_GROUPS: dict[OrderStatus, StatusGroup] = {
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

_BY_FOLDED_NAME: dict[str, OrderStatus] = {s.value.lower(): s for s in OrderStatus}


def parse_status(raw: OrderStatus | str | None) -> OrderStatus | None:
    """The known status `raw` names (camelCase, any case, or UPPER_SNAKE), else None."""
    if isinstance(raw, OrderStatus):
        return raw
    if not isinstance(raw, str):
        return None
    return _BY_FOLDED_NAME.get(raw.strip().replace("_", "").replace("-", "").lower())


def status_label(raw: OrderStatus | str | None) -> str:
    """ "Awaiting shipment"; "Other (<raw>)" for a value we don't know; "Unknown" for none."""
    status = parse_status(raw)
    if status is not None:
        return _LABELS[status]
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return "Unknown"
    return f"Other ({str(raw).strip()})"


def status_group(raw: OrderStatus | str | None) -> StatusGroup:
    """The group a status belongs to; unknown or missing values are `StatusGroup.OTHER`."""
    status = parse_status(raw)
    return _GROUPS[status] if status is not None else StatusGroup.OTHER


def statuses_in(group: StatusGroup) -> list[OrderStatus]:
    """The known statuses of a group, in the API's order (for filter menus)."""
    return [s for s in OrderStatus if _GROUPS[s] is group]


def is_open(raw: OrderStatus | str | None) -> bool:
    """Still on its way somewhere (open, needs action or in transit)."""
    return status_group(raw) in (StatusGroup.OPEN, StatusGroup.NEEDS_ACTION, StatusGroup.IN_TRANSIT)
