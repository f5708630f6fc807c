"""The sender lock: one outbox sender per profile, across threads and processes.

The lock is a row in the database, taken and refreshed inside `BEGIN IMMEDIATE`
transactions, so two processes cannot both believe they hold it. A holder refreshes it
(heartbeat) while it works, also while a request is in flight; a holder that died is
replaced once its lock expires, or at once when it was a process on this computer that no
longer exists. A create is only started inside a transaction that finds the lock still held
and extends it (`extend_lease`), so a sender that lost its lock cannot start one.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from impilo_desktop.store.base import StoreBase
from impilo_desktop.store.entries import LockHolder
from impilo_desktop.store.errors import SenderLockLost

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


def _process_alive(pid: int) -> bool:
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


class SenderLockMixin(StoreBase):
    """Taking, refreshing and releasing the sender lock."""

    def acquire_sender_lock(self, owner: str, ttl: float, name: str = OUTBOX_LOCK) -> bool:
        """Take the lock for `owner` for `ttl` seconds; False when someone else holds it.

        Taking over an expired lock is safe for entries the old holder left `sending`: they
        become in doubt, and an in-doubt entry is looked up only once its last request can no
        longer create an order (sync/sender.py, docs/architecture.md)."""
        host = socket.gethostname()
        pid = os.getpid()

        def take(conn: sqlite3.Connection) -> bool:
            now = self.now()
            row = conn.execute("SELECT * FROM sender_lock WHERE name = ?", (name,)).fetchone()
            if row is not None and row["owner"] != owner:
                expired = row["expires_at"] <= now
                dead = row["hostname"] == host and not _process_alive(int(row["pid"]))
                if not (expired or dead):
                    return False
            conn.execute(
                "INSERT OR REPLACE INTO sender_lock"
                " (name, owner, pid, hostname, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (name, owner, pid, host, now, now + ttl),
            )
            return True

        return self._db.write(take)

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
        """Give the lock up (only if `owner` holds it)."""
        self._db.write(
            lambda conn: conn.execute(
                "DELETE FROM sender_lock WHERE name = ? AND owner = ?", (name, owner)
            )
        )

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
