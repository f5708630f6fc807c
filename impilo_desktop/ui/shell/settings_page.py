"""Settings: the account in use and its API key, switching account, the network (proxy),
how long cached orders are kept, the built-in sandbox's practice data, and where data and
logs are kept on this computer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.config import (
    BUILTIN_BASE_URLS,
    CUSTOM,
    PRODUCTION,
    SANDBOX,
    STAGING,
    ConfigError,
    Profile,
    Settings,
    log_dir,
    normalize_base_url,
)
from impilo_desktop.policy import FIXED_NOTE, current_policy
from impilo_desktop.store import Protection
from impilo_desktop.ui.dialogs.confirm import Question, confirm_destructive
from impilo_desktop.ui.dialogs.support_buttons import open_folder
from impilo_desktop.ui.plumbing.data_protection import SESSION_ONLY_TEXT
from impilo_desktop.ui.plumbing.resources import icon
from impilo_desktop.ui.plumbing.theme import on_scheme_change, status_colors
from impilo_desktop.ui.shell.leave_session import leave_session_first
from impilo_desktop.ui.shell.network_settings import NetworkGroup
from impilo_desktop.ui.shell.retention_settings import RetentionGroup
from impilo_desktop.ui.shell.sign_out_group import SignOutGroup

if TYPE_CHECKING:
    from impilo_desktop.ui.plumbing.services import AppServices
    from impilo_desktop.ui.plumbing.session_controller import SessionController
    from impilo_desktop.ui.updates.controller import UpdateController

log = logging.getLogger(__name__)


# The profile choice for the server the computer's policy fixes (not a built-in one).
FIXED = "fixed"


def key_status(services: AppServices) -> tuple[str, str]:
    """(text, colour role) describing where the current key comes from."""
    keys, name = services.keys, services.profile.name
    if services.profile.is_sandbox:
        return "The sandbox's built-in demo key (nothing to set up).", "muted"
    if keys.from_environment():
        return "Taken from the IMPILO_API_KEY environment variable (not stored).", "muted"
    if keys.get_key(name) is None:
        return "No key yet: orders wait in the outbox until you add one.", "bad"
    if keys.is_session_only(name):
        reason = keys.unavailable_reason or "No password store is available."
        return f"Kept for this session only. {reason}", "warning"
    return "Saved in this computer's password store.", "good"


def protection_status(services: AppServices) -> tuple[str, str]:
    """(text, colour role): how this profile's local data is kept (see cipher.Protection)."""
    if services.store.in_memory:
        return SESSION_ONLY_TEXT, "warning"
    keys = services.keys
    if keys.database_protection(services.profile.name) is Protection.PASSPHRASE:
        return "Encrypted with your passphrase.", "good"
    return f"Encrypted; key in {password_store_name(keys.backend_name)}.", "good"


def password_store_name(backend: str) -> str:
    """A readable name for a keyring backend class path."""
    known = {
        "SecretService": "Secret Service",
        "macOS": "macOS Keychain",
        "Windows": "Windows Credential Manager",
        "kwallet": "KWallet",
        "chainer": "system keyring",
        "secrets": "test keyring",
    }
    return next((name for key, name in known.items() if key in backend), backend)


