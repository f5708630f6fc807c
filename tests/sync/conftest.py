"""Sync tests: a real store in tmp_path and either the sandbox or a scripted transport."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from impilo_desktop.config import Profile
from impilo_desktop.secrets import DATABASE_PASSPHRASE_ENV
from impilo_desktop.store import DatabaseKey, Store
from tests.sync.fake_impilo import FakeImpilo


class Clock:
    """A settable clock for the store (entry ages, retry times)."""

    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    with Store(tmp_path / "impilo.sqlite3", clock=clock) as opened:
        yield opened


PASSPHRASE = "sync tests' database passphrase"


@pytest.fixture(autouse=True)
def _no_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The command line, in this process or a child, finds no keyring (never the developer's)
    and opens its database with IMPILO_DATABASE_PASSPHRASE, as the tests do below."""
    import keyring
    import keyring.backends.fail

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv(DATABASE_PASSPHRASE_ENV, PASSPHRASE)
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())  # type: ignore[no-untyped-call]
    yield
    keyring.set_keyring(previous)


def keyed_store(path: Path, **kwargs: Any) -> Store:
    """The store at `path` opened as the command line opens it (with the passphrase)."""
    return Store(path, key=DatabaseKey(passphrase=PASSPHRASE), **kwargs)


def open_profile_store(profile: Profile, home: Path | None = None) -> Store:
    """The profile's store as the command line opens it."""
    return Store.open_profile(profile, home, key=DatabaseKey(passphrase=PASSPHRASE))


@pytest.fixture
def impilo() -> FakeImpilo:
    return FakeImpilo()
