"""`impilo-desktop update` and the computer's policy and window: a repository the policy sets
cannot be changed from the command line, the policy's "none" turns checks off, and
`--install` refuses while the window holds its lock on the same home."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from impilo_desktop.cli import main
from impilo_desktop.policy import POLICY_ENV
from impilo_desktop.updates.state import UpdateFolder, UpdateSettings
from impilo_desktop.window_lock import WINDOW_LOCK_FILE


def set_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **values: object) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(values), encoding="utf-8")
    monkeypatch.setenv(POLICY_ENV, str(path))


def test_a_repository_the_policy_sets_cannot_be_changed(
    app_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = UpdateFolder.of_home(app_home)
    UpdateSettings(repository_url="https://mine.example/impilo").save(folder)
    set_policy(tmp_path, monkeypatch, update_url="https://updates.clinic.example/impilo")

    code = main(["update", "--repository", "https://elsewhere.example/impilo"])

    assert code == 2
    assert "Your organisation sets the update repository" in capsys.readouterr().err
    assert UpdateSettings.load(folder).repository_url == "https://updates.clinic.example/impilo"
    monkeypatch.delenv(POLICY_ENV)
    assert UpdateSettings.load(folder).repository_url == "https://mine.example/impilo"


def test_the_policy_can_turn_update_checks_off(
    app_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = UpdateFolder.of_home(app_home)
    UpdateSettings(repository_url="https://mine.example/impilo").save(folder)
    set_policy(tmp_path, monkeypatch, update_url="None")

    assert UpdateSettings.load(folder).repository_url == ""
    assert main(["update"]) == 0
    assert "Set by your organisation: no update checks." in capsys.readouterr().out
    assert main(["update", "--repository", "https://mine.example/impilo"]) == 2


def test_install_is_refused_while_the_window_is_open(
    app_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The lock is taken as the window takes it (Qt's QLockFile), by another process."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from PySide6.QtCore import QLockFile\n"
            "lock = QLockFile(sys.argv[1])\n"
            "print(lock.tryLock(0), flush=True)\n"
            "sys.stdin.readline()\n",
            str(app_home / WINDOW_LOCK_FILE),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "True"
        code = main(["update", "--install"])
    finally:
        holder.communicate("\n", timeout=30)

    assert code == 2
    assert "Impilo Desktop is open on this computer" in capsys.readouterr().err
    assert main(["update", "--install"]) == 0  # closed: on to the check (none set here)
    assert "No update repository is set" in capsys.readouterr().out
