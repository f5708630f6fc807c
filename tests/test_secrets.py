# mypy: disable-error-code="no-untyped-call"
"""KeyStore: keys per profile in a keyring, the environment override, the session-only
fallback, refusal of unsafe backends, and one round trip through the real Secret Service."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.backends.null
import keyring.errors
import pytest

from impilo_desktop.secrets import SERVICE, KeyStore, MemoryKeyring


def test_keys_are_kept_per_profile(memory_keyring: MemoryKeyring) -> None:
    store = KeyStore(backend=memory_keyring, env={})
    assert store.available()
    assert store.unavailable_reason is None
    assert store.set_key("staging", "  key-staging \n") is True
    store.set_key("production", "key-prod")
    assert store.get_key("staging") == "key-staging"
    assert memory_keyring.get_password(SERVICE, "production") == "key-prod"
    store.delete_key("staging")
    assert store.get_key("staging") is None
    assert store.get_key("production") == "key-prod"
    store.delete_key("staging")  # deleting an absent key is fine


def test_default_backend_is_used_when_none_is_injected(memory_keyring: MemoryKeyring) -> None:
    KeyStore(env={}).set_key("production", "k1")
    assert memory_keyring.get_password(SERVICE, "production") == "k1"


def test_environment_overrides_and_is_never_stored(memory_keyring: MemoryKeyring) -> None:
    store = KeyStore(backend=memory_keyring, env={"IMPILO_API_KEY": "from-env"})
    memory_keyring.set_password(SERVICE, "production", "stored")
    assert store.from_environment()
    assert store.get_key("production") == "from-env"
    assert memory_keyring.get_password(SERVICE, "production") == "stored"


def test_empty_key_is_refused(memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(ValueError, match="empty"):
        KeyStore(backend=memory_keyring, env={}).set_key("production", "   ")


@pytest.mark.parametrize(
    "backend", [keyring.backends.fail.Keyring(), keyring.backends.null.Keyring()]
)
def test_no_backend_keeps_the_key_for_this_session_only(
    backend: keyring.backend.KeyringBackend,
) -> None:
    store = KeyStore(backend=backend, env={})
    assert not store.available()
    assert "No password store" in (store.unavailable_reason or "")
    assert store.set_key("production", "session-key") is False
    assert store.is_session_only("production")
    assert store.get_key("production") == "session-key"
    # A new store (a new session) has forgotten it.
    assert KeyStore(backend=backend, env={}).get_key("production") is None
    store.delete_key("production")
    assert store.get_key("production") is None


class _PlainTextFileKeyring(MemoryKeyring):
    """Stands in for keyrings.alt.file.PlaintextKeyring: only the module name matters."""


_PlainTextFileKeyring.__module__ = "keyrings.alt.file"


def test_file_backends_are_refused_as_unsafe() -> None:
    backend = _PlainTextFileKeyring()
    store = KeyStore(backend=backend, env={})
    assert not store.available()
    assert "plain file" in (store.unavailable_reason or "")
    store.set_key("production", "secret")
    assert backend.get_password(SERVICE, "production") is None


class _LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")


class _BrokenKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.InitError("the bus went away")


def test_locked_backend_is_unavailable_with_a_reason() -> None:
    store = KeyStore(backend=_LockedKeyring(), env={})
    assert not store.available()
    assert store.unavailable_reason == "The password store (keyring) is locked."
    assert store.set_key("production", "k") is False
    assert store.get_key("production") == "k"


def test_backend_failing_on_write_falls_back_to_session() -> None:
    store = KeyStore(backend=_BrokenKeyring(), env={})
    assert store.available()
    assert store.set_key("production", "the-secret") is False
    assert not store.available()
    assert "stopped answering" in (store.unavailable_reason or "")
    assert store.get_key("production") == "the-secret"


def test_key_never_appears_in_reprs(memory_keyring: MemoryKeyring) -> None:
    store = KeyStore(backend=memory_keyring, env={})
    store.set_key("production", "super-secret-value")
    assert "super-secret-value" not in repr(store)
    assert "super-secret-value" not in repr(memory_keyring)


def test_memory_keyring_is_never_chosen_automatically() -> None:
    assert MemoryKeyring.priority < keyring.backends.fail.Keyring.priority
    with pytest.raises(keyring.errors.PasswordDeleteError):
        MemoryKeyring().delete_password(SERVICE, "nobody")


@pytest.mark.secret_service
def test_real_secret_service_round_trip() -> None:
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.skip("no D-Bus session (run under .ci/with-secret-service.sh)")
    from keyring.backends import SecretService

    backend = SecretService.Keyring()
    store = KeyStore(backend=backend, env={})
    if not store.available():
        pytest.skip(f"Secret Service not usable: {store.unavailable_reason}")
    profile = f"test-{uuid.uuid4().hex[:12]}"
    try:
        assert store.set_key(profile, "real-keyring-key") is True
        assert KeyStore(backend=SecretService.Keyring(), env={}).get_key(profile) == (
            "real-keyring-key"
        )
    finally:
        store.delete_key(profile)
    assert store.get_key(profile) is None


def test_pinned_session_key_wins_and_is_not_stored(memory_keyring: MemoryKeyring) -> None:
    store = KeyStore(backend=memory_keyring, env={"IMPILO_API_KEY": "from-env"})
    store.pin_session_key("sandbox", "demo-key")
    assert store.get_key("sandbox") == "demo-key"
    assert store.get_key("production") == "from-env"
    assert memory_keyring.get_password(SERVICE, "sandbox") is None


def test_a_chain_with_a_file_backend_uses_only_the_safe_member(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from keyring.backends import chainer

    safe, unsafe = MemoryKeyring(), _PlainTextFileKeyring()
    chain = chainer.ChainerBackend()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [unsafe, safe])
    monkeypatch.setattr(keyring, "get_keyring", lambda: chain)
    store = KeyStore(env={})
    assert store.available()
    assert store.set_key("production", "k") is True
    assert safe.get_password(SERVICE, "production") == "k"
    assert unsafe.get_password(SERVICE, "production") is None


def test_the_database_key_is_made_once_kept_apart_and_forgotten(
    memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    from impilo_desktop.secrets import DATABASE_KEY_SERVICE
    from impilo_desktop.store import Protection

    store = KeyStore(backend=memory_keyring, env={})
    assert store.database_protection() is Protection.KEYRING
    database = tmp_path / "impilo.db"
    assert store.database_key("production") is None  # read only: none is made
    key = store.database_key("production", database)
    assert key is not None
    saved = memory_keyring.get_password(DATABASE_KEY_SERVICE, "production")
    assert saved == key.as_text()
    assert saved not in repr(key) + repr(store)
    again = KeyStore(backend=memory_keyring, env={}).database_key("production")
    assert again is not None
    assert again.as_text() == saved  # read back, not made anew
    assert memory_keyring.get_password(SERVICE, "production") is None  # not the API key's
    assert store.forget_profile("production")  # signing out
    assert memory_keyring.get_password(DATABASE_KEY_SERVICE, "production") is None
    fresh = store.database_key("production", database)
    assert fresh is not None
    assert fresh.as_text() != saved


def test_without_a_keyring_the_database_key_is_the_passphrase_or_none() -> None:
    import keyring.backends.fail

    from impilo_desktop.secrets import DATABASE_PASSPHRASE_ENV
    from impilo_desktop.store import Protection

    store = KeyStore(backend=keyring.backends.fail.Keyring(), env={})
    assert store.database_protection() is Protection.SESSION_ONLY
    assert store.database_key("production") is None
    store.use_database_passphrase("kettle on the hob")
    key = store.database_key("production")
    assert key is not None
    assert key.is_passphrase
    assert store.database_protection() is Protection.PASSPHRASE
    from_env = KeyStore(
        backend=keyring.backends.fail.Keyring(), env={DATABASE_PASSPHRASE_ENV: "x y"}
    )
    assert from_env.database_protection() is Protection.PASSPHRASE
    assert from_env.database_key("production") is not None


# -- the database key is made only where it cannot lock data away (review 13, finding 1) ----------


class _RacingKeyring(MemoryKeyring):
    """A keyring where another process saves the database key between this process's first
    read of it (which found none) and its own save: `before_first_answer` runs just then."""

    def __init__(self) -> None:
        super().__init__()
        self.before_first_answer: list[object] = []

    def get_password(self, service: str, username: str) -> str | None:
        from impilo_desktop.secrets import DATABASE_KEY_SERVICE

        answer = super().get_password(service, username)
        while service == DATABASE_KEY_SERVICE and self.before_first_answer:
            run = self.before_first_answer.pop()
            assert callable(run)
            run()
        return answer


def test_two_processes_making_the_database_key_together_end_with_one(tmp_path: Path) -> None:
    from impilo_desktop.secrets import DATABASE_KEY_SERVICE
    from impilo_desktop.store import Store

    database = tmp_path / "profiles" / "production" / "impilo.db"
    racing = _RacingKeyring()
    other = KeyStore(backend=racing, env={})
    made_by_other: list[str] = []

    def other_process_starts() -> None:
        key = other.database_key("production", database)
        assert key is not None
        made_by_other.append(key.as_text())

    racing.before_first_answer.append(other_process_starts)
    this = KeyStore(backend=racing, env={})
    key = this.database_key("production", database)  # read None, then the other saved one
    assert made_by_other  # the other process did start in between
    assert key is not None
    assert (
        key.as_text() == made_by_other[0] == racing.get_password(DATABASE_KEY_SERVICE, "production")
    )
    Store(database, key=key).close()  # what this process encrypts, the keyring opens
    reopened = KeyStore(backend=racing, env={}).database_key("production", database)
    assert reopened is not None
    assert cipher_opens(database, reopened)


def cipher_opens(database: Path, key: object) -> bool:
    from impilo_desktop.store import DatabaseKey, cipher

    assert isinstance(key, DatabaseKey)
    return cipher.key_opens(database, key)


def test_no_key_is_made_while_another_process_holds_the_encryption_lock(
    memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    from impilo_desktop.secrets import DATABASE_KEY_SERVICE
    from impilo_desktop.store import StoreLockedError, cipher
    from impilo_desktop.store.process_lock import ProcessLock

    database = tmp_path / "impilo.db"
    held = ProcessLock(cipher.encryption_lock(database))
    assert held.try_acquire().value == "acquired"
    try:
        with pytest.raises(StoreLockedError):
            KeyStore(backend=memory_keyring, env={}).database_key("production", database)
        assert memory_keyring.get_password(DATABASE_KEY_SERVICE, "production") is None
    finally:
        held.release()


def test_a_passphrase_database_is_never_given_a_new_keyring_key(
    memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    """Made with a passphrase on a day the keyring was locked; today it answers, empty."""
    import keyring.backends.fail

    from impilo_desktop.secrets import DATABASE_KEY_SERVICE
    from impilo_desktop.store import Store, StoreKeyError

    database = tmp_path / "impilo.db"
    locked_day = KeyStore(backend=keyring.backends.fail.Keyring(), env={})
    locked_day.use_database_passphrase("kettle on the hob")
    key = locked_day.database_key("production", database)
    assert key is not None
    Store(database, key=key).close()

    today = KeyStore(backend=memory_keyring, env={})
    assert today.needs_passphrase("production", database)  # the app asks for it
    with pytest.raises(StoreKeyError, match="passphrase"):  # nobody asked: not in memory
        today.database_key("production", database)
    assert memory_keyring.get_password(DATABASE_KEY_SERVICE, "production") is None
    today.use_database_passphrase("kettle on the hob")
    assert not today.needs_passphrase("production", database)
    typed = today.database_key("production", database)
    assert typed is not None
    assert typed.is_passphrase
    assert cipher_opens(database, typed)


# -- signing out deletes the keys even when the keyring did not answer today (finding 2) -------


class _LockedToday(keyring.backend.KeyringBackend):
    """A keyring holding yesterday's entries that refuses reads today (locked), and whose
    deletes either work (a keyring that unlocks on demand) or fail too."""

    priority = -10  # never auto-detected

    def __init__(self, entries: dict[tuple[str, str], str], *, deletes: bool) -> None:
        super().__init__()
        self.entries = entries
        self.deletes = deletes

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("locked")

    def delete_password(self, service: str, username: str) -> None:
        if not self.deletes:
            raise keyring.errors.KeyringLocked("locked")
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("no such entry")


@pytest.mark.parametrize("deletes", [True, False])
def test_signing_out_with_the_keyring_locked_today(deletes: bool) -> None:
    from impilo_desktop.secrets import DATABASE_KEY_SERVICE

    yesterday = MemoryKeyring()
    KeyStore(backend=yesterday, env={}).set_key("production", "k-123")
    yesterday.set_password(DATABASE_KEY_SERVICE, "production", "00" * 32)
    entries = dict(yesterday._data)
    today = KeyStore(backend=_LockedToday(entries, deletes=deletes), env={})
    assert not today.available()
    gone = today.forget_profile("production")
    assert gone is deletes  # never "nothing is left" while the entries may be there
    assert (entries == {}) is deletes


def test_signing_out_without_any_keyring_is_complete() -> None:
    assert KeyStore(backend=keyring.backends.fail.Keyring(), env={}).forget_profile("p")


def test_a_declined_passphrase_leaves_that_database_to_a_session_in_memory(
    memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    from impilo_desktop.store import DatabaseKey, Store

    database = tmp_path / "impilo.db"
    Store(database, key=DatabaseKey(passphrase="kettle on the hob")).close()
    keys = KeyStore(backend=memory_keyring, env={})
    assert keys.needs_passphrase("production", database)
    keys.use_database_passphrase(None)  # "Continue without saving"
    assert keys.database_key("production", database) is None
