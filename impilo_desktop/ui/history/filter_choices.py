"""The filter bar's choices, read from the store on the bridge loop: the patients matching
what the coordinator types, and the sites (the reference cache's, and any a page names)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from impilo_desktop.api.models import Order, Patient, Site

from .filter_bar import OrderFilterBar
from .model import OrderHistoryModel
from .order_row import site_of

if TYPE_CHECKING:
    from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)


class PatientLookup:
    """The patient filter's suggestions: the reference cache searched for what was typed."""

    def __init__(self, services: AppServices) -> None:
        self._services = services

    def __call__(self, text: str, deliver: Callable[[list[Patient]], None]) -> None:
        store = self._services.store
        self._services.bridge.call(
            lambda: store.search_patients(text, limit=30),
            on_result=deliver,
            on_error=lambda e: log.warning("Patient search failed: %s", e),
        )


class SiteChoices(QObject):
    """The site filter's entries: the cached sites, joined by those the orders name."""

    def __init__(
        self,
        services: AppServices,
        bar: OrderFilterBar,
        model: OrderHistoryModel,
        offline: Callable[[], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._bar = bar
        self._offline = offline
        model.page_loaded.connect(self._add_from_page)

    def load(self) -> None:
        """Read the cached sites (once the page is first shown)."""
        self._services.bridge.call(
            self._services.store.cached_sites,
            on_result=self._merge_cached,
            on_error=lambda e: log.warning("Could not read cached sites: %s", e),
        )

    def _offered(self) -> list[tuple[Any, str]]:
        combo = self._bar.site
        return [(combo.itemData(i), combo.itemText(i)) for i in range(1, combo.count())]

    def _merge_cached(self, sites: list[Site]) -> None:
        known = dict(self._offered())
        for site in sites:
            if site.id is not None:
                known[site.id] = site.name or f"Site {site.id}"
        self._bar.set_sites([(k, v) for k, v in known.items() if isinstance(k, int)])

    def _add_from_page(self, orders: list[Order]) -> None:
        if self._offline():
            return  # only pages from Impilo add sites
        # Sites seen on this page join the site filter (the reference cache may lag behind).
        page_sites = dict(site_of(order) for order in orders)
        page_sites.pop(None, None)
        combo = self._bar.site
        missing = [(k, v) for k, v in page_sites.items() if combo.findData(k) < 0]
        if missing:
            self._bar.set_sites(self._offered() + missing)


__all__ = ["PatientLookup", "SiteChoices"]
