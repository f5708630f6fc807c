"""The self-update proof's mode of the window (packaging/prove_self_update.py), inert unless
`IMPILO_UPDATE_PROOF=<file>` is in the environment: the window goes through its own update
path as a coordinator would, and writes what happened to <file>, one line per event:

    started <version> <program> process <pid> <arguments>
                                  the window of this version runs (the new one's after a restart,
                                  which must have the same arguments)
    ready <version>: <bar text>   the update bar offers it; its Restart now button is clicked
    refused: <bar text>           the update bar says an update was refused; the window closes
    checked: <summary>            a check ended with nothing to offer; the window closes

Nothing of the update path is replaced: the click goes to the bar's own button, so the
restart follows the controller's rules, closes the window as usual and starts the new version
as the process exits (`updates.install.restart_at_exit`). The variable is kept across that
restart, so the new version's window writes its own `started` line.
"""

from __future__ import annotations

import logging
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from impilo_desktop import __version__
from impilo_desktop.updates.outcomes import CheckOutcome, UpdateReady, UpdateRefused

if TYPE_CHECKING:
    from impilo_desktop.ui.shell.main_window import MainWindow
    from impilo_desktop.ui.updates.bar import UpdateBar

log = logging.getLogger(__name__)

RESTART_NOW = "Restart now"


class UpdateProof(QObject):
    """Kept by the bar (its parent) for the window's life."""

    def __init__(self, window: MainWindow, bar: UpdateBar, record: Path) -> None:
        super().__init__(bar)
        self.window = window
        self.bar = bar
        self.record = record
        updates = bar.updates
        # Connected after the bar's own slots: the bar shows its text first.
        updates.ready.connect(lambda _update: QTimer.singleShot(0, self.restart_now))
        updates.refused.connect(lambda _text: self.write(f"refused: {self.bar.text.text()}"))
        updates.checked.connect(self.checked)
        started = f"started {__version__} {sys.executable} process {os.getpid()}"
        self.write(" ".join([started, *([shlex.join(sys.argv[1:])] if sys.argv[1:] else [])]))

    def write(self, line: str) -> None:
        """At once, on the UI thread: a test's mode, and each line must be on disk before
        the window closes and the process becomes the new version."""
        log.info("Update proof: %s", line)
        with self.record.open("a", encoding="utf-8") as file:
            file.write(line + "\n")

    def restart_now(self) -> None:
        ready = self.bar.ready
        button = next((b for b in self.bar.buttons() if b.text() == RESTART_NOW), None)
        if ready is None or button is None or not self.bar.isVisible():
            self.write(f"no Restart now on the bar: {self.bar.text.text()}")
            self.close()
            return
        self.write(f"ready {ready.version}: {self.bar.text.text()}")
        button.click()

    def checked(self, outcome: CheckOutcome) -> None:
        if isinstance(outcome, UpdateReady):
            return  # the bar shows it once the pending update is read: restart_now
        if not isinstance(outcome, UpdateRefused):
            self.write(f"checked: {outcome.summary}")
        self.close()

    def close(self) -> None:
        QTimer.singleShot(0, self.window.quit_guard.close_without_asking)


def drive_update_proof(window: MainWindow, bar: UpdateBar, record: str) -> UpdateProof:
    return UpdateProof(window, bar, Path(record))
