"""The duplicate-order guard: submitting for a recipient who already has an open order, placed
in the last 14 days, with any of the same items or kits asks once, naming that order (its
number, or "waiting to be sent"), its status, date and the shared lines. "Go back" leaves the
draft as it was; "Place it anyway" sends it. Offline the cache and the outbox still answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from impilo_desktop.api.errors import Unreachable
from impilo_desktop.api.models import (
    Item,
    Kit,
    Order,
    OrderEvent,
    OrderItem,
    OrderKit,
    Patient,
    Site,
)
from impilo_desktop.domain import ItemLine, KitLine, OrderDraft, PatientChoice, SiteChoice
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.ui.order_entry.banner import BannerKind
from impilo_desktop.ui.order_entry.open_orders import order_overlap, why_not_asked
from impilo_desktop.ui.order_entry.records import ItemRecord, PatientRecord
from impilo_desktop.ui.order_entry.view import OrderEntryView
from impilo_desktop.ui.plumbing.services import AppServices

from .conftest import WAIT_MS

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def fresh_patient(view: OrderEntryView, sandbox: SandboxServer) -> PatientRecord:
    """A patient without any order in the sandbox's history."""
    with_orders = set(sandbox.seed.order_patient)
    return next(
        r
        for r in view.form.patient_picker.model.records
        if not r.archived and r.id not in with_orders and r.external_identifier
    )


def order_for(
    qtbot: QtBot, view: OrderEntryView, patient: PatientRecord, items: list[ItemRecord]
) -> None:
    picker = view.form.patient_picker
    picker.search_field.setFocus()
    qtbot.keyClicks(picker.search_field, patient.external_identifier)
    qtbot.keyClick(picker.search_field, Qt.Key.Key_Return)
    assert view.draft.patient is not None
    assert view.draft.patient.id == patient.id
    for item in items:
        qtbot.keyClicks(view.form.item_search.search_field, item.sku)
        qtbot.keyClick(view.form.item_search.search_field, Qt.Key.Key_Return)
    assert view.form.submit_button.isEnabled(), view.problems


def orderable(view: OrderEntryView) -> list[ItemRecord]:
    return [r for r in view.form.item_search.model.records if r.can_order and not r.is_device]


def question(qtbot: QtBot, view: OrderEntryView) -> QMessageBox:
    qtbot.waitUntil(lambda: view.checks.question is not None, timeout=WAIT_MS)
    box = view.checks.question
    assert box is not None
    assert box.objectName() == "duplicateOrderQuestion"
    return box


def click(box: QMessageBox, name: str) -> None:
    button = box.findChild(QPushButton, name)
    assert button is not None, name
    button.click()


def test_an_open_order_with_the_same_item_is_asked_about_once(
    qtbot: QtBot, view: OrderEntryView, started: AppServices, sandbox: SandboxServer
) -> None:
    patient = fresh_patient(view, sandbox)
    first, second, other = orderable(view)[:3]
    order_for(qtbot, view, patient, [first])
    with qtbot.waitSignal(started.outbox.entry_sent, timeout=WAIT_MS) as sent:
        qtbot.mouseClick(view.form.submit_button, Qt.MouseButton.LeftButton)
    placed = sent.args[0].order_id
    qtbot.waitUntil(lambda: view.form.banner.kind == BannerKind.SUCCESS, timeout=WAIT_MS)

    # Nothing shared: no question.
    order_for(qtbot, view, patient, [other])
    with qtbot.waitSignal(view.submitted, timeout=WAIT_MS):
        qtbot.mouseClick(view.form.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.form.banner.kind == BannerKind.SUCCESS, timeout=WAIT_MS)

    # The same item again (and another): asked, naming the order, its status, date, line.
    order_for(qtbot, view, patient, [second, first])
    before = view.draft.model_copy(deep=True)
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    box = question(qtbot, view)
    text = box.text()
    assert f"Order #{placed}" in text
    assert "Order placed" in text
    assert datetime.now(UTC).strftime("%Y-%m-%d") in text
    assert first.name in text
    assert second.name not in text
    assert f"{patient.first_name} {patient.last_name} already has an open order" in text
    assert box.defaultButton() is box.findChild(QPushButton, "goBackButton")
    assert view.form.reason_label.text() == "Answer the question to go on"
    assert not view.form.submit_button.isEnabled()
    # A second Ctrl+Return while it is open asks nothing more.
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert view.checks.question is box

    click(box, "goBackButton")
    assert view.checks.question is None
    assert view.draft == before
    assert view.form.submit_button.isEnabled()

    qtbot.mouseClick(view.form.submit_button, Qt.MouseButton.LeftButton)
    box = question(qtbot, view)
    with qtbot.waitSignal(started.outbox.entry_sent, timeout=WAIT_MS) as sent_again:
        click(box, "placeAnywayButton")
    assert sent_again.args[0].order_id not in (None, placed)
    assert view.draft.is_empty()


