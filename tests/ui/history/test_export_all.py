"""Export CSV… asks which orders: the rows loaded, or every order matching the filters. The
second fetches every page from the sandbox (the list's own source and filters) in a progress
dialog with Cancel, and writes nothing when cancelled or when Impilo goes away part-way."""

from __future__ import annotations

import asyncio
import csv
import threading
from collections import Counter
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from impilo_desktop.api.models import Order, Page
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.ui.history.export_all import EXPORT_PAGE_SIZE, FetchProgress
from impilo_desktop.ui.history.export_dialogs import ExportProgressDialog
from impilo_desktop.ui.history.filters import OrderQuery
from impilo_desktop.ui.history.view import OrderHistoryView
from impilo_desktop.ui.plumbing.services import AppServices

from .conftest import run
from .test_save_files import held_open_elsewhere


def _shown(kind: type[QWidget], name: str) -> QWidget | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, kind) and widget.objectName() == name and widget.isVisible():
            return widget
    return None


def _wait_for(qtbot: QtBot, kind: type[QWidget], name: str) -> QWidget:
    qtbot.waitUntil(lambda: _shown(kind, name) is not None, timeout=20_000)
    widget = _shown(kind, name)
    assert widget is not None
    return widget


def _save_as(qtbot: QtBot, path: Path) -> None:
    dialog = _wait_for(qtbot, QFileDialog, "exportCsvDialog")
    assert isinstance(dialog, QFileDialog)
    dialog.selectFile(str(path))
    dialog.accept()


def _order_ids(path: Path) -> list[int]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return [int(r["Order id"]) for r in csv.DictReader(handle)]


async def _all_orders(services: AppServices) -> list[Order]:
    client = services.client()
    return [o async for o in client.iterate_all(client.list_orders, size=250)]


