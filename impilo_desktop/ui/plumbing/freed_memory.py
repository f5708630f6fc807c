"""Returning freed memory once a burst of bridge work has gone quiet.

Pages of the order history arrive one after another while the coordinator scrolls (or "Load
all matching" runs): each is parsed into rows and saved to the order cache on the bridge
thread, and the garbage of each is freed into glibc's heap (impilo_desktop/memory.py). Giving
it back after every page would walk glibc's free lists a hundred times for 5,000 orders, so
the burst is noted page by page and the memory is returned once, on the bridge thread that
did the work, when no page has come for `QUIET_MS`.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from impilo_desktop.memory import return_freed_memory
from impilo_desktop.ui.plumbing.bridge import AsyncBridge

QUIET_MS = 1500


class FreedMemoryAfterBurst(QObject):
    """`noted()` for each piece of a burst; memory is returned once the burst is quiet."""

    def __init__(
        self,
        bridge: AsyncBridge,
        what: str,
        parent: QObject | None = None,
        quiet_ms: int = QUIET_MS,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._what = what
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(quiet_ms)
        self._timer.timeout.connect(self._quiet)

    def noted(self) -> None:
        """One more piece of the burst arrived: wait for quiet again."""
        self._timer.start()

    def _quiet(self) -> None:
        self._bridge.call(return_freed_memory, self._what)