def test_offline_the_cache_and_the_outbox_answer(
    qtbot: QtBot, view: OrderEntryView, started: AppServices, sandbox: SandboxServer
) -> None:
    patient = fresh_patient(view, sandbox)
    kit = view.form.kit_search.model.records[0]
    first = orderable(view)[0]
    order_for(qtbot, view, patient, [first])
    with qtbot.waitSignal(started.outbox.entry_sent, timeout=WAIT_MS) as sent:
        qtbot.mouseClick(view.form.submit_button, Qt.MouseButton.LeftButton)
    placed = sent.args[0].order_id

    sandbox.stop()  # Impilo is skipped without a word: the cached order answers
    order_for(qtbot, view, patient, [first])
    qtbot.mouseClick(view.form.submit_button, Qt.MouseButton.LeftButton)
    box = question(qtbot, view)
    assert f"Order #{placed}" in box.text()
    with qtbot.waitSignal(view.submitted, timeout=WAIT_MS):
        click(box, "placeAnywayButton")

    # Now one is waiting in the outbox too: both are named.
    order_for(qtbot, view, patient, [first])
    qtbot.keyClicks(view.form.kit_search.search_field, kit.name)
    qtbot.keyClick(view.form.kit_search.search_field, Qt.Key.Key_Return)
    qtbot.mouseClick(view.form.submit_button, Qt.MouseButton.LeftButton)
    box = question(qtbot, view)
    assert f"Order #{placed}" in box.text()
    assert "An order waiting to be sent</b> (queued " in box.text()
    assert "open orders" in box.text()
    click(box, "goBackButton")
    assert len(started.store.list_outbox()) == 2
    assert view.draft.kit_lines


def test_which_orders_count() -> None:
    """Only an open order, for the same recipient, placed in the last 14 days, sharing a line."""
    draft = OrderDraft(
        item_lines=[ItemLine(item_id=5, name="Scale")],
        kit_lines=[KitLine(kit_id=9, name="Starter kit")],
    )
    draft.set_patient(PatientChoice(id=42, first_name="Ama", last_name="Mensah"))

    def order(
        *, patient: int | None = 42, status: str = "awaitingShipment", days: int = 3, item: int = 5
    ) -> Order:
        return Order(
            id=100,
            patient=Patient(id=patient) if patient else None,
            site=Site(id=7) if patient is None else None,
            current_status=status,
            order_items=[OrderItem(item=Item(id=item, name="Scale"), count=1)],
            order_kits=[OrderKit(kit=Kit(id=1, name="Other kit"), count=1)],
            order_events=[
                OrderEvent(
                    name="orderPlaced", event_timestamp=(NOW - timedelta(days=days)).isoformat()
                )
            ],
        )

    found = order_overlap(order(), draft, NOW)
    assert found is not None
    assert (found.name, found.status, found.shared) == (
        "Order #100",
        "Awaiting shipment",
        ("Scale",),
    )
    assert order_overlap(order(status="reconfirmAddress"), draft, NOW) is not None  # needs action
    assert order_overlap(order(status="shipped"), draft, NOW) is None
    assert order_overlap(order(status="delivered"), draft, NOW) is None
    assert order_overlap(order(days=15), draft, NOW) is None
    assert order_overlap(order(patient=43), draft, NOW) is None
    assert order_overlap(order(item=6), draft, NOW) is None
    site_draft = draft.model_copy(deep=True)
    site_draft.set_site(SiteChoice(id=7, name="Eastside"))
    assert order_overlap(order(patient=None), site_draft, NOW) is not None
    assert order_overlap(order(), site_draft, NOW) is None


@pytest.mark.parametrize(
    ("error", "logged"),
    [
        (TimeoutError(), "no answer in time"),  # its own text is empty
        (Unreachable(detail="GET /api/v3/order: ConnectError"), "GET /api/v3/order: ConnectError"),
    ],
)
def test_the_log_says_why_impilo_was_not_asked(error: BaseException, logged: str) -> None:
    assert why_not_asked(error) == logged
