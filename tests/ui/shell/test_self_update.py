"""Self-update in the window (issue 17), against a real update repository on 127.0.0.1 and
the real outbox on the test's sandbox: the bar says which version is ready and shows its
notes; Restart now restarts only with no order in flight (an order being sent is waited
for, orders waiting offline are asked about); a refused update says so; no repository
means no request; Settings > Updates saves the address typed by keyboard.

The window runs from source, so its updater is told it is a bundle of version 1.0.0 whose
folder is in tmp_path, with the repository's root as trust anchor; `restart` records the
prepared update instead of replacing this test process."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from impilo_desktop.policy import POLICY_ENV
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import EntryState, Store
from impilo_desktop.ui.shell.main_window import MainWindow
from impilo_desktop.ui.updates.bar import NOTES_NAME, SAVED_NOTE, SESSION_NOTE
from impilo_desktop.ui.updates.controller import UpdateController
from impilo_desktop.ui.updates.restart_question import WAITING_NAME, AtStake
from impilo_desktop.updates.install import PreparedUpdate
from impilo_desktop.updates.state import UpdateFolder, UpdateSettings
from tests.ui.shell.conftest import sandbox_draft, submit, visible_child
from tests.update_repository import UpdateRepository, served_repository, tamper

NOTES = "Order history opens faster.\nAddresses keep their second line."


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[UpdateRepository]:
    with served_repository(tmp_path / "repository") as served:
        served.add("1.0.0")
        yield served


class Restarts:
    """What the updater would have restarted into, and whether a send was on at the time."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.prepared: list[PreparedUpdate] = []
        self.sending_then: list[bool] = []

    def __call__(self, prepared: PreparedUpdate, _folder: UpdateFolder, _program: str) -> None:
        self.sending_then.append(self.window.services.outbox.sending)
        self.prepared.append(prepared)


def as_bundle(window: MainWindow, repo: UpdateRepository, tmp_path: Path, url: str) -> Restarts:
    """Make the window's updater act as bundle 1.0.0 with `url` set, and start it."""
    updates = window.update_bar.updates
    bundle = tmp_path / "installed" / "impilo-desktop"
    bundle.mkdir(parents=True)
    restarts = Restarts(window)
    updates.from_bundle = True
    updates.trusted_root = repo.root_json
    updates.current_version = "1.0.0"
    updates.bundle = bundle
    updates.restart = restarts
    UpdateSettings(repository_url=url).save(updates.folder)
    updates.start()
    return restarts


def action(window: MainWindow, label: str) -> QPushButton:
    for button in window.update_bar.findChildren(QPushButton):
        if button.text() == label and button.isVisible():
            return button
    raise AssertionError(f"no {label!r} on the update bar")


def wait_ready(qtbot: QtBot, window: MainWindow, version: str) -> None:
    bar = window.update_bar
    expected = f"Version {version} is ready — restart to update."
    qtbot.waitUntil(lambda: bar.isVisible() and bar.text.text() == expected, timeout=30_000)


def test_the_bar_shows_the_ready_version_and_restart_now_restarts(
    qtbot: QtBot, online_window: MainWindow, repo: UpdateRepository, tmp_path: Path
) -> None:
    window = online_window
    repo.add("1.1.0", notes=NOTES)
    restarts = as_bundle(window, repo, tmp_path, repo.url)
    wait_ready(qtbot, window, "1.1.0")

    # By keyboard: the bar's button, then the dialog's Escape (Later) and Alt+R (Restart now).
    notes_button = action(window, "What's new")
    notes_button.setFocus()
    qtbot.keyClick(notes_button, Qt.Key.Key_Space)
    dialog = visible_child(qtbot, window, QDialog, NOTES_NAME)
    assert dialog.windowTitle() == "What's new in version 1.1.0"
    assert dialog.notes.toPlainText() == NOTES  # type: ignore[attr-defined]
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert restarts.prepared == []

    qtbot.keyClick(notes_button, Qt.Key.Key_Space)
    dialog = visible_child(qtbot, window, QDialog, NOTES_NAME)
    qtbot.keyClick(dialog, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: bool(restarts.prepared), timeout=30_000)
    prepared = restarts.prepared[0]
    assert prepared.version == "1.1.0"
    assert (prepared.unpacked / "version.txt").read_text(encoding="utf-8") == "1.1.0"
    assert restarts.sending_then == [False]
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=15_000)


