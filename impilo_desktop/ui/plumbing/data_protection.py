"""How the profile's local database is protected, settled at start before the window opens:
the keyring's key, a passphrase typed in a dialog where no keyring exists, or nothing saved
at all. Also the encryption of a plain store from an earlier version, with its progress
shown, and the words Settings uses for the mode in force.

These run on the UI thread before the event loop and the window exist (like the first open
of the store): nothing is painted yet that they could hold up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QProgressDialog

from impilo_desktop.config import Profile
from impilo_desktop.secrets import KeyStore
from impilo_desktop.store import DatabaseKey, Store, cipher

log = logging.getLogger(__name__)

# ask(reason, new=..., opens=...) -> the passphrase, or None for a session in memory.
AskPassphrase = Callable[..., "str | None"]

SESSION_ONLY_TEXT = (
    "Not saved: this session only. Drafts and orders not yet sent are lost when Impilo "
    "Desktop closes."
)


def choose_protection(
    profile: Profile, home: Path, keys: KeyStore, ask: AskPassphrase | None
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
    passphrase = ask(
        reason,
        new=new,
        opens=lambda words: cipher.key_opens(path, DatabaseKey(passphrase=words)),
    )
    keys.use_database_passphrase(passphrase)
    log.info("Database protection for this session: %s", keys.database_protection().value)


def encrypt_with_progress(profile: Profile, home: Path, keys: KeyStore) -> None:
    """A plain store from an earlier version is encrypted now, with a progress dialog, rather
    than behind a window that does not answer. Errors surface when the window opens it."""
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

    def progress(done: float) -> None:
        dialog.setValue(round(done * 100))
        QApplication.processEvents()  # the window is not up yet: only this dialog paints

    try:
        Store.open_profile(profile, home, key=key, progress=progress).close()
    except Exception:
        log.warning("Encrypting the store of %s failed; said when it opens", profile.name)
    finally:
        dialog.close()
        dialog.deleteLater()
