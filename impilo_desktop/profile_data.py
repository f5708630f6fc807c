"""A profile's data on this computer: what is still unsent, writing it out as order files, and
signing out (removing all of it).

Signing out (Settings > "Sign out and remove this computer's data", or
`impilo-desktop profile remove NAME`) leaves nothing of the profile behind:

- its folder, `<home>/profiles/<name>`, whole: the database with its -wal and -shm files, the
  outbox lock file, damaged copies (`*.damaged-*`), temporaries, anything kept there later;
- both of its keyring entries, the API key and the database key (`KeyStore.forget_profile`);
- its custom server address and, when it was the last one used, that choice (settings.json);
- the folders the export dialogs remember (window.ini), which tell where patient data went.

It refuses, and removes nothing, while another process has the profile's database open (the
shared OS lock every open store holds on `impilo.sqlite3.open.lock`) or sends from it (the OS
lock on its outbox lock file, or a live lock row left by another computer sharing the folder):
deleting a database under a store would lose what it is sending, and it would go on sending
orders the coordinator chose to drop. The caller closes its own store first.

The folder is first renamed to a hidden tombstone (`.removing-...`) while the OS lock is held,
then deleted: a removal cut short (power, a file another program holds open on Windows) leaves
the tombstone, never half a database under the profile's name, and the next removal finishes
it. No Qt here: the command line uses this as the app does (the app on its bridge loop).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import sys
import time
import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from impilo_desktop.config import Settings
from impilo_desktop.domain import DraftInvalid, to_order_create
from impilo_desktop.secrets import KeyStore
from impilo_desktop.store import (
    DATABASE_NAME,
    OUTBOX_LOCK,
    UNSENT_STATES,
    DatabaseKey,
    OutboxEntry,
    PatientChangeEntry,
    Store,
    StoreKeyError,
    cipher,
)
from impilo_desktop.store.base import open_lock_file
from impilo_desktop.store.process_lock import LockState, ProcessLock, process_alive
from impilo_desktop.unsent_changes import FILE_STEM as CHANGE_FILE_STEM
from impilo_desktop.unsent_changes import (
    change_file_text,
    change_line,
    unsent_changes,
    waiting_since,
)

log = logging.getLogger(__name__)

TOMBSTONE_PREFIX = ".removing-"  # profile names start with a letter or digit: never a profile
WINDOW_SETTINGS = "window.ini"
# The export dialogs' remembered folders (ui/history/dialogs.py SaveFolder), [dialogs] section.
EXPORT_FOLDER_KEYS = ("lastCsvFolder", "lastPdfFolder", "lastSaveFolder")

SENDING_ELSEWHERE = (
    "Another copy of Impilo Desktop (or a sync command) is sending this account's orders right"
    " now, so nothing was removed. Let it finish or close it, then sign out again."
)
FILES_IN_USE = (
    "Another program has some of this account's files open, so nothing was removed. Close it"
    " (or restart the computer), then sign out again."
)


# What a profile has not sent: orders, and corrections of a patient's address or phone.
Unsent = OutboxEntry | PatientChangeEntry


class ProfileInUseError(Exception):
    """The profile cannot be removed now; `message` says why, for the coordinator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ExportError(Exception):
    """An unsent order cannot be written as an order file; the text says which and why."""


# -- what is unsent -----------------------------------------------------------------------------


def unsent_entries(store: Store) -> list[Unsent]:
    """What has not reached Impilo (queued, in doubt, refused, held): the orders, oldest
    first, then the address corrections (unsent_changes.py)."""
    return [*store.list_outbox(UNSENT_STATES), *unsent_changes(store)]


def unsent_in(home: Path, name: str, keys: KeyStore) -> list[Unsent]:
    """The unsent entries of profile `name`, whose store is not open here (another account,
    the command line), opened with its database key. No database is created only to find it
    empty."""
    database = profile_folder(home, name) / DATABASE_NAME
    if not database.exists():
        return []
    key = keys.database_key(name)
    if key is None:
        raise StoreKeyError(
            f"The local database of the {name} account is encrypted, and its key is neither "
            "in the password store here nor a passphrase typed at start.",
            detail="no database key for unsent_in",
        )
    with Store(database, key=key) as store:
        return unsent_entries(store)


def profiles_on_disk(home: Path) -> list[str]:
    """The profiles that keep data on this computer (a folder under `profiles`), by name."""
    profiles = home / "profiles"
    if not profiles.is_dir():
        return []
    names = (p.name for p in profiles.iterdir() if p.is_dir())
    return sorted(n for n in names if not n.startswith(TOMBSTONE_PREFIX))


def waiting_for(entry: Unsent, now: datetime | None = None) -> str:
    """How long the entry has waited, as a coordinator says it: "5 min", "3 h", "2 days"."""
    return waiting_since(entry.created_at, now)


