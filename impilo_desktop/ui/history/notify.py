"""Notes for the history page: a bar in the page's own layout (so it never covers the order
list or the detail pane), the window's status bar, and the system tray when there is one.

Two kinds of note. A *confirmation* answers something the coordinator did ("Order 100603 was
voided", "Saved the summary…"): it stays until they close it or something about the same
order replaces it. *News* is what happened by itself (the poller saw an order ship): it takes
the bar only when the bar is free, shows news, or shows a note about the same order, and
otherwise goes to the status bar and the tray, so a confirmation is never pushed away unread
by an unrelated status.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMainWindow, QSystemTrayIcon, QWidget

from impilo_desktop.ui.shell.message_bar import MessageBar

NEWS_MILLISECONDS = 15_000  # news on the bar goes by itself; a confirmation waits to be read
STATUS_BAR_MILLISECONDS = 10_000


Actions = list[tuple[str, Callable[[], None]]]
"""Buttons beside a note: (label, what it does)."""


class Say(Protocol):
    """say(message, tray_title=..., about=..., news=...): a note; see `Notifier.say`."""

    def __call__(
        self,
        message: str,
        *,
        tray_title: str = "",
        about: int | None = None,
        news: bool = False,
        actions: Actions | None = None,
    ) -> None: ...


def tray_message(window: QWidget, title: str, message: str) -> None:
    """`message` from the system tray, when the desktop has one: one icon per window, made
    on first use (news matters with the window hidden)."""
    if not QSystemTrayIcon.isSystemTrayAvailable():
        return
    tray = window.findChild(QSystemTrayIcon, "historyTrayIcon")
    if tray is None:
        tray = QSystemTrayIcon(window.windowIcon(), window)
        tray.setObjectName("historyTrayIcon")
    tray.show()
    tray.showMessage(title, message)


class Notifier(QObject):
    """Says one thing in the places a coordinator might look, without interrupting and
    without hiding what they are reading. `bar` goes into the page's layout."""

    def __init__(self, page: QWidget) -> None:
        super().__init__(page)
        self._page = page
        self.bar = MessageBar("historyNotice", page)
        self.bar.setAccessibleName("Notification")
        self.bar.closed.connect(self._on_closed)
        self._shown_news = False
        self._shown_about: int | None = None

    @property
    def text(self) -> str:
        """The note on the bar ("" when none is shown)."""
        return "" if self.bar.isHidden() else self.bar.text.text()

    def say(
        self,
        message: str,
        *,
        tray_title: str = "",
        about: int | None = None,
        news: bool = False,
        actions: Actions | None = None,
    ) -> None:
        """Show `message` (about order `about`, if it concerns one). A confirmation
        (`news=False`) takes the bar and stays until closed; news takes it only as the
        module docstring says. The status bar always echoes it; the tray too when
        `tray_title` is given and the desktop has one (news matters with the window hidden)."""
        # Not logged: the text may name a patient ("Order 1234 for Jane Doe: …"); what
        # happened is logged where it happens, by order number.
        if not news or self._bar_free_for(about):
            self._shown_news, self._shown_about = news, about
            self.bar.show_message(
                message, actions, icon_name="", timeout_ms=NEWS_MILLISECONDS if news else 0
            )
        window = self._page.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(message, STATUS_BAR_MILLISECONDS)
        if tray_title:
            tray_message(window, tray_title, message)

    def _bar_free_for(self, about: int | None) -> bool:
        # isHidden, not isVisible: the page itself may be hidden behind another one.
        if self.bar.isHidden() or self._shown_news:
            return True
        return about is not None and about == self._shown_about

    def _on_closed(self) -> None:
        self._shown_news, self._shown_about = False, None
