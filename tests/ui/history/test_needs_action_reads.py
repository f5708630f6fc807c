"""The cached orders in given statuses are picked by SQLite (issue 16: the history asked for
every cached order, parsed, after each page), spelt any way the app reads a status."""

from __future__ import annotations

from pathlib import Path

from impilo_desktop.api.models import Order
from impilo_desktop.store import Store
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
    assert store.cached_orders_in(["onHold"]) == []
    store.close()
