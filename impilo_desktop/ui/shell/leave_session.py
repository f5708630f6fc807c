"""Switching account in a session-only session (no keyring, no passphrase: the store is in
memory): the question before its drafts and unsent orders are thrown away.

Closing the old profile's in-memory database deletes them, exactly as quitting does, so the
coordinator is asked first, like the quit question: what would be lost is listed, with
"Export them first…" (order files `impilo-desktop drafts import` reads back, written by the
same code as the sign-out's export), "Switch anyway" (destructive, never the default) and
Cancel (the default: Enter and Escape keep everything and stay on this account). With a store
on disk nothing is lost by switching, and nothing is asked.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from impilo_desktop.domain import DraftInvalid, OrderDraft, to_order_create
from impilo_desktop.profile_data import (
    ExportError,
    Unsent,
    export_unsent,
    unsent_entries,
    unsent_line,
    write_new_file,
)
from impilo_desktop.store import Store
from impilo_desktop.store.outbox import new_client_reference
from impilo_desktop.ui.dialogs.folder_choice import choose_folder
from impilo_desktop.ui.plumbing.bridge import AsyncBridge
from impilo_desktop.ui.shell.sign_out import EXPORTED_AS
from impilo_desktop.unsent_changes import counted, split

log = logging.getLogger(__name__)

QUESTION_NAME = "leaveSessionQuestion"
LISTED = 8  # lines named in the question; the rest are counted ("and 3 more")


@dataclass(frozen=True)
class SessionWork:
    """What only this session holds: its unsent orders and its drafts."""

    unsent: list[Unsent]
    drafts: list[OrderDraft]

    def __bool__(self) -> bool:
        return bool(self.unsent or self.drafts)


def session_work(store: Store) -> SessionWork:
    """Read on the bridge: the unsent orders and drafts of `store`."""
    return SessionWork(unsent_entries(store), store.list_drafts())


def export_session(work: SessionWork, folder: Path) -> list[Path]:
    """The unsent orders, then the drafts, as order files in `folder` (never over an existing
    file); the paths written. A draft that is not a complete order stops it (`ExportError`):
    nothing is thrown away then, and the coordinator completes or removes it first."""
    written = export_unsent(work.unsent, folder)  # creates the folder
    for number, draft in enumerate(work.drafts, start=1):
        try:
            body = to_order_create(draft, new_client_reference()).to_wire()
        except DraftInvalid as invalid:
            raise ExportError(
                f"the draft {draft.summary()} is not a complete order ({invalid}); complete or"
                " remove it in Drafts & outbox first"
            ) from invalid
        text = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
        written.append(write_new_file(folder, f"draft-{number}", text))
    return written


class LeaveSession(QObject):
    """One switch away from a session-only store: reads what would be lost (on the bridge),
    asks, and runs `proceed` (the switch) only once the coordinator chose to lose nothing or
    to lose it; `say(text)` shows a plain message (an export that failed)."""

    def __init__(
        self,
        parent: QWidget,
        bridge: AsyncBridge,
        store: Store,
        proceed: Callable[[], None],
        say: Callable[[str], None],
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self.bridge = bridge
        self._store = store
        self._proceed = proceed
        self._say = say
        self.work = SessionWork([], [])

    def start(self) -> None:
        self.bridge.call(session_work, self._store, on_result=self._ask, on_error=self._read_failed)

    def _read_failed(self, error: BaseException) -> None:
        log.warning("Could not read this session's drafts and outbox (%s)", type(error).__name__)
        self._say(
            "This session's drafts and outbox could not be read, so the account was not "
            "switched. Try again."
        )
        self.deleteLater()

    def _ask(self, work: SessionWork) -> None:
        self.work = work
        if not work:
            self._done(switch=True)
            return
        box = QMessageBox(self._parent)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setObjectName(QUESTION_NAME)
        box.setAccessibleName("Drafts and orders not saved")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Drafts and orders not saved")
        box.setText(lost_text(work))
        box.setInformativeText(
            "\n".join(named(work)) + "\n\nNothing is saved on this computer in this session: "
            "switching account deletes them. Export them first to keep them (they contain "
            f"patient data): drafts and {EXPORTED_AS}"
        )
        box.setStyleSheet("QLabel#qt_msgbox_informativelabel { min-width: 320px; }")
        export = box.addButton("&Export them first…", QMessageBox.ButtonRole.AcceptRole)
        export.setObjectName("leaveSessionExport")
        switch = box.addButton("&Switch anyway", QMessageBox.ButtonRole.DestructiveRole)
        switch.setObjectName("leaveSessionSwitchAnyway")
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        cancel.setObjectName("leaveSessionCancel")
        box.setDefaultButton(cancel)  # Enter must not throw orders away
        box.setEscapeButton(cancel)

        def finished(_result: int) -> None:
            # Any way out but the two buttons (Cancel, Escape, closing the box) keeps all.
            chosen = box.clickedButton()
            if chosen is export:
                self.choose_export_folder()
            else:
                self._done(switch=chosen is switch)

        box.finished.connect(finished)
        box.open()

    def choose_export_folder(self) -> None:
        choose_folder(
            self._parent,
            "Export drafts and orders — they contain patient data",
            name="exportSessionDialog",
            accessible_name="Choose a folder for the drafts and orders (contains patient data)",
            chosen=self.export_to,
            cancelled=lambda: self._done(switch=False),
        )

    def export_to(self, folder: Path) -> None:
        """Write everything to `folder` (on the bridge), then switch; no switch when they
        could not all be written."""
        self.bridge.call(
            export_session,
            self.work,
            folder,
            on_result=lambda written: self._exported(folder, written),
            on_error=self._export_failed,
        )

    def _exported(self, folder: Path, written: list[Path]) -> None:
        files = "1 file" if len(written) == 1 else f"{len(written)} files"
        self._say(f"Wrote {files} to {folder}. Switching account…")
        self._done(switch=True)

    def _export_failed(self, error: BaseException) -> None:
        # The reason may name a patient: it is shown, and only its kind goes to the log.
        log.warning("Exporting this session's drafts and orders failed (%s)", type(error).__name__)
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        self._say(f"They could not be exported: {reason}. The account was not switched.")
        self._done(switch=False)

    def _done(self, *, switch: bool) -> None:
        if switch:
            self._proceed()
        self.deleteLater()


def lost_text(work: SessionWork) -> str:
    parts = []
    if work.unsent:
        parts.append(f"{counted(*split(work.unsent))} not sent")
    if work.drafts:
        parts.append("1 draft" if len(work.drafts) == 1 else f"{len(work.drafts)} drafts")
    return " and ".join(parts) + " would be lost."


def named(work: SessionWork) -> list[str]:
    """One line per unsent order (held ones too) and draft, the first LISTED of them."""
    lines = [unsent_line(entry) for entry in work.unsent]
    lines += [f"Draft: {draft.summary()}" for draft in work.drafts]
    if len(lines) > LISTED:
        lines = [*lines[:LISTED], f"and {len(lines) - LISTED} more"]
    return lines


def leave_session_first(
    parent: QWidget,
    bridge: AsyncBridge,
    store: Store,
    proceed: Callable[[], None],
    say: Callable[[str], None],
) -> None:
    """Run `proceed` (a switch of account) now when `store` is on disk; for a session-only
    store, after the question when it holds drafts or unsent orders."""
    if not store.in_memory:
        proceed()
        return
    LeaveSession(parent, bridge, store, proceed, say).start()
