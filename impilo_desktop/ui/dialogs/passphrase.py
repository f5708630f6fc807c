"""At start, where no safe password store (keyring) exists: the passphrase that encrypts the
local database, typed by the coordinator, never written anywhere. Or none, and this session
keeps everything in memory (the dialog says plainly what that costs).

The passphrase is checked against the saved database before the dialog closes (a wrong one
is said in the dialog, not by an app that cannot start); a new one is typed twice.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

MIN_LENGTH = 8
SESSION_ONLY_WARNING = (
    "Without a passphrase nothing is saved on this computer: drafts and orders not yet sent "
    "are lost when Impilo Desktop closes."
)


class PassphraseDialog(QDialog):
    """`exec()` returns Accepted with `passphrase` set, or Rejected for a session in memory.

    `opens(passphrase)` says whether a passphrase opens the saved data (called on accept: a
    key derivation and one page read, before the window exists). `new` asks for a passphrase
    to be chosen (typed twice) rather than the one already in use."""

    def __init__(
        self,
        reason: str,
        *,
        new: bool,
        opens: Callable[[str], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._opens = opens
        self._new = new
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
        elif not self._opens(passphrase):
            self._say("That passphrase does not open the data saved on this computer.")
        else:
            self.passphrase = passphrase
            super().accept()


def ask_passphrase(reason: str, *, new: bool, opens: Callable[[str], bool]) -> str | None:
    """Show the dialog (modal, before the main window): the passphrase, or None."""
    dialog = PassphraseDialog(reason, new=new, opens=opens)
    dialog.exec()
    return dialog.passphrase


__all__ = ["SESSION_ONLY_WARNING", "PassphraseDialog", "ask_passphrase"]
