"""Fixtures for File > Import orders…: the real window on the test's sandbox (the shell's
fixtures), and spreadsheets written from what this computer's cache holds after the
reference refresh, so their patients and items are the sandbox's own."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from pytestqt.qtbot import QtBot

from impilo_desktop.store import Store
from impilo_desktop.ui.order_import.dialog import ImportDialog
from impilo_desktop.ui.shell.main_window import MainWindow
from tests.ui.shell.conftest import (  # noqa: F401 - fixtures shared with the shell's tests
    custom_argv,
    keys,
    make_window,
    online_window,
    visible_child,
)


@dataclass(frozen=True)
class Enrolment:
    """A spreadsheet of five orders (seven rows): three good, two with problems."""

    header: list[str]
    rows: list[list[str]]
    good_refs: tuple[str, ...] = ("ENR-1", "ENR-2", "ENR-5")
    bad_refs: tuple[str, ...] = ("ENR-3", "ENR-4")
    good_units: int = 5

    def write_csv(self, path: Path) -> Path:
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(self.header)
            writer.writerows(self.rows)
        return path

    def write_xlsx(self, path: Path) -> Path:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for row in (self.header, *self.rows):
            sheet.append(row)
        book.save(path)
        return path


def enrolment(store: Store) -> Enrolment:
    """Rows naming patients and items this computer's cache knows (run after the refresh).

    Row 2-3  ENR-1  patient by id, two items by SKU (1 + 2 units)
    Row 4    ENR-2  patient by MRN, one item by id (1 unit)
    Row 5    ENR-3  an unknown SKU                          -> Row 5, sku
    Row 6    ENR-4  a new patient without an address        -> Row 6, address_line_one ...
    Row 7    ENR-5  a site by id, one item (1 unit)
    """
    patients = [p for p in store.cached_patients() if p.external_identifier][:3]
    items = [i for i in store.cached_items() if i.orderable is True and i.sku][:3]
    site = store.cached_sites()[0]
    header = [
        "Order Ref", "Patient ID", "Patient External ID", "Site ID", "First Name",
        "Last Name", "Date of Birth", "SKU", "Item ID", "Count",
    ]  # fmt: skip
    p0, p1, p2 = patients
    i0, i1, i2 = items
    rows = [
        ["ENR-1", str(p0.id), "", "", "", "", "", i0.sku or "", "", "1"],
        ["ENR-1", "", "", "", "", "", "", i1.sku or "", "", "2"],
        ["ENR-2", "", p1.external_identifier or "", "", "", "", "", "", str(i2.id), "1"],
        ["ENR-3", str(p2.id), "", "", "", "", "", "NOPE-404", "", "1"],
        ["ENR-4", "", "", "", "Jane", "Doe", "1961-04-30", i0.sku or "", "", "1"],
        ["ENR-5", "", "", str(site.id), "", "", "", i2.sku or "", "", "1"],
    ]
    return Enrolment(header, rows)


def refreshed(qtbot: QtBot, window: MainWindow) -> Store:
    """The window's store once the reference refresh has filled the cache."""
    qtbot.waitUntil(lambda: not window.services.outbox.refreshing, timeout=30_000)
    store = window.services.store
    qtbot.waitUntil(lambda: bool(store.cached_items()), timeout=30_000)
    return store


def open_import(qtbot: QtBot, window: MainWindow) -> ImportDialog:
    """File > Import orders…, the dialog once it shows."""
    window.menus.import_orders_action.trigger()
    return visible_child(qtbot, window, ImportDialog, "importDialog")


def previewed(qtbot: QtBot, dialog: ImportDialog, path: Path) -> None:
    """Choose `path` in the dialog; returns once its preview shows."""
    dialog.open_file(path)
    qtbot.waitUntil(lambda: dialog.stack.currentWidget() is dialog.preview_page, timeout=20_000)
