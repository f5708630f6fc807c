"""The list model behind every picker: a table over records, filtered by `SearchIndex`.

Filtering and sorting happen here, on plain Python lists of row indexes, never through
QSortFilterProxyModel (docs/decisions.md). A query change is one model reset: the view asks only for
the visible rows, and with fixed row heights it never measures the others.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from impilo_desktop.ui.order_entry.search_index import SearchIndex

# Filtering per keystroke stops at this time, or once a screenful (and some) has matched;
# the rest follows in idle turns of the same budget, so typing never waits for it.
SEARCH_BUDGET_S = 0.004
FIRST_MATCHES = 300

RECORD_ROLE = int(Qt.ItemDataRole.UserRole) + 1
"""Role returning the row's record object (PatientRecord, SiteRecord, ...)."""

AnyIndex = QModelIndex | QPersistentModelIndex

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
_SERVED_ROLES = frozenset({_DISPLAY, _TOOLTIP, _FOREGROUND, _ACCESSIBLE, RECORD_ROLE})
_HORIZONTAL = Qt.Orientation.Horizontal
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_CHOOSABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class PickerRecord(Protocol):
    """What a picker needs from a record."""

    @property
    def id(self) -> int: ...

    @property
    def display_name(self) -> str: ...

    def search_key(self) -> str: ...

    def sort_key(self) -> tuple[str, str, str]: ...


R = TypeVar("R", bound=PickerRecord)


class RecordTable(Protocol[R]):
    """How a picker holds its records: a plain list (`RecordList`), or a compact table that
    makes a record when it is asked for one (`PatientTable`: 100,000 patients)."""

    def __len__(self) -> int: ...

    def __getitem__(self, row: int) -> R: ...

    def __iter__(self) -> Iterator[R]: ...

    def id_at(self, row: int) -> int: ...

    def position_of(self, record_id: int) -> int: ...

    def known_ids(self, ids: Iterable[int]) -> set[int]: ...

    def extend(self, records: Iterable[R]) -> None: ...

    def reordered(self, order: Sequence[int]) -> RecordTable[R]: ...


class RecordList(list[R]):
    """A few hundred sites, items or kits: a list of records, as a `RecordTable`."""

    def id_at(self, row: int) -> int:
        return self[row].id

    def position_of(self, record_id: int) -> int:
        return next((i for i, r in enumerate(self) if r.id == record_id), -1)

    def known_ids(self, ids: Iterable[int]) -> set[int]:
        return set(ids).intersection(r.id for r in self)

    def reordered(self, order: Sequence[int]) -> RecordList[R]:
        return RecordList(self[i] for i in order)


@dataclass(frozen=True)
class PickerColumn(Generic[R]):
    """One column: its title, the cell text, and the sort key (defaults to the text)."""

    title: str
    text: Callable[[R], str]
    sort_key: Callable[[R], Any] | None = None


@dataclass(frozen=True)
class PreparedRecords(Generic[R]):
    """Records in display order with their search index (see `prepare_records`)."""

    records: RecordTable[R]
    index: SearchIndex


def prepare_records(records: Sequence[R]) -> PreparedRecords[R]:
    """Sort `records` into their natural order and index them. Pure Python: for large
    caches run it off the UI thread (about half a second for 100,000 patients)."""
    ordered = RecordList(sorted(records, key=lambda r: r.sort_key()))
    return PreparedRecords(ordered, SearchIndex([r.search_key() for r in ordered]))


