"""Counts are typed, not fought: a digit on a selected line starts editing its count, Enter
commits, Escape restores; out-of-range counts stay as typed and are problems on their line; a
count above what one patient usually gets of a device is asked about once before submit.
All against the sandbox's catalog, through the real page."""

from __future__ import annotations

import uuid

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from impilo_desktop.domain import DEVICE_USUAL_COUNT, ItemLine, OrderDraft
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.ui.order_entry.banner import BannerKind
from impilo_desktop.ui.order_entry.choices import patient_choice
from impilo_desktop.ui.order_entry.lines_model import ItemColumn
from impilo_desktop.ui.order_entry.records import ItemRecord
from impilo_desktop.ui.order_entry.view import OrderEntryView
from impilo_desktop.ui.plumbing.services import AppServices

from .conftest import WAIT_MS
from .test_order_flows import choose_patient, orderable_items, orders_with_reference, scan

Enter = Qt.Key.Key_Return


def count_cell_text(view: OrderEntryView, row: int = 0) -> str:
    model = view.form.items_model
    return str(model.data(model.index(row, int(ItemColumn.COUNT))))


def type_count(
    qtbot: QtBot, view: OrderEntryView, digits: str, end: Qt.Key = Enter, row: int = 0
) -> None:
    """Select a line (its name cell current, as after adding it) and type: the first key
    goes to the table, the rest to the editor it opened (where the focus then is)."""
    table = view.form.items_table
    table.setFocus()
    table.selectRow(row)
    table.setCurrentIndex(view.form.items_model.index(row, int(ItemColumn.NAME)))
    qtbot.keyClicks(table, digits[0])
    editor = table.indexWidget(table.currentIndex())
    assert isinstance(editor, QLineEdit), "a digit opens the count editor"
    assert editor.text() == digits[0], "the first digit replaces the count"
    qtbot.keyClicks(editor, digits[1:])
    assert editor.text() == digits  # as typed: nothing clamps it
    qtbot.keyClick(editor, end)
    qtbot.waitUntil(lambda: table.indexWidget(table.currentIndex()) is None)


def device(view: OrderEntryView) -> ItemRecord:
    return next(r for r in orderable_items(view) if r.name == "Cellular BP Monitor")


def supply(view: OrderEntryView) -> ItemRecord:
    return next(r for r in orderable_items(view) if not r.is_device)


def test_a_digit_starts_the_count_enter_commits_escape_restores(
    qtbot: QtBot, view: OrderEntryView
) -> None:
    scan(qtbot, view, supply(view).sku)
    assert view.draft.item_lines[0].count == 1

    type_count(qtbot, view, "12")
    assert view.draft.item_lines[0].count == 12
    assert count_cell_text(view) == "12"

    type_count(qtbot, view, "7", end=Qt.Key.Key_Escape)
    assert view.draft.item_lines[0].count == 12  # Escape put the previous count back
    assert count_cell_text(view) == "12"


def test_the_table_keeps_the_focus_after_enter_even_in_an_inactive_window(
    qtbot: QtBot, view: OrderEntryView
) -> None:
    """Qt returns the focus to the table only if the editor "has focus", which needs an
    active window: under a bare X server the next digit went nowhere."""
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is other)
    scan(qtbot, view, supply(view).sku)
    assert view.form.item_search.status.isVisible()  # "Added … — count 1."
    type_count(qtbot, view, "4")
    assert view.window().focusWidget() is view.form.items_table
    assert not view.form.item_search.status.isVisible()  # no longer true: it is 4


