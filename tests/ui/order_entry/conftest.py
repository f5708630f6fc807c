"""Fixtures for the New order page (the bridge and real services on the sandbox come from
tests/ui/conftest.py), plus the outbox started and the pickers loaded."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest
from pytestqt.qtbot import QtBot

from impilo_desktop.ui.order_entry.view import OrderEntryView
from impilo_desktop.ui.plumbing.bridge import AsyncBridge
from impilo_desktop.ui.plumbing.services import AppServices

T = TypeVar("T")
WAIT_MS = 30_000


@pytest.fixture
def started(qtbot: QtBot, services: AppServices) -> AppServices:
    """Services with the outbox running and the reference cache filled from the sandbox."""
    with qtbot.waitSignal(services.outbox.reference_refreshed, timeout=WAIT_MS) as blocker:
        services.outbox.start()
    assert blocker.args == [True]
    return services


def make_view(qtbot: QtBot, services: AppServices) -> OrderEntryView:
    """A New order page with its pickers loaded from the cache."""
    view = OrderEntryView(services)
    qtbot.addWidget(view)
    view.resize(1000, 1100)
    view.show()
    picker = view.form.patient_picker
    qtbot.waitUntil(lambda: len(picker.model.records) > 0, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(view.form.item_search.model.records) > 0, timeout=WAIT_MS)
    return view


@pytest.fixture
def view(qtbot: QtBot, started: AppServices) -> OrderEntryView:
    return make_view(qtbot, started)


def run(qtbot: QtBot, bridge: AsyncBridge, coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on the bridge and wait (with Qt events flowing) for its result."""
    job = bridge.submit(coro)
    qtbot.waitUntil(job.done, timeout=WAIT_MS)
    result: T = job.future.result()
    return result
