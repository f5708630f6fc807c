"""What every part of the store shares: the database and the clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from impilo_desktop.store.database import DEFAULT_BUSY_TIMEOUT, Database
from impilo_desktop.store.errors import StoreError


class StoreBase:
    """The open database plus a clock (injectable so tests can age entries)."""

    def __init__(
        self,
        path: Path | str,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = Database(Path(path), busy_timeout=busy_timeout)
        self._clock = clock

    @property
    def path(self) -> Path:
        """The SQLite file."""
        return self._db.path

    @property
    def notice(self) -> StoreError | None:
        """What the user must be told about opening this store although it opened (today:
        the file was found empty and a new one started, `StoreFoundEmpty`), else None. Its
        `message` is meant to be shown as is, like a raised `StoreError`'s."""
        return self._db.notice

    def now(self) -> float:
        """The store's notion of now, in epoch seconds."""
        return self._clock()
