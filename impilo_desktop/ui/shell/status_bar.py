"""The status bar: which account, whether Impilo can be reached, and what waits to be sent."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QStatusBar, QToolButton, QWidget

from impilo_desktop.config import Profile
from impilo_desktop.ui.plumbing.resources import icon
from impilo_desktop.ui.plumbing.theme import is_dark, status_colors

CONNECTION_TEXT = {
    "unknown": ("Connecting…", "sending", "Checking the connection to Impilo"),
    "online": ("Online", "online", "Impilo can be reached and accepts the key"),
    "offline": ("Offline", "offline", "Impilo cannot be reached; orders wait in the outbox"),
    # The network works, but a certificate or the proxy stands in the way: say which, since
    # "offline" would send the coordinator to check the cable instead of calling IT.
    "untrusted": (
        "Connection not trusted",
        "offline",
        "A certificate on the way to Impilo is not trusted by this computer; orders wait in"
        " the outbox",
    ),
    "proxy": (
        "Proxy problem",
        "offline",
        "The proxy server did not let the connection through; orders wait in the outbox",
    ),
    "unauthorized": ("Key rejected", "key-rejected", "Impilo refused the API key"),
    "nokey": ("No API key", "key-rejected", "Add the API key in Settings to connect"),
}


def profile_label(profile: Profile) -> str:
    """What the coordinator calls the account: Production, Staging, Sandbox or a host."""
    if profile.is_sandbox:
        return "Sandbox (practice data)"
    return profile.name.capitalize() if profile.name.isalpha() else profile.name


def outbox_text(pending: int, needs_attention: int = 0) -> str:
    if pending == 0 and needs_attention == 0:
        return "Outbox empty"
    parts = []
    if pending:
        parts.append(f"{pending} to send")
    if needs_attention:
        parts.append(f"{needs_attention} need{'s' if needs_attention == 1 else ''} attention")
    return "Outbox: " + ", ".join(parts)


class _Segment(QWidget):
    """An icon and a label, as one accessible unit of the status bar."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(5)
        self.icon = QLabel(self)
        self.icon.setFixedSize(16, 16)
        self.label = QLabel(self)
        self.label.setObjectName(f"{name}Label")
        layout.addWidget(self.icon)
        layout.addWidget(self.label)
        self._icon_name = ""

    def set(self, text: str, icon_name: str, tooltip: str = "", color: str | None = None) -> None:
        self.label.setText(text)
        self._icon_name = icon_name
        self.icon.setVisible(bool(icon_name))
        if icon_name:
            self.icon.setPixmap(icon(icon_name).pixmap(16, 16))
        self.label.setStyleSheet(f"color: {color};" if color else "")
        self.setToolTip(tooltip)
        self.setAccessibleName(f"{text}. {tooltip}" if tooltip else text)

    def repaint_icon(self) -> None:
        if self._icon_name:
            self.icon.setPixmap(icon(self._icon_name).pixmap(16, 16))


class AppStatusBar(QStatusBar):
    """Profile on the left; connection, outbox count and send progress on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._dark = is_dark()
        self.setObjectName("statusBar")
        self.setSizeGripEnabled(True)
        self.profile = _Segment("profileStatus", self)
        self.connection = _Segment("connectionStatus", self)
        self.outbox = _Segment("outboxStatus", self)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("sendProgress")
        self.progress.setAccessibleName("Sending orders")
        self.progress.setMaximumWidth(140)
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.addWidget(self.profile)
        # "Updating patients… 400 of 2,000" while the reference cache refreshes, with Stop.
        self.reference_status = QLabel(self)
        self.reference_status.setObjectName("referenceStatus")
        self.addWidget(self.reference_status)
        self.stop_refresh = QToolButton(self)
        self.stop_refresh.setObjectName("stopRefreshButton")
        self.stop_refresh.setText("Stop")
        self.stop_refresh.setAccessibleName("Stop updating patients and catalogue")
        self.stop_refresh.setToolTip("Stop updating; what arrived so far is kept")
        self.stop_refresh.setAutoRaise(True)
        self.stop_refresh.hide()
        self.addWidget(self.stop_refresh)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.outbox)
        self.addPermanentWidget(self.connection)
        self._state = "unknown"
        self._message = ""
        self._pending = 0
        self._attention = 0
        self.set_connection("unknown")
        self.set_outbox(0)

    def set_reference_progress(self, kind: str, done: int, total: int) -> None:
        names = {"patient": "patients", "site": "sites", "item": "items", "kit": "kits"}
        self.reference_status.setText(f"Updating {names.get(kind, kind)}… {done:,} of {total:,}")
        self.stop_refresh.show()

    def reference_refreshed(self, ok: bool) -> None:
        self.reference_status.setText("" if ok else "Patients and catalogue not fully updated")
        self.stop_refresh.hide()

    @property
    def connection_state(self) -> str:
        return self._state

    def set_profile(self, profile: Profile) -> None:
        # Another profile's refresh may have ended (stopped with its session) without a word.
        self.reference_refreshed(True)
        host = profile.base_url.split("://", 1)[-1]
        self.profile.set(
            profile_label(profile),
            "sandbox" if profile.is_sandbox else "key",
            f"Account: {profile.name} ({host})",
        )

    def set_connection(self, state: str, message: str = "") -> None:
        self._state, self._message = state, message
        text, icon_name, tip = CONNECTION_TEXT.get(state, (state, "", ""))
        colors = status_colors()
        color = {
            "online": colors.good,
            "offline": colors.warning,
            "untrusted": colors.bad,
            "proxy": colors.bad,
            "unauthorized": colors.bad,
            "nokey": colors.bad,
        }
        self.connection.set(text, icon_name, message or tip, color.get(state))

    def set_outbox(self, pending: int, needs_attention: int = 0) -> None:
        self._pending, self._attention = pending, needs_attention
        colors = status_colors()
        self.outbox.set(
            outbox_text(pending, needs_attention),
            "send" if pending else "drafts",
            "Orders waiting to be sent, and orders Impilo refused",
            colors.bad if needs_attention else None,
        )

    def set_progress(self, done: int, total: int) -> None:
        if total <= 0 or done >= total:
            self.progress.hide()
            return
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setToolTip(f"Sending {done + 1} of {total}")
        self.progress.show()

    def changeEvent(self, event: QEvent) -> None:
        if (
            event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)
            and is_dark() != self._dark
        ):
            self._dark = is_dark()
            self.set_connection(self._state, self._message)
            self.set_outbox(self._pending, self._attention)
            self.profile.repaint_icon()
        super().changeEvent(event)
