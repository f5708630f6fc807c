"""The whole shell by keyboard only: page shortcuts, focus landing on each page, the drafts
table's keys (arrows, Ctrl+D, Delete, Ctrl+Z, Enter) and Tab order on Settings."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from impilo_desktop.secrets import KeyStore

from .conftest import MakeWindow, sandbox_draft


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(focused(), key, modifier)


def test_keyboard_only_walkthrough(
    qtbot: QtBot, make_window: MakeWindow, custom_argv: list[str], keys: KeyStore
) -> None:
    keys.set_key("custom", "unused-key")
    window = make_window(*custom_argv, start=False)
    store = window.services.store
    for count in (1, 2):
        store.save_draft(sandbox_draft(count=count))
    # The page read the store when it was built, maybe before the drafts were saved, and keeps
    # whatever row it selected then; start it from both drafts, the newest selected.
    page = window.drafts_page
    page.reload()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    page.select_row(0)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    ctrl = Qt.KeyboardModifier.ControlModifier

    # Ctrl+2: Drafts & outbox, focus in the table on the first row.
    press(Qt.Key.Key_2, ctrl)
    assert window.current_page_key() == "drafts"
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)  # read from the store off-thread
    assert focused() is page.table
    assert page.table.currentIndex().row() == 0

    # Arrow down, Ctrl+D duplicates, Delete deletes, Ctrl+Z brings it back.
    press(Qt.Key.Key_Down)
    assert page.table.currentIndex().row() == 1
    press(Qt.Key.Key_D, ctrl)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    press(Qt.Key.Key_Delete)
    assert page.model.rowCount() == 2
    assert page.undo_bar.isVisible()
    press(Qt.Key.Key_Z, ctrl)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    assert focused() is page.table

    # Tab leaves the table for the next control; Shift+Tab comes back.
    press(Qt.Key.Key_Tab)
    assert focused() is not page.table
    press(Qt.Key.Key_Backtab)
    assert focused() is page.table

    # Ctrl+4: Settings, focus on its first control; Tab walks forward through the page.
    press(Qt.Key.Key_4, ctrl)
    assert window.current_page_key() == "settings"
    settings = window.settings_page
    first = focused()
    assert settings.isAncestorOf(first)
    seen = [first]
    for _ in range(4):
        press(Qt.Key.Key_Tab)
        seen.append(focused())
    names = [w.objectName() for w in seen]
    assert "replaceKeyButton" in names
    assert names.index("replaceKeyButton") < names.index("removeKeyButton")

    # Ctrl+3 and Ctrl+1 reach the other pages, focus follows.
    press(Qt.Key.Key_3, ctrl)
    assert window.current_page_key() == "history"
    assert focused() is window.history.table
    press(Qt.Key.Key_1, ctrl)
    assert window.current_page_key() == "new_order"
    assert window.order_entry.isAncestorOf(focused()) or focused() is window.order_entry

    # Back to drafts and Enter opens the selected draft in New order.
    press(Qt.Key.Key_2, ctrl)
    page.select_row(0)
    with qtbot.waitSignal(page.open_draft_requested):
        press(Qt.Key.Key_Return)
    assert window.current_page_key() == "new_order"


def test_arrowing_through_the_sidebar_keeps_the_focus_there(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.page_list.setFocus()
    window.page_list.setCurrentRow(0)
    for key in ("drafts", "history", "settings"):
        press(Qt.Key.Key_Down)
        assert window.current_page_key() == key
        assert focused() is window.page_list  # the page did not take it
    press(Qt.Key.Key_Tab)  # Tab goes on into the page
    assert window.settings_page.isAncestorOf(focused())


def test_shortcuts_dialog_lists_the_page_keys_too(qtbot: QtBot, make_window: MakeWindow) -> None:
    from PySide6.QtWidgets import QMessageBox

    window = make_window()
    window.menus.show_shortcuts()
    box = window.findChild(QMessageBox, "shortcutsDialog")
    assert box is not None
    text = box.text()
    for expected in ("Add item", "Ctrl+I", "Submit order", "Undo delete", "Reorder", "Alt+R"):
        assert expected in text, expected
    assert "Drafts &amp; outbox" in text  # rich text: escaped
    box.close()
