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
from impilo_desktop.store.errors import StoreError
from impilo_desktop.store.process_lock import ProcessLock, process_alive


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
        self._db = Database(
            Path(path),
            busy_timeout=busy_timeout,
            platform=platform,
            key=key,
            in_memory=in_memory,
            progress=progress,
        )
        self._clock = clock
        self._process_alive = process_alive
        # The OS locks this store holds, by (lock name, owner): see sender_lock.py.
        self._os_locks: dict[tuple[str, str], ProcessLock] = {}
        self._os_locks_guard = threading.Lock()

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
