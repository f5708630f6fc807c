"""`OrderHistoryView`: the Order history page.

"Where is this patient's kit?" - the table pages through `GET /order` as the coordinator
scrolls, the filters narrow it, and the side panel shows the whole order. Offline, the page
shows the orders saved in the store's order cache. Orders this app placed are polled for
status changes while the app runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.api.errors import Unreachable
from impilo_desktop.api.models import Order, Patient
from impilo_desktop.store import EntryState

from .actions import ExportControls, OrderActions, error_text
from .column_fit import ColumnFitter
from .csv_export import CsvExporter
from .detail import OrderDetailView
from .filter_bar import OrderFilterBar
from .filters import LocalFilter, OrderQuery
from .model import OrderHistoryModel
from .names import named
from .notify import Notifier
from .order_row import Column, site_of
from .poller import DEFAULT_INTERVAL_SECONDS, OrderStatusPoller
from .sources import OfflineBanner, OnlineOrders, OrderSources
from .status_style import status_label

if TYPE_CHECKING:
    from impilo_desktop.ui.services import AppServices

log = logging.getLogger(__name__)
T = TypeVar("T")

_COLUMN_WIDTHS: dict[int, int] = {
    Column.ORDER_ID: 64,
    Column.LATEST_EVENT: 118,
    Column.RECIPIENT: 200,
    Column.STATUS: 142,
    Column.CONTENTS: 200,
    Column.TRACKING: 150,
    Column.EXTERNAL_IDS: 120,
}
# How narrow the text columns may get before the table scrolls sideways (they elide). The
# recipient keeps the most: it is what a coordinator scans the list for.
_COLUMN_MINIMUMS: dict[int, int] = {
    Column.RECIPIENT: 150,
    Column.STATUS: 112,
    Column.CONTENTS: 80,
    Column.TRACKING: 56,
    Column.EXTERNAL_IDS: 52,
}
DETAIL_WIDTH = 340
"""The detail panel's first width: enough for its lines without starving the table."""
SPLITTER_KEY = "history/splitter"


