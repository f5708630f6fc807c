"""How the profile's local database is protected, settled at start before the window opens:
the keyring's key, a passphrase typed in a dialog where no keyring exists, or nothing saved
at all. Also the encryption of a plain store from an earlier version, with its progress
shown, and the words Settings uses for the mode in force.

These run before the event loop and the window exist. The passphrase question runs on the
UI thread (its check, a key derivation and one page read, runs on a worker thread: see
dialogs/passphrase.py); the encryption runs on the bridge's thread while this one paints
its progress.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QEventLoop, QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog

from impilo_desktop.config import Profile
from impilo_desktop.secrets import KeyStore
from impilo_desktop.store import UNSENT_STATES, DatabaseKey, Store, cipher
from impilo_desktop.store.encrypting import Progress
from impilo_desktop.ui.plumbing.bridge import AsyncBridge

log = logging.getLogger(__name__)

T = TypeVar("T")

# ask(reason, new=..., opens=...) -> the passphrase, or None for a session in memory.
AskPassphrase = Callable[..., "str | None"]

PROGRESS_EVERY_S = 0.05  # the encryption's progress is painted at most this often

SESSION_ONLY_TEXT = (
    "Not saved: this session only. Drafts and orders not yet sent are lost when Impilo "
    "Desktop closes."
)


def choose_protection(
    profile: Profile, home: Path, keys: KeyStore, ask: AskPassphrase | None, bridge: AsyncBridge
) -> None:
    """Where no safe keyring exists, or the keyring has no key for a database already
    encrypted with a passphrase, ask for the passphrase (`ask` None: none is asked; without a
    keyring the session keeps its data in memory)."""
    path = Store.path_for(profile, home)
    # Also with a keyring, when it has no key for a file already encrypted (made with a
    # passphrase on a day it was locked): a new key would not open that file.
    if ask is None or not keys.needs_passphrase(profile.name, path):
        return
    new = cipher.file_salt(path) is None
    reason = keys.unavailable_reason
    if reason is None:
        reason = (
            "The password store (keyring) has no key for this account's data, which was "
            "protected with a passphrase."
        )
    elif not new:
        # Nothing on disk tells a passphrase file from one keyed from the keyring: say what
        # to do for the other kind rather than ask for a passphrase never chosen.
        reason += (
            " If you never chose a passphrase for this account's data, its key is kept in "
            "the password store: continue without saving, quit, unlock the password store "
            "and start Impilo Desktop again."
        )
    extra: dict[str, int] = {}
    if cipher.is_plain(path):
        # Declining leaves this file as it is: the dialog says so, with what waits in it.
        extra["plain_unsent"] = wait_for(bridge, unsent_in_plain_file, path)
    passphrase = ask(
        reason,
        new=new,
        opens=lambda words: cipher.key_opens(path, DatabaseKey(passphrase=words)),
        **extra,
    )
    keys.use_database_passphrase(passphrase)
    log.info("Database protection for this session: %s", keys.database_protection().value)


def unsent_in_plain_file(path: Path) -> int:
    """How many orders wait unsent in the unencrypted store an earlier version left at
    `path`; read-only, nothing migrated or written (0 when it cannot be read)."""
    placeholders = ", ".join("?" for _ in UNSENT_STATES)
    try:
        conn = cipher.connect(f"{path.as_uri()}?mode=ro", None, uri=True)
        try:
            row = conn.execute(
                f"SELECT count(*) FROM outbox WHERE state IN ({placeholders})",
                [state.value for state in UNSENT_STATES],
            ).fetchone()
        finally:
            conn.close()
    except cipher.sqlite3.Error:
        log.warning("Could not count the unsent orders of the unencrypted store", exc_info=True)
        return 0
    return int(row[0])


def wait_for(bridge: AsyncBridge, func: Callable[..., T], *args: Any) -> T:
    """`func(*args)` on the bridge's thread, this thread going on painting (a dialog shown
    before the window exists) until it ends; its result, or its exception raised here."""
    outcome: list[T] = []
    problem: list[BaseException] = []
    waiting = QEventLoop()

    def done(result: T) -> None:
        outcome.append(result)
        waiting.quit()

    def failed(error: BaseException) -> None:
        problem.append(error)
        waiting.quit()

    bridge.call(func, *args, on_result=done, on_error=failed)
    if not outcome and not problem:
        waiting.exec()
    if problem:
        raise problem[0]
    return outcome[0]


def encrypt_store(profile: Profile, home: Path, key: DatabaseKey, progress: Progress) -> None:
    """Open the profile's store once (which encrypts a plain one) and close it again."""
    Store.open_profile(profile, home, key=key, progress=progress).close()


class ProgressRelay(QObject):
    """Carries the migration's progress from the thread that encrypts to the dialog, at
    most every `PROGRESS_EVERY_S` (the handler fires every few thousand SQLite steps;
    painting each would slow the copy down). `report` is called on the working thread."""

    changed = Signal(int)  # percent done

    def __init__(self) -> None:
        super().__init__()
        self._last = -PROGRESS_EVERY_S

    def report(self, done: float) -> None:
        now = time.monotonic()
        if done >= 1.0 or now - self._last >= PROGRESS_EVERY_S:
            self._last = now
            self.changed.emit(
                round(done * 100)
            )  # queued onto the UI thread (see encrypt_with_progress)


def encrypt_with_progress(
    profile: Profile, home: Path, keys: KeyStore, bridge: AsyncBridge
) -> None:
    """A plain store from an earlier version is encrypted now, with a progress dialog, rather
    than behind a window that does not answer. The work (copy, integrity check, flushes,
    wiping the plain file) runs on the bridge's thread; this thread only paints the dialog
    until it ends. Errors surface when the window opens the store."""
    path = Store.path_for(profile, home)
    if not cipher.is_plain(path):
        return
    key = keys.database_key(profile.name, path)
    if key is None:
        return  # a session in memory leaves the file as it is
    dialog = QProgressDialog("Encrypting the data saved on this computer…", "", 0, 100)
    dialog.setObjectName("encryptingProgress")
    dialog.setWindowTitle("Impilo Desktop")
    dialog.setCancelButton(None)  # stopping half-way gains nothing
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setMinimumDuration(0)
    relay = ProgressRelay()
    relay.changed.connect(dialog.setValue, Qt.ConnectionType.QueuedConnection)
    dialog.setValue(0)
    try:
        wait_for(bridge, encrypt_store, profile, home, key, relay.report)
    except Exception as error:
        log.warning(
            "Encrypting the store of %s failed (%s); said when it opens",
            profile.name,
            type(error).__name__,
        )
    finally:
        dialog.close()
        dialog.deleteLater()
        relay.deleteLater()
