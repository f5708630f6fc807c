"""What every command-line action shares: exit codes, how it speaks, how it opens the store."""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

from impilo_desktop.config import Profile, resolve_profile
from impilo_desktop.domain.order_json import MAX_FILE_BYTES, too_large_problem
from impilo_desktop.secrets import DATABASE_PASSPHRASE_ENV, KeyStore
from impilo_desktop.store import DatabaseKey, Store, StoreKeyError

EXIT_OK = 0
EXIT_PENDING = 1  # entries remain in the outbox / a file was not imported
EXIT_USAGE = 2  # bad profile, no key, unusable database


def say(text: str, *, err: bool = False) -> None:
    """Print one line. A file name that the terminal's encoding cannot show (bytes that are
    not UTF-8 in a name, a Windows code page) is printed with escapes instead of raising."""
    stream = sys.stderr if err else sys.stdout
    try:
        print(text, file=stream, flush=True)
    except UnicodeEncodeError:
        encoding = stream.encoding or "utf-8"
        print(text.encode(encoding, "backslashreplace").decode(encoding), file=stream, flush=True)


def fail(message: str) -> int:
    say(f"impilo-desktop: {message}", err=True)
    return EXIT_USAGE


def profile_of(args: argparse.Namespace) -> Profile:
    return resolve_profile(getattr(args, "profile", None), getattr(args, "base_url", None))


def open_store(profile: Profile) -> Store:
    """Open the profile's store, with its key from the keyring; what the user must know
    about it (a database that was found empty and started anew) is said on stderr. Raises
    `StoreError` when it cannot open (no keyring: see `_database_key`)."""
    store = Store.open_profile(profile, key=_database_key(profile))
    if store.notice is not None:
        say(f"impilo-desktop: {store.notice.message}", err=True)
    return store


def _database_key(profile: Profile) -> DatabaseKey:
    """The database key from the keyring, or without one from IMPILO_DATABASE_PASSPHRASE (the
    passphrase typed in the app). A session-only database is the app's alone."""
    keys = KeyStore()
    key = keys.database_key(profile.name, Store.path_for(profile))
    if key is None:
        raise StoreKeyError(
            "The local database is encrypted with a key kept in the password store (keyring), "
            f"and none is available here ({keys.unavailable_reason or 'no keyring'}). Set "
            f"{DATABASE_PASSPHRASE_ENV} to the passphrase typed in the app.",
            detail="no keyring for the command line",
        )
    return key


def api_key_of(profile: Profile) -> str | None:
    """IMPILO_API_KEY, the keyring, or (sandbox only) the demo key."""
    key: str | None = None
    try:
        from impilo_desktop.secrets import KeyStore

        key = KeyStore().get_key(profile.name)
    except ImportError:  # pragma: no cover - the shell's KeyStore is part of the app
        import os

        from impilo_desktop.config import API_KEY_ENV

        key = os.environ.get(API_KEY_ENV) or None
    if not key and profile.is_sandbox:
        from impilo_desktop.sandbox import DEMO_API_KEY

        key = DEMO_API_KEY
    return key


@contextlib.contextmanager
def cli_logging(key: str, *, verbose: bool) -> Iterator[None]:
    """The log goes to the command line's own log file beside the app's (and stderr with
    --verbose), the key redacted."""
    from impilo_desktop.logs import (
        CLI_LOG_FILE_NAME,
        configure_logging,
        current_log_file,
        register_secret,
        reset_logging,
    )

    register_secret(key)
    if current_log_file() is not None:  # already configured by whoever called us
        yield
        return
    configure_logging(console=verbose, file_name=CLI_LOG_FILE_NAME)
    try:
        yield
    finally:
        reset_logging()


def read_order_file(
    path: Path, limit: int = MAX_FILE_BYTES, too_large: str | None = None
) -> tuple[bytes, str | None]:
    """The file's bytes, or why it cannot be read. Never reads more than `limit + 1` bytes,
    and never waits for a writer that is not there: /dev/zero is too large at once, a named
    pipe nobody writes to is empty. `too_large` is the sentence for a file over `limit`
    (an order file's by default)."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            return b"", "is a folder, not a file"
        if stat.S_ISREG(info.st_mode) and info.st_size > limit:
            return b"", too_large or too_large_problem()
        # Non-blocking open: opening a named pipe for reading otherwise waits for a writer.
        nonblocking = getattr(os, "O_NONBLOCK", 0)
        fd = os.open(path, os.O_RDONLY | nonblocking | getattr(os, "O_BINARY", 0))
        if nonblocking:
            os.set_blocking(fd, True)  # now read as usual, waiting for a writer that exists
        with os.fdopen(fd, "rb") as file:
            raw = file.read(limit + 1)
    except FileNotFoundError:
        return b"", "does not exist"
    except IsADirectoryError:
        return b"", "is a folder, not a file"
    except PermissionError:
        return b"", "cannot be read: permission denied"
    except OSError as exc:
        return b"", f"cannot be read ({exc.strerror or type(exc).__name__})"
    if len(raw) > limit:
        return b"", too_large or too_large_problem()
    return raw, None
