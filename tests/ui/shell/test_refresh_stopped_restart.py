"""Stopping the reference refresh while a new key waits for it: the new key still takes
over, and the outbox goes on sending (it waited for good: nothing was sent until a restart)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import sandbox_draft, submit


def test_a_new_key_waiting_for_a_stopped_refresh_still_takes_over(
    qtbot: QtBot, online_window: MainWindow, sandbox: SandboxServer
) -> None:
    window = online_window
    outbox = window.services.outbox
    qtbot.waitUntil(lambda: not outbox.refreshing and not outbox.sending, timeout=15_000)
    sandbox.faults.latency = 1.0  # the refresh's first page takes a second
    outbox.refresh_references()
    assert outbox.refreshing
    outbox.key_replaced()  # as Settings does when a key is saved: waits for the refresh
    outbox.cancel_refresh()  # the coordinator stops the refresh from the status bar
    sandbox.faults.latency = 0.0

    with qtbot.waitSignal(outbox.entry_sent, timeout=15_000):
        submit(qtbot, window, sandbox_draft())
