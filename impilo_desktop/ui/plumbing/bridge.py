"""The bridge between the Qt UI thread and the asyncio core.

The core is plain asyncio. It runs on one service thread with its own event loop; the UI
submits coroutines and gets results back *on the UI thread* through a queued Qt signal. We
chose a service thread over qasync because it keeps every network and SQLite step off the UI
thread by construction, and pytest-qt's `waitUntil`/`waitSignal` drive it without special
loop set-up. The one shared `ImpiloClient` lives on this loop and is closed before it stops.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)
T = TypeVar("T")

# How long shutdown lets requests in flight end by themselves before cancelling them:
# cancelling an httpx request while it connects leaks its socket (a ResourceWarning), and on a
# loaded machine a loopback request can take well over a few hundred milliseconds.
SHUTDOWN_GRACE_SECONDS = 3.0

ResultCallback = Callable[[Any], None]
_CANCELLED = object()  # marks a cancelled job's delivery (its callbacks are just dropped)
ErrorCallback = Callable[[BaseException], None]


class Job:
    """A handle on submitted work: cancel it, or ask whether it is done."""

    def __init__(self, future: concurrent.futures.Future[Any]) -> None:
        self._future = future

    def cancel(self) -> None:
        self._future.cancel()

    def done(self) -> bool:
        return self._future.done()

    @property
    def future(self) -> concurrent.futures.Future[Any]:
        return self._future


class AsyncBridge(QObject):
    """Runs coroutines on a service thread; calls back on the UI thread."""

    # (job id, result, error) delivered through a queued connection onto the UI thread.
    _deliver = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="impilo-async", daemon=True)
        self._closers: list[Callable[[], Coroutine[Any, Any, None]]] = []
        # Always queued: when a coroutine finishes before `submit` has returned, the done
        # callback fires on the submitting (UI) thread, and an automatic connection would then
        # call back *inside* `submit`, before the caller has even stored its Job.
        self._deliver.connect(self._on_deliver, Qt.ConnectionType.QueuedConnection)
        self._started = False
        self._closed = False
        # Callbacks stay here, on the UI thread, until their job ends. The loop thread only
        # ever sees the job id: if it held the callbacks (bound methods of widgets), it could
        # drop the last reference to a widget there and Qt would free it on the wrong thread.
        self._callbacks: dict[int, tuple[Callable[[Any], None] | None, ErrorCallback | None]] = {}
        self._job_ids = itertools.count(1)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.set_exception_handler(self._on_loop_exception)
        self._loop.run_forever()
        self._loop.close()

    @staticmethod
    def _on_loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        log.error(
            "Unhandled error in background work: %s",
            context.get("message"),
            exc_info=context.get("exception"),
        )

    def submit(
        self,
        coro: Coroutine[Any, Any, T],
        *,
        on_result: Callable[[T], None] | None = None,
        on_error: ErrorCallback | None = None,
    ) -> Job:
        """Schedule `coro` on the service loop. Callbacks run on the UI thread; a cancelled
        job calls neither. After `close()` the work is dropped (a cancelled job): late UI
        callbacks of closing pages must not fail."""
        if self._closed:
            coro.close()
            dropped: concurrent.futures.Future[Any] = concurrent.futures.Future()
            dropped.cancel()
            return Job(dropped)
        self.start()
        job_id = next(self._job_ids)
        self._callbacks[job_id] = (on_result, on_error)
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        deliver = self._deliver

        def done(fut: concurrent.futures.Future[Any]) -> None:
            if fut.cancelled():
                deliver.emit(job_id, _CANCELLED, None)
                return
            error = fut.exception()
            deliver.emit(job_id, None if error is not None else fut.result(), error)

        future.add_done_callback(done)
        return Job(future)

    def call(
        self,
        func: Callable[..., T],
        *args: Any,
        on_result: Callable[[T], None] | None = None,
        on_error: ErrorCallback | None = None,
    ) -> Job:
        """Run a short blocking call (a store read or write, a keyring look-up) on the
        service loop's own thread, callbacks on the UI thread. Calls run in the order they
        were made. Not a thread pool: pool threads outlive the bridge's shutdown and could
        still be inside SQLite when the store closes."""

        async def run() -> T:
            return func(*args)

        return self.submit(run(), on_result=on_result, on_error=on_error)

    def add_closer(self, closer: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Register async clean-up (e.g. closing the HTTP client) run by `close()`."""
        self._closers.append(closer)

    def close(self, timeout: float = 5.0) -> None:
        """End the work in flight (a grace period, then cancel), run the closers, stop the loop."""
        self._closed = True
        if self._loop.is_closed():
            return
        if not self._started:
            self._loop.close()  # never ran: nothing to stop, but free its selector
            return

        async def shutdown() -> None:
            # Requests in flight first get a moment to end by themselves, then the rest is
            # cancelled, and only then do the closers (the HTTP client) run: closing a client
            # under a request that is still connecting leaks that request's socket.
            pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            if pending:
                await asyncio.wait(pending, timeout=SHUTDOWN_GRACE_SECONDS)
            # Cancelling can start new tasks (e.g. a connection attempt's clean-up), so
            # repeat until nothing is left, or the loop would stop with tasks never run.
            for _ in range(5):
                tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
                if not tasks:
                    break
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                await asyncio.sleep(0)
            for closer in reversed(self._closers):
                try:
                    await closer()
                except Exception:
                    log.exception("Error while closing")

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout)
        except (concurrent.futures.TimeoutError, RuntimeError):
            log.warning("Background work did not stop within %.1f s", timeout)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)

    @Slot(int, object, object)
    def _on_deliver(self, job_id: int, result: Any, error: BaseException | None) -> None:
        on_result, on_error = self._callbacks.pop(job_id, (None, None))
        if self._closed or result is _CANCELLED:
            return  # shutting down, or cancelled: nobody is waiting for this result
        try:
            if error is None:
                if on_result is not None:
                    on_result(result)
            elif on_error is not None:
                on_error(error)
            else:
                log.error("Background work failed", exc_info=error)
        except RuntimeError as exc:
            if "already deleted" not in str(exc):
                log.exception("Error in a UI callback")
            else:
                # The page that asked was closed meanwhile (e.g. rebuilt for another
                # account): its answer has nowhere to go.
                log.debug("Dropped the answer for a closed page: %s", exc)
        except Exception:
            log.exception("Error in a UI callback")
