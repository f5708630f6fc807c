"""What every command-line action shares: exit codes, how it speaks, how it opens the store."""

from __future__ import annotations

import argparse
import sys

from impilo_desktop.config import Profile, resolve_profile
from impilo_desktop.store import Store

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
    """Open the profile's store; what the user must know about it (a database that was found
    empty and started anew) is said on stderr. Raises `StoreError` when it cannot open."""
    store = Store.open_profile(profile)
    if store.notice is not None:
        say(f"impilo-desktop: {store.notice.message}", err=True)
    return store
