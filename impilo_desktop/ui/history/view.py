"""`OrderHistoryView`: the Order history page.

"Where is this patient's kit?" - the table pages through `GET /order` as the coordinator
scrolls, the filters narrow it, and the side panel shows the whole order. Offline, the page
shows the orders saved in the store's order cache. Orders this app placed are polled for
status changes while the app runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import (
    QEvent,
    QObject,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.api.models import Order, Patient

from .actions import ExportControls, OrderActions, error_text
from .csv_export import CsvExporter
from .detail import OrderDetailView
from .filter_bar import OrderFilterBar
from .filters import LocalFilter, OrderQuery
from .list_footer import ListFooter
from .model import OrderHistoryModel
from .names import named
from .notify import Notifier
from .order_list import DetailSplitter, fit_columns, make_order_table
from .order_row import site_of
from .poller import DEFAULT_INTERVAL_SECONDS
from .selection import SelectedOrder
from .sources import OfflineBanner, OnlineOrders, OrderSources
from .status_watch import StatusWatch

if TYPE_CHECKING:
    from impilo_desktop.ui.services import AppServices

log = logging.getLogger(__name__)
T = TypeVar("T")


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
        self.table = make_order_table(self.model)
        self.detail = OrderDetailView()
        self.footer = ListFooter(self.model, lambda: self.sources.offline)
        self.count_label = self.footer.count_label
        self.load_all_button = self.footer.load_all_button
        self.progress = self.footer.progress
        self.cancel_button = self.footer.cancel_button
        self._build_layout(services.home / "window.ini")
        self.setFocusProxy(self.table)  # Ctrl+3 / the sidebar land on the order list
        self.column_fitter = fit_columns(self.table)
        self.selection = SelectedOrder(
            self._bridge,
            self.table,
            self.model,
            self.detail,
            self.splitter,
            self.sources,
            self._say,
            parent=self,
        )
        self.watch = StatusWatch(
            services,
            self.model,
            self.selection,
            self.sources,
            self._say,
            interval_seconds=poll_interval_seconds,
            parent=self,
        )
        self.poller = self.watch.poller
        self.order_actions = OrderActions(
            self,
            services,
            self.detail,
            ExportControls(self.export_button, self.progress, self.cancel_button),
            rows=self.model.rows,
            reorder=self.reorder_requested.emit,
            fresh_order=self.watch.fresh_order,
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

    def _build_layout(self, layout_file: Path) -> None:
        order_list = QWidget()
        list_layout = QVBoxLayout(order_list)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addWidget(self.table, 1)
        list_layout.addWidget(self.footer)
        self.splitter = DetailSplitter(order_list, self.detail, layout_file)

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
        self.filters.query_changed.connect(self._on_query)
        self.filters.local_filter_changed.connect(self._on_local_filter)
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self.order_actions.choose_csv_file)
        self.cancel_button.clicked.connect(self._cancel_running)
        self.detail.reorder_clicked.connect(self.order_actions.reorder_selected)
        self.detail.void_clicked.connect(self.order_actions.confirm_void)
        self.detail.save_pdf_clicked.connect(self.order_actions.choose_pdf_file)
        self.detail.refresh_clicked.connect(self.refresh_selected)
        # From the search field, Enter or Down goes to the matches (the first one current).
        self.filters.search.returnPressed.connect(self.selection.back_to_list)
        self.filters.search.installEventFilter(self)

    # --- data sources --------------------------------------------------------------------------

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
        self.selection.ensure_current_row()

    def focus_filter(self) -> None:
        self.filters.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filters.search.selectAll()

    def show_order(self, order_id: int) -> None:
        """Select an order and show its details, fetching it when it is not loaded."""
        self.selection.show_order(order_id)

    def selected_order(self) -> Order | None:
        return self.selection.order

    def copy_order_ids(self) -> None:
        self.selection.copy_order_ids()

    # --- list events ---------------------------------------------------------------------------

    def _on_page_loaded(self, orders: list[Order]) -> None:
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
        self.footer.show_counts()

    def _cancel_running(self) -> None:
        self.model.cancel_load_all()
        self.exporter.cancel()

    # --- actions ---------------------------------------------------------------------------------

    def refresh_selected(self) -> None:
        order = self.detail.order
        if order is None or order.id is None:
            return
        self._bridge.submit(
            self.sources.online.get_order(order.id),
            on_result=self.watch.fresh_order,
            on_error=lambda e: self._say(
                f"Order {order.id} could not be refreshed: {error_text(e)}"
            ),
        )

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
            self.selection.back_to_list()
            return True
        return super().eventFilter(watched, event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.poller.stop()
        self.exporter.cancel()
        super().closeEvent(event)
