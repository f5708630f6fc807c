"""The sender lock: one outbox sender per profile, across threads and processes.

Two locks, taken in this order and given up in the other:

1. An OS lock on a file beside the database (`impilo.sqlite3.outbox.lock`, see
   process_lock.py), released by the kernel when its process dies, however it died. A sender
   that cannot get it because another live process (or another sender in this one) holds it
   does not start.
2. A row in the database, taken and refreshed inside `BEGIN IMMEDIATE` transactions, so two
   processes cannot both believe they hold it. A holder refreshes it (heartbeat) while it
   works, also while a request is in flight. A row left by a holder that is gone is replaced
   once it expires, or at once when it was left on this computer and either its process no
   longer exists or the new holder has the OS lock: every sender on this computer takes the
   OS lock before the row and keeps it until the row is released, so holding it proves that
   no sender of this computer is at work, even where a dead process cannot be told from a
   live one (Windows).

The row stays the authority across computers sharing a folder and on file systems that do
not lock (the OS lock is then UNAVAILABLE and the row works alone, as it always did). A create
is only started inside a transaction that finds the row still held and extends it
(`extend_lease`), so a sender that lost it cannot start one.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlcipher3 import dbapi2 as sqlite3  # the stdlib API, encrypting: see cipher.py

from impilo_desktop.store.base import StoreBase
from impilo_desktop.store.entries import LockHolder
from impilo_desktop.store.errors import SenderLockLost
from impilo_desktop.store.process_lock import LockState, ProcessLock

OUTBOX_LOCK = "outbox"


@dataclass(frozen=True)
class SenderLease:
    """What a sender proves before each create: it is `owner`, and after this step the lock
    stays its own for `ttl` seconds more."""

    owner: str
    ttl: float
    name: str = OUTBOX_LOCK


def extend_lease(conn: sqlite3.Connection, lease: SenderLease, now: float) -> None:
    """Inside a write transaction: extend `lease.owner`'s lock to `now + ttl`, or raise
    `SenderLockLost` when the lock is no longer its own (or has expired)."""
    cursor = conn.execute(
        "UPDATE sender_lock SET expires_at = ? WHERE name = ? AND owner = ? AND expires_at > ?",
        (now + lease.ttl, lease.name, lease.owner, now),
    )
    if cursor.rowcount != 1:
        raise SenderLockLost("Another sender took over this outbox.")


class SenderLockMixin(StoreBase):
    """Taking, refreshing and releasing the sender lock."""

    def sender_lock_file(self, name: str = OUTBOX_LOCK) -> Path:
        """The file the OS lock of `name` is taken on (beside the database)."""
        return self.path.with_name(f"{self.path.name}.{name}.lock")

    def acquire_sender_lock(self, owner: str, ttl: float, name: str = OUTBOX_LOCK) -> bool:
        """Take the lock for `owner` for `ttl` seconds; False when someone else holds it.

        Taking over a row whose holder is gone is safe for entries it left `sending`: they
        become in doubt, and an in-doubt entry is looked up only once its last request can no
        longer create an order (sync/sender.py, docs/architecture.md)."""
        os_lock = self._os_lock(name, owner)
        state = os_lock.try_acquire()
        if state == LockState.BUSY:
            self._drop_os_lock(name, owner)
            return False
        os_locked = state == LockState.ACQUIRED
        host = socket.gethostname()
        pid = os.getpid()

        def take(conn: sqlite3.Connection) -> bool:
            now = self.now()
            row = conn.execute("SELECT * FROM sender_lock WHERE name = ?", (name,)).fetchone()
            if row is not None and row["owner"] != owner:
                expired = row["expires_at"] <= now
                # Left on this computer by a sender that is not at work any more: it held the
                # OS lock we now hold, or its process is gone.
                gone = row["hostname"] == host and (
                    os_locked or not self._process_alive(int(row["pid"]))
                )
                if not (expired or gone):
                    return False
            conn.execute(
                "INSERT OR REPLACE INTO sender_lock"
                " (name, owner, pid, hostname, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (name, owner, pid, host, now, now + ttl),
            )
            return True

        taken = False
        try:
            taken = self._db.write(take)
        finally:
            if not taken:
                self._drop_os_lock(name, owner)
        return taken

    def refresh_sender_lock(self, owner: str, ttl: float, name: str = OUTBOX_LOCK) -> bool:
        """Extend the lock; False when `owner` no longer holds it (it expired, and may have
        been taken)."""

        def refresh(conn: sqlite3.Connection) -> bool:
            try:
                extend_lease(conn, SenderLease(owner, ttl, name), self.now())
            except SenderLockLost:
                return False
            return True

        return self._db.write(refresh)

    def release_sender_lock(self, owner: str, name: str = OUTBOX_LOCK) -> None:
        """Give the lock up (only if `owner` holds it): the row first, then the OS lock."""
        try:
            self._db.write(
                lambda conn: conn.execute(
                    "DELETE FROM sender_lock WHERE name = ? AND owner = ?", (name, owner)
                )
            )
        finally:
            self._drop_os_lock(name, owner)

    def release_os_locks(self) -> None:
        """Give up every OS lock this store holds (when it closes)."""
        with self._os_locks_guard:
            held = list(self._os_locks.values())
            self._os_locks.clear()
        for os_lock in held:
            os_lock.release()

    def _os_lock(self, name: str, owner: str) -> ProcessLock:
        with self._os_locks_guard:
            if (name, owner) not in self._os_locks:
                self._os_locks[(name, owner)] = ProcessLock(self.sender_lock_file(name))
            return self._os_locks[(name, owner)]

    def _drop_os_lock(self, name: str, owner: str) -> None:
        with self._os_locks_guard:
            os_lock = self._os_locks.pop((name, owner), None)
        if os_lock is not None:
            os_lock.release()

    def sender_lock_holder(self, name: str = OUTBOX_LOCK) -> LockHolder | None:
        """The current holder, or None when the lock is free or expired."""
        row = self._db.read(
            lambda conn: conn.execute(
                "SELECT * FROM sender_lock WHERE name = ? AND expires_at > ?", (name, self.now())
            ).fetchone()
        )
        if row is None:
            return None
        return LockHolder(
            owner=row["owner"],
            pid=int(row["pid"]),
            hostname=row["hostname"],
            expires_at=datetime.fromtimestamp(row["expires_at"], UTC),
        )
