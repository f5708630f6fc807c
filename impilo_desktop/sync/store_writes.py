"""The drain's hot SQLite writes, off the event loop's thread: the `sending` marks of a batch
and the `sent` marks.

A `sending` commit waits for the disk (fsync, a few milliseconds on an ordinary laptop
drive); on the loop's thread that wait stopped every create in flight from being read and
answered. Here it runs on one thread of the drain's own, with that thread's own SQLite
connection (the store's rule: one connection per thread), one write at a time in the order
asked: the loop awaits each before it goes on, so a batch's `sending` is on disk before its
creates start, as before, and an entry's `sent` can only follow its own `sending`. Meanwhile
the loop reads the answers of the creates already in flight.

The `sent` marks of creates that finish while the thread is busy (typically during a batch's
`sending` fsync) are committed together, in one transaction (`Store.mark_sent_batch`).

Outside a drain (before `__aenter__`) the writes run inline, on the caller's thread.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from impilo_desktop.api.models import Order
from impilo_desktop.store import Store

P = ParamSpec("P")
T = TypeVar("T")


class StoreWrites:
    """One thread for the store writes of one drain (`async with`), closed with it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._pool: ThreadPoolExecutor | None = None
        # `sent` marks asked for and not yet taken by the thread; each with its future.
        self._sent: list[tuple[int, Order, str, asyncio.Future[bool]]] = []
        self._sent_lock = threading.Lock()

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

    async def mark_sent(self, entry_id: int, order: Order, detail: str) -> bool:
        """The entry is `sent`, its order cached (one commit, not durable: see
        `Store.mark_sent`); False when it was settled meanwhile (left as it is). Marks asked
        for while the thread is busy are committed together when it is free."""
        if self._pool is None:
            return bool(self.store.mark_sent_batch([(entry_id, order, detail)]))
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        with self._sent_lock:
            self._sent.append((entry_id, order, detail, future))
            first = len(self._sent) == 1
        if first:  # otherwise a commit already asked for takes this one too
            self._pool.submit(self._commit_sent, loop)
        return await future

    def _commit_sent(self, loop: asyncio.AbstractEventLoop) -> None:
        """On the writes thread: every `sent` mark asked for so far, in one transaction."""
        with self._sent_lock:
            batch, self._sent = self._sent, []
        try:
            marked = set(self.store.mark_sent_batch([(i, o, d) for i, o, d, _ in batch]))
        except BaseException as error:
            for *_, future in batch:
                loop.call_soon_threadsafe(_fail, future, error)
            return
        for entry_id, _, _, future in batch:
            loop.call_soon_threadsafe(_settle, future, entry_id in marked)


def _settle(future: asyncio.Future[bool], value: bool) -> None:
    if not future.done():  # its create was cancelled meanwhile; the mark stands
        future.set_result(value)


def _fail(future: asyncio.Future[bool], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
