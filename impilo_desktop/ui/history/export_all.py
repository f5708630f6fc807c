"""Every order matching the history filters, read page by page for a CSV export.

The list itself loads pages as the coordinator scrolls; an export of "every matching order"
must not depend on how far that went. This walks the same source the list uses (Impilo, or
the orders saved on this computer when offline) with the same server-side query, keeps the
orders the client-side filter lets through, and reports after every page. It runs on the
bridge loop, never on the UI thread, and has no Qt in it: progress goes to a plain callback.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Final

from impilo_desktop.api.models import Order, Page
from impilo_desktop.api.paging import PageCursor, incomplete_list, walk_pages

from .filters import LocalFilter, OrderQuery
from .order_row import OrderRow

EXPORT_PAGE_SIZE: Final = 100
"""Orders asked for per page: the paging module's reckoning (100 a page, at most 2,000
pages), and a page a slow clinic line still fetches within a few seconds."""

FetchPage = Callable[[OrderQuery, int, int], Coroutine[Any, Any, Page[Order]]]


class ExportCancelledError(Exception):
    """The coordinator stopped the export; nothing was written."""


@dataclass(frozen=True)
class FetchProgress:
    """How far the walk is, after a page: what the progress dialog says."""

    pages: int
    read: int
    """Orders received so far (before the client-side filter)."""
    matching: int
    """Of those, how many the filters let through (what will be written)."""
    total: int | None
    """How many orders the server says its list holds, when it says."""


async def gather_matching(
    fetch_page: FetchPage,
    query: OrderQuery,
    local_filter: LocalFilter,
    *,
    progress: Callable[[FetchProgress], None],
    cancelled: Callable[[], bool],
    page_size: int = EXPORT_PAGE_SIZE,
) -> list[OrderRow]:
    """The rows of every order the server lists for `query` that `local_filter` matches, in
    the server's order. Checks `cancelled` after each page, so a Cancel stops once the page in
    flight has arrived. A list that ended early (a server repeating pages, the page cap)
    raises rather than pass part of the history off as all of it."""

    async def fetch(number: int, size: int) -> Page[Order]:
        return await fetch_page(query, number, size)

    cursor = PageCursor(size=page_size, what="CSV export")
    rows: list[OrderRow] = []
    seen: set[int] = set()
    pages = 0
    async for page in walk_pages(fetch, cursor):
        pages += 1
        for order in page.content:
            row = OrderRow.from_order(order)
            # An order placed while the walk runs pushes the list down a place: the order at
            # the foot of one page comes again at the head of the next. Once is enough.
            if row.order_id in seen:
                continue
            if order.id is not None:
                seen.add(row.order_id)
            if local_filter.matches(row):
                rows.append(row)
        progress(FetchProgress(pages, cursor.seen, len(rows), cursor.total))
        if cancelled():
            raise ExportCancelledError
    if cursor.stop is not None and not cursor.stop.complete:
        raise incomplete_list(cursor)
    return rows


__all__ = [
    "EXPORT_PAGE_SIZE",
    "ExportCancelledError",
    "FetchPage",
    "FetchProgress",
    "gather_matching",
]
