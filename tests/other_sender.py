"""Another process that holds a profile's sender lock while a test runs (another copy of the
app, or a `sync` command, sending from the same profile)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_HOLD = textwrap.dedent(
    """
    import sys
    from impilo_desktop.store import Store
    store = Store(sys.argv[1])
    print("holding" if store.acquire_sender_lock("other-copy", ttl=600) else "busy", flush=True)
    sys.stdin.readline()
    """
)


@contextmanager
def another_sender(database: Path) -> Iterator[None]:
    """Hold the sender lock of `database` in a child process until the block ends."""
    other = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(database)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout is not None
        assert other.stdout.readline().strip() == "holding"
        yield
    finally:
        other.communicate("\n", timeout=30)


def leftovers(home: Path, name: str) -> list[Path]:
    """Every path under `home` that belongs to profile `name` (its folder, a tombstone)."""
    return [p for p in home.rglob("*") if name in p.relative_to(home).as_posix()]
