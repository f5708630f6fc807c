"""Per-keystroke filtering time of the patient picker over 100,000 cached patients.

Types queries one keystroke at a time ("s", "sm", ... "smith", then a date of birth and an
external identifier, each typed from scratch) and times, for every keystroke:

- ours: `PickerModel.set_query` (SearchIndex narrowing + one model reset), and
- proxy: `QSortFilterProxyModel.setFilterFixedString` over a plain table model holding the
  same rows (case-insensitive, filtering on a column that holds the same search key).

Run:  QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.picker_filter [--rows N]
      [--repeat R]
Ours is typed R times (the proxy once: it is slow); each keystroke's time includes the model
reset and the repaint of a visible table. "filter only" is `SearchIndex.search` alone.
Prints Markdown tables (median and 95th percentile per keystroke, in ms).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
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
from PySide6.QtWidgets import QApplication, QHeaderView, QTableView

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


def timed_ours(
    model: PickerModel[PatientRecord], view: QTableView, queries: list[str]
) -> tuple[list[float], list[float]]:
    """Per keystroke: ms until the list has repainted with its first matches (the
    keystroke's own work), and ms until every match is counted (idle turns after it)."""
    first, complete = [], []
    previous = ""
    for q in queries:
        if not q.startswith(previous):
            model.set_query("")
            while not model.search_complete:
                QApplication.processEvents()
        t0 = time.perf_counter()
        model.set_query(q)
        view.viewport().repaint()  # lays out and paints now, without running idle work
        first.append((time.perf_counter() - t0) * 1000)
        while not model.search_complete:
            QApplication.processEvents()
        complete.append((time.perf_counter() - t0) * 1000)
        previous = q
    return first, complete


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    assert app is not None

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
    view = QTableView()  # set up as the picker's results table is
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(22)
    view.setModel(ours)
    view.resize(700, 300)
    view.show()
    both = [timed_ours(ours, view, queries) for _ in range(args.repeat)]
    ours_runs = [first for first, _ in both]
    ours_ms = [x for run in ours_runs for x in run]
    complete_runs = [complete for _, complete in both]
    complete_ms = [x for run in complete_runs for x in run]
    ours_best = [min(run[i] for run in ours_runs) for i in range(len(queries))]
    index = prepared.index  # unbudgeted: the whole scan at once
    filter_runs = [timed(index.search, queries, index.invalidate) for _ in range(args.repeat)]
    filter_ms = [x for run in filter_runs for x in run]

    source = KeyTableModel(records)
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(source)
    proxy.setFilterKeyColumn(0)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    pview = QTableView()
    pview.verticalHeader().setVisible(False)
    pview.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
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
    print(
        f"queries ({len(queries)} keystrokes, each word typed from an empty field): "
        + ", ".join(repr(w) for w in words)
        + f"; ours and filter-only x{args.repeat}, proxy x1"
    )
    print()
    print("| filter | median ms/keystroke | p95 ms/keystroke | max ms |")
    print("|---|---|---|---|")
    for name, samples in (
        ("ours: keystroke to first matches shown (model reset + repaint)", ours_ms),
        ("ours: keystroke to every match counted (rest in idle time)", complete_ms),
        ("ours: SearchIndex.search alone, whole scan, no budget", filter_ms),
        ("QSortFilterProxyModel.setFilterFixedString", proxy_ms),
    ):
        print(
            f"| {name} | {statistics.median(samples):.2f} | {p95(samples):.2f} | "
            f"{max(samples):.2f} |"
        )
    print()
    print(
        "| keystroke | ours first shown: best ms | median ms | ours all counted: median ms "
        "| proxy ms |"
    )
    print("|---|---:|---:|---:|---:|")
    for i, q in enumerate(queries):
        median = statistics.median(run[i] for run in ours_runs)
        whole = statistics.median(run[i] for run in complete_runs)
        print(f"| `{q}` | {ours_best[i]:.2f} | {median:.2f} | {whole:.2f} | {proxy_ms[i]:.2f} |")
    sys.stdout.flush()
    # PySide6 6.12 on Python 3.11 drops a reference to None on every call of a void Qt
    # method; after a run this long, interpreter finalization would abort on it.
    os._exit(0)


if __name__ == "__main__":
    main()
