"""The order list's page requests: one page on its way at a time, which page comes next (the
paging module's cursor, api/paging.py), the server's total, and "Load all matching" (page after
page until the list ends).

`OrderHistoryModel` owns one and shows what arrives. An answer to a query or a source that has
since changed is dropped: every reset starts a new generation.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from impilo_desktop.api.models import Order, Page
from impilo_desktop.api.paging import PageCursor
from impilo_desktop.ui.plumbing.bridge import AsyncBridge, Job

from .filters import OrderQuery
from .order_row import OrderRow

FetchPage = Callable[[OrderQuery, int, int], Coroutine[Any, Any, Page[Order]]]
"""`fetch_page(query, page, size)`: one page of orders (1-based pages)."""


async def _fetch_rows(
    fetch_page: FetchPage, query: OrderQuery, page: int, size: int
) -> tuple[Page[Order], list[OrderRow]]:
    result = await fetch_page(query, page, size)
    # Building display rows here keeps the per-order work off the UI thread.
    return result, [OrderRow.from_order(order) for order in result.content]


@dataclass(frozen=True, slots=True)
class PageListener:
    """What the list is told, on the UI thread, in this order for an arriving page: `rows`
    (new rows to show), `loading` False, `page` (the whole answer), then the load-all
    progress."""

    loading: Callable[[bool], None]
    rows: Callable[[list[OrderRow]], None]
    page: Callable[[Page[Order]], None]
    failed: Callable[[BaseException], None]
    loaded_count: Callable[[], int]
    load_all_progress: Callable[[int, int], None]
    load_all_finished: Callable[[bool], None]


class PageRequests:
    """Fetches the pages of one query from one source, on the bridge, one at a time."""

    def __init__(
        self, bridge: AsyncBridge, fetch_page: FetchPage, page_size: int, listener: PageListener
    ) -> None:
        self._bridge = bridge
        self.fetch_page = fetch_page
        self.query = OrderQuery()
        self._page_size = page_size
        self._listener = listener
        self._cursor = PageCursor(size=page_size, what="order history")
        self.pages_requested = 0
        self.total: int | None = None
        """How many orders the server says match the query (None before the first page)."""
        self.failed = False
        self._job: Job | None = None
        self._requested: int | None = None  # the page on its way, if any
        self._generation = 0
        self.loading_all = False

    @property
    def exhausted(self) -> bool:
        return self._cursor.done

    @property
    def loading(self) -> bool:
        return self._requested is not None

    def reset(self) -> None:
        """Drop the page on its way and start over from page 1 (nothing is requested yet)."""
        self._cancel_request()
        self._cursor = PageCursor(size=self._page_size, what="order history")
        self.pages_requested = 0
        self.total = None
        self.failed = False

    def request_next_page(self) -> None:
        generation = self._generation
        page = self._cursor.number
        # State first: the answer must find the list already waiting for it.
        self.pages_requested += 1
        self._requested = page
        self._listener.loading(True)
        job = self._bridge.submit(
            _fetch_rows(self.fetch_page, self.query, page, self._page_size),
            on_result=lambda result: self._on_page(generation, result),
            on_error=lambda error: self._on_error(generation, error),
        )
        if self._requested == page:  # not answered yet
            self._job = job

    def load_all_matching(self) -> None:
        """Keep fetching pages until the server list is exhausted."""
        if self.exhausted:
            self._listener.load_all_finished(True)
            return
        self.loading_all = True
        self.failed = False
        self._listener.load_all_progress(self._listener.loaded_count(), self.total or 0)
        if self._requested is None:
            self.request_next_page()

    def cancel_load_all(self) -> None:
        """Stop after the page in flight (which is still shown when it arrives)."""
        if self.loading_all:
            self.loading_all = False
            self._listener.load_all_finished(False)

    def _cancel_request(self) -> None:
        self._generation += 1
        if self._job is not None:
            self._job.cancel()
        if self._requested is not None:
            self._job = None
            self._requested = None
            self._listener.loading(False)
        self.cancel_load_all()

    def _on_page(self, generation: int, result: tuple[Page[Order], list[OrderRow]]) -> None:
        if generation != self._generation:
            return  # an answer to a query that has since changed
        envelope, rows = result
        self._job = None
        self._requested = None
        if envelope.total is not None:
            self.total = envelope.total
        if self._cursor.accept(envelope):
            self._listener.rows(rows)
        self._listener.loading(False)
        self._listener.page(envelope)
        if self.loading_all:
            loaded = self._listener.loaded_count()
            self._listener.load_all_progress(loaded, self.total or loaded)
            if self.exhausted:
                self.loading_all = False
                self._listener.load_all_finished(True)
            else:
                self.request_next_page()

    def _on_error(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self._job = None
        self._requested = None
        self.failed = True
        self.pages_requested -= 1  # the same page is asked for again on retry
        self._listener.loading(False)
        self.cancel_load_all()
        self._listener.failed(error)


__all__ = ["FetchPage", "PageListener", "PageRequests"]
