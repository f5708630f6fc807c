"""The window's self-update proof mode (ui/updates/proof.py, driven by
packaging/prove_self_update.py from a real bundle): it clicks the update bar's own Restart
now and records what the window saw; a refusal or a check with nothing to offer closes the
window; without IMPILO_UPDATE_PROOF the window has no such mode. Same set-up as
test_self_update.py: a real repository on 127.0.0.1, the updater acting as bundle 1.0.0."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from impilo_desktop import __version__
from impilo_desktop.ui.shell.main_window import MainWindow
from impilo_desktop.ui.updates.bar import PROOF_ENV
from impilo_desktop.ui.updates.proof import UpdateProof, drive_update_proof
from tests.ui.shell.test_self_update import as_bundle
from tests.update_repository import UpdateRepository, served_repository, tamper


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[UpdateRepository]:
    with served_repository(tmp_path / "repository") as served:
        served.add("1.0.0")
        yield served


def record_of(qtbot: QtBot, window: MainWindow, record: Path) -> list[str]:
    """The lines once the mode has closed the window."""
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30_000)
    return record.read_text(encoding="utf-8").splitlines()


def test_it_clicks_restart_now_on_the_bar(
    qtbot: QtBot,
    online_window: MainWindow,
    repo: UpdateRepository,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = online_window
    record = tmp_path / "record.txt"
    # What the program was started with (the restarted one must show the same: the proof).
    monkeypatch.setattr(sys, "argv", [sys.argv[0], "--profile", "custom", "-style=fusion"])
    drive_update_proof(window, window.update_bar, str(record))
    repo.add("1.1.0")
    restarts = as_bundle(window, repo, tmp_path, repo.url)

    assert record_of(qtbot, window, record) == [
        f"started {__version__} {sys.executable} process {os.getpid()}"
        " --profile custom -style=fusion",
        "ready 1.1.0: Version 1.1.0 is ready — restart to update.",
    ]
    # The controller's own restart: prepared (unpacked, verified), then the window closed.
    assert [prepared.version for prepared in restarts.prepared] == ["1.1.0"]


def test_a_refusal_is_recorded_and_closes_the_window(
    qtbot: QtBot,
    online_window: MainWindow,
    repo: UpdateRepository,
    tmp_path: Path,
) -> None:
    window = online_window
    record = tmp_path / "record.txt"
    drive_update_proof(window, window.update_bar, str(record))
    tamper(repo.add("1.1.0"))
    restarts = as_bundle(window, repo, tmp_path, repo.url)

    started, refused = record_of(qtbot, window, record)
    assert started.startswith(f"started {__version__} ")
    assert refused.startswith("refused: An update was refused and nothing changed: ")
    assert "does not match its signature" in refused
    assert restarts.prepared == []


def test_up_to_date_is_recorded_and_closes_the_window(
    qtbot: QtBot,
    online_window: MainWindow,
    repo: UpdateRepository,
    tmp_path: Path,
) -> None:
    window = online_window
    record = tmp_path / "record.txt"
    drive_update_proof(window, window.update_bar, str(record))
    as_bundle(window, repo, tmp_path, repo.url)

    assert record_of(qtbot, window, record)[1:] == ["checked: Up to date (version 1.0.0)."]


def test_without_the_variable_there_is_no_proof_mode(online_window: MainWindow) -> None:
    assert PROOF_ENV not in os.environ
    assert online_window.update_bar.findChildren(UpdateProof) == []
