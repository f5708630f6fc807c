"""Rows written by one INSERT per hundred rows (store/many_rows.py) are the rows
`executemany` wrote: all of them, in order, a later copy of an order replacing an earlier one."""

from __future__ import annotations

from impilo_desktop.api.models import Order
from impilo_desktop.store import Store
from impilo_desktop.store.many_rows import ROWS_PER_STATEMENT


def test_more_orders_than_one_statement_takes_are_all_cached(store: Store) -> None:
    count = ROWS_PER_STATEMENT * 2 + 7
    store.cache_orders(
        [Order.model_validate({"id": n, "currentStatus": "orderPlaced"}) for n in range(count)]
    )
    assert store.cached_order_ids() == list(reversed(range(count)))


def test_a_later_copy_of_an_order_in_the_same_write_replaces_the_earlier(store: Store) -> None:
    first = Order.model_validate({"id": 7, "currentStatus": "orderPlaced"})
    later = Order.model_validate({"id": 7, "currentStatus": "shipped"})
    store.cache_orders([first, later])
    cached = store.cached_order(7)
    assert cached is not None
    assert cached.current_status == "shipped"
