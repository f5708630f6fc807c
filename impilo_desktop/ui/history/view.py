"""`OrderHistoryView`: the Order history page.

"Where is this patient's kit?" - the table pages through `GET /order` as the coordinator
scrolls, the filters narrow it, and the side panel shows the whole order. Offline, the page
shows the orders saved in the store's order cache. Orders this app placed are polled for
status changes while the app runs.

The page puts together pieces that each have one concern: where the orders come from
(`sources`), the table and its split with the detail panel (`order_list`), the columns'
widths (`column_fit`), which columns show and in what order (`column_menu`), the line under
the list (`list_footer`), the selected order and the detail panel (`selection`), the keys
(`keyboard`), news about orders (`status_watch`), the filters' choices (`filter_choices`) and
the work behind the buttons (`actions`). It does no store or network work on the UI thread:
that goes through the bridge.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from impilo_desktop.api.models import Order

from .actions import OrderActions, error_text
from .address_correction import AddressCorrections
from .column_menu import ColumnChooser
from .csv_actions import ExportControls
from .csv_export import CsvExporter
from .detail import OrderDetailView
from .filter_bar import OrderFilterBar
from .filter_choices import PatientLookup, SiteChoices
from .filters import LocalFilter
from .keyboard import HistoryKeys
from .list_footer import ListFooter
from .model import OrderHistoryModel
from .names import named
from .needs_action_detail import NeedsActionDetail
from .notify import Actions, Notifier
from .order_list import DetailSplitter, fit_columns, make_order_table
from .poller import DEFAULT_INTERVAL_SECONDS
from .selection import SelectedOrder
from .sources import OfflineBanner, OnlineOrders, OrderSources
from .status_watch import StatusWatch

if TYPE_CHECKING:
    from impilo_desktop.ui.plumbing.services import AppServices


class OrderHistoryView(QWidget):
    """The order history page: filters, the paged order table and the order detail."""

    reorder_requested = Signal(object)
    """An `OrderDraft` made from the selected order."""
    notification = Signal(str)
    """A short message worth showing in the status bar (status changes, saved files)."""
    needs_action_count = Signal(int)
    """How many orders on this computer need the coordinator (the sidebar shows it)."""
    needs_action_noticed = Signal(int, str)
    """(order id, text): an order has just entered a state that needs the coordinator."""

    def __init__(
        self,
        services: AppServices,
        *,
        page_size: int = 50,
        poll_interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
        watch: StatusWatch | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`watch`: the window's, running since the window's first paint (None: the page
        makes and starts its own)."""
        super().__init__(parent)
        named(self, "orderHistoryView", "Order history")
        self._bridge = services.bridge

        # Where the orders come from, and the list they fill.
        self.banner = OfflineBanner()
        self.offline_banner = self.banner.label
        self.retry_button = self.banner.retry_button
        online = OnlineOrders(services)
        self.model = OrderHistoryModel(self._bridge, online.fetch_page, page_size=page_size)
        self.sources = OrderSources(services, online, self.model, self.banner, parent=self)

        # What the page shows.
        self.filters = OrderFilterBar(PatientLookup(services))
        self.site_choices = SiteChoices(
            services, self.filters, self.model, lambda: self.sources.offline, parent=self
        )
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

        # What the coordinator and the app do with it.
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
        self._own_watch = watch is None
        if watch is None:
            watch = StatusWatch(
                services, self._say, interval_seconds=poll_interval_seconds, parent=self
            )
        self.watch = watch
        watch.attach(self.model, self.selection, self.sources, self._say)
        self.poller = self.watch.poller
        self.needs = self.watch.needs
        self.corrections = AddressCorrections(self, services, self.model, self._say, parent=self)
        self.needs_detail = NeedsActionDetail(
            services,
            self.detail,
            lambda: self.sources.offline,
            self.corrections.open_for,
            parent=self,
        )
        services.outbox.corrections.applied.connect(
            lambda entry: self.needs_detail.patient_changed(entry.patient_id)
        )
        self.order_actions = OrderActions(
            self,
            services,
            self.detail,
            ExportControls(self.export_button, self.progress, self.cancel_button),
            self.model,
            offline=lambda: self.sources.offline,
            reorder=self.reorder_requested.emit,
            fresh_order=self.watch.fresh_order,
            say=self._say,
        )
        self.keys = HistoryKeys(
            self,
            self.table,
            self.filters.search,
            refresh=self.refresh,
            find=self.focus_filter,
            copy=self.selection.copy_order_ids,
            to_list=self.selection.back_to_list,
        )
        # After the list's own actions: its context menu reads "Copy order id", "Columns".
        self.columns = ColumnChooser(
            self.table, services.home / "window.ini", self.column_fitter.fit
        )
        self.refresh_action = self.keys.refresh_action
        self.find_action = self.keys.find_action
        self.copy_action = self.keys.copy_action
        self._connect()
        # The first page is asked for when the page is first shown (`showEvent`): a window
        # opening on New order sends no history request. The poller runs from the start, so
        # a placed order's news arrives wherever the coordinator is.
        self._first_shown = False
        if self._own_watch:
            self.watch.start()
        elif self.needs.count is not None:
            self._on_needs_action_count(self.needs.count)  # counted before the page existed

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
        named(self.export_button, "exportHistoryCsvButton", "Export orders to CSV")
        self.export_button.setToolTip(
            "Save orders as a CSV file: the rows loaded, or every order matching the filters"
        )
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
        self.notice = self.notifier.bar

        layout = QVBoxLayout(self)
        # No side margins: the window already has them, and a laptop needs every pixel.
        layout.setContentsMargins(0, 4, 0, 4)
        layout.addLayout(heading)
        layout.addWidget(self.banner)
        layout.addWidget(self.notice)  # in the layout: it covers no order and no detail
        layout.addWidget(self.filters)
        layout.addWidget(self.splitter, 1)

    def _connect(self) -> None:
        self.filters.query_changed.connect(self.model.set_query)
        self.filters.local_filter_changed.connect(self._on_local_filter)
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self.order_actions.choose_csv_file)
        self.cancel_button.clicked.connect(self._cancel_running)
        self.detail.reorder_clicked.connect(self.order_actions.reorder_selected)
        self.detail.void_clicked.connect(self.order_actions.confirm_void)
        self.detail.save_pdf_clicked.connect(self.order_actions.choose_pdf_file)
        self.detail.refresh_clicked.connect(self.refresh_selected)
        self.needs.changed.connect(self._on_needs_action_count)
        # A page after a reload (Refresh, a query, back online) starts the list again: the
        # cached orders needing action come back with it, not only after the next read.
        self.model.page_loaded.connect(lambda _orders: self._include_needs_action())
        self.watch.needs_action_noticed.connect(self.needs_action_noticed)

    # --- the page --------------------------------------------------------------------------

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
            self.site_choices.load()
            self.model.reload()

    def page_activated(self) -> None:
        """The shell switched to this page: a current row, in view, so Enter opens it."""
        self.selection.ensure_current_row()

    def focus_filter(self) -> None:
        self.filters.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filters.search.selectAll()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.poller.stop()
        self.exporter.cancel()
        super().closeEvent(event)

    def _on_local_filter(self, local_filter: LocalFilter) -> None:
        self.model.set_local_filter(local_filter)
        self._include_needs_action()
        self.footer.show_counts()

    def _include_needs_action(self) -> None:
        if self.filters.showing_needs_action:
            # Those the cache knows, not only those on the pages loaded: the count's orders.
            self.model.include(self.needs.rows)

    def show_needs_action(self) -> None:
        """Only the orders that need the coordinator, the list focused (Ctrl+Shift+A)."""
        self.filters.show_needs_action(True)
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.selection.ensure_current_row()

    def _on_needs_action_count(self, count: int) -> None:
        self.filters.set_needs_action_count(count)
        self._include_needs_action()
        self.needs_action_count.emit(count)

    def _cancel_running(self) -> None:
        # The footer's one Cancel stops whichever long job runs (loading all, exporting).
        self.model.cancel_load_all()
        self.exporter.cancel()

    def _say(
        self,
        message: str,
        *,
        tray_title: str = "",
        about: int | None = None,
        news: bool = False,
        actions: Actions | None = None,
    ) -> None:
        """An unobtrusive note (the page's notice bar, status bar, tray; see `notify`), also
        offered to the shell."""
        self.notifier.say(message, tray_title=tray_title, about=about, news=news, actions=actions)
        self.notification.emit(message)

    # --- the selected order --------------------------------------------------------------

    def show_order(self, order_id: int) -> None:
        """Select an order and show its details, fetching it when it is not loaded."""
        self.selection.show_order(order_id)

    def selected_order(self) -> Order | None:
        return self.selection.order

    def copy_order_ids(self) -> None:
        self.selection.copy_order_ids()

    def refresh_selected(self) -> None:
        """Fetch the shown order again from Impilo."""
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
