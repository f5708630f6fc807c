"""Each thread's SQLite connection to one database, and closing them all without closing one
under the thread that is using it.

A connection is used only by the thread that opened it, but the store is closed from another
thread (the UI's, when the window closes), possibly while a worker still reads: a picker's
load of 100,000 patients runs on a pool thread that the bridge's shutdown cannot stop. Closing
a connection finalizes its statements (pysqlite frees each one with the GIL released), so the
worker's next step read a freed statement and the process died with a segmentation fault. So
`close` closes only the connections no thread is inside; one in use is closed by its own
thread as soon as that thread's work returns (`use`), and nothing new starts after `close`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from impilo_desktop.store.cipher import sqlite3
from impilo_desktop.store.errors import StoreError

CLOSED = "The local database was closed."


class ThreadConnections:
    """The open connections, each with how many calls of its thread are inside it."""

    def __init__(self, open_connection: Callable[[], sqlite3.Connection]) -> None:
        self._open = open_connection
        self._local = threading.local()
        self._lock = threading.Lock()  # guards _uses and closed together
        self._uses: dict[sqlite3.Connection, int] = {}
        self._after_last: Callable[[], None] | None = None
        self.closed = False

    def own(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        if self.closed:
            raise StoreError(CLOSED)
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            with self._lock:
                registered = not self.closed
                if registered:
                    self._uses[conn] = 0
            if not registered:
                _close(conn)  # closed while it was opening: nobody else would close it
                raise StoreError(CLOSED)
            self._local.conn = conn
        return conn

    def __len__(self) -> int:
        """How many connections are open (in use or idle)."""
        return len(self._uses)

    def has_own(self) -> bool:
        return getattr(self._local, "conn", None) is not None

    @contextlib.contextmanager
    def use(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, counted as in use until the block ends; if the store was
        closed meanwhile, the last use closes it (on its own thread)."""
        conn = self.own()
        with self._lock:
            # Checked with the count taken under the same lock as `close` picks the idle
            # connections: a connection `close` closed is never used again.
            if self.closed:
                raise StoreError(CLOSED)
            self._uses[conn] += 1
        try:
            yield conn
        finally:
            with self._lock:
                self._uses[conn] -= 1
                last = self.closed and self._uses[conn] == 0
                if last:
                    del self._uses[conn]
            if last:
                self._local.conn = None
                _close(conn)
                self._run_after_last()

    def close(self, after_last: Callable[[], None] | None = None) -> None:
        """Close every idle connection now; each one in use, when its thread is done.
        `after_last` runs once no connection is open (here, or on the thread closing the
        last one)."""
        with self._lock:
            self.closed = True
            self._after_last = after_last
            idle = [conn for conn, uses in self._uses.items() if uses == 0]
            for conn in idle:
                del self._uses[conn]
        try:
            for conn in idle:
                _close(conn)
        finally:
            self._run_after_last()

    def _run_after_last(self) -> None:
        with self._lock:
            after_last = None if self._uses else self._after_last
            if after_last is not None:
                self._after_last = None
        if after_last is not None:
            after_last()

    def release_own(self) -> None:
        """Close the calling thread's connection, if it has one and is not inside it."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            return
        with self._lock:
            if self._uses.get(conn, 0) > 0:
                return  # called from inside a use: closed when that ends, if closed
            self._uses.pop(conn, None)
        self._local.conn = None
        _close(conn)
        self._run_after_last()


def _close(conn: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):
        conn.close()
