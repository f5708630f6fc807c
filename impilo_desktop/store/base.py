"""What every part of the store shares: the database, the clock, and what it knows of other
processes."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from impilo_desktop.store.cipher import DatabaseKey
from impilo_desktop.store.database import DEFAULT_BUSY_TIMEOUT, Database
from impilo_desktop.store.encrypting import Progress
from impilo_desktop.store.errors import StoreError, StoreLockedError
from impilo_desktop.store.process_lock import LockState, ProcessLock, process_alive

OPEN_LOCK = "open"  # impilo.sqlite3.open.lock: held shared by every open store of the file


def open_lock_file(database: Path) -> Path:
    """The file every open store of `database` holds a shared OS lock on, for its whole life:
    a removal (profile_data.py) takes it exclusively, so never deletes a database in use."""
    return database.with_name(f"{database.name}.{OPEN_LOCK}.lock")


def _hold_open_lock(database: Path) -> ProcessLock | None:
    """The shared lock on `database`'s open-lock file, or None when it cannot be had (no
    folder yet that can be made, a file system that does not lock: the database's own open
    says what is wrong, or the store works as it did before). Raises `StoreLockedError` while
    the profile is being removed."""
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    lock = ProcessLock(open_lock_file(database), shared=True)
    state = lock.try_acquire()
    if state == LockState.BUSY:
        raise StoreLockedError(
            "This account's data is being removed from this computer (signing out), so its"
            " local database was not opened. Nothing else was changed.",
            detail=f"open lock of {database} held exclusively",
        )
    return lock if state == LockState.ACQUIRED else None


class StoreBase:
    """The open database plus a clock (injectable so tests can age entries).

    `process_alive(pid)` says whether a process of this computer may still be running; tests
    pass `lambda _pid: True` to be Windows, where a dead process cannot be told from a live
    one. `platform` (`sys.platform`) chooses the durability pragmas (see Database). `key`
    encrypts the file (None: plain SQLite, for tests and tools; the app always gives one),
    `in_memory` keeps the database in this process's memory only, and `progress` hears how
    far the encryption of a plain file from before has got.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        clock: Callable[[], float] = time.time,
        process_alive: Callable[[int], bool] = process_alive,
        platform: str = sys.platform,
        key: DatabaseKey | None = None,
        in_memory: bool = False,
        progress: Progress | None = None,
    ) -> None:
        # Before the file is opened (created, encrypted): a removal in progress is waited
        # for by nobody, and a store open here keeps a removal from starting.
        self._open_lock = None if in_memory else _hold_open_lock(Path(path).absolute())
        try:
            self._db = Database(
                Path(path),
                busy_timeout=busy_timeout,
                platform=platform,
                key=key,
                in_memory=in_memory,
                progress=progress,
            )
        except BaseException:
            self.release_open_lock()
            raise
        self._clock = clock
        self._process_alive = process_alive
        # The OS locks this store holds, by (lock name, owner): see sender_lock.py.
        self._os_locks: dict[tuple[str, str], ProcessLock] = {}
        self._os_locks_guard = threading.Lock()

    def release_open_lock(self) -> None:
        """Give up the shared open lock (once the store's connections are closed)."""
        lock, self._open_lock = self._open_lock, None
        if lock is not None:
            lock.release()

    @property
    def path(self) -> Path:
        """The SQLite file."""
        return self._db.path

    @property
    def in_memory(self) -> bool:
        """True when nothing of this store is written to disk (lost when the app closes)."""
        return self._db.in_memory

    @property
    def notice(self) -> StoreError | None:
        """What the user must be told about opening this store although it opened (today:
        the file was found empty and a new one started, `StoreFoundEmpty`), else None. Its
        `message` is meant to be shown as is, like a raised `StoreError`'s."""
        return self._db.notice

    def now(self) -> float:
        """The store's notion of now, in epoch seconds."""
        return self._clock()
