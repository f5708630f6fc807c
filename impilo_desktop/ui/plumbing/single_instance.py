"""One copy of the window per app home: a second launch brings the first to the front.

Two copies of the window on one home would share its store, its outbox and its log file; on
Windows the second one's log rollover fails (WinError 32), and a coordinator who double-clicks
the icon twice gets two windows that each show half of what happens. So the first copy holds a
`QLockFile` in the home folder and listens on a local socket named after that folder; a later
launch finds the lock taken, sends "activate" (with its command line) over the socket, waits
for the answer and exits 0. The first copy raises its window.

The lock file records the holder's process id: a copy that crashed leaves a stale lock that
the next start recognises and removes (QLockFile's stale detection), so a crash never blocks
the next start. The command line (`sync`, `outbox`, `drafts import`) is not a window and is not
held back by this.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QByteArray, QDeadlineTimer, QLockFile, QObject, Qt, QThread, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication, QWidget

from impilo_desktop.app_mutex import RunningMutex

log = logging.getLogger(__name__)

LOCK_FILE_NAME = "impilo-desktop.lock"
ACTIVATE = "activate"
ANSWER = b"ok\n"
# The first copy may still be building its window when a second launch knocks (opening the
# store, starting the sandbox): its answer waits for its event loop.
CONNECT_MS = 3_000
RETRY_MS = 100
ANSWER_MS = 20_000
MAX_MESSAGE_BYTES = 64 * 1024


def server_name(home: Path) -> str:
    """The local socket's name for `home`: one per app home and user, short enough for a
    Unix socket path (the name goes into the temporary folder) and a Windows pipe name."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name to be had (some containers)
        user = str(os.getuid()) if hasattr(os, "getuid") else ""
    key = f"{user}\0{os.path.normcase(str(home.absolute()))}"
    return f"impilo-desktop-{hashlib.sha256(key.encode()).hexdigest()[:20]}"


class SingleInstance(QObject):
    """`claim()` in the first copy (then `activation_requested(argv)` arrives for every later
    launch); `hand_over(argv)` in a later one. `release()` when the window has closed."""

    activation_requested = Signal(list)  # the later launch's command line

    def __init__(self, home: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.home = home
        self.name = server_name(home)
        self._lock = QLockFile(str(home / LOCK_FILE_NAME))
        # Held for as long as the window is open: never stale by age, only when the process
        # that wrote it is gone.
        self._lock.setStaleLockTime(0)
        self._server: QLocalServer | None = None
        self._running = RunningMutex()  # for the Windows installer (Inno Setup's AppMutex)
        self._buffers: dict[QLocalSocket, bytes] = {}

    @property
    def holding(self) -> bool:
        return self._lock.isLocked()

    @property
    def listening(self) -> bool:
        """A later launch can reach this copy."""
        return self._server is not None and self._server.isListening()

    def claim(self) -> bool:
        """Become the one copy for this home (True), or learn another copy is (False)."""
        self.home.mkdir(parents=True, exist_ok=True)
        if not self._lock.tryLock(0):
            if self._lock.error() == QLockFile.LockError.LockFailedError:
                return False
            # The home cannot hold a lock file (unwritable, odd file system): better two
            # copies than none; the store and the sender lock still keep the data safe.
            log.warning("No single-instance lock in %s: %s", self.home, self._lock.error())
            self._running.hold()
            return True
        self._running.hold()
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        # A socket file left by a copy that crashed would make listen() fail; the lock says
        # no other copy is alive, so it is ours to remove.
        QLocalServer.removeServer(self.name)
        if server.listen(self.name):
            server.newConnection.connect(self._on_connection)
            self._server = server
        else:
            log.warning("A second launch cannot reach this copy: %s", server.errorString())
        return True

    def release(self) -> None:
        """Stop listening and give the lock up (the window has closed)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._lock.isLocked():
            self._lock.unlock()
        self._running.release()

    # -- the first copy ---------------------------------------------------------------------

    def _on_connection(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._on_ready(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))
            self._on_ready(socket)

    def _on_ready(self, socket: QLocalSocket) -> None:
        if socket not in self._buffers:
            return
        data = self._buffers[socket] + socket.readAll().data()
        if b"\n" not in data:
            if len(data) > MAX_MESSAGE_BYTES:
                socket.abort()
            else:
                self._buffers[socket] = data
            return
        line = data.split(b"\n", 1)[0]
        self._buffers.pop(socket, None)
        try:
            message = json.loads(line)
            argv = [str(a) for a in message.get("argv", [])]
            wanted = message.get("command")
        except (ValueError, AttributeError, TypeError):
            log.warning("A second launch sent something unreadable; ignored")
            socket.abort()
            return
        socket.write(QByteArray(ANSWER))
        socket.flush()
        socket.disconnectFromServer()
        if wanted == ACTIVATE:
            log.info("Another launch of the window handed over to this one (%s)", argv)
            self.activation_requested.emit(argv)

    def _forget(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()

    # -- a later launch ---------------------------------------------------------------------

    def hand_over(self, argv: Sequence[str]) -> bool:
        """Ask the copy holding the lock to come to the front; True once it answered."""
        _allow_foreground(self._lock)
        socket = QLocalSocket()
        deadline = QDeadlineTimer(CONNECT_MS)
        while True:
            socket.connectToServer(self.name)
            if socket.waitForConnected(max(1, deadline.remainingTime())):
                break
            if deadline.hasExpired():
                log.warning("The running copy cannot be reached: %s", socket.errorString())
                return False
            # The first copy takes the lock a moment before it listens; a launch that came
            # in between finds no socket yet (and learns that at once): knock again shortly.
            QThread.msleep(RETRY_MS)
        message = json.dumps({"command": ACTIVATE, "argv": list(argv), "pid": os.getpid()})
        socket.write(QByteArray(message.encode() + b"\n"))
        answered = b""
        if socket.waitForBytesWritten(CONNECT_MS):
            while ANSWER not in answered and socket.waitForReadyRead(ANSWER_MS):
                answered += socket.readAll().data()
        socket.abort()
        return ANSWER in answered


def bring_to_front(window: QWidget) -> None:
    """Show `window` restored and on top, with its open dialog (if any) above it."""
    state = window.windowState()
    if state & Qt.WindowState.WindowMinimized:
        window.setWindowState(state & ~Qt.WindowState.WindowMinimized)
    window.show()
    window.raise_()
    window.activateWindow()
    modal = QApplication.activeModalWidget()
    if modal is not None and modal is not window:
        modal.raise_()
        modal.activateWindow()


def _allow_foreground(lock: QLockFile) -> None:
    """Windows lets only the process the user is working with bring a window to the front:
    this one (just launched) passes that right to the running copy."""
    if sys.platform != "win32":
        return
    try:
        import ctypes

        pid = lock.getLockInfo()[0]
        ctypes.windll.user32.AllowSetForegroundWindow(int(pid))
    except Exception:  # only a nicety: the window still flashes in the taskbar
        log.debug("AllowSetForegroundWindow failed", exc_info=True)
