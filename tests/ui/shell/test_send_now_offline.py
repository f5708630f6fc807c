"""Send now says why nothing was sent, instead of doing nothing visibly: on Drafts & outbox
beside its button, and from anywhere else (File > Send waiting orders now, the quit
question) in the window's notice bar, once."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from impilo_desktop.api.retry import RetryPolicy
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.secrets import KeyStore
from impilo_desktop.store import EntryState
from impilo_desktop.sync import API_KEY_REJECTED, DrainReport, StopReason
from impilo_desktop.ui.drafts.send_now import send_stopped_text
from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import MakeWindow, sandbox_draft, submit

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
    assert not window.notice_bar.isVisible()  # said once, beside the button
    assert window.services.store.get_entry(entry.entry_id).state == EntryState.QUEUED

    # Back online, Send now sends, and says nothing of the kind.
    sandbox.start()
    page.undo_bar.dismiss()
    with qtbot.waitSignal(outbox.entry_sent, timeout=15_000):
        qtbot.mouseClick(page.send_button, Qt.MouseButton.LeftButton)
    # What the bar says, if it shows: seen once under two whole suites at once, cause not
    # found yet (the log showed only the three POSTs the test makes).
    assert not page.undo_bar.isVisible(), page.undo_bar.text.text()


def test_what_a_stopped_send_says() -> None:
    assert send_stopped_text(DrainReport(paused=API_KEY_REJECTED)).startswith(
        "Nothing was sent: Impilo did not accept the API key."
    )
    proxy = DrainReport(stopped=StopReason.PROXY_REFUSED)
    assert "Settings > Network" in send_stopped_text(proxy)
    for reason in StopReason:  # each in the coordinator's words, never the sender's own
        assert f": {reason.value}." not in send_stopped_text(DrainReport(stopped=reason))


def test_send_waiting_orders_now_from_the_menu_says_why_on_any_page(
    qtbot: QtBot, online_window: MainWindow, sandbox: SandboxServer
) -> None:
    window = online_window
    window.services.outbox.set_probe_schedule(NEVER)
    sandbox.stop()
    submit(qtbot, window, sandbox_draft())
    outbox = window.services.outbox
    qtbot.waitUntil(lambda: outbox.state == "offline" and not outbox.sending, timeout=15_000)
    window.show_page("new_order")

    with qtbot.waitSignal(outbox.send_stopped, timeout=15_000):
        window.menus.send_now_action.trigger()  # File > Send waiting orders now
    assert window.notice_bar.isVisible()
    assert window.notice_bar.text.text().startswith(
        "Nothing was sent: Impilo cannot be reached right now."
    )
    assert not window.drafts_page.undo_bar.isVisible()  # not left on the hidden page


def test_send_now_without_a_key_says_so(
    qtbot: QtBot, make_window: MakeWindow, custom_argv: list[str], keys: KeyStore
) -> None:
    window = make_window(*custom_argv)  # no key saved for this account
    with qtbot.waitSignal(window.services.outbox.send_stopped, timeout=5_000):
        window.menus.send_now_action.trigger()
    assert window.notice_bar.isVisible()
    assert window.notice_bar.text.text() == (
        "Nothing was sent: there is no API key for this account. Add it in Settings; the"
        " orders wait."
    )


def test_a_drain_ending_unseen_is_not_taken_for_the_one_asked_for(
    qtbot: QtBot, online_window: MainWindow, sandbox: SandboxServer
) -> None:
    """A drain the app started by itself has ended on the bridge, its report not yet on the UI
    thread, when the coordinator presses Send now: the drain asked for waits for that report
    and says why it stopped once; the late report is not taken for its own (it was, and the
    bar came back after it was dismissed)."""
    window = online_window
    outbox = window.services.outbox
    outbox.set_probe_schedule(NEVER)
    sandbox.stop()
    submit(qtbot, window, sandbox_draft())
    qtbot.waitUntil(lambda: outbox.state == "offline" and not outbox.sending, timeout=15_000)
    stops: list[DrainReport] = []
    outbox.send_stopped.connect(stops.append)
    finished: list[DrainReport] = []
    outbox.drain_finished.connect(finished.append)

    outbox.drain(due_only=False)  # as the retry timer starts one: nobody asked
    job = outbox._sending._job
    assert job is not None
    job.future.result(timeout=15)  # ended on the bridge; no event processed here since
    assert outbox.sending  # until its report is read here
    outbox.send_now()

    qtbot.waitUntil(lambda: len(finished) == 2, timeout=15_000)
    assert len(stops) == 1
    assert stops[0] is finished[1]
    assert stops[0].stopped == StopReason.OFFLINE
