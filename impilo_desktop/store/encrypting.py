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
5. Other plain copies beside it are overwritten and deleted the same way: damaged copies
   (`<name>.damaged-*`, with their -wal) and temporaries of a creation cut short
   (`<name>.new-*`) that earlier versions or a failed encryption left. (Dies here: every
   start that finds the database encrypted looks for them again.)

Every flush is `fsync`, and on macOS `F_FULLFSYNC`: macOS's fsync() leaves the data in the
drive's cache, where a power cut loses it (the store asks SQLite for the same with
`PRAGMA fullfsync`, database.py).

A copy found under `.encrypting` is never trusted; one under `.encrypted` always was checked.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from impilo_desktop.store.cipher import DatabaseKey, connect, file_salt, is_plain, sqlite3
from impilo_desktop.store.errors import StoreLockedError
from impilo_desktop.store.process_lock import LockState, ProcessLock

log = logging.getLogger(__name__)

# progress(fraction) with 0.0 <= fraction <= 1.0, called on the migrating thread.
Progress = Callable[[float], None]

_PROGRESS_EVERY = 2000  # SQLite VM steps between progress reports
F_FULLFSYNC = 51  # <sys/fcntl.h> on macOS (Python's fcntl names it only there)


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


def _flush(fd: int, platform: str) -> None:
    """Data of `fd` on the disk itself, not in its cache (see the module's docstring). A file
    system that does not know F_FULLFSYNC (some network shares) gets fsync."""
    if platform == "darwin":
        import fcntl

        try:
            fcntl.fcntl(fd, getattr(fcntl, "F_FULLFSYNC", F_FULLFSYNC))
            return
        except OSError:
            log.info("F_FULLFSYNC refused; fsync instead", exc_info=True)
    os.fsync(fd)


def _fsync_file(path: Path, platform: str) -> None:
    with open(path, "rb+") as f:
        _flush(f.fileno(), platform)


def _fsync_folder(folder: Path, platform: str) -> None:
    if os.name != "posix":
        return  # Windows cannot open a folder to flush it; its renames are journalled
    fd = os.open(folder, os.O_RDONLY)
    try:
        _flush(fd, platform)
    finally:
        os.close(fd)


def _wipe(path: Path, platform: str) -> None:
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
        _flush(f.fileno(), platform)


_LEFTOVER_KINDS = (".damaged-", ".new-")
_SIDECAR_SUFFIXES = ("-wal", "-shm", "-journal")


def plain_leftovers(path: Path, *, migrated: bool) -> list[Path]:
    """Copies beside the database at `path` that are not encrypted: damaged copies and
    creation temporaries, with their -wal, -shm and -journal (which go with their main file).
    A sidecar whose main file is missing or empty (the copy kept of a database found empty is
    its WAL) cannot tell by itself: it counts as plain only just after a migration
    (`migrated`), when every copy there was made while the database was plain."""
    prefixes = tuple(f"{path.name}{kind}" for kind in _LEFTOVER_KINDS)
    try:
        candidates = sorted(p for p in path.parent.iterdir() if p.name.startswith(prefixes))
    except OSError:
        return []
    leftovers: list[Path] = []
    for candidate in candidates:
        main = candidate
        for suffix in _SIDECAR_SUFFIXES:
            if candidate.name.endswith(suffix):
                main = candidate.with_name(candidate.name[: -len(suffix)])
        unknown = not is_plain(main) and file_salt(main) is None
        if candidate.is_file() and (is_plain(main) or (migrated and unknown)):
            leftovers.append(candidate)
    return leftovers


def wipe_plain_leftovers(path: Path, *, migrated: bool, platform: str = sys.platform) -> None:
    """Overwrite and delete every plain copy beside the encrypted database at `path` (step 5):
    readable patient data must not outlive the encryption. Also whenever the database is
    found encrypted, so a deletion cut short is finished by the next start."""
    leftovers = plain_leftovers(path, migrated=migrated)
    for leftover in leftovers:
        try:
            _wipe(leftover, platform)
            leftover.unlink()
        except OSError as exc:
            log.warning("Could not delete the unencrypted copy %s: %s", leftover, exc)
        else:
            log.info("Deleted the unencrypted copy %s", leftover.name)
    if leftovers:
        _fsync_folder(path.parent, platform)


def finish_interrupted(path: Path, platform: str = sys.platform) -> bool:
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
        _replace_plain(path, checked, platform)
    if found:
        log.info("Finished an encryption of %s that had been interrupted", path)
    return found


def _replace_plain(path: Path, checked: Path, platform: str) -> None:
    for plain in (path, *_sidecars(path)):
        _wipe(plain, platform)
    os.replace(checked, path)
    for plain in _sidecars(path):
        _remove(plain)
    _fsync_folder(path.parent, platform)


def encrypt_if_needed(
    path: Path, key: DatabaseKey, progress: Progress | None = None, platform: str = sys.platform
) -> None:
    """Before the store opens: finish what a crash interrupted, encrypt a plain file, and
    delete the plain copies beside an encrypted one. One process at a time (an OS lock beside
    the file, taken only when there is work): another copy starting at the same moment must
    not delete the copy this one is writing."""
    if not (is_plain(path) or copy_path(path).exists() or checked_path(path).exists()):
        if file_salt(path) is not None:
            wipe_plain_leftovers(path, migrated=False, platform=platform)
        return
    lock = ProcessLock(path.with_name(f"{path.name}.encrypt.lock"))
    if lock.try_acquire() is LockState.BUSY:
        raise StoreLockedError(
            "Another copy of Impilo Desktop is encrypting the local database. Try again in a "
            "moment; nothing was lost.",
            detail=f"encryption lock of {path} busy",
        )
    try:
        finish_interrupted(path, platform)
        if is_plain(path):
            encrypt_in_place(path, key, progress, platform)
        wipe_plain_leftovers(path, migrated=True, platform=platform)
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


def encrypt_in_place(
    path: Path, key: DatabaseKey, progress: Progress | None = None, platform: str = sys.platform
) -> None:
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
    _fsync_file(copy, platform)
    checked = checked_path(path)
    os.replace(copy, checked)
    _fsync_folder(path.parent, platform)

    # 4. The plain bytes wiped, the encrypted copy in their place.
    _replace_plain(path, checked, platform)
    report(1.0)
    log.info("Encrypted the local database %s (%d rows)", path, sum(expected.values()))
