"""The Order history page against the real sandbox: paging, filters, actions, offline,
export and status notifications."""

from __future__ import annotations

import csv
import logging
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from impilo_desktop.api.models import Order
from impilo_desktop.domain.validation import validate_draft
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import ReferenceKind
from impilo_desktop.ui.history.order_row import Column
from impilo_desktop.ui.history.view import OrderHistoryView
from impilo_desktop.ui.plumbing.services import AppServices

from .conftest import place_order, run, saved_order


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _shows(history: OrderHistoryView, order_id: int) -> bool:
    order = history.detail.order
    return order is not None and order.id == order_id


def _message_box(name: str) -> QMessageBox | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.objectName() == name and widget.isVisible():
            return widget
    return None


def test_pages_load_as_the_table_scrolls(
    qtbot: QtBot, services: AppServices, qtmodeltester: ModelTester
) -> None:
    view = OrderHistoryView(services, page_size=20, poll_interval_seconds=3600)
    qtbot.addWidget(view)
    view.resize(1200, 420)  # about a dozen rows visible: one page fills the table
    model = view.model
    requests_at_first_rows: list[int] = []
    model.rowsInserted.connect(
        lambda *_: (
            requests_at_first_rows.append(model.pages_requested)
            if not requests_at_first_rows
            else None
        )
    )
    view.show()
    qtbot.waitUntil(lambda: model.rowCount() >= 20, timeout=20_000)
    assert requests_at_first_rows == [1]  # the first rows came from one request
    assert model.total is not None
    assert model.total > 100
    history = view
    qtbot.waitUntil(lambda: not model.loading, timeout=20_000)
    start = model.rowCount()
    for expected in (start + 20, start + 40):
        history.table.scrollToBottom()
        qtbot.waitUntil(lambda n=expected: model.rowCount() == n, timeout=20_000)  # type: ignore[misc]
        assert model.pages_requested == expected // 20  # one page per scroll to the end
    assert "orders loaded" in history.count_label.text()
    qtmodeltester.check(model)
    # Sorting happens in the model, over what is loaded.
    history.table.sortByColumn(Column.ORDER_ID, Qt.SortOrder.AscendingOrder)
    ids = [r.order_id for r in model.rows()]
    assert ids == sorted(ids)
    qtmodeltester.check(model)


def test_patient_filter_asks_the_server(qtbot: QtBot, history: OrderHistoryView) -> None:
    row = next(r for r in history.model.rows() if r.patient_id is not None)
    patient_id = row.patient_id
    qtbot.keyClicks(history.filters.patient, str(patient_id))
    qtbot.keyClick(history.filters.patient, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: history.model.query.patient_id == patient_id and history.model.exhausted,
        timeout=20_000,
    )
    rows = history.model.rows()
    assert rows
    assert all(r.patient_id == patient_id for r in rows)
    assert f"patient #{patient_id}" in history.count_label.text()


def test_external_order_id_filter_asks_the_server(
    qtbot: QtBot, history: OrderHistoryView, services: AppServices
) -> None:
    order_id = run(qtbot, services.bridge, place_order(services, "desk-ext-filter-1"))
    history.filters.external_id.setText("desk-ext-filter-1")
    qtbot.keyClick(history.filters.external_id, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: (
            history.model.query.external_order_ids == ("desk-ext-filter-1",)
            and history.model.exhausted
            and history.model.rowCount() == 1
        ),
        timeout=20_000,
    )
    assert history.model.rows()[0].order_id == order_id


def test_status_site_date_and_text_filters_narrow_loaded_orders(
    qtbot: QtBot, history: OrderHistoryView, services: AppServices
) -> None:
    model = history.model
    history.table.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() >= 40 and not model.loading, timeout=20_000)
    # Back to the top: a view left at the bottom goes on fetching pages whenever it lays out
    # again, and a page arriving mid-test changed what "all loaded orders" means (60, not 40).
    history.table.scrollToTop()
    qtbot.waitUntil(lambda: not model.loading)
    loaded = model.rows()
    everything = len(loaded)
    bar = history.filters

    status = loaded[0].status
    bar.set_status_choice(frozenset({status}))
    assert model.rowCount() == sum(r.status == status for r in loaded)
    assert all(r.status == status for r in model.rows())
    assert f"filtering {everything} loaded orders" in history.count_label.text()
    assert history.load_all_button.isVisible()
    assert not model.canFetchMore()  # scrolling no longer pulls pages silently

    # A whole group: "Closed (any)".
    bar.status.setCurrentIndex(bar.status.findText("Closed (any)"))
    assert all(r.group.value == "closed" for r in model.rows())
    bar.status.setCurrentIndex(0)
    assert model.rowCount() == everything

    site_id = next(r.site_id for r in loaded if r.site_id is not None)
    bar.site.setCurrentIndex(bar.site.findData(site_id))
    assert model.rowCount() == sum(r.site_id == site_id for r in loaded)
    assert model.rowCount() > 0
    bar.site.setCurrentIndex(0)

    day = next(r.latest for r in loaded if r.latest is not None)
    assert day is not None
    local_day = day.astimezone().date()
    bar.date_from.setDate(qdate(local_day))
    bar.date_to.setDate(qdate(local_day))
    assert model.rowCount() >= 1
    assert all(r.latest and r.latest.astimezone().date() == local_day for r in model.rows())
    bar.date_to.setDate(bar.date_to.minimumDate())
    bar.date_from.setDate(qdate(local_day + timedelta(days=1)))
    assert all(r.latest and r.latest.astimezone().date() > local_day for r in model.rows())
    bar.date_from.setDate(bar.date_from.minimumDate())

    target = next(r for r in loaded if r.patient_id is not None)
    patient = saved_order(qtbot, services, target.order_id).patient
    assert patient is not None
    name = patient.last_name
    assert name
    qtbot.keyClicks(bar.search, name.upper())
    qtbot.waitUntil(lambda: 0 < model.rowCount() < everything)
    assert all(name.casefold() in r.search_key for r in model.rows())
    bar.clear()
    assert model.rowCount() == everything