def test_out_of_range_counts_stay_as_typed_and_are_problems_on_their_line(
    qtbot: QtBot, view: OrderEntryView
) -> None:
    f = view.form
    choose_patient(
        qtbot,
        view,
        next(r for r in f.patient_picker.model.records if not r.archived).external_identifier,
    )
    scan(qtbot, view, supply(view).sku)
    assert f.submit_button.isEnabled(), view.problems

    type_count(qtbot, view, "0")
    assert view.draft.item_lines[0].count == 0  # not turned into 1
    assert count_cell_text(view) == "0"
    assert f.items_error.isVisible()
    assert f.items_error.text() == "Line 1: Count must be at least 1"
    model = f.items_model
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ForegroundRole) is not None
    assert "at least 1" in model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert not f.submit_button.isEnabled()

    type_count(qtbot, view, "1500")
    assert view.draft.item_lines[0].count == 1500  # not turned into 999
    assert count_cell_text(view) == "1500"
    assert f.items_error.text() == "Line 1: Count is too large (at most 999)"
    assert not f.submit_button.isEnabled()

    type_count(qtbot, view, "3")
    assert not f.items_error.isVisible()
    assert f.submit_button.isEnabled(), view.problems


def submit_with_large_count(qtbot: QtBot, view: OrderEntryView, reference: str) -> QMessageBox:
    f = view.form
    choose_patient(
        qtbot,
        view,
        next(r for r in f.patient_picker.model.records if not r.archived).external_identifier,
    )
    scan(qtbot, view, supply(view).sku)
    scan(qtbot, view, device(view).sku)
    qtbot.keyClicks(f.external_ids, reference)
    type_count(qtbot, view, "12", row=1)
    assert view.draft.item_lines[1].count == 12
    assert f.submit_button.isEnabled(), view.problems  # not a problem: a question
    qtbot.keyClick(view, Enter, Qt.KeyboardModifier.ControlModifier)
    box = view.findChild(QMessageBox, "largeCountQuestion")
    assert box is not None
    qtbot.waitUntil(box.isVisible)
    assert box.text() == "12 \N{MULTIPLICATION SIGN} Cellular BP Monitor for one patient?"
    assert f"at most {DEVICE_USUAL_COUNT}" in box.informativeText()
    # Asked once: another Ctrl+Return while it is open asks nothing more.
    view.submit()
    assert len(view.findChildren(QMessageBox, "largeCountQuestion")) == 1
    return box


def test_a_large_device_count_is_asked_about_and_cancel_keeps_the_draft(
    qtbot: QtBot, view: OrderEntryView, started: AppServices
) -> None:
    reference = f"BIG-{uuid.uuid4().hex[:8]}"
    box = submit_with_large_count(qtbot, view, reference)
    before = view.draft.model_dump()
    qtbot.keyClick(box, Enter)  # the default is Cancel: Enter never ships a dozen
    qtbot.waitUntil(lambda: not box.isVisible())
    assert view.draft.model_dump() == before
    assert started.store.list_outbox() == []
    table = view.form.items_table
    assert (table.currentIndex().row(), table.currentIndex().column()) == (
        1,
        int(ItemColumn.COUNT),
    )
    qtbot.waitUntil(lambda: QApplication.focusWidget() is table)
    # Straight on to typing the right count.
    qtbot.keyClicks(table, "2")
    editor = table.indexWidget(table.currentIndex())
    assert isinstance(editor, QLineEdit)
    qtbot.keyClick(editor, Enter)
    qtbot.waitUntil(lambda: view.draft.item_lines[1].count == 2)
    view.activateWindow()  # offscreen, closing the box does not give the window back
    qtbot.waitUntil(view.isActiveWindow)
    with qtbot.waitSignal(view.submitted, timeout=WAIT_MS):
        qtbot.keyClick(view, Enter, Qt.KeyboardModifier.ControlModifier)  # nothing to ask
    assert view.findChild(QMessageBox, "largeCountQuestion") is None


def test_a_large_device_count_confirmed_is_sent_as_typed(
    qtbot: QtBot, view: OrderEntryView, started: AppServices
) -> None:
    reference = f"BIG-{uuid.uuid4().hex[:8]}"
    box = submit_with_large_count(qtbot, view, reference)
    submit = box.findChild(QPushButton, "largeCountSubmit")
    assert submit is not None
    with qtbot.waitSignal(view.submitted, timeout=WAIT_MS):
        submit.click()
    qtbot.waitUntil(lambda: view.form.banner.kind == BannerKind.SUCCESS, timeout=WAIT_MS)
    orders = orders_with_reference(qtbot, started, reference)
    assert len(orders) == 1
    counts = {ln.item.id: ln.count for ln in orders[0].order_items if ln.item}
    assert counts[device(view).id] == 12


