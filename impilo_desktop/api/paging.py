"""Walking a paged list, and when to stop: the one place that decides it.

Impilo's lists are 1-based pages with `last`, `page`, `size` and `total`, any of which a
server may leave out or get wrong. A list is read until one of these, whichever comes first
(each stop is logged):

- the server says the page is the `last`;
- a page comes back empty;
- as many objects as the server's `total` have arrived (when it gives one);
- the page number does not advance (a server that ignores `page` sends page 1 for ever);
- the same page comes twice (the same ids as the page before, whatever its number says);
- `max_pages` pages were read (a hard cap, so no server can make the app hammer it).

The first three end a list *completely*; the others end it early, and the caller must not
treat what it got as the whole list (the reference cache, for one, then keeps records it did
not see again instead of dropping them). The async walk (`walk_pages`) serves the client and
the reference refresh; `PageCursor` alone serves the history list, which asks for one page at
a time as the coordinator scrolls.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, TypeVar

from impilo_desktop.api.errors import UnexpectedResponse
from impilo_desktop.api.models import Page

log = logging.getLogger(__name__)

T = TypeVar("T")

# The most pages one walk reads: at 100 objects a page, 200,000 objects (twice the largest
# account we know of). A list longer than that is cut short, loudly.
MAX_PAGES: Final = 2_000


class PageStop(StrEnum):
    """Why a walk over a list ended."""

    LAST = "the server marked the last page"
    EMPTY = "an empty page"
    TOTAL = "the server's total was reached"
    STUCK = "the page number did not advance"
    REPEATED = "the same page came twice"
    CAP = "the page limit was reached"

    @property
    def complete(self) -> bool:
        """True when the list was read to its real end."""
        return self in (PageStop.LAST, PageStop.EMPTY, PageStop.TOTAL)


@dataclass
class PageCursor:
    """Which page to ask for next, and whether the list has ended.

    Call `accept(page)` with each page received (asked for as `number`); it says whether the
    page's content is new and, when the list ends, sets `stop`.
    """

    size: int
    what: str = "list"
    max_pages: int = MAX_PAGES
    number: int = 1
    seen: int = 0
    total: int | None = None
    stop: PageStop | None = None
    stop_detail: str = ""
    _previous_ids: list[Any] | None = field(default=None, repr=False)

    @property
    def done(self) -> bool:
        return self.stop is not None

    def accept(self, page: Page[Any]) -> bool:
        """Account for the page just received; False when its content repeats one already
        received (and must not be used)."""
        if self.stop is not None:
            raise RuntimeError(f"{self.what}: a page arrived after the list ended")
        asked = self.number
        if page.page is not None and page.page != asked:
            return self._end(PageStop.STUCK, f"asked for page {asked}, got page {page.page}")
        ids = [getattr(entry, "id", None) for entry in page.content]
        if ids and ids == self._previous_ids and any(i is not None for i in ids):
            return self._end(PageStop.REPEATED, f"page {asked} repeats page {asked - 1}")
        self._previous_ids = ids
        self.seen += len(page.content)
        if page.total is not None:
            self.total = page.total
        if page.last:
            self._end(PageStop.LAST, f"page {asked}")
        elif not page.content:
            self._end(PageStop.EMPTY, f"page {asked}")
        elif self.total is not None and self.seen >= self.total:
            self._end(PageStop.TOTAL, f"{self.seen} of {self.total} after page {asked}")
        elif asked >= self.max_pages:
            self._end(PageStop.CAP, f"{asked} pages, {self.seen} objects")
        else:
            self.number += 1
        return True

    def _end(self, stop: PageStop, detail: str) -> bool:
        self.stop = stop
        self.stop_detail = detail
        level = logging.DEBUG if stop.complete else logging.WARNING
        log.log(level, "%s: stopped paging, %s (%s)", self.what, stop.value, detail)
        return False


PageFetcher = Callable[[int, int], Awaitable[Page[T]]]
"""`fetch(page_number, size)`: one page of a list."""


async def walk_pages(fetch: PageFetcher[T], cursor: PageCursor) -> AsyncIterator[Page[T]]:
    """Every new page of a list, until `cursor` says it ended (see the module doc). Read
    `cursor.stop` afterwards to learn whether the list was complete."""
    while not cursor.done:
        page = await fetch(cursor.number, cursor.size)
        if cursor.accept(page):
            yield page


def incomplete_list(cursor: PageCursor) -> UnexpectedResponse:
    """The error for a list that ended early, in words for the coordinator."""
    assert cursor.stop is not None
    if cursor.stop == PageStop.CAP:
        message = f"Impilo sent a list that does not end; stopped after {cursor.number} pages."
    else:
        message = "Impilo sent the same page of a list again; only the first pages were read."
    return UnexpectedResponse(
        message,
        detail=f"{cursor.what}: {cursor.stop.value} ({cursor.stop_detail});"
        f" {cursor.seen} objects read",
    )
