"""Settings > Network: how Impilo Desktop reaches Impilo (the proxy). One choice for every
account, saved in the settings file and used from the next connection on: applying it
rebuilds the shared client and checks the connection again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from impilo_desktop.config import (
    PROXY_MANUAL,
    PROXY_NONE,
    PROXY_PAC,
    PROXY_SYSTEM,
    ConfigError,
    NetworkOptions,
    Settings,
)
from impilo_desktop.policy import FIXED_NOTE, current_policy
from impilo_desktop.ui.plumbing.theme import status_colors

if TYPE_CHECKING:
    from impilo_desktop.ui.plumbing.services import AppServices

CHOICES = (
    (PROXY_SYSTEM, "Use system settings"),
    (PROXY_NONE, "No proxy"),
    (PROXY_MANUAL, "This proxy"),
    (PROXY_PAC, "Automatic configuration (PAC) URL"),
)
SAVED = "Saved. Impilo Desktop connects this way from now on."


class NetworkGroup(QGroupBox):
    """The proxy choice, with the address each choice needs and an Apply button."""

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__("Network", parent)
        self.setObjectName("networkGroup")
        self.services = services
        form = QFormLayout(self)
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(8)
        self.choice = QComboBox(self)
        self.choice.setObjectName("proxyChoice")
        self.choice.setAccessibleName("Proxy server")
        for mode, text in CHOICES:
            self.choice.addItem(text, mode)
        self.apply_button = QPushButton("A&pply", self)
        self.apply_button.setObjectName("applyNetworkButton")
        self.apply_button.setAccessibleName("Apply the proxy setting")
        self.apply_button.clicked.connect(self.apply)
        row = QHBoxLayout()
        row.addWidget(self.choice, 1)
        row.addWidget(self.apply_button)
        form.addRow("Proxy:", row)

        self.proxy = QLineEdit(self)
        self.proxy.setObjectName("proxyAddress")
        self.proxy.setAccessibleName("Proxy server address")
        self.proxy.setPlaceholderText("proxy.clinic.local:8080")
        self.proxy_label = QLabel("Proxy server:", self)
        form.addRow(self.proxy_label, self.proxy)
        self.pac_url = QLineEdit(self)
        self.pac_url.setObjectName("pacUrl")
        self.pac_url.setAccessibleName("Automatic configuration (PAC) address")
        self.pac_url.setPlaceholderText("http://wpad.clinic.local/proxy.pac")
        self.pac_label = QLabel("PAC address:", self)
        form.addRow(self.pac_label, self.pac_url)

        self.message = QLabel(self)
        self.message.setObjectName("networkMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        form.addRow("", self.message)
        self.note = QLabel(
            "System settings are the proxy environment variables or, without them, this"
            " computer's proxy settings. Proxies that ask for a sign-in are not supported"
            " yet. The built-in sandbox and any server on this computer are always reached"
            " directly.",
            self,
        )
        self.note.setWordWrap(True)
        form.addRow("", self.note)
        self.choice.currentIndexChanged.connect(self._choice_changed)
        # What the computer's policy fixes is shown, not offered (impilo_desktop/policy.py).
        self.fixed = current_policy().network is not None
        if self.fixed:
            for widget in (self.choice, self.apply_button, self.proxy, self.pac_url):
                widget.setEnabled(False)
                widget.setToolTip(FIXED_NOTE)
            self.note.setText(f"{FIXED_NOTE} {self.note.text()}")
        self.refresh()

    def refresh(self) -> None:
        """Show the setting in use."""
        options = self.services.network
        self.choice.setCurrentIndex(max(self.choice.findData(options.proxy_mode), 0))
        self.proxy.setText(options.proxy.removeprefix("http://"))
        self.pac_url.setText(options.pac_url)
        self.note.setStyleSheet(f"color: {status_colors().muted};")
        self._choice_changed()

    def _choice_changed(self) -> None:
        mode = self.choice.currentData()
        for label, edit, shown in (
            (self.proxy_label, self.proxy, mode == PROXY_MANUAL),
            (self.pac_label, self.pac_url, mode == PROXY_PAC),
        ):
            label.setVisible(shown)
            edit.setVisible(shown)
        self.message.hide()

    def apply(self) -> None:
        """Check, save, and use the choice from the next connection on."""
        if self.fixed:
            return
        chosen = NetworkOptions(
            str(self.choice.currentData()), self.proxy.text().strip(), self.pac_url.text().strip()
        )
        try:
            options = chosen.check()
        except ConfigError as exc:
            self._say(str(exc), status_colors().bad)
            (self.pac_url if chosen.proxy_mode == PROXY_PAC else self.proxy).setFocus()
            return
        home = self.services.home
        settings = Settings.load(home)
        settings.network = options
        settings.save(home)
        self.services.network = options
        self.services.outbox.network_changed()
        self.refresh()
        self._say(SAVED, status_colors().good)

    def _say(self, text: str, color: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {color};")
        self.message.show()