def unsent_line(entry: Unsent, now: datetime | None = None) -> str:
    """One line for the sign-out question and the command line: "#3 Jane Doe — 2 items,
    waiting 3 h (refused: ...)", or a correction's (`change_line`)."""
    if isinstance(entry, PatientChangeEntry):
        return change_line(entry, waiting_for(entry, now))
    line = f"#{entry.entry_id} {entry.draft.summary()}, waiting {waiting_for(entry, now)}"
    problem = entry.server_message or entry.last_error
    if problem:
        line += f" ({entry.state.value.replace('_', ' ')}: {problem})"
    return line


# -- writing them out ---------------------------------------------------------------------------


def order_file_json(entry: OutboxEntry) -> str:
    """The entry as a create-order JSON file, the shape `impilo-desktop drafts import` reads.
    Its client reference stays among the external order ids, so whoever imports it can ask
    Impilo whether an order that was in doubt arrived after all. Raises `DraftInvalid` for a
    draft that is no longer a valid order."""
    body = to_order_create(entry.draft, entry.client_reference).to_wire()
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def export_unsent(entries: Iterable[Unsent], folder: Path) -> list[Path]:
    """Write one order file per order into `folder`, and one text file per address
    correction (`change_file_text`), never over an existing file; the paths written. An
    error (a folder not writable, a draft no longer valid) stops it: the caller removes
    nothing then."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for entry in entries:
        if isinstance(entry, PatientChangeEntry):
            stem = f"{CHANGE_FILE_STEM}-{entry.change_id}"
            written.append(write_new_file(folder, stem, change_file_text(entry), suffix=".txt"))
            continue
        try:
            text = order_file_json(entry)
        except DraftInvalid as invalid:
            raise ExportError(
                f"#{entry.entry_id} ({entry.draft.summary()}) is not a complete order ({invalid});"
                " open it in Drafts & outbox to correct it, or remove it"
            ) from invalid
        path = write_new_file(folder, f"unsent-order-{entry.entry_id}", text)
        written.append(path)
    return written


def write_new_file(folder: Path, stem: str, text: str, suffix: str = ".json") -> Path:
    """Write `text` to `folder/stem.json`, or `stem-2.json`, … : never over an existing file."""
    path = folder / f"{stem}{suffix}"
    number = 1
    while True:
        try:
            with path.open("x", encoding="utf-8") as file:
                file.write(text)
            return path
        except FileExistsError:
            number += 1
            path = folder / f"{stem}-{number}{suffix}"


# -- removing -----------------------------------------------------------------------------------


def profile_folder(home: Path, name: str) -> Path:
    return home / "profiles" / name


def lock_file(folder: Path) -> Path:
    """The outbox's OS lock file (store/sender_lock.py names it the same way)."""
    return folder / f"{DATABASE_NAME}.{OUTBOX_LOCK}.lock"


def _live_lock_row(database: Path, os_locked: bool, key: DatabaseKey | None) -> bool:
    """A sender lock row that still counts: left by another computer sharing the folder, or on
    this one by a live process when the OS lock proves nothing. Read without the Store (no
    migration), with the database key: a file that cannot be read this way is left to the OS
    lock. Through the store's own SQLite library (SQLCipher): closing a file that another
    SQLite library in this process opened would drop the store's POSIX locks on it."""
    if not database.exists():
        return False
    sqlite3 = cipher.sqlite3
    try:
        conn = cipher.connect(
            f"{database.as_uri()}?mode=ro", key, key_path=database, uri=True, timeout=1.0
        )
    except sqlite3.Error:
        return False
    try:
        row = conn.execute(
            "SELECT pid, hostname FROM sender_lock WHERE name = ? AND expires_at > ?",
            (OUTBOX_LOCK, time.time()),
        ).fetchone()
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    if row is None:
        return False
    pid, host = int(row[0]), str(row[1])
    if host != socket.gethostname():
        return True
    return not os_locked and pid != os.getpid() and process_alive(pid)


def check_not_in_use(home: Path, name: str, key: DatabaseKey | None) -> None:
    """Raise `ProfileInUseError` when another process sends from the profile now (nothing is
    changed). Only a check: `remove_profile_data` checks again while it removes. `key` opens
    the profile's database (None: only the OS lock is checked)."""
    folder = profile_folder(home, name)
    if not folder.exists():
        return
    lock = ProcessLock(lock_file(folder))
    try:
        _take_unless_sending(folder, lock, key)
    finally:
        lock.release()


def _take_unless_sending(folder: Path, lock: ProcessLock, key: DatabaseKey | None) -> None:
    """Try `lock` (the profile's OS lock); raise `ProfileInUseError` when a sender holds it or
    a live lock entry in the database says one sends from another computer. The caller
    releases the lock, whatever happens."""
    state = lock.try_acquire()
    if state == LockState.BUSY or _live_lock_row(
        folder / DATABASE_NAME, state == LockState.ACQUIRED, key
    ):
        raise ProfileInUseError(SENDING_ELSEWHERE)


