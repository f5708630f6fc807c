"""What a restart into an update would leave behind, read just before asking and again just
before restarting, and the question about it.

With a store on disk, orders waiting to be sent are kept and go after the restart: the
coordinator is asked only when some wait. In a session that saves nothing (no keyring, no
passphrase: `store.in_memory`) a restart ends the session, so the coordinator is always
asked, and the question names the drafts and unsent orders (held ones included) it would
lose."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from impilo_desktop.store import Store
from impilo_desktop.ui.plumbing.bridge import AsyncBridge
from impilo_desktop.ui.plumbing.outbox_controller import OutboxController
from impilo_desktop.ui.shell.leave_session import SessionWork, lost_text, named, session_work

log = logging.getLogger(__name__)

WAITING_NAME = "restartWaitingQuestion"


@dataclass(frozen=True)
class AtStake:
    """Orders waiting to be sent (a store on disk keeps them), or, in a session that saves
    nothing, what the restart would lose: `lost` ("" for nothing) and its lines."""

    waiting: int
    saved: bool = True
    lost: str = ""
    lines: tuple[str, ...] = ()

    @property
    def ask(self) -> bool:
        return not self.saved or self.waiting > 0


def read_at_stake(
    bridge: AsyncBridge,
    outbox: OutboxController,
    store: Store,
    answer: Callable[[AtStake], None],
) -> None:
    """Read it now (on the bridge) and `answer` on the UI thread."""
    if not store.in_memory:
        outbox.count_pending(lambda pending, _corrections: answer(AtStake(pending)))
        return

    def read(work: SessionWork) -> None:
        lost = lost_text(work) if work else ""
        answer(AtStake(len(work.unsent), saved=False, lost=lost, lines=tuple(named(work))))

    def unreadable(error: BaseException) -> None:
        log.warning("This session's drafts and outbox could not be read (%s)", type(error).__name__)
        answer(AtStake(0, saved=False, lost="Its drafts and unsent orders could not be read."))

    bridge.call(session_work, store, on_result=read, on_error=unreadable)


def ask_before_restart(parent: QWidget, at_stake: AtStake, answer: Callable[[bool], None]) -> None:
    """Restart now or not ("Not now" is the default: Enter and Escape keep everything)."""
    box = QMessageBox(parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setObjectName(WAITING_NAME)
    box.setWindowTitle("Restart to update")
    waiting = at_stake.waiting
    if at_stake.saved:
        box.setIcon(QMessageBox.Icon.Question)
        box.setText(
            ("1 order is" if waiting == 1 else f"{waiting} orders are") + " waiting to be sent."
        )
        box.setInformativeText(
            ("It is" if waiting == 1 else "They are") + " saved on this computer and will be"
            " sent after the restart. Restart now?"
        )
        label, role = "Restart now", QMessageBox.ButtonRole.AcceptRole
    elif at_stake.lost:
        box.setIcon(QMessageBox.Icon.Warning)
        box.setText(at_stake.lost)
        box.setInformativeText(
            "\n".join(at_stake.lines) + "\n\nNothing is saved on this computer in this session:"
            " restarting ends it and deletes them. Send them first, then restart."
        )
        label, role = "Restart and lose them", QMessageBox.ButtonRole.DestructiveRole
    else:
        box.setIcon(QMessageBox.Icon.Question)
        box.setText("Nothing is saved on this computer in this session.")
        box.setInformativeText(
            "No drafts or unsent orders would be lost, but restarting ends this session."
            " Restart now?"
        )
        label, role = "Restart now", QMessageBox.ButtonRole.AcceptRole
    restart = box.addButton(label, role)
    restart.setObjectName("restartWaitingRestart")
    later = box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
    later.setObjectName("restartWaitingLater")
    box.setDefaultButton(later)
    box.setEscapeButton(later)
    box.finished.connect(lambda _result: answer(box.clickedButton() is restart))
    box.open()
