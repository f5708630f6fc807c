"""Order status labels and groups."""

from __future__ import annotations

import pytest

from impilo_desktop.api.models import OrderStatus
from impilo_desktop.domain.status import (
    StatusGroup,
    is_open,
    parse_status,
    status_group,
    status_label,
    statuses_in,
)


def test_every_documented_status_has_a_label_and_a_real_group() -> None:
    for status in OrderStatus:
        assert status_label(status)
        assert not status_label(status).startswith("Other")
        assert status_group(status) is not StatusGroup.OTHER


@pytest.mark.parametrize(
    ("status", "label", "group"),
    [
        ("orderPlaced", "Order placed", StatusGroup.OPEN),
        ("awaitingShipment", "Awaiting shipment", StatusGroup.OPEN),
        ("pendingInventory", "Waiting for stock", StatusGroup.OPEN),
        ("onHold", "On hold", StatusGroup.OPEN),
        ("pendingAdditionalInformation", "Needs more information", StatusGroup.NEEDS_ACTION),
        ("reconfirmAddress", "Confirm address", StatusGroup.NEEDS_ACTION),
        ("unsuccessfulDelivery", "Delivery failed", StatusGroup.NEEDS_ACTION),
        ("availableForPickup", "Ready for pickup", StatusGroup.NEEDS_ACTION),
        ("shipped", "Shipped", StatusGroup.IN_TRANSIT),
        ("delivered", "Delivered", StatusGroup.CLOSED),
        ("returnIssued", "Return issued", StatusGroup.CLOSED),
        ("unableToFulfill", "Unable to fulfil", StatusGroup.CLOSED),
        ("voided", "Voided", StatusGroup.CLOSED),
    ],
)
def test_labels_and_groups(status: str, label: str, group: StatusGroup) -> None:
    assert status_label(status) == label
    assert status_group(status) is group


def test_unknown_values_are_other() -> None:
    assert status_label("lostAtSea") == "Other (lostAtSea)"
    assert status_group("lostAtSea") is StatusGroup.OTHER
    assert status_label(None) == "Unknown"
    assert status_label("  ") == "Unknown"
    assert status_group(None) is StatusGroup.OTHER


def test_upper_snake_event_names_are_understood() -> None:
    assert parse_status("ORDER_PLACED") is OrderStatus.ORDER_PLACED
    assert status_label("AWAITING_SHIPMENT") == "Awaiting shipment"
    assert parse_status("not_a_status") is None


def test_groups_partition_the_statuses() -> None:
    seen = [s for g in StatusGroup for s in statuses_in(g)]
    assert sorted(seen) == sorted(OrderStatus)
    assert statuses_in(StatusGroup.IN_TRANSIT) == [OrderStatus.SHIPPED]
    assert statuses_in(StatusGroup.OTHER) == []
    assert [g.label for g in StatusGroup] == [
        "Open",
        "Needs action",
        "In transit",
        "Closed",
        "Other",
    ]


def test_is_open() -> None:
    assert is_open("shipped")
    assert is_open("reconfirmAddress")
    assert not is_open("delivered")
    assert not is_open("mystery")
