"""The sender lock lives in the database: it holds across stores and processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from impilo_desktop.store import Store


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_second_store_cannot_take_a_held_lock_until_it_expires(db_path: Path) -> None:
    clock = Clock()
    with Store(db_path, clock=clock) as first, Store(db_path, clock=clock) as second:
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


def test_lock_held_by_another_process_and_taken_over_when_it_dies(db_path: Path) -> None:
    with Store(db_path) as store:
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
        # Same host, process gone: no need to wait an hour for the expiry.
        assert store.acquire_sender_lock("me", ttl=60)
