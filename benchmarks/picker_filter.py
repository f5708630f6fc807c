"""Per-keystroke filtering time of the patient picker over 100,000 cached patients.

Types queries one keystroke at a time ("s", "sm", ... "smith", then a date of birth and an
external identifier, each typed from scratch) and times, for every keystroke:

- ours: `PickerModel.set_query` (SearchIndex narrowing + one model reset), and
- proxy: `QSortFilterProxyModel.setFilterFixedString` over a plain table model holding the
  same rows (case-insensitive, filtering on a column that holds the same search key).

Run:  QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/picker_filter.py [--rows N]
Prints a Markdown table (median and 95th percentile per keystroke, in ms).
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import QApplication, QTableView

from impilo_desktop.ui.order_entry.picker_model import PickerModel, prepare_records
from impilo_desktop.ui.order_entry.picker_widgets import patient_columns
from impilo_desktop.ui.order_entry.records import PatientRecord

FIRST = [
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Emma",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jon",
    "Kofi",
    "Lena",
    "Maria",
    "Nadia",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sam",
    "Thandi",
]
LAST = [
    "Smith",
    "Smythe",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Nkosi",
    "Dlamini",
    "Schmidt",
    "Smithers",
    "Moreau",
    "Okafor",
    "Silva",
    "Kowalski",
    "Tanaka",
    "Naidoo",
    "Mokoena",
    "Ivanova",
    "Larsen",
]
CITIES = ["Springfield", "Riverton", "Lakeside", "Fairview", "Georgetown", "Salem"]


def synthetic_patients(n: int, seed: int = 7) -> list[PatientRecord]:
    rng = random.Random(seed)
    out = []
    for i in range(1, n + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        dob = f"{rng.randint(1930, 2015)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        site = rng.randint(1, 25)
        out.append(
            PatientRecord(
                id=i,
                first_name=first,
                last_name=last,
                date_of_birth=dob,
                external_identifier=f"MRN-{100000 + i * 7}",
                email=f"{first}.{last}{i}@example.org".lower(),
                site_id=site,
                site_name=f"Clinic {site}",
                city=rng.choice(CITIES),
            )
        )
    return out


AnyIndex = QModelIndex | QPersistentModelIndex


class KeyTableModel(QAbstractTableModel):
    """The same rows as a plain model for QSortFilterProxyModel (column 0 = search key)."""

    def __init__(self, records: list[PatientRecord]) -> None:
        super().__init__()
        self._keys = [r.search_key() for r in records]
        self._names = [r.display_name for r in records]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._keys)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else 2

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return self._keys[index.row()] if index.column() == 0 else self._names[index.row()]


def keystrokes(words: list[str]) -> list[str]:
    """Every prefix of every word: what the field holds after each keystroke."""
    return [w[:i] for w in words for i in range(1, len(w) + 1)]


def timed(fn: Callable[[str], Any], queries: list[str], reset: Callable[[], Any]) -> list[float]:
    samples = []
    previous = ""
    for q in queries:
        if not q.startswith(previous):  # a new word typed from an empty field
            reset()
        t0 = time.perf_counter()
        fn(q)
        QApplication.processEvents()
        samples.append((time.perf_counter() - t0) * 1000)
        previous = q
    return samples


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])

    records = synthetic_patients(args.rows)
    target = records[len(records) // 2]
    words = [
        "smith",
        target.date_of_birth,
        target.external_identifier.lower(),
        f"{target.date_of_birth[5:7]}/{target.date_of_birth[8:10]}/{target.date_of_birth[:4]}",
    ]
    queries = keystrokes(words)

    t0 = time.perf_counter()
    prepared = prepare_records(records)
    build_ms = (time.perf_counter() - t0) * 1000
    ours = PickerModel(patient_columns())
    ours.set_records(prepared)
    view = QTableView()
    view.verticalHeader().setDefaultSectionSize(22)
    view.setModel(ours)
    view.resize(700, 300)
    view.show()
    ours_ms = timed(ours.set_query, queries, lambda: ours.set_query(""))

    source = KeyTableModel(records)
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(source)
    proxy.setFilterKeyColumn(0)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    pview = QTableView()
    pview.verticalHeader().setDefaultSectionSize(22)
    pview.setModel(proxy)
    pview.resize(700, 300)
    pview.show()
    proxy_ms = timed(proxy.setFilterFixedString, queries, lambda: proxy.setFilterFixedString(""))

    print(
        f"{args.rows:,} patients; Python {platform.python_version()}, PySide6 "
        f"{pyside_version}, {platform.machine()}; index build {build_ms:.0f} ms (once, "
        f"off the UI thread in the app)"
    )
    print(f"queries ({len(queries)} keystrokes): " + ", ".join(repr(w) for w in words))
    print()
    print("| filter | median ms/keystroke | p95 ms/keystroke | max ms |")
    print("|---|---|---|---|")
    for name, samples in (
        ("SearchIndex + PickerModel (ours)", ours_ms),
        ("QSortFilterProxyModel", proxy_ms),
    ):
        print(
            f"| {name} | {statistics.median(samples):.2f} | {p95(samples):.2f} | "
            f"{max(samples):.2f} |"
        )
    print()
    print("| keystroke | ours ms | proxy ms |")
    print("|---|---|---|")
    for q, a, b in zip(queries, ours_ms, proxy_ms, strict=True):
        print(f"| `{q}` | {a:.2f} | {b:.2f} |")
    del app


if __name__ == "__main__":
    main()
