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
    QMessageBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.ui.shell.message_bar import MessageBar
from impilo_desktop.ui.updates.controller import UpdateController
from impilo_desktop.updates.outcomes import UpdateReady

if TYPE_CHECKING:
    from impilo_desktop.ui.shell.main_window import MainWindow

BAR_NAME = "updateBar"
NOTES_NAME = "whatsNewDialog"
WAITING_NAME = "restartWaitingQuestion"
# The self-update proof's mode: the file its record is written to (ui/updates/proof.py).
PROOF_ENV = "IMPILO_UPDATE_PROOF"


def ready_text(version: str) -> str:
    return f"Version {version} is ready — restart to update."


class WhatsNewDialog(QDialog):
    """The release notes of the ready version, with Restart now and Later."""

    def __init__(self, update: UpdateReady, restart: Callable[[], None], parent: QWidget) -> None:
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
        note = QLabel(
            "Restarting takes a few seconds. Drafts are kept, and orders waiting to be sent"
            " go after the restart.",
            self,
        )
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


def ask_about_waiting(
    parent: QWidget, waiting: int, saved: bool, answer: Callable[[bool], None]
) -> None:
    """Orders wait to be sent but none is in flight: restart now or not."""
    box = QMessageBox(parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setObjectName(WAITING_NAME)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Restart to update")
    orders = "1 order is" if waiting == 1 else f"{waiting} orders are"
    box.setText(f"{orders} waiting to be sent.")
    if saved:
        box.setInformativeText(
            ("It is" if waiting == 1 else "They are") + " saved on this computer and will be"
            " sent after the restart. Restart now?"
        )
    else:
        box.setInformativeText(
            "Nothing is saved on this computer in this session: restarting now loses "
            + ("it" if waiting == 1 else "them")
            + ". Send them first, then restart."
        )
    restart = box.addButton(
        "Restart now" if saved else "Restart and lose them",
        QMessageBox.ButtonRole.AcceptRole if saved else QMessageBox.ButtonRole.DestructiveRole,
    )
    restart.setObjectName("restartWaitingRestart")
    later = box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
    later.setObjectName("restartWaitingLater")
    box.setDefaultButton(later)
    box.setEscapeButton(later)
    box.finished.connect(lambda _result: answer(box.clickedButton() is restart))
    box.open()


class UpdateBar(MessageBar):
    """Shows what the controller found: ready (with its actions), waiting, refused. Its
    buttons carry no Alt+letter: the bar shows over every page, whose letters are taken
    (tests/ui/shell/test_mnemonics.py); Tab reaches them."""

    def __init__(self, updates: UpdateController, parent: QWidget) -> None:
        super().__init__(BAR_NAME, parent)
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
        WhatsNewDialog(self.ready, self.updates.restart_now, self.window()).open()


def attach_updates(window: MainWindow) -> UpdateBar:
    """The window's updater (`bar.updates`) and its bar, above the other bars."""
    updates = UpdateController(
        bridge=window.bridge,
        home=window.home,
        network=lambda: window.services.network,
        outbox=lambda: window.services.outbox,
        saved=lambda: not window.services.store.in_memory,
        close_window=window.quit_guard.close_without_asking,
        ask_about_waiting=lambda count, saved, answer: ask_about_waiting(
            window, count, saved, answer
        ),
        parent=window,
    )
    central = window.centralWidget()
    layout = central.layout() if central is not None else None
    assert central is not None
    assert isinstance(layout, QVBoxLayout)
    bar = UpdateBar(updates, central)
    layout.insertWidget(0, bar)
    if os.environ.get(PROOF_ENV):  # packaging/prove_self_update.py only (proof.py)
        from impilo_desktop.ui.updates.proof import drive_update_proof

        drive_update_proof(window, bar, os.environ[PROOF_ENV])
    return bar
