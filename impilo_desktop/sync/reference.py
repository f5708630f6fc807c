"""Refreshing the reference data the order form picks from (patients, sites, items, kits)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.errors import ImpiloError
from impilo_desktop.api.models import ApiModel
from impilo_desktop.api.paging import PageCursor, PageFetcher, incomplete_list, walk_pages
from impilo_desktop.memory import return_freed_memory
from impilo_desktop.store import ReferenceKind, Store
from impilo_desktop.sync.connectivity import Connectivity
from impilo_desktop.sync.sender import ClientFactory

log = logging.getLogger(__name__)

ALL_KINDS: tuple[ReferenceKind, ...] = (
    ReferenceKind.SITE,
    ReferenceKind.ITEM,
    ReferenceKind.KIT,
    ReferenceKind.PATIENT,
)

RefreshProgress = Callable[[ReferenceKind, int, int], None]
"""`progress(kind, done, total)`: records of `kind` stored so far out of `total`."""


@dataclass
class RefreshReport:
    """How many records of each kind were stored, and how many stale ones dropped."""

    stored: dict[ReferenceKind, int] = field(default_factory=dict)
    dropped: dict[ReferenceKind, int] = field(default_factory=dict)


def _fetcher(client: ImpiloClient, kind: ReferenceKind) -> PageFetcher[Any]:
    if kind == ReferenceKind.PATIENT:
        return lambda page, size: client.list_patients(page=page, size=size)
    if kind == ReferenceKind.SITE:
        return lambda page, size: client.list_sites(page=page, size=size)
    if kind == ReferenceKind.ITEM:
        return lambda page, size: client.list_items(page=page, size=size)
    # Archived kits too: a draft or an old order may name one; the form hides them.
    return lambda page, size: client.list_kits(page=page, size=size)


class ReferenceRefresher:
    """Copies reference data into the store page by page.

    Each page is committed as it arrives, so a cancelled or failed refresh keeps what it got;
    only a complete pass of a kind drops records Impilo no longer lists and stamps the fetch
    time. Cancel by cancelling the task running `refresh` (asyncio cancellation), or, to let
    the request in flight finish first, with `stop_after_page`.
    """

    def __init__(
        self,
        store: Store,
        client_factory: ClientFactory,
        *,
        connectivity: Connectivity | None = None,
        page_size: int = 100,
    ) -> None:
        self.store = store
        self.client_factory = client_factory
        self.connectivity = connectivity or Connectivity()
        self.page_size = page_size
        self._stopping = False

    def stop_after_page(self) -> None:
        """On the refresh's loop: end a running refresh (and any later one) once the page on
        its way is stored, as if its task were cancelled there. At quit the app waits for
        requests in flight, not for every page of a 100,000-patient refresh."""
        self._stopping = True

    def resume(self) -> None:
        """On the refresh's loop: refreshes run again after `stop_after_page` (a controller
        started again after it was stopped)."""
        self._stopping = False

    async def refresh(
        self,
        kinds: Sequence[ReferenceKind] = ALL_KINDS,
        *,
        progress: RefreshProgress | None = None,
    ) -> RefreshReport:
        """Fetch every page of each kind. Raises the first `ImpiloError` (after updating the
        connectivity state); the kinds finished before it stay refreshed."""
        if self._stopping:
            raise asyncio.CancelledError
        report = RefreshReport()
        try:
            async with self.client_factory() as client:
                for kind in kinds:
                    try:
                        stored, dropped = await self._refresh_kind(client, kind, progress)
                    except ImpiloError as error:
                        self.connectivity.report_error(error)
                        log.warning("Refreshing %ss failed: %s", kind.value, error.detail or error)
                        raise
                    report.stored[kind] = stored
                    report.dropped[kind] = dropped
        finally:
            # The pages' bodies, parsed records and the ids seen are garbage now, however
            # the refresh ended: tens of MiB at 100,000 patients (impilo_desktop/memory.py),
            # and the pages this thread's SQLite connection cached writing them.
            self.store.shrink_memory()
            return_freed_memory("the reference refresh")
        return report

    async def _refresh_kind(
        self, client: ImpiloClient, kind: ReferenceKind, progress: RefreshProgress | None
    ) -> tuple[int, int]:
        fetch = _fetcher(client, kind)
        seen: set[int] = set()
        cursor = PageCursor(size=self.page_size, what=f"{kind.value} list")
        async for page in walk_pages(fetch, cursor):
            self.connectivity.report_success()
            records: list[ApiModel] = list(page.content)
            self.store.store_reference_page(kind, records)
            seen.update(i for r in records if (i := getattr(r, "id", None)) is not None)
            if progress:
                progress(kind, len(seen), max(cursor.total or 0, len(seen)))
            if self._stopping:
                raise asyncio.CancelledError
            # Let the loop breathe between pages (UI work, cancellation) even when the
            # transport answers without suspending.
            await asyncio.sleep(0)
        if cursor.stop is not None and not cursor.stop.complete:
            # What arrived is kept, but nothing is dropped: the list was not seen whole.
            raise incomplete_list(cursor)
        dropped = self.store.finish_reference_refresh(kind, seen)
        return len(seen), dropped
