"""The order list and the detail panel in step: the current row's order is the one shown,
a shown order stays selected across reloads, and an order asked for by id ("Open in history")
is selected when loaded, fetched when not, and read from the saved copy when offline.

Rows do not keep their orders (order_row.py): the panel reads the chosen one from the order
cache on the bridge, where every page is saved, and says "Loading order N…" meanwhile. An
order not in the cache yet (its page is still being saved) is fetched from Impilo; offline,
the panel says it is not saved on this computer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QTableView

from impilo_desktop.api.errors import Unreachable
from impilo_desktop.api.models import Order
from impilo_desktop.ui.plumbing.accessibility import follow_accessible_selection
from impilo_desktop.ui.plumbing.bridge import AsyncBridge

from .actions import error_text
from .detail import OrderDetailView
from .model import OrderHistoryModel
from .order_list import DetailSplitter
from .sources import OrderSources

log = logging.getLogger(__name__)

_SELECT_ROW = (
    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
)


class SelectedOrder(QObject):
    """Which order the page is about: the table's current row and the detail panel."""

    def __init__(
        self,
        bridge: AsyncBridge,
        table: QTableView,
        model: OrderHistoryModel,
        detail: OrderDetailView,
        splitter: DetailSplitter,
        sources: OrderSources,
        say: Callable[[str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._table = table
        self._model = model
        self._detail = detail
        self._splitter = splitter
        self._sources = sources
        self._say = say
        self._loading: int | None = None  # the order being read for the panel
        model.modelReset.connect(self._reselect)
        model.page_loaded.connect(self._on_page_loaded)
        table.selectionModel().currentRowChanged.connect(self._on_current_row)
        follow_accessible_selection(table)  # a screen reader selects an order
        table.activated.connect(self._open_detail)
        detail.leave_requested.connect(self.back_to_list)

    @property
    def order(self) -> Order | None:
        """The order the detail panel shows."""
        return self._detail.order

    def show_order(self, order_id: int) -> None:
        """Select an order and show its details, fetching it when it is not loaded."""
        if self.select(order_id):
            return

        def shown(order: Order) -> None:
            self._loading = None
            self._detail.set_order(order)  # before the row: selecting it reads nothing then
            self._model.upsert_order(order)
            self._sources.save([order])
            self.select(order_id)

        def failed(error: BaseException) -> None:
            if isinstance(error, Unreachable):
                self._show_saved(order_id)
            else:
                self._say(f"Order {order_id} could not be shown: {error_text(error)}")

        if self._sources.offline:
            self._show_saved(order_id)
        else:
            self._bridge.submit(
                self._sources.online.get_order(order_id), on_result=shown, on_error=failed
            )

    def select(self, order_id: int) -> bool:
        """Make a loaded order the current row and show it; False when it is not in the list."""
        row = self._model.row_of(order_id)
        if row < 0:
            return False
        index = self._model.index(row, 0)
        self._table.selectionModel().setCurrentIndex(index, _SELECT_ROW)
        self._table.scrollTo(index)
        self._load(order_id)  # when the row was current already (no change signalled)
        return True

    def update_shown(self, order: Order) -> None:
        """A newer copy of an order: the detail panel takes it when it shows that order."""
        if self._detail.order is not None and self._detail.order.id == order.id:
            self._detail.set_order(order)

    def ensure_current_row(self) -> None:
        """A current, highlighted row in view, so Enter opens it."""
        table = self._table
        current = table.currentIndex()
        if not current.isValid() and self._model.rowCount() > 0:
            table.selectionModel().setCurrentIndex(self._model.index(0, 0), _SELECT_ROW)
            current = table.currentIndex()
        if current.isValid():
            selection = table.selectionModel()
            if not selection.isRowSelected(current.row(), current.parent()):
                # A reload can drop the highlight yet keep the current row: show it again.
                selection.select(current, _SELECT_ROW)
            table.scrollTo(current)

    def back_to_list(self) -> None:
        self._table.setFocus(Qt.FocusReason.OtherFocusReason)
        self.ensure_current_row()

    def copy_order_ids(self) -> None:
        """The selected orders' ids on the clipboard, one a line."""
        rows = sorted({i.row() for i in self._table.selectionModel().selectedRows()})
        ids = [str(r.order_id) for i in rows if (r := self._model.row_at(i)) is not None]
        if ids:
            QGuiApplication.clipboard().setText("\n".join(ids))

    def _on_page_loaded(self, _orders: list[Order]) -> None:
        if self._table.hasFocus():
            # The page was opened before the first orders arrived.
            self.ensure_current_row()

    def _reselect(self) -> None:
        # After a reload the shown order stays in the panel; reselect it once it reappears.
        order = self._detail.order
        if order is not None and order.id is not None:
            wanted = order.id
            QTimer.singleShot(0, lambda: self.select(wanted))

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self._model.row_at(current.row())
        if row is not None:
            self._load(row.order_id)

    def _load(self, order_id: int) -> None:
        """Show a listed order in the panel, read from the order cache."""
        shown = self._detail.order
        if (shown is not None and shown.id == order_id) or self._loading == order_id:
            return
        self._loading = order_id
        self._detail.show_loading(order_id)
        offline = self._sources.offline

        def found(order: Order | None, saved_at: datetime | None) -> None:
            if self._loading != order_id:
                return  # another row was chosen meanwhile
            if order is not None:
                self._loading = None
                if offline:  # the saved copy as it is, said to be one
                    self._detail.set_order(order, cached_at=saved_at)
                    return
                row = self._model.loaded_row(order_id)
                self._detail.set_order(row.with_dropped(order) if row else order)
            elif offline:
                self._loading = None
                self._detail.show_unavailable(
                    f"Order {order_id} is not saved on this computer",
                    "Its details show here once Impilo can be reached again.",
                )
            else:
                self._fetch(order_id)

        def unreadable(error: BaseException) -> None:
            # By its kind only: the error's text may quote the order's patient.
            log.warning("Saved order %s not readable: %s", order_id, type(error).__name__)
            if self._loading != order_id:
                return
            if not offline:
                self._fetch(order_id)  # Impilo has it: shown from there, and saved again
                return
            self._loading = None
            self._detail.show_unavailable(
                f"Order {order_id} cannot be shown just now",
                "Its copy on this computer could not be read. Its details show here once"
                " Impilo can be reached again.",
            )

        self._sources.saved_order(order_id, found, unreadable)

    def _fetch(self, order_id: int) -> None:
        # Listed but not in the cache (yet): Impilo has it.
        def fetched(order: Order) -> None:
            self._sources.save([order])
            if self._loading == order_id:
                self._loading = None
                self._detail.set_order(order)

        def failed(error: BaseException) -> None:
            log.info("Order %s for the detail panel not fetched: %s", order_id, error)
            if self._loading == order_id:
                self._loading = None
                self._detail.show_unavailable(
                    f"Order {order_id} cannot be shown just now",
                    f"It is not saved on this computer and Impilo did not send it "
                    f"({error_text(error)}). Choose it again in a moment.",
                )

        self._bridge.submit(
            self._sources.online.get_order(order_id), on_result=fetched, on_error=failed
        )

    def _show_saved(self, order_id: int) -> None:
        def shown(order: Order | None, saved_at: datetime | None) -> None:
            if order is None:
                self._say(f"Order {order_id} is not saved on this computer.")
                return
            self._loading = None
            self._detail.set_order(order, cached_at=saved_at)

        def unreadable(error: BaseException) -> None:
            log.warning("Saved order %s not readable: %s", order_id, type(error).__name__)
            self._say(f"Order {order_id}'s copy on this computer could not be read.")

        self._sources.saved_order(order_id, shown, unreadable)

    def _open_detail(self, _index: QModelIndex) -> None:
        self._splitter.open_detail()
        self._detail.browser.setFocus(Qt.FocusReason.OtherFocusReason)


__all__ = ["SelectedOrder"]
