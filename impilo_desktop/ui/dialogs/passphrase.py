"""At start, where no safe password store (keyring) exists: the passphrase that encrypts the
local database, typed by the coordinator, never written anywhere. Or none, and this session
keeps everything in memory (the dialog says plainly what that costs).

The passphrase is checked against the saved database before the dialog closes (a wrong one
is said in the dialog, not by an app that cannot start); a new one is typed twice.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

MIN_LENGTH = 8
SESSION_ONLY_WARNING = (
    "Without a passphrase nothing is saved on this computer: drafts and orders not yet sent "
    "are lost when Impilo Desktop closes."
)


log = logging.getLogger(__name__)


class PassphraseDialog(QDialog):
    """`exec()` returns Accepted with `passphrase` set, or Rejected for a session in memory.

    `opens(passphrase)` says whether a passphrase opens the saved data (called on accept, on
    a thread of its own: a key derivation and one page read, before the window exists).
    `new` asks for a passphrase to be chosen (typed twice) rather than the one already in
    use."""

    _checked = Signal(str, bool)  # (passphrase, it opens the saved data), from the check

    def __init__(
        self,
        reason: str,
        *,
        new: bool,
        opens: Callable[[str], bool],
        plain_unsent: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._opens = opens
        self._new = new
        # Not None: an earlier version left an unencrypted store holding this many unsent
        # orders, which a session without a passphrase leaves as it is and never sends.
        self._plain_unsent = plain_unsent
        self._checking = False
        self._checked.connect(self._on_checked, Qt.ConnectionType.QueuedConnection)
        self.passphrase: str | None = None
        self.setObjectName("passphraseDialog")
        self.setWindowTitle("Protect the data on this computer")
        intro = QLabel(
            f"{reason} Impilo Desktop encrypts the patient data it keeps on this computer "
            "with a passphrase instead. "
            + (
                "Choose one and keep it safe: without it the saved drafts and orders cannot "
                "be opened again."
                if new
                else "Type the passphrase you chose for it."
            ),
            self,
        )
        intro.setWordWrap(True)
        self.field = QLineEdit(self)
        self.field.setObjectName("passphraseField")
        self.field.setAccessibleName("Passphrase")
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.again = QLineEdit(self)
        self.again.setObjectName("passphraseAgain")
        self.again.setAccessibleName("Passphrase again")
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("&Passphrase:", self.field)
        if new:
            form.addRow("&Again:", self.again)
        else:
            self.again.hide()
        self.problem = QLabel(self)
        self.problem.setObjectName("passphraseProblem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        warning = QLabel(SESSION_ONLY_WARNING, self)
        warning.setObjectName("sessionOnlyWarning")
        warning.setWordWrap(True)
        buttons = QDialogButtonBox(self)
        self.open_button = buttons.addButton(
            "&Open" if not new else "&Encrypt", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.open_button.setObjectName("passphraseOpen")
        self.open_button.setDefault(True)
        self.memory_button = buttons.addButton(
            "&Continue without saving", QDialogButtonBox.ButtonRole.RejectRole
        )
        self.memory_button.setObjectName("passphraseSessionOnly")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(warning)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)
        self.field.setFocus()

    def _say(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()
        self.adjustSize()  # room for the line, or the text above it is cut off
        self.field.selectAll()
        self.field.setFocus()

    def accept(self) -> None:
        passphrase = self.field.text()
        if self._new and len(passphrase) < MIN_LENGTH:
            self._say(f"Use at least {MIN_LENGTH} characters.")
        elif self._new and passphrase != self.again.text():
            self._say("The two passphrases are not the same. Type them again.")
        elif not passphrase:
            self._say("Type the passphrase, or continue without saving.")
        elif not self._checking:
            self._check(passphrase)

    def _check(self, passphrase: str) -> None:
        """Whether it opens the saved data (a key derivation of a good fraction of a second
        and one page read), on a thread of its own: the dialog goes on painting, says it is
        checking, and takes no second answer meanwhile. The window and its bridge do not
        exist yet."""
        self._busy(True)
        opens, checked = self._opens, self._checked

        def check() -> None:
            try:
                ok = opens(passphrase)
            except Exception:
                log.warning("Checking the passphrase failed", exc_info=True)
                ok = False
            # Queued onto the UI thread; a dialog already gone raises: nobody waits then.
            with contextlib.suppress(RuntimeError):
                checked.emit(passphrase, ok)

        threading.Thread(target=check, name="impilo-passphrase-check", daemon=True).start()

    def _busy(self, checking: bool) -> None:
        self._checking = checking
        for widget in (self.field, self.again, self.open_button, self.memory_button):
            widget.setEnabled(not checking)
        if checking:
            self.problem.setText("Checking the passphrase…")
            self.problem.show()

    @Slot(str, bool)
    def _on_checked(self, passphrase: str, ok: bool) -> None:
        self._busy(False)
        if not ok:
            self._say("That passphrase does not open the data saved on this computer.")
            return
        self.problem.hide()
        self.passphrase = passphrase
        super().accept()

    def reject(self) -> None:
        if self._checking:
            return  # the answer comes in a moment; Escape then works again
        if self._plain_unsent is None:
            super().reject()
            return
        self._confirm_plain_left()

    def _confirm_plain_left(self) -> None:
        """ "Continue without saving" with an unencrypted store from before: say what that
        leaves behind, and offer the passphrase again. "Set a passphrase" is the default:
        a coordinator expects the orders waiting there to be sent and the patient data on
        the laptop to be protected, and a passphrase gives both (the store is encrypted and
        opened as usual); going on without one keeps neither promise, so it must be chosen
        deliberately."""
        count = self._plain_unsent or 0
        orders = (
            "no orders waiting to be sent"
            if count == 0
            else "1 order not yet sent"
            if count == 1
            else f"{count} orders not yet sent"
        )
        box = QMessageBox(self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setObjectName("plainDataLeftQuestion")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Data left unencrypted")
        box.setText(
            f"The data an earlier version saved on this computer is not encrypted, with {orders}."
        )
        box.setInformativeText(
            "Without a passphrase it stays on this computer unencrypted, and this session "
            "neither opens nor sends it. Set a passphrase to encrypt it and send its orders."
        )
        set_passphrase = box.addButton("&Set a passphrase", QMessageBox.ButtonRole.AcceptRole)
        set_passphrase.setObjectName("plainSetPassphrase")
        leave = box.addButton("&Continue without saving", QMessageBox.ButtonRole.DestructiveRole)
        leave.setObjectName("plainLeaveUnencrypted")
        box.setDefaultButton(set_passphrase)
        box.setEscapeButton(set_passphrase)

        box.finished.connect(lambda _result: self._plain_answered(box.clickedButton() is leave))
        box.open()

    def _plain_answered(self, leave: bool) -> None:
        if leave:
            # Once the box has closed: closing its parent from inside its own finish crashed.
            QTimer.singleShot(0, lambda: QDialog.reject(self))
        else:
            self.field.setFocus()


def ask_passphrase(
    reason: str, *, new: bool, opens: Callable[[str], bool], plain_unsent: int | None = None
) -> str | None:
    """Show the dialog (modal, before the main window): the passphrase, or None.
    `plain_unsent`: see `PassphraseDialog`."""
    dialog = PassphraseDialog(reason, new=new, opens=opens, plain_unsent=plain_unsent)
    dialog.exec()
    return dialog.passphrase


__all__ = ["SESSION_ONLY_WARNING", "PassphraseDialog", "ask_passphrase"]
