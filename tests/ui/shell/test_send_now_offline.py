"""Send now on Drafts & outbox says why nothing was sent, instead of doing nothing visibly."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from impilo_desktop.api.retry import RetryPolicy
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import EntryState
from impilo_desktop.sync import API_KEY_REJECTED, DrainReport
from impilo_desktop.ui.drafts.send_now import send_stopped_text
from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import sandbox_draft, submit

NEVER = RetryPolicy(base_delay=600.0, max_delay=600.0, random=lambda: 1.0)


def test_send_now_while_offline_says_why_nothing_was_sent(
    qtbot: QtBot, online_window: MainWindow, sandbox: SandboxServer
) -> None:
    window = online_window
    # The light's probe stays out of this: only the drains asked for below talk to Impilo.
    window.services.outbox.set_probe_schedule(NEVER)
    sandbox.stop()
    entry = submit(qtbot, window, sandbox_draft())
    outbox = window.services.outbox
    qtbot.waitUntil(lambda: outbox.state == "offline" and not outbox.sending, timeout=15_000)
    window.show_page("drafts")
    page = window.drafts_page
    qtbot.waitUntil(page.send_button.isEnabled, timeout=15_000)
    page.undo_bar.dismiss()

    with qtbot.waitSignal(outbox.send_stopped, timeout=15_000):
        qtbot.mouseClick(page.send_button, Qt.MouseButton.LeftButton)
    assert page.undo_bar.isVisible()
    said = page.undo_bar.text.text()
    assert said.startswith("Nothing was sent: Impilo cannot be reached right now.")
    assert "as soon as Impilo answers" in said
    assert window.services.store.get_entry(entry.entry_id).state == EntryState.QUEUED

    # Back online, Send now sends, and says nothing of the kind.
    sandbox.start()
    page.undo_bar.dismiss()
    with qtbot.waitSignal(outbox.entry_sent, timeout=15_000):
        qtbot.mouseClick(page.send_button, Qt.MouseButton.LeftButton)
    assert not page.undo_bar.isVisible()


def test_what_a_stopped_send_says() -> None:
    assert send_stopped_text(DrainReport(paused=API_KEY_REJECTED)).startswith(
        "Nothing was sent: Impilo did not accept the API key."
    )
    proxy = DrainReport(stopped="the proxy server refused the connection")
    assert "Settings > Network" in send_stopped_text(proxy)
