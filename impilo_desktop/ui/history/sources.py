"""Where the history page's orders come from: Impilo, or the orders saved on this computer
when Impilo cannot be reached, and the banner that says which.

A page that fails because Impilo is unreachable turns the page offline: the list then pages
through the store's order cache (`CachedOrderSource`). Try again, Refresh, or the outbox
noticing Impilo is back turn it online again. Every page from Impilo is saved to the cache
for next time. Store and network calls run on the bridge loop, never on the UI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from impilo_desktop.api.errors import Unreachable
from impilo_desktop.api.models import Order, Page
from impilo_desktop.ui.plumbing.theme import status_colors

from .actions import error_text
from .cache_source import CachedOrderSource
from .filters import OrderQuery
from .model import OrderHistoryModel
from .names import named
from .order_row import local_time_text

if TYPE_CHECKING:
    from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)

SavedOrder = Callable[[Order | None, datetime | None], None]
"""deliver(order, saved_at): a cached order (None when not saved) and when it was saved."""


class OfflineBanner(QWidget):
    """The strip above the filters when the list is a saved copy or could not be loaded."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyBanner")
        self.label = QLabel()
        named(self.label, "historyOfflineBanner", "Connection state")
        self.label.setWordWrap(True)
        self.retry_button = QPushButton("Try again")
        named(self.retry_button, "historyRetryButton", "Try again")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 6, 8, 6)
        row.addWidget(self.label, 1)
        row.addWidget(self.retry_button)
        self.setVisible(False)
        self._restyle()

    def show_message(self, html: str) -> None:
        self.label.setText(html)
        self.setVisible(True)

    def _restyle(self) -> None:
        # The app's own banner colours, so this reads like the shell's message bar in both
        # light and dark mode.
        colours = status_colors()
        sheet = (
            f"#historyBanner {{ background: {colours.banner_bg};"
            f" border: 1px solid {colours.warning}; border-radius: 4px; }}"
            f"#historyBanner QLabel {{ color: {colours.banner_fg}; }}"
        )
        # Setting a style sheet sends this widget a palette change: only when it differs.
        if sheet != self.styleSheet():
            self.setStyleSheet(sheet)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._restyle()
        super().changeEvent(event)


class OnlineOrders:
    """Orders from Impilo, as coroutines for the bridge loop: pages of `GET /order` (the
    model's `fetch_page`) and single orders."""

    def __init__(self, services: AppServices) -> None:
        self._services = services

    async def fetch_page(self, query: OrderQuery, page: int, size: int) -> Page[Order]:
        client = self._services.client()
        return await client.list_orders(
            page=page,
            size=size,
            patient_id=query.patient_id,
            external_order_ids=list(query.external_order_ids) or None,
        )

    async def get_order(self, order_id: int) -> Order:
        return await self._services.client().get_order(order_id)


class OrderSources(QObject):
    """Switches `model` between Impilo and the order cache, and keeps the cache filled."""

    def __init__(
        self,
        services: AppServices,
        online: OnlineOrders,
        model: OrderHistoryModel,
        banner: OfflineBanner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._bridge = services.bridge
        self.online = online
        self.cache = CachedOrderSource(services.store)
        self._model = model
        self._banner = banner
        self._offline = False
        model.page_loaded.connect(self._on_page_loaded)
        model.page_failed.connect(self._on_page_failed)
        banner.retry_button.clicked.connect(self.go_online)
        connectivity = getattr(getattr(services, "outbox", None), "connectivity_changed", None)
        if connectivity is not None:
            connectivity.connect(self._on_connectivity)

    @property
    def offline(self) -> bool:
        """True while the list shows the orders saved on this computer."""
        return self._offline

    def go_online(self) -> None:
        self._offline = False
        self._banner.setVisible(False)
        self._model.set_fetch_page(self.online.fetch_page)

    def save(self, orders: list[Order]) -> None:
        """Keep copies of `orders` for offline history (written on the bridge loop)."""
        self._bridge.call(
            self._services.store.cache_orders,
            orders,
            on_error=lambda e: log.warning("Could not cache orders: %s", e),
        )

    def saved_order(
        self, order_id: int, deliver: SavedOrder, failed: Callable[[BaseException], None]
    ) -> None:
        """The saved copy of one order and when it was saved (the cache's last update when
        the order's own time is unknown), read on the bridge loop; `failed` when it cannot
        be read (a copy the current model rejects, a store that fails)."""

        def found(result: tuple[Order | None, datetime | None]) -> None:
            order, cached_at = result
            deliver(order, cached_at or self.cache.last_updated)

        self._bridge.submit(self.cache.get_order(order_id), on_result=found, on_error=failed)

    def _on_page_loaded(self, orders: list[Order]) -> None:
        if self._offline:
            updated = local_time_text(self.cache.last_updated) or "never"
            self._banner.show_message(
                f"<b>Offline</b> — showing orders saved on this computer, last updated {updated}."
            )
            return
        # A page arrived: whatever failed before (a key not yet entered) no longer stands.
        self._banner.setVisible(False)
        self.save(orders)

    def _on_page_failed(self, error: BaseException) -> None:
        if isinstance(error, Unreachable) and not self._offline:
            self._offline = True
            self._banner.show_message("<b>Offline</b> — Impilo cannot be reached.")
            self._model.set_fetch_page(self.cache.fetch_page)
            return
        self._banner.show_message(f"The order list could not be loaded: {error_text(error)}")

    def _on_connectivity(self, state: str) -> None:
        # The outbox noticed Impilo is back: leave the saved copy for the live list.
        if state == "online" and self._offline:
            self.go_online()


__all__ = ["OfflineBanner", "OnlineOrders", "OrderSources", "SavedOrder"]