def test_load_all_matching_shows_progress_and_can_be_cancelled(
    qtbot: QtBot, history: OrderHistoryView
) -> None:
    model = history.model
    history.filters.set_status_choice(frozenset({"voided"}))
    with qtbot.waitSignal(model.load_all_progress, timeout=20_000):
        qtbot.mouseClick(history.load_all_button, Qt.MouseButton.LeftButton)
    assert history.progress.isVisible()
    with qtbot.waitSignal(model.load_all_finished, timeout=20_000) as cancelled:
        qtbot.mouseClick(history.cancel_button, Qt.MouseButton.LeftButton)
    assert cancelled.args == [False]
    assert not model.exhausted
    with qtbot.waitSignal(model.load_all_finished, timeout=120_000) as finished:
        history.load_all_button.click()
    assert finished.args == [True]
    assert model.exhausted
    assert model.loaded_count == model.total
    assert model.rowCount() > 0
    assert all(r.status == "voided" for r in model.rows())
    assert "filtering all" in history.count_label.text()


def test_reorder_gives_a_valid_draft(
    qtbot: QtBot, history: OrderHistoryView, services: AppServices
) -> None:
    order_id = run(qtbot, services.bridge, place_order(services, "desk-reorder-1"))
    history.show_order(order_id)
    qtbot.waitUntil(
        lambda: history.detail.order is not None and history.detail.order.id == order_id,
        timeout=20_000,
    )
    with qtbot.waitSignal(history.reorder_requested) as blocker:
        history.detail.reorder_button.click()
    draft = blocker.args[0]
    assert validate_draft(draft) == []
    assert "desk-reorder-1" not in draft.external_order_ids


def test_void_after_confirmation(
    qtbot: QtBot, history: OrderHistoryView, services: AppServices
) -> None:
    order_id = run(qtbot, services.bridge, place_order(services, "desk-void-1"))
    history.show_order(order_id)
    qtbot.waitUntil(
        lambda: history.detail.order is not None and history.detail.order.id == order_id,
        timeout=20_000,
    )
    history.detail.void_button.click()
    box = _message_box("confirmVoidDialog")
    assert box is not None
    confirm = next(b for b in box.buttons() if b.objectName() == "confirmVoidButton")
    confirm.click()

    def voided() -> bool:
        order = history.detail.order
        return order is not None and order.current_status == "voided"

    qtbot.waitUntil(voided, timeout=20_000)
    server: Order = run(qtbot, services.bridge, services.client().get_order(order_id))
    assert server.current_status == "voided"
    row = history.model.row_of(order_id)
    assert history.model.data(history.model.index(row, Column.STATUS)) == "Voided"


def test_refused_void_shows_the_server_message(
    qtbot: QtBot, history: OrderHistoryView, services: AppServices, sandbox: SandboxServer
) -> None:
    order_id = run(qtbot, services.bridge, place_order(services, "desk-void-2"))
    sandbox.advance_time(7 * 24 * 3600)  # long enough to have shipped
    history.show_order(order_id)
    qtbot.waitUntil(
        lambda: history.detail.order is not None and history.detail.order.id == order_id,
        timeout=20_000,
    )
    history.void_order(order_id)
    qtbot.waitUntil(lambda: _message_box("historyErrorMessage") is not None, timeout=20_000)
    box = _message_box("historyErrorMessage")
    assert box is not None
    assert "can no longer be voided" in box.informativeText()
    box.close()


def test_csv_export_writes_the_shown_rows(
    qtbot: QtBot, history: OrderHistoryView, tmp_path: Path
) -> None:
    status = history.model.rows()[0].status
    history.filters.set_status_choice(frozenset({status}))
    shown = history.model.rows()
    target = tmp_path / "orders.csv"
    with qtbot.waitSignal(history.exporter.finished, timeout=20_000):
        history.export_csv(target)
    with target.open(newline="", encoding="utf-8-sig") as handle:
        records = list(csv.DictReader(handle))
    assert [int(r["Order id"]) for r in records] == [r.order_id for r in shown]
    assert {r["Status code"] for r in records} == {status}
    first = shown[0]
    assert records[0]["Items and kits"] == first.texts[Column.CONTENTS]
    assert not (tmp_path / "orders.csv.part").exists()


