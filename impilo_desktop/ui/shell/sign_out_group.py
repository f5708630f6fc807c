"""Settings > "This computer's data": signing out of the open account, and removing what other
accounts left on this computer (a staging account tried once, a colleague's production
account), without opening them: opening one would start sending its outbox first.

The built-in sandbox has neither: its data is practice data, and its server keeps its orders
in that folder while it runs.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.config import SANDBOX
from impilo_desktop.profile_data import (
    ProfileInUseError,
    profiles_on_disk,
    remove_profile_data,
    unsent_entries,
    unsent_in,
)
from impilo_desktop.ui.plumbing.resources import icon
from impilo_desktop.ui.plumbing.session_controller import SessionController
from impilo_desktop.ui.plumbing.theme import status_colors
from impilo_desktop.ui.shell.sign_out import SignOut, account_label

log = logging.getLogger(__name__)


class SignOutGroup(QGroupBox):
    """What signing out removes, its button, and a Remove button per other account with data
    here. Hidden when there is nothing to offer (the sandbox open, no other account)."""

    def __init__(self, session: SessionController, parent: QWidget | None = None) -> None:
        super().__init__("This computer's data", parent)
        self.setObjectName("signOutGroup")
        self.session = session
        self.flow: SignOut | None = None
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
        self.others_label = QLabel("Other accounts with data on this computer:", self)
        self.others_label.setObjectName("otherAccountsLabel")
        layout.addWidget(self.others_label)
        self.others = QGridLayout()
        self.others.setColumnStretch(1, 1)
        layout.addLayout(self.others)
        self.other_buttons: dict[str, QPushButton] = {}
        self.message = QLabel(self)
        self.message.setObjectName("signOutMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        session.sign_out_refused.connect(self._refused)
        self.refresh()

    # -- state ------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Show the open account's button now; the other accounts once their folders are
        listed (on the bridge: the UI thread reads no disk)."""
        services = self.session.services
        label = account_label(services.profile.name)
        self.button.setText(f"Sign &out and remove this computer's data for {label}…")
        self.button.setAccessibleName(f"Sign out and remove this computer's data for {label}")
        self.note.setVisible(not services.profile.is_sandbox)
        self.button.setVisible(not services.profile.is_sandbox)
        self._update_visibility()
        services.bridge.call(profiles_on_disk, services.home, on_result=self._show_others)

    def _show_others(self, names: list[str]) -> None:
        current = self.session.services.profile.name
        others = [n for n in names if n not in (current, SANDBOX)]
        if others == list(self.other_buttons):
            return
        while self.others.count():
            item = self.others.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.other_buttons = {}
        for row, name in enumerate(others):
            label = account_label(name)
            self.others.addWidget(QLabel(label, self), row, 0)
            button = QPushButton(icon("delete"), "Remove this computer's data…", self)
            button.setObjectName(f"removeDataButton-{name}")
            button.setAccessibleName(f"Remove this computer's data for {label}")
            button.clicked.connect(lambda _checked=False, n=name: self.remove_other(n))
            self.others.addWidget(button, row, 2)
            self.other_buttons[name] = button
        self._update_visibility()

    def _update_visibility(self) -> None:
        self.others_label.setVisible(bool(self.other_buttons))
        self.setVisible(not self.session.services.profile.is_sandbox or bool(self.other_buttons))

    def say(self, text: str, role: str = "muted") -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {getattr(status_colors(), role)};")
        self.message.show()

    def _busy(self, busy: bool) -> None:
        for button in (self.button, *self.other_buttons.values()):
            button.setEnabled(not busy)

    # -- the open account ------------------------------------------------------------------------

    def sign_out(self) -> None:
        services = self.session.services
        self._start(
            SignOut(
                self,
                services.bridge,
                services.profile.name,
                lambda: unsent_entries(services.store),
                self.session.sign_out,
                self.say,
                lambda: self._busy(False),
            )
        )

    def _refused(self, message: str) -> None:
        self.say(message, "bad")
        self._busy(False)

    # -- another account -------------------------------------------------------------------------

    def remove_other(self, name: str) -> None:
        services = self.session.services
        home, keys = services.home, services.keys

        def remove() -> None:
            services.bridge.call(
                remove_profile_data,
                home,
                name,
                keys,
                on_result=lambda problems: self._removed(name, problems),
                on_error=self._remove_failed,
            )

        self._start(
            SignOut(
                self,
                services.bridge,
                name,
                lambda: unsent_in(home, name, keys),
                remove,
                self.say,
                lambda: self._busy(False),
            )
        )

    def _removed(self, name: str, problems: list[str]) -> None:
        label = account_label(name)
        if problems:
            self.say(f"Removed the {label} account's data. " + " ".join(problems), "warning")
        else:
            self.say(f"Nothing of the {label} account is left on this computer.", "good")
        self._busy(False)
        self.refresh()

    def _remove_failed(self, error: BaseException) -> None:
        if isinstance(error, ProfileInUseError):
            self._refused(error.message)
            return
        log.error("Removing another account's data failed", exc_info=error)
        self._refused("Removing that account's data did not work. The log has the details.")

    def _start(self, flow: SignOut) -> None:
        self._busy(True)
        self.message.hide()
        self.flow = flow
        flow.start()
