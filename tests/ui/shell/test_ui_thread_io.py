"""The UI thread never waits on disk or keyring once the window is up: measured from outside
with a profiler on the UI thread alone, while queued orders drain and every page is used."""

from __future__ import annotations

import sqlite3
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from impilo_desktop.config import Profile
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.secrets import KeyStore
from impilo_desktop.store import EntryState, cipher

from .conftest import MakeWindow, sandbox_draft, visible_child, wait_online

# The store's SQLite is SQLCipher's (sqlcipher3); the stdlib's is counted too, should any
# code ever use it.
SQLITE_TYPES = (
    sqlite3.Connection,
    sqlite3.Cursor,
    cipher.sqlite3.Connection,
    cipher.sqlite3.Cursor,
)
KEYRING_CALLS = {"get_password", "set_password", "delete_password", "get_credential"}


@contextmanager
def ui_thread_io() -> Iterator[Counter[str]]:
    """Count SQLite statements and keyring look-ups made on this (the UI) thread.

    `sys.setprofile` watches the calling thread only: the bridge's and the sandbox's threads
    may use SQLite as much as they like.
    """
    seen: Counter[str] = Counter()

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "c_call" and isinstance(getattr(arg, "__self__", None), SQLITE_TYPES):
            seen[f"sqlite {arg.__name__} from {_caller(frame)}"] += 1
        elif event == "call" and frame.f_code.co_name in KEYRING_CALLS and _in_keyring(frame):
            seen[f"keyring {frame.f_code.co_name} from {_caller(frame.f_back)}"] += 1

    sys.setprofile(profile)
    try:
        yield seen
    finally:
        sys.setprofile(None)


def _in_keyring(frame: FrameType) -> bool:
    name = frame.f_code.co_filename
    return "keyring" in name or "secrets" in name


def _caller(frame: FrameType | None) -> str:
    """The innermost frame of our own code, so a failure names the place to fix."""
    while frame is not None:
        name = frame.f_code.co_filename
        if "impilo_desktop" in name and "/store/" not in name and "secrets" not in name:
            return f"{name.split('impilo_desktop/')[-1]}:{frame.f_lineno}"
        frame = frame.f_back
    return "?"


def test_no_sqlite_or_keyring_on_the_ui_thread_after_start_up(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    custom_argv: list[str],
    keys: KeyStore,
) -> None:
    keys.set_key("custom", sandbox.api_key)
    window = make_window(*custom_argv)
    wait_online(qtbot, window)
    qtbot.waitUntil(lambda: not window.services.outbox.refreshing, timeout=30_000)
    outbox = window.services.outbox

    with ui_thread_io() as seen:
        # Fifteen orders through the outbox, the way New order hands them over...
        for n in range(14):
            outbox.submit(sandbox_draft(item_id=1001 + n % 3))
        # ...and one through the New order page itself (validation, autosave, banner).
        entry_page = window.order_entry
        entry_page.load_draft(sandbox_draft(count=2))
        entry_page.submit()
        # The same patient and item as orders above: the duplicate-order check (cache,
        # outbox, Impilo, all on the bridge) asks once; placed anyway.
        qtbot.waitUntil(lambda: entry_page.checks.question is not None, timeout=10_000)
        question = entry_page.checks.question
        assert question is not None
        place = question.findChild(QPushButton, "placeAnywayButton")
        assert place is not None
        with qtbot.waitSignal(entry_page.submitted, timeout=10_000):
            place.click()
        qtbot.waitUntil(lambda: outbox.summary.pending == 0, timeout=30_000)
        qtbot.waitUntil(lambda: "placed" in entry_page.form.banner.text.text(), timeout=10_000)

        # Every page, twice, each showing what it shows.
        for _ in range(2):
            for key in ("new_order", "drafts", "history", "settings"):
                window.show_page(key)
            qtbot.waitUntil(lambda: window.history.model.loaded_count > 0, timeout=10_000)
        drafts = window.drafts_page
        window.show_page("drafts")
        # The page reads on the bridge: rows read while orders were still going out may be on
        # screen until the read this showing asked for arrives (seen once: 15 rows, 6 sent).
        qtbot.waitUntil(
            lambda: sum(r.state == EntryState.SENT for r in drafts.model.rows()) >= 15,
            timeout=10_000,
        )

        # Drafts: duplicate, delete, undo.
        drafts.select_row(0)
        drafts.row_actions.duplicate_selected()
        qtbot.waitUntil(lambda: any(r.is_draft for r in drafts.model.rows()), timeout=10_000)
        drafts.row_actions.delete_selected()
        drafts.row_actions.undo_delete()
        qtbot.waitUntil(lambda: any(r.is_draft for r in drafts.model.rows()), timeout=10_000)

        # History polls the orders this app placed.
        with qtbot.waitSignal(window.history.poller.poll_finished, timeout=20_000):
            window.history.poller.poll_now()

        # New order: a search as the coordinator types, and a draft autosaved.
        window.show_page("new_order")
        qtbot.keyClicks(entry_page.form.patient_picker.search_field, "Seed")
        with qtbot.waitSignal(entry_page.autosave.saved, timeout=10_000):
            entry_page.load_draft(sandbox_draft(count=3))

        # Another account and back: profiles open off the UI thread too.
        with qtbot.waitSignal(window.profile_switched, timeout=20_000):
            window.use_sandbox()
        with qtbot.waitSignal(window.profile_switched, timeout=20_000):
            window.switch_profile(Profile("custom", sandbox.base_url))

    assert not seen, "\n".join(f"{n} x {what}" for what, n in seen.most_common())


def test_signing_out_waits_on_no_disk_or_keyring(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    custom_argv: list[str],
    keys: KeyStore,
) -> None:
    keys.set_key("custom", sandbox.api_key)
    window = make_window(*custom_argv)
    wait_online(qtbot, window)
    outbox = window.services.outbox
    with qtbot.waitSignal(outbox.entry_sent, timeout=20_000):
        outbox.submit(sandbox_draft())

    with ui_thread_io() as seen:
        window.show_page("settings")
        window.settings_page.sign_out_group.sign_out()
        box = visible_child(qtbot, window.settings_page, QMessageBox, "signOutConfirmation")
        confirm = box.findChild(QPushButton, "confirmSignOut")
        assert confirm is not None
        with qtbot.waitSignal(window.session.signed_out, timeout=30_000):
            confirm.click()
        window.show_page("settings")

    assert not seen, "\n".join(f"{n} x {what}" for what, n in seen.most_common())
