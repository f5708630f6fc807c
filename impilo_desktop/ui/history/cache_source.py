"""Offline history: pages of orders from the store's order cache, shaped like the API's."""

from __future__ import annotations

from datetime import datetime

from impilo_desktop.api.models import Order, Page
from impilo_desktop.store import Store

from .filters import OrderQuery


class CachedOrderSource:
    """`fetch_page` over the order cache, with the same filters the server applies.

    The matching ids are read once per query, and each page's orders when it is asked
    for, served like the API would. The
    reads run on the bridge's loop thread (never the UI thread) and not in a thread pool, so
    closing the store after the bridge can never race a read still in flight.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        # The matching order ids per query; the orders themselves are parsed a page at a
        # time (a parsed Order is about 40 KiB: all 10,000 cached ones held 400 MiB).
        self._matching: dict[OrderQuery, list[int]] = {}
        self.last_updated: datetime | None = None

    def _load(self, query: OrderQuery) -> list[int]:
        return self._store.cached_order_ids(
            patient_id=query.patient_id, external_order_ids=query.external_order_ids
        )

    def _stamp(self, orders: list[Order]) -> None:
        for order in orders:
            if order.id is None:
                continue
            at = self._store.order_cached_at(order.id)
            if at is not None and (self.last_updated is None or at > self.last_updated):
                self.last_updated = at

    async def fetch_page(self, query: OrderQuery, page: int, size: int) -> Page[Order]:
        if query not in self._matching:
            self._matching[query] = self._load(query)
        matching = self._matching[query]
        chunk = self._store.cached_orders_by_id(matching[(page - 1) * size : page * size])
        self._stamp(chunk)
        return Page[Order](
            content=chunk,
            page=page,
            size=size,
            total=len(matching),
            first=page == 1,
            last=page * size >= len(matching),
        )

    async def get_order(self, order_id: int) -> tuple[Order | None, datetime | None]:
        """One cached order and when it was stored."""

        return self._store.cached_order(order_id), self._store.order_cached_at(order_id)
