"""The spreadsheet import's screenshots (File > Import orders…), for docs/screenshots.py:
the preview of a file with already placed, new and problem orders, and the summary of the
import that placed the first ones. Made from the sandbox's own patients and items."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

HEADER = [
    "order_ref", "patient_id", "patient_external_id", "site_id", "first_name", "last_name",
    "date_of_birth", "sku", "kit_name", "count",
]  # fmt: skip

_done: dict[str, Any] = {}  # the first import's summary, made once in the light pass


def import_screens(
    window: Any, folder: Path, save: Callable[..., None], wait: Callable[..., None], scheme: str
) -> None:
    from impilo_desktop.ui.order_import.summary import ImportSummaryDialog

    store = window.services.store
    if "summary" not in _done:
        february, march = _files(store, folder)
        _done["march"] = march
        # An item discontinued in Impilo since the catalog was refreshed: the February
        # order that ships it (RPM-0004) is refused, as the summary shows.
        seed_items = window.sandbox.server.seed.items
        discontinued = _done["discontinued"]
        kept = seed_items[discontinued]
        seed_items[discontinued] = replace(kept, orderable=False)
        try:
            _done["summary"] = _import(window, february, wait)
        finally:
            seed_items[discontinued] = kept
    dialog = _open(window)
    save(dialog, "import-choose", scheme)  # the first step: what the file holds, an example
    dialog.open_file(_done["march"])
    wait(lambda: dialog.stack.currentWidget() is dialog.preview_page, 30.0)
    dialog.preview_page.problems.setCurrentRow(0)  # its order selected in the table
    save(dialog, "import-preview", scheme)
    dialog.reject()
    summary = ImportSummaryDialog(window.services.bridge, _done["summary"], folder, window)
    summary.resize(900, 520)  # its size on a 1366x768 laptop
    summary.show()
    save(summary, "import-summary", scheme)
    summary.close()


def _open(window: Any) -> Any:
    window.menus.imports.import_orders()
    dialog = window.menus.imports.dialog
    dialog.resize(1040, 640)  # its size on a 1366x768 laptop
    return dialog


def _import(window: Any, path: Path, wait: Callable[..., None]) -> Any:
    """Queue every order of `path` through the dialog; the summary once all were sent."""
    finished: list[Any] = []
    window.menus.imports.watch.finished.connect(finished.append)
    dialog = _open(window)
    dialog.open_file(path)
    wait(lambda: dialog.stack.currentWidget() is dialog.preview_page, 30.0)
    dialog.queue_all()
    wait(lambda: bool(finished), 60.0)
    dialog.reject()
    window.notice_bar.dismiss()
    return finished[0]


def _files(store: Any, folder: Path) -> tuple[Path, Path]:
    """February's file (six orders, fine on this computer) and March's: February's again, eight new
    orders, and three with problems (an unknown SKU, an unknown MRN, a new patient without
    an address)."""
    patients = [p for p in store.cached_patients() if p.external_identifier][:20]
    items = [i for i in store.cached_items() if i.orderable is True and i.sku][:4]
    kit = next(k for k in store.cached_kits() if not getattr(k, "archived", False))
    _done["discontinued"] = items[3].id
    rows: list[list[str]] = []

    def order(n: int, patient: Any, by_mrn: bool = False) -> None:
        ref = f"RPM-{n:04d}"
        who = ["", patient.external_identifier] if by_mrn else [str(patient.id), ""]
        item = items[3] if n == 4 else items[n % 2]
        rows.append([ref, *who, "", "", "", "", item.sku, "", "1"])
        if n % 3 == 0:
            rows.append([ref, "", "", "", "", "", "", "", kit.name, "1"])

    for n in range(1, 7):
        order(n, patients[n], by_mrn=n % 2 == 0)
    february = _write(folder / "enrolment-february.csv", rows)
    for n in range(7, 15):
        order(n, patients[n], by_mrn=n % 4 == 0)
    rows.append(["RPM-0015", str(patients[15].id), "", "", "", "", "", "IMP-XXX-9999", "", "1"])
    rows.append(["RPM-0016", "", "MRN-UNKNOWN", "", "", "", "", items[2].sku, "", "2"])
    rows.append(["RPM-0017", "", "", "", "Jane", "Doe", "1961-04-30", items[3].sku, "", "1"])
    march = _write(folder / "enrolment-march.csv", rows)
    return february, march


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path
