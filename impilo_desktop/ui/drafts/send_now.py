"""Send now on the Drafts & outbox page, and what it says when nothing (or not everything)
could be sent: the coordinator asked, so a silent outbox would look like a broken button."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from impilo_desktop.sync import API_KEY_REJECTED, DrainReport

if TYPE_CHECKING:
    from impilo_desktop.ui.plumbing.services import AppServices
    from impilo_desktop.ui.shell.message_bar import MessageBar

NOTE_MS = 20_000

# Why a drain stopped (`DrainReport.stopped`), in the coordinator's words, with what to do.
STOPPED_TEXT = {
    "offline": "Impilo cannot be reached right now. Check the network connection; the orders"
    " go by themselves as soon as Impilo answers.",
    "the connection's certificate is not trusted": "this computer does not trust the"
    " connection's certificate. Ask IT to check it; the orders go as soon as the connection"
    " is trusted.",
    "the proxy server refused the connection": "the proxy server did not let the connection"
    " through. Check Settings > Network or ask IT; the orders go as soon as it does.",
    "another sender took over": "another copy of Impilo Desktop took over sending them.",
}
KEY_REFUSED = "Impilo did not accept the API key. Enter a new key in Settings; the orders wait."
NO_KEY = "there is no API key for this account. Add it in Settings; the orders wait."


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
        reason = report.stopped or "offline"
        why = STOPPED_TEXT.get(reason, f"{reason}.")
    return f"{head}: {why}"


class SendNow(QObject):
    """Sends every waiting order when asked, and says on `bar` why it could not."""

    def __init__(
        self, services: AppServices, bar: MessageBar, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._bar = bar
        services.outbox.send_stopped.connect(self._stopped)

    def send(self) -> None:
        outbox = self._services.outbox
        if not self._services.api_key():
            self._say(f"Nothing was sent: {NO_KEY}")
            return
        if outbox.state == "unauthorized":
            self._say(f"Nothing was sent: {KEY_REFUSED}")
            return
        outbox.send_now()

    def _stopped(self, report: DrainReport) -> None:
        self._say(send_stopped_text(report))

    def _say(self, text: str) -> None:
        self._bar.show_message(text, icon_name="offline", timeout_ms=NOTE_MS)
