"""Watching the orders this app placed: a modest poll of their status, and a signal when
one changes (shipped, delivered...)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from impilo_desktop.api.errors import ImpiloError, NotFound
from impilo_desktop.api.models import Order
from impilo_desktop.domain.status import StatusGroup, status_group
from impilo_desktop.ui.plumbing.bridge import AsyncBridge, Job

GetOrder = Callable[[int], Coroutine[Any, Any, Order]]

DEFAULT_INTERVAL_SECONDS = 60.0


async def _fetch_all(
    get_order: GetOrder, watched_ids: Callable[[], list[int]], finished: set[int]
) -> list[Order]:
    # The ids come from the store: read here, on the loop thread, never on the UI thread.
    # One at a time: a handful of orders every minute is polite, and an unreachable server
    # ends the round at the first failure instead of once per order.
    orders: list[Order] = []
    for order_id in [i for i in watched_ids() if i not in finished]:
        try:
            orders.append(await get_order(order_id))
        except NotFound:
            continue
    return orders


class OrderStatusPoller(QObject):
    """Polls the given orders every `interval_seconds` while the app runs."""

    order_updated = Signal(object)
    """The latest copy of a watched order (every poll)."""
    status_changed = Signal(object, str)
    """(order, previous status) when a watched order's status moved on."""
    poll_finished = Signal()
    """A polling round ended (successfully or not)."""

    def __init__(
        self,
        bridge: AsyncBridge,
        get_order: GetOrder,
        watched_ids: Callable[[], list[int]],  # called on the bridge loop
        *,
        interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._get_order = get_order
        self._watched_ids = watched_ids
        self._known: dict[int, str] = {}
        self._finished: set[int] = set()
        self._job: Job | None = None
        self._timer = QTimer(self)
        self._timer.setObjectName("orderStatusPollTimer")
        self._timer.timeout.connect(self.poll_now)
        self.set_interval(interval_seconds)

    def set_interval(self, seconds: float) -> None:
        self._timer.setInterval(max(1, int(seconds * 1000)))

    @property
    def interval_seconds(self) -> float:
        return self._timer.interval() / 1000

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._job is not None:
            self._job.cancel()
            self._job = None

    def observe(self, order: Order) -> None:
        """Learn an order's status from elsewhere (a page, a refresh) without notifying."""
        if order.id is not None and order.current_status:
            # Interned: one string per status, not one per order seen (10,000 after a scroll).
            self._known[order.id] = sys.intern(str(order.current_status))

    def known_status(self, order_id: int) -> str | None:
        return self._known.get(order_id)

    def poll_now(self) -> bool:
        """Start a polling round now; False when one is already running."""
        if self._job is not None:
            return False
        self._job = self._bridge.submit(
            _fetch_all(self._get_order, self._watched_ids, set(self._finished)),
            on_result=self._on_orders,
            on_error=self._on_error,
        )
        return True

    def _on_orders(self, orders: list[Order]) -> None:
        self._job = None
        for order in orders:
            if order.id is None:
                continue
            new = str(order.current_status) if order.current_status else ""
            old = self._known.get(order.id)
            self._known[order.id] = new
            if status_group(new) is StatusGroup.CLOSED:
                self._finished.add(order.id)  # nothing more will happen to it
            self.order_updated.emit(order)
            if old is not None and new and new != old:
                self.status_changed.emit(order, old)
        self.poll_finished.emit()

    def _on_error(self, error: BaseException) -> None:
        self._job = None
        if not isinstance(error, ImpiloError):
            raise error
        # Offline or refused: try again next round; the history page shows connectivity.
        self.poll_finished.emit()
