"""Order templates in the window: File > Save as template… keeps the lines of the draft on
screen (a name in use is said in the dialog, nothing typed lost), and Ctrl+T chooses a
template by typing and opens it as a new order with no recipient; lines the catalog no
longer takes are left out and said."""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from impilo_desktop.domain import OrderDraft
from impilo_desktop.domain.templates import template_from_draft
from impilo_desktop.secrets import KeyStore
from impilo_desktop.ui.templates.dialogs import SaveTemplateDialog, TemplateChooser

from .conftest import NOT_ORDERABLE_ITEM, MakeWindow, sandbox_draft, visible_child
from .test_ui_thread_io import ui_thread_io


def lines_draft(*item_ids: int) -> OrderDraft:
    draft = OrderDraft()
    for item_id in item_ids:
        draft.add_item(item_id, 2, name=f"Item {item_id}")
    return draft


def test_save_as_template_keeps_the_lines_and_says_a_name_in_use(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window()
    store = window.services.store
    store.save_template(template_from_draft(lines_draft(1002), "Scale"))
    window.load_draft(sandbox_draft(count=3))

    window.menus.save_template_action.trigger()
    dialog = visible_child(qtbot, window, SaveTemplateDialog, "saveTemplateDialog")
    QTest.keyClicks(dialog.name_edit, "  SCALE ")
    QTest.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.message.isVisible())
    assert "A template named “Scale” already exists" in dialog.message.text()
    assert dialog.isVisible()
    assert dialog.name_edit.text() == "  SCALE "  # nothing typed is lost

    assert dialog.replace_button.isVisible()
    QTest.keyClicks(dialog.name_edit, "x")  # a new name: no longer a clash to replace
    assert not dialog.replace_button.isVisible()
    dialog.name_edit.setText("Seed starter")
    with qtbot.waitSignal(dialog.saved):
        QTest.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    saved = {t.name: t for t in store.list_templates()}
    assert sorted(saved) == ["Scale", "Seed starter"]
    assert [(ln.item_id, ln.count) for ln in saved["Seed starter"].item_lines] == [(1001, 3)]
    assert "Seed starter" in window.notice_bar.text.text()


def test_a_name_in_use_can_be_replaced(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window()
    store = window.services.store
    old = store.save_template(template_from_draft(lines_draft(1002), "Scale"))
    window.load_draft(sandbox_draft(count=3))

    window.menus.save_template_action.trigger()
    dialog = visible_child(qtbot, window, SaveTemplateDialog, "saveTemplateDialog")
    QTest.keyClicks(dialog.name_edit, "scale")
    QTest.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.replace_button.isVisible)
    with qtbot.waitSignal(dialog.saved):
        dialog.replace_button.click()

    [replaced] = store.list_templates()
    assert (replaced.template_id, replaced.name) == (old.template_id, "scale")
    assert [(ln.item_id, ln.count) for ln in replaced.item_lines] == [(1001, 3)]


def test_an_order_without_lines_is_not_saved_as_a_template(make_window: MakeWindow) -> None:
    window = make_window()
    window.new_order()
    window.menus.save_template_action.trigger()
    assert window.findChild(SaveTemplateDialog) is None
    assert "Add an item or a kit first" in window.notice_bar.text.text()


