"""An unencrypted database (from before encryption) turned into an encrypted one in place,
so that a crash at any moment loses nothing and leaves at most one copy once it completes.

The steps, and what the next start finds if the process dies after each:

1. The plain file's WAL is folded into it and its journal mode set to DELETE: the file is
   whole on its own, with no -wal beside it. (Dies here: the plain file, as before.)
2. `sqlcipher_export` copies it into `<name>.encrypting`, encrypted. (Dies here: a partial
   copy, which is deleted; the plain file is untouched, and the copy starts again.)
3. The copy is checked (integrity, schema version, rows of every table), flushed to disk, and
   renamed `<name>.encrypted`: from now on it is known complete. (Dies here: see 4.)
4. The plain file is overwritten with zeros, flushed, and the encrypted copy renamed over it
   (atomic). (Dies here: the next start finds `<name>.encrypted`, overwrites whatever is left
   of the plain file again and finishes the rename.)

A copy found under `.encrypting` is never trusted; one under `.encrypted` always was checked.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from impilo_desktop.store.cipher import DatabaseKey, connect, is_plain, sqlite3
from impilo_desktop.store.errors import StoreLockedError
from impilo_desktop.store.process_lock import LockState, ProcessLock

log = logging.getLogger(__name__)

# progress(fraction) with 0.0 <= fraction <= 1.0, called on the migrating thread.
Progress = Callable[[float], None]

_PROGRESS_EVERY = 2000  # SQLite VM steps between progress reports


def copy_path(path: Path) -> Path:
    """Where the encrypted copy is written (not yet checked)."""
    return path.with_name(f"{path.name}.encrypting")


def checked_path(path: Path) -> Path:
    """Where the encrypted copy waits, checked, for the plain file to be wiped."""
    return path.with_name(f"{path.name}.encrypted")


def _sidecars(path: Path) -> list[Path]:
    return [Path(f"{path}{suffix}") for suffix in ("-journal", "-wal", "-shm")]


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return  # Windows cannot open a folder to flush it; its renames are journalled
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _wipe(path: Path) -> None:
    """Overwrite the plain file with zeros (and flush) before it is removed, so its bytes do
    not linger in free space of a plain disk. (An SSD or a copy-on-write file system may
    still keep old blocks: docs/decisions.md says so.)"""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    zeros = bytes(1 << 20)
    with open(path, "rb+") as f:
        left = size
        while left > 0:
            left -= f.write(zeros[: min(left, len(zeros))])
        f.flush()
        os.fsync(f.fileno())


def finish_interrupted(path: Path) -> bool:
    """Complete or undo a migration a crash cut short. True when one was found."""
    found = False
    copy = copy_path(path)
    for leftover in (copy, *_sidecars(copy)):
        if leftover.exists():
            found = True
            _remove(leftover)  # unchecked: never trusted
    checked = checked_path(path)
    if checked.exists():
        found = True
        _replace_plain(path, checked)
    if found:
        log.info("Finished an encryption of %s that had been interrupted", path)
    return found


def _replace_plain(path: Path, checked: Path) -> None:
    for plain in (path, *_sidecars(path)):
        _wipe(plain)
    os.replace(checked, path)
    for plain in _sidecars(path):
        _remove(plain)
    _fsync_folder(path.parent)


def encrypt_if_needed(path: Path, key: DatabaseKey, progress: Progress | None = None) -> None:
    """Before the store opens: finish what a crash interrupted, and encrypt a plain file. One
    process at a time (an OS lock beside the file, taken only when there is work): another
    copy starting at the same moment must not delete the copy this one is writing."""
    if not (is_plain(path) or copy_path(path).exists() or checked_path(path).exists()):
        return
    lock = ProcessLock(path.with_name(f"{path.name}.encrypt.lock"))
    if lock.try_acquire() is LockState.BUSY:
        raise StoreLockedError(
            "Another copy of Impilo Desktop is encrypting the local database. Try again in a "
            "moment; nothing was lost.",
            detail=f"encryption lock of {path} busy",
        )
    try:
        finish_interrupted(path)
        if is_plain(path):
            encrypt_in_place(path, key, progress)
    finally:
        lock.release()


def _table_rows(conn: sqlite3.Connection, schema: str) -> dict[str, int]:
    names = [
        str(row[0])
        for row in conn.execute(
            f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {
        name: int(conn.execute(f'SELECT count(*) FROM {schema}."{name}"').fetchone()[0])
        for name in names
    }


def encrypt_in_place(path: Path, key: DatabaseKey, progress: Progress | None = None) -> None:
    """Encrypt the plain database at `path` with `key` (see the module's steps). Raises
    `sqlite3.Error` or `OSError` with the plain file left whole when it cannot."""
    report = progress or (lambda _fraction: None)
    copy = copy_path(path)
    for leftover in (copy, *_sidecars(copy)):
        _remove(leftover)
    plain_size = max(path.stat().st_size, 1)
    plain = connect(path, None, isolation_level=None)
    try:
        # 1. One self-contained file, and nobody else writing while it is copied.
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        plain.execute("PRAGMA journal_mode = DELETE")
        plain.execute("PRAGMA locking_mode = EXCLUSIVE")
        plain.execute("BEGIN EXCLUSIVE")
        plain.execute("COMMIT")  # the exclusive lock is kept until the connection closes
        version = int(plain.execute("PRAGMA user_version").fetchone()[0])
        expected = _table_rows(plain, "main")
        report(0.0)

        # 2. The encrypted copy; the copy's growth on disk measures the progress.
        def tick() -> int:
            with contextlib.suppress(OSError):
                report(min(0.9, 0.9 * copy.stat().st_size / plain_size))
            return 0

        plain.execute(f"ATTACH DATABASE ? AS encrypted KEY {key.literal_for(None)}", (str(copy),))
        plain.execute("PRAGMA encrypted.cache_size = 64")  # spill often: progress to see
        plain.set_progress_handler(tick, _PROGRESS_EVERY)
        plain.execute("SELECT sqlcipher_export('encrypted')")
        plain.set_progress_handler(None, 0)
        plain.execute(f"PRAGMA encrypted.user_version = {version}")
        plain.execute("DETACH DATABASE encrypted")
    finally:
        plain.close()

    # 3. Checked with a connection of its own, as the app will open it.
    check = connect(copy, key, key_path=copy, isolation_level=None)
    try:
        result = check.execute("PRAGMA integrity_check(1)").fetchone()
        copied_version = int(check.execute("PRAGMA user_version").fetchone()[0])
        copied = _table_rows(check, "main")
    finally:
        check.close()
    if result is None or result[0] != "ok" or copied_version != version or copied != expected:
        _remove(copy)
        raise sqlite3.DatabaseError(
            f"the encrypted copy did not match (integrity {result}, version {copied_version} "
            f"of {version}, {sum(copied.values())} of {sum(expected.values())} rows)"
        )
    report(0.95)
    if os.name == "posix":
        os.chmod(copy, 0o600)  # patient data, even encrypted: owner only
    _fsync_file(copy)
    checked = checked_path(path)
    os.replace(copy, checked)
    _fsync_folder(path.parent)

    # 4. The plain bytes wiped, the encrypted copy in their place.
    _replace_plain(path, checked)
    report(1.0)
    log.info("Encrypted the local database %s (%d rows)", path, sum(expected.values()))
