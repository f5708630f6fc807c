"""Opening the SQLite file safely: permissions, pragmas, migrations, error translation, and
files found damaged (copied aside once, never changed) or empty (started anew, with a notice).

One `sqlite3.Connection` per thread (SQLite connections must not be shared between threads);
`Database` hands each thread its own, lazily, and closes none under the thread using it
(connections.py). Transactions are explicit (`isolation_level=None` plus `BEGIN IMMEDIATE`),
so a write never upgrades a read lock halfway and deadlocks against another writer.

The file is encrypted (cipher.py) when a key is given: a plain file from before is encrypted
in place first (encrypting.py). Without a key the file is plain SQLite (tests, tools); with
`in_memory` there is no file at all (a session with no key anywhere, see cipher.Protection).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from impilo_desktop.store.cipher import DatabaseKey, connect, sqlite3
from impilo_desktop.store.connections import ThreadConnections
from impilo_desktop.store.damaged import keep_damaged_copy, size_of
from impilo_desktop.store.encrypting import Progress, encrypt_if_needed
from impilo_desktop.store.errors import (
    StoreCorruptError,
    StoreError,
    StoreFoundEmpty,
    StoreKeyError,
    StoreTooNewError,
    StoreUnwritableError,
    classify,
)
from impilo_desktop.store.schema import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_BUSY_TIMEOUT = 5.0
PAGE_CACHE_KIB = 2000  # per connection; a negative PRAGMA cache_size is in KiB


def _secure_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(folder, 0o700)


def _secure_file(path: Path) -> None:
    if os.name != "posix":
        return
    # The database, its WAL and shared-memory files hold patient names: owner only.
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(candidate, 0o600)


def _create_file(path: Path, key: DatabaseKey | None) -> None:
    """A new, empty database at `path`, never seen there at 0 bytes.

    SQLite creates a file empty and writes its first page a moment later, so an empty file
    would be either one being created this instant or one that was cut short. Built aside
    and linked into place instead (a link never replaces a file another process made first),
    an empty database file can only have been cut short (see `Database._found_empty`).
    """
    temporary = path.with_name(f"{path.name}.new-{uuid.uuid4().hex}")
    try:
        conn = connect(temporary, key, key_path=temporary, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")  # writes the first page
        finally:
            conn.close()
        _secure_file(temporary)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: theirs is used
        except OSError:  # a file system without hard links: SQLite creates it in place
            log.info("No hard links in %s; the database is created in place", path.parent)
    finally:
        for leftover in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


class Database:
    """The SQLite file of one profile, one connection per thread."""

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        platform: str = sys.platform,
        key: DatabaseKey | None = None,
        in_memory: bool = False,
        progress: Progress | None = None,
    ) -> None:
        self.path = Path(path).absolute()  # messages name it in full
        self.busy_timeout = busy_timeout
        self.platform = platform
        self._key = key
        self._progress = progress
        # A memdb database shared by this process's connections while one stays open.
        self._memory = f"file:/impilo-{uuid.uuid4().hex}?vfs=memdb" if in_memory else None
        self._connections = ThreadConnections(self._open)
        self._checked = False  # integrity checked once per Database, not per thread
        self._damaged_copy: Path | None = None
        # What the user must be told about opening, though it succeeded (see StoreFoundEmpty).
        self.notice: StoreError | None = None
        # Open once on the creating thread: creates/migrates the file and surfaces a
        # locked, damaged or unwritable database immediately, not at the first autosave.
        self.connection()

    @property
    def in_memory(self) -> bool:
        return self._memory is not None

    # -- connections ------------------------------------------------------------------------

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened, configured and migrated on first use)."""
        return self._connections.own()

    def close(self, after_last: Callable[[], None] | None = None) -> None:
        """Close every thread's connection: now if idle, else when its thread's call returns
        (connections.py: closing one under a running read crashed the process); then
        `after_last`."""
        self._connections.close(after_last)

    def release_connection(self) -> None:
        """Close the calling thread's connection, if it has one (a thread that used the store
        for a while and is about to end: its connection would otherwise stay open until
        `close`)."""
        self._connections.release_own()

    def shrink_memory(self) -> None:
        """`PRAGMA shrink_memory` on the calling thread's connection, if it has one: up to
        `PAGE_CACHE_KIB` of cached pages (about 2.8 MiB after reading 100,000 patients)."""
        if not self._connections.has_own():
            return
        # Only memory: never fail the caller (nor open a connection, nor run after close).
        with contextlib.suppress(StoreError, sqlite3.Error), self._connections.use() as conn:
            conn.execute("PRAGMA shrink_memory")

    def _open(self) -> sqlite3.Connection:
        try:
            _secure_folder(self.path.parent)
        except OSError as exc:
            raise StoreUnwritableError(
                f"The folder {self.path.parent} cannot be created or written.", detail=str(exc)
            ) from exc
        try:
            if not self._checked and self._memory is None:
                if self._prepare_file():
                    self._check_integrity()
                self._checked = True
            # check_same_thread=False only so close() can close every thread's connection;
            # each connection is used by the thread that opened it.
            conn = connect(
                self._memory or self.path,
                self._key,
                key_path=self.path,
                uri=self._memory is not None,
                timeout=self.busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise self._translate(exc) from exc
        except OSError as exc:
            raise StoreUnwritableError(
                f"The local database at {self.path} cannot be read or created.", detail=str(exc)
            ) from exc
        try:
            _secure_file(self.path)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            # SQLCipher's build defaults to an 8 MiB page cache per connection, and every
            # thread has its own: after reading the 100,000 cached patients one connection
            # kept 12 MiB, 4 MiB with 2 MiB of cache (SQLite's own default), no slower
            # (docs/performance.md "Memory").
            conn.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
            if self._memory is None and (mode is None or str(mode[0]).lower() != "wal"):
                log.warning("SQLite refused WAL mode for %s (got %s)", self.path, mode)
            # FULL in WAL mode: a committed `sending` or `sent` survives a power cut.
            conn.execute("PRAGMA synchronous = FULL")
            if self.platform == "darwin":
                # macOS's fsync() leaves the data in the drive's cache, where a power cut loses
                # it; F_FULLFSYNC, which this asks SQLite to use, flushes the drive.
                conn.execute("PRAGMA fullfsync = ON")
            self._migrate(conn)
            _secure_file(self.path)
        except StoreError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            error = self._translate(exc)  # a damaged file is copied before closing changes it
            conn.close()
            raise error from exc
        return conn

    def _prepare_file(self) -> bool:
        """Before the first connection: finish an encryption a crash cut short, encrypt a
        plain file, create a missing file, notice an empty one. True when the file was there
        with something in it (to be checked)."""
        if self._key is not None:
            self._encrypt(self._key)
        if not self.path.exists():
            _create_file(self.path, self._key)
            return False
        if size_of(self.path) == 0:
            self.notice = self._found_empty()
            return False
        return True

    def _encrypt(self, key: DatabaseKey) -> None:
        try:
            encrypt_if_needed(self.path, key, self._progress, self.platform)
        except sqlite3.Error as exc:
            error = self._translate(exc)
            message = (
                f"{error.message} The local database could not be encrypted; it was left as it "
                "was, unencrypted, and nothing was lost."
            )
            if isinstance(error, StoreCorruptError) and error.copy_path is not None:
                # A copy of the plain file is plain too: the coordinator must know what it is.
                message += (
                    f" The copy kept at {error.copy_path} is not encrypted either: anyone who"
                    " can open files on this computer can read it. It is deleted once the"
                    " database has been encrypted."
                )
                raise StoreCorruptError(
                    message, detail=error.detail, copy_path=error.copy_path
                ) from exc
            raise type(error)(message, detail=error.detail) from exc

    def _found_empty(self) -> StoreFoundEmpty:
        """The file is there but empty: say so, and keep what may be left of it first."""
        wal = Path(f"{self.path}-wal")
        copy: Path | None = None
        if size_of(wal) > 0:
            # SQLite deletes the WAL of an empty database file when it opens it, and the WAL
            # may hold the last changes: copy it aside first, or do not open at all.
            copy = keep_damaged_copy(self.path)
            if copy is None:
                raise StoreUnwritableError(
                    f"The local database at {self.path} was found empty (0 bytes), and what "
                    "was left of it could not be copied aside, so it was left as it is. Check "
                    "that the disk is not full, then start again.",
                    detail=f"0-byte database with a {size_of(wal)}-byte WAL",
                )
        kept = f" What was left of it was copied to {copy}-wal." if copy else ""
        log.warning("The database %s was empty (0 bytes); started anew", self.path)
        return StoreFoundEmpty(
            f"The local database at {self.path} was found empty (0 bytes): a disk, backup or "
            "sync problem may have cut it short. A new, empty database was started in its "
            "place, so drafts and orders not yet sent that it held could not be kept; orders "
            f"already sent are still on Impilo (see Order history).{kept}",
            detail=f"0-byte database; WAL {size_of(wal)} bytes",
            copy_path=copy,
        )

    def _check_integrity(self) -> None:
        """`quick_check` on a read-only connection. Closing a read-write connection to a
        damaged file folds its WAL into it and deletes the WAL: the file the user is told was
        left in place would change, and the next start would copy it once more."""
        try:
            conn = connect(
                f"{self.path.as_uri()}?mode=ro",
                self._key,
                key_path=self.path,
                uri=True,
                timeout=self.busy_timeout,
                isolation_level=None,
            )
        except sqlite3.Error as exc:
            raise self._translate(exc) from exc
        try:
            self._check_key(conn)
            row = conn.execute("PRAGMA quick_check(1)").fetchone()
            if row is None or row[0] != "ok":
                raise sqlite3.DatabaseError(f"database disk image is malformed: {row}")
        except sqlite3.Error as exc:
            raise self._translate(exc) from exc  # copied while nothing has changed it
        finally:
            conn.close()

    def _check_key(self, conn: sqlite3.Connection) -> None:
        """An encrypted file whose first page the key cannot read: the wrong key (or a
        first page damaged, which SQLCipher cannot tell apart). Said so; not copied aside."""
        if self._key is None:
            return
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            if "not a database" not in str(exc):
                raise
            what = "passphrase" if self._key.is_passphrase else "key in the password store"
            raise StoreKeyError(
                f"The local database at {self.path} could not be unlocked: the {what} is "
                "not the one it was saved with (or its first page is damaged). Nothing was "
                "changed.",
                detail="SQLITE_NOTADB on the first page with a key",
            ) from None

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreTooNewError(
                f"The local database at {self.path} was written by a newer version of "
                "Impilo Desktop. Update the app; the file was left unchanged.",
                detail=f"user_version={version} > {SCHEMA_VERSION}",
            )
        while version < SCHEMA_VERSION:
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Re-read inside the write lock: another process may have migrated meanwhile.
                current = int(conn.execute("PRAGMA user_version").fetchone()[0])
                if current == version:
                    MIGRATIONS[version](conn)
                    conn.execute(f"PRAGMA user_version = {version + 1}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            if current == version:
                log.info("Migrated %s from schema %d to %d", self.path, version, version + 1)
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])

    # -- running work -----------------------------------------------------------------------

    def _translate(self, exc: sqlite3.Error) -> StoreError:
        error = classify(exc, self.path)
        if isinstance(error, StoreCorruptError):
            # One copy per session is enough: every later error is about the same damage.
            if self._damaged_copy is None and self.path.exists():
                self._damaged_copy = keep_damaged_copy(self.path)
            copy = self._damaged_copy
            where = f" A copy was kept at {copy}." if copy else ""
            error = StoreCorruptError(
                f"The local database at {self.path} is damaged.{where} The file itself was "
                "left in place; nothing was deleted. Contact support to recover it.",
                detail=error.detail,
                copy_path=copy,
            )
        log.warning("Store error: %s", error.detail)
        return error

    def read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` outside an explicit transaction (each statement sees committed data)."""
        with self._connections.use() as conn:
            try:
                return work(conn)
            except sqlite3.Error as exc:
                raise self._translate(exc) from exc

    def write(self, work: Callable[[sqlite3.Connection], T], *, durable: bool = True) -> T:
        """Run `work` in one `BEGIN IMMEDIATE` transaction: all of it is committed, or none.

        `durable=False` commits without waiting for the disk (WAL, synchronous=NORMAL): safe
        against the app crashing, but a power cut may undo it. Only for writes that are
        redone or reconciled anyway (caches, the `sent` mark: see OutboxMixin.mark_sent).
        """
        with self._connections.use() as conn:
            if not durable:
                try:
                    conn.execute("PRAGMA synchronous = NORMAL")
                except sqlite3.Error as exc:
                    raise self._translate(exc) from exc
            try:
                with self.transaction() as same:
                    result = work(same)
            finally:
                if not durable:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("PRAGMA synchronous = FULL")
            return result

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """`with db.transaction() as conn:` — the context-manager form of `write`."""
        with self._connections.use() as conn:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._translate(exc) from exc
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise self._translate(exc) from exc
                raise
