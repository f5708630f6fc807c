"""Python's cyclic garbage collector, run on the UI thread only.

Automatic collection runs on whichever thread happens to allocate when a threshold is
crossed; here that is often the bridge's asyncio thread. If a reference cycle holds a Qt
object that Python owns, collecting it there deletes the object on the wrong thread, which
Qt answers with a crash. So automatic collection is switched off while the app runs and the
same thresholds are checked from a UI-thread timer instead (the pattern calibre and several
PyQt applications use).

`create_app` installs it (`install_ui_thread_gc`), so the app, the self-test, the benchmarks
and the tests all run under the same policy; a collection on a worker thread once hung the
test suite (a cycle holding a Qt object, finalised on a thread that then waited for the GIL
while the UI thread held it and waited for Qt's lock).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

OBJECT_NAME = "uiThreadGarbageCollector"


class UiThreadGarbageCollector(QObject):
    """Collects on the UI thread when gc's own thresholds say it is time."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = 500) -> None:
        super().__init__(parent)
        self.setObjectName(OBJECT_NAME)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> int:
        """Collect the oldest generation whose threshold is exceeded; returns it (-1: none)."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        generation = -1
        for gen in (2, 1, 0):
            if thresholds[gen] and counts[gen] > thresholds[gen]:
                generation = gen
                break
        if generation >= 0:
            gc.collect(generation)
        return generation

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def stop(self) -> None:
        """Back to automatic collection (the event loop has ended)."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()


def install_ui_thread_gc(app: QCoreApplication) -> UiThreadGarbageCollector:
    """The application's collector, created on first call (the same one afterwards)."""
    existing = app.findChild(UiThreadGarbageCollector, OBJECT_NAME)
    if isinstance(existing, UiThreadGarbageCollector) and existing.running:
        return existing
    return UiThreadGarbageCollector(app)
