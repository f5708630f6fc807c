"""The result banner at the top of the order form: sending, placed (with "Open in history"),
saved for later, refused. Colours come from the shell's theme so light and dark both read."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from impilo_desktop.ui.plumbing.resources import icon
from impilo_desktop.ui.plumbing.theme import is_dark, status_colors


class BannerKind(StrEnum):
    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


_ICONS = {
    BannerKind.INFO: "sending",
    BannerKind.SUCCESS: "send",
    BannerKind.WARNING: "offline",
    BannerKind.ERROR: "key-rejected",
}


class SubmitBanner(QFrame):
    """A message with an optional action button and a dismiss button."""

    action_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orderBanner")
        self.setAccessibleName("Order result")
        self.kind = BannerKind.INFO
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.setSpacing(10)
        self._icon = QLabel(self)
        self._icon.setFixedSize(20, 20)
        self.text = QLabel(self)
        self.text.setObjectName("orderBannerText")
        self.text.setAccessibleName("Order result message")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action = QPushButton(self)
        self.action.setObjectName("orderBannerAction")
        self.action.setAccessibleName("Order result action")
        self.action.clicked.connect(self.action_clicked)
        self.close_button = QToolButton(self)
        self.close_button.setObjectName("orderBannerClose")
        self.close_button.setAccessibleName("Dismiss message")
        self.close_button.setToolTip("Dismiss")
        self.close_button.setText("\N{MULTIPLICATION X}")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.hide)
        layout.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.action, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, kind: BannerKind, html: str, action: str = "") -> None:
        """Show `html` (rich text) styled for `kind`; `action` labels the button ('' hides it)."""
        self.kind = kind
        self.text.setText(html)
        self.setAccessibleDescription(self.text.text())
        self.action.setText(action)
        self.action.setAccessibleName(action.replace("&", "") or "Order result action")
        self.action.setVisible(bool(action))
        self._restyle()
        self.show()

    def _restyle(self) -> None:
        colors = status_colors()
        accent = {
            BannerKind.INFO: colors.info,
            BannerKind.SUCCESS: colors.good,
            BannerKind.WARNING: colors.warning,
            BannerKind.ERROR: colors.bad,
        }[self.kind]
        tint = QColor(accent)
        tint.setAlpha(60 if is_dark() else 28)
        rgba = f"rgba({tint.red()}, {tint.green()}, {tint.blue()}, {tint.alpha()})"
        sheet = (
            f"QFrame#orderBanner {{ background: {rgba}; border: 1px solid {accent};"
            f" border-left: 4px solid {accent}; border-radius: 4px; }}"
            " QFrame#orderBanner QLabel { background: transparent; border: none; }"
        )
        # Setting a style sheet sends a palette change; only set it when it differs.
        if sheet != self.styleSheet():
            self.setStyleSheet(sheet)
        self._icon.setPixmap(icon(_ICONS[self.kind]).pixmap(20, 20))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._restyle()
        super().changeEvent(event)
