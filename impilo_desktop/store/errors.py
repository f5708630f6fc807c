"""Errors of the local database, each with a message a coordinator can act on.

Every `sqlite3` error that leaves the store is translated into one of these, so callers
(the UI, the sync worker, the command line) handle one family and show `message` as is.
"""

from __future__ import annotations

from pathlib import Path

from sqlcipher3 import dbapi2 as sqlite3  # the stdlib's API, encrypting (see cipher.py)


class StoreError(Exception):
    """Base of every local-database error; `message` is plain language for the user."""

    def __init__(self, message: str, *, detail: str = "") -> None:
        self.message = message
        self.detail = detail
        super().__init__(message)


class StoreLockedError(StoreError):
    """Another program (or another copy of the app) holds the database; nothing was lost."""


class StoreKeyError(StoreError):
    """The file is encrypted and the key at hand does not open it (a wrong passphrase, or
    no key at all). Nothing was changed or copied."""


class StoreCorruptError(StoreError):
    """The file is damaged. It was left where it is, and a copy kept at `copy_path`."""

    def __init__(self, message: str, *, detail: str = "", copy_path: Path | None = None) -> None:
        super().__init__(message, detail=detail)
        self.copy_path = copy_path


class StoreFoundEmpty(StoreError):  # noqa: N818 - a notice, handed over rather than raised
    """The database file was there but empty (0 bytes): something truncated it. A new, empty
    database was started in its place; what was left of the old one (its -wal file) was
    copied to `copy_path`. Not raised: the store opens, and carries this as `Store.notice`
    for the caller to show."""

    def __init__(self, message: str, *, detail: str = "", copy_path: Path | None = None) -> None:
        super().__init__(message, detail=detail)
        self.copy_path = copy_path


class StoreUnwritableError(StoreError):
    """The folder or file cannot be written (permissions, read-only disk, disk full)."""


class StoreTooNewError(StoreError):
    """The file was written by a newer version of the app; it is left untouched."""


class EntryStateError(StoreError):
    """An outbox entry is not in a state that allows the requested change."""


class SenderLockLost(StoreError):  # noqa: N818 - reads as what happened
    """This sender no longer holds the outbox lock (it expired and another sender took it)."""


class EntryNotFoundError(StoreError):
    """No draft or outbox entry with that id."""


_LOCKED = ("database is locked", "database table is locked", "locking protocol")
_CORRUPT = ("file is not a database", "malformed", "file is encrypted", "corrupt")
_UNWRITABLE = (
    "readonly database",
    "unable to open database",
    "disk i/o error",
    "database or disk is full",
    "disk full",
    "permission",
)


def classify(exc: sqlite3.Error, path: Path) -> StoreError:
    """Translate a sqlite3 error about the database at `path` into a `StoreError`.

    Corruption is reported by the caller (it must first keep a copy), so here it becomes a
    `StoreCorruptError` without a copy path.
    """
    text = str(exc).lower()
    detail = f"{type(exc).__name__}: {exc} ({path})"
    if any(word in text for word in _LOCKED):
        return StoreLockedError(
            "The local database is locked by another program (perhaps another copy of "
            "Impilo Desktop). Close it and try again; nothing was lost.",
            detail=detail,
        )
    if any(word in text for word in _CORRUPT):
        return StoreCorruptError(f"The local database at {path} is damaged.", detail=detail)
    if any(word in text for word in _UNWRITABLE):
        return StoreUnwritableError(
            f"The local database at {path} cannot be written. Check that the folder is "
            "writable and the disk is not full.",
            detail=detail,
        )
    return StoreError(f"The local database reported a problem: {exc}", detail=detail)