def test_ctrl_t_chooses_a_template_by_typing_and_opens_it_without_recipient(
    qtbot: QtBot, make_window: MakeWindow, custom_argv: list[str], keys: KeyStore
) -> None:
    keys.set_key("custom", "unused-key")
    window = make_window(*custom_argv, start=False)
    store = window.services.store
    store.save_template(template_from_draft(lines_draft(1001), "Hypertension starter"))
    store.save_template(template_from_draft(lines_draft(1002, 1003), "Weight scale"))
    on_screen = sandbox_draft()
    window.load_draft(on_screen)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)

    assert window.menus.new_from_template_action.shortcut().toString() == "Ctrl+T"
    focus = QApplication.focusWidget()
    assert focus is not None
    QTest.keyClick(focus, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    chooser = visible_child(qtbot, window, TemplateChooser, "templateChooser")
    qtbot.waitUntil(lambda: chooser.model.rowCount() == 2)
    assert QApplication.focusWidget() is chooser.filter_edit
    QTest.keyClicks(chooser.filter_edit, "SCALE")
    assert chooser.proxy.rowCount() == 1
    QTest.keyClicks(chooser.filter_edit, "zzz")
    assert chooser.proxy.rowCount() == 0
    assert chooser.message.text() == "No template matches what you typed."
    chooser.filter_edit.setText("items")  # the names are searched, not the line counts
    assert chooser.proxy.rowCount() == 0
    chooser.filter_edit.clear()
    QTest.keyClick(chooser.filter_edit, Qt.Key.Key_Down)  # the second, by keyboard
    chosen = chooser.selected()
    assert chosen is not None
    assert chosen.name == "Weight scale"
    QTest.keyClick(chooser.filter_edit, Qt.Key.Key_Return)

    draft = window.order_entry.draft
    assert window.current_page_key() == "new_order"
    assert draft.draft_id != on_screen.draft_id
    assert draft.recipient is None
    assert [(ln.item_id, ln.count) for ln in draft.item_lines] == [(1002, 2), (1003, 2)]
    qtbot.waitUntil(lambda: store.get_draft(on_screen.draft_id) is not None)  # kept in Drafts


def test_lines_the_catalog_no_longer_takes_are_left_out_and_said(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window()
    qtbot.waitUntil(lambda: window.order_entry.catalog.knows_item(1001) is True, timeout=15_000)
    store = window.services.store
    store.save_template(template_from_draft(lines_draft(1001, NOT_ORDERABLE_ITEM), "Mixed"))

    window.menus.new_from_template_action.trigger()
    chooser = visible_child(qtbot, window, TemplateChooser, "templateChooser")
    qtbot.waitUntil(lambda: chooser.model.rowCount() == 1)
    chooser.choose()

    assert [ln.item_id for ln in window.order_entry.draft.item_lines] == [1001]
    notice = window.notice_bar.text.text()
    assert f"Item {NOT_ORDERABLE_ITEM} can't be ordered; it was left out." in notice


def test_templates_touch_no_sqlite_on_the_ui_thread(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window()
    qtbot.waitUntil(lambda: window.order_entry.catalog.knows_item(1001) is True, timeout=15_000)
    window.services.store.save_template(template_from_draft(lines_draft(1001), "Scale"))

    with ui_thread_io() as seen:
        window.menus.new_from_template_action.trigger()
        chooser = visible_child(qtbot, window, TemplateChooser, "templateChooser")
        qtbot.waitUntil(lambda: chooser.model.rowCount() == 1)
        chooser.choose()
        window.menus.save_template_action.trigger()
        dialog = visible_child(qtbot, window, SaveTemplateDialog, "saveTemplateDialog")
        dialog.name_edit.setText("Scale again")
        with qtbot.waitSignal(dialog.saved):
            dialog.save()

    assert not seen, dict(seen)


class RecordingPool(ThreadPoolExecutor):
    """asyncio's default pool, noting the name of every call handed to it."""

    def __init__(self) -> None:
        super().__init__(max_workers=2, thread_name_prefix="recorded")
        self.calls: list[str] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        inner = fn.args[0] if isinstance(fn, functools.partial) and fn.args else fn
        self.calls.append(getattr(inner, "__qualname__", repr(inner)))
        return super().submit(fn, *args, **kwargs)


def test_templates_are_read_and_saved_on_the_bridge_not_in_a_pool_thread(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    """Pool threads outlive the bridge's shutdown: they could still be inside SQLite when
    the store closes. The chooser's list and Save/Replace go through `bridge.call`."""
    window = make_window()
    qtbot.waitUntil(lambda: window.order_entry.catalog.knows_item(1001) is True, timeout=15_000)
    window.services.store.save_template(template_from_draft(lines_draft(1001), "Scale"))
    pool = RecordingPool()
    window.services.bridge.loop.set_default_executor(pool)
    try:
        window.menus.new_from_template_action.trigger()
        chooser = visible_child(qtbot, window, TemplateChooser, "templateChooser")
        qtbot.waitUntil(lambda: chooser.model.rowCount() == 1, timeout=15_000)
        chooser.choose()
        for name in ("Scale again", "Scale"):  # saved, then "Scale" in use: replaced
            window.menus.save_template_action.trigger()
            dialog = visible_child(qtbot, window, SaveTemplateDialog, "saveTemplateDialog")
            dialog.name_edit.setText(name)
            if name == "Scale":
                dialog.save()
                qtbot.waitUntil(dialog.replace_button.isVisible, timeout=15_000)
                with qtbot.waitSignal(dialog.saved, timeout=15_000):
                    dialog.replace()
            else:
                with qtbot.waitSignal(dialog.saved, timeout=15_000):
                    dialog.save()
    finally:
        pool.shutdown(wait=True)
    assert [call for call in pool.calls if "template" in call.lower()] == []


def test_the_shortcuts_list_names_ctrl_t(make_window: MakeWindow) -> None:
    from PySide6.QtWidgets import QMessageBox

    window = make_window()
    window.menus.show_shortcuts()
    box = window.findChild(QMessageBox, "shortcutsDialog")
    assert box is not None
    assert "New order from template</td><td><b>Ctrl+T" in box.text()
    box.close()
