"""A managed computer (impilo_desktop/policy.py) in the real window: the account the policy
fixes is the one that opens, Settings shows what is fixed greyed out with "Set by your
organisation", the welcome dialog asks only for the key, and signing out without a sandbox
opens the fixed account's key prompt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from impilo_desktop.config import PROXY_NONE, Profile
from impilo_desktop.policy import FIXED_NOTE, POLICY_ENV
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.secrets import KeyStore
from impilo_desktop.ui.dialogs.welcome import WelcomeDialog
from impilo_desktop.ui.shell.main_window import MainWindow
from impilo_desktop.ui.shell.pages import SETTINGS

from .conftest import MakeWindow, visible_child, wait_online


@pytest.fixture
def managed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, keys: KeyStore
) -> Profile:
    """A policy: the test's sandbox server as the one account, no built-in sandbox, no proxy,
    cached orders kept 14 days."""
    path = tmp_path / "policy.json"
    values = {
        "profile": "clinic",
        "base_url": sandbox.base_url,
        "allow_sandbox": False,
        "proxy_mode": PROXY_NONE,
        "keep_orders_days": 14,
        "update_url": "https://updates.clinic.example/impilo",
    }
    path.write_text(json.dumps(values), encoding="utf-8")
    monkeypatch.setenv(POLICY_ENV, str(path))
    keys.set_key("clinic", sandbox.api_key)
    return Profile("clinic", sandbox.base_url)


def test_settings_show_what_the_policy_fixes(
    qtbot: QtBot, make_window: MakeWindow, managed: Profile
) -> None:
    window = make_window()
    assert window.services.profile == managed
    wait_online(qtbot, window)
    window.show_page(SETTINGS.key)
    page = window.settings_page
    assert page.profile_choice.count() == 1
    assert page.profile_choice.currentText() == f"Clinic — {managed.base_url}"
    assert not page.profile_choice.isEnabled()
    assert not page.switch_button.isEnabled()
    assert page.note.text().startswith(
        f"Set by your organisation: this computer uses {managed.base_url} only, without the"
        " sandbox."
    )
    network = page.network_group
    assert network.choice.currentData() == PROXY_NONE
    assert not network.choice.isEnabled()
    assert not network.apply_button.isEnabled()
    assert network.note.text().startswith(FIXED_NOTE)
    retention = page.retention_group
    qtbot.waitUntil(lambda: retention.days.value() == 14)
    assert not retention.days.isEnabled()
    assert retention.note.text().startswith(FIXED_NOTE)
    updates = page.updates_group
    qtbot.waitUntil(lambda: updates.url.text() == "https://updates.clinic.example/impilo")
    assert updates.url.isReadOnly()
    assert updates.note.text().startswith(FIXED_NOTE)


def test_another_account_on_the_command_line_is_refused(
    qtbot: QtBot, make_window: MakeWindow, managed: Profile
) -> None:
    window = make_window("--profile", "staging")
    assert window.services.profile == managed
    assert window.notice_bar.text.text() == (
        f"Your organisation has set Impilo Desktop to use {managed.base_url} (clinic) on this"
        " computer. Opened Clinic instead."
    )


def test_the_welcome_dialog_asks_only_for_the_key(
    qtbot: QtBot, make_window: MakeWindow, managed: Profile
) -> None:
    window = make_window()
    window.open_welcome()
    dialog = visible_child(qtbot, window, WelcomeDialog, "welcomeDialog")
    fixed = dialog.findChild(type(dialog.keyring_note), "serverFixed")
    assert fixed is not None
    assert fixed.text() == f"clinic — {managed.base_url} ({FIXED_NOTE})"
    assert not dialog.server.isVisible()
    assert dialog.findChild(QPushButton, "trySandboxButton") is None
    intro = dialog.findChild(type(fixed), "welcomeIntro")
    assert intro is not None
    assert "sandbox" not in intro.text()
    assert dialog.chosen_profile() == managed
    dialog.reject()


def test_signing_out_without_a_sandbox_asks_for_the_accounts_key(
    qtbot: QtBot, make_window: MakeWindow, managed: Profile, keys: KeyStore
) -> None:
    window: MainWindow = make_window()
    wait_online(qtbot, window)
    window.show_page(SETTINGS.key)
    button = window.settings_page.sign_out_group.button
    qtbot.waitUntil(button.isVisible)
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    box = visible_child(qtbot, window.settings_page, QMessageBox, "signOutConfirmation")
    with qtbot.waitSignal(window.session.signed_out, timeout=30_000):
        found = box.findChild(QPushButton, "confirmSignOut")
        assert found is not None
        found.click()
    assert keys.get_key("clinic") is None
    qtbot.waitUntil(lambda: window.services.profile == managed, timeout=15_000)
    dialog = visible_child(qtbot, window, WelcomeDialog, "newKeyDialog")
    assert dialog.chosen_profile() == managed
    assert window.findChild(WelcomeDialog, "welcomeDialog") is None
    # The built-in sandbox held the window while the data was removed; it does not stay up.
    qtbot.waitUntil(lambda: not window.sandbox.running, timeout=15_000)