def test_a_site_order_or_a_supply_is_not_asked_about(qtbot: QtBot, view: OrderEntryView) -> None:
    f = view.form
    qtbot.mouseClick(f.site_button, Qt.MouseButton.LeftButton)
    site = next(r for r in f.site_picker.model.records if r.active)
    qtbot.keyClicks(f.site_picker, site.name)
    qtbot.keyClick(f.site_picker.search_field, Enter)
    assert view.draft.site is not None
    scan(qtbot, view, device(view).sku)
    scan(qtbot, view, supply(view).sku)
    for row in (0, 1):
        assert f.items_model.setData(f.items_model.index(row, int(ItemColumn.COUNT)), 40)
    with qtbot.waitSignal(view.submitted, timeout=WAIT_MS):
        view.submit()
    assert view.findChild(QMessageBox, "largeCountQuestion") is None


def test_the_question_is_withdrawn_when_another_draft_comes_on_screen(
    qtbot: QtBot, view: OrderEntryView, started: AppServices
) -> None:
    # "Submit anyway" answers for the draft it asked about. Another draft brought on screen
    # while it is open (a refused order coming back, a reorder, a draft opened) is not sent.
    box = submit_with_large_count(qtbot, view, f"BIG-{uuid.uuid4().hex[:8]}")
    submit = box.findChild(QPushButton, "largeCountSubmit")
    assert submit is not None
    asked_about = view.draft.draft_id
    other = OrderDraft(
        patient=view.draft.patient,
        item_lines=[ItemLine(item_id=supply(view).id, count=1, name=supply(view).name)],
    )
    view.load_draft(other)
    assert view.draft.draft_id == other.draft_id
    if shiboken6.isValid(submit) and submit.isVisible():
        submit.click()  # before the fix the question stayed open over the other draft
    assert view.draft.draft_id == other.draft_id  # still on screen, not cleared by a send
    assert started.store.list_outbox() == []
    # The one asked about stays in Drafts (saved on the bridge loop).
    qtbot.waitUntil(lambda: started.store.get_draft(asked_about) is not None, timeout=WAIT_MS)
    assert not view.count_question.asking
    # The draft on screen is submitted as usual (nothing left over from the question).
    with qtbot.waitSignal(view.submitted, timeout=WAIT_MS) as sent:
        view.submit()
    assert sent.args[0].draft.draft_id == other.draft_id


def test_a_refusal_arriving_while_asked_leaves_the_question_and_its_draft(
    qtbot: QtBot, view: OrderEntryView, started: AppServices, sandbox: SandboxServer
) -> None:
    # An earlier order, refused while the question is open, does not come into the form:
    # "Submit anyway" still sends the draft it asked about.
    patient = next(r for r in view.form.patient_picker.model.records if not r.archived)
    sandbox.stop()
    view.load_draft(
        OrderDraft(
            patient=patient_choice(patient),
            item_lines=[ItemLine(item_id=987654, count=1, name="Discontinued scale")],
        )
    )
    with qtbot.waitSignal(view.submitted, timeout=WAIT_MS):
        view.submit()
    reference = f"BIG-{uuid.uuid4().hex[:8]}"
    box = submit_with_large_count(qtbot, view, reference)
    asked_about = view.draft.draft_id
    sandbox.start()
    with qtbot.waitSignal(view.refused_aside, timeout=WAIT_MS):
        started.outbox.send_now()
    assert view.draft.draft_id == asked_about
    assert view.count_question.asking
    assert box.isVisible()
    submit = box.findChild(QPushButton, "largeCountSubmit")
    assert submit is not None
    with qtbot.waitSignal(view.submitted, timeout=WAIT_MS) as sent:
        submit.click()
    assert sent.args[0].draft.draft_id == asked_about
    # Queued is not yet placed: the outbox sends it on its own time.
    qtbot.waitUntil(lambda: view.form.banner.kind == BannerKind.SUCCESS, timeout=WAIT_MS)
    assert len(orders_with_reference(qtbot, started, reference)) == 1
