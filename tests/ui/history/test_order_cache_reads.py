"""The history reads from the order cache only the orders it needs (issue 16: it parsed
every cached order after each page, and offline kept them all parsed): those in given
statuses, spelt any way the app reads a status, and offline a page at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

from impilo_desktop.api.models import Order
from impilo_desktop.store import Store
from impilo_desktop.ui.history.cache_source import CachedOrderSource
from impilo_desktop.ui.history.filters import OrderQuery
from impilo_desktop.ui.history.needs_action import needs_action_orders


def order(i: int, status: str) -> Order:
    return Order.model_validate({"id": i, "currentStatus": status})


def test_only_orders_in_the_statuses_asked_for_newest_first(tmp_path: Path) -> None:
    store = Store(tmp_path / "impilo.sqlite3")
    store.cache_orders(
        [
            order(1, "reconfirmAddress"),
            order(2, "shipped"),
            order(3, "UNSUCCESSFUL_DELIVERY"),
            order(4, "available-for-pickup"),
            order(5, "delivered"),
            order(6, "PendingAdditionalInformation"),
        ]
    )
    picked = store.cached_orders_in(["reconfirmAddress", "unsuccessfulDelivery"])
    assert [o.id for o in picked] == [3, 1]
    assert [o.id for o in needs_action_orders(store)] == [6, 4, 3, 1]
    assert list(store.cached_orders_in(["onHold"])) == []
    store.close()


def test_orders_needing_action_are_parsed_as_they_are_taken(tmp_path: Path) -> None:
    # A few hundred parsed orders at once was 7 MiB after a long scroll: the count takes
    # them one by one (into history rows), so none is parsed before it is asked for.
    store = Store(tmp_path / "impilo.sqlite3")
    store.cache_orders(
        [order(1, "reconfirmAddress"), order(2, "availableForPickup"), order(3, "shipped")]
    )
    waiting = needs_action_orders(store)
    assert isinstance(waiting, Iterator)
    first = next(waiting)
    assert first.id == 2
    assert [o.id for o in waiting] == [1]
    store.close()


def test_offline_pages_are_read_a_page_at_a_time_with_the_servers_filters(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "impilo.sqlite3")
    orders = [
        Order.model_validate(
            {
                "id": i,
                "currentStatus": "shipped",
                "patient": {"id": 100 + i % 2, "lastName": "Doe"},
                "externalOrderIds": [f"EHR-{i}", "BATCH-A" if i < 4 else "BATCH-B"],
            }
        )
        for i in range(1, 8)
    ]
    store.cache_orders(orders)
    assert store.cached_order_ids() == [7, 6, 5, 4, 3, 2, 1]
    assert store.cached_order_ids(patient_id=101) == [7, 5, 3, 1]
    assert store.cached_order_ids(external_order_ids=["BATCH-A", "EHR-6"]) == [6, 3, 2, 1]
    assert store.cached_order_ids(patient_id=100, external_order_ids=["BATCH-A"]) == [2]
    assert [o.id for o in store.cached_orders_by_id([5, 99, 2])] == [5, 2]

    source = CachedOrderSource(store)
    query = OrderQuery(patient_id=101)
    first = asyncio.run(source.fetch_page(query, 1, 3))
    assert [o.id for o in first.content] == [7, 5, 3]
    assert (first.total, first.last) == (4, False)
    second = asyncio.run(source.fetch_page(query, 2, 3))
    assert [o.id for o in second.content] == [1]
    assert second.last
    assert second.content[0] == orders[0]
    store.close()
