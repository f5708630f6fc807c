"""Per-keystroke filtering time of the patient picker over 100,000 cached patients, against
QSortFilterProxyModel over a model as cheap as ours.

Types queries one keystroke at a time ("s", "sm", ... "smith", then a date of birth, an
external identifier and the date of birth the US way, each typed from an empty field) and
times, for every keystroke, until a visible results table has repainted:

- ours: `PickerModel.set_query` (its search index, a screenful first and the rest in idle
  turns; one model reset) - "first matches shown", and "every match counted";
- proxy: `QSortFilterProxyModel.setFilterFixedString` over `PlainPickerModel`: the same records
  in the same order with the same columns, whose `data()` is as cheap as `PickerModel.data()`
  (plain-int role checks first, then a list index) and hands the proxy the same precomputed
  lowercase search key under its own role (case-sensitive match: keys and queries are
  lowercase already). The proxy matches every row before it shows anything.

Runs are interleaved (ours, proxy, ours, proxy, ...). Only public interfaces of the picker are
used (`prepare_records`, `PickerModel.set_records/set_query/search_complete/records`), so the
benchmark outlives changes to the index inside.

Run:  QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.picker_filter [--rows N]
      [--repeat R] [--proxy-repeat P]
Prints the machine, Markdown tables (median, 95th percentile, max per keystroke, in ms) and
the ratio ours/proxy.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import QApplication, QHeaderView, QTableView

from benchmarks.machine import machine_line
from impilo_desktop.ui.order_entry.picker_model import (
    RECORD_ROLE,
    PickerColumn,
    PickerModel,
    prepare_records,
)
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

# The roles PickerModel answers, as plain ints (enum lookups and comparisons cost a
# Python-level call per cell), plus the role the proxy filters on.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
KEY_ROLE = int(Qt.ItemDataRole.UserRole) + 2
_SERVED_ROLES = frozenset({_DISPLAY, _TOOLTIP, _FOREGROUND, _ACCESSIBLE, RECORD_ROLE, KEY_ROLE})


class PlainPickerModel(QAbstractTableModel):
    """Every record, unfiltered, for QSortFilterProxyModel: the same columns and cell texts
    as `PickerModel`, and a `data()` as cheap as its own (unserved roles answered first by a
    plain-int set lookup, then one list index), with the precomputed lowercase search key
    under `KEY_ROLE` for the proxy's filter. The baseline pays Qt's per-row call into Python,
    not a slower model."""

    def __init__(
        self, records: list[PatientRecord], columns: list[PickerColumn[PatientRecord]]
    ) -> None:
        super().__init__()
        self._records = records
        self._columns = columns
        self._keys = [r.search_key() for r in records]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        if role not in _SERVED_ROLES:
            return None
        row = index.row()
        if role == KEY_ROLE:
            return self._keys[row]
        record = self._records[row]
        if role == _DISPLAY:
            return self._columns[index.column()].text(record)
        if role == RECORD_ROLE:
            return record
        if role in (_TOOLTIP, _FOREGROUND):
            return None  # PickerModel: no tooltip function, every patient enabled
        column = self._columns[index.column()]
        return f"{column.title}: {column.text(record)}"

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY
    ) -> Any:
        if role != _DISPLAY or orientation != _HORIZONTAL or not 0 <= section < len(self._columns):
            return None
        return self._columns[section].title

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        return _CHOOSABLE


_HORIZONTAL = Qt.Orientation.Horizontal
_CHOOSABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def keystrokes(words: list[str]) -> list[str]:
    """Every prefix of every word: what the field holds after each keystroke."""
    return [w[:i] for w in words for i in range(1, len(w) + 1)]


def timed_proxy(proxy: QSortFilterProxyModel, view: QTableView, queries: list[str]) -> list[float]:
    """Per keystroke: ms until the proxy has filtered and the table has repainted."""
    samples = []
    previous = ""
    for q in queries:
        if not q.startswith(previous):  # a new word typed from an empty field
            proxy.setFilterFixedString("")
            QApplication.processEvents()
        t0 = time.perf_counter()
        proxy.setFilterFixedString(q)  # the keys are lowercase, so is every query here
        view.viewport().repaint()
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


def results_table(view: QTableView, model: QAbstractItemModel) -> QTableView:
    """A table set up as the picker's results table is (hidden vertical header, fixed row
    height), shown (offscreen)."""
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(22)
    view.setModel(model)
    view.resize(700, 300)
    view.show()
    return view


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--proxy-repeat", type=int, default=3, help="runs of the proxy (interleaved with ours)"
    )
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    assert app is not None
    print(machine_line(), flush=True)

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
    columns = patient_columns()
    ours = PickerModel(columns)
    ours.set_records(prepared)
    view = results_table(QTableView(), ours)

    # The baseline: the same records in the same (display) order, the same columns.
    source = PlainPickerModel(list(ours.records), columns)
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(source)
    proxy.setFilterKeyColumn(0)
    proxy.setFilterRole(KEY_ROLE)
    # Keys and queries are lowercase already: the cheapest comparison the proxy offers.
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseSensitive)
    pview = results_table(QTableView(), proxy)

    ours_runs: list[list[float]] = []
    complete_runs: list[list[float]] = []
    proxy_runs: list[list[float]] = []
    for run in range(args.repeat):  # interleaved: ours, proxy, ours, proxy, ...
        first, complete = timed_ours(ours, view, queries)
        ours_runs.append(first)
        complete_runs.append(complete)
        if run < args.proxy_repeat:
            proxy_runs.append(timed_proxy(proxy, pview, queries))
    ours_ms = [x for r in ours_runs for x in r]
    complete_ms = [x for r in complete_runs for x in r]
    proxy_ms = [x for r in proxy_runs for x in r]
    ours_best = [min(r[i] for r in ours_runs) for i in range(len(queries))]

    print(
        f"{args.rows:,} patients; index build {build_ms:.0f} ms (once, off the UI thread in the "
        f"app); queries ({len(queries)} keystrokes, each word typed from an empty field): "
        + ", ".join(repr(w) for w in words)
        + f"; ours x{args.repeat}, proxy x{len(proxy_runs)}, interleaved"
    )
    print()
    print("| filter, keystroke to | median ms/keystroke | p95 ms/keystroke | max ms |")
    print("|---|---:|---:|---:|")
    for name, samples in (
        ("ours: first matches shown (`set_query` + repaint)", ours_ms),
        ("ours: every match counted (the rest in idle time)", complete_ms),
        ("QSortFilterProxyModel: every match shown (`setFilterFixedString` + repaint)", proxy_ms),
    ):
        print(
            f"| {name} | {statistics.median(samples):.2f} | {p95(samples):.2f} | "
            f"{max(samples):.2f} |"
        )
    proxy_median = statistics.median(proxy_ms)
    # The ours runs beyond the proxy's have no partner.
    paired = zip(ours_runs[: len(proxy_runs)], proxy_runs, strict=True)
    per_keystroke = [o / p for mine, theirs in paired for o, p in zip(mine, theirs, strict=True)]
    print()
    print(
        f"Ratio ours/proxy (median ms per keystroke): first matches shown "
        f"**{statistics.median(ours_ms) / proxy_median:.3f}**, every match counted "
        f"**{statistics.median(complete_ms) / proxy_median:.3f}**; median of the per-keystroke "
        f"ratios (first shown): "
        f"{statistics.median(per_keystroke):.3f}."
    )
    print()
    print(
        "| keystroke | ours first shown: best ms | median ms | ours all counted: median ms "
        "| proxy: median ms |"
    )
    print("|---|---:|---:|---:|---:|")
    for i, q in enumerate(queries):
        median = statistics.median(r[i] for r in ours_runs)
        whole = statistics.median(r[i] for r in complete_runs)
        proxied = statistics.median(r[i] for r in proxy_runs)
        print(f"| `{q}` | {ours_best[i]:.2f} | {median:.2f} | {whole:.2f} | {proxied:.2f} |")
    print(
        "\nCommand: `QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.picker_filter "
        f"--rows {args.rows} --repeat {args.repeat} --proxy-repeat {args.proxy_repeat}`"
    )
    sys.stdout.flush()
    # PySide6 6.12 on Python 3.11 drops a reference to None on every call of a void Qt
    # method; after a run this long, interpreter finalization would abort on it.
    os._exit(0)


if __name__ == "__main__":
    main()
