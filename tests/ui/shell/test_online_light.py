"""The status bar's online light tells the truth by itself: Offline soon after the server
goes away and Online soon after it returns, with nobody submitting anything, and without
probing while the app's own requests already say how things stand."""

from __future__ import annotations

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


def started(make_window: MakeWindow, argv: list[str], schedule: RetryPolicy) -> MainWindow:
    window = make_window(*argv, start=False)
    window.services.outbox.set_probe_schedule(schedule)
    window.show()
    window.start()
    return window


def light(window: MainWindow) -> str:
    return window.status.connection.label.text()


def test_the_light_goes_offline_and_back_by_itself(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    custom_argv: list[str],
    keys: KeyStore,
) -> None:
    keys.set_key("custom", sandbox.api_key)
    window = started(make_window, custom_argv, QUICK)
    qtbot.waitUntil(lambda: light(window) == "Online", timeout=15_000)
    outbox = window.services.outbox

    sandbox.stop()  # nobody submits, nobody opens a page
    qtbot.waitUntil(lambda: light(window) == "Offline", timeout=15_000)
    assert "Cannot reach Impilo" in window.status.connection.toolTip()
    asked_offline = outbox.probe.requests

    sandbox.start()
    qtbot.waitUntil(lambda: light(window) == "Online", timeout=15_000)
    assert outbox.probe.requests > asked_offline  # it was the probe that found it back


def test_no_probe_while_the_outbox_talks_to_the_server(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    custom_argv: list[str],
    keys: KeyStore,
) -> None:
    keys.set_key("custom", sandbox.api_key)
    window = started(make_window, custom_argv, NEVER)
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
