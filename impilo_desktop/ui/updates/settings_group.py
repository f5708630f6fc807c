"""Settings > Updates: the update repository's address (none: no checks), the last check and
what it found, and Check now. From source there is nothing to update, and it says so."""

from __future__ import annotations

import datetime

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from impilo_desktop.policy import FIXED_NOTE
from impilo_desktop.ui.plumbing.theme import status_colors
from impilo_desktop.ui.updates.controller import UpdateController
from impilo_desktop.updates.outcomes import not_updated_here
from impilo_desktop.updates.state import UpdateSettings

FROM_SOURCE = (
    "This copy runs from source code: there is nothing for it to update (update it with git"
    " and pip). Installed copies check the address below."
)

NOT_CHECKED = "Not checked on this computer (your organisation installs new versions)."
NOT_CHECKED_HERE = "Not checked where Impilo Desktop runs now (see below)."


def when_text(iso: str) -> str:
    """ "Never", or the local date and time of an ISO 8601 UTC timestamp."""
    if not iso:
        return "Never"
    try:
        moment = datetime.datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return "Never"
    return moment.strftime("%Y-%m-%d %H:%M")


class UpdatesGroup(QGroupBox):
    def __init__(self, updates: UpdateController, parent: QWidget | None = None) -> None:
        super().__init__("Updates", parent)
        self.setObjectName("updatesGroup")
        self.updates = updates
        form = QFormLayout(self)
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(8)
        self.url = QLineEdit(self)
        self.url.setObjectName("updateRepositoryUrl")
        self.url.setAccessibleName("Update repository address")
        self.url.setPlaceholderText(
            "None: no update checks (e.g. https://updates.clinic.org/impilo)"
        )
        self.url.setClearButtonEnabled(True)
        self.url.editingFinished.connect(self.save)
        label = QLabel("Update &repository:", self)
        label.setBuddy(self.url)
        form.addRow(label, self.url)
        self.problem = QLabel(self)
        self.problem.setObjectName("updateRepositoryProblem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        form.addRow("", self.problem)
        self.last_check = QLabel(self)
        self.last_check.setObjectName("updateLastCheck")
        self.last_check.setWordWrap(True)
        form.addRow("Last check:", self.last_check)
        self.check_button = QPushButton("&Check now", self)
        self.check_button.setObjectName("updateCheckNow")
        self.check_button.clicked.connect(self.check_now)
        row = QHBoxLayout()
        row.addWidget(self.check_button)
        row.addStretch(1)
        form.addRow("", row)
        self.note = QLabel(self)
        self.note.setObjectName("updateNote")
        self.note.setWordWrap(True)
        form.addRow("", self.note)
        if updates.fixed:
            self.url.setPlaceholderText("None")  # no example to type: it cannot be changed
            self.url.setReadOnly(True)
            self.url.setClearButtonEnabled(False)
            self.url.setToolTip(FIXED_NOTE)
        updates.settings_changed.connect(self.show_settings)
        self.show_settings(updates.settings)

    def show_settings(self, settings: UpdateSettings) -> None:
        if not self.url.hasFocus():
            self.url.setText(settings.repository_url)
        result = f" — {settings.last_result}" if settings.last_result else ""
        self.last_check.setText(when_text(settings.last_check) + result)
        updates = self.updates
        from_bundle = updates.from_bundle
        self.check_button.setEnabled(updates.can_check)  # `settings` are updates.settings
        if updates.by_organisation:
            # Nothing here is checked or installed: an earlier result ("ready — restart to
            # update") would promise what cannot happen, and an address typed would do nothing.
            moved = updates.move_to_applications
            self.last_check.setText(NOT_CHECKED_HERE if moved else NOT_CHECKED)
            self.url.setReadOnly(True)
            self.url.setClearButtonEnabled(False)
            self.note.setText(not_updated_here(updates.current_version, move_to_applications=moved))
            return
        if not from_bundle:
            self.note.setText(FROM_SOURCE)
        elif not settings.repository_url:
            self.note.setText("No address: Impilo Desktop does not look for updates.")
        else:
            self.note.setText(
                "Checked at start and once a day. An update is installed only when you choose"
                " to restart, and only if its signatures check out."
            )
        if self.updates.fixed and not settings.repository_url:
            self.note.setText(f"{FIXED_NOTE[:-1]}: no update checks.")
        elif self.updates.fixed:
            self.note.setText(f"{FIXED_NOTE} {self.note.text()}")

    def save(self) -> None:
        problem = self.updates.set_repository(self.url.text())
        self.problem.setVisible(bool(problem))
        self.problem.setText(problem)
        self.problem.setStyleSheet(f"color: {status_colors().bad};" if problem else "")

    def check_now(self) -> None:
        self.save()
        self.last_check.setText("Checking…")
        self.updates.check_now()
