"""History rows keep only what they show (issue 16, memory): the cells' texts in one string,
repeated texts shared, not the order itself (the detail panel reads it from the order cache:
test_detail.py); sorting and searching still work."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from impilo_desktop.api.models import Order, Page
from impilo_desktop.store.cache import order_body
from impilo_desktop.ui.history.filters import LocalFilter, OrderQuery
from impilo_desktop.ui.history.model import ROW_ROLE, OrderHistoryModel
from impilo_desktop.ui.history.order_row import Column, OrderRow
from impilo_desktop.ui.plumbing.bridge import AsyncBridge


def _fields(row: OrderRow) -> list[object]:
    return [getattr(row, name) for name in OrderRow.__slots__]


def order(i: int) -> Order:
    return Order.model_validate(
        {
            "id": i,
            "currentStatus": "shipped" if i % 2 else "delivered",
            "externalOrderIds": [f"EHR-{i}", "batch\x1f7"],  # a separator inside: kept apart
            "patient": {
                "id": 500 + i,
                "firstName": f"Pat{i}",
                "lastName": "Doe" if i % 3 else "Ávila",
                "externalIdentifier": f"MRN-{i}",
                "site": {"id": 1 + i % 2, "name": f"Clinic {1 + i % 2}"},
            },
            "orderItems": [{"item": {"id": 5, "name": "Scale"}, "count": i}],
            "trackingNumbers": [{"carrier": "UPS", "value": f"1Z{i:06d}"}],
            "orderEvents": [
                {"name": "orderPlaced", "eventTimestamp": f"2026-01-{1 + i % 28:02d}T10:00:00Z"}
            ],
        }
    )


@pytest.fixture
def bridge() -> Iterator[AsyncBridge]:
    b = AsyncBridge()
    yield b
    b.close()


def test_a_row_keeps_its_texts_and_not_the_order() -> None:
    orders = [order(i) for i in range(1, 13)]
    rows = [OrderRow.from_order(o) for o in orders]
    assert not any(isinstance(v, (Order, bytes)) for r in rows for v in _fields(r))
    row = rows[3]
    assert row.texts == (
        "4",
        row.texts[Column.LATEST_EVENT],
        "Pat4 Doe (#504)",
        "Delivered",
        "Scale \u00d74",
        "UPS 1Z000004",
        "EHR-4, batch 7",
    )
    assert [row.text(c) for c in Column] == list(row.texts)
    assert row.external_ids == ("EHR-4", "batch\x1f7")
    # Texts that repeat are one string shared by the rows, not one each.
    assert rows[0].status is rows[2].status
    assert rows[0].site_name is rows[2].site_name


def test_a_row_puts_back_what_the_order_cache_leaves_out() -> None:
    body = order(7).model_dump(by_alias=True, exclude_none=True)
    body["patient"]["phoneNumber"] = "555-0107"
    body["patient"]["address"] = {
        "lineOne": "12 Hill St",
        "lineTwo": "Flat 3",
        "city": "Reno",
        "state": "NV",
        "zipCode": "89501",
        "note": "Side door",
    }
    live = Order.model_validate(body)
    cached = Order.model_validate_json(order_body(live))  # what the order cache keeps
    assert cached.patient is not None
    assert cached.patient.phone_number is None
    assert cached != live
    row = OrderRow.from_order(live)
    assert row.with_dropped(cached) == live
    # A site order, or a patient with nothing left out, keeps nothing extra.
    assert OrderRow.from_order(order(8)).dropped == ""


def test_sorting_and_searching_loaded_rows(qtbot: QtBot, bridge: AsyncBridge) -> None:
    orders = [order(i) for i in range(1, 31)]

    async def fetch_page(query: OrderQuery, page: int, size: int) -> Page[Order]:
        chunk = orders[(page - 1) * size : page * size]
        return Page[Order](content=chunk, page=page, size=size, total=30, last=page * size >= 30)

    model = OrderHistoryModel(bridge, fetch_page, page_size=30)
    model.reload()
    qtbot.waitUntil(lambda: model.rowCount() == 30, timeout=20_000)
    model.sort(Column.RECIPIENT, Qt.SortOrder.AscendingOrder)
    first = model.data(model.index(0, Column.RECIPIENT))
    assert first == "Pat1 Doe (#501)"  # "Pat1 Doe" before "Pat12 Ávila" and "Pat3 Ávila"
    model.sort(Column.ORDER_ID, Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, Column.ORDER_ID)) == "30"
    shown: Any = model.data(model.index(0, 0), ROW_ROLE)
    assert shown.order_id == 30  # the detail panel reads that order from the cache

    model.set_local_filter(LocalFilter(text="ávila mrn-2"))
    assert {r.order_id for r in model.rows()} == {21, 24, 27}
    model.set_local_filter(LocalFilter(text="1z000007 clinic 2"))
    assert [r.order_id for r in model.rows()] == [7]
    # The rows' search keys are kept while the text filter is in use, and let go after.
    assert all(r.search_text is not None for r in model.loaded_rows())
    model.set_local_filter(LocalFilter(statuses=frozenset({"shipped"})))
    assert len(model.rows()) == 15
    assert all(r.search_text is None for r in model.loaded_rows())


def test_the_text_filter_finds_what_a_row_does_not_keep_a_key_for() -> None:
    """Rows keep no casefolded copy of their texts (about 250 bytes a row): the filter makes
    it per row when asked, and finds the same: any cell, the site, the status as Impilo names
    it, the patient's external id and email, casefolded (ß as ss), words in any field."""
    assert "search_key" not in OrderRow.__slots__
    assert OrderRow.from_order(order(5)).search_text is None  # made when a filter asks
    body = order(5).model_dump(by_alias=True, exclude_none=True)
    body["patient"]["email"] = "Grosse.Straße@Example.org"
    body["currentStatus"] = "reconfirmAddress"
    row = OrderRow.from_order(Order.model_validate(body))
    site_row = OrderRow.from_order(
        Order.model_validate({"id": 77, "site": {"id": 9, "name": "Hill Clinic"}})
    )

    def finds(text: str, target: OrderRow = row) -> bool:
        return LocalFilter(text=text).matches(target)

    assert finds("grosse.strasse@example")  # the email, casefolded
    assert finds("mrn-5 pat5")  # the external id and the name, in two fields
    assert finds("reconfirmaddress")  # the status as Impilo names it
    assert finds(row.text(Column.STATUS).upper())  # and as the list shows it
    assert finds("clinic 2 1z000005 ehr-5 batch")
    assert not finds("mrn-5pat5")  # never across two fields
    assert not finds("zz")
    assert finds("hill clinic", site_row)
    assert finds("77", site_row)
    assert finds("   ")  # no words: every row
    assert finds("", site_row)
    assert row.texts == tuple(row.text(c) for c in Column)  # the searched fields not shown
