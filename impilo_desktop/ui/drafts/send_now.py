"""Send now on the Drafts & outbox page, and what it says when nothing (or not everything)
could be sent: the coordinator asked, so a silent outbox would look like a broken button."""

from __future__ import annotations

from typing import TYPE_CHECKING, assert_never

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from impilo_desktop.sync.drain_report import API_KEY_REJECTED, DrainReport, StopReason

if TYPE_CHECKING:
    from impilo_desktop.ui.plumbing.services import AppServices
    from impilo_desktop.ui.shell.message_bar import MessageBar

NOTE_MS = 20_000

KEY_REFUSED = "Impilo did not accept the API key. Enter a new key in Settings; the orders wait."


def stopped_why(reason: StopReason) -> str:
    """Why a drain stopped, in the coordinator's words, with what to do. Every reason has
    its own words (the type checker sees a missing one): none falls back to the sender's."""
    match reason:
        case StopReason.OFFLINE:
            return (
                "Impilo cannot be reached right now. Check the network connection; the"
                " orders go by themselves as soon as Impilo answers."
            )
        case StopReason.UNTRUSTED:
            return (
                "this computer does not trust the connection's certificate. Ask IT to check"
                " it; the orders go as soon as the connection is trusted."
            )
        case StopReason.PROXY_REFUSED:
            return (
                "the proxy server did not let the connection through. Check Settings >"
                " Network or ask IT; the orders go as soon as it does."
            )
        case StopReason.SERVER_TROUBLE:
            return (
                "Impilo is having trouble right now, or asked the app to slow down. The"
                " orders are tried again by themselves in a little while."
            )
        case StopReason.TAKEN_OVER:
            return "another copy of Impilo Desktop took over sending them."
        case StopReason.KEY_REFUSED:
            return KEY_REFUSED
        case StopReason.NO_KEY:
            return "there is no API key for this account. Add it in Settings; the orders wait."
        case _:
            assert_never(reason)


def send_stopped_text(report: DrainReport) -> str:
    """E.g. "Nothing was sent: Impilo cannot be reached right now. …"."""
    sent = len(report.delivered)
    head = (
        "Nothing was sent"
        if not sent
        else f"{sent} order{'s were' if sent != 1 else ' was'} sent, the rest were not"
    )
    if report.paused:
        why = KEY_REFUSED if report.paused == API_KEY_REJECTED else f"{report.paused}."
    else:
        why = stopped_why(report.stopped or StopReason.OFFLINE)
    return f"{head}: {why}"


class SendNow(QObject):
    """Sends every waiting order when asked, and says on `bar` why it could not, while its
    page shows (otherwise the window's notice bar says it: `MainWindow`)."""

    def __init__(
        self, services: AppServices, bar: MessageBar, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._bar = bar
        self._page = parent
        services.outbox.send_stopped.connect(self._stopped)

    def send(self) -> None:
        self._services.outbox.send_now()

    def _stopped(self, report: DrainReport) -> None:
        if self._page is not None and self._page.isVisible():
            self._bar.show_message(
                send_stopped_text(report), icon_name="offline", timeout_ms=NOTE_MS
            )