class OrderHistoryView(QWidget):
    """The order history page: filters, the paged order table and the order detail."""

    reorder_requested = Signal(object)
    """An `OrderDraft` made from the selected order."""
    notification = Signal(str)
    """A short message worth showing in the status bar (status changes, saved files)."""

    def __init__(
        self,
        services: AppServices,
        *,
        page_size: int = 50,
        poll_interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        named(self, "orderHistoryView", "Order history")
        self._services = services
        self._bridge = services.bridge

        self.banner = OfflineBanner()
        self.offline_banner = self.banner.label
        self.retry_button = self.banner.retry_button
        online = OnlineOrders(services)
        self.model = OrderHistoryModel(self._bridge, online.fetch_page, page_size=page_size)
        self.sources = OrderSources(services, online, self.model, self.banner, parent=self)
        self.filters = OrderFilterBar(self._search_patients)
        self.table = self._make_table()
        self.detail = OrderDetailView()
        self.poller = OrderStatusPoller(
            self._bridge,
            online.get_order,
            self._sent_order_ids,
            interval_seconds=poll_interval_seconds,
            parent=self,
        )
        self._build_layout()
        self.setFocusProxy(self.table)  # Ctrl+3 / the sidebar land on the order list
        self.column_fitter = ColumnFitter(self.table, _COLUMN_WIDTHS, _COLUMN_MINIMUMS)
        self._layout_settings = QSettings(
            str(services.home / "window.ini"), QSettings.Format.IniFormat
        )
        self._restore_splitter()
        self.order_actions = OrderActions(
            self,
            services,
            self.detail,
            ExportControls(self.export_button, self.progress, self.cancel_button),
            rows=self.model.rows,
            reorder=self.reorder_requested.emit,
            fresh_order=self._on_fresh_order,
            say=self._say,
        )
        self._build_actions()
        self._connect()
        # The first page is asked for when the page is first shown (`showEvent`): a window
        # opening on New order sends no history request. The poller runs from the start, so
        # a placed order's news arrives wherever the coordinator is.
        self._first_shown = False
        self.poller.start()

    # --- construction ------------------------------------------------------------------------

    def _make_table(self) -> QTableView:
        table = QTableView()
        named(table, "orderHistoryTable", "Orders")
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setShowGrid(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Tab leaves the list (arrows move within it); cell-by-cell Tab kept the focus in.
        table.setTabKeyNavigation(False)
        table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        rows = table.verticalHeader()
        rows.setVisible(False)
        # Fixed heights: Qt never measures 100,000 rows.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(table.fontMetrics().height() + 12)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column, width in _COLUMN_WIDTHS.items():
            table.setColumnWidth(column, width)
        header.setStretchLastSection(True)
        # No sort until the coordinator asks: the server's order is the newest first.
        header.setSortIndicator(-1, Qt.SortOrder.DescendingOrder)
        table.setSortingEnabled(True)
        return table

    def _build_layout(self) -> None:
        self.refresh_button = QPushButton("Refresh")
        named(self.refresh_button, "refreshHistoryButton", "Refresh order history")
        self.refresh_button.setToolTip("Fetch the order list again (Ctrl+R, F5)")
        self.export_button = QPushButton("Export CSV…")
        named(self.export_button, "exportHistoryCsvButton", "Export the shown orders to CSV")
        self.export_button.setToolTip("Save the orders shown in the table as a CSV file")
        title = QLabel("Order history")
        title.setObjectName("historyTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        title.setFont(font)
        heading = QHBoxLayout()
        heading.addWidget(title)
        heading.addStretch(1)
        heading.addWidget(self.export_button)
        heading.addWidget(self.refresh_button)

        self.count_label = QLabel()
        named(self.count_label, "historyCountLabel", "How many orders are shown")
        self.load_all_button = QPushButton("Load all matching")
        named(self.load_all_button, "loadAllMatchingButton", "Load all matching orders")
        self.load_all_button.setToolTip("Fetch every page from Impilo so the filter sees all")
        self.progress = QProgressBar()
        named(self.progress, "historyProgress", "Progress")
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        named(self.cancel_button, "historyCancelButton", "Cancel")
        for w in (self.load_all_button, self.progress, self.cancel_button):
            w.setVisible(False)
        footer = QHBoxLayout()
        footer.addWidget(self.count_label, 1)
        footer.addWidget(self.load_all_button)
        footer.addWidget(self.progress)
        footer.addWidget(self.cancel_button)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addLayout(footer)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("historySplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        # Extra width goes to the table; the detail panel keeps a comfortable reading width.
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setSizes([1000, DETAIL_WIDTH])
        self.splitter.setChildrenCollapsible(True)
        self.splitter.setCollapsible(0, False)

        self.notifier = Notifier(self)
        self.toast = self.notifier.toast

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 8)
        layout.addLayout(heading)
        layout.addWidget(self.banner)
        layout.addWidget(self.filters)
        layout.addWidget(self.splitter, 1)

    def _build_actions(self) -> None:
        self.refresh_action = QAction("Refresh", self)
        self.refresh_action.setObjectName("refreshHistoryAction")
        self.refresh_action.setShortcuts([QKeySequence("Ctrl+R"), QKeySequence(Qt.Key.Key_F5)])
        self.refresh_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.refresh_action.triggered.connect(self.refresh)
        self.addAction(self.refresh_action)
        self.find_action = QAction("Find", self)
        self.find_action.setObjectName("findInHistoryAction")
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        self.find_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.find_action.triggered.connect(self.focus_filter)
        self.addAction(self.find_action)
        self.copy_action = QAction("Copy order id", self.table)
        self.copy_action.setObjectName("copyOrderIdAction")
        self.copy_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.copy_action.triggered.connect(self.copy_order_ids)
        self.table.addAction(self.copy_action)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def _connect(self) -> None:
        self.model.page_loaded.connect(self._on_page_loaded)
        self.model.counts_changed.connect(self._update_counts)
        self.model.loading_changed.connect(self._update_counts)
        self.model.load_all_progress.connect(self._on_load_all_progress)
        self.model.load_all_finished.connect(self._on_load_all_finished)
        self.model.modelReset.connect(self._reselect)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.table.activated.connect(self._open_detail)
        self.filters.query_changed.connect(self._on_query)
        self.filters.local_filter_changed.connect(self._on_local_filter)
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self.order_actions.choose_csv_file)
        self.load_all_button.clicked.connect(self.model.load_all_matching)
        self.cancel_button.clicked.connect(self._cancel_running)
        self.detail.reorder_clicked.connect(self.order_actions.reorder_selected)
        self.detail.void_clicked.connect(self.order_actions.confirm_void)
        self.detail.save_pdf_clicked.connect(self.order_actions.choose_pdf_file)
        self.detail.refresh_clicked.connect(self.refresh_selected)
        self.detail.leave_requested.connect(self._back_to_list)
        # From the search field, Enter or Down goes to the matches (the first one current).
        self.filters.search.returnPressed.connect(self._back_to_list)
        self.filters.search.installEventFilter(self)
        self.splitter.splitterMoved.connect(self._save_splitter)
        self.poller.order_updated.connect(self._on_polled)
        self.poller.status_changed.connect(self._on_status_changed)
        entry_sent = getattr(getattr(self._services, "outbox", None), "entry_sent", None)
        if entry_sent is not None:
            entry_sent.connect(self._on_entry_sent)

    # --- data sources --------------------------------------------------------------------------

    def _sent_order_ids(self) -> list[int]:
        entries = self._services.store.list_outbox([EntryState.SENT])
        return [e.order_id for e in entries if e.order_id is not None]

    def _search_patients(self, text: str, deliver: Callable[[list[Patient]], None]) -> None:
        store = self._services.store
        self._bridge.call(
            lambda: store.search_patients(text, limit=30),
            on_result=deliver,
            on_error=lambda e: log.warning("Patient search failed: %s", e),
        )

    def _load_sites(self) -> None:
        self._bridge.call(
            self._services.store.cached_sites,
            on_result=self._merge_sites,
            on_error=lambda e: log.warning("Could not read cached sites: %s", e),
        )

    def _merge_sites(self, sites: list) -> None:
        known = {
            self.filters.site.itemData(i): self.filters.site.itemText(i)
            for i in range(1, self.filters.site.count())
        }
        for site in sites:
            if site.id is not None:
                known[site.id] = site.name or f"Site {site.id}"
        self.filters.set_sites([(k, v) for k, v in known.items() if isinstance(k, int)])

    # --- public --------------------------------------------------------------------------------

    @property
    def offline(self) -> bool:
        return self.sources.offline

    def refresh(self) -> None:
        """Fetch the list again (from Impilo; offline, try Impilo first)."""
        if self.sources.offline:
            self.go_online()
        else:
            self.model.reload()
        if self.detail.order is not None and not self.sources.offline:
            self.refresh_selected()

    def go_online(self) -> None:
        self.sources.go_online()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._first_shown:
            self._first_shown = True
            self._load_sites()
            self.model.reload()

    def page_activated(self) -> None:
        """The shell switched to this page: a current row, in view, so Enter opens it."""
        self._ensure_current_row()

    def _ensure_current_row(self) -> None:
        current = self.table.currentIndex()
        if not current.isValid() and self.model.rowCount() > 0:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            current = self.table.currentIndex()
        if current.isValid():
            selection = self.table.selectionModel()
            if not selection.isRowSelected(current.row(), current.parent()):
                # A reload can drop the highlight yet keep the current row: show it again.
                selection.select(
                    current,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
            self.table.scrollTo(current)

    def _back_to_list(self) -> None:
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self._ensure_current_row()

    def _restore_splitter(self) -> None:
        state = self._layout_settings.value(SPLITTER_KEY)
        if isinstance(state, QByteArray):
            self.splitter.restoreState(state)

    def _save_splitter(self, *_args: object) -> None:
        self._layout_settings.setValue(SPLITTER_KEY, self.splitter.saveState())

    def focus_filter(self) -> None:
        self.filters.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filters.search.selectAll()

    def show_order(self, order_id: int) -> None:
        """Select an order and show its details, fetching it when it is not loaded."""
        if self._select(order_id):
            return

        def shown(order: Order) -> None:
            self.model.upsert_order(order)
            if not self._select(order_id):
                self.detail.set_order(order)

        def failed(error: BaseException) -> None:
            if isinstance(error, Unreachable):
                self._show_cached(order_id)
            else:
                self._say(f"Order {order_id} could not be shown: {error_text(error)}")

        if self.sources.offline:
            self._show_cached(order_id)
        else:
            self._bridge.submit(
                self.sources.online.get_order(order_id), on_result=shown, on_error=failed
            )

    def selected_order(self) -> Order | None:
        return self.detail.order

    # --- list events ---------------------------------------------------------------------------

    def _on_page_loaded(self, orders: list[Order]) -> None:
        for order in orders:
            self.poller.observe(order)
        if self.table.hasFocus():
            # The page was opened before the first orders arrived.
            self._ensure_current_row()
        if self.sources.offline:
            return  # only pages from Impilo add sites
        # Sites seen on this page join the site filter (the reference cache may lag behind).
        page_sites = dict(site_of(order) for order in orders)
        page_sites.pop(None, None)
        combo = self.filters.site
        missing = [(k, v) for k, v in page_sites.items() if combo.findData(k) < 0]
        if missing:
            current = [(combo.itemData(i), combo.itemText(i)) for i in range(1, combo.count())]
            self.filters.set_sites(current + missing)

    def _on_query(self, query: OrderQuery) -> None:
        self.model.set_query(query)

    def _on_local_filter(self, local_filter: LocalFilter) -> None:
        self.model.set_local_filter(local_filter)
        self._update_counts()

    def _update_counts(self) -> None:
        m = self.model
        loaded, shown = m.loaded_count, m.rowCount()
        total = m.total
        of_total = f" of {total:,}" if total is not None and not m.exhausted else ""
        where = " saved" if self.sources.offline else ""
        if m.local_filter.is_active:
            if m.exhausted:
                text = f"{shown:,} matching — filtering all {loaded:,}{where} orders"
            else:
                text = f"{shown:,} matching — filtering {loaded:,} loaded{where} orders{of_total}"
        elif m.exhausted:
            text = f"All {loaded:,}{where} orders loaded"
        else:
            text = f"{loaded:,}{of_total}{where} orders loaded — scroll for more"
        if m.query.patient_id is not None or m.query.external_order_ids:
            text += f" (for {m.query.describe()})"
        if m.loading and not m.loading_all:
            text += " · loading…"
        self.count_label.setText(text)
        self.load_all_button.setVisible(
            m.local_filter.is_active and not m.exhausted and not m.loading_all
        )

    def _on_load_all_progress(self, loaded: int, total: int) -> None:
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(loaded)
        self.progress.setFormat(f"{loaded:,} / {total:,}")
        self.load_all_button.setVisible(False)

    def _on_load_all_finished(self, complete: bool) -> None:
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self._update_counts()

    def _cancel_running(self) -> None:
        self.model.cancel_load_all()
        self.exporter.cancel()

    # --- selection and detail ----------------------------------------------------------------

    def _select(self, order_id: int) -> bool:
        row = self.model.row_of(order_id)
        if row < 0:
            return False
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)
        row_data = self.model.row_at(row)
        shown = self.detail.order
        if row_data is not None and (shown is None or shown.id != order_id):
            self._show_detail(row_data.order)
        return True

    def _reselect(self) -> None:
        # After a reload the shown order stays in the panel; reselect it once it reappears.
        order = self.detail.order
        if order is not None and order.id is not None:
            wanted = order.id
            QTimer.singleShot(0, lambda: self._select(wanted))

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.row_at(current.row())
        if row is not None:
            self._show_detail(row.order)

    def _show_detail(self, order: Order) -> None:
        if self.sources.offline and order.id is not None:
            self._show_cached(order.id, fallback=order)
        else:
            self.detail.set_order(order)

    def _show_cached(self, order_id: int, fallback: Order | None = None) -> None:
        def shown(order: Order | None, saved_at: datetime | None) -> None:
            if order is None and fallback is None:
                self._say(f"Order {order_id} is not saved on this computer.")
                return
            self.detail.set_order(order or fallback, cached_at=saved_at)

        self.sources.saved_order(order_id, shown)

    def _open_detail(self, index: QModelIndex) -> None:
        sizes = self.splitter.sizes()
        if len(sizes) == 2 and sizes[1] == 0:
            self.splitter.setSizes([sizes[0] * 3 // 5, sizes[0] * 2 // 5])
        self.detail.browser.setFocus(Qt.FocusReason.OtherFocusReason)

    def copy_order_ids(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        ids = [str(r.order_id) for i in rows if (r := self.model.row_at(i)) is not None]
        if ids:
            QGuiApplication.clipboard().setText("\n".join(ids))

    # --- actions ---------------------------------------------------------------------------------

    def refresh_selected(self) -> None:
        order = self.detail.order
        if order is None or order.id is None:
            return
        self._bridge.submit(
            self.sources.online.get_order(order.id),
            on_result=self._on_fresh_order,
            on_error=lambda e: self._say(
                f"Order {order.id} could not be refreshed: {error_text(e)}"
            ),
        )

    def _on_fresh_order(self, order: Order) -> None:
        self.model.upsert_order(order)
        self.poller.observe(order)
        if self.detail.order is not None and self.detail.order.id == order.id:
            self.detail.set_order(order)
        self.sources.save([order])

    # The actions behind the detail panel's buttons and Export CSV live in `actions`.

    def reorder_selected(self) -> None:
        self.order_actions.reorder_selected()

    def confirm_void(self) -> None:
        self.order_actions.confirm_void()

    def void_order(self, order_id: int) -> None:
        """Void at Impilo, then show the order's new state (or the server's refusal)."""
        self.order_actions.void_order(order_id)

    def choose_pdf_file(self) -> None:
        self.order_actions.choose_pdf_file()

    def save_summary_pdf(self, order_id: int, path: Path) -> None:
        """Download Impilo's summary PDF and write it to `path`, both off the UI thread."""
        self.order_actions.save_summary_pdf(order_id, path)

    def choose_csv_file(self) -> None:
        self.order_actions.choose_csv_file()

    def export_csv(self, path: Path) -> None:
        """Write the rows the table shows (after filtering) to `path`."""
        self.order_actions.export_csv(path)

    @property
    def exporter(self) -> CsvExporter:
        return self.order_actions.exporter

    # --- polling and notifications -------------------------------------------------------------

    def _on_entry_sent(self, entry: object) -> None:
        order_id = getattr(entry, "order_id", None)
        if isinstance(order_id, int) and not self.sources.offline:
            self._bridge.submit(
                self.sources.online.get_order(order_id),
                on_result=self._on_fresh_order,
                on_error=lambda e: log.info("New order %s not fetched: %s", order_id, e),
            )

    def _on_polled(self, order: Order) -> None:
        if order.id is not None and self.model.loaded_order(order.id) is not None:
            self.model.upsert_order(order)
            if self.detail.order is not None and self.detail.order.id == order.id:
                self.detail.set_order(order)

    def _on_status_changed(self, order: Order, previous: str) -> None:
        who = ""
        if order.patient is not None and order.patient.full_name:
            who = f" for {order.patient.full_name}"
        elif order.site is not None and order.site.name:
            who = f" for {order.site.name}"
        self.model.upsert_order(order)
        self._say(
            f"Order {order.id}{who}: {status_label(previous)} → "
            f"{status_label(order.current_status)}",
            tray_title="Order status changed",
        )

    def _say(self, message: str, *, tray_title: str = "") -> None:
        """An unobtrusive note (toast, status bar, tray), also offered to the shell."""
        self.notifier.say(message, tray_title=tray_title)
        self.notification.emit(message)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The event's type first: a page freed by the cyclic collector loses its attributes
        # before the search field's last events arrive.
        if (
            event.type() == QEvent.Type.KeyPress
            and watched is self.filters.search
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
        ):
            self._back_to_list()
            return True
        return super().eventFilter(watched, event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.poller.stop()
        self.exporter.cancel()
        super().closeEvent(event)
