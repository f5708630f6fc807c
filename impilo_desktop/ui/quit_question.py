"""The question asked when the coordinator quits with orders still waiting to be sent."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

QUIT_BOX_NAME = "quitConfirmation"


def waiting_text(count: int) -> str:
    orders = "1 order is" if count == 1 else f"{count} orders are"
    return f"{orders} waiting to be sent."


def ask_before_quitting(
    parent: QWidget,
    pending: int,
    *,
    on_send_now: Callable[[], None],
    on_quit: Callable[[], None],
) -> QMessageBox:
    """Open (window-modal, not blocking) "N orders are waiting…" with Send now / Quit anyway /
    Cancel; calls `on_send_now` or `on_quit`, nothing on Cancel."""
    box = QMessageBox(parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setObjectName(QUIT_BOX_NAME)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Orders not sent yet")
    box.setText(waiting_text(pending))
    box.setInformativeText(
        ("It is" if pending == 1 else "They are")
        + " saved on this computer and will be sent the next time Impilo Desktop is open"
        " and online. Send now, or quit and send later?"
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
