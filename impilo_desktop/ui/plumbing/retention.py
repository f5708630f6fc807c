"""Runs the order-cache retention (sync/retention.py) for the open account on the bridge
loop: when the session starts, when it switches account, when the setting changes, and once
a day for a window left open."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from impilo_desktop.sync.retention import prune_cached_orders
from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)

DAY_MS = 24 * 60 * 60 * 1000


class CacheRetention(QObject):
    """Prunes the open account's order cache now (`prune`) and daily once `start`ed."""

    pruned = Signal(int)
    """How many cached orders were forgotten (when some were): counts read from the cache
    (the orders needing action) are read again."""

    def __init__(self, services: Callable[[], AppServices], parent: QObject | None = None):
        super().__init__(parent)
        self._services = services
        self.timer = QTimer(self)
        self.timer.setObjectName("cacheRetentionTimer")
        self.timer.setInterval(DAY_MS)
        self.timer.timeout.connect(self.prune)

    def start(self) -> None:
        self.prune()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def prune(self) -> None:
        """Forget the open account's cached orders older than the setting (off the UI
        thread; the count goes to the log)."""
        services = self._services()
        services.bridge.call(
            prune_cached_orders,
            services.store,
            services.home,
            on_result=lambda count: self.pruned.emit(count) if count else None,
            on_error=lambda error: log.warning("Could not prune the order cache: %s", error),
        )
