"""After a submit the form is ready for the next order: back at the top, and the last order's
news moves aside once the next order's recipient is chosen (the banner must not say "placed
for Smith" above an order for someone else). A reorder opens at the top, recipient in view."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from impilo_desktop.domain import ItemLine, OrderDraft
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.ui.order_entry.banner import BannerKind
from impilo_desktop.ui.order_entry.choices import patient_choice
from impilo_desktop.ui.order_entry.records import PatientRecord
from impilo_desktop.ui.order_entry.view import OrderEntryView
from impilo_desktop.ui.plumbing.services import AppServices

from .conftest import WAIT_MS
from .test_order_flows import choose_patient, orderable_items, scan

Enter = Qt.Key.Key_Return


def two_patients(view: OrderEntryView) -> tuple[PatientRecord, PatientRecord]:
    records = [r for r in view.form.patient_picker.model.records if not r.archived]
    first = records[0]
    second = next(r for r in records if r.last_name != first.last_name)
    return first, second


def scrolled_down(qtbot: QtBot, view: OrderEntryView) -> None:
    """A laptop-sized page, scrolled to the notes at the bottom, where an order ends."""
    view.resize(1000, 560)
    bar = view.form.scroll_area.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    view.form.notes.setFocus()
    bar.setValue(bar.maximum())
    assert bar.value() > 0


def recipient_in_view(view: OrderEntryView) -> bool:
    area = view.form.scroll_area
    picker = view.form.patient_picker
    top_left = picker.mapTo(area.viewport(), QPoint(0, 0))
    return top_left.y() >= 0 and top_left.y() + picker.height() <= area.viewport().height()


def test_after_a_submit_the_form_is_at_the_top_and_the_result_moves_aside(
    qtbot: QtBot, view: OrderEntryView
) -> None:
    f = view.form
    smith, next_one = two_patients(view)
    choose_patient(qtbot, view, smith.external_identifier)
    scan(qtbot, view, orderable_items(view)[0].sku)
    scrolled_down(qtbot, view)
    with qtbot.waitSignal(view.submitted, timeout=WAIT_MS):
        qtbot.keyClick(f.notes, Enter, Qt.KeyboardModifier.ControlModifier)
    assert f.scroll_area.verticalScrollBar().value() == 0
    assert recipient_in_view(view)
    qtbot.waitUntil(lambda: f.banner.kind == BannerKind.SUCCESS, timeout=WAIT_MS)
    assert f.banner.isVisible()
    assert smith.last_name in f.banner.text.text()  # the news, while nothing else is on

    choose_patient(qtbot, view, next_one.external_identifier)
    assert not f.banner.isVisible()  # the next order is for someone else


def test_an_order_placed_after_the_form_moved_on_is_announced_aside(
    qtbot: QtBot, view: OrderEntryView, started: AppServices, sandbox: SandboxServer
) -> None:
    f = view.form
    smith, next_one = two_patients(view)
    choose_patient(qtbot, view, smith.external_identifier)
    scan(qtbot, view, orderable_items(view)[0].sku)
    sandbox.stop()
    with qtbot.waitSignal(view.submitted, timeout=WAIT_MS):
        qtbot.mouseClick(f.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: f.banner.kind == BannerKind.WARNING, timeout=WAIT_MS)
    assert smith.last_name in f.banner.text.text()

    choose_patient(qtbot, view, next_one.external_identifier)
    assert not f.banner.isVisible()
    sandbox.start()
    with qtbot.waitSignal(view.placed_aside, timeout=WAIT_MS) as placed:
        started.outbox.send_now()
    order_id, text = placed.args
    assert text == f"Order #{order_id} placed for {smith.first_name} {smith.last_name}."
    assert not f.banner.isVisible()  # still not over the next order
    assert view.draft.patient is not None
    assert view.draft.patient.id == next_one.id


def test_a_reorder_opens_at_the_top_with_the_recipient_in_view(
    qtbot: QtBot, view: OrderEntryView
) -> None:
    f = view.form
    smith, _ = two_patients(view)
    scrolled_down(qtbot, view)
    item = orderable_items(view)[0]
    draft = OrderDraft(item_lines=[ItemLine(item_id=item.id, count=1, name=item.name)])
    draft.set_patient(patient_choice(smith))
    view.load_draft(draft)
    assert f.scroll_area.verticalScrollBar().value() == 0
    assert recipient_in_view(view)
    assert f.patient_picker.choice is not None
    assert f.patient_picker.choice.id == smith.id
