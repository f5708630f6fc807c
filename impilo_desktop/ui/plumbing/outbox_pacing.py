"""When the outbox is sent without anybody asking: a drain every 30 seconds while online, and
one when the next waiting entry's retry time comes (waited for five minutes at most at a
time). The outbox controller (outbox_controller.py) owns the two timers through this part;
what a drain does is outbox_sending.py's.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer

DRAIN_INTERVAL_MS = 30_000
MAX_RETRY_WAIT_MS = 5 * 60_000


class DrainPacing:
    """The periodic drain's timer (`tick`) and the retry timer (`retry`), both children of
    `parent` (`outboxTimer`, `outboxRetryTimer`)."""

    def __init__(
        self, parent: QObject, *, tick: Callable[[], None], retry: Callable[[], None]
    ) -> None:
        self._timer = QTimer(parent)
        self._timer.setObjectName("outboxTimer")
        self._timer.timeout.connect(tick)
        self._retry_timer = QTimer(parent)
        self._retry_timer.setObjectName("outboxRetryTimer")
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(retry)
        for timer in (self._timer, self._retry_timer):
            # Orders wait on these: no slack for the OS to coalesce them into later wake-ups
            # (macOS adds it to coarse timers). App Nap, which slows a hidden app's timers
            # anyway, is switched off in the macOS bundle (NSAppSleepDisabled).
            timer.setTimerType(Qt.TimerType.PreciseTimer)

    def start(self) -> None:
        """Drain periodically from now on."""
        self._timer.start(DRAIN_INTERVAL_MS)

    def stop(self) -> None:
        """No drain from either timer any more."""
        self._timer.stop()
        self._retry_timer.stop()

    def cancel_retry(self) -> None:
        """A drain is starting or the key or route changed: the retry waiting is not needed."""
        self._retry_timer.stop()

    def retry_when_due(self, due: float) -> None:
        """Drain when `due` (a time.time() value) comes, at most five minutes from now."""
        wait_ms = max(0, min(MAX_RETRY_WAIT_MS, int((due - time.time()) * 1000)))
        self._retry_timer.start(max(wait_ms, 250))