def test_offline_shows_cached_orders_with_last_updated(
    qtbot: QtBot, history: OrderHistoryView, services: AppServices, sandbox: SandboxServer
) -> None:
    qtbot.waitUntil(lambda: len(services.store.cached_orders()) >= 20, timeout=20_000)
    first_id = history.model.rows()[0].order_id
    sandbox.stop()
    history.refresh()
    qtbot.waitUntil(lambda: history.offline and history.model.rowCount() >= 20, timeout=60_000)
    assert "last updated" in history.offline_banner.text()
    assert history.offline_banner.isVisible()
    assert first_id in {r.order_id for r in history.model.rows()}
    assert "saved" in history.count_label.text()
    history.show_order(first_id)
    qtbot.waitUntil(lambda: history.detail.source_label.isVisible(), timeout=20_000)
    assert "last updated" in history.detail.source_label.text()
    assert f"Order {first_id}" in history.detail.text()
    # Back online: the retry button goes to Impilo again.
    sandbox.start()
    history.retry_button.click()
    qtbot.waitUntil(lambda: not history.offline and history.model.rowCount() >= 20, timeout=20_000)
    assert not history.offline_banner.isVisible()


def test_status_change_of_a_sent_order_is_notified(
    qtbot: QtBot,
    history: OrderHistoryView,
    services: AppServices,
    sandbox: SandboxServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    order_id = run(qtbot, services.bridge, place_order(services, "desk-poll-1"))
    # An outbox entry in state sent, as the sender leaves it after creating the order.
    from impilo_desktop.domain.convert import order_to_draft

    order: Order = run(qtbot, services.bridge, services.client().get_order(order_id))
    entry = services.store.enqueue(order_to_draft(order), server=services.profile.base_url)
    services.store.mark_sending(entry.entry_id)
    services.store.mark_sent(entry.entry_id, order_id)

    with qtbot.waitSignal(history.poller.poll_finished, timeout=20_000):
        assert history.poller.poll_now()
    assert history.poller.known_status(order_id) == "orderPlaced"
    sandbox.advance_time(7 * 24 * 3600)
    with qtbot.waitSignal(history.poller.status_changed, timeout=20_000) as changed:
        history.poller.poll_now()
    assert changed.args[1] == "orderPlaced"
    assert history.notice.isVisible()
    assert f"Order {order_id}" in history.notifier.text
    assert "Order placed" in history.notifier.text
    # The coordinator reads whose order it is; the log has the order number only.
    assert order.patient is not None
    name = order.patient.full_name
    assert name in history.notifier.text
    assert f"Order {order_id}: status orderPlaced -> " in caplog.text
    assert name not in caplog.text
    row = history.model.row_of(order_id)
    assert row >= 0
    assert history.model.data(history.model.index(row, Column.STATUS)) != "Order placed"


def test_keyboard_copy_and_enter(qtbot: QtBot, history: OrderHistoryView) -> None:
    history.table.setFocus()
    history.table.selectRow(0)
    qtbot.keyClick(history.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == str(history.model.rows()[0].order_id)
    qtbot.keyClick(history.table, Qt.Key.Key_Return)
    first = history.model.rows()[0].order_id
    qtbot.waitUntil(lambda: _shows(history, first), timeout=20_000)
    qtbot.keyClick(history, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert history.filters.search.hasFocus()
    for key, modifier in (
        (Qt.Key.Key_F5, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier),
    ):
        with qtbot.waitSignal(history.model.modelReset, timeout=5_000):
            qtbot.keyClick(history.table, key, modifier)  # refresh: the list starts over
        qtbot.waitUntil(lambda: history.model.rowCount() > 0, timeout=20_000)


def test_patient_picked_from_the_cache_search(
    qtbot: QtBot, history: OrderHistoryView, services: AppServices
) -> None:
    row = next(r for r in history.model.rows() if r.patient_id is not None)
    patient = saved_order(qtbot, services, row.order_id).patient
    assert patient is not None
    assert patient.last_name is not None
    services.store.store_reference_page(ReferenceKind.PATIENT, [patient])
    field = history.filters.patient
    field.setFocus()
    qtbot.keyClicks(field, patient.last_name[:4])
    completions = history.filters.patient.completer().model()
    qtbot.waitUntil(lambda: completions.rowCount() > 0, timeout=20_000)
    choice = completions.index(0, 0).data()
    assert f"(#{patient.id}" in choice
    history.filters.patient.completer().activated.emit(choice)
    qtbot.waitUntil(
        lambda: history.model.query.patient_id == patient.id and history.model.exhausted,
        timeout=20_000,
    )
    assert all(r.patient_id == patient.id for r in history.model.rows())


def test_summary_pdf_is_saved(qtbot: QtBot, history: OrderHistoryView, tmp_path: Path) -> None:
    order_id = history.model.rows()[0].order_id
    target = tmp_path / "summary.pdf"
    with qtbot.waitSignal(history.notification, timeout=20_000) as said:
        history.save_summary_pdf(order_id, target)
    assert "Saved the summary" in said.args[0]
    assert target.read_bytes().startswith(b"%PDF")
