"""The online light's evidence: every exchange the app already has with Impilo, and a light
probe only when nothing has been heard for a while.

Every request of the shared client (the outbox, the reference refresh, the order history)
tells `ConnectionProbe.heard` how it went: any answer from the server is news that Impilo can
be reached, a connection that failed is news that it cannot. The probe itself asks only when
nothing was heard for the current wait. That wait is short after a change (the light just
went offline, came back, a new key) and backs off while nothing changes, following a
`RetryPolicy`; its ceiling keeps both promises of the light: Offline within 15 s of the
server going away while nothing else is talking to it, Online within 15 s of its return
(`PROBE_BACKOFF`: at most 9 s between probes, plus a connection attempt of at most 5 s).

Plain asyncio, on the loop of the client it observes (the bridge loop in the window); the
window only starts, wakes and stops it from there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from impilo_desktop.api.errors import AuthenticationError, ImpiloError
from impilo_desktop.api.retry import RetryPolicy
from impilo_desktop.sync.connectivity import Connectivity

log = logging.getLogger(__name__)

# Waits between probes while nothing is heard: 0.5-1 s after a change, doubling to 4.5-9 s.
PROBE_BACKOFF = RetryPolicy(base_delay=1.0, max_delay=9.0)

Check = Callable[[], Awaitable[bool]]
"""Makes the probe request and returns True, or returns False when there is nothing to ask
(no key, a refused key): its answer reaches `heard` through the client's observer."""


class ConnectionProbe:
    """Keeps `connectivity` current from what the app hears, probing only in silence.

    `check` makes the probe request (see `Check`); `schedule` is the backoff between probes
    (tests pass short, jitter-free waits); `clock` is monotonic seconds. `requests` counts
    the probe requests made, so a test can tell how many the light cost.
    """

    def __init__(
        self,
        check: Check,
        connectivity: Connectivity,
        *,
        schedule: RetryPolicy = PROBE_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._check = check
        self._connectivity = connectivity
        self.schedule = schedule
        self._clock = clock
        self._step = 1  # probes since the last change, for the backoff
        self._wait = schedule.backoff(1)
        self._last = clock()  # the last time the server was heard from (or probed)
        self._wake: asyncio.Event | None = None
        self._stopped = False
        self.requests = 0

    # -- what the client and the window tell it (on the loop) -------------------------------

    def heard(self, error: ImpiloError | None) -> None:
        """An exchange with the server ended: an answer (`None`, or the refusal it became)
        or a connection that failed. The client's observer; runs on the loop.

        A refused key is left to those whose refusal means the key (the outbox, the refresh,
        the probe itself): a 403 for one order's void must not stop the outbox."""
        if isinstance(error, AuthenticationError):
            return
        before = self._connectivity.state
        if error is None:
            self._connectivity.report_success()
        else:
            self._connectivity.report_error(error)
        self._last = self._clock()
        if self._connectivity.state != before:
            self._restart_backoff()

    def wake(self) -> None:
        """Something changed that the light depends on (a new key, a new route, the start):
        probe soon, unless another request answers first."""
        self._last = self._clock()
        self._restart_backoff()

    def stop(self) -> None:
        """End `run` now (it would otherwise sleep until the next probe)."""
        self._stopped = True
        self._notify()

    def set_schedule(self, schedule: RetryPolicy) -> None:
        self.schedule = schedule
        self._restart_backoff()

    # -- the probe itself ------------------------------------------------------------------------

    def due_in(self) -> float:
        """Seconds until the next probe (0 or less: due now)."""
        return self._last + self._wait - self._clock()

    async def probe_if_due(self) -> bool:
        """Probe when nothing was heard for the current wait; True when a request was made."""
        if self.due_in() > 0:
            return False
        self._step += 1
        self._wait = self.schedule.backoff(self._step)
        self._last = self._clock()
        try:
            asked = await self._check()
        except ImpiloError as error:
            # Refused before anything left (a key that cannot be sent): say so as well.
            self._connectivity.report_error(error)
            asked = True
        except Exception:
            # A closed client during a profile switch, say: the light waits for the next one.
            log.warning("The connection probe failed", exc_info=True)
            asked = False
        if asked:
            self.requests += 1
        return asked

    async def run(self) -> None:
        """Probe whenever due until `stop`; sleeps in between, woken early by `wake`."""
        self._wake = asyncio.Event()
        while not self._stopped:
            wait = self.due_in()
            if wait > 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._wake.wait()
                continue
            await self.probe_if_due()

    def _restart_backoff(self) -> None:
        self._step = 1
        self._wait = self.schedule.backoff(1)
        self._notify()

    def _notify(self) -> None:
        if self._wake is not None:
            self._wake.set()
