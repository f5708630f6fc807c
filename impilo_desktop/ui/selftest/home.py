"""The self-test's home folder: a throw-away one, or one kept between runs
(`--self-test-home=DIR`) so that the start-up benchmark can time a second start of a frozen
build, as a coordinator's daily start is, instead of a first one.

A kept home keeps its database keys in a file of its own: the self-test never reads or writes
the coordinator's real keychain, and its next run must find the key of the store the last one
made (an in-memory keyring would forget it, and the store could not be opened). The folder
and the file are the user's alone, as the app's own home is; an account's API key is not
written there (the self-test is given it again at every run)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from impilo_desktop.private_files import private_folder, private_opener
from impilo_desktop.secrets import DATABASE_KEY_SERVICE, MemoryKeyring
from impilo_desktop.ui.selftest.report import SelfTestError

KEYRING_FILE = "self-test-keyring.json"


@contextmanager
def self_test_home(kept: Path | None) -> Iterator[Path]:
    """`kept` (made if missing, left in place), or a temporary folder removed afterwards.

    A kept folder is made the user's alone when the self-test first uses it (new or empty);
    a folder holding other files is refused, so that `--self-test-home=.` cannot tighten the
    permissions of the coordinator's own files."""
    if kept is not None:
        ours = (kept / KEYRING_FILE).is_file()
        if not ours and kept.is_dir() and any(kept.iterdir()):
            raise SelfTestError(f"{kept} is not empty and not a self-test home: give a new folder")
        yield kept if ours else private_folder(kept)
        return
    # ignore_cleanup_errors: on Windows a file still held open must not fail a passed test.
    with tempfile.TemporaryDirectory(prefix="impilo-self-test-", ignore_cleanup_errors=True) as tmp:
        yield Path(tmp)


class HomeKeyring(MemoryKeyring):
    """The self-test's keyring; its database keys are saved in a kept home's `KEYRING_FILE`
    after every change, whole or not at all (a run ended by its watchdog leaves the last
    complete file)."""

    def __init__(self, home: Path) -> None:
        super().__init__()
        self._file = home / KEYRING_FILE
        if self._file.is_file():
            for entry in json.loads(self._file.read_text(encoding="utf-8")):
                super().set_password(entry["service"], entry["username"], entry["password"])

    def set_password(self, service: str, username: str, password: str) -> None:
        super().set_password(service, username, password)
        self._save()

    def delete_password(self, service: str, username: str) -> None:
        super().delete_password(service, username)
        self._save()

    def _save(self) -> None:
        entries = [
            {"service": service, "username": username, "password": password}
            for (service, username), password in self._data.items()
            if service == DATABASE_KEY_SERVICE
        ]
        part = self._file.with_name(self._file.name + ".part")
        with open(part, "w", encoding="utf-8", opener=private_opener) as out:
            json.dump(entries, out)
        os.replace(part, self._file)

    def __repr__(self) -> str:  # never show stored values
        return f"HomeKeyring({len(self._data)} entries)"
