"""The history's CSV export runs no formula in Excel: Impilo's texts that start like one
(a patient's name, an external order id typed by anyone) get an apostrophe."""

from __future__ import annotations

from impilo_desktop.api.models import Order
from impilo_desktop.ui.history.csv_export import csv_record
from impilo_desktop.ui.history.order_row import OrderRow


def test_impilos_texts_that_start_like_a_formula_are_inert() -> None:
    order = Order.model_validate(
        {
            "id": 7,
            "currentStatus": "shipped",
            "externalOrderIds": ['=HYPERLINK("http://x")', "RPM-1"],
            "patient": {
                "id": 1007,
                "firstName": "Jane",
                "lastName": "+Doe",
                "site": {"id": 1, "name": "@Northside"},
            },
            "orderItems": [{"item": {"id": 5, "name": "Scale"}, "count": 1}],
        }
    )
    record = csv_record(OrderRow.from_order(order))
    assert record[0] == "7"
    assert [cell for cell in record if cell[:1] in ("=", "+", "-", "@")] == []
    assert '\'=HYPERLINK("http://x"); RPM-1' in record
    assert any(cell.startswith("'@Northside") for cell in record)