class SettingsPage(QWidget):
    """Account and key, switching account, network, folders.

    It asks the session for what changes the account (`session`), and the window for a new
    key (`ask_for_key(reason)`, a dialog); it drives nothing else."""

    def __init__(
        self,
        services: AppServices,
        session: SessionController,
        ask_for_key: Callable[[str], None],
        parent: QWidget | None = None,
        *,
        updates: UpdateController | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsPage")
        self.setAccessibleName("Settings")
        self.services = services
        self.session = session
        self._ask_for_key = ask_for_key
        session.sandbox_reset.connect(self._sandbox_reset)
        session.problem.connect(lambda _message: self.reset_sandbox_button.setEnabled(True))

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setAccessibleName("Settings")  # a Tab stop: read by name
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        inner = QWidget(scroll)
        inner.setObjectName("settingsInner")
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 8, 0)
        inner.setMaximumWidth(820)
        column.setSpacing(16)
        column.addWidget(self._account_group())
        column.addWidget(self._switch_group())
        self.network_group = NetworkGroup(self.services, inner)
        column.addWidget(self.network_group)
        self.retention_group = RetentionGroup(self.services, session.retention.prune, inner)
        column.addWidget(self.retention_group)
        column.addWidget(self._sandbox_group())
        column.addWidget(self._folders_group())
        if updates is not None:
            from impilo_desktop.ui.updates.settings_group import UpdatesGroup

            self.updates_group = UpdatesGroup(updates, inner)
            column.addWidget(self.updates_group)
        self.sign_out_group = SignOutGroup(session, inner)
        column.addWidget(self.sign_out_group)
        column.addStretch(1)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        on_scheme_change(self._on_scheme)
        self.refresh()

    # -- groups ---------------------------------------------------------------------------------

    def _account_group(self) -> QGroupBox:
        box = QGroupBox("Account in use", self)
        box.setObjectName("accountGroup")
        form = QFormLayout(box)
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(8)
        self.profile_value = QLabel(box)
        self.profile_value.setObjectName("profileValue")
        self.url_value = QLabel(box)
        self.url_value.setObjectName("baseUrlValue")
        self.url_value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_value = QLabel(box)
        self.key_value.setObjectName("keyStatus")
        self.key_value.setWordWrap(True)
        self.key_value.setAccessibleName("API key status")
        form.addRow("Profile:", self.profile_value)
        form.addRow("Server:", self.url_value)
        form.addRow("API key:", self.key_value)
        self.store_value = QLabel(box)
        self.store_value.setObjectName("passwordStore")
        self.store_value.setWordWrap(True)
        form.addRow("Password store:", self.store_value)
        buttons = QHBoxLayout()
        self.replace_button = QPushButton(icon("key"), "&Replace key…", box)
        self.replace_button.setObjectName("replaceKeyButton")
        self.replace_button.setAccessibleName("Replace API key")
        self.replace_button.clicked.connect(self.replace_key)
        self.remove_button = QPushButton(icon("delete"), "Re&move key", box)
        self.remove_button.setObjectName("removeKeyButton")
        self.remove_button.setAccessibleName("Remove API key")
        self.remove_button.clicked.connect(self.confirm_remove_key)
        buttons.addWidget(self.replace_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        form.addRow("", buttons)
        return box

    def _switch_group(self) -> QGroupBox:
        box = QGroupBox("Switch account", self)
        box.setObjectName("switchGroup")
        form = QFormLayout(box)
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(8)
        self.profile_choice = QComboBox(box)
        self.profile_choice.setObjectName("profileChoice")
        self.profile_choice.setAccessibleName("Account to use")
        # What the computer's policy allows (impilo_desktop/policy.py): its one server, and
        # the sandbox unless it is turned off.
        policy = self.policy = current_policy()
        fixed = policy.server
        for name, text in (
            (PRODUCTION, "Production — app.impiloplatform.com"),
            (STAGING, "Staging — staging.impiloplatform.com"),
        ):
            if fixed is None or fixed.name == name:
                self.profile_choice.addItem(icon("key"), text, name)
        if fixed is not None and fixed.name not in BUILTIN_BASE_URLS:
            self.profile_choice.addItem(
                icon("key"), f"{fixed.name.capitalize()} — {fixed.base_url}", FIXED
            )
        if policy.allow_sandbox:
            self.profile_choice.addItem(
                icon("sandbox"), "Sandbox — built-in practice data", SANDBOX
            )
        if fixed is None:
            self.profile_choice.addItem(icon("settings"), "Another server…", CUSTOM)
        self.custom_url = QLineEdit(box)
        self.custom_url.setObjectName("settingsCustomUrl")
        self.custom_url.setAccessibleName("Server address")
        self.custom_url.setPlaceholderText("https://impilo.example.org")
        saved = Settings.load(self.services.home).base_urls.get(CUSTOM)
        if saved:
            self.custom_url.setText(saved)
        self.switch_button = QPushButton("S&witch", box)
        self.switch_button.setObjectName("switchProfileButton")
        self.switch_button.setAccessibleName("Switch account")
        self.switch_button.clicked.connect(self.switch_profile)
        self.switch_message = QLabel(box)
        self.switch_message.setObjectName("switchMessage")
        self.switch_message.setWordWrap(True)
        self.switch_message.hide()
        row = QHBoxLayout()
        row.addWidget(self.profile_choice, 1)
        row.addWidget(self.switch_button)
        form.addRow("Use:", row)
        self.custom_label = QLabel("Address:", box)
        form.addRow(self.custom_label, self.custom_url)
        form.addRow("", self.switch_message)
        note = "Each account keeps its own drafts, outbox and cached data on this computer."
        if fixed is not None or not policy.allow_sandbox:
            self.profile_choice.setToolTip(FIXED_NOTE)
            if fixed is None:
                rule = "the sandbox is turned off on this computer."
            else:
                rule = f"this computer uses {fixed.base_url} only" + (
                    "." if policy.allow_sandbox else ", without the sandbox."
                )
            note = f"{FIXED_NOTE[:-1]}: {rule} {note}"
        if self.profile_choice.count() == 1:
            self.profile_choice.setEnabled(False)
            self.switch_button.setEnabled(False)
        self.note = QLabel(note, box)
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {status_colors().muted};")
        form.addRow("", self.note)
        self.profile_choice.currentIndexChanged.connect(self._choice_changed)
        return box

    def _sandbox_group(self) -> QGroupBox:
        box = QGroupBox("Sandbox practice data", self)
        box.setObjectName("sandboxGroup")
        layout = QVBoxLayout(box)
        layout.setSpacing(8)
        note = QLabel(
            "Orders placed in the built-in sandbox are kept on this computer, so they are "
            "still there the next time you open Impilo Desktop.",
            box,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        self.reset_sandbox_button = QPushButton(icon("refresh"), "Reset sandbox &data…", box)
        self.reset_sandbox_button.setObjectName("resetSandboxButton")
        self.reset_sandbox_button.setAccessibleName("Reset sandbox data")
        self.reset_sandbox_button.clicked.connect(self.confirm_reset_sandbox)
        row = QHBoxLayout()
        row.addWidget(self.reset_sandbox_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.sandbox_group = box
        return box

    def _folders_group(self) -> QGroupBox:
        box = QGroupBox("Where things are kept", self)
        box.setObjectName("foldersGroup")
        form = QFormLayout(box)
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(8)
        self.data_row = self._folder_row(box, "dataFolder")
        self.log_row = self._folder_row(box, "logFolder")
        form.addRow("Data (this account):", self.data_row[0])
        form.addRow("Logs:", self.log_row[0])
        self.protection_value = QLabel(box)
        self.protection_value.setObjectName("dataProtection")
        self.protection_value.setWordWrap(True)
        form.addRow("Saved data:", self.protection_value)
        return box

    def _folder_row(self, parent: QWidget, name: str) -> tuple[QWidget, QLabel]:
        row = QWidget(parent)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel(row)
        label.setObjectName(name)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setWordWrap(True)
        button = QPushButton(icon("folder"), "Open", row)
        button.setObjectName(f"{name}Open")
        button.setAccessibleName(f"Open the {name.replace('Folder', '')} folder")
        button.clicked.connect(lambda: self._open_folder(Path(label.text())))
        layout.addWidget(label, 1)
        layout.addWidget(button)
        return row, label

    # -- state ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Show the current profile, key status and folders."""
        profile = self.services.profile
        self.profile_value.setText(profile.name.capitalize())
        self.url_value.setText(profile.base_url)
        text, role = key_status(self.services)
        self.key_value.setText(text)
        self.key_value.setStyleSheet(f"color: {getattr(status_colors(), role)};")
        editable = not profile.is_sandbox and not self.services.keys.from_environment()
        self.replace_button.setEnabled(editable)
        self.replace_button.setVisible(not profile.is_sandbox)
        self.remove_button.setVisible(not profile.is_sandbox)
        has_key = self.services.keys.get_key(profile.name) is not None
        self.remove_button.setEnabled(editable and has_key)
        if profile == self.policy.server and profile.name not in BUILTIN_BASE_URLS:
            choice = FIXED
        elif profile.name in (PRODUCTION, STAGING, SANDBOX):
            choice = profile.name
        else:
            choice = CUSTOM
        index = self.profile_choice.findData(choice)
        self.profile_choice.setCurrentIndex(max(index, 0))
        if profile.name == CUSTOM:
            self.custom_url.setText(profile.base_url)
        keys = self.services.keys
        if keys.available():
            self.store_value.setText(f"Available ({password_store_name(keys.backend_name)})")
        else:
            self.store_value.setText(keys.unavailable_reason or "Not available")
        # Only the built-in server can be reset from here (a standalone one is not ours).
        self.sandbox_group.setVisible(self.session.sandbox_running)
        self.data_row[1].setText(str(profile.data_dir(self.services.home)))
        self.log_row[1].setText(str(log_dir()))
        text, role = protection_status(self.services)
        self.protection_value.setText(text)
        self.protection_value.setStyleSheet(f"color: {getattr(status_colors(), role)};")
        self.sign_out_group.refresh()
        self._choice_changed()

    def _on_scheme(self, _dark: bool) -> None:
        self.note.setStyleSheet(f"color: {status_colors().muted};")
        self.network_group.refresh()
        self.retention_group.refresh()
        self.refresh()

    def page_activated(self) -> None:
        self.refresh()

    def _choice_changed(self) -> None:
        custom = self.profile_choice.currentData() == CUSTOM
        self.custom_url.setVisible(custom)
        self.custom_label.setVisible(custom)
        self.switch_message.clear()
        self.switch_message.hide()

    # -- actions ------------------------------------------------------------------------------

    def replace_key(self) -> None:
        self._ask_for_key("replace")

    def confirm_remove_key(self) -> None:
        confirm_destructive(
            self,
            Question(
                name="removeKeyConfirmation",
                title="Remove the API key?",
                text=f"Remove the API key for {self.services.profile.name} from this computer?",
                informative="Nothing more is sent or updated until you enter a key again. "
                "Drafts and the outbox stay on this computer.",
                action="Remove key",
                action_name="confirmRemoveKey",
            ),
            self.remove_key,
        )

    def remove_key(self) -> None:
        """Forget the key of the current profile (the window refreshes this page after)."""
        self.remove_button.setEnabled(False)
        self.session.remove_key()

    def confirm_reset_sandbox(self) -> None:
        confirm_destructive(
            self,
            Question(
                name="resetSandboxConfirmation",
                title="Reset the sandbox data?",
                text="Delete every order placed in the sandbox and start again from its demo data?",
                informative="Its patients, sites, items and kits stay as they are. Drafts and "
                "the outbox on this computer are kept. New orders get new numbers: no order "
                "number is used twice.",
                action="Reset sandbox data",
                action_name="confirmResetSandbox",
            ),
            self.reset_sandbox,
        )

    def reset_sandbox(self) -> None:
        """Back to the built-in sandbox's demo data (`sandbox_reset` then says it is done)."""
        self.reset_sandbox_button.setEnabled(False)
        self.session.reset_sandbox()

    def _sandbox_reset(self) -> None:
        self.reset_sandbox_button.setEnabled(True)  # the window says it is done

    def switch_profile(self) -> None:
        choice = str(self.profile_choice.currentData())
        if choice == SANDBOX:
            if self.session.sandbox_running:
                self.session.use_sandbox()  # already open: nothing is closed
            else:
                self._leave_session_first(self.session.use_sandbox)
            return
        if choice == CUSTOM:
            try:
                url = normalize_base_url(self.custom_url.text())
            except ConfigError as exc:
                self.switch_message.setText(str(exc))
                self.switch_message.show()
                self.switch_message.setStyleSheet(f"color: {status_colors().bad};")
                return
            profile = Profile(CUSTOM, url)
        elif choice == FIXED and self.policy.server is not None:
            profile = self.policy.server
        else:
            profile = Profile(choice, BUILTIN_BASE_URLS[choice])
        # The window asks for a key once the account is open, if it has none.
        if profile == self.session.services.profile:
            self.session.switch_profile(profile)  # the same account: nothing is closed
        else:
            self._leave_session_first(lambda: self.session.switch_profile(profile))

    def _leave_session_first(self, switch: Callable[[], None]) -> None:
        """`switch` now, or after asking when a session-only store would lose work."""
        services = self.session.services

        def say(text: str) -> None:
            self.switch_message.setText(text)
            self.switch_message.setStyleSheet("")
            self.switch_message.show()

        leave_session_first(self, services.bridge, services.store, switch, say)

    @staticmethod
    def _open_folder(folder: Path) -> None:
        open_folder(folder)