def test_an_order_being_sent_is_waited_for(
    qtbot: QtBot,
    online_window: MainWindow,
    repo: UpdateRepository,
    tmp_path: Path,
    sandbox: SandboxServer,
) -> None:
    window = online_window
    repo.add("1.1.0")
    restarts = as_bundle(window, repo, tmp_path, repo.url)
    wait_ready(qtbot, window, "1.1.0")
    sandbox.faults.latency = 1.5  # the order stays in flight for a while
    entry = submit(qtbot, window, sandbox_draft())
    outbox = window.services.outbox
    qtbot.waitUntil(lambda: outbox.sending, timeout=10_000)

    qtbot.mouseClick(action(window, "Restart now"), Qt.MouseButton.LeftButton)
    assert "as soon as the order being sent is done" in window.update_bar.text.text()
    assert restarts.prepared == []
    assert window.isVisible()

    qtbot.waitUntil(lambda: bool(restarts.prepared), timeout=30_000)
    assert restarts.sending_then == [False]
    profile = window.services.profile
    with Store.open_profile(
        profile, window.home, key=window.keys.database_key(profile.name)
    ) as store:
        assert store.get_entry(entry.entry_id).state == EntryState.SENT


def test_orders_waiting_offline_are_asked_about(
    qtbot: QtBot,
    online_window: MainWindow,
    repo: UpdateRepository,
    tmp_path: Path,
    sandbox: SandboxServer,
) -> None:
    window = online_window
    repo.add("1.1.0")
    restarts = as_bundle(window, repo, tmp_path, repo.url)
    wait_ready(qtbot, window, "1.1.0")
    sandbox.stop()
    submit(qtbot, window, sandbox_draft())
    outbox = window.services.outbox
    qtbot.waitUntil(lambda: outbox.state == "offline" and not outbox.sending, timeout=15_000)

    qtbot.mouseClick(action(window, "Restart now"), Qt.MouseButton.LeftButton)
    box = visible_child(qtbot, window, QMessageBox, WAITING_NAME)
    assert box.text() == "1 order is waiting to be sent."
    assert "sent after the restart" in box.informativeText()
    not_now = box.findChild(QPushButton, "restartWaitingLater")
    assert not_now is not None
    qtbot.mouseClick(not_now, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not box.isVisible())
    assert restarts.prepared == []
    assert window.isVisible()

    qtbot.mouseClick(action(window, "Restart now"), Qt.MouseButton.LeftButton)
    box = visible_child(qtbot, window, QMessageBox, WAITING_NAME)
    restart = box.findChild(QPushButton, "restartWaitingRestart")
    assert restart is not None
    qtbot.mouseClick(restart, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(restarts.prepared), timeout=30_000)
    sandbox.start()  # the window's fixture shuts down against a live server


def test_a_tampered_update_is_refused_in_plain_words(
    qtbot: QtBot, online_window: MainWindow, repo: UpdateRepository, tmp_path: Path
) -> None:
    window = online_window
    tamper(repo.add("1.1.0"))
    restarts = as_bundle(window, repo, tmp_path, repo.url)
    bar = window.update_bar
    qtbot.waitUntil(lambda: bar.isVisible() and "refused" in bar.text.text(), timeout=30_000)
    assert bar.text.text().startswith("An update was refused and nothing changed: ")
    assert "does not match its signature" in bar.text.text()
    assert not [b for b in bar.findChildren(QPushButton) if b.isVisible()]
    assert restarts.prepared == []
    assert window.update_bar.updates.pending is None


