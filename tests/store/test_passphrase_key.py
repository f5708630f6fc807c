"""The key derived from a passphrase (review 13, finding 9): scrypt at N=2^17, the same key
for the same words however the keyboard composed them, and files made under an older cost
still open after the cost is raised."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from impilo_desktop.store import DatabaseKey, Store, cipher
from impilo_desktop.store.cipher import ScryptCost


def test_new_passphrase_databases_use_owasps_minimum_cost() -> None:
    newest = cipher.SCRYPT_COSTS[0]
    assert (newest.n, newest.r, newest.p) == (2**17, 8, 1)


def test_the_same_words_composed_differently_open_the_database(tmp_path: Path) -> None:
    path = tmp_path / "impilo.db"
    composed = unicodedata.normalize("NFC", "Thabo's café")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed  # one "é", or "e" and an accent: what another system types
    Store(path, key=DatabaseKey(passphrase=composed)).close()
    assert cipher.key_opens(path, DatabaseKey(passphrase=decomposed))
    assert not cipher.key_opens(path, DatabaseKey(passphrase="Thabo's cafe"))


def test_a_database_made_under_an_older_cost_opens_after_it_is_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Cheap costs stand in for today's and tomorrow's: the order of the list is what counts.
    older, newer = ScryptCost(n=2**10, r=8, p=1), ScryptCost(n=2**11, r=8, p=1)
    path = tmp_path / "impilo.db"
    monkeypatch.setattr(cipher, "SCRYPT_COSTS", (older,))
    Store(path, key=DatabaseKey(passphrase="kettle on the hob")).close()  # under `older`

    monkeypatch.setattr(cipher, "SCRYPT_COSTS", (newer,))  # a raise that forgot the old one
    assert not cipher.key_opens(path, DatabaseKey(passphrase="kettle on the hob"))

    monkeypatch.setattr(cipher, "SCRYPT_COSTS", (newer, older))
    assert cipher.key_opens(path, DatabaseKey(passphrase="kettle on the hob"))
    assert not cipher.key_opens(path, DatabaseKey(passphrase="kettle on the stove"))
    Store(path, key=DatabaseKey(passphrase="kettle on the hob")).close()
    fresh = tmp_path / "new.db"
    Store(fresh, key=DatabaseKey(passphrase="kettle on the hob")).close()
    monkeypatch.setattr(cipher, "SCRYPT_COSTS", (newer,))
    assert cipher.key_opens(fresh, DatabaseKey(passphrase="kettle on the hob"))  # made: newest
