"""An exclusive lock on a file, held through the operating system, so it ends with the process.

The sender lock's row in SQLite outlives a process that dies while holding it: on Windows a
dead holder cannot even be told from a live one, so the next sender had to wait for the lease
to expire (five minutes). An OS lock has no such gap: `fcntl.flock` (POSIX) or
`msvcrt.locking` (Windows) is released by the kernel the moment the process is gone, however
it ended.

`ProcessLock.try_acquire()` never waits and answers one of three things:

- `ACQUIRED`: no other live holder, on this computer at least.
- `BUSY`: another open lock holds it: another process, or another `ProcessLock` on the same
  file in this process (threads and stores of one process exclude each other too).
- `UNAVAILABLE`: the file cannot be opened or the file system does not lock (some network
  shares). The caller falls back to what it did without one.

Over a network share an OS lock may be honoured only on this computer, or not at all; that is
why the SQLite lease stays in place for everything the OS lock cannot prove.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sys
import threading
from enum import StrEnum
from pathlib import Path

log = logging.getLogger(__name__)


class LockState(StrEnum):
    ACQUIRED = "acquired"
    BUSY = "busy"
    UNAVAILABLE = "unavailable"


# Files locked by this process, by path: a second lock on the same file from this process is
# BUSY here whatever the OS's own rules (flock emulated over NFS is per process, not per file
# handle, so the OS alone would let two stores of one process both "hold" it).
_held: set[str] = set()
_held_guard = threading.Lock()
# Files already reported as unlockable: a sender tries every half minute, the log says it once.
_reported: set[str] = set()


if sys.platform == "win32":
    import msvcrt

    # Locking the first byte (beyond the end of an empty file is allowed) is the convention.
    def _lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    # A range locked by another process: EACCES or EDEADLOCK (after the CRT's own retries).
    _BUSY_ERRNOS = {errno.EACCES, errno.EDEADLOCK}
else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    _BUSY_ERRNOS = {errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES}


class ProcessLock:
    """A non-blocking exclusive lock on `path` (created if missing, never deleted: deleting a
    lock file while another process waits to open it would let two processes lock two
    different files of the same name)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path).absolute()
        self._key = os.path.normcase(str(self.path))
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> LockState:
        """Take the lock now, or say why not (see the module's docstring)."""
        if self._fd is not None:
            return LockState.ACQUIRED
        with _held_guard:
            if self._key in _held:
                return LockState.BUSY
            try:
                # Not inherited by child processes (Python's default): a child must not keep
                # the lock alive after this process died.
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                self._report("Cannot open the lock file %s: %s", exc)
                return LockState.UNAVAILABLE
            try:
                _lock(fd)
            except OSError as exc:
                os.close(fd)
                if exc.errno in _BUSY_ERRNOS:
                    return LockState.BUSY
                self._report("The file system of %s does not lock files: %s", exc)
                return LockState.UNAVAILABLE
            self._fd = fd
            _held.add(self._key)
            return LockState.ACQUIRED

    def _report(self, message: str, error: OSError) -> None:
        if self._key not in _reported:
            _reported.add(self._key)
            log.warning(message + " (relying on the lock row alone)", self.path, error)

    def release(self) -> None:
        """Give the lock up (closing the file would too; unlocking first is explicit)."""
        with _held_guard:
            fd, self._fd = self._fd, None
            if fd is None:
                return
            _held.discard(self._key)
            with contextlib.suppress(OSError):
                _unlock(fd)
            os.close(fd)


def process_alive(pid: int) -> bool:
    """True unless `pid` certainly does not exist on this computer."""
    if os.name != "posix":
        # os.kill(pid, 0) would terminate the process on Windows; rely on expiry there.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True
