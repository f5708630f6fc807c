"""`OrderHistoryModel`: the order list, paged from the API on demand.

Qt asks `canFetchMore`/`fetchMore` as the table scrolls; each call fetches one page on the
async bridge (one request in flight at a time, `page_requests`) and inserts its rows when it
arrives. Rows are precomputed `OrderRow`s (built on the bridge thread). Sorting and the
client-side filter work on what is loaded, inside this model (docs/decisions.md: no
QSortFilterProxyModel).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from impilo_desktop.api.models import Order, Page
from impilo_desktop.domain.needs_action import needs_action, next_step, status_cell
from impilo_desktop.ui.plumbing.bridge import AsyncBridge
from impilo_desktop.ui.plumbing.freed_memory import FreedMemoryAfterBurst

from .filters import LocalFilter, OrderQuery
from .order_row import HEADERS, Column, OrderRow
from .page_requests import FetchPage, PageListener, PageRequests
from .status_style import status_icon

AnyIndex = QModelIndex | QPersistentModelIndex

# UserRole + 1 gave the row's whole `Order` until rows stopped keeping it (order_row.py).
ROW_ROLE = int(Qt.ItemDataRole.UserRole) + 2
"""data(index, ROW_ROLE) -> the `OrderRow` of that row."""

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)


class OrderHistoryModel(QAbstractTableModel):
    """Orders from `GET /order`, page by page, with client-side sort and filter."""

    loading_changed = Signal(bool)
    """A page request started (True) or ended (False)."""
    page_loaded = Signal(object)
    """The orders of a page that just arrived (for the order cache)."""
    page_failed = Signal(object)
    """A page request failed; the exception."""
    counts_changed = Signal()
    """Loaded, visible or total counts changed."""
    load_all_progress = Signal(int, int)
    """While loading all matching orders: (loaded, total)."""
    load_all_finished = Signal(bool)
    """Loading all matching orders ended: True when complete, False when cancelled/failed."""

    def __init__(
        self,
        bridge: AsyncBridge,
        fetch_page: FetchPage,
        *,
        page_size: int = 50,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        listener = PageListener(
            loading=self.loading_changed.emit,
            rows=self._merge,
            page=self._on_page,
            failed=self.page_failed.emit,
            loaded_count=lambda: len(self._loaded),
            load_all_progress=self.load_all_progress.emit,
            load_all_finished=self.load_all_finished.emit,
        )
        self._pages = PageRequests(bridge, fetch_page, page_size, listener)
        self._freed = FreedMemoryAfterBurst(bridge, "history pages", self)
        self._filter = LocalFilter()
        self._loaded: list[OrderRow] = []
        self._by_id: dict[int, OrderRow] = {}
        self._rows: list[OrderRow] = []
        self._sort: tuple[Column, Qt.SortOrder] | None = None
        # Qt's view asks `canFetchMore` as soon as it is laid out, hidden or not; the first
        # page waits for the page to ask (`reload`), so no request leaves before the
        # coordinator opens the history (with a key that may not be entered yet).
        self._started = False
        # What the Status column says instead of the next step, by order (a correction sent).
        self._status_notes: dict[int, str] = {}
        # The next step in the Status column only while the list shows only orders that need
        # action: elsewhere the column keeps the width the laptop fit measured (tooltips say
        # it there).
        self._steps_shown = False

    # --- state -----------------------------------------------------------------------------

    @property
    def query(self) -> OrderQuery:
        return self._pages.query

    @property
    def local_filter(self) -> LocalFilter:
        return self._filter

    @property
    def loaded_count(self) -> int:
        return len(self._loaded)

    @property
    def total(self) -> int | None:
        """How many orders the server says match the query (None before the first page)."""
        return self._pages.total

    @property
    def exhausted(self) -> bool:
        return self._pages.exhausted

    @property
    def loading(self) -> bool:
        return self._pages.loading

    @property
    def loading_all(self) -> bool:
        return self._pages.loading_all

    @property
    def pages_requested(self) -> int:
        return self._pages.pages_requested

    def rows(self) -> list[OrderRow]:
        """The visible rows, in display order (a copy)."""
        return list(self._rows)

    def row_at(self, row: int) -> OrderRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, order_id: int) -> int:
        """The visible row of an order id, or -1."""
        for i, row in enumerate(self._rows):
            if row.order_id == order_id:
                return i
        return -1

    def has_order(self, order_id: int) -> bool:
        """True when the order is among the loaded rows."""
        return order_id in self._by_id

    def loaded_row(self, order_id: int) -> OrderRow | None:
        """The loaded row of an order (visible or filtered out), or None."""
        return self._by_id.get(order_id)

    @property
    def fetch_page(self) -> FetchPage:
        """Where pages come from now (Impilo, or the order cache offline)."""
        return self._pages.fetch_page

    def loaded_rows(self) -> list[OrderRow]:
        return list(self._loaded)

    # --- source and query ------------------------------------------------------------------

    def set_fetch_page(self, fetch_page: FetchPage) -> None:
        """Swap where pages come from (the API, or the order cache when offline) and reload."""
        self._pages.fetch_page = fetch_page
        self.reload()

    def set_query(self, query: OrderQuery) -> None:
        """Change the server-side filter; starts over from page 1."""
        if query != self._pages.query:
            self._pages.query = query
            self.reload()

    def reload(self) -> None:
        """Forget every loaded order and fetch the first page again."""
        self._started = True
        self._pages.reset()
        self.beginResetModel()
        self._loaded = []
        self._by_id = {}
        self._rows = []
        self.endResetModel()
        self.counts_changed.emit()
        self.fetchMore(QModelIndex())

    def set_local_filter(self, local_filter: LocalFilter) -> None:
        if local_filter == self._filter:
            return
        had_words = bool(self._filter.text.split())
        self._filter = local_filter
        statuses = local_filter.statuses
        self._steps_shown = bool(statuses) and all(needs_action(s) for s in statuses)
        self.beginResetModel()
        self._rows = [r for r in self._loaded if local_filter.matches(r)]
        self._sort_in_place()
        self.endResetModel()
        if had_words and not local_filter.text.split():
            for row in self._loaded:  # the keys were kept for the text filter only
                row.search_text = None
        self.counts_changed.emit()

    # --- paging ----------------------------------------------------------------------------

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        # While a client-side filter hides rows, scrolling must not silently pull the whole
        # server list; "Load all matching" does that explicitly.
        if parent.isValid() or not self._started or self.exhausted or self._pages.failed:
            return False
        return not self._filter.is_active or self._loaded == []

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self.exhausted or self.loading:
            return
        self._pages.request_next_page()

    def fetch_next_page(self) -> bool:
        """Explicitly fetch the next page (even while filtering). False if none is left or one
        is already on its way."""
        if self.exhausted or self.loading:
            return False
        self._pages.failed = False
        self._pages.request_next_page()
        return True

    def load_all_matching(self) -> None:
        """Keep fetching pages until the server list is exhausted (progress through
        `load_all_progress`; stop with `cancel_load_all`)."""
        self._pages.load_all_matching()

    def cancel_load_all(self) -> None:
        """Stop after the page in flight (which is still shown when it arrives)."""
        self._pages.cancel_load_all()

    def _on_page(self, envelope: Page[Order]) -> None:
        self._freed.noted()
        self.counts_changed.emit()
        self.page_loaded.emit(envelope.content)

    # --- changes ---------------------------------------------------------------------------

    def _merge(self, rows: Iterable[OrderRow]) -> None:
        """Add newly arrived rows; an order already loaded (pages can shift while the server
        list grows) is updated in place instead of shown twice."""
        fresh: list[OrderRow] = []
        for row in rows:
            if row.order_id in self._by_id:
                self._replace(row)
                continue
            self._by_id[row.order_id] = row
            self._loaded.append(row)
            if self._filter.matches(row):
                fresh.append(row)
        if not fresh:
            return
        start = len(self._rows)
        self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
        self._rows.extend(fresh)
        self.endInsertRows()
        if self._sort is not None:
            self._resort()

    def _replace(self, row: OrderRow) -> None:
        old = self._by_id[row.order_id]
        self._by_id[row.order_id] = row
        self._loaded[self._loaded.index(old)] = row
        try:
            position = self._rows.index(old)
        except ValueError:
            position = -1
        visible = self._filter.matches(row)
        if position >= 0 and visible:
            self._rows[position] = row
            self.dataChanged.emit(self.index(position, 0), self.index(position, len(Column) - 1))
        elif position >= 0:
            self.beginRemoveRows(QModelIndex(), position, position)
            del self._rows[position]
            self.endRemoveRows()
        elif visible:
            self.beginInsertRows(QModelIndex(), 0, 0)
            self._rows.insert(0, row)
            self.endInsertRows()

    def set_status_note(self, order_id: int, note: str) -> None:
        """Say `note` ("address correction sent") in the order's Status cell instead of its
        next step ("" for the next step again)."""
        self._status_notes[order_id] = note
        row = self.row_of(order_id)
        if row >= 0:
            self.dataChanged.emit(self.index(row, Column.STATUS), self.index(row, Column.STATUS))

    def include(self, rows: list[OrderRow]) -> None:
        """Show these orders too (known from the order cache) without counting them in the
        server's total; an order already loaded stays as it is."""
        fresh = [r for r in rows if r.order_id >= 0 and r.order_id not in self._by_id]
        if not fresh:
            return
        self._merge(fresh)
        self.counts_changed.emit()

    def upsert_order(self, order: Order) -> None:
        """Show the latest state of one order (after a refresh, a void or a status poll). An
        order not loaded yet goes to the top, where the newest orders are."""
        row = OrderRow.from_order(order)
        if row.order_id in self._by_id:
            self._replace(row)
        else:
            self._by_id[row.order_id] = row
            self._loaded.insert(0, row)
            if self._filter.matches(row):
                self.beginInsertRows(QModelIndex(), 0, 0)
                self._rows.insert(0, row)
                self.endInsertRows()
            if self._pages.total is not None:
                self._pages.total += 1
        if self._sort is not None:
            self._resort()
        self.counts_changed.emit()

    # --- sorting ---------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(Column):
            self._sort = None
            return
        self._sort = (Column(column), order)
        self._resort()

    def _sort_in_place(self) -> None:
        if self._sort is None:
            return
        column, order = self._sort
        self._rows.sort(
            key=lambda r: r.sort_key(column), reverse=order == Qt.SortOrder.DescendingOrder
        )

    def _resort(self) -> None:
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        tracked = [
            self._rows[i.row()] if 0 <= i.row() < len(self._rows) else None for i in persistent
        ]
        self._sort_in_place()
        position = {id(r): i for i, r in enumerate(self._rows)}
        moved = [
            self.index(position[id(r)], old.column()) if r is not None else QModelIndex()
            for old, r in zip(persistent, tracked, strict=True)
        ]
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    # --- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        r = index.row()
        if not 0 <= r < len(self._rows):
            return None
        row = self._rows[r]
        column = index.column()
        if column == Column.STATUS and role in (_DISPLAY, _ACCESSIBLE) and self._steps_shown:
            return status_cell(row.status, self._status_notes.get(row.order_id, ""))
        if column == Column.STATUS and role == _TOOLTIP:
            note = self._status_notes.get(row.order_id, "")
            step = next_step(row.status)
            text = row.text(column)
            return f"{text}: {note or step}" if step else text
        if role in (_DISPLAY, _TOOLTIP, _ACCESSIBLE):
            return row.text(column)
        if role == _DECORATION and column == Column.STATUS:
            return status_icon(row.status)
        if role == _ALIGN and column == Column.ORDER_ID:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == ROW_ROLE:
            return row
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        # The tooltip too: a narrow column's header shows only the start of its name.
        if horizontal and role in (_DISPLAY, _TOOLTIP) and 0 <= section < len(Column):
            return HEADERS[Column(section)]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )
