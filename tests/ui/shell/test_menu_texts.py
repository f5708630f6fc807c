"""Menu and button texts show what they say: a `&` meant as an ampersand is written `&&`,
or Qt takes it as the mnemonic mark ("Drafts & outbox" showed as "Drafts _outbox", the space
underlined and Alt+Space taken). Every menu item and button of the window is checked, on
every page, and so is the welcome dialog."""

from __future__ import annotations

import re

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QMenu, QWidget
from pytestqt.qtbot import QtBot

from impilo_desktop.ui.dialogs.welcome import WelcomeDialog
from impilo_desktop.ui.shell.main_window import MainWindow
from impilo_desktop.ui.shell.pages import PAGES

# A single `&` (not part of `&&`) before a space, punctuation or the end: not a mnemonic.
_STRAY = re.compile(r"(?<!&)(?:&&)*&(?=[^&\w]|$)")


def stray_ampersands(root: QWidget) -> list[str]:
    texts: list[str] = []
    actions = list(root.findChildren(QAction))
    for menu in root.findChildren(QMenu):
        actions += menu.actions()
        texts.append(menu.title())
    texts += [a.text() for a in actions if not a.isSeparator()]
    texts += [b.text() for b in root.findChildren(QAbstractButton)]
    return sorted({t for t in texts if _STRAY.search(t)})


def test_no_menu_or_button_text_has_a_stray_ampersand(
    qtbot: QtBot, online_window: MainWindow
) -> None:
    window = online_window
    for spec in PAGES:
        window.show_page(spec.key)
        assert stray_ampersands(window) == [], spec.key
    # The View menu shows each page's name as written, "Drafts & outbox" included.
    for spec in PAGES:
        assert window.menus.page_actions[spec.key].iconText() == spec.title
    dialog = WelcomeDialog(window.keys, window.bridge, window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert stray_ampersands(dialog) == []


def test_the_check_finds_the_mistake() -> None:
    assert _STRAY.search("Drafts & outbox")
    assert _STRAY.search("Trailing &")
    assert not _STRAY.search("Drafts && outbox")
    assert not _STRAY.search("&Send waiting orders now")
    assert not _STRAY.search("Show in Drafts && outbox")