def _bury(home: Path, name: str, key: DatabaseKey | None) -> Path | None:
    """Rename the profile's folder to a tombstone under its OS locks; None when there is no
    folder. Raises `ProfileInUseError` (nothing changed) when a sender or a program holds it,
    or another process has its store open (a `sync` between two passes holds no sender lock,
    but would go on working on, and sending from, a deleted file)."""
    folder = profile_folder(home, name)
    if not folder.exists():
        return None
    tombstone = folder.with_name(f"{TOMBSTONE_PREFIX}{name}-{uuid.uuid4().hex[:8]}")
    # Exclusive: every open store holds it shared. Not waited for: whoever holds it open
    # may hold it for hours.
    in_use = ProcessLock(open_lock_file(folder / DATABASE_NAME))
    lock = ProcessLock(lock_file(folder))
    try:
        if in_use.try_acquire() == LockState.BUSY:
            raise ProfileInUseError(SENDING_ELSEWHERE)
        _take_unless_sending(folder, lock, key)
        if sys.platform == "win32":
            # Windows renames no folder with a file open in it, our lock files included. The
            # rename that follows fails the same way if anyone opened a file since.
            lock.release()
            in_use.release()
        try:
            folder.rename(tombstone)
        except OSError as exc:
            log.warning("Could not move the %s profile's folder aside: %s", name, exc)
            raise ProfileInUseError(FILES_IN_USE) from exc
    finally:
        lock.release()
        in_use.release()
    return tombstone


def _delete_tombstones(home: Path) -> list[Path]:
    """Delete every tombstone (this removal's and any an earlier one left); those left."""
    left: list[Path] = []
    profiles = home / "profiles"
    if not profiles.is_dir():
        return left
    for path in profiles.iterdir():
        if path.name.startswith(TOMBSTONE_PREFIX):
            shutil.rmtree(path, ignore_errors=True)
            if path.exists():
                left.append(path)
    return left


def forget_export_folders(home: Path) -> None:
    """Remove the export dialogs' remembered folders from window.ini (Qt's INI format:
    only those lines go, everything else is written back as it was)."""
    path = home / WINDOW_SETTINGS
    try:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    except FileNotFoundError:
        return
    section = ""
    kept: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1]
        elif section == "dialogs" and stripped.split("=", 1)[0].strip() in EXPORT_FOLDER_KEYS:
            continue
        kept.append(line)
    if kept != lines:
        tmp = path.with_suffix(".tmp")
        tmp.write_text("".join(kept), encoding="utf-8")
        os.replace(tmp, path)


def _forget_settings(home: Path, name: str) -> None:
    settings = Settings.load(home)
    changed = settings.base_urls.pop(name, None) is not None
    if settings.last_profile == name:
        settings.last_profile = None
        changed = True
    if changed:
        settings.save(home)


def remove_profile_data(home: Path, name: str, keys: KeyStore) -> list[str]:
    """Remove everything of profile `name` from this computer (see the module's docstring).

    Raises `ProfileInUseError` before anything is changed. Returns what could not be removed, in
    plain words (empty when nothing of the profile is left)."""
    try:
        key = keys.database_key(name)
    except StoreKeyError:  # an unreadable key in the keyring: the OS lock alone decides
        key = None
    tombstone = _bury(home, name, key)
    problems: list[str] = []
    left = _delete_tombstones(home)
    if left:
        log.warning("Could not delete %s", ", ".join(str(p) for p in left))
        problems.append(
            f"Some files could not be deleted yet ({left[0]}); they go the next time you"
            " sign out, or delete that folder yourself."
        )
    if not keys.forget_profile(name):
        problems.append(
            "The password store did not answer, so this account's API key and database key"
            f" may still be saved in it (entries named {name})."
        )
    for step in (_forget_settings, lambda h, _n: forget_export_folders(h)):
        try:
            step(home, name)
        except OSError as exc:
            log.warning("Could not update the settings while signing out: %s", exc)
            problems.append("The settings file could not be updated.")
    if tombstone is not None:
        log.info("Removed this computer's data for the %s profile", name)
    return problems


__all__ = [
    "FILES_IN_USE",
    "SENDING_ELSEWHERE",
    "ExportError",
    "ProfileInUseError",
    "Unsent",
    "check_not_in_use",
    "export_unsent",
    "forget_export_folders",
    "order_file_json",
    "profiles_on_disk",
    "remove_profile_data",
    "unsent_entries",
    "unsent_in",
    "unsent_line",
    "waiting_for",
    "write_new_file",
]
