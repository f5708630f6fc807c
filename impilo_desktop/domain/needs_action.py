"""What an order that needs the coordinator asks of them, in their words (impilo-api.md 2.5:
the four statuses of the group "Needs action")."""

from __future__ import annotations

from impilo_desktop.api.models import Order, OrderStatus
from impilo_desktop.domain.status import StatusGroup, parse_status, status_group, status_label

_NEXT_STEPS: dict[OrderStatus, str] = {
    OrderStatus.RECONFIRM_ADDRESS: "Check the patient's shipping address with them and correct it",
    OrderStatus.PENDING_ADDITIONAL_INFORMATION: "Read Impilo's note and give them what it asks for",
    OrderStatus.UNSUCCESSFUL_DELIVERY: (
        "Follow the tracking and check the shipping address with the recipient"
    ),
    OrderStatus.AVAILABLE_FOR_PICKUP: (
        "Tell the recipient the parcel is waiting to be collected (see the tracking)"
    ),
}
# The same, short enough for the list's Status column.
_SHORT_STEPS: dict[OrderStatus, str] = {
    OrderStatus.RECONFIRM_ADDRESS: "correct it",
    OrderStatus.PENDING_ADDITIONAL_INFORMATION: "see the note",
    OrderStatus.UNSUCCESSFUL_DELIVERY: "check tracking",
    OrderStatus.AVAILABLE_FOR_PICKUP: "tell the recipient",
}


def needs_action(raw: OrderStatus | str | None) -> bool:
    """True for a status that asks something of the coordinator."""
    return status_group(raw) is StatusGroup.NEEDS_ACTION


def next_step(raw: OrderStatus | str | None) -> str | None:
    """What to do about an order in this status ("Check the patient's shipping address with
    them and correct it"), or None when it asks nothing."""
    status = parse_status(raw)
    return _NEXT_STEPS.get(status) if status is not None else None


def status_cell(raw: OrderStatus | str | None, note: str = "") -> str:
    """The list's status text: "Confirm address · correct it" for an order that needs
    the coordinator (or `note` instead of the step, e.g. "address correction sent"), the
    plain label otherwise."""
    label = status_label(raw)
    status = parse_status(raw)
    step = note or (_SHORT_STEPS.get(status, "") if status is not None else "")
    return f"{label} \N{MIDDLE DOT} {step}" if step and needs_action(raw) else label


def can_correct_address(order: Order) -> bool:
    """A patient order in "Confirm address": the app can correct the patient's address."""
    return (
        order.patient is not None
        and order.patient.id is not None
        and parse_status(order.current_status) is OrderStatus.RECONFIRM_ADDRESS
    )


def notice_text(order: Order) -> str:
    """ "Order 100605 for Jane Doe needs you: Confirm address. Check the patient's shipping
    address with them and correct it." """
    who = ""
    if order.patient is not None and order.patient.full_name:
        who = f" for {order.patient.full_name}"
    elif order.site is not None and order.site.name:
        who = f" for {order.site.name}"
    step = next_step(order.current_status) or ""
    label = status_label(order.current_status)
    return f"Order {order.id}{who} needs you: {label}. {step}."


__all__ = ["can_correct_address", "needs_action", "next_step", "notice_text", "status_cell"]
