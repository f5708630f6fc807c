"""The New order page driven the way assistive technology drives it, through Qt's own
accessibility interfaces (what AT-SPI and UI Automation call): text put into a search field
searches, and selecting a result row chooses it, once. tests/accessibility does the same from
outside, over AT-SPI, on the real app."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleInterface
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from impilo_desktop.ui.order_entry.view import OrderEntryView


def accessible(widget: QWidget) -> QAccessibleInterface:
    iface = QAccessible.queryAccessibleInterface(widget)
    assert iface is not None
    return iface


def type_accessibly(widget: QWidget, text: str) -> None:
    """What a dictation tool does: EditableText's insert (no key presses)."""
    editable = accessible(widget).editableTextInterface()
    assert editable is not None
    editable.insertText(0, text)


def select_row_accessibly(view: QWidget, wanted: str) -> str:
    """What a screen reader's "select" does: the Selection interface on a row's first cell."""
    table = accessible(view)
    selection = table.selectionInterface()
    assert selection is not None
    for i in range(table.childCount()):
        cell = table.child(i)
        if cell is not None and cell.role() == QAccessible.Role.Cell:
            name = cell.text(QAccessible.Text.Name)
            if wanted in name:
                assert selection.select(cell)
                return name
    raise AssertionError(f"no row shows {wanted!r}")


def test_a_patient_and_an_item_are_chosen_through_accessibility_interfaces(
    qtbot: QtBot, view: OrderEntryView
) -> None:
    f = view.form
    patient = next(
        p for p in f.patient_picker.model.records if p.first_name and p.last_name and not p.archived
    )
    type_accessibly(f.patient_picker.search_field, patient.last_name or "")
    qtbot.waitUntil(f.patient_picker.results.isVisible)
    select_row_accessibly(f.patient_picker.results, patient.display_name)
    assert view.draft.patient is not None
    assert view.draft.patient.id == patient.id

    item = next(i for i in f.item_search.model.records if i.can_order and i.sku)
    type_accessibly(f.item_search.search_field, item.sku)
    qtbot.waitUntil(f.item_search.results.isVisible)
    select_row_accessibly(f.item_search.results, item.sku)
    assert [(line.item_id, line.count) for line in view.draft.item_lines] == [(item.id, 1)]


def test_keys_still_move_through_results_without_choosing(
    qtbot: QtBot, view: OrderEntryView
) -> None:
    f = view.form
    qtbot.keyClicks(f.patient_picker.search_field, "a")
    qtbot.waitUntil(f.patient_picker.results.isVisible)
    for _ in range(3):
        qtbot.keyClick(f.patient_picker.search_field, Qt.Key.Key_Down)
    assert view.draft.patient is None
    assert f.patient_picker.results.isVisible()


def test_a_click_on_a_result_still_chooses_it_once(qtbot: QtBot, view: OrderEntryView) -> None:
    f = view.form
    item = next(i for i in f.item_search.model.records if i.can_order and i.sku)
    qtbot.keyClicks(f.item_search.search_field, item.sku)
    results = f.item_search.results
    qtbot.waitUntil(results.isVisible)
    model = f.item_search.model
    row = next(r for r in range(model.rowCount()) if model.record(r) is item)
    rect = results.visualRect(model.index(row, 1))
    qtbot.mouseClick(results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert [(line.item_id, line.count) for line in view.draft.item_lines] == [(item.id, 1)]
