"""Settings > "Sign out and remove this computer's data": the questions before it.

With nothing unsent, one confirmation (Cancel is the default). With unsent orders, they are
listed (recipient, items, how long they waited) with three ways out: "Export them first…"
(order files `impilo-desktop drafts import` reads back, written to a folder the coordinator
picks, then the removal), "Remove everything" (destructive, never the default) and Cancel (the
default: Enter and Escape keep everything). The removal itself is the session's
(`SessionController.sign_out`); reading the outbox and writing files go through the bridge.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.profile_data import export_unsent, unsent_entries, unsent_line
from impilo_desktop.store import OutboxEntry
from impilo_desktop.ui.dialogs.confirm import Question, confirm_destructive
from impilo_desktop.ui.plumbing.resources import icon
from impilo_desktop.ui.plumbing.services import AppServices
from impilo_desktop.ui.plumbing.session_controller import SessionController
from impilo_desktop.ui.plumbing.theme import status_colors

log = logging.getLogger(__name__)

LISTED = 8  # entries named in the question; the rest are counted ("and 3 more")


def account_label(services: AppServices) -> str:
    return services.profile.name.capitalize()


class SignOut(QObject):
    """One sign-out, from the first question to handing over to the session. `say(text)`
    shows a plain message on the Settings page (an export that failed, for instance)."""

    def __init__(
        self,
        parent: QWidget,
        session: SessionController,
        say: Callable[[str], None],
        on_cancelled: Callable[[], None],
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self.session = session
        self._say = say
        self._cancelled = on_cancelled
        self.services = session.services
        self.entries: list[OutboxEntry] = []

    def start(self) -> None:
        self.services.bridge.call(
            unsent_entries,
            self.services.store,
            on_result=self._ask,
            on_error=self._read_failed,
        )

    def _read_failed(self, error: BaseException) -> None:
        log.warning("Could not read the outbox before signing out: %s", error)
        self._say("The outbox could not be read, so nothing was removed. Try again.")
        self._cancelled()

    def _ask(self, entries: list[OutboxEntry]) -> None:
        self.entries = entries
        if entries:
            self._ask_about_unsent()
            return
        label = account_label(self.services)
        confirm_destructive(
            self._parent,
            Question(
                name="signOutConfirmation",
                title="Sign out and remove this computer's data?",
                text=f"Remove everything of the {label} account from this computer?",
                informative="Its drafts, its outbox, the orders, patients and sites kept for "
                "working offline, and its API key are deleted from this computer. Orders "
                "already sent stay in Impilo.",
                action="Sign out and remove",
                action_name="confirmSignOut",
            ),
            self.session.sign_out,
            self._cancelled,
        )

    def _ask_about_unsent(self) -> None:
        entries = self.entries
        box = QMessageBox(self._parent)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setObjectName("signOutUnsentQuestion")
        box.setAccessibleName("Orders not sent yet")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Orders not sent yet")
        orders = "1 order has" if len(entries) == 1 else f"{len(entries)} orders have"
        box.setText(f"{orders} not been sent to Impilo yet.")
        lines = [unsent_line(entry) for entry in entries[:LISTED]]
        if len(entries) > LISTED:
            lines.append(f"and {len(entries) - LISTED} more")
        box.setInformativeText(
            "\n".join(lines) + "\n\nSigning out deletes them from this computer. Export them "
            "first to keep them as order files (they contain patient data); Impilo Desktop "
            "can import them again."
        )
        export = box.addButton("&Export them first…", QMessageBox.ButtonRole.AcceptRole)
        export.setObjectName("exportUnsentButton")
        remove = box.addButton("&Remove everything", QMessageBox.ButtonRole.DestructiveRole)
        remove.setObjectName("removeEverythingButton")
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)  # Enter must not delete orders
        box.setEscapeButton(cancel)

        def finished(_result: int) -> None:
            # Any way out but the two buttons (Cancel, Escape, closing the box) keeps all.
            chosen = box.clickedButton()
            if chosen is export:
                self.choose_export_folder()
            elif chosen is remove:
                self.session.sign_out()
            else:
                self._cancelled()

        box.finished.connect(finished)
        box.open()

    def choose_export_folder(self) -> None:
        documents = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        )
        start = documents if documents and Path(documents).is_dir() else str(Path.home())
        dialog = QFileDialog(
            self._parent, "Export unsent orders — they contain patient data", start
        )
        dialog.setObjectName("exportUnsentDialog")
        dialog.setAccessibleName("Choose a folder for the unsent orders (contains patient data)")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(lambda folder: self.export_to(Path(folder)))
        dialog.rejected.connect(self._cancelled)
        dialog.open()

    def export_to(self, folder: Path) -> None:
        """Write the unsent orders to `folder` (on the bridge), then sign out; nothing is
        removed when they could not all be written."""
        self.services.bridge.call(
            export_unsent,
            self.entries,
            folder,
            on_result=lambda written: self._exported(folder, written),
            on_error=self._export_failed,
        )

    def _exported(self, folder: Path, written: list[Path]) -> None:
        files = "1 order file" if len(written) == 1 else f"{len(written)} order files"
        self._say(f"Wrote {files} to {folder}. Signing out…")
        self.session.sign_out()

    def _export_failed(self, error: BaseException) -> None:
        log.warning("Exporting the unsent orders failed: %s", error)
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        self._say(f"The unsent orders could not be exported ({reason}), so nothing was removed.")
        self._cancelled()


class SignOutGroup(QGroupBox):
    """Settings > "This computer's data": what signing out removes, and the button. Not shown
    for the built-in sandbox (practice data, nothing to sign out of)."""

    def __init__(self, session: SessionController, parent: QWidget | None = None) -> None:
        super().__init__("This computer's data", parent)
        self.setObjectName("signOutGroup")
        self.session = session
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        self.note = QLabel(
            "Signing out deletes this account's drafts, outbox, the orders, patients and sites "
            "kept for working offline, and its API key from this computer. Do it before the "
            "computer goes to someone else.",
            self,
        )
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.button = QPushButton(icon("delete"), "", self)
        self.button.setObjectName("signOutButton")
        self.button.clicked.connect(self.sign_out)
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addStretch(1)
        layout.addLayout(row)
        self.message = QLabel(self)
        self.message.setObjectName("signOutMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        session.sign_out_refused.connect(self._refused)
        self.flow: SignOut | None = None
        self.refresh()

    def refresh(self) -> None:
        services = self.session.services
        label = account_label(services)
        self.button.setText(f"Sign &out and remove this computer's data for {label}…")
        self.button.setAccessibleName(f"Sign out and remove this computer's data for {label}")
        self.setVisible(not services.profile.is_sandbox)

    def sign_out(self) -> None:
        self.button.setEnabled(False)
        self.message.hide()
        self.flow = SignOut(self, self.session, self.say, self._done)
        self.flow.start()

    def say(self, text: str, role: str = "muted") -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {getattr(status_colors(), role)};")
        self.message.show()

    def _done(self) -> None:
        self.button.setEnabled(True)

    def _refused(self, message: str) -> None:
        self.say(message, "bad")
        self.button.setEnabled(True)
