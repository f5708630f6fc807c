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
    from impilo_desktop.store import DatabaseKey, Store
    kind, _, secret = sys.argv[2].partition(":")
    key = {"key": DatabaseKey.from_text, "passphrase": lambda words: DatabaseKey(passphrase=words)}
    store = Store(sys.argv[1], key=key[kind](secret) if secret else None)
    print("holding" if store.acquire_sender_lock("other-copy", ttl=600) else "busy", flush=True)
    sys.stdin.readline()
    """
)


@contextmanager
def another_sender(
    database: Path, *, key: str | None = None, passphrase: str | None = None
) -> Iterator[None]:
    """Hold the sender lock of `database` in a child process until the block ends; the store
    is opened with `key` (`DatabaseKey.as_text()`) or `passphrase`, as the app and the
    command line open it."""
    secret = f"key:{key}" if key else f"passphrase:{passphrase}" if passphrase else ":"
    other = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(database), secret],
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
