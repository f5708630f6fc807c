"""Settings > "Sign out and remove this computer's data": the questions before it.

With nothing unsent, one confirmation (Cancel is the default). With unsent orders or address
corrections, they are listed (recipient, items, how long they waited) with three ways out:
"Export them first…" (order files `impilo-desktop drafts import` reads back, and a plain text
file per correction to enter in Impilo by hand, written to a folder the coordinator picks,
then the removal), "Remove everything" (destructive, never the default) and Cancel (the
default: Enter and Escape keep everything). A database that cannot be read (its key gone,
the file damaged) gets "Remove anyway", never the default, like the command line's --force.
The removal itself is the session's for the open account (`SessionController.sign_out`) and
the Settings group's for another one (sign_out_group.py); reading the outbox and writing files
go through the bridge.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from impilo_desktop.profile_data import Unsent, export_unsent, unsent_line
from impilo_desktop.store import StoreError, StoreLockedError
from impilo_desktop.ui.dialogs.confirm import Question, confirm_destructive
from impilo_desktop.ui.dialogs.folder_choice import choose_folder
from impilo_desktop.ui.plumbing.bridge import AsyncBridge
from impilo_desktop.unsent_changes import counted, split

log = logging.getLogger(__name__)

LISTED = 8  # entries named in the question; the rest are counted ("and 3 more")
EXPORTED_AS = (
    "orders as order files Impilo Desktop can import again, address corrections as text"
    " files to enter in Impilo by hand."
)


def account_label(name: str) -> str:
    return name.capitalize()


class SignOut(QObject):
    """One sign-out, from the first question to `remove()`: the session's sign-out for the
    open account, a removal on the bridge for another one. `read_unsent` runs on the bridge;
    `say(text)` shows a plain message on the Settings page (an export that failed, say);
    `on_cancelled` runs when nothing is going to be removed."""

    def __init__(
        self,
        parent: QWidget,
        bridge: AsyncBridge,
        name: str,
        read_unsent: Callable[[], list[Unsent]],
        remove: Callable[[], None],
        say: Callable[[str], None],
        on_cancelled: Callable[[], None],
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self.bridge = bridge
        self.label = account_label(name)
        self._read_unsent = read_unsent
        self._remove = remove
        self._say = say
        self._cancelled = on_cancelled
        self.entries: list[Unsent] = []

    def start(self) -> None:
        self.bridge.call(self._read_unsent, on_result=self._ask, on_error=self._read_failed)

    def _read_failed(self, error: BaseException) -> None:
        log.warning("Could not read the outbox before signing out: %s", error)
        if isinstance(error, StoreError) and not isinstance(error, StoreLockedError):
            # Its key is gone or the file is damaged (not merely busy): trying again reads
            # nothing more, and the coordinator must still be able to remove it (the
            # command line's --force).
            self._ask_unreadable(error)
            return
        self._say("The outbox could not be read, so nothing was removed. Try again.")
        self._cancelled()

    def _ask_unreadable(self, error: StoreError) -> None:
        label = self.label
        confirm_destructive(
            self._parent,
            Question(
                name="signOutUnreadableQuestion",
                title="The account's data cannot be read",
                text=f"The data of the {label} account cannot be read: orders it had not sent "
                "cannot be listed or exported.",
                informative=f"{error.message}\n\nRemoving it deletes everything of the {label}"
                " account from this computer, including any orders it had not sent yet. "
                "Orders already sent stay in Impilo.",
                action="&Remove anyway",
                action_name="removeAnywayButton",
            ),
            self._remove,
            self._cancelled,
        )

    def _ask(self, entries: list[Unsent]) -> None:
        self.entries = entries
        if entries:
            self._ask_about_unsent()
            return
        label = self.label
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
            self._remove,
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
        orders, changes = split(entries)
        verb = "has" if len(entries) == 1 else "have"
        box.setText(f"{counted(orders, changes)} {verb} not been sent to Impilo yet.")
        lines = [unsent_line(entry) for entry in entries[:LISTED]]
        if len(entries) > LISTED:
            lines.append(f"and {len(entries) - LISTED} more")
        box.setInformativeText(
            "\n".join(lines) + "\n\nSigning out deletes them from this computer. Export them "
            f"first to keep them (they contain patient data): {EXPORTED_AS}"
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
                self._remove()
            else:
                self._cancelled()

        box.finished.connect(finished)
        box.open()

    def choose_export_folder(self) -> None:
        choose_folder(
            self._parent,
            "Export unsent orders — they contain patient data",
            name="exportUnsentDialog",
            accessible_name="Choose a folder for the unsent orders (contains patient data)",
            chosen=self.export_to,
            cancelled=self._cancelled,
        )

    def export_to(self, folder: Path) -> None:
        """Write the unsent orders to `folder` (on the bridge), then sign out; nothing is
        removed when they could not all be written."""
        self.bridge.call(
            export_unsent,
            self.entries,
            folder,
            on_result=lambda written: self._exported(folder, written),
            on_error=self._export_failed,
        )

    def _exported(self, folder: Path, written: list[Path]) -> None:
        files = "1 file" if len(written) == 1 else f"{len(written)} files"
        self._say(f"Wrote {files} to {folder}. Signing out…")
        self._remove()

    def _export_failed(self, error: BaseException) -> None:
        # The reason may name a patient: it is shown, and only its kind goes to the log.
        log.warning("Exporting the unsent orders failed (%s)", type(error).__name__)
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        self._say(f"The unsent orders could not be exported: {reason}. Nothing was removed.")
        self._cancelled()