def test_no_repository_means_no_request(
    qtbot: QtBot, online_window: MainWindow, repo: UpdateRepository, tmp_path: Path
) -> None:
    window = online_window
    repo.add("1.1.0")
    updates: UpdateController = window.update_bar.updates
    with qtbot.waitSignal(updates.settings_changed, timeout=10_000):
        as_bundle(window, repo, tmp_path, "")
    updates.check_now()
    assert not updates.checking
    assert repo.requests == []
    assert not window.update_bar.isVisible()


def test_settings_updates_by_keyboard(
    qtbot: QtBot, online_window: MainWindow, repo: UpdateRepository, tmp_path: Path
) -> None:
    window = online_window
    repo.add("1.1.0", notes=NOTES)
    as_bundle(window, repo, tmp_path, "")
    window.show_page("settings")
    group = window.settings_page.updates_group
    assert "does not look for updates" in group.note.text()
    assert not group.check_button.isEnabled()

    group.url.setFocus()
    qtbot.keyClicks(group.url, "ftp://updates")
    qtbot.keyClick(group.url, Qt.Key.Key_Return)
    assert group.problem.isVisible()
    assert "is not a web address" in group.problem.text()

    group.url.selectAll()
    qtbot.keyClicks(group.url, repo.url + "/")
    qtbot.keyClick(group.url, Qt.Key.Key_Return)
    wait_ready(qtbot, window, "1.1.0")
    qtbot.waitUntil(lambda: "Version 1.1.0 is ready" in group.last_check.text(), timeout=10_000)
    assert not group.problem.isVisible()
    assert UpdateSettings.load(window.update_bar.updates.folder).repository_url == repo.url
    assert group.check_button.isEnabled()


def test_from_source_settings_say_there_is_nothing_to_update(
    qtbot: QtBot, online_window: MainWindow
) -> None:
    window = online_window
    window.show_page("settings")
    group = window.settings_page.updates_group
    assert "runs from source code" in group.note.text()
    assert not group.check_button.isEnabled()


@pytest.fixture
def updates_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The computer's policy turns self-update off (`update_url: "none"`)."""
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"update_url": "none"}), encoding="utf-8")
    monkeypatch.setenv(POLICY_ENV, str(path))


def test_the_policy_can_turn_update_checks_off(
    qtbot: QtBot,
    updates_off: None,
    online_window: MainWindow,
    repo: UpdateRepository,
    tmp_path: Path,
) -> None:
    window = online_window
    repo.add("1.1.0")
    updates: UpdateController = window.update_bar.updates
    with qtbot.waitSignal(updates.settings_changed, timeout=10_000):
        as_bundle(window, repo, tmp_path, repo.url)  # the user's own address, overridden
    updates.check_now()
    assert repo.requests == []
    window.show_page("settings")
    group = window.settings_page.updates_group
    assert group.note.text() == "Set by your organisation: no update checks."
    assert group.url.text() == ""
    assert group.url.isReadOnly()
    assert not group.check_button.isEnabled()


def answer(qtbot: QtBot, window: MainWindow, button: str) -> str:
    """Click `button` of the restart question; its label."""
    box = visible_child(qtbot, window, QMessageBox, WAITING_NAME)
    chosen = box.findChild(QPushButton, button)
    assert chosen is not None
    label = chosen.text()
    qtbot.mouseClick(chosen, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not box.isVisible())
    return label


