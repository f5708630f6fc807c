"""Leaving the app with orders still waiting: the question, and what follows the answer
(send them first and quit once they are gone, or quit and send them next time)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QAbstractButton, QMainWindow, QMessageBox, QWidget

from impilo_desktop.ui.plumbing.outbox_controller import OutboxController

QUIT_BOX_NAME = "quitConfirmation"


def waiting_text(count: int, corrections: int = 0) -> str:
    """ "2 orders are waiting to be sent." / "1 order and 1 address correction are …"."""
    orders = count - corrections
    parts = [f"{orders} order{'s' if orders != 1 else ''}"] if orders else []
    if corrections:
        parts.append(f"{corrections} address correction{'s' if corrections != 1 else ''}")
    verb = "is" if count == 1 else "are"
    return f"{' and '.join(parts)} {verb} waiting to be sent."


def ask_before_quitting(
    parent: QWidget,
    pending: int,
    *,
    on_send_now: Callable[[], None],
    on_quit: Callable[[], None],
    saved: bool = True,
    corrections: int = 0,
) -> QMessageBox:
    """Open (window-modal, not blocking) "N orders are waiting…" with Send now / Quit anyway /
    Cancel; calls `on_send_now` or `on_quit`, nothing on Cancel."""
    box = QMessageBox(parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setObjectName(QUIT_BOX_NAME)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Orders not sent yet")
    box.setText(waiting_text(pending, corrections))
    if saved:
        box.setInformativeText(
            ("It is" if pending == 1 else "They are")
            + " saved on this computer and will be sent the next time Impilo Desktop is open"
            " and online. Send now, or quit and send later?"
        )
    else:  # a session with no passphrase and no keyring: nothing was written to disk
        box.setInformativeText(
            "Nothing is saved on this computer in this session: "
            + ("it is" if pending == 1 else "they are")
            + " lost if you quit now. Send now?"
        )
    box.setStyleSheet("QLabel#qt_msgbox_informativelabel { min-width: 320px; }")
    send = box.addButton("Send now", QMessageBox.ButtonRole.AcceptRole)
    send.setObjectName("quitSendNow")
    quit_anyway = box.addButton("Quit anyway", QMessageBox.ButtonRole.DestructiveRole)
    quit_anyway.setObjectName("quitAnyway")
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    cancel.setObjectName("quitCancel")
    box.setDefaultButton(send)
    box.setEscapeButton(cancel)

    def decided(button: QAbstractButton) -> None:
        if button is quit_anyway:
            on_quit()
        elif button is send:
            on_send_now()

    box.buttonClicked.connect(decided)
    box.open()
    return box


class QuitGuard(QObject):
    """Decides whether the window may close now, and sees a "Send now, then quit" through.

    `outbox()` gives the open profile's controller (it changes with the profile); `notify`
    shows a plain message in the window; `status` a short one in the status bar."""

    def __init__(
        self,
        window: QMainWindow,
        outbox: Callable[[], OutboxController],
        notify: Callable[[str], None],
        *,
        saved: Callable[[], bool] = lambda: True,
    ) -> None:
        super().__init__(window)
        self._saved = saved  # False: the store is in memory, quitting loses what waits
        self._window = window
        self._outbox = outbox
        self._notify = notify
        self.confirmed = False  # the coordinator chose to quit (or nothing was waiting)
        self._checking = False
        self._after_send = False  # "Send now": quit once the outbox is empty

    def may_close(self) -> bool:
        """True when the coordinator already chose; otherwise False, and the outbox is read
        afresh (on the bridge loop) before anything is asked: the window then closes by
        itself when nothing waits, or the question names exactly what waits."""
        if self.confirmed:
            return True
        if not self._checking:
            self._checking = True
            self._outbox().count_pending(self._decide)
        return False

    def _decide(self, pending: int, corrections: int = 0) -> None:
        self._checking = False
        if pending:
            self._ask(pending, corrections)
        else:
            self._quit_now()

    def _ask(self, pending: int, corrections: int = 0) -> None:
        existing = self._window.findChild(QMessageBox, QUIT_BOX_NAME)
        if existing is not None and existing.isVisible():
            existing.raise_()
            return
        ask_before_quitting(
            self._window,
            pending,
            on_send_now=self._send_then_quit,
            on_quit=self._quit_now,
            saved=self._saved(),
            corrections=corrections,
        )

    def _quit_now(self) -> None:
        self.confirmed = True
        QTimer.singleShot(0, self._window.close)

    def close_without_asking(self) -> None:
        """Close now, whatever waits: the OS session is ending or an installer asked (see
        ui/plumbing/session_end.py). Nobody could answer, and the outbox stays on disk."""
        self.confirmed = True
        self._after_send = False
        box = self._window.findChild(QMessageBox, QUIT_BOX_NAME)
        if box is not None:
            box.close()  # a person's question, open when the log-off came
        self._window.close()

    def _send_then_quit(self) -> None:
        self._after_send = True
        self._window.statusBar().showMessage("Sending before quitting…", 8000)
        self._outbox().send_now()

    # -- what the outbox reports while "Send now, then quit" is under way ---------------------

    def outbox_changed(self) -> None:
        if self._after_send and self._outbox().pending_count() == 0:
            self._after_send = False
            self._quit_now()

    def went_offline(self) -> None:
        if self._after_send:
            self._after_send = False
            self._notify(
                "Impilo cannot be reached right now, so the orders stay in the outbox. "
                "They will be sent the next time Impilo Desktop is online."
            )

    def drain_finished(self) -> None:
        outbox = self._outbox()
        if self._after_send and not outbox.sending and outbox.pending_count():
            # Nothing more will happen soon: let the coordinator decide again.
            self._after_send = False
            self._notify(
                "The orders could not be sent right now ("
                + (outbox.state_message or "Impilo cannot be reached")
                + "). They stay in the outbox and will be sent the next time Impilo Desktop "
                "is online."
            )
