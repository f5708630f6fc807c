"""The status bar's online light tells the truth by itself: Offline soon after the server
goes away and Online soon after it returns, with nobody submitting anything, and without
probing while the app's own requests already say how things stand."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from impilo_desktop.api.retry import RetryPolicy
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.secrets import KeyStore
from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import MakeWindow, sandbox_draft, submit, wait_online

# Short, jitter-free waits between probes (the app's own are 0.5 s to 9 s).
QUICK = RetryPolicy(base_delay=0.05, max_delay=0.2, random=lambda: 1.0)
# Waits longer than any test: a probe during the test would be a mistake.
NEVER = RetryPolicy(base_delay=600.0, max_delay=600.0, random=lambda: 1.0)


OpenWindow = Callable[[RetryPolicy], MainWindow]


@pytest.fixture
def open_window(
    make_window: MakeWindow, sandbox: SandboxServer, custom_argv: list[str], keys: KeyStore
) -> OpenWindow:
    """Open the custom account (with its key) on the sandbox, its probe on `schedule` from
    before the first request."""

    def open_with(schedule: RetryPolicy) -> MainWindow:
        keys.set_key("custom", sandbox.api_key)
        window = make_window(*custom_argv, start=False)
        window.services.outbox.set_probe_schedule(schedule)
        window.show()
        window.start()
        return window

    return open_with


def light(window: MainWindow) -> str:
    return window.status.connection.label.text()


def test_the_light_goes_offline_and_back_by_itself(
    qtbot: QtBot, open_window: OpenWindow, sandbox: SandboxServer
) -> None:
    window = open_window(QUICK)
    qtbot.waitUntil(lambda: light(window) == "Online", timeout=15_000)
    outbox = window.services.outbox
    # The start-up refresh and drain have ended: from here on only the probe asks.
    qtbot.waitUntil(lambda: not outbox.refreshing and not outbox.sending, timeout=15_000)

    outbox.set_probe_schedule(NEVER)
    sandbox.stop()  # nobody submits, nobody opens a page
    qtbot.waitUntil(lambda: not outbox.refreshing and not outbox.sending, timeout=15_000)
    asked_online = outbox.probe.requests
    assert light(window) == "Online"  # nothing has asked since
    outbox.set_probe_schedule(QUICK)
    qtbot.waitUntil(lambda: light(window) == "Offline", timeout=15_000)
    assert "Cannot reach Impilo" in window.status.connection.toolTip()
    # Nothing else talks to the server: it was a probe that found it gone.
    qtbot.waitUntil(lambda: outbox.probe.requests > asked_online, timeout=15_000)
    asked_offline = outbox.probe.requests

    sandbox.start()
    qtbot.waitUntil(lambda: light(window) == "Online", timeout=15_000)
    # And a probe that found it back: nothing else asks while the light says Offline.
    qtbot.waitUntil(lambda: outbox.probe.requests > asked_offline, timeout=15_000)


def test_back_online_keeps_the_wait_the_server_asked_for(
    qtbot: QtBot, open_window: OpenWindow, sandbox: SandboxServer
) -> None:
    # No probe until the order is refused: a probe's request would take the forced fault.
    window = open_window(NEVER)
    wait_online(qtbot, window)  # from the start-up drain and refresh
    outbox = window.services.outbox
    qtbot.waitUntil(lambda: not outbox.refreshing and not outbox.sending, timeout=15_000)
    sandbox.faults.retry_after = 600  # "not now: in ten minutes"
    sandbox.faults.force("ratelimit")
    with qtbot.waitSignal(outbox.drain_finished, timeout=15_000):
        entry = submit(qtbot, window, sandbox_draft())
    assert outbox.summary.pending == 1

    outbox.set_probe_schedule(QUICK)  # the probe finds the server gone, and back
    sandbox.stop()
    qtbot.waitUntil(lambda: light(window) == "Offline", timeout=15_000)
    with qtbot.waitSignal(outbox.drain_finished, timeout=15_000) as drained:
        sandbox.start()  # back online: the drain for what waited on the network runs
    report = drained.args[0]
    assert entry.entry_id not in [result.entry_id for result in report.results]
    assert outbox.summary.pending == 1  # still waiting out the server's ten minutes


def test_no_probe_while_the_outbox_talks_to_the_server(
    qtbot: QtBot, open_window: OpenWindow, sandbox: SandboxServer
) -> None:
    window = open_window(NEVER)
    wait_online(qtbot, window)  # from the start-up drain and refresh, not from a probe
    outbox = window.services.outbox
    with qtbot.waitSignal(outbox.entry_sent, timeout=15_000):
        submit(qtbot, window, sandbox_draft())
    assert light(window) == "Online"
    assert outbox.probe.requests == 0

    # The order history's requests feed the light as well: a failed page says Offline.
    sandbox.stop()
    window.show_page("history")
    qtbot.waitUntil(lambda: light(window) == "Offline", timeout=15_000)
    assert outbox.probe.requests == 0


def test_no_probing_while_the_window_is_minimised(
    qtbot: QtBot, open_window: OpenWindow, sandbox: SandboxServer
) -> None:
    window = open_window(QUICK)
    wait_online(qtbot, window)
    probe = window.services.outbox.probe
    window.showMinimized()
    qtbot.waitUntil(lambda: probe.paused, timeout=5_000)
    window.showNormal()
    qtbot.waitUntil(lambda: not probe.paused, timeout=5_000)
    window.hide()
    qtbot.waitUntil(lambda: probe.paused, timeout=5_000)
    window.show()
    qtbot.waitUntil(lambda: not probe.paused, timeout=5_000)
