"""Typing in the patient picker: the compact `PatientTable` against a list of records.

The same 100,000 synthetic patients as `benchmarks/picker_filter.py` (its generator, its
keystrokes and its per-keystroke timing, imported from it), held two ways by the same
`PickerModel` in a shown `QTableView`:

- list: one `PatientRecord` per patient (`prepare_records`), what the picker held before;
- table: `PatientTable`, a record made only for the rows painted (what it holds now).

Runs alternate (list, table, list, ...) so drift on a shared machine hits both alike. Prints
the median and 95th percentile per keystroke until the list has repainted, and the ratio
table / list (the floor here is the list: the compact table must not be slower).

Run (from the project root):
    QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.picker_table [--rows N] [--repeat R]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys

from PySide6 import __version__ as pyside_version
from PySide6.QtWidgets import QApplication, QTableView

from benchmarks.picker_filter import keystrokes, p95, synthetic_patients, timed_ours
from impilo_desktop.ui.order_entry.patient_table import PatientTable
from impilo_desktop.ui.order_entry.picker_model import PickerModel, PreparedRecords, prepare_records
from impilo_desktop.ui.order_entry.picker_widgets import patient_columns
from impilo_desktop.ui.order_entry.records import PatientRecord

WORDS = ["smith", "1975-03-14", "mrn-100707", "anna smi"]


def as_table(records: list[PatientRecord]) -> PreparedRecords[PatientRecord]:
    ordered = sorted(records, key=lambda r: r.sort_key())
    table = PatientTable()
    table.extend(ordered)
    return PreparedRecords(table, table.search_index())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])  # noqa: F841
    records = synthetic_patients(args.rows)
    queries = keystrokes(WORDS)
    views: dict[str, tuple[PickerModel[PatientRecord], QTableView]] = {}
    for name, prepared in (("list", prepare_records(records)), ("table", as_table(records))):
        model: PickerModel[PatientRecord] = PickerModel(patient_columns())
        model.set_records(prepared)
        view = QTableView()
        view.setModel(model)
        view.resize(900, 400)
        view.show()
        views[name] = (model, view)
    QApplication.processEvents()
    samples: dict[str, list[float]] = {"list": [], "table": []}
    for _ in range(args.repeat):
        for name, (model, view) in views.items():
            first, _complete = timed_ours(model, view, queries)
            samples[name] += first
    print(
        f"Python {platform.python_version()}, PySide6 {pyside_version}, {os.cpu_count()} CPUs,"
        f" load average {os.getloadavg()[0]:.2f}; {args.rows:,} patients,"
        f" {len(queries)} keystrokes x {args.repeat}\n"
    )
    print("| picker holds | median ms per keystroke | p95 ms |")
    print("|---|---:|---:|")
    for name, values in samples.items():
        print(f"| {name} | {statistics.median(values):.2f} | {p95(values):.2f} |")
    ratio = statistics.median(samples["table"]) / statistics.median(samples["list"])
    print(f"\ntable / list (median): {ratio:.2f}x")
    sys.stdout.flush()
    os._exit(0)  # no teardown of Qt objects by the garbage collector (see ui_stall.py)


if __name__ == "__main__":
    main()
