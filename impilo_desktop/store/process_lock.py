"""A lock on a file, held through the operating system, so it ends with the process.

The sender lock's row in SQLite outlives a process that dies while holding it: on Windows a
dead holder cannot even be told from a live one, so the next sender had to wait for the lease
to expire (five minutes). An OS lock has no such gap: `fcntl.flock` (POSIX) or
`msvcrt.locking` (Windows) is released by the kernel the moment the process is gone, however
it ended.

A lock is exclusive (one holder: the sender lock, the encryption lock, a profile being
removed) or shared (`shared=True`: any number of holders, and no exclusive one meanwhile: every
open store of a profile holds one, so the profile is not removed under it).

`ProcessLock.try_acquire()` never waits and answers one of three things:

- `ACQUIRED`: no other live holder, on this computer at least.
- `BUSY`: another open lock holds it: another process, or another `ProcessLock` on the same
  file in this process (threads and stores of one process exclude each other too; shared
  locks only exclude exclusive ones). Also BUSY: the file was renamed or deleted while it
  was being locked (a profile folder moved aside by a removal), on POSIX.
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


# Files locked by this process, by path: how many shared holders, or EXCLUSIVE. A second lock
# on the same file from this process is BUSY here whatever the OS's own rules (flock emulated
# over NFS is per process, not per file handle, so the OS alone would let two stores of one
# process both "hold" it).
EXCLUSIVE = -1
_held: dict[str, int] = {}
_held_guard = threading.Lock()
# Files already reported as unlockable: a sender tries every half minute, the log says it once.
_reported: set[str] = set()


if sys.platform == "win32":
    import msvcrt

    # Locking the first byte (beyond the end of an empty file is allowed) is the convention.
    def _lock(fd: int, shared: bool) -> None:
        if shared:
            _lock_shared(fd)
            return
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _lock_shared(fd: int) -> None:
        """LockFileEx without LOCKFILE_EXCLUSIVE_LOCK: msvcrt has no shared lock (its LK_RLCK
        is the same as LK_LCK). Same first byte, so msvcrt's exclusive lock conflicts with it;
        msvcrt's LK_UNLCK (UnlockFile) releases it. Checked by hand: packaging/README.md."""
        import ctypes
        from ctypes import wintypes

        class Overlapped(ctypes.Structure):
            _fields_ = [
                ("Internal", ctypes.c_void_p),
                ("InternalHigh", ctypes.c_void_p),
                ("Offset", wintypes.DWORD),
                ("OffsetHigh", wintypes.DWORD),
                ("hEvent", wintypes.HANDLE),
            ]

        fail_immediately, lock_violation = 0x1, 33
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        overlapped = Overlapped()  # offset 0: the first byte
        handle = wintypes.HANDLE(msvcrt.get_osfhandle(fd))
        if not kernel32.LockFileEx(handle, fail_immediately, 0, 1, 0, ctypes.byref(overlapped)):
            code = ctypes.get_last_error()
            raise OSError(errno.EACCES if code == lock_violation else errno.ENOLCK, code)

    def _same_file(fd: int, path: Path) -> bool:
        return True  # Windows neither renames nor deletes a folder with a file open in it

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    # A range locked by another process: EACCES or EDEADLOCK (after the CRT's own retries).
    _BUSY_ERRNOS = {errno.EACCES, errno.EDEADLOCK}
else:
    import fcntl

    def _lock(fd: int, shared: bool) -> None:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)

    def _same_file(fd: int, path: Path) -> bool:
        """`path` still names the file locked through `fd` (a removal may have moved its
        folder aside between the open and the lock)."""
        try:
            now = os.stat(path)
        except OSError:
            return False
        locked = os.fstat(fd)
        return (now.st_dev, now.st_ino) == (locked.st_dev, locked.st_ino)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    _BUSY_ERRNOS = {errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES}


class ProcessLock:
    """A non-blocking lock on `path`, exclusive unless `shared` (created if missing, never
    deleted: deleting a lock file while another process waits to open it would let two
    processes lock two different files of the same name)."""

    def __init__(self, path: Path, *, shared: bool = False) -> None:
        self.path = Path(path).absolute()
        self.shared = shared
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
            holders = _held.get(self._key, 0)
            if holders == EXCLUSIVE or (holders and not self.shared):
                return LockState.BUSY
            try:
                # Not inherited by child processes (Python's default): a child must not keep
                # the lock alive after this process died.
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                self._report("Cannot open the lock file %s: %s", exc)
                return LockState.UNAVAILABLE
            try:
                _lock(fd, self.shared)
            except OSError as exc:
                os.close(fd)
                if exc.errno in _BUSY_ERRNOS:
                    return LockState.BUSY
                self._report("The file system of %s does not lock files: %s", exc)
                return LockState.UNAVAILABLE
            if not _same_file(fd, self.path):
                os.close(fd)  # closing gives the lock up
                return LockState.BUSY
            # Each shared holder locks its own handle: one giving up leaves the others' locks.
            self._fd = fd
            _held[self._key] = holders + 1 if self.shared else EXCLUSIVE
            return LockState.ACQUIRED

    def _report(self, message: str, error: OSError) -> None:
        if self._key not in _reported:
            _reported.add(self._key)
            # An exclusive lock here is a sender's, whose row in SQLite still works; a shared
            # one is an open store's, which a removal then cannot see.
            note = "a removal cannot tell it is open" if self.shared else "relying on the lock row"
            log.warning(f"{message} ({note})", self.path, error)

    def release(self) -> None:
        """Give the lock up (closing the file would too; unlocking first is explicit)."""
        with _held_guard:
            fd, self._fd = self._fd, None
            if fd is None:
                return
            holders = _held.pop(self._key, 0)
            if holders > 1:
                _held[self._key] = holders - 1
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
