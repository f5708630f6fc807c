"""The detail panel shows every part of an order response (our example in the shape of the
API guide's, tests/data/fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from impilo_desktop.api.models import Order
from impilo_desktop.ui.history.carriers import tracking_url
from impilo_desktop.ui.history.detail import OrderDetailView


def test_every_section_of_the_fixture_is_shown(qtbot: QtBot, data_dir: Path) -> None:
    body = json.loads((data_dir / "fixtures" / "order.response.json").read_text())
    order = Order.model_validate(body)
    view = OrderDetailView()
    qtbot.addWidget(view)
    view.resize(700, 900)
    view.set_order(order)
    text = view.text()
    for expected in [
        "Order 318204",
        "Delivery failed",  # status label
        "Timeline",
        "Patient",
        "Amara Okafor",
        "ACFC-MRN-558210",
        "1957-09-14",
        "amara.okafor@example.org",
        "Ship to site",
        "Alder Creek Family Clinic",
        "Shipping",
        "Overnight",
        "Email label",
        "Tracking",
        "fedex",
        "Items",
        "Glucose Test Strips (50)",
        "Kits",
        "Hypertension Starter Kit",
        "Packed kits",
        "BP-118305-AO",  # device external identifier
        "SC-300-77412",  # the packed kit's device
        "Devices",
        "Identifiers",
        "Notes",
        "Patient is home after 3 pm on weekdays.",
        "Returns",
        "Packed kit",
        "External order ids",
        "desk-7f3e2a",
    ]:
        assert expected in text, expected
    html = view.browser.toHtml()
    assert "www.fedex.com" in html  # the known carrier's number is a link
    assert view.reorder_button.isEnabled()
    assert view.void_button.isEnabled()


def test_empty_parts_are_not_shown(qtbot: QtBot) -> None:
    view = OrderDetailView()
    qtbot.addWidget(view)
    view.set_order(Order.model_validate({"id": 7, "site": {"id": 3, "name": "North clinic"}}))
    text = view.text()
    assert "North clinic" in text
    for absent in (
        "Timeline",
        "Tracking",
        "Items",
        "Kits",
        "Devices",
        "Notes",
        "Returns",
        "Patient",
        "External order ids",
    ):
        assert absent not in text


@pytest.mark.parametrize(
    ("carrier", "host"),
    [("USPS", "usps.com"), ("ups", "ups.com"), ("FedEx", "fedex.com"), ("dhl", "dhl.com")],
)
def test_known_carriers_link_to_their_tracking_page(carrier: str, host: str) -> None:
    url = tracking_url(carrier, "1Z 999")
    assert url is not None
    assert host in url
    assert "1Z%20999" in url


def test_unknown_carrier_has_no_link() -> None:
    assert tracking_url("Pony Express", "123") is None
    assert tracking_url("USPS", "") is None
