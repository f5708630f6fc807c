"""The import dialog's preview: the orders a spreadsheet becomes with their standing, the
totals in one sentence, every problem on its row and column (choosing one selects its
order), and only the choices the preview allows; by keyboard alone."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QWidget
from pytestqt.qtbot import QtBot

from impilo_desktop.domain.order_sheet.template import template_csv
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.ui.order_import.preview_table import STANDING_COLUMN
from impilo_desktop.ui.shell.main_window import MainWindow
from tests.ui.shell.test_mnemonics import duplicates, mnemonics

from .conftest import enrolment, open_import, previewed, refreshed


def test_the_file_menu_offers_import_with_a_free_shortcut(
    qtbot: QtBot, online_window: MainWindow
) -> None:
    window = online_window
    action = window.menus.import_orders_action
    file_menu = window.findChild(QMenu, "fileMenu")
    assert file_menu is not None
    assert action in file_menu.actions()
    assert action.text() == "&Import orders…"
    assert action.shortcut().toString() == "Ctrl+O"
    taken = [a.shortcut().toString() for a in window.actions() if a is not action]
    assert "Ctrl+O" not in taken

    QTest.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    dialog = open_import(qtbot, window)
    assert dialog.stack.currentWidget() is dialog.choose_page
    assert "order_ref" in dialog.choose_page.explanation.text()
    screen = QApplication.primaryScreen().availableGeometry()
    assert dialog.width() <= min(1366, screen.width())
    assert dialog.height() <= min(768, screen.height())


def test_the_preview_counts_orders_and_puts_each_problem_on_its_row(
    qtbot: QtBot, online_window: MainWindow, tmp_path: Path
) -> None:
    window = online_window
    store = refreshed(qtbot, window)
    path = enrolment(store).write_csv(tmp_path / "enrolment.csv")
    dialog = open_import(qtbot, window)
    previewed(qtbot, dialog, path)

    page = dialog.preview_page
    assert dialog.stack.currentWidget() is page
    assert page.totals.text() == "5 orders, 3 new (5 units), 2 with problems (2 rows)"
    assert not page.checked_here.isVisible()
    model = page.model
    assert model.rowCount() == 5
    standing = [model.index(r, STANDING_COLUMN).data() for r in range(5)]
    assert standing[0] == "New"
    assert standing[2].startswith("Problem")
    assert model.index(0, 0).data() == "2-3"  # ENR-1's two rows
    assert model.index(0, 4).data() == "3"
    problems = page.problems.texts()
    assert any(p.startswith("Row 5, sku: ") and "NOPE-404" in p for p in problems)
    assert any(p.startswith("Row 6, address_line_one") for p in problems)
    tooltip = model.index(2, STANDING_COLUMN).data(Qt.ItemDataRole.ToolTipRole)
    assert "NOPE-404" in tooltip

    # Choosing a problem selects its order.
    row6 = next(n for n, p in enumerate(problems) if p.startswith("Row 6"))
    page.problems.setCurrentRow(row6)
    assert page.table.selectionModel().selectedRows()[0].row() == 3

    # Problems: no "queue all", but the good orders with the rest set aside.
    assert not page.queue_all.isVisible()
    assert page.queue_good.isVisible()
    assert page.queue_good.text() == ("Queue the 3 good orders and &save the 2 rows with problems…")


def test_without_impilo_the_preview_says_already_placed_is_this_computer_only(
    qtbot: QtBot, online_window: MainWindow, sandbox: SandboxServer, tmp_path: Path
) -> None:
    window = online_window
    store = refreshed(qtbot, window)
    path = enrolment(store).write_xlsx(tmp_path / "enrolment.xlsx")
    dialog = open_import(qtbot, window)
    sandbox.faults.retry_after = 600  # "not now: in ten minutes"
    # Every request refused, not just the next: the window's probe (every few seconds while
    # nothing is heard) would otherwise take a one-off fault before the preview asks.
    sandbox.faults.rate_limit_rate = 1.0
    previewed(qtbot, dialog, path)
    page = dialog.preview_page
    text = page.checked_here.text()
    assert page.checked_here.isVisible()
    assert text.startswith("Impilo could not be asked (")
    assert "“Already placed” counts only the orders of this computer" in text
    assert page.totals.text() == "5 orders, 3 new (5 units), 2 with problems (2 rows)"


def test_a_clean_file_offers_queue_all_on_enter_and_tab_walks_the_dialog(
    qtbot: QtBot, online_window: MainWindow, tmp_path: Path
) -> None:
    window = online_window
    store = refreshed(qtbot, window)
    sheet = enrolment(store)
    good = [row for row in sheet.rows if row[0] in sheet.good_refs]
    path = type(sheet)(sheet.header, good).write_csv(tmp_path / "clean.csv")
    dialog = open_import(qtbot, window)
    previewed(qtbot, dialog, path)
    page = dialog.preview_page

    assert page.queue_all.isVisible()
    assert page.queue_all.isEnabled()
    assert page.queue_all.text() == "&Queue 3 orders"
    assert page.queue_all.isDefault()
    assert not page.queue_good.isVisible()
    assert not page.problems_box.isVisible()

    # Tab from the table: queue, choose another file, close, and round to the table.
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=30_000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.table, timeout=30_000)
    order: list[QWidget | None] = []
    for _ in range(4):
        focused = QApplication.focusWidget()
        assert focused is not None
        QTest.keyClick(focused, Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget())
    assert order == [page.queue_all, page.another, dialog.close_button, page.table]

    # Escape closes the dialog.
    QTest.keyClick(page.table, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=30_000)


def test_save_template_spreadsheet_writes_the_template(
    qtbot: QtBot, online_window: MainWindow, tmp_path: Path
) -> None:
    dialog = open_import(qtbot, online_window)
    target = tmp_path / "template.csv"
    dialog.write_template(target)
    qtbot.waitUntil(lambda: dialog.choose_page.message.isVisible(), timeout=30_000)
    assert target.read_bytes() == template_csv()
    assert "template.csv" in dialog.choose_page.message.text()

    dialog.write_template(tmp_path / "no such folder" / "template.csv")
    qtbot.waitUntil(lambda: "Could not save" in dialog.choose_page.message.text(), timeout=30_000)


def test_last_import_summary_before_any_import_says_so(
    qtbot: QtBot, online_window: MainWindow
) -> None:
    window = online_window
    window.menus.last_import_action.trigger()  # the store is asked on the bridge
    text = window.notice_bar.text
    qtbot.waitUntil(
        lambda: text.text() == "No orders have been imported from a spreadsheet yet.",
        timeout=30_000,
    )


def test_ctrl_o_right_after_close_opens_the_dialog_again(
    qtbot: QtBot, online_window: MainWindow
) -> None:
    window = online_window
    first = open_import(qtbot, window)
    first.close_button.click()
    window.menus.import_orders_action.trigger()  # before the closed one is deleted
    second = window.menus.imports.dialog
    assert second is not None
    assert second is not first
    qtbot.waitUntil(second.isVisible, timeout=30_000)


def test_each_step_has_one_target_per_alt_letter(
    qtbot: QtBot, online_window: MainWindow, tmp_path: Path
) -> None:
    window = online_window
    store = refreshed(qtbot, window)
    path = enrolment(store).write_csv(tmp_path / "enrolment.csv")
    dialog = open_import(qtbot, window)
    assert not duplicates(mnemonics(dialog))
    previewed(qtbot, dialog, path)
    found = mnemonics(dialog)
    assert {"s", "a", "p"} <= {letter for letter, _owner in found}  # save, another, problems
    assert not duplicates(found)


def test_a_file_that_is_not_a_spreadsheet_is_said_and_offers_nothing_to_queue(
    qtbot: QtBot, online_window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "orders.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))  # Excel 97-2003
    dialog = open_import(qtbot, online_window)
    previewed(qtbot, dialog, path)
    page = dialog.preview_page
    assert page.problems.count() >= 1
    assert page.problems.texts()[0].startswith("File: ")
    assert page.message.text() == "Nothing in this file can be imported; see the problems below."
    assert not page.queue_all.isVisible()
    assert not page.queue_good.isVisible()
    assert page.another.isDefault()


def test_an_unknown_column_is_a_note_and_the_whole_file_can_still_be_queued(
    qtbot: QtBot, online_window: MainWindow, tmp_path: Path
) -> None:
    window = online_window
    good = enrolment(refreshed(qtbot, window))
    header = [*good.header, "Enrolled On"]
    rows = [[*row, "2026-11-02"] for row in good.rows if row[0] in good.good_refs]
    path = type(good)(header, rows).write_csv(tmp_path / "ehr.csv")
    dialog = open_import(qtbot, window)
    previewed(qtbot, dialog, path)

    page = dialog.preview_page
    assert page.problems.texts() == [
        "Note: Row 1, Enrolled On: Unknown column “Enrolled On”; it was left out"
    ]
    assert page.queue_all.isVisible()
    assert page.queue_all.isEnabled()
    assert not page.queue_good.isVisible()


def test_a_problem_with_the_file_itself_offers_nothing_to_queue(
    qtbot: QtBot, online_window: MainWindow, tmp_path: Path
) -> None:
    # A repeated column may have misread every row; the command line refuses such a file even
    # with --skip-bad-rows, and the window offers neither queue button.
    window = online_window
    good = enrolment(refreshed(qtbot, window))
    header = [*good.header, "count"]
    rows = [[*row, "5"] for row in good.rows]
    path = type(good)(header, rows).write_csv(tmp_path / "repeated.csv")
    dialog = open_import(qtbot, window)
    previewed(qtbot, dialog, path)

    page = dialog.preview_page
    assert dialog.preview is not None
    assert dialog.preview.file_problems
    assert dialog.preview.new_orders  # the orders themselves read well
    assert not page.queue_all.isVisible()
    assert not page.queue_good.isVisible()
    assert "The file itself has a problem" in page.message.text()


def test_the_first_step_shows_an_example_of_the_file(
    qtbot: QtBot, online_window: MainWindow
) -> None:
    from impilo_desktop.domain.order_sheet.template import EXAMPLE_ROWS

    dialog = open_import(qtbot, online_window)
    table = dialog.choose_page.example
    columns = [
        table.model().headerData(n, Qt.Orientation.Horizontal) for n in range(table.columnCount())
    ]
    # The ref, recipients by id and the lines come before a new patient's address.
    assert columns[0] == "order_ref"
    assert columns.index("count") < columns.index("first_name")
    assert table.rowCount() == len(EXAMPLE_ROWS)
    # The spreadsheet's row numbers: the header is row 1.
    assert table.model().headerData(0, Qt.Orientation.Vertical) == "2"
    assert table.focusPolicy() == Qt.FocusPolicy.NoFocus  # Tab stays on the buttons
