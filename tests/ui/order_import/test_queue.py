"""The whole road in the window against the sandbox: a file chosen, checked on the bridge
(`build_preview`), queued as one batch, sent by the outbox with its progress in the status
bar, and summed up at the end with Export CSV; the same file again queues nothing. The UI
thread touches no SQLite on the way."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from impilo_desktop.domain.order_sheet.xlsx import read_order_sheet
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import EntryState
from impilo_desktop.sync.order_import import summary_csv
from impilo_desktop.ui.order_import.summary import ImportSummaryDialog
from impilo_desktop.ui.shell.main_window import MainWindow
from tests.ui.shell.conftest import MakeWindow, visible_child
from tests.ui.shell.test_ui_thread_io import ui_thread_io

from .conftest import Enrolment, enrolment, open_import, previewed, refreshed


def finished_notice(qtbot: QtBot, window: MainWindow) -> str:
    bar = window.notice_bar
    qtbot.waitUntil(lambda: bar.text.text().startswith("Import finished"), timeout=30_000)
    return bar.text.text()


def show_summary(qtbot: QtBot, window: MainWindow) -> ImportSummaryDialog:
    button = next(
        b for b in window.notice_bar.findChildren(QPushButton) if b.text() == "Show summary…"
    )
    button.click()
    return visible_child(qtbot, window, ImportSummaryDialog, "importSummaryDialog")


def clean(sheet: Enrolment) -> Enrolment:
    return Enrolment(sheet.header, [row for row in sheet.rows if row[0] in sheet.good_refs])


def test_a_clean_csv_is_queued_sent_and_summed_up(
    qtbot: QtBot, online_window: MainWindow, tmp_path: Path
) -> None:
    window = online_window
    store = refreshed(qtbot, window)
    path = clean(enrolment(store)).write_csv(tmp_path / "orders.csv")
    progress: list[str] = []
    with ui_thread_io() as seen:
        dialog = open_import(qtbot, window)
        window.menus.imports.watch.progress_text.connect(progress.append)
        previewed(qtbot, dialog, path)
        page = dialog.preview_page
        assert page.totals.text() == "3 orders, 3 new (5 units)"
        assert page.queue_all.isEnabled()
        QTest.keyClick(page.table, Qt.Key.Key_Return)  # Enter: the default, Queue 3 orders
        qtbot.waitUntil(lambda: dialog.stack.currentWidget() is dialog.queued_page, timeout=30_000)
        assert dialog.queued_page.text.text() == (
            "3 orders queued from orders.csv; they are being sent."
        )
        notice = finished_notice(qtbot, window)
        summary_dialog = show_summary(qtbot, window)
        target = tmp_path / "summary.csv"
        summary_dialog.export_to(target)
        qtbot.waitUntil(lambda: summary_dialog.message.isVisible(), timeout=10_000)
    assert not seen, dict(seen)

    assert notice == "Import finished: orders.csv: 3 placed."
    assert any(text.startswith("Importing orders.csv: ") for text in progress)
    assert progress[-1] == ""  # nothing moving any more: the status bar is quiet
    summary = summary_dialog.summary
    assert [line.state for line in summary.lines] == [EntryState.SENT] * 3
    assert summary_dialog.table.rowCount() == 3
    assert target.read_bytes() == summary_csv(summary)


def test_good_orders_queued_and_the_rows_with_problems_saved(
    qtbot: QtBot, online_window: MainWindow, tmp_path: Path
) -> None:
    window = online_window
    store = refreshed(qtbot, window)
    sheet = enrolment(store)
    path = sheet.write_xlsx(tmp_path / "enrolment.xlsx")
    dialog = open_import(qtbot, window)
    previewed(qtbot, dialog, path)
    page = dialog.preview_page
    assert not page.queue_all.isVisible()
    assert page.queue_good.isVisible()

    target = tmp_path / "enrolment - rows with problems.xlsx"
    dialog.queue_good_and_save(target)
    qtbot.waitUntil(lambda: dialog.stack.currentWidget() is dialog.queued_page, timeout=10_000)
    assert dialog.queued_page.text.text() == (
        "3 orders queued from enrolment.xlsx; they are being sent. The rows with problems"
        " are in enrolment - rows with problems.xlsx."
    )
    left = read_order_sheet(target.read_bytes())
    refs = sorted({row.get("order_ref") for row in left.rows})
    assert refs == sorted(sheet.bad_refs)
    finished_notice(qtbot, window)

    # The same file again: the good orders are already placed, nothing new to queue.
    again = open_import(qtbot, window)
    previewed(qtbot, again, path)
    assert again.preview_page.totals.text().startswith("5 orders, 3 already placed, 0 new")
    assert not again.preview_page.queue_good.isVisible()
    assert not again.preview_page.queue_all.isVisible()
    window.menus.last_import_action.trigger()
    summary_dialog = visible_child(qtbot, window, ImportSummaryDialog, "importSummaryDialog")
    assert summary_dialog.outcome.text() == "enrolment.xlsx: 3 placed"


def test_cancelling_the_check_goes_back_to_choosing(
    qtbot: QtBot, online_window: MainWindow, tmp_path: Path
) -> None:
    window = online_window
    store = refreshed(qtbot, window)
    path = enrolment(store).write_csv(tmp_path / "orders.csv")
    dialog = open_import(qtbot, window)
    dialog.open_file(path)
    job = dialog._job
    assert job is not None
    assert dialog.cancel_button.isVisible()
    dialog.cancel_button.click()
    assert dialog.stack.currentWidget() is dialog.choose_page
    assert dialog.choose_page.message.text() == "Stopped. Nothing was queued."
    assert dialog.close_button.isVisible()
    # An answer of the cancelled check that was already on its way is dropped.
    qtbot.waitUntil(job.done, timeout=30_000)
    QApplication.processEvents()
    assert dialog.stack.currentWidget() is dialog.choose_page


def test_a_missing_file_is_said_plainly(
    qtbot: QtBot, online_window: MainWindow, tmp_path: Path
) -> None:
    dialog = open_import(qtbot, online_window)
    dialog.open_file(tmp_path / "gone.csv")
    message = dialog.choose_page.message
    qtbot.waitUntil(message.isVisible, timeout=10_000)
    assert message.text().startswith("Could not read gone.csv (No such file or directory).")


def test_a_spreadsheet_dropped_on_the_dialog_is_checked(
    qtbot: QtBot, online_window: MainWindow, tmp_path: Path
) -> None:
    dialog = open_import(qtbot, online_window)

    def drop(path: Path) -> QDropEvent:
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(str(path))])
        event = QDropEvent(
            QPointF(10, 10),
            Qt.DropAction.CopyAction,
            data,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        dialog.dropEvent(event)
        return event

    assert not drop(tmp_path / "notes.txt").isAccepted()
    assert not dialog.checking
    assert drop(tmp_path / "orders.csv").isAccepted()
    assert dialog.path == tmp_path / "orders.csv"
    message = dialog.choose_page.message
    qtbot.waitUntil(message.isVisible, timeout=10_000)  # no such file: said, nothing else
    assert message.text().startswith("Could not read orders.csv")


def test_a_batch_still_going_out_at_closing_is_followed_after_a_restart(
    qtbot: QtBot,
    online_window: MainWindow,
    make_window: MakeWindow,
    custom_argv: list[str],
    sandbox: SandboxServer,
    tmp_path: Path,
) -> None:
    window = online_window
    store = refreshed(qtbot, window)
    path = clean(enrolment(store)).write_csv(tmp_path / "orders.csv")
    dialog = open_import(qtbot, window)
    previewed(qtbot, dialog, path)
    sandbox.faults.retry_after = 600  # Impilo: "not now, in ten minutes"
    # The first order's lookup by order_ref is refused: the drain stops there (the others'
    # would be too), so all three are still going out at closing. Every request is refused,
    # not just the next: the window's probe would otherwise take a one-off fault first.
    sandbox.faults.rate_limit_rate = 1.0
    with qtbot.waitSignal(window.services.outbox.drain_finished, timeout=15_000):
        dialog.queue_all()
    status = window.menus.imports.status
    qtbot.waitUntil(lambda: status.text() == "Importing orders.csv: 0 of 3 placed", timeout=30_000)
    dialog.reject()
    window.shutdown()
    window.quit_guard.confirmed = True
    window.close()
    sandbox.faults.clear()  # Impilo takes orders again

    again = make_window(*custom_argv)  # sends what waits at start
    assert finished_notice(qtbot, again) == "Import finished: orders.csv: 3 placed."


def test_the_check_shows_its_progress_and_cancel_stops_it_half_way(
    qtbot: QtBot, online_window: MainWindow, sandbox: SandboxServer, tmp_path: Path
) -> None:
    window = online_window
    store = refreshed(qtbot, window)
    path = enrolment(store).write_csv(tmp_path / "orders.csv")
    dialog = open_import(qtbot, window)
    sandbox.faults.latency = 2.0  # Impilo answers slowly: the check waits on it
    try:
        page = dialog.choose_page
        dialog.open_file(path)
        # The window keeps painting while the core works: the stage and the count arrive.
        qtbot.waitUntil(lambda: page.stage.text().startswith("Asking Impilo…"), timeout=30_000)
        assert page.progress.isVisible()
        assert page.progress.maximum() > 0
        QTest.keyClick(dialog, Qt.Key.Key_Escape)  # Escape: stops the check and closes
        assert not dialog.checking
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=30_000)
    finally:
        sandbox.faults.latency = 0.0  # the window's shutdown talks to it too
