"""The app collects reference cycles on the UI thread, never on a worker thread."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from impilo_desktop.ui.plumbing.ui_thread_gc import UiThreadGarbageCollector


class Cycle:
    """A reference cycle that records the thread that finalises it."""

    finalised_on: list[str] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        Cycle.finalised_on.append(threading.current_thread().name)


@pytest.fixture
def collector(qapp: QApplication) -> Iterator[UiThreadGarbageCollector]:
    enabled = gc.isenabled()
    c = UiThreadGarbageCollector(qapp, interval_ms=10)
    yield c
    c.stop()
    assert gc.isenabled() == enabled


def test_cycles_are_collected_on_the_ui_thread(
    qtbot: QtBot, collector: UiThreadGarbageCollector
) -> None:
    assert not gc.isenabled()
    Cycle.finalised_on.clear()

    def make_garbage() -> None:
        # Far past gen-0's threshold: automatic gc would have collected on this thread.
        for _ in range(gc.get_threshold()[0] * 3):
            Cycle()

    worker = threading.Thread(target=make_garbage, name="worker")
    worker.start()
    worker.join()
    assert Cycle.finalised_on == []  # nothing collected on the worker

    qtbot.waitUntil(lambda: bool(Cycle.finalised_on))
    assert set(Cycle.finalised_on) == {threading.main_thread().name}


def test_stop_restores_automatic_collection(qapp: QApplication) -> None:
    before = gc.isenabled()
    c = UiThreadGarbageCollector(qapp)
    assert not gc.isenabled()
    c.stop()
    assert gc.isenabled() == before
