"""What the window says about the outbox and the connection: the status bar's counts and
light, the notices when Impilo refuses an order or the key, and a Send now that stopped.
Follows the open session's outbox controller (`follow`, again after each account switch)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from impilo_desktop.sync.connectivity import NO_CONNECTION
from impilo_desktop.ui.drafts.send_now import NOTE_MS, send_stopped_text
from impilo_desktop.ui.shell.pages import DRAFTS

if TYPE_CHECKING:
    from impilo_desktop.sync.drain_report import DrainReport
    from impilo_desktop.ui.plumbing.outbox_controller import OutboxController
    from impilo_desktop.ui.shell.main_window import MainWindow


class OutboxNews(QObject):
    """The window's status bar, bars and notices, kept in step with the outbox."""

    def __init__(self, window: MainWindow) -> None:
        # A child of the window: its connections end with it, as the window's own did.
        super().__init__(window)
        self.window = window

    def follow(self, outbox: OutboxController) -> None:
        """Listen to this session's outbox (a new one after an account switch)."""
        window = self.window
        status = window.status
        outbox.connectivity_changed.connect(self._on_connectivity)
        outbox.entries_changed.connect(self.update_outbox_status)
        outbox.progress.connect(status.set_progress)
        outbox.key_rejected.connect(self._on_key_rejected)
        outbox.reference_progress.connect(status.set_reference_progress)
        outbox.reference_refreshed.connect(status.reference_refreshed)
        outbox.entry_rejected.connect(self._on_entry_rejected)
        outbox.drain_finished.connect(lambda _report: window.quit_guard.drain_finished())
        outbox.busy_elsewhere.connect(window.show_notice)
        outbox.send_stopped.connect(self._on_send_stopped)

    def update_outbox_status(self) -> None:
        window = self.window
        outbox = window.services.outbox
        pending = outbox.pending_count()
        window.status.set_outbox(pending, outbox.attention_count())
        window.quit_guard.outbox_changed()

    def refresh_connection_status(self) -> None:
        """Show the connection state (or that there is no key at all)."""
        services = self.window.services
        outbox = services.outbox
        state = outbox.state if services.api_key() else "nokey"
        self.window.status.set_connection(state, outbox.state_message)

    def _on_send_stopped(self, report: DrainReport) -> None:
        # Asked from the menu, the quit question or any page: said here, unless the Drafts
        # page shows, whose own bar says it beside its Send now button.
        drafts = self.window.pages.built(DRAFTS.key)
        if drafts is None or not drafts.isVisible():
            self.window.show_notice(send_stopped_text(report), timeout_ms=NOTE_MS)

    def _on_connectivity(self, state: str) -> None:
        self.refresh_connection_status()
        if state == "online":
            self.window.key_banner.dismiss()
        if state in NO_CONNECTION:
            self.window.quit_guard.went_offline()

    def _on_entry_rejected(self, entry: object) -> None:
        message = getattr(entry, "server_message", None) or "Impilo refused an order."
        window = self.window
        window.notice_bar.show_message(
            f"Impilo refused an order: {message}",
            [("Show in Drafts && outbox", lambda: window.show_page(DRAFTS.key))],
            icon_name="key-rejected",
        )

    def _on_key_rejected(self, message: str) -> None:
        window = self.window
        window.key_banner.show_message(
            "Impilo did not accept the API key, so nothing is being sent. It may have expired "
            "or been deactivated.",
            [("Enter a new key…", window.prompt_for_new_key)],
            icon_name="key-rejected",
            closable=False,
        )
        window.prompt_for_new_key()
