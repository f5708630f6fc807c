"""Connecting an account: the welcome dialog on a first run, and the "enter a new key"
prompt after Impilo refuses the key.

The key is pasted (masked, with a show toggle), tested on the bridge with a busy indicator
and a plain-language result, and saved in the OS keyring (or, with no keyring, kept for this
session only, which the dialog says up front). "Try the sandbox" starts the built-in server.
Every step is non-blocking: the dialog is opened with `open()` and reports through signals.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop import APP_NAME
from impilo_desktop.config import (
    BUILTIN_BASE_URLS,
    CUSTOM,
    PRODUCTION,
    STAGING,
    ConfigError,
    NetworkOptions,
    Profile,
    normalize_base_url,
)
from impilo_desktop.logs import register_secret
from impilo_desktop.policy import FIXED_NOTE, current_policy
from impilo_desktop.secrets import KeyStore
from impilo_desktop.ui.dialogs.key_check import KeyCheckOutcome, KeyCheckResult, check_key
from impilo_desktop.ui.plumbing.accessibility import name_clear_button
from impilo_desktop.ui.plumbing.bridge import AsyncBridge, Job
from impilo_desktop.ui.plumbing.resources import icon
from impilo_desktop.ui.plumbing.theme import status_colors

SERVER_CHOICES = (
    (PRODUCTION, "Production — app.impiloplatform.com"),
    (STAGING, "Staging — staging.impiloplatform.com"),
    (CUSTOM, "Another server…"),
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Tested:
    base_url: str
    key: str
    result: KeyCheckResult


class WelcomeDialog(QDialog):
    """Paste a key, pick the server, test it, save it (or try the sandbox).

    With `replace_for` it only asks for a new key for that profile (after a 401).
    """

    account_saved = Signal(object)  # Profile
    sandbox_chosen = Signal()
    key_replaced = Signal()
    test_finished = Signal(object)  # KeyCheckResult

    def __init__(
        self,
        keys: KeyStore,
        bridge: AsyncBridge,
        parent: QWidget | None = None,
        *,
        replace_for: Profile | None = None,
        reason: str = "rejected",
        network: NetworkOptions | None = None,
    ) -> None:
        super().__init__(parent)
        self.reason = reason
        self.network = network  # the proxy choice the connection test uses
        self.keys = keys
        self.bridge = bridge
        self.replace_for = replace_for
        self._job: Job | None = None
        self._tested: _Tested | None = None
        self._save_after_test = False
        replacing = replace_for is not None
        self.setObjectName("newKeyDialog" if replacing else "welcomeDialog")
        self.setWindowTitle(
            ("Enter a new API key" if reason == "rejected" else "Enter the API key")
            if replacing
            else f"Welcome to {APP_NAME}"
        )
        self.setAccessibleName(self.windowTitle())
        self.setModal(True)
        self.setMinimumWidth(560)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 22, 24, 18)
        layout.setSpacing(14)
        layout.addLayout(self._header(replacing))

        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(10)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.server = QComboBox(self)
        self.server.setObjectName("serverChoice")
        self.server.setAccessibleName("Server")
        for key, label in SERVER_CHOICES:
            self.server.addItem(label, key)
        self.custom_url = QLineEdit(self)
        self.custom_url.setObjectName("customUrlEdit")
        self.custom_url.setAccessibleName("Server address")
        self.custom_url.setPlaceholderText("https://impilo.example.org")
        self.custom_url.setClearButtonEnabled(True)
        name_clear_button(self.custom_url)  # read as "Clear", not just "button"
        self.server_row_label = QLabel("Se&rver:", self)
        self.server_row_label.setBuddy(self.server)
        self.url_row_label = QLabel("Server &address:", self)
        self.url_row_label.setBuddy(self.custom_url)
        policy = current_policy()
        # The server the computer's policy fixes (impilo_desktop/policy.py) is shown, not asked.
        self.fixed_server = None if replacing else policy.server
        if replacing or self.fixed_server is not None:
            shown = replace_for or self.fixed_server
            assert shown is not None
            text = f"{shown.name} — {shown.base_url}"
            fixed = QLabel(text if replacing else f"{text} ({FIXED_NOTE})", self)
            fixed.setObjectName("serverFixed")
            fixed.setWordWrap(True)
            form.addRow("Account:", fixed)
            for widget in (self.server, self.custom_url, self.server_row_label, self.url_row_label):
                widget.hide()
        else:
            form.addRow(self.server_row_label, self.server)
            form.addRow(self.url_row_label, self.custom_url)

        self.key_edit = QLineEdit(self)
        self.key_edit.setObjectName("apiKeyEdit")
        self.key_edit.setAccessibleName("API key")
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("Paste the key from the Impilo account portal")
        self.key_edit.setInputMethodHints(
            Qt.InputMethodHint.ImhHiddenText | Qt.InputMethodHint.ImhNoPredictiveText
        )
        self.show_key = QAction(icon("eye"), "Show key", self.key_edit)
        self.show_key.setObjectName("showKeyAction")
        self.show_key.setCheckable(True)
        self.show_key.toggled.connect(self._toggle_visible)
        self.key_edit.addAction(self.show_key, QLineEdit.ActionPosition.TrailingPosition)
        key_label = QLabel("API &key:", self)
        key_label.setBuddy(self.key_edit)
        form.addRow(key_label, self.key_edit)
        layout.addLayout(form)

        test_row = QHBoxLayout()
        test_row.setSpacing(10)
        self.test_button = QPushButton(icon("refresh"), "&Test connection", self)
        self.test_button.setObjectName("testConnectionButton")
        self.test_button.setAccessibleName("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.busy = QProgressBar(self)
        self.busy.setObjectName("testBusy")
        self.busy.setAccessibleName("Testing the connection")
        self.busy.setRange(0, 0)
        self.busy.setFixedWidth(90)
        self.busy.setMaximumHeight(12)
        self.busy.setTextVisible(False)
        self.busy.hide()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.busy)
        test_row.addStretch(1)
        layout.addLayout(test_row)

        result_row = QHBoxLayout()
        self.result_icon = QLabel(self)
        self.result_icon.setFixedSize(18, 18)
        self.result_icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.result_label = QLabel(self)
        self.result_label.setObjectName("testResult")
        self.result_label.setWordWrap(True)
        self.result_label.setAccessibleName("Connection test result")
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        result_row.addWidget(self.result_icon, 0, Qt.AlignmentFlag.AlignTop)
        result_row.addWidget(self.result_label, 1)
        layout.addLayout(result_row)
        self._show_result(None)

        self.keyring_note = QLabel(self)
        self.keyring_note.setObjectName("keyringNote")
        self.keyring_note.setWordWrap(True)
        if self.keys.available():
            self.keyring_note.setText(
                "The key is saved in this computer's password store, never in a file."
            )
            self.keyring_note.setStyleSheet(f"color: {status_colors().muted};")
        else:
            reason = self.keys.unavailable_reason or "No password store is available."
            self.keyring_note.setText(
                f"{reason} The key will be kept only until you close {APP_NAME}; you will "
                "be asked for it again next time."
            )
            self.keyring_note.setStyleSheet(f"color: {status_colors().warning};")
        layout.addWidget(self.keyring_note)
        layout.addStretch(1)

        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton(
            "Save key" if replacing else "Sa&ve and connect",
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.save_button.setObjectName("saveKeyButton")
        self.save_button.setAccessibleName("Save the API key")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("cancelButton")
        cancel.setAccessibleName("Cancel")
        cancel.clicked.connect(self.reject)
        self.sandbox_button: QPushButton | None = None
        if not replacing and policy.allow_sandbox:
            self.sandbox_button = self.buttons.addButton(
                "Try the &sandbox", QDialogButtonBox.ButtonRole.ResetRole
            )
            self.sandbox_button.setObjectName("trySandboxButton")
            self.sandbox_button.setAccessibleName("Try the sandbox")
            self.sandbox_button.setIcon(icon("sandbox"))
            self.sandbox_button.setToolTip("Practice with built-in demo data; nothing is sent")
            self.sandbox_button.clicked.connect(self.choose_sandbox)
        layout.addWidget(self.buttons)

        self.server.currentIndexChanged.connect(self._server_changed)
        self.key_edit.textChanged.connect(self._inputs_changed)
        self.custom_url.textChanged.connect(self._inputs_changed)
        self._server_changed()
        self._inputs_changed()
        self.key_edit.setFocus()

    def _header(self, replacing: bool) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(16)
        picture = QLabel(self)
        name = "app" if not replacing else "key-rejected" if self.reason == "rejected" else "key"
        picture.setPixmap(icon(name).pixmap(48, 48))
        picture.setAlignment(Qt.AlignmentFlag.AlignTop)
        row.addWidget(picture)
        texts = QVBoxLayout()
        texts.setSpacing(4)
        title = QLabel(self.windowTitle(), self)
        title.setObjectName("welcomeTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.45)
        font.setWeight(font.Weight.DemiBold)
        title.setFont(font)
        if replacing:
            assert self.replace_for is not None
            name = self.replace_for.name
            intro = {
                "rejected": f"Impilo did not accept the API key for {name}. It may have "
                "expired or been deactivated. Paste a new key from the Impilo account portal; "
                "orders waiting in the outbox are sent as soon as it works.",
                "missing": f"There is no API key for {name} on this computer yet. Paste the "
                "key from the Impilo account portal.",
            }.get(
                self.reason,
                f"Paste the new API key for {name}. The old key is replaced when you save.",
            )
        else:
            intro = (
                "Connect to your organisation's Impilo account with an API key from the "
                "Impilo account portal (your account manager can issue one)."
            )
            if current_policy().allow_sandbox:
                intro += " Or try the built-in sandbox first: practice data, nothing is sent."
        text = QLabel(intro, self)
        text.setObjectName("welcomeIntro")
        text.setWordWrap(True)
        texts.addWidget(title)
        texts.addWidget(text)
        row.addLayout(texts, 1)
        return row

    # -- inputs --------------------------------------------------------------------------------

    def _toggle_visible(self, visible: bool) -> None:
        self.key_edit.setEchoMode(
            QLineEdit.EchoMode.Normal if visible else QLineEdit.EchoMode.Password
        )
        self.show_key.setIcon(icon("eye-off" if visible else "eye"))
        self.show_key.setText("Hide key" if visible else "Show key")

    def _server_changed(self) -> None:
        asked = self.replace_for is None and self.fixed_server is None
        custom = asked and self.server.currentData() == CUSTOM
        if asked:
            self.custom_url.setVisible(custom)
            self.url_row_label.setVisible(custom)
        if custom:
            self.custom_url.setFocus()
        self._inputs_changed()

    def _inputs_changed(self) -> None:
        ready = bool(self.key_edit.text().strip()) and self._job is None
        self.test_button.setEnabled(ready)
        self.save_button.setEnabled(ready)
        if self._tested and (self._tested.key, self._tested.base_url) != (
            self.key_edit.text().strip(),
            self._base_url_or_none(),
        ):
            self._tested = None
            self._show_result(None)

    def select_server(self, choice: str, url: str = "") -> None:
        """Pick production, staging or `custom` (with `url`), as the user would."""
        self.server.setCurrentIndex(self.server.findData(choice))
        if url:
            self.custom_url.setText(url)

    def _base_url_or_none(self) -> str | None:
        try:
            return self.chosen_profile().base_url
        except ConfigError:
            return None

    def chosen_profile(self) -> Profile:
        """The profile the inputs describe (raises `ConfigError` for a bad address)."""
        if self.replace_for is not None:
            return self.replace_for
        if self.fixed_server is not None:
            return self.fixed_server
        choice = str(self.server.currentData())
        if choice == CUSTOM:
            text = self.custom_url.text().strip()
            if not text:
                raise ConfigError("Enter the server's address, e.g. https://impilo.example.org.")
            return Profile(CUSTOM, normalize_base_url(text))
        return Profile(choice, BUILTIN_BASE_URLS[choice])

    # -- testing -----------------------------------------------------------------------------

    def test_connection(self) -> None:
        """Check the key against the chosen server, in the background."""
        key = self.key_edit.text().strip()
        if not key or self._job is not None:
            return
        try:
            profile = self.chosen_profile()
        except ConfigError as exc:
            self._show_result(KeyCheckResult(KeyCheckOutcome.PROBLEM, str(exc)))
            self.custom_url.setFocus()
            self._save_after_test = False
            return
        register_secret(key)
        self._set_busy(True)
        self._show_result(None, f"Connecting to {profile.base_url}…")

        def done(result: KeyCheckResult) -> None:
            self._job = None
            self._set_busy(False)
            self._tested = _Tested(profile.base_url, key, result)
            self._show_result(result)
            self.test_finished.emit(result)
            if self._save_after_test:
                self._save_after_test = False
                if result.outcome in (KeyCheckOutcome.OK, KeyCheckOutcome.UNREACHABLE):
                    self._commit(profile, key)

        def failed(error: BaseException) -> None:
            done(KeyCheckResult(KeyCheckOutcome.PROBLEM, f"The test did not work ({error})."))

        self._job = self.bridge.submit(
            check_key(profile.base_url, key, network=self.network),
            on_result=done,
            on_error=failed,
        )

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.key_edit.setReadOnly(busy)
        self.server.setEnabled(not busy)
        self.custom_url.setReadOnly(busy)
        if self.sandbox_button is not None:
            self.sandbox_button.setEnabled(not busy)
        self._inputs_changed()

    def _show_result(self, result: KeyCheckResult | None, pending_text: str = "") -> None:
        colors = status_colors()
        if result is None:
            self.result_label.setText(pending_text)
            self.result_label.setStyleSheet(f"color: {colors.muted};")
            self.result_icon.clear()
            return
        icon_name, color = {
            KeyCheckOutcome.OK: ("online", colors.good),
            KeyCheckOutcome.REJECTED: ("key-rejected", colors.bad),
            KeyCheckOutcome.UNREACHABLE: ("offline", colors.warning),
            KeyCheckOutcome.PROBLEM: ("key-rejected", colors.bad),
        }[result.outcome]
        self.result_label.setText(result.message)
        self.result_label.setStyleSheet(f"color: {color};")
        self.result_icon.setPixmap(icon(icon_name).pixmap(18, 18))

    # -- finishing ----------------------------------------------------------------------------

    def save(self) -> None:
        """Save the key (testing it first unless that was just done)."""
        key = self.key_edit.text().strip()
        if not key:
            return
        try:
            profile = self.chosen_profile()
        except ConfigError as exc:
            self._show_result(KeyCheckResult(KeyCheckOutcome.PROBLEM, str(exc)))
            return
        tested = self._tested
        if tested is None or (tested.key, tested.base_url) != (key, profile.base_url):
            self._save_after_test = True
            self.test_connection()
            return
        if tested.result.outcome in (KeyCheckOutcome.REJECTED, KeyCheckOutcome.PROBLEM):
            self._show_result(tested.result)
            self.key_edit.setFocus()
            self.key_edit.selectAll()
            return
        self._commit(profile, key)

    def _commit(self, profile: Profile, key: str) -> None:
        """Save the key (on the bridge loop: the OS may take its time, or ask to unlock the
        keyring), then hand over."""
        register_secret(key)
        self.setEnabled(False)

        def saved(_in_keyring: bool) -> None:
            self.setEnabled(True)
            if self.replace_for is not None:
                self.key_replaced.emit()
            else:
                self.account_saved.emit(profile)
            self.accept()

        def failed(error: BaseException) -> None:
            self.setEnabled(True)
            log.warning("Could not save the key: %s", type(error).__name__)
            self._show_result(
                KeyCheckResult(KeyCheckOutcome.PROBLEM, "The key could not be saved. Try again.")
            )

        self.bridge.call(self.keys.set_key, profile.name, key, on_result=saved, on_error=failed)

    def choose_sandbox(self) -> None:
        self.sandbox_chosen.emit()
        self.accept()

    def reject(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self._job = None
        super().reject()
