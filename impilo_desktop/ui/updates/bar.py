"""The window's update bar ("Version X is ready — restart to update", What's new, Restart
now), the What's new dialog, and the question about orders waiting to be sent."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.ui.shell.message_bar import MessageBar
from impilo_desktop.ui.updates.controller import UpdateController
from impilo_desktop.ui.updates.restart_question import ask_before_restart, read_at_stake
from impilo_desktop.updates.outcomes import UpdateReady

if TYPE_CHECKING:
    from impilo_desktop.ui.shell.main_window import MainWindow

BAR_NAME = "updateBar"
NOTES_NAME = "whatsNewDialog"
# The self-update proof's mode: the file its record is written to (ui/updates/proof.py).
PROOF_ENV = "IMPILO_UPDATE_PROOF"

SAVED_NOTE = (
    "Restarting takes a few seconds. Drafts are kept, and orders waiting to be sent go after"
    " the restart."
)
# A session-only store (no keyring, no passphrase) keeps nothing across a restart.
SESSION_NOTE = (
    "Restarting takes a few seconds and ends this session: nothing is saved on this computer,"
    " so you are asked first about drafts and orders not sent."
)


def ready_text(version: str) -> str:
    return f"Version {version} is ready — restart to update."


class WhatsNewDialog(QDialog):
    """The release notes of the ready version, with Restart now and Later."""

    def __init__(
        self, update: UpdateReady, restart: Callable[[], None], saved: bool, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setObjectName(NOTES_NAME)
        self.setWindowTitle(f"What's new in version {update.version}")
        self.setAccessibleName(f"What's new in version {update.version}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        heading = QLabel(ready_text(update.version), self)
        heading.setObjectName("whatsNewHeading")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.notes = QTextBrowser(self)
        self.notes.setObjectName("whatsNewNotes")
        self.notes.setAccessibleName("Release notes")
        self.notes.setOpenExternalLinks(False)
        # Plain text: the notes come from the update repository, not from us.
        self.notes.setPlainText(update.notes or "No release notes came with this version.")
        layout.addWidget(self.notes, 1)
        note = QLabel(SAVED_NOTE if saved else SESSION_NOTE, self)
        note.setObjectName("whatsNewRestartNote")
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(self)
        restart_button = buttons.addButton("&Restart now", QDialogButtonBox.ButtonRole.AcceptRole)
        restart_button.setObjectName("whatsNewRestart")
        later = buttons.addButton("&Later", QDialogButtonBox.ButtonRole.RejectRole)
        later.setObjectName("whatsNewLater")
        later.setDefault(True)  # Enter does not restart by accident
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.accepted.connect(restart)
        layout.addWidget(buttons)
        self.resize(520, 360)


class UpdateBar(MessageBar):
    """Shows what the controller found: ready (with its actions), waiting, refused. Its
    buttons carry no Alt+letter: the bar shows over every page, whose letters are taken
    (tests/ui/shell/test_mnemonics.py); Tab reaches them."""

    def __init__(
        self, updates: UpdateController, saved: Callable[[], bool], parent: QWidget
    ) -> None:
        super().__init__(BAR_NAME, parent)
        self._saved = saved
        self.setAccessibleName("Update")
        self.updates = updates
        self.ready: UpdateReady | None = None
        updates.ready.connect(self.show_ready)
        updates.refused.connect(self.show_refused)
        updates.waiting.connect(lambda text: self.show_message(text, icon_name="sending"))

    def show_ready(self, update: UpdateReady) -> None:
        self.ready = update
        self.show_message(
            ready_text(update.version),
            [("What's new", self.open_notes), ("Restart now", self.updates.restart_now)],
            icon_name="refresh",
        )

    def show_refused(self, text: str) -> None:
        self.ready = None
        self.show_message(text, icon_name="key-rejected")

    def open_notes(self) -> None:
        if self.ready is None:
            return
        WhatsNewDialog(self.ready, self.updates.restart_now, self._saved(), self.window()).open()


def attach_updates(window: MainWindow) -> UpdateBar:
    """The window's updater (`bar.updates`) and its bar, above the other bars."""
    updates = UpdateController(
        bridge=window.bridge,
        home=window.home,
        network=lambda: window.services.network,
        outbox=lambda: window.services.outbox,
        read_at_stake=lambda answer: read_at_stake(
            window.bridge, window.services.outbox, window.services.store, answer
        ),
        close_window=window.quit_guard.close_without_asking,
        ask_about_waiting=lambda at_stake, answer: ask_before_restart(window, at_stake, answer),
        parent=window,
    )
    central = window.centralWidget()
    layout = central.layout() if central is not None else None
    assert central is not None
    assert isinstance(layout, QVBoxLayout)
    bar = UpdateBar(updates, lambda: not window.services.store.in_memory, central)
    layout.insertWidget(0, bar)
    if os.environ.get(PROOF_ENV):  # packaging/prove_self_update.py only (proof.py)
        from impilo_desktop.ui.updates.proof import drive_update_proof

        drive_update_proof(window, bar, os.environ[PROOF_ENV])
    return bar
