"""After a submit the form is ready for the next order: back at the top, and the last order's
news moves aside once the next order's recipient is chosen (the banner must not say "placed
for Smith" above an order for someone else), and an order refused after that is announced aside,
leaving the order being typed alone. A reorder opens at the top, recipient in view."""

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


def refused_draft(view: OrderEntryView, patient: PatientRecord) -> OrderDraft:
    """A reorder naming an item that no longer exists: only Impilo can refuse it."""
    return OrderDraft(
        patient=patient_choice(patient),
        item_lines=[ItemLine(item_id=987654, count=1, name="Discontinued scale")],
    )


def submit_while_offline(
    qtbot: QtBot, view: OrderEntryView, sandbox: SandboxServer, draft: OrderDraft
) -> None:
    sandbox.stop()
    view.load_draft(draft)
    assert view.form.submit_button.isEnabled(), view.problems
    with qtbot.waitSignal(view.submitted, timeout=WAIT_MS):
        qtbot.mouseClick(view.form.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.form.banner.kind == BannerKind.WARNING, timeout=WAIT_MS)


def test_an_order_refused_after_the_form_moved_on_is_announced_aside(
    qtbot: QtBot, view: OrderEntryView, started: AppServices, sandbox: SandboxServer
) -> None:
    f = view.form
    smith, next_one = two_patients(view)
    refused = refused_draft(view, smith)
    submit_while_offline(qtbot, view, sandbox, refused)
    choose_patient(qtbot, view, next_one.external_identifier)
    scan(qtbot, view, orderable_items(view)[0].sku)
    typing = view.draft.model_dump()
    sandbox.start()
    with qtbot.waitSignal(view.refused_aside, timeout=WAIT_MS) as aside:
        started.outbox.send_now()
    draft_id, text = aside.args
    assert draft_id == refused.draft_id
    assert text.startswith(f"Impilo refused the order for {smith.first_name} {smith.last_name}:")
    assert "987654" in text
    assert text.endswith("It is back in Drafts.")
    # The order being typed is left alone; the refused one waits in Drafts.
    assert view.draft.model_dump() == typing
    assert not f.banner.isVisible()
    assert started.store.get_draft(draft_id) is not None
    assert started.store.list_outbox() == []

    # Asked for, it comes back with Impilo's reason (the typed order stays in Drafts).
    view.open_refused(draft_id)
    qtbot.waitUntil(lambda: view.draft.draft_id == draft_id, timeout=WAIT_MS)
    assert f.banner.kind == BannerKind.ERROR
    assert "987654" in f.banner.text.text()
    assert [ln.item_id for ln in view.draft.item_lines] == [987654]
    qtbot.waitUntil(
        lambda: started.store.get_draft(typing["draft_id"]) is not None, timeout=WAIT_MS
    )


def test_a_refusal_while_typing_the_next_order_leaves_it_alone(
    qtbot: QtBot, view: OrderEntryView, started: AppServices, sandbox: SandboxServer
) -> None:
    # No recipient chosen yet, but something typed: the form is in use all the same.
    smith, _next_one = two_patients(view)
    refused = refused_draft(view, smith)
    submit_while_offline(qtbot, view, sandbox, refused)
    scan(qtbot, view, orderable_items(view)[0].sku)
    typing = view.draft.model_dump()
    sandbox.start()
    with qtbot.waitSignal(view.refused_aside, timeout=WAIT_MS):
        started.outbox.send_now()
    assert view.draft.model_dump() == typing
    assert not view.form.banner.isVisible()  # "Saved — will be sent…" no longer true


def test_a_refusal_with_the_form_empty_comes_back_into_it(
    qtbot: QtBot, view: OrderEntryView, started: AppServices, sandbox: SandboxServer
) -> None:
    smith, _next_one = two_patients(view)
    refused = refused_draft(view, smith)
    submit_while_offline(qtbot, view, sandbox, refused)
    sandbox.start()
    with qtbot.waitSignal(view.tracker.rejected, timeout=WAIT_MS):
        started.outbox.send_now()
    assert view.draft.draft_id == refused.draft_id
    assert view.form.banner.kind == BannerKind.ERROR
