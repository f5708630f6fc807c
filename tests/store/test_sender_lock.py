"""The sender lock: an OS lock on a file beside the database plus a row in it. Together they
hold across stores and processes; a holder that died is replaced at once, also where its
death cannot be seen from its process id (Windows)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from impilo_desktop.store import Store
from impilo_desktop.store.process_lock import process_alive


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_without_os_locks_a_held_row_is_taken_only_once_expired(db_path: Path) -> None:
    clock = Clock()
    with Store(db_path, clock=clock) as first, Store(db_path, clock=clock) as second:
        # A file system where files cannot be locked (some network shares; here, a folder
        # where the lock file would be): the row works alone, as it did before OS locks.
        first.sender_lock_file().mkdir()
        assert first.acquire_sender_lock("ui", ttl=60)
        assert not second.acquire_sender_lock("cli", ttl=60)
        holder = second.sender_lock_holder()
        assert holder is not None
        assert holder.owner == "ui"

        clock.now += 30
        assert first.refresh_sender_lock("ui", ttl=60)  # heartbeat keeps it
        clock.now += 45
        assert not second.acquire_sender_lock("cli", ttl=60)

        clock.now += 61  # the owner stopped refreshing: expired, taken over
        assert second.acquire_sender_lock("cli", ttl=60)
        assert not first.refresh_sender_lock("ui", ttl=60)  # the old owner learns it lost it
        first.release_sender_lock("ui")  # releasing a lock you do not hold changes nothing
        assert not first.acquire_sender_lock("ui", ttl=60)
        second.release_sender_lock("cli")
        assert first.acquire_sender_lock("ui", ttl=60)


_HOLDER = textwrap.dedent(
    """
    import sys
    from impilo_desktop.store import Store
    store = Store(sys.argv[1])
    print("acquired" if store.acquire_sender_lock("other-process", ttl=3600) else "busy",
          flush=True)
    sys.stdin.readline()
    """
)


def test_a_frozen_holder_keeps_its_os_lock_after_its_row_expired(db_path: Path) -> None:
    clock = Clock()
    with Store(db_path, clock=clock) as first, Store(db_path, clock=clock) as second:
        assert first.acquire_sender_lock("frozen", ttl=60)
        assert first.sender_lock_file().is_file()
        clock.now += 3600  # no heartbeat for an hour: the row expired...
        # ...but a sender of this computer that still holds its OS lock is alive (frozen or
        # slow): nobody starts sending beside it.
        assert not second.acquire_sender_lock("next", ttl=60)
        first.release_sender_lock("frozen")
        assert second.acquire_sender_lock("next", ttl=60)
        assert not first.acquire_sender_lock("frozen", ttl=60)
    with Store(db_path, clock=clock) as third:
        # Closing a store gives up the OS lock it held (its row stays until it expires).
        assert third.acquire_sender_lock("third", ttl=60)


def windows_like(_pid: int) -> bool:
    """Windows: a process id says nothing about whether its process still runs."""
    return True


@pytest.mark.parametrize(
    "alive", [process_alive, windows_like], ids=["pid-check", "no-pid-check-as-on-windows"]
)
def test_lock_held_by_another_process_and_taken_over_when_it_dies(
    db_path: Path, alive: Callable[[int], bool]
) -> None:
    with Store(db_path, process_alive=alive) as store:
        proc = subprocess.Popen(
            [sys.executable, "-c", _HOLDER, str(db_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "acquired"
            assert not store.acquire_sender_lock("me", ttl=60)
        finally:
            proc.kill()
            proc.communicate(timeout=30)  # reaps it and closes the pipes
        # Its row is still there for an hour...
        holder = store.sender_lock_holder()
        assert holder is not None
        assert holder.owner == "other-process"
        # ...but the kernel released its OS lock: on this computer that is enough, even where
        # the dead process cannot be told from a live one.
        assert store.acquire_sender_lock("me", ttl=60)
