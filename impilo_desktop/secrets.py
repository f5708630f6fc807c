"""The API key, kept in the operating system's keyring (Windows Credential Manager, macOS
Keychain, Secret Service on Linux).

One entry per profile: service "impilo-desktop", username = profile name. When no safe
keyring exists the key is kept in memory for this session only (never in a file), and the
`IMPILO_API_KEY` environment variable overrides everything without being stored.
The key never appears in a log line, an exception or a repr.

The key that encrypts each profile's database lives beside it (service
"impilo-desktop-database"), created on first use; without a safe keyring it is derived from
a passphrase typed at start, or there is none and the database lives in memory
(`database_key`, `database_protection`; see store/cipher.py).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors

from impilo_desktop.config import API_KEY_ENV
from impilo_desktop.store.cipher import DatabaseKey, Protection, encryption_lock, file_salt
from impilo_desktop.store.errors import StoreError, StoreKeyError, StoreLockedError
from impilo_desktop.store.process_lock import LockState, ProcessLock

log = logging.getLogger(__name__)

SERVICE = "impilo-desktop"
# The key that encrypts a profile's database: its own service, username = profile name, so
# signing out can remove both secrets of a profile and nothing of another's.
DATABASE_KEY_SERVICE = "impilo-desktop-database"
# Where no keyring exists: the database passphrase for one command-line process (automation,
# tests), never stored, like IMPILO_API_KEY. The app asks for it instead.
DATABASE_PASSPHRASE_ENV = "IMPILO_DATABASE_PASSPHRASE"
_PROBE_USER = "__impilo_probe__"

# Backends that "work" but do not keep a secret safely or at all.
_NON_STORING = ("keyring.backends.fail", "keyring.backends.null")
_UNSAFE_PREFIXES = ("keyrings.alt",)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring held in a dict, for tests and for injection (`KeyStore(backend=...)`).

    Its priority is below the fail backend's, so keyring's auto-detection never picks it
    even though keyring registers every subclass it sees.
    """

    priority = -10

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._data: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self._data[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError("no such entry") from None

    def __repr__(self) -> str:  # never show stored values
        return f"MemoryKeyring({len(self._data)} entries)"


def _describe(backend: keyring.backend.KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def _unsuitable_reason(backend: keyring.backend.KeyringBackend) -> str | None:
    """Why `backend` must not hold the key, or None when it is acceptable."""
    module = type(backend).__module__
    if module.startswith(_NON_STORING):
        return "No password store (keyring) was found on this computer."
    if module.startswith(_UNSAFE_PREFIXES):
        return (
            f"The configured keyring ({_describe(backend)}) keeps secrets in a plain file,"
            " which is not safe for an API key."
        )
    chained = getattr(backend, "backends", None)
    if (
        module == "keyring.backends.chainer"
        and isinstance(chained, list)
        and (not chained or all(_unsuitable_reason(b) for b in chained))
    ):
        return "No safe password store (keyring) was found on this computer."
    return None


def _safe_member(backend: keyring.backend.KeyringBackend) -> keyring.backend.KeyringBackend:
    """keyring's chainer writes to the first backend that accepts; if a plain-file backend is
    in the chain it could get the key. Use the best safe member of a chain directly."""
    chained = getattr(backend, "backends", None)
    if type(backend).__module__ != "keyring.backends.chainer" or not isinstance(chained, list):
        return backend
    safe = [b for b in chained if _unsuitable_reason(b) is None]
    return safe[0] if safe else backend


class KeyStore:
    """Reads and writes the API key of each profile.

    `backend=None` uses keyring's detected backend; tests pass `MemoryKeyring()`.
    `env` defaults to `os.environ` (for the `IMPILO_API_KEY` override).

    The keyring is read once per profile and the answer kept in memory (a look-up is a D-Bus
    or Keychain round trip that can block for seconds while the OS asks to unlock): later
    reads cost nothing, and `set_key` / `delete_key` keep the memory current.
    """

    def __init__(
        self,
        backend: keyring.backend.KeyringBackend | None = None,
        *,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._backend = backend
        self._env = os.environ if env is None else env
        self._session: dict[str, str] = {}
        self._pinned: dict[str, str] = {}
        self._read: dict[str, str | None] = {}  # what the keyring said, per profile
        self._checked = False
        self._reason: str | None = None
        self._database_keys: dict[str, DatabaseKey] = {}
        self._passphrase_key: DatabaseKey | None = None
        self._declined = False  # asked for a passphrase, chose a session in memory

    def __repr__(self) -> str:
        return f"KeyStore(available={self.available()})"

    # -- backend state ---------------------------------------------------------------------

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        if self._backend is None:
            self._backend = _safe_member(keyring.get_keyring())
        return self._backend

    def available(self) -> bool:
        """True when keys are saved in a real OS keyring that answered a probe."""
        if not self._checked:
            self._checked = True
            self._reason = self._probe()
            if self._reason:
                log.info("Keyring unavailable: %s", self._reason)
        return self._reason is None

    @property
    def unavailable_reason(self) -> str | None:
        """Plain-language reason the keyring cannot be used, or None when it can."""
        self.available()
        return self._reason

    @property
    def backend_name(self) -> str:
        return _describe(self.backend)

    def _probe(self) -> str | None:
        try:
            backend = self.backend
        except Exception as exc:  # keyring raises assorted errors while detecting
            return f"The password store could not be opened ({type(exc).__name__})."
        reason = _unsuitable_reason(backend)
        if reason:
            return reason
        try:
            # A read of an entry that does not exist: fails if the store is locked or absent
            # (e.g. no Secret Service on the D-Bus session), changes nothing.
            backend.get_password(SERVICE, _PROBE_USER)
        except keyring.errors.KeyringLocked:
            return "The password store (keyring) is locked."
        except Exception as exc:
            return f"The password store (keyring) did not answer ({type(exc).__name__})."
        return None

    def _mark_broken(self, exc: BaseException) -> None:
        self._checked = True
        self._reason = f"The password store (keyring) stopped answering ({type(exc).__name__})."
        log.warning("Keyring error, keeping keys for this session only: %s", type(exc).__name__)

    # -- keys --------------------------------------------------------------------------------

    def from_environment(self) -> bool:
        """True when `IMPILO_API_KEY` is set (it then wins over stored keys)."""
        return bool(self._env.get(API_KEY_ENV, "").strip())

    def get_key(self, profile: str) -> str | None:
        """The key for `profile`: a pinned key (the built-in sandbox), the environment
        override, then this session's memory, then the keyring."""
        if profile in self._pinned:
            return self._pinned[profile]
        env_key = self._env.get(API_KEY_ENV, "").strip()
        if env_key:
            return env_key
        if profile in self._session:
            return self._session[profile]
        if profile in self._read:
            return self._read[profile]
        if not self.available():
            return None
        try:
            key = self.backend.get_password(SERVICE, profile)
        except Exception as exc:
            self._mark_broken(exc)
            return None
        self._read[profile] = key
        return key

    def set_key(self, profile: str, key: str) -> bool:
        """Save `key` for `profile`. Returns True when saved in the OS keyring, False when it
        is kept in memory for this session only."""
        key = key.strip()
        if not key:
            raise ValueError("An empty API key cannot be saved.")
        if self.available():
            try:
                self.backend.set_password(SERVICE, profile, key)
            except Exception as exc:
                self._mark_broken(exc)
            else:
                self._session.pop(profile, None)
                self._read[profile] = key
                return True
        self._session[profile] = key
        return False

    def delete_key(self, profile: str) -> None:
        """Forget the key of `profile` (keyring and session); absent keys are fine."""
        self._session.pop(profile, None)
        self._read[profile] = None
        if not self.available():
            return
        try:
            self.backend.delete_password(SERVICE, profile)
        except keyring.errors.PasswordDeleteError:
            pass
        except Exception as exc:
            self._mark_broken(exc)

    def forget_profile(self, profile: str) -> bool:
        """Signing out: delete both secrets of `profile` (its API key and its database key)
        from the keyring, and whatever this session kept of them. True when nothing of them
        is left; False when that is not certain (the keys may still be in the keyring).

        Deleted even when the keyring did not answer the probe today: a keyring that was
        unlocked yesterday may hold the keys of earlier sessions, and a locked one may still
        take a delete (or ask to be unlocked). Only a backend that never stores anything
        (none found, or a plain-file one this app never writes to) is certainly empty."""
        self._session.pop(profile, None)
        self._pinned.pop(profile, None)
        self._read.pop(profile, None)
        # A database key left in memory would encrypt a new database of the same name that
        # the next start, finding no key in the keyring, could not open.
        self._database_keys.pop(profile, None)
        try:
            backend = self.backend
        except Exception as exc:
            log.warning("Keyring unusable while signing out: %s", type(exc).__name__)
            return False
        if _unsuitable_reason(backend) is not None:
            return True  # nothing is ever written to such a backend
        for service in (SERVICE, DATABASE_KEY_SERVICE):
            try:
                backend.delete_password(service, profile)
            except keyring.errors.PasswordDeleteError:
                pass  # not there: fine
            except Exception as exc:
                self._mark_broken(exc)
                return False
        # Known to be absent now: later reads need no keyring round trip.
        self._read[profile] = None
        return True

    def pin_session_key(self, profile: str, key: str) -> None:
        """Use `key` for `profile` in this session, ahead of the environment, never stored.
        For the built-in sandbox, whose key is fixed and public."""
        self._pinned[profile] = key

    def is_session_only(self, profile: str) -> bool:
        """True when the key of `profile` lives only in this session's memory."""
        return profile in self._session

    # -- the database key ----------------------------------------------------------------------

    def use_database_passphrase(self, passphrase: str | None) -> None:
        """Where no safe keyring exists: the passphrase the coordinator typed at start (kept
        in memory for this session only), or None when they chose not to type one (then a
        database the keyring has no key for stays in memory too, as the dialog said)."""
        self._passphrase_key = DatabaseKey(passphrase=passphrase) if passphrase else None
        self._declined = not passphrase

    def database_protection(self, profile: str | None = None) -> Protection:
        """How databases opened now are protected (Settings says which); with `profile`, how
        its open database is (a passphrase one while the keyring answers, see
        `needs_passphrase`)."""
        keyed = profile is None or profile in self._database_keys
        if not keyed and self._passphrase_key is not None:
            return Protection.PASSPHRASE
        if self.available():
            return Protection.KEYRING
        if self._passphrase_key is not None or self._env.get(DATABASE_PASSPHRASE_ENV):
            return Protection.PASSPHRASE
        return Protection.SESSION_ONLY

    def database_key(self, profile: str, database: Path | None = None) -> DatabaseKey | None:
        """The key of `profile`'s database: from the keyring, else from the passphrase typed
        at start; None when there is neither and the database must stay in memory. Reads the
        keyring: never on the UI thread.

        A new random key is made only when `database` (the file it will open) is given and
        is missing or plain: a key made for a file already encrypted with another one (by a
        passphrase, or a key another process saved a moment ago) would lock it for good.
        Read-only callers (counting unsent orders, signing out) pass no `database`."""
        if profile in self._database_keys:
            return self._database_keys[profile]
        if self.available():
            try:
                text = self.backend.get_password(DATABASE_KEY_SERVICE, profile)
                if text is None and database is not None:
                    text = self._create_database_key(profile, database)
                key = None if text is None else DatabaseKey.from_text(text)
            except ValueError:
                # Not a key (edited by hand?): a new one would lock the database for good.
                raise StoreKeyError(
                    f"The key of the {profile} profile's local database, in the password "
                    "store, is not a key any more, so the database cannot be opened. "
                    "Nothing was changed.",
                    detail="unreadable database key in the keyring",
                ) from None
            except StoreError:
                raise
            except Exception as exc:
                self._mark_broken(exc)
            else:
                if key is not None:
                    self._database_keys[profile] = key
                    return key
        if self._passphrase_key is None and self._env.get(DATABASE_PASSPHRASE_ENV):
            self.use_database_passphrase(self._env[DATABASE_PASSPHRASE_ENV])
        if (
            self._passphrase_key is None
            and database is not None
            and self.available()
            and not self._declined
        ):
            # An encrypted file the keyring has no key for, and nobody was asked for its
            # passphrase (the command line, switching account): a new key would not open
            # it, and a session in memory would hide its unsent orders unannounced.
            raise StoreKeyError(
                f"The local database of the {profile} account is protected by a passphrase "
                "(or by a key the password store no longer holds), so it cannot be opened "
                f"without it. Start Impilo Desktop again and type the passphrase (or set "
                f"{DATABASE_PASSPHRASE_ENV} for the command line); nothing was changed.",
                detail="encrypted database without a key in the keyring",
            )
        return self._passphrase_key

    def _create_database_key(self, profile: str, database: Path) -> str | None:
        """Save a new key for `database` unless it is already encrypted (then None: its key
        is a passphrase, see `needs_passphrase`). Under the profile's encryption lock, so
        two processes starting together (the app and a scheduled sync) cannot each save
        their own key and one of them encrypt with the key the other overwrote; what the
        keyring holds afterwards is the key, whoever wrote it."""
        database.parent.mkdir(parents=True, exist_ok=True)
        lock = ProcessLock(encryption_lock(database))
        state = lock.try_acquire()
        try:
            text = self.backend.get_password(DATABASE_KEY_SERVICE, profile)
            if text is not None:
                return text  # the other process saved it first
            if state is LockState.BUSY:
                raise StoreLockedError(
                    "Another copy of Impilo Desktop is setting up the local database. Try "
                    "again in a moment; nothing was lost.",
                    detail=f"encryption lock of {database} busy while creating its key",
                )
            if file_salt(database) is not None:
                return None
            self.backend.set_password(DATABASE_KEY_SERVICE, profile, DatabaseKey.random().as_text())
            text = self.backend.get_password(DATABASE_KEY_SERVICE, profile)
            if text is None:
                raise keyring.errors.KeyringError("the database key was not kept")
            log.info("Saved a new database key for profile %s", profile)
            return text
        finally:
            lock.release()

    def needs_passphrase(self, profile: str, database: Path) -> bool:
        """True when the database of `profile` can only be opened with a passphrase this
        session does not have yet: no safe keyring, or a keyring without a key for a file
        that is already encrypted (created in passphrase mode on a day the keyring was
        locked or absent). Reads the keyring: never on the UI thread once it runs."""
        if self._passphrase_key is not None or self._env.get(DATABASE_PASSPHRASE_ENV):
            return False
        if not self.available():
            return True
        if profile in self._database_keys or file_salt(database) is None:
            return False
        try:
            return self.backend.get_password(DATABASE_KEY_SERVICE, profile) is None
        except Exception as exc:
            self._mark_broken(exc)
            return True
