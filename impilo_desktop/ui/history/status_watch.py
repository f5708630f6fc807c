"""News about orders while the app runs, wherever the coordinator is: an order the outbox
has just sent is fetched at once, the orders this app placed (and the cached orders that need
action) are polled, and a status change is said (the page's notice bar unless a confirmation
is being read, status bar, tray). An order entering a state that needs the coordinator is said
once per order and state, with what to do and a way to open it (`needs_action`).

Polled orders are saved to the order cache, so the count of orders needing action stays
current; after a restart the cached statuses of the watched orders are the starting point, so
what changed while the app was closed is news too."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from impilo_desktop.domain.needs_action import needs_action, notice_text
from impilo_desktop.store import EntryState

from .needs_action import NeedsActionOrders, needs_action_orders
from .notify import Say
from .poller import OrderStatusPoller
from .status_style import status_label

if TYPE_CHECKING:
    from collections.abc import Callable

    from impilo_desktop.api.models import Order
    from impilo_desktop.ui.plumbing.services import AppServices

    from .model import OrderHistoryModel
    from .selection import SelectedOrder
    from .sources import OrderSources

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
    """Keeps the list and the detail panel current with what Impilo says about an order.

    The window makes it with the session's pages (`ui/shell/window_pages.py`), so the count
    and the news run before Order history is first shown; the page, once built, `attach`es
    its list, detail panel and notes. A page made on its own makes its own watch."""

    needs_action_noticed = Signal(int, str)
    """(order id, text): an order has just entered a state that needs the coordinator."""

    def __init__(
        self,
        services: AppServices,
        say: Say,
        *,
        interval_seconds: float,
        open_order: Callable[[int], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._bridge = services.bridge
        self._say = say
        self._open_order = open_order
        self._model: OrderHistoryModel | None = None
        self._selection: SelectedOrder | None = None
        self._sources: OrderSources | None = None
        self._polled: list[Order] = []
        self.needs = NeedsActionOrders(services, parent=self)
        self.poller = OrderStatusPoller(
            self._bridge,
            self._get_order,
            self._sent_order_ids,
            interval_seconds=interval_seconds,
            parent=self,
        )
        self.poller.order_updated.connect(self._on_polled)
        self.poller.status_changed.connect(self._on_status_changed)
        self.poller.poll_finished.connect(self._save_polled)
        entry_sent = getattr(getattr(services, "outbox", None), "entry_sent", None)
        if entry_sent is not None:
            entry_sent.connect(self._on_entry_sent)

    def attach(
        self,
        model: OrderHistoryModel,
        selection: SelectedOrder,
        sources: OrderSources,
        say: Say,
    ) -> None:
        """The history page is built: its list and detail panel follow the news from now on,
        and its notes say it."""
        self._model, self._selection, self._sources, self._say = model, selection, sources, say
        model.page_loaded.connect(self._observe)
        # After the page's own save to the cache (connected before): the count includes it.
        model.page_loaded.connect(self.needs.refresh_after_page)

    def start(self) -> None:
        """Count the orders needing action, learn the watched orders' last known statuses
        from the cache (what changes from there is news), then start polling."""
        self.needs.refresh()
        self._services.bridge.call(
            self._cached_watched,
            on_result=self._observe_cached,
            on_error=lambda e: log.warning("Could not read the watched orders: %s", e),
        )
        self.poller.start()

    def fresh_order(self, order: Order) -> None:
        """An order just fetched (a refresh, a void, a new order): shown everywhere, its
        status known without a notification, and saved for offline use."""
        if self._model is not None and self._selection is not None:
            self._model.upsert_order(order)
            self._selection.update_shown(order)
        self.poller.observe(order)
        self._save([order])
        self.needs.refresh()

    async def _get_order(self, order_id: int) -> Order:
        return await self._services.client().get_order(order_id)

    def _save(self, orders: list[Order]) -> None:
        # Kept for offline history and the count (written on the bridge loop).
        self._bridge.call(
            self._services.store.cache_orders,
            orders,
            on_error=lambda e: log.warning("Could not cache orders: %s", e),
        )

    def _sent_order_ids(self) -> list[int]:
        # Called by the poller on the bridge loop: the store is never read on the UI thread.
        entries = self._services.store.list_outbox([EntryState.SENT])
        sent = [e.order_id for e in entries if e.order_id is not None]
        # The orders that need action too, so the list sees them leave that state.
        waiting = [o.id for o in needs_action_orders(self._services.store) if o.id is not None]
        known = set(sent)
        return sent + [i for i in waiting if i not in known]

    def _cached_watched(self) -> list[Order]:
        # On the bridge loop.
        store = self._services.store
        orders = (store.cached_order(i) for i in self._sent_order_ids())
        return [o for o in orders if o is not None]

    def _observe_cached(self, orders: list[Order]) -> None:
        for order in orders:
            if order.id is not None and self.poller.known_status(order.id) is None:
                self.poller.observe(order)

    def _save_polled(self) -> None:
        polled, self._polled = self._polled, []
        if polled:
            self._save(polled)
            self.needs.refresh()

    def _observe(self, orders: list[Order]) -> None:
        # Statuses seen on a page are the starting point: a later change is news.
        for order in orders:
            self.poller.observe(order)

    def _on_entry_sent(self, entry: object) -> None:
        order_id = getattr(entry, "order_id", None)
        offline = self._sources is not None and self._sources.offline
        if isinstance(order_id, int) and not offline:
            self._bridge.submit(
                self._get_order(order_id),
                on_result=self.fresh_order,
                on_error=lambda e: log.info("New order %s not fetched: %s", order_id, e),
            )

    def _on_polled(self, order: Order) -> None:
        self._polled.append(order)
        model, selection = self._model, self._selection
        if model is None or selection is None:
            return  # the page is not built: nothing shows the order yet
        if order.id is not None and model.has_order(order.id):
            model.upsert_order(order)
            selection.update_shown(order)

    def _on_status_changed(self, order: Order, previous: str) -> None:
        if self._model is not None:
            self._model.upsert_order(order)
        log.info("Order %s: status %s -> %s", order.id, previous, order.current_status)
        if order.id is not None and needs_action(previous):
            # It left that state: coming back to it later is news again.
            self.needs.forget(order.id, previous)
        if needs_action(order.current_status):
            self.needs.claim(order, lambda: self._announce(order))
            return
        self._say(
            status_change_text(order, previous),
            tray_title="Order status changed",
            about=order.id,
            news=True,
        )

    def _announce(self, order: Order) -> None:
        """The first notice of this order in this state: what to do, and a way to open it."""
        if order.id is None:
            return
        order_id, text = order.id, notice_text(order)
        log.info("Order %s needs action (%s), announced", order_id, order.current_status)
        self._say(
            text,
            tray_title="An order needs you",
            about=order_id,
            news=True,
            actions=[("Open", lambda: self._open(order_id))],
        )
        self.needs_action_noticed.emit(order_id, text)

    def _open(self, order_id: int) -> None:
        if self._open_order is not None:
            self._open_order(order_id)  # the window: shows the page, then the order
        elif self._selection is not None:
            self._selection.show_order(order_id)


__all__ = ["StatusWatch", "status_change_text"]
