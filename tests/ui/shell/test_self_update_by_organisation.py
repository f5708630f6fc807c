"""A copy this user cannot replace (a per-machine install IT made) downloads nothing, never
offers a restart, and Settings > Updates says that the organisation updates it, with the
installed version. The window runs from source, so its updater is told it is bundle 1.0.0
in a folder where nothing can be made (tests/updates/test_by_organisation.py has the
read-only variant of that folder, which needs a user other than root)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from impilo_desktop.ui.shell.main_window import MainWindow
from impilo_desktop.ui.updates.controller import UpdateController
from impilo_desktop.ui.updates.settings_group import NOT_CHECKED, NOT_CHECKED_HERE
from impilo_desktop.updates.check import check_for_update
from impilo_desktop.updates.outcomes import UpdateReady
from impilo_desktop.updates.state import PendingUpdate, UpdateSettings
from tests.update_repository import served_repository


def test_a_copy_it_installs_is_left_to_the_organisation(
    qtbot: QtBot, online_window: MainWindow, tmp_path: Path
) -> None:
    window = online_window
    updates: UpdateController = window.update_bar.updates
    with served_repository(tmp_path / "repository") as repo:
        repo.add("1.0.0")
        repo.add("1.1.0")
        # Downloaded before IT made the folder read-only (or by the command line as another
        # user): a pending update that this user could not install.
        ready = asyncio.run(
            check_for_update(
                repo.url, updates.folder, trusted_root=repo.root_json, current_version="1.0.0"
            )
        )
        assert ready == UpdateReady("1.1.0", "")
        assert PendingUpdate.load(updates.folder) is not None
        asked = len(repo.requests)

        not_a_folder = tmp_path / "not-a-folder"
        not_a_folder.write_text("", encoding="utf-8")
        updates.from_bundle = True
        updates.trusted_root = repo.root_json
        updates.current_version = "1.0.0"
        updates.bundle = not_a_folder / "impilo-desktop"
        UpdateSettings(repository_url=repo.url).save(updates.folder)
        with qtbot.waitSignal(updates.settings_changed, timeout=10_000):
            updates.start()
        updates.check_now()

        assert updates.by_organisation
        assert not updates.checking
        assert len(repo.requests) == asked  # no check, no download
        assert updates.pending is None
        assert not window.update_bar.isVisible()  # no "restart to update"
        # The update downloaded before is deleted: it could never be installed here.
        assert PendingUpdate.load(updates.folder) is None
        assert list(updates.folder.downloads.iterdir()) == []

    window.show_page("settings")
    group = window.settings_page.updates_group
    assert group.note.text() == (
        "This computer's copy of Impilo Desktop is updated by your organisation: IT installs"
        " new versions. This is version 1.0.0."
    )
    assert group.last_check.text() == NOT_CHECKED  # not the earlier "ready" result
    assert group.url.text() == repo.url
    assert group.url.isReadOnly()
    assert not group.check_button.isEnabled()
    # By keyboard: the address can be reached (and read) but not changed.
    group.url.setFocus()
    qtbot.keyClick(group.url, Qt.Key.Key_End)
    qtbot.keyClicks(group.url, "/other")
    qtbot.keyClick(group.url, Qt.Key.Key_Return)
    assert group.url.text() == repo.url
    assert UpdateSettings.load(updates.folder).repository_url == repo.url


def test_a_mac_app_run_from_its_disk_image_asks_to_be_moved_to_applications(
    qtbot: QtBot, online_window: MainWindow, tmp_path: Path
) -> None:
    """The same copy as macOS runs it when it is opened where it was downloaded (App
    Translocation: a read-only random folder): the coordinator can fix it, so Settings says
    how instead of sending them to IT."""
    window = online_window
    updates: UpdateController = window.update_bar.updates
    updates.from_bundle = True
    updates.current_version = "1.0.0"
    updates.bundle = tmp_path / "AppTranslocation" / "1A2B" / "d" / "Impilo Desktop.app"
    UpdateSettings(repository_url="https://updates.clinic.example/impilo").save(updates.folder)
    with qtbot.waitSignal(updates.settings_changed, timeout=10_000):
        updates.start()

    assert updates.by_organisation
    assert updates.move_to_applications
    window.show_page("settings")
    group = window.settings_page.updates_group
    assert group.last_check.text() == NOT_CHECKED_HERE  # not "your organisation installs"
    assert group.note.text() == (
        "Impilo Desktop is running from its disk image or a temporary copy: move Impilo"
        " Desktop to the Applications folder to get updates. This is version 1.0.0."
    )
