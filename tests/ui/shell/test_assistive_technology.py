"""The shell driven the way assistive technology drives it, through Qt's own accessibility
interfaces: selecting a page in the sidebar shows it, and the menus and clear buttons have
names to read. tests/accessibility does the same from outside, over AT-SPI."""

from __future__ import annotations

from PySide6.QtGui import QAccessible, QAccessibleInterface
from PySide6.QtWidgets import QLineEdit, QMenu, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import MakeWindow


def accessible(widget: QWidget) -> QAccessibleInterface:
    iface = QAccessible.queryAccessibleInterface(widget)
    assert iface is not None
    return iface


def select_page_accessibly(window: MainWindow, title: str) -> None:
    """A screen reader's "select" on a sidebar entry (the Selection interface)."""
    sidebar = accessible(window.page_list)
    selection = sidebar.selectionInterface()
    assert selection is not None
    items = [sidebar.child(i) for i in range(sidebar.childCount())]
    entry = next(i for i in items if i is not None and i.text(QAccessible.Text.Name) == title)
    assert selection.select(entry)


def test_a_page_selected_by_assistive_technology_is_shown(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window("--profile", "sandbox")
    select_page_accessibly(window, "Order history")
    assert window.current_page_key() == "history"
    assert window.stack.currentWidget() is window.history
    select_page_accessibly(window, "Settings")
    assert window.stack.currentWidget() is window.settings_page
    # The keyboard still moves through the sidebar as before.
    window.page_list.setCurrentRow(1)
    assert window.stack.currentWidget() is window.drafts_page


def test_menus_and_clear_buttons_have_names(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window("--profile", "sandbox")
    # (The menu bar's own overflow menu has no title and is never shown at this width.)
    titled = [menu for menu in window.findChildren(QMenu) if menu.title()]
    names = {m.title().replace("&", ""): accessible(m).text(QAccessible.Text.Name) for m in titled}
    assert {"File", "View", "Appearance", "Help"} <= names.keys()
    assert all(title == name for title, name in names.items()), names
    fields = [f for f in window.findChildren(QLineEdit) if f.isClearButtonEnabled()]
    assert fields
    for field in fields:
        field.setText("x")  # the clear button shows once there is text
        icons = field.findChildren(QToolButton)
        buttons = {accessible(b).text(QAccessible.Text.Name) for b in icons}
        assert "Clear" in buttons, field.objectName()
