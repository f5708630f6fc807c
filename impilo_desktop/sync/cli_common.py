"""What every command-line action shares: exit codes, how it speaks, how it opens the store."""

from __future__ import annotations

import argparse
import sys

from impilo_desktop.config import Profile, resolve_profile
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
