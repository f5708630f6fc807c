"""Alt+letter: within what is on screen at one time (a page with the menu bar, or a dialog)
no letter may have two targets, or Alt+letter just cycles between them."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QAbstractButton, QLabel, QMenuBar, QWidget
from pytestqt.qtbot import QtBot

from impilo_desktop.ui.dialogs.welcome import WelcomeDialog
from impilo_desktop.ui.shell.pages import PAGES

from .conftest import MakeWindow, sandbox_draft, wait_online

_MNEMONIC = re.compile(r"(?<!&)&([^&\s])")


def mnemonics(root: QWidget) -> list[tuple[str, str]]:
    """(letter, owner) for every visible button, buddy label and menu-bar title under root."""
    found: list[tuple[str, str]] = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root):  # disabled ones count: they come back on
            continue
        is_buddy = isinstance(widget, QLabel) and widget.buddy() is not None
        text = widget.text() if isinstance(widget, QAbstractButton) or is_buddy else ""  # type: ignore[attr-defined]
        if isinstance(widget, QMenuBar):
            for action in widget.actions():
                found += [(m.lower(), action.text()) for m in _MNEMONIC.findall(action.text())]
        found += [(m.lower(), text) for m in _MNEMONIC.findall(text)]
    return found


def duplicates(found: list[tuple[str, str]]) -> dict[str, list[str]]:
    by_letter: dict[str, list[str]] = {}
    for letter, owner in found:
        by_letter.setdefault(letter, []).append(owner)
    return {k: v for k, v in by_letter.items() if len(v) > 1}


def test_no_page_uses_a_letter_twice(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window(start=False)
    window.services.store.save_draft(sandbox_draft())
    window.show()
    window.start()
    wait_online(qtbot, window)
    for spec in PAGES:
        window.show_page(spec.key)
        if spec.key == "history":
            history = window.history
            rows = history.model.rowCount
            qtbot.waitUntil(lambda r=rows: r() > 0, timeout=20_000)  # type: ignore[misc]
            history.table.selectRow(0)
        if spec.key == "drafts":
            page = window.drafts_page
            qtbot.waitUntil(lambda p=page: p.model.rowCount() > 0)  # type: ignore[misc]
            page.select_row(0)
            page.row_actions.delete_selected()  # the Undo bar joins the page
            assert page.undo_bar.isVisible()
        assert duplicates(mnemonics(window)) == {}, spec.key


def test_welcome_dialog_uses_each_letter_once(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window()
    dialog = WelcomeDialog(window.keys, window.bridge, window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert duplicates(mnemonics(dialog)) == {}
