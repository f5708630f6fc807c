"""A slim bar across the top of a page: a message, a few actions, optionally a time limit
(used for "Undo", the sandbox notice and a rejected key)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from impilo_desktop.ui.plumbing.resources import icon
from impilo_desktop.ui.plumbing.theme import on_scheme_change, status_colors


class MessageBar(QFrame):
    """Message + buttons; `show_message` replaces what is shown; closing hides it."""

    closed = Signal()

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName("Message")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(12, 6, 6, 6)
        self._layout.setSpacing(8)
        self._icon = QLabel(self)
        self._icon.setFixedSize(18, 18)
        self.text = QLabel(self)
        self.text.setObjectName(f"{object_name}Text")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout.addWidget(self._icon)
        self._layout.addWidget(self.text, 1)
        self._buttons: list[QPushButton] = []
        self._close = QToolButton(self)
        self._close.setObjectName(f"{object_name}Close")
        self._close.setAccessibleName("Dismiss message")
        self._close.setToolTip("Dismiss")
        self._close.setText("✕")
        self._close.setAutoRaise(True)
        self._close.clicked.connect(self.dismiss)
        self._layout.addWidget(self._close)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.dismiss)
        self._icon_name = ""
        self._restyle()
        on_scheme_change(self._on_scheme)
        self.hide()

    def show_message(
        self,
        text: str,
        actions: list[tuple[str, Callable[[], None]]] | None = None,
        *,
        icon_name: str = "",
        timeout_ms: int = 0,
        closable: bool = True,
    ) -> None:
        """Show `text` with buttons `(label, callback)`; hide after `timeout_ms` if given."""
        for button in self._buttons:
            self._layout.removeWidget(button)
            button.hide()  # deleted later: until then an old "Undo" must not show beside new text
            button.deleteLater()
        self._buttons = []
        self.text.setText(text)
        self.setAccessibleDescription(text)
        self._icon_name = icon_name
        self._icon.setVisible(bool(icon_name))
        self._paint_icon()
        for index, (label, callback) in enumerate(actions or []):
            button = QPushButton(label, self)
            button.setObjectName(f"{self.objectName()}Action{index}")
            button.setAccessibleName(label.replace("&", ""))
            button.clicked.connect(callback)
            self._layout.insertWidget(self._layout.count() - 1, button)
            self._buttons.append(button)
        self._close.setVisible(closable)
        if timeout_ms:
            self._timer.start(timeout_ms)
        else:
            self._timer.stop()
        self.show()

    def buttons(self) -> list[QPushButton]:
        return list(self._buttons)

    def dismiss(self) -> None:
        self._timer.stop()
        # isHidden: a bar on a page behind another one is not visible, yet still shown.
        if not self.isHidden():
            self.hide()
            self.closed.emit()

    def _paint_icon(self) -> None:
        if self._icon_name:
            self._icon.setPixmap(icon(self._icon_name).pixmap(18, 18))

    def _on_scheme(self, _dark: bool) -> None:
        self._restyle()

    def _restyle(self) -> None:
        colors = status_colors()
        self.setStyleSheet(
            f"QFrame#{self.objectName()} {{ background: {colors.banner_bg};"
            f" border-bottom: 1px solid palette(mid); }}"
            f" QFrame#{self.objectName()} QLabel {{ color: {colors.banner_fg}; }}"
        )
        self._paint_icon()