class PickerModel(QAbstractTableModel, Generic[R]):
    """Records filtered by a query (and an optional scope such as a site).

    A keystroke's filtering gets `SEARCH_BUDGET_S`; a broad query over a large cache shows
    its first matches at once and the rest are appended in idle time (`search_progress`).
    """

    search_progress = Signal(int, int)  # matches so far, complete (0/1)

    def __init__(
        self,
        columns: Sequence[PickerColumn[R]],
        *,
        enabled: Callable[[R], bool] | None = None,
        tooltip: Callable[[R], str | None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._enabled = enabled
        self._tooltip = tooltip
        self._records: RecordTable[R] = RecordList()
        self._index = SearchIndex([])
        # The rows shown, as an array: 100,000 row numbers in a list were an int object
        # each (3.6 MiB for an empty query over the patients).
        self._visible = array("I")
        self._query = ""
        self._scope: Hashable = None
        self._scope_filter: Callable[[int], bool] | None = None
        self._more = QTimer(self)
        self._more.setSingleShot(True)
        self._more.setInterval(0)
        self._more.timeout.connect(self._continue_search)

    # --- data in -------------------------------------------------------------------------

    def set_records(self, records: Sequence[R] | PreparedRecords[R]) -> None:
        """Replace every record. Pass `PreparedRecords` (see `prepare_records`) to keep the
        sorting and key building of a large cache off the UI thread."""
        prepared = records if isinstance(records, PreparedRecords) else prepare_records(records)
        self._more.stop()
        self.beginResetModel()
        self._records = prepared.records
        self._index = prepared.index
        self._visible = array(
            "I", self._index.search(self._query, scope=self._scope, scope_filter=self._scope_filter)
        )
        self.endResetModel()
        # A picker with a query typed before the data arrived shows its matches now.
        self.search_progress.emit(len(self._visible), 1)

    def add_records(self, records: Sequence[R]) -> list[R]:
        """Add records not yet known (by id), e.g. server results; returns those added."""
        known = self._records.known_ids(r.id for r in records)
        fresh: list[R] = []
        for r in records:
            if r.id not in known:
                known.add(r.id)
                fresh.append(r)
        if fresh:
            self._records.extend(fresh)
            self._index.extend([r.search_key() for r in fresh])
        return fresh

    def show_only(self, records: Sequence[R]) -> None:
        """Show exactly these (known) records, e.g. the answer of a server lookup."""
        wanted = {r.id for r in records}
        self._more.stop()
        self.beginResetModel()
        id_at = self._records.id_at
        self._visible = array("I", (i for i in range(len(self._records)) if id_at(i) in wanted))
        self.endResetModel()

    def set_query(
        self,
        query: str,
        *,
        scope: Hashable = None,
        scope_filter: Callable[[int], bool] | None = None,
    ) -> int:
        """Filter to the rows matching `query` within `scope`; returns the match count."""
        self._query, self._scope, self._scope_filter = query, scope, scope_filter
        self._more.stop()
        visible = self._index.search(
            query,
            scope=scope,
            scope_filter=scope_filter,
            budget=SEARCH_BUDGET_S,
            enough=FIRST_MATCHES,
        )
        self.beginResetModel()
        self._visible = array("I", visible)
        self.endResetModel()
        if not self._index.complete:
            self._more.start()  # the rest when the event loop is idle
        self.search_progress.emit(len(self._visible), int(self._index.complete))
        return len(visible)

    @property
    def search_complete(self) -> bool:
        """False while a broad query's remaining rows are still being matched."""
        return self._index.complete

    def finish_search(self) -> None:
        """Match the remaining rows now (e.g. before acting on the full result)."""
        if not self._index.complete:
            self._append(self._index.resume(None))

    def _continue_search(self) -> None:
        self._append(self._index.resume(SEARCH_BUDGET_S))
        if not self._index.complete:
            self._more.start()

    def _append(self, rows: list[int]) -> None:
        if rows:
            first = len(self._visible)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._visible.extend(rows)
            self.endInsertRows()
        self.search_progress.emit(len(self._visible), int(self._index.complete))

    # --- data out ------------------------------------------------------------------------

    @property
    def records(self) -> RecordTable[R]:
        return self._records

    @property
    def query(self) -> str:
        return self._query

    def record(self, row: int) -> R | None:
        if 0 <= row < len(self._visible):
            return self._records[self._visible[row]]
        return None

    def record_at(self, source_row: int) -> R:
        """The record by its position in `records` (scope filters receive these)."""
        return self._records[source_row]

    def find(self, predicate: Callable[[R], bool]) -> R | None:
        """The first record (visible or not) for which `predicate` holds."""
        return next((r for r in self._records if predicate(r)), None)

    def row_of(self, record_id: int) -> int:
        """The visible row showing `record_id`, or -1."""
        id_at = self._records.id_at
        for row, source in enumerate(self._visible):
            if id_at(source) == record_id:
                return row
        return -1

    def is_enabled(self, record: R) -> bool:
        return self._enabled is None or self._enabled(record)

    # --- QAbstractTableModel -------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for every role of every visible cell on each repaint: answer the roles we
        # do not serve before touching the index (plain ints; enum lookups cost here).
        if role not in _SERVED_ROLES:
            return None
        row = index.row()
        if row < 0 or row >= len(self._visible):
            return None
        record = self._records[self._visible[row]]
        if role == _DISPLAY:
            return self._columns[index.column()].text(record)
        if role == RECORD_ROLE:
            return record
        if role == _TOOLTIP:
            return self._tooltip(record) if self._tooltip else None
        if role == _FOREGROUND:
            if self._enabled is None or self._enabled(record):
                return None
            return QApplication.palette().brush(
                QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text
            )
        column = self._columns[index.column()]
        return f"{column.title}: {column.text(record)}"  # AccessibleTextRole

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != _DISPLAY or orientation != _HORIZONTAL or not 0 <= section < len(self._columns):
            return None
        return self._columns[section].title

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        row = index.row()
        if row < 0 or row >= len(self._visible):
            return _NO_FLAGS
        if self._enabled is not None and not self._enabled(self._records[self._visible[row]]):
            return _NO_FLAGS  # shown (so the coordinator learns why), but cannot be chosen
        return _CHOOSABLE

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort every record by `column` (an explicit header click, not per keystroke)."""
        if not 0 <= column < len(self._columns):
            return
        spec = self._columns[column]
        key = spec.sort_key or spec.text
        records = self._records
        new_order = sorted(
            range(len(records)),
            key=lambda i: key(records[i]),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        self._more.stop()
        self.layoutAboutToBeChanged.emit()
        old_persistent = self.persistentIndexList()
        old_ids = [records.id_at(self._visible[i.row()]) for i in old_persistent]
        self._records = records.reordered(new_order)
        self._index.permute(new_order)
        self._visible = array(
            "I", self._index.search(self._query, scope=self._scope, scope_filter=self._scope_filter)
        )
        id_at = self._records.id_at
        where = {id_at(source): row for row, source in enumerate(self._visible)}
        for old, record_id in zip(old_persistent, old_ids, strict=True):
            row = where.get(record_id, -1)
            new = self.index(row, old.column()) if row >= 0 else QModelIndex()
            self.changePersistentIndex(old, new)
        self.layoutChanged.emit()
