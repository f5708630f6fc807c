"""The template manager (File > Manage templates…, or Manage in the Ctrl+T chooser), by
keyboard: what each template holds, F2 to rename (a refused name said under the field,
nothing typed lost), Del to delete (asked, naming it; Undo brings it back), the lines of the
order on screen in place of a template's, Enter to open its lines as a new order and save
them back, export and import with file choosers; and "From template…" on the New order
page. Real windows, real store files, no SQLite on the UI thread."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from impilo_desktop.domain import OrderDraft
from impilo_desktop.domain.templates import OrderTemplate, read_templates_json, template_from_draft
from impilo_desktop.store import Store
from impilo_desktop.ui.order_entry.lines_model import ItemColumn
from impilo_desktop.ui.shell.main_window import MainWindow
from impilo_desktop.ui.templates.dialogs import TemplateChooser
from impilo_desktop.ui.templates.manager import TemplateManager

from .conftest import MakeWindow, sandbox_draft, visible_child
from .test_mnemonics import duplicates, mnemonics
from .test_ui_thread_io import ui_thread_io

TIMES = "\N{MULTIPLICATION SIGN}"  # between a count and its line, as the details show it


def lines_draft(*lines: tuple[int, int]) -> OrderDraft:
    draft = OrderDraft()
    for item_id, count in lines:
        draft.add_item(item_id, count, name=f"Item {item_id}")
    return draft


def two_templates(store: Store) -> tuple[OrderTemplate, OrderTemplate]:
    bp = lines_draft((1001, 1))
    bp.add_kit(2001, 1, name="BP kit")
    bp.notes = ["Large cuff please"]
    return (
        store.save_template(template_from_draft(bp, "Hypertension starter")),
        store.save_template(template_from_draft(lines_draft((1002, 2)), "Weight scale")),
    )


def open_manager(qtbot: QtBot, window: MainWindow) -> TemplateManager:
    window.menus.manage_templates_action.trigger()
    manager = visible_child(qtbot, window, TemplateManager, "templateManager")
    qtbot.waitUntil(lambda: manager.model.rowCount() > 0, timeout=30_000)
    return manager


def question(qtbot: QtBot, parent: TemplateManager, name: str) -> QMessageBox:
    return visible_child(qtbot, parent, QMessageBox, name)


def click(box: QMessageBox, name: str) -> None:
    button = box.findChild(QPushButton, name)
    assert button is not None
    button.click()


def names(store: Store) -> list[str]:
    return [t.name for t in store.list_templates()]


def test_the_manager_shows_what_each_template_holds_and_renames_by_f2(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window()
    store = window.services.store
    two_templates(store)
    manager = open_manager(qtbot, window)

    assert [t.name for t in manager.templates()] == ["Hypertension starter", "Weight scale"]
    shown = manager.details.toPlainText()
    for part in (
        "Hypertension starter",
        f"1 {TIMES} Item 1001",
        f"1 {TIMES} BP kit",
        "Standard",
        "Large cuff",
    ):
        assert part in shown
    manager.list.setFocus()
    QTest.keyClick(manager.list, Qt.Key.Key_Down)
    assert f"2 {TIMES} Item 1002" in manager.details.toPlainText()

    QTest.keyClick(manager.list, Qt.Key.Key_F2)
    assert manager.rename_edit.isVisible()
    assert QApplication.focusWidget() is manager.rename_edit
    assert manager.rename_edit.selectedText() == "Weight scale"
    QTest.keyClick(manager.rename_edit, Qt.Key.Key_Backspace)
    QTest.keyClick(manager.rename_edit, Qt.Key.Key_Return)
    assert manager.rename_message.text() == "Give the template a name"
    QTest.keyClicks(manager.rename_edit, " HYPERTENSION  starter")
    QTest.keyClick(manager.rename_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(manager.rename_message.isVisible, timeout=30_000)
    qtbot.waitUntil(manager.rename_edit.isEnabled, timeout=30_000)
    assert "Another template already has that name" in manager.rename_message.text()
    assert manager.rename_edit.text() == " HYPERTENSION  starter"  # nothing typed is lost
    assert names(store) == ["Hypertension starter", "Weight scale"]

    QTest.keyClick(manager.rename_edit, Qt.Key.Key_Escape)  # leaves the name, not the manager
    assert manager.isVisible()
    assert not manager.rename_edit.isVisible()
    assert QApplication.focusWidget() is manager.list

    QTest.keyClick(manager.list, Qt.Key.Key_F2)
    manager.rename_edit.clear()
    QTest.keyClicks(manager.rename_edit, "Scale, large")
    with qtbot.waitSignal(manager.loaded, timeout=30_000):
        QTest.keyClick(manager.rename_edit, Qt.Key.Key_Return)
    assert names(store) == ["Hypertension starter", "Scale, large"]
    assert manager.current() is not None
    assert manager.current().name == "Scale, large"  # type: ignore[union-attr]
    assert "Renamed “Weight scale” to “Scale, large”." in manager.bar.text.text()
    assert QApplication.focusWidget() is manager.list


def test_delete_asks_naming_the_template_and_undo_brings_it_back(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window()
    store = window.services.store
    _starter, scale = two_templates(store)
    manager = open_manager(qtbot, window)
    manager.list.setFocus()
    QTest.keyClick(manager.list, Qt.Key.Key_Down)

    QTest.keyClick(manager.list, Qt.Key.Key_Delete)
    box = question(qtbot, manager, "deleteTemplateQuestion")
    assert box.text() == "Delete the template “Weight scale”?"
    QTest.keyClick(box, Qt.Key.Key_Return)  # Enter is Cancel: nothing deleted
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=30_000)
    assert names(store) == ["Hypertension starter", "Weight scale"]

    QTest.keyClick(manager.list, Qt.Key.Key_Delete)
    box = question(qtbot, manager, "deleteTemplateQuestion")
    with qtbot.waitSignal(manager.loaded, timeout=30_000):
        click(box, "confirmDeleteTemplateButton")
    assert names(store) == ["Hypertension starter"]
    assert [t.name for t in manager.templates()] == ["Hypertension starter"]
    assert manager.bar.text.text() == "Deleted “Weight scale”."
    [undo] = manager.bar.buttons()
    with qtbot.waitSignal(manager.loaded, timeout=30_000):
        undo.click()
    assert manager.bar.text.text() == "“Weight scale” is back."
    [back] = [t for t in store.list_templates() if t.name == "Weight scale"]
    assert back == scale  # the same template, id and lines
    assert manager.current() == scale


def test_several_selected_templates_are_deleted_together(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window()
    store = window.services.store
    two_templates(store)
    manager = open_manager(qtbot, window)
    manager.list.setFocus()
    QTest.keyClick(manager.list, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert len(manager.selected()) == 2

    QTest.keyClick(manager.list, Qt.Key.Key_Delete)
    box = question(qtbot, manager, "deleteTemplateQuestion")
    assert box.text() == "Delete 2 templates: “Hypertension starter”, “Weight scale”?"
    with qtbot.waitSignal(manager.loaded, timeout=30_000):
        click(box, "confirmDeleteTemplateButton")
    assert names(store) == []
    assert "No templates yet" in manager.details.toPlainText()
    assert not manager.delete_button.isEnabled()
    with qtbot.waitSignal(manager.loaded, timeout=30_000):
        manager.bar.buttons()[0].click()
    assert names(store) == ["Hypertension starter", "Weight scale"]


def test_a_templates_lines_are_replaced_with_the_order_on_screen_and_undone(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window()
    store = window.services.store
    _starter, scale = two_templates(store)
    window.new_order()
    manager = open_manager(qtbot, window)
    manager.select_names("Weight scale")
    manager.replace_button.click()
    assert "The order on screen has no lines" in manager.bar.text.text()
    manager.reject()

    window.load_draft(sandbox_draft(count=3))
    manager = open_manager(qtbot, window)
    manager.select_names("Weight scale")
    manager.replace_button.click()
    box = question(qtbot, manager, "replaceTemplateQuestion")
    assert box.text() == "Replace the lines of “Weight scale” with the order on screen?"
    assert "holds 2 items now and will hold 3 items" in box.informativeText()
    with qtbot.waitSignal(manager.loaded, timeout=30_000):
        click(box, "confirmReplaceTemplateButton")
    [replaced] = [t for t in store.list_templates() if t.name == "Weight scale"]
    assert replaced.template_id == scale.template_id
    assert [(ln.item_id, ln.count) for ln in replaced.item_lines] == [(1001, 3)]
    assert f"3 {TIMES} Seed item" in manager.details.toPlainText()

    with qtbot.waitSignal(manager.loaded, timeout=30_000):
        manager.bar.buttons()[0].click()  # Undo
    assert [t for t in store.list_templates() if t.name == "Weight scale"] == [scale]
    assert manager.bar.text.text() == "“Weight scale” is back as it was."
    assert manager.bar.buttons() == []  # an undo is not undone again


def test_enter_opens_a_templates_lines_as_a_new_order_whose_lines_are_saved_back(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window()
    store = window.services.store
    _starter, scale = two_templates(store)
    on_screen = sandbox_draft()
    window.load_draft(on_screen)
    manager = open_manager(qtbot, window)
    manager.list.setFocus()
    QTest.keyClick(manager.list, Qt.Key.Key_Down)
    QTest.keyClick(manager.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not manager.isVisible(), timeout=30_000)

    entry = window.order_entry
    assert window.current_page_key() == "new_order"
    assert entry.draft.draft_id != on_screen.draft_id
    assert [(ln.item_id, ln.count) for ln in entry.draft.item_lines] == [(1002, 2)]
    bar = window.notice_bar
    assert bar.text.text().startswith("Editing the template “Weight scale”")
    assert "The order you were working on is in Drafts." in bar.text.text()
    qtbot.waitUntil(lambda: store.get_draft(on_screen.draft_id) is not None, timeout=30_000)

    # The coordinator types the new count on the line, as in the form.
    table = entry.form.items_table
    table.setFocus()
    table.selectRow(0)
    table.setCurrentIndex(entry.form.items_model.index(0, int(ItemColumn.NAME)))
    QTest.keyClick(table, Qt.Key.Key_5)  # a digit on a line starts its count
    editor = table.indexWidget(table.currentIndex())
    assert isinstance(editor, QLineEdit)
    QTest.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: entry.draft.item_lines[0].count == 5, timeout=30_000)
    [save] = bar.buttons()
    assert save.text() == "Save &lines to template"
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=30_000)
    focus = QApplication.focusWidget()
    assert focus is not None
    QTest.keyClick(focus, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)  # the bar's button
    qtbot.waitUntil(
        lambda: bar.text.text().startswith("Saved the lines to the template"), timeout=30_000
    )
    [saved] = [t for t in store.list_templates() if t.template_id == scale.template_id]
    assert saved.name == "Weight scale"
    assert [(ln.item_id, ln.count) for ln in saved.item_lines] == [(1002, 5)]


def test_saving_lines_back_refuses_once_another_order_is_on_screen(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window()
    store = window.services.store
    _starter, scale = two_templates(store)
    manager = open_manager(qtbot, window)
    manager.select_names("Weight scale")
    manager.edit_button.click()
    [save] = window.notice_bar.buttons()
    window.load_draft(sandbox_draft(count=4))
    save.click()
    assert "no longer on screen" in window.notice_bar.text.text()
    assert [t for t in store.list_templates() if t.name == "Weight scale"] == [scale]


def _file_dialog(qtbot: QtBot, manager: TemplateManager, name: str) -> QFileDialog:
    return visible_child(qtbot, manager, QFileDialog, name)


def test_templates_are_exported_and_imported_with_file_choosers(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path
) -> None:
    window = make_window()
    store = window.services.store
    two_templates(store)
    manager = open_manager(qtbot, window)

    manager.export_all_button.click()
    dialog = _file_dialog(qtbot, manager, "exportTemplatesDialog")
    assert Path(dialog.selectedFiles()[0]).name == "order templates.json"
    everything = tmp_path / "order templates.json"
    dialog.selectFile(str(everything))
    dialog.accept()
    qtbot.waitUntil(
        lambda: manager.bar.text.text().startswith("Exported 2 templates"), timeout=30_000
    )
    assert [t.name for t in read_templates_json(everything.read_text(encoding="utf-8"))] == [
        "Hypertension starter",
        "Weight scale",
    ]

    manager.select_names("Weight scale")
    manager.export_button.click()
    dialog = _file_dialog(qtbot, manager, "exportTemplatesDialog")
    one = tmp_path / "scale.json"
    dialog.selectFile(str(one))
    dialog.accept()
    qtbot.waitUntil(
        lambda: manager.bar.text.text().startswith("Exported 1 template "), timeout=30_000
    )
    assert [t.name for t in read_templates_json(one.read_text(encoding="utf-8"))] == [
        "Weight scale"
    ]

    manager.import_button.click()
    dialog = _file_dialog(qtbot, manager, "importTemplatesDialog")
    dialog.selectFile(str(one))
    with qtbot.waitSignal(manager.loaded, timeout=30_000):
        dialog.accept()
    assert manager.bar.text.text() == (
        "1 template added; “Weight scale” was added as “Weight scale (2)”"
        " (this profile already had that name)."
    )
    assert names(store) == ["Hypertension starter", "Weight scale", "Weight scale (2)"]
    assert manager.current() is not None
    assert manager.current().name == "Weight scale (2)"  # type: ignore[union-attr]


def test_a_bad_file_says_why_in_plain_words_and_imports_nothing(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path
) -> None:
    window = make_window()
    store = window.services.store
    two_templates(store)
    manager = open_manager(qtbot, window)
    damaged = tmp_path / "damaged.json"
    body = {
        "format": "impilo-desktop-order-templates",
        "version": 1,
        "templates": [{"name": "Fine"}, {"name": "Broken", "kit_lines": "several"}],
    }
    damaged.write_text(json.dumps(body), encoding="utf-8")
    spreadsheet = tmp_path / "orders.csv"
    spreadsheet.write_text("order_ref,patient_id,sku,count\n", encoding="utf-8")

    for path, said in (
        (damaged, "Template 2 in this file is damaged; nothing was imported."),
        (spreadsheet, "This file is not a templates file (it is not readable JSON);"),
    ):
        manager.import_button.click()
        dialog = _file_dialog(qtbot, manager, "importTemplatesDialog")
        dialog.selectFile(str(path))
        dialog.accept()
        qtbot.waitUntil(lambda said=said: manager.bar.text.text().startswith(said), timeout=30_000)  # type: ignore[misc]
        assert names(store) == ["Hypertension starter", "Weight scale"]


def test_the_chooser_opens_the_manager(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window()
    two_templates(window.services.store)
    window.menus.new_from_template_action.trigger()
    chooser = visible_child(qtbot, window, TemplateChooser, "templateChooser")
    qtbot.waitUntil(lambda: chooser.model.rowCount() == 2, timeout=30_000)
    chooser.manage_button.click()
    manager = visible_child(qtbot, window, TemplateManager, "templateManager")
    assert not chooser.isVisible()
    qtbot.waitUntil(lambda: manager.model.rowCount() == 2, timeout=30_000)
    qtbot.waitUntil(
        lambda: window.findChild(TemplateChooser) is None, timeout=30_000
    )  # the chooser is gone
    assert window.menus.templates.dialog is manager


def test_from_template_on_the_new_order_page_keeps_the_draft_on_screen(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window()
    window.resize(1366, 768)
    store = window.services.store
    two_templates(store)
    on_screen = sandbox_draft(count=2)
    window.load_draft(on_screen)
    button = window.order_entry.form.from_template_button
    qtbot.waitUntil(button.isVisible, timeout=30_000)
    assert button.width() >= button.sizeHint().width()  # not squeezed at a laptop's width
    assert window.order_entry.form.submit_button.isVisible()

    button.click()
    chooser = visible_child(qtbot, window, TemplateChooser, "templateChooser")
    qtbot.waitUntil(lambda: chooser.model.rowCount() == 2, timeout=30_000)
    QTest.keyClick(chooser.filter_edit, Qt.Key.Key_Return)

    draft = window.order_entry.draft
    assert draft.draft_id != on_screen.draft_id
    assert draft.recipient is None
    assert [(ln.item_id, ln.count) for ln in draft.item_lines] == [(1001, 1)]
    assert "The order you were working on is in Drafts." in window.notice_bar.text.text()
    qtbot.waitUntil(lambda: store.get_draft(on_screen.draft_id) is not None, timeout=30_000)
    kept = store.get_draft(on_screen.draft_id)
    assert kept is not None
    assert [(ln.item_id, ln.count) for ln in kept.item_lines] == [(1001, 2)]


def test_the_manager_touches_no_sqlite_on_the_ui_thread(
    qtbot: QtBot, make_window: MakeWindow, tmp_path: Path
) -> None:
    window = make_window()
    two_templates(window.services.store)
    window.load_draft(sandbox_draft(count=3))
    exported = tmp_path / "order templates.json"

    with ui_thread_io() as seen:
        manager = open_manager(qtbot, window)
        manager.list.setFocus()
        QTest.keyClick(manager.list, Qt.Key.Key_F2)
        manager.rename_edit.setText("Starter")
        with qtbot.waitSignal(manager.loaded, timeout=30_000):
            QTest.keyClick(manager.rename_edit, Qt.Key.Key_Return)
        manager.replace_button.click()
        with qtbot.waitSignal(manager.loaded, timeout=30_000):
            click(
                question(qtbot, manager, "replaceTemplateQuestion"), "confirmReplaceTemplateButton"
            )
        manager.activateWindow()  # the offscreen platform does not give it back by itself
        qtbot.waitUntil(manager.list.hasFocus, timeout=30_000)
        QTest.keyClick(manager.list, Qt.Key.Key_Delete)
        with qtbot.waitSignal(manager.loaded, timeout=30_000):
            click(question(qtbot, manager, "deleteTemplateQuestion"), "confirmDeleteTemplateButton")
        with qtbot.waitSignal(manager.loaded, timeout=30_000):
            manager.bar.buttons()[0].click()
        manager.files.export_to(exported)
        qtbot.waitUntil(lambda: manager.bar.text.text().startswith("Exported"), timeout=30_000)
        with qtbot.waitSignal(manager.loaded, timeout=30_000):
            manager.files.import_from(exported)
        manager.edit_lines()
        [save] = window.notice_bar.buttons()
        save.click()
        qtbot.waitUntil(
            lambda: window.notice_bar.text.text().startswith("Saved the lines"), timeout=30_000
        )

    assert not seen, dict(seen)
    assert len(window.services.store.list_templates()) == 4


def test_the_shortcuts_list_names_the_managers_keys(make_window: MakeWindow) -> None:
    window = make_window()
    window.menus.show_shortcuts()
    box = window.findChild(QMessageBox, "shortcutsDialog")
    assert box is not None
    text = box.text()
    assert "<i>Manage templates</i>" in text
    assert "Rename</td><td><b>F2" in text
    box.close()


def test_alt_letters_of_the_manager_and_the_editing_bar_are_each_used_once(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window()
    two_templates(window.services.store)
    window.load_draft(sandbox_draft())
    manager = open_manager(qtbot, window)
    manager.select_names("Weight scale")
    manager.delete_button.click()
    with qtbot.waitSignal(manager.loaded, timeout=30_000):
        click(question(qtbot, manager, "deleteTemplateQuestion"), "confirmDeleteTemplateButton")
    assert manager.bar.buttons()  # Undo
    manager.rename_button.click()  # the name field and its label join it
    assert manager.rename_edit.isVisible()
    assert duplicates(mnemonics(manager)) == {}

    manager.edit_lines()
    assert window.notice_bar.buttons()
    assert duplicates(mnemonics(window)) == {}
