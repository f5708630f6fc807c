"""News about orders while the app runs, wherever the coordinator is: an order the outbox
has just sent is fetched at once, the orders this app placed are polled, and a status change
is said (the page's notice bar unless a confirmation is being read, status bar, tray)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from impilo_desktop.api.models import Order
from impilo_desktop.store import EntryState

from .model import OrderHistoryModel
from .notify import Say
from .poller import OrderStatusPoller
from .selection import SelectedOrder
from .sources import OrderSources
from .status_style import status_label

if TYPE_CHECKING:
    from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)


def status_change_text(order: Order, previous: str) -> str:
    """E.g. "Order 1234 for Jane Doe: Order placed → Shipped"."""
    who = ""
    if order.patient is not None and order.patient.full_name:
        who = f" for {order.patient.full_name}"
    elif order.site is not None and order.site.name:
        who = f" for {order.site.name}"
    return f"Order {order.id}{who}: {status_label(previous)} → {status_label(order.current_status)}"


class StatusWatch(QObject):
    """Keeps the list and the detail panel current with what Impilo says about an order."""

    def __init__(
        self,
        services: AppServices,
        model: OrderHistoryModel,
        selection: SelectedOrder,
        sources: OrderSources,
        say: Say,
        *,
        interval_seconds: float,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._bridge = services.bridge
        self._model = model
        self._selection = selection
        self._sources = sources
        self._say = say
        self.poller = OrderStatusPoller(
            self._bridge,
            sources.online.get_order,
            self._sent_order_ids,
            interval_seconds=interval_seconds,
            parent=self,
        )
        self.poller.order_updated.connect(self._on_polled)
        self.poller.status_changed.connect(self._on_status_changed)
        model.page_loaded.connect(self._observe)
        entry_sent = getattr(getattr(services, "outbox", None), "entry_sent", None)
        if entry_sent is not None:
            entry_sent.connect(self._on_entry_sent)

    def fresh_order(self, order: Order) -> None:
        """An order just fetched (a refresh, a void, a new order): shown everywhere, its
        status known without a notification, and saved for offline use."""
        self._model.upsert_order(order)
        self.poller.observe(order)
        self._selection.update_shown(order)
        self._sources.save([order])

    def _sent_order_ids(self) -> list[int]:
        # Called by the poller on the bridge loop: the store is never read on the UI thread.
        entries = self._services.store.list_outbox([EntryState.SENT])
        return [e.order_id for e in entries if e.order_id is not None]

    def _observe(self, orders: list[Order]) -> None:
        # Statuses seen on a page are the starting point: a later change is news.
        for order in orders:
            self.poller.observe(order)

    def _on_entry_sent(self, entry: object) -> None:
        order_id = getattr(entry, "order_id", None)
        if isinstance(order_id, int) and not self._sources.offline:
            self._bridge.submit(
                self._sources.online.get_order(order_id),
                on_result=self.fresh_order,
                on_error=lambda e: log.info("New order %s not fetched: %s", order_id, e),
            )

    def _on_polled(self, order: Order) -> None:
        if order.id is not None and self._model.loaded_order(order.id) is not None:
            self._model.upsert_order(order)
            self._selection.update_shown(order)

    def _on_status_changed(self, order: Order, previous: str) -> None:
        self._model.upsert_order(order)
        self._say(
            status_change_text(order, previous),
            tray_title="Order status changed",
            about=order.id,
            news=True,
        )


__all__ = ["StatusWatch", "status_change_text"]
