"""What the window opens, decided before Qt: the command line, the last profile, and only
then a stored production key (which the command cannot know before the keyring is read)."""

from __future__ import annotations

from impilo_desktop.config import SANDBOX, Settings
from impilo_desktop.secrets import KeyStore, MemoryKeyring
from impilo_desktop.start_choice import choice_without_keys, choose_start


def test_the_command_line_or_the_last_profile_decides_without_the_keyring() -> None:
    settings = Settings()
    named = choice_without_keys(SANDBOX, None, settings)
    assert named is not None
    assert named.profile is None
    custom = choice_without_keys("custom", "http://127.0.0.1:9", settings)
    assert custom is not None
    assert custom.profile is not None
    assert custom.profile.name == "custom"
    last = choice_without_keys(None, None, Settings(last_profile=SANDBOX))
    assert last is not None
    assert last.profile is None
    assert not last.first_run
    # A sandbox of its own (a standalone one's address saved) is not the built-in one.
    own = Settings(base_urls={SANDBOX: "http://127.0.0.1:9"})
    standalone = choice_without_keys(SANDBOX, None, own)
    assert standalone is not None
    assert standalone.profile is not None


def test_a_first_run_waits_for_the_keyring() -> None:
    assert choice_without_keys(None, None, Settings()) is None
    keyring = MemoryKeyring()
    first = choose_start(None, None, Settings(), KeyStore(backend=keyring, env={}))
    assert first.profile is None
    assert first.first_run
    keys = KeyStore(backend=keyring, env={})
    keys.set_key("production", "a-production-key")
    production = choose_start(None, None, Settings(), KeyStore(backend=keyring, env={}))
    assert production.profile is not None
    assert production.profile.name == "production"