def test_loaded_rows_or_every_matching_order(
    qtbot: QtBot, history: OrderHistoryView, services: AppServices, tmp_path: Path
) -> None:
    everything = run(qtbot, services.bridge, _all_orders(services))
    # The commonest status: most of its orders are beyond the first pages.
    status = Counter(o.current_status for o in everything).most_common(1)[0][0]
    assert status is not None
    history.filters.set_status_choice(frozenset({status}))
    # The table may have asked for a second page to fill its height; with a filter on, no
    # more come by themselves.
    qtbot.waitUntil(lambda: not history.model.loading, timeout=20_000)
    shown = [r.order_id for r in history.model.rows()]
    loaded = history.model.loaded_count
    assert not history.model.exhausted

    # The rows loaded: what the table shows, as before.
    history.choose_csv_file()
    box = _wait_for(qtbot, QMessageBox, "exportWhichOrdersDialog")
    assert isinstance(box, QMessageBox)
    assert box.text() == "Export which orders?"
    total = history.model.total
    assert total is not None
    assert (
        f"loaded {loaded} of {total:,} orders so far; {len(shown)} of them match the filters"
        in (box.informativeText())
    )
    loaded_button = box.findChild(QPushButton, "exportLoadedRowsButton")
    assert loaded_button is not None
    assert loaded_button.text() == f"&Only the {len(shown)} rows loaded"
    loaded_button.click()
    with qtbot.waitSignal(history.exporter.finished, timeout=20_000):
        _save_as(qtbot, tmp_path / "loaded.csv")
    assert _order_ids(tmp_path / "loaded.csv") == shown

    # Every matching order: Enter takes the default answer.
    steps: list[FetchProgress] = []
    history.exporter.fetched.connect(steps.append)
    history.choose_csv_file()
    box = _wait_for(qtbot, QMessageBox, "exportWhichOrdersDialog")
    assert isinstance(box, QMessageBox)
    assert box.defaultButton().objectName() == "exportEveryMatchingButton"
    qtbot.keyClick(box, Qt.Key.Key_Return)
    with qtbot.waitSignal(history.exporter.finished, timeout=60_000):
        _save_as(qtbot, tmp_path / "all.csv")
        _wait_for(qtbot, ExportProgressDialog, "exportProgressDialog")
        assert not history.export_button.isEnabled()

    expected = [o.id for o in everything if o.current_status == status]
    written = _order_ids(tmp_path / "all.csv")
    assert written == expected
    assert len(written) > len(shown)  # more than the page loaded: the whole history
    pages = -(-len(everything) // EXPORT_PAGE_SIZE)
    assert [s.pages for s in steps] == list(range(1, pages + 1))
    assert steps[-1] == FetchProgress(pages, len(everything), len(expected), len(everything))
    assert _shown(ExportProgressDialog, "exportProgressDialog") is None
    assert history.export_button.isEnabled()


def test_nothing_to_ask_once_every_order_is_loaded(
    qtbot: QtBot, history: OrderHistoryView, services: AppServices, tmp_path: Path
) -> None:
    patient_id = history.model.rows()[0].patient_id
    assert patient_id is not None
    history.filters.set_patient(patient_id)
    qtbot.waitUntil(lambda: history.model.exhausted, timeout=20_000)
    history.choose_csv_file()
    with qtbot.waitSignal(history.exporter.finished, timeout=20_000):
        _save_as(qtbot, tmp_path / "patient.csv")
    assert _order_ids(tmp_path / "patient.csv") == [r.order_id for r in history.model.rows()]


class GatedSource:
    """The list's own source (Impilo through the session's client), with a hook before an
    export page: to hold page 2 until Cancel was pressed, or to stop the sandbox between
    pages. The requests are real; the hook only decides when they go."""

    def __init__(self, history: OrderHistoryView) -> None:
        self._fetch = history.model.fetch_page
        self.export_pages: list[int] = []
        self.before: dict[int, threading.Event | SandboxServer] = {}

    async def fetch_page(self, query: OrderQuery, page: int, size: int) -> Page[Order]:
        if size == EXPORT_PAGE_SIZE:
            self.export_pages.append(page)
            hook = self.before.get(page)
            if isinstance(hook, threading.Event):
                await asyncio.to_thread(hook.wait, 20)
            elif hook is not None:
                await asyncio.to_thread(hook.stop)
        return await self._fetch(query, page, size)


def _gated(qtbot: QtBot, history: OrderHistoryView) -> GatedSource:
    source = GatedSource(history)
    history.model.set_fetch_page(source.fetch_page)
    qtbot.waitUntil(lambda: history.model.rowCount() >= 20, timeout=20_000)
    return source


def test_cancel_stops_after_the_page_in_flight_and_writes_nothing(
    qtbot: QtBot, history: OrderHistoryView, tmp_path: Path
) -> None:
    source = _gated(qtbot, history)
    pressed = threading.Event()
    source.before[2] = pressed
    said: list[str] = []
    history.notification.connect(said.append)
    steps: list[FetchProgress] = []
    history.exporter.fetched.connect(steps.append)
    target = tmp_path / "all.csv"

    history.order_actions.csv.export_every_matching(target)
    dialog = _wait_for(qtbot, ExportProgressDialog, "exportProgressDialog")
    assert isinstance(dialog, ExportProgressDialog)
    qtbot.waitUntil(lambda: len(steps) == 1, timeout=20_000)
    assert "Read 1 page: 100 of" in dialog.label.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Esc is Cancel
    assert "Stopping after the page on its way" in dialog.label.text()
    assert not dialog.cancel_button.isEnabled()
    with qtbot.waitSignal(history.exporter.failed, timeout=20_000) as stopped:
        pressed.set()  # page 2, asked for before Cancel, now arrives
    assert stopped.args == [""]
    assert source.export_pages == [1, 2]  # no page after the one in flight
    assert not target.exists()
    assert not (tmp_path / "all.csv.part").exists()
    assert said[-1] == "Export cancelled; no file was written."
    qtbot.waitUntil(lambda: _shown(ExportProgressDialog, "exportProgressDialog") is None)
    assert history.export_button.isEnabled()


def test_impilo_gone_part_way_says_so_and_writes_no_half_file(
    qtbot: QtBot, history: OrderHistoryView, sandbox: SandboxServer, tmp_path: Path
) -> None:
    source = _gated(qtbot, history)
    source.before[3] = sandbox  # stopped before page 3 is asked for
    target = tmp_path / "orders.csv"
    target.write_text("last week's export\n", encoding="utf-8")

    history.order_actions.csv.export_every_matching(target)
    box = _wait_for(qtbot, QMessageBox, "historyErrorMessage")
    assert isinstance(box, QMessageBox)
    assert box.text() == "The export did not finish."
    assert box.informativeText().endswith("Check the network connection. No file was written.")
    assert source.export_pages == [1, 2, 3]
    assert target.read_text(encoding="utf-8") == "last week's export\n"  # left as it was
    assert not (tmp_path / "orders.csv.part").exists()
    assert _shown(ExportProgressDialog, "exportProgressDialog") is None
    assert history.export_button.isEnabled()
    box.close()


def test_a_file_open_in_another_program_is_said_before_any_page_is_fetched(
    qtbot: QtBot, history: OrderHistoryView, tmp_path: Path
) -> None:
    source = _gated(qtbot, history)
    target = tmp_path / "orders.csv"
    target.write_text("yesterday's export\n", encoding="utf-8")
    with held_open_elsewhere(target):
        history.order_actions.csv.export_every_matching(target)
        box = _wait_for(qtbot, QMessageBox, "fileInUseMessage")
        assert isinstance(box, QMessageBox)
        assert source.export_pages == []  # not minutes of fetching first
        another = box.findChild(QPushButton, "saveUnderAnotherName")
        assert another is not None
        another.click()
        with qtbot.waitSignal(history.exporter.finished, timeout=60_000):
            dialog = _wait_for(qtbot, QFileDialog, "exportCsvDialog")
            assert isinstance(dialog, QFileDialog)
            assert [Path(f).name for f in dialog.selectedFiles()] == ["orders (2).csv"]
            dialog.accept()
    # "Another name" exports every matching order again, not just the rows loaded.
    assert len(_order_ids(tmp_path / "orders (2).csv")) > history.model.loaded_count
    assert target.read_text(encoding="utf-8") == "yesterday's export\n"
