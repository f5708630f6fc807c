"""The drain's hot SQLite writes, off the event loop's thread: the `sending` marks of a batch
and the `sent` marks.

A `sending` commit waits for the disk (fsync, a few milliseconds on an ordinary laptop
drive); on the loop's thread that wait stopped every create in flight from being read and
answered. Here it runs on one thread of the drain's own, with that thread's own SQLite
connection (the store's rule: one connection per thread), one write at a time in the order
asked: the loop awaits each before it goes on, so a batch's `sending` is on disk before its
creates start, as before, and an entry's `sent` can only follow its own `sending`. Meanwhile
the loop reads the answers of the creates already in flight.

The pipeline records the `sent` marks of the orders that landed with the next batch's
`sending` marks, in one transaction (`Store.mark_sent_and_sending`, sync/pipeline.py).

Outside a drain (before `__aenter__`) the writes run inline, on the caller's thread.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from impilo_desktop.store import Store

P = ParamSpec("P")
T = TypeVar("T")


class StoreWrites:
    """One thread for the store writes of one drain (`async with`), closed with it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._pool: ThreadPoolExecutor | None = None

    async def __aenter__(self) -> StoreWrites:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-writes")
        return self

    async def __aexit__(self, *exc: object) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # Whatever was asked of it finishes first (a write is never cut short); then the
        # thread's connection is closed on that thread, and the thread ends.
        try:
            pool.submit(self.store.release_connection)
        finally:
            pool.shutdown(wait=True)

    async def run(self, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`work(*args, **kwargs)` on the writes thread; its result or its exception. If the
        caller is cancelled meanwhile, the write still completes (or fails) on its own."""
        if self._pool is None:
            return work(*args, **kwargs)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(work, *args, **kwargs))
