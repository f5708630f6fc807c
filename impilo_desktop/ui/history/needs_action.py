"""The orders that need the coordinator: how many there are (for the sidebar and the filter's
toggle), which they are, and the notices that say so, once.

The orders are read from the store's order cache on the bridge loop, never on the UI thread,
after every polling round, and after a page saved to the cache when the page changes them (an
order needing action that is not counted, or in another state than counted, or one counted
that no longer needs action). An order entering one of these
states is announced once per order and state: which were announced is kept in a small file in
the profile's folder (order numbers and status names only, no patient data), so a restart or
the next poll does not announce them again. Once a poll sees the order leave that state it is
forgotten, so the order coming back to it later (a second failed delivery) is news again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from impilo_desktop.api.models import Order
from impilo_desktop.api.wire import OrderStatus
from impilo_desktop.domain.needs_action import needs_action

from .order_row import OrderRow
from .status_style import status_text

if TYPE_CHECKING:
    from impilo_desktop.store import Store
    from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)

ANNOUNCED_FILE = "needs-action-announced.json"
NEEDS_ACTION_STATUSES = tuple(s.value for s in OrderStatus if needs_action(s))
KEEP_ANNOUNCED = 2000
"""How many (order, state) pairs are remembered: far more than are ever open at once."""


def needs_action_orders(store: Store) -> Iterator[Order]:
    """The cached orders that need the coordinator, newest first (on the bridge loop), parsed
    one at a time as the caller takes them (keep rows or ids, not the orders)."""
    orders = store.cached_orders_in(NEEDS_ACTION_STATUSES)
    return (o for o in orders if needs_action(o.current_status))


PageFacts = list[tuple[int, str, bool]]
"""Of a page: each order's number, status (as a row has it) and whether it needs action."""


def page_facts(orders: list[Order]) -> PageFacts:
    return [
        (o.id, status_text(o.current_status), needs_action(o.current_status))
        for o in orders
        if o.id is not None
    ]


class AnnouncedStates:
    """Which orders' needs-action states were announced. Used on the bridge loop only. `path`
    None (a session kept in memory only) remembers them for this run only."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._seen: list[tuple[int, str]] | None = None

    def claim(self, order_id: int, status: str) -> bool:
        """True the first time this order is announced in this state (and remembers it)."""
        seen = self._load()
        key = (order_id, status)
        if key in seen:
            return False
        seen.append(key)
        del seen[:-KEEP_ANNOUNCED]
        self._save(seen)
        return True

    def forget(self, order_id: int, status: str) -> None:
        """The order has left this state: entering it again is announced again."""
        seen = self._load()
        key = (order_id, status)
        if key in seen:
            seen.remove(key)
            self._save(seen)

    def _load(self) -> list[tuple[int, str]]:
        if self._seen is not None:
            return self._seen
        self._seen = []
        if self._path is not None:
            try:
                raw = json.loads(self._path.read_text(encoding="utf-8"))
                self._seen = [(int(i), str(s)) for i, s in raw["announced"]]
            except FileNotFoundError:
                pass
            except (OSError, ValueError, TypeError, KeyError) as error:
                # Worst case an order is announced a second time: not worth stopping for.
                log.warning("Could not read %s: %s", self._path.name, type(error).__name__)
        return self._seen

    def _save(self, seen: list[tuple[int, str]]) -> None:
        if self._path is None:
            return
        tmp = self._path.with_name(self._path.name + ".tmp")
        try:
            tmp.write_text(json.dumps({"announced": seen}), encoding="utf-8")
            os.replace(tmp, self._path)
        except OSError as error:
            with contextlib.suppress(OSError):
                tmp.unlink()
            log.warning("Could not save %s: %s", self._path.name, error.strerror or error)


class NeedsActionOrders(QObject):
    """The cached orders that need the coordinator, kept current (`refresh`), and whether a
    state is news (`claim`)."""

    changed = Signal(int)
    """How many orders need action now (after each read of the cache)."""

    def __init__(self, services: AppServices, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        folder = services.profile.data_dir(services.home)
        in_memory = services.store.in_memory
        self._announced = AnnouncedStates(None if in_memory else folder / ANNOUNCED_FILE)
        # As history rows (built on the bridge loop): a parsed Order is about 40 KiB, a row
        # 1.4 KiB, and the history shows them as rows anyway.
        self.rows: list[OrderRow] = []
        self.count: int | None = None  # None until the cache was first read
        self._reads = 0  # reads of the cache asked for and not answered yet
        # What pages that arrived during a read said (order, status, needs action): judged
        # against the rows the reads bring, once they are all answered.
        self._pages_during_read: list[PageFacts] = []

    def refresh(self) -> None:
        """Read the cache again (queued after any write asked for before)."""
        store = self._services.store
        self._reads += 1
        self._services.bridge.call(
            lambda: [OrderRow.from_order(o) for o in needs_action_orders(store)],
            on_result=self._on_rows,
            on_error=self._on_read_failed,
        )

    @property
    def reading(self) -> bool:
        """True while a read of the cache is asked for and not answered yet."""
        return self._reads > 0

    def refresh_after_page(self, orders: list[Order]) -> None:
        """A page of the history was saved to the cache: read the cache again only if the
        page can change what it says. Every page used to re-read and parse every cached
        order needing action, work per page that grew with the cache while the coordinator
        scrolled. A page that arrives during a read is judged by the rows that read brings
        (its save may have come after the read), so "Load all" reads once, not per page."""
        facts = page_facts(orders)
        if self.count is None:
            self.refresh()
        elif self.reading:
            self._pages_during_read.append(facts)
        elif self._changes_rows(facts):
            self.refresh()

    def refresh_after_prune(self, _forgotten: int) -> None:
        """The retention forgot cached orders: some may have been counted."""
        self.refresh()

    def _changes_rows(self, facts: PageFacts) -> bool:
        counted = {row.order_id: row.status for row in self.rows}
        for order_id, status, waiting in facts:
            if waiting:
                if counted.get(order_id) != status:
                    return True
            elif order_id in counted:
                return True
        return False

    def _judge_pages_during_read(self, read_failed: bool) -> None:
        if self.reading or not self._pages_during_read:
            return
        pages, self._pages_during_read = self._pages_during_read, []
        if read_failed or any(self._changes_rows(facts) for facts in pages):
            self.refresh()

    def claim(self, order: Order, first: Callable[[], None]) -> None:
        """`first()` on the UI thread if this order's current state was not announced yet."""
        if order.id is None or not order.current_status:
            return
        order_id, status = order.id, str(order.current_status)
        self._services.bridge.call(
            lambda: self._announced.claim(order_id, status),
            on_result=lambda new: first() if new else None,
        )

    def forget(self, order_id: int, status: str) -> None:
        """The order was seen leaving this state (in order with `claim`, on the bridge loop)."""
        self._services.bridge.call(
            lambda: self._announced.forget(order_id, status),
            on_error=lambda e: log.warning("Could not forget an announced state: %s", e),
        )

    def _on_read_failed(self, error: BaseException) -> None:
        self._reads -= 1
        log.warning("Could not count orders needing action: %s", error)
        self._judge_pages_during_read(read_failed=True)

    def _on_rows(self, rows: list[OrderRow]) -> None:
        self._reads -= 1
        self.rows = rows
        self.count = len(rows)
        self.changed.emit(len(rows))
        self._judge_pages_during_read(read_failed=False)


__all__ = ["ANNOUNCED_FILE", "AnnouncedStates", "NeedsActionOrders", "needs_action_orders"]
