"""The OS session ends (log off, shut down, restart) or an installer asks the app to close.

Nobody is there to answer "orders are waiting, quit anyway?", and waiting for an answer would
hold up the log-off or the installer: the orders are in the store on disk and go out at the
next start. So the window closes at once (drafts are saved as on any close) and asks the OS
to start it again where the OS does that. A person's quit still asks.

How each OS gets here: Windows sends WM_QUERYENDSESSION for a log-off or shut-down, and an
installer that uses the Restart Manager (Inno Setup's `CloseApplications=yes`) sends the same
message with ENDSESSION_CLOSEAPP; Qt turns both into `QGuiApplication.commitDataRequest`. On
Linux a session manager speaking XSMP does the same. `saveStateRequest` follows where the
session manager saves sessions. macOS's log-out goes through the quit event instead (see
packaging/README.md for what to check by hand there).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication, QSessionManager

log = logging.getLogger(__name__)

# RegisterApplicationRestart flags: restart after an update or a reboot, never after a crash
# or a hang (a crash loop would be worse than a closed app).
RESTART_NO_CRASH = 1
RESTART_NO_HANG = 2


class SessionManagerLike(Protocol):
    """What the handlers use of Qt's `QSessionManager` (which Python code cannot create)."""

    def setRestartHint(self, hint: QSessionManager.RestartHint, /) -> None: ...


class SessionEnd(QObject):
    """Connects the application's session signals to `close_now` (the window's way of
    closing without the question)."""

    def __init__(self, close_now: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionEnd")
        self._close_now = close_now
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            # Direct, as Qt asks: the OS waits for the answer inside the signal.
            direct = Qt.ConnectionType.DirectConnection
            app.commitDataRequest.connect(self.commit_data, direct)
            app.saveStateRequest.connect(self.save_state, direct)

    def commit_data(self, manager: SessionManagerLike) -> None:
        """The session is ending: be started again with it, then close without asking."""
        log.info("The OS session is ending (or an installer asked): closing without asking")
        self.save_state(manager)
        self._close_now()

    def save_state(self, manager: SessionManagerLike) -> None:
        """Ask to be started again in the next session (where the OS restarts apps)."""
        manager.setRestartHint(QSessionManager.RestartHint.RestartIfRunning)


def register_for_restart() -> None:
    """Windows: let the Restart Manager start the app again after an installer or Windows
    Update closed it (Qt does not register for that itself). Elsewhere nothing to do."""
    if sys.platform != "win32":
        return
    try:
        import ctypes

        result = ctypes.windll.kernel32.RegisterApplicationRestart(
            None, RESTART_NO_CRASH | RESTART_NO_HANG
        )
        if result != 0:
            log.info("RegisterApplicationRestart answered %#x", result & 0xFFFFFFFF)
    except Exception:  # a nicety: without it the app simply stays closed
        log.debug("RegisterApplicationRestart failed", exc_info=True)