def test_a_session_that_saves_nothing_always_asks_naming_what_it_would_lose(
    qtbot: QtBot, session_only: MainWindow, repo: UpdateRepository, tmp_path: Path
) -> None:
    window = session_only
    repo.add("1.1.0", notes=NOTES)
    restarts = as_bundle(window, repo, tmp_path, repo.url)
    wait_ready(qtbot, window, "1.1.0")

    # Nothing to lose: asked all the same (the restart ends the session).
    qtbot.mouseClick(action(window, "Restart now"), Qt.MouseButton.LeftButton)
    box = visible_child(qtbot, window, QMessageBox, WAITING_NAME)
    assert box.text() == "Nothing is saved on this computer in this session."
    answer(qtbot, window, "restartWaitingLater")
    assert restarts.prepared == []

    store = window.services.store
    store.pause_outbox("paused by the test")  # the orders stay unsent
    held = store.enqueue(sandbox_draft(count=2), server=window.services.profile.base_url)
    store.mark_held(held.entry_id, "the patient changed", held_for="age")
    store.save_draft(sandbox_draft(item_id=1002))

    notes_button = action(window, "What's new")
    qtbot.mouseClick(notes_button, Qt.MouseButton.LeftButton)
    dialog = visible_child(qtbot, window, QDialog, NOTES_NAME)
    note = dialog.findChild(QLabel, "whatsNewRestartNote")
    assert note is not None
    assert note.text() == SESSION_NOTE
    assert "Drafts are kept" not in note.text()
    restart = dialog.findChild(QPushButton, "whatsNewRestart")
    assert restart is not None
    qtbot.mouseClick(restart, Qt.MouseButton.LeftButton)
    box = visible_child(qtbot, window, QMessageBox, WAITING_NAME)
    assert box.text() == "1 order not sent and 1 draft would be lost."
    assert "Jacqueline Seed — 2 items" in box.informativeText()
    assert "Draft: Jacqueline Seed — 1 item" in box.informativeText()
    assert box.defaultButton().objectName() == "restartWaitingLater"
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not box.isVisible())
    assert restarts.prepared == []
    assert window.isVisible()

    qtbot.mouseClick(action(window, "Restart now"), Qt.MouseButton.LeftButton)
    assert answer(qtbot, window, "restartWaitingRestart") == "Restart and lose them"
    qtbot.waitUntil(lambda: bool(restarts.prepared), timeout=30_000)


def test_orders_that_came_in_while_the_update_was_unpacked_are_asked_about(
    qtbot: QtBot, online_window: MainWindow, repo: UpdateRepository, tmp_path: Path
) -> None:
    """Nothing waited when Restart now was clicked; an order queued before the restart itself
    is counted again then, and asked about."""
    window = online_window
    repo.add("1.1.0")
    restarts = as_bundle(window, repo, tmp_path, repo.url)
    wait_ready(qtbot, window, "1.1.0")
    updates: UpdateController = window.update_bar.updates
    store = window.services.store
    store.pause_outbox("paused by the test")
    read = updates._read_at_stake
    reads: list[AtStake] = []

    def read_then_queue_an_order(then: Callable[[AtStake], None]) -> None:
        def answered(at_stake: AtStake) -> None:
            if not reads:  # the coordinator clicked with nothing waiting; then an order came
                store.enqueue(sandbox_draft(), server=window.services.profile.base_url)
            reads.append(at_stake)
            then(at_stake)

        read(answered)

    updates._read_at_stake = read_then_queue_an_order

    qtbot.mouseClick(action(window, "Restart now"), Qt.MouseButton.LeftButton)
    box = visible_child(qtbot, window, QMessageBox, WAITING_NAME)
    assert reads == [AtStake(0), AtStake(1)]  # asked only at the second count
    assert box.text() == "1 order is waiting to be sent."
    answer(qtbot, window, "restartWaitingLater")
    assert restarts.prepared == []
    assert window.isVisible()

    qtbot.mouseClick(action(window, "Restart now"), Qt.MouseButton.LeftButton)
    answer(qtbot, window, "restartWaitingRestart")
    qtbot.waitUntil(lambda: bool(restarts.prepared), timeout=30_000)
    assert reads[2:] == [AtStake(1), AtStake(1)]  # agreed to, then unchanged before the restart


def test_whats_new_says_drafts_are_kept_when_they_are(
    qtbot: QtBot, online_window: MainWindow, repo: UpdateRepository, tmp_path: Path
) -> None:
    window = online_window
    repo.add("1.1.0")
    as_bundle(window, repo, tmp_path, repo.url)
    wait_ready(qtbot, window, "1.1.0")
    qtbot.mouseClick(action(window, "What's new"), Qt.MouseButton.LeftButton)
    dialog = visible_child(qtbot, window, QDialog, NOTES_NAME)
    note = dialog.findChild(QLabel, "whatsNewRestartNote")
    assert note is not None
    assert note.text() == SAVED_NOTE
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
