"""Unobtrusive notes for the history page: a toast in its corner, the window's status bar,
and the system tray when there is one."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow, QSystemTrayIcon, QWidget

TOAST_MILLISECONDS = 8000


class Say(Protocol):
    """say(message, tray_title=...): a note for the coordinator; see `Notifier.say`."""

    def __call__(self, message: str, *, tray_title: str = "") -> None: ...


class Toast(QLabel):
    """A small message in the bottom-right corner of its parent that hides by itself."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._page = parent
        self.setObjectName("historyToast")
        self.setAccessibleName("Notification")
        self.setWordWrap(True)
        self.setStyleSheet(
            "#historyToast { background: palette(tool-tip-base); color: palette(tool-tip-text);"
            " border: 1px solid palette(mid); border-radius: 6px; padding: 8px 12px; }"
        )
        self.setVisible(False)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TOAST_MILLISECONDS)
        self._timer.timeout.connect(self.hide)
        parent.installEventFilter(self)

    def show_message(self, message: str) -> None:
        self.setText(message)
        self._place()
        self.setVisible(True)
        self.raise_()
        self._timer.start()

    def _place(self) -> None:
        parent = self._page
        margin = 16
        widest = max(200, min(560, parent.width() - 2 * margin))
        # Word wrap makes QLabel pick a narrow width; size it to the text, wrapping only
        # what does not fit.
        wanted = self.fontMetrics().horizontalAdvance(self.text()) + 32
        self.setFixedWidth(min(widest, wanted))
        self.setFixedHeight(self.heightForWidth(self.width()))
        self.move(
            parent.width() - self.width() - margin,
            parent.height() - self.height() - margin - 28,
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False


class Notifier(QObject):
    """Says one thing in all the places a coordinator might look, without interrupting."""

    def __init__(self, page: QWidget) -> None:
        super().__init__(page)
        self._page = page
        self.toast = Toast(page)
        self._tray: QSystemTrayIcon | None = None

    def say(self, message: str, *, tray_title: str = "") -> None:
        """The toast and the status bar always; the tray too when `tray_title` is given and
        the desktop has one (status changes matter even when the window is hidden)."""
        # Not logged: the text may name a patient ("Order 1234 for Jane Doe: …"); what
        # happened is logged where it happens, by order number.
        self.toast.show_message(message)
        window = self._page.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(message, 10_000)
        if tray_title and QSystemTrayIcon.isSystemTrayAvailable():
            if self._tray is None:
                self._tray = QSystemTrayIcon(window.windowIcon(), self)
                self._tray.setObjectName("historyTrayIcon")
            self._tray.show()
            self._tray.showMessage(tray_title, message)
