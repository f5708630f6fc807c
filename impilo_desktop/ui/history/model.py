"""`OrderHistoryModel`: the order list, paged from the API on demand.

Qt asks `canFetchMore`/`fetchMore` as the table scrolls; each call fetches one page on the
async bridge (one request in flight at a time) and inserts its rows when it arrives. Rows are
precomputed `OrderRow`s (built on the bridge thread). Sorting and the client-side filter work
on what is loaded, inside this model (docs/decisions.md: no QSortFilterProxyModel).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
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
from impilo_desktop.api.paging import PageCursor
from impilo_desktop.domain.needs_action import needs_action, next_step, status_cell
from impilo_desktop.ui.plumbing.bridge import AsyncBridge, Job

from .filters import LocalFilter, OrderQuery
from .order_row import HEADERS, Column, OrderRow
from .status_style import status_icon

FetchPage = Callable[[OrderQuery, int, int], Coroutine[Any, Any, Page[Order]]]
"""`fetch_page(query, page, size)`: one page of orders (1-based pages)."""

AnyIndex = QModelIndex | QPersistentModelIndex

ORDER_ROLE = int(Qt.ItemDataRole.UserRole) + 1
"""data(index, ORDER_ROLE) -> the `Order` of that row."""
ROW_ROLE = int(Qt.ItemDataRole.UserRole) + 2
"""data(index, ROW_ROLE) -> the `OrderRow` of that row."""

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)


async def _fetch_rows(
    fetch_page: FetchPage, query: OrderQuery, page: int, size: int
) -> tuple[Page[Order], list[OrderRow]]:
    result = await fetch_page(query, page, size)
    # Building display rows here keeps the per-order work off the UI thread.
    return result, [OrderRow.from_order(order) for order in result.content]


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
        self._bridge = bridge
        self._fetch_page = fetch_page
        self._page_size = page_size
        self._query = OrderQuery()
        self._filter = LocalFilter()
        self._loaded: list[OrderRow] = []
        self._by_id: dict[int, OrderRow] = {}
        self._rows: list[OrderRow] = []
        self._sort: tuple[Column, Qt.SortOrder] | None = None
        # When the server's list has ended is the paging module's call (api/paging.py).
        self._cursor = PageCursor(size=page_size, what="order history")
        self._pages_requested = 0
        self._total: int | None = None
        self._failed = False
        self._job: Job | None = None
        self._requested: int | None = None  # the page on its way, if any
        self._generation = 0
        self._loading_all = False
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
        return self._query

    @property
    def local_filter(self) -> LocalFilter:
        return self._filter

    @property
    def loaded_count(self) -> int:
        return len(self._loaded)

    @property
    def total(self) -> int | None:
        """How many orders the server says match the query (None before the first page)."""
        return self._total

    @property
    def exhausted(self) -> bool:
        return self._cursor.done

    @property
    def loading(self) -> bool:
        return self._requested is not None

    @property
    def loading_all(self) -> bool:
        return self._loading_all

    @property
    def pages_requested(self) -> int:
        return self._pages_requested

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

    def loaded_order(self, order_id: int) -> Order | None:
        row = self._by_id.get(order_id)
        return row.order if row else None

    @property
    def fetch_page(self) -> FetchPage:
        """Where pages come from now (Impilo, or the order cache offline)."""
        return self._fetch_page

    def loaded_rows(self) -> list[OrderRow]:
        return list(self._loaded)

    # --- source and query ------------------------------------------------------------------

    def set_fetch_page(self, fetch_page: FetchPage) -> None:
        """Swap where pages come from (the API, or the order cache when offline) and reload."""
        self._fetch_page = fetch_page
        self.reload()

    def set_query(self, query: OrderQuery) -> None:
        """Change the server-side filter; starts over from page 1."""
        if query != self._query:
            self._query = query
            self.reload()

    def reload(self) -> None:
        """Forget every loaded order and fetch the first page again."""
        self._started = True
        self._cancel_request()
        self.beginResetModel()
        self._loaded = []
        self._by_id = {}
        self._rows = []
        self._cursor = PageCursor(size=self._page_size, what="order history")
        self._pages_requested = 0
        self._total = None
        self._failed = False
        self.endResetModel()
        self.counts_changed.emit()
        self.fetchMore(QModelIndex())

    def set_local_filter(self, local_filter: LocalFilter) -> None:
        if local_filter == self._filter:
            return
        self._filter = local_filter
        statuses = local_filter.statuses
        self._steps_shown = bool(statuses) and all(needs_action(s) for s in statuses)
        self.beginResetModel()
        self._rows = [r for r in self._loaded if local_filter.matches(r)]
        self._sort_in_place()
        self.endResetModel()
        self.counts_changed.emit()

    # --- paging ----------------------------------------------------------------------------

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        # While a client-side filter hides rows, scrolling must not silently pull the whole
        # server list; "Load all matching" does that explicitly.
        if parent.isValid() or not self._started or self.exhausted or self._failed:
            return False
        return not self._filter.is_active or self._loaded == []

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self.exhausted or self._requested is not None:
            return
        self._request_next_page()

    def fetch_next_page(self) -> bool:
        """Explicitly fetch the next page (even while filtering). False if none is left or one
        is already on its way."""
        if self.exhausted or self._requested is not None:
            return False
        self._failed = False
        self._request_next_page()
        return True

    def _request_next_page(self) -> None:
        generation = self._generation
        page = self._cursor.number
        # State first: the answer must find the model already waiting for it.
        self._pages_requested += 1
        self._requested = page
        self.loading_changed.emit(True)
        job = self._bridge.submit(
            _fetch_rows(self._fetch_page, self._query, page, self._page_size),
            on_result=lambda result: self._on_page(generation, page, result),
            on_error=lambda error: self._on_error(generation, error),
        )
        if self._requested == page:  # not answered yet
            self._job = job

    def _cancel_request(self) -> None:
        self._generation += 1
        if self._job is not None:
            self._job.cancel()
        if self._requested is not None:
            self._job = None
            self._requested = None
            self.loading_changed.emit(False)
        if self._loading_all:
            self._loading_all = False
            self.load_all_finished.emit(False)

    def _on_page(
        self, generation: int, page: int, result: tuple[Page[Order], list[OrderRow]]
    ) -> None:
        if generation != self._generation:
            return  # an answer to a query that has since changed
        envelope, rows = result
        self._job = None
        self._requested = None
        if envelope.total is not None:
            self._total = envelope.total
        if self._cursor.accept(envelope):
            self._merge(rows)
        self.loading_changed.emit(False)
        self.counts_changed.emit()
        self.page_loaded.emit(envelope.content)
        if self._loading_all:
            self.load_all_progress.emit(len(self._loaded), self._total or len(self._loaded))
            if self.exhausted:
                self._loading_all = False
                self.load_all_finished.emit(True)
            else:
                self._request_next_page()

    def _on_error(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self._job = None
        self._requested = None
        self._failed = True
        self._pages_requested -= 1  # the same page is asked for again on retry
        self.loading_changed.emit(False)
        if self._loading_all:
            self._loading_all = False
            self.load_all_finished.emit(False)
        self.page_failed.emit(error)

    def load_all_matching(self) -> None:
        """Keep fetching pages until the server list is exhausted (progress through
        `load_all_progress`; stop with `cancel_load_all`)."""
        if self.exhausted:
            self.load_all_finished.emit(True)
            return
        self._loading_all = True
        self._failed = False
        self.load_all_progress.emit(len(self._loaded), self._total or 0)
        if self._requested is None:
            self._request_next_page()

    def cancel_load_all(self) -> None:
        """Stop after the page in flight (which is still shown when it arrives)."""
        if self._loading_all:
            self._loading_all = False
            self.load_all_finished.emit(False)

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

    def include(self, orders: list[Order]) -> None:
        """Show these orders too (known from the order cache) without counting them in the
        server's total; an order already loaded stays as it is."""
        fresh = [o for o in orders if o.id is not None and o.id not in self._by_id]
        if not fresh:
            return
        self._merge([OrderRow.from_order(order) for order in fresh])
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
            if self._total is not None:
                self._total += 1
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
            return f"{row.texts[column]}: {note or step}" if step else row.texts[column]
        if role in (_DISPLAY, _TOOLTIP, _ACCESSIBLE):
            return row.texts[column]
        if role == _DECORATION and column == Column.STATUS:
            return status_icon(row.status)
        if role == _ALIGN and column == Column.ORDER_ID:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == ORDER_ROLE:
            return row.order
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
