"""The Drafts & outbox page: open, duplicate or delete drafts (with Undo), send waiting
orders now, release held ones, and read Impilo's message for a refused order. Patients'
address and phone corrections are listed with the orders; a held one can be applied anyway
or discarded (change_actions.py).

This module builds the page and shows the rows (read on the bridge's loop, the selection
kept, the buttons fitted to the selected row); what the buttons and keys do with that row is
row_actions.py's, the table's rows are model.py's and Send now is send_now.py's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.store import PATIENT_MATCH, EntryState, StoreError
from impilo_desktop.ui.drafts.change_actions import APPLY_ANYWAY
from impilo_desktop.ui.drafts.change_row import ChangeRow
from impilo_desktop.ui.drafts.model import Column, DraftRow, DraftsModel, Row, build_rows
from impilo_desktop.ui.drafts.row_actions import RowActions
from impilo_desktop.ui.drafts.send_now import SendNow
from impilo_desktop.ui.plumbing.resources import icon
from impilo_desktop.ui.plumbing.theme import on_scheme_change, status_colors
from impilo_desktop.ui.shell.message_bar import MessageBar

if TYPE_CHECKING:
    from impilo_desktop.domain.draft import OrderDraft
    from impilo_desktop.store import OutboxEntry, PatientChangeEntry
    from impilo_desktop.ui.plumbing.services import AppServices

RELOAD_COALESCE_MS = 100
# Sent orders show here for a day (then only in Order history); the page reads at most this
# many of them, so a busy week's outbox history is never read whole.
SENT_ROWS = 200


class DraftsPage(QWidget):
    """`draftsTable` over `DraftsModel`, with actions for the selected row."""

    open_draft_requested = Signal(object)  # OrderDraft
    open_order_requested = Signal(int)  # a placed order's number, for Order history
    rows_shown = Signal()  # the table shows what the store held a moment ago

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("draftsPage")
        self.setAccessibleName("Drafts and outbox")
        self.services = services
        self.model = DraftsModel(self)
        # Where the selection goes when its row disappears (a deleted draft's neighbour).
        self.keep_position = 0
        self._focus_table_on_rows = False
        # Reads are numbered: only the latest one's rows are shown (the page built on its
        # first show reads once when made and once when activated, a moment apart).
        self._reads = 0
        self._select_after_read: str | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.undo_bar = MessageBar("undoBar", self)
        layout.addWidget(self.undo_bar)
        self.send_now = SendNow(services, self.undo_bar, self)
        self.row_actions = RowActions(self, services)
        layout.addLayout(self._toolbar())

        self.table = QTableView(self)
        self.table.setObjectName("draftsTable")
        self.table.setAccessibleName("Drafts and outbox entries")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.UPDATED, Qt.SortOrder.DescendingOrder)
        self.table.setTabKeyNavigation(False)
        # Right-click offers the same actions as the keys (Open, Delete, Duplicate, Undo).
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        vertical = self.table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(max(30, self.fontMetrics().height() + 14))
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in (
            (Column.STATE, 190),  # "Held: changed in Impilo"
            (Column.RECIPIENT, 200),
            (Column.LINES, 280),
            (Column.UPDATED, 120),
        ):
            self.table.setColumnWidth(column, width)
        self.table.doubleClicked.connect(lambda _index: self.row_actions.open_selected())
        self.table.activated.connect(lambda _index: self.row_actions.open_selected())
        self.table.selectionModel().selectionChanged.connect(self._update_actions)

        self.empty = QLabel(
            "No drafts, and nothing waiting to be sent.\n"
            "Drafts are saved here automatically while you enter an order.",
            self,
        )
        self.empty.setObjectName("draftsEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet(f"color: {status_colors().muted};")
        self.body = QStackedWidget(self)
        self.body.addWidget(self.table)
        self.body.addWidget(self.empty)
        layout.addWidget(self.body, 1)

        self.summary = QLabel(self)
        self.summary.setObjectName("draftsSummary")
        layout.addWidget(self.summary)

        self._shortcuts()
        on_scheme_change(self._on_scheme)
        outbox = services.outbox
        # The outbox changes state several times per order while it drains; re-reading the
        # whole list for each change stalled the UI (benchmarks/ui_stall.py). Coalesce them.
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_COALESCE_MS)
        self._reload_timer.timeout.connect(self.reload)
        outbox.entries_changed.connect(self._reload_timer.start)
        outbox.connectivity_changed.connect(lambda _state: self._update_actions())
        self.reload()

    # -- construction ---------------------------------------------------------------------------

    def _button(self, text: str, icon_name: str, name: str, tip: str) -> QPushButton:
        button = QPushButton(icon(icon_name), text, self)
        button.setObjectName(name)
        button.setAccessibleName(text.replace("&", ""))
        button.setToolTip(tip)
        return button

    def _toolbar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(8)
        self.open_button = self._button(
            "&Open", "open", "openDraftButton", "Open in New order (Enter)"
        )
        self.duplicate_button = self._button(
            "Du&plicate",  # not Alt+U: the Undo bar has it
            "duplicate",
            "duplicateDraftButton",
            "Start a new draft from this one (Ctrl+D)",
        )
        self.delete_button = self._button("&Delete", "delete", "deleteDraftButton", "Delete (Del)")
        self.release_button = self._button(
            "&Release", "release", "releaseEntryButton", "Send a held order after all"
        )
        self.send_button = self._button(
            "Send &now", "send", "sendNowButton", "Send every waiting order now (Ctrl+Shift+S)"
        )
        actions = self.row_actions
        self.open_button.clicked.connect(actions.open_selected)
        self.duplicate_button.clicked.connect(actions.duplicate_selected)
        self.delete_button.clicked.connect(actions.delete_selected)
        self.release_button.clicked.connect(actions.release_selected)
        self.send_button.clicked.connect(self.send_now.send)
        for button in (self.open_button, self.duplicate_button, self.delete_button):
            row.addWidget(button)
        row.addSpacing(12)
        row.addWidget(self.release_button)
        row.addStretch(1)
        row.addWidget(self.send_button)
        return row

    def _shortcuts(self) -> None:
        def add(name: str, keys: list[QKeySequence], slot: object) -> None:
            action = QAction(name, self.table)
            action.setShortcuts(keys)
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.table.addAction(action)

        actions = self.row_actions
        add("Open", [QKeySequence(Qt.Key.Key_F2)], actions.open_selected)
        # The Mac keyboard's "delete" key is Backspace, and Finder deletes with ⌘⌫ (Ctrl+
        # Backspace to Qt): both do what Del does. A draft comes back with Undo, and an
        # outbox entry is only deleted after a question.
        delete = QKeySequence.keyBindings(QKeySequence.StandardKey.Delete)
        delete += [QKeySequence(Qt.Key.Key_Backspace), QKeySequence("Ctrl+Backspace")]
        add("Delete", delete, actions.delete_selected)
        add("Duplicate", [QKeySequence("Ctrl+D")], actions.duplicate_selected)
        add("Undo", QKeySequence.keyBindings(QKeySequence.StandardKey.Undo), actions.undo_delete)

    def _on_scheme(self, _dark: bool) -> None:
        self.empty.setStyleSheet(f"color: {status_colors().muted};")
        self._update_summary()
        self.model.layoutChanged.emit()  # status colours

    # -- state -----------------------------------------------------------------------------------

    def page_activated(self) -> None:
        self.reload()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        # The rows arrive a moment later; the focus belongs in the table then too.
        self._focus_table_on_rows = True

    def reload(self, select: str | None = None) -> None:
        """Read drafts and outbox on the bridge loop, then show them keeping the selection
        (or selecting the row with key `select`)."""
        self._reload_timer.stop()
        store = self.services.store
        self._reads += 1
        number = self._reads
        self._select_after_read = select or self._select_after_read

        def read() -> tuple[
            list[OrderDraft], list[OutboxEntry], str | None, list[PatientChangeEntry]
        ]:
            entries, _older = store.list_outbox_recent(SENT_ROWS)
            changes = store.list_patient_changes_recent(SENT_ROWS)
            return store.list_drafts(), entries, store.current_draft_id(), changes

        def show(
            rows: tuple[list[OrderDraft], list[OutboxEntry], str | None, list[PatientChangeEntry]],
        ) -> None:
            if number != self._reads:
                return  # a newer read is on its way
            wanted, self._select_after_read = self._select_after_read, None
            self._show_rows(*rows, select=wanted)

        self.services.bridge.call(read, on_result=show, on_error=self._read_failed)

    def _read_failed(self, error: BaseException) -> None:
        self.summary.setText(error.message if isinstance(error, StoreError) else str(error))

    def _show_rows(
        self,
        drafts: list[OrderDraft],
        entries: list[OutboxEntry],
        current: str | None,
        changes: list[PatientChangeEntry],
        *,
        select: str | None,
    ) -> None:
        selected = self.selected_row()
        drafts = [d for d in drafts if d.draft_id != current or not d.is_empty()]
        self.model.set_rows(build_rows(drafts, entries, changes=changes))
        self.body.setCurrentWidget(self.table if self.model.rowCount() else self.empty)
        if self._focus_table_on_rows and self.model.rowCount() and self.isVisible():
            focus = QApplication.focusWidget()
            if focus is None or focus is self or self.isAncestorOf(focus):
                self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self._focus_table_on_rows = False
        wanted = select or (selected.key if selected is not None else None)
        if not (wanted and self.select_key(wanted)) and self.model.rowCount():
            self.select_row(min(self.keep_position, self.model.rowCount() - 1))
        self.keep_position = 0
        self._update_summary()
        self._update_actions()
        self.rows_shown.emit()

    def _update_summary(self) -> None:
        rows = self.model.rows()
        drafts = sum(1 for r in rows if r.is_draft)
        waiting = sum(
            1
            for r in rows
            if r.state in (EntryState.QUEUED, EntryState.SENDING, EntryState.IN_DOUBT)
        )
        attention = sum(1 for r in rows if r.state in (EntryState.REJECTED, EntryState.HELD))
        parts = [f"{drafts} draft{'s' if drafts != 1 else ''}", f"{waiting} waiting to send"]
        if attention:
            parts.append(f"{attention} need{'s' if attention == 1 else ''} your attention")
        self.summary.setText(" · ".join(parts))
        self.summary.setStyleSheet(f"color: {status_colors().muted};")

    def selected_row(self) -> Row | None:
        index = self.table.currentIndex()
        selection = self.table.selectionModel()
        if not index.isValid() or not selection.isRowSelected(index.row(), QModelIndex()):
            return None
        return self.model.row_at(index.row())

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    def select_key(self, key: str) -> bool:
        row = self.model.row_of(key)
        if row >= 0:
            self.select_row(row)
        return row >= 0

    def _update_actions(self) -> None:
        row = self.selected_row()
        placed = row is not None and row.placed_order_id is not None
        self.open_button.setEnabled(row is not None and (row.can_open or placed))
        # A placed order is changed in Order history (void, reorder), not here.
        self.open_button.setText("&Open in history" if placed else "&Open")
        self.open_button.setAccessibleName(self.open_button.text().replace("&", ""))
        self.open_button.setToolTip(
            "Show this order in Order history (Enter)" if placed else "Open in New order (Enter)"
        )
        change = isinstance(row, ChangeRow)
        self.duplicate_button.setEnabled(row is not None and not change)
        self.delete_button.setEnabled(row is not None and row.can_delete)
        releasable = row is not None and row.state == EntryState.HELD
        if isinstance(row, ChangeRow):
            # A correction held for another server is only discarded: patient numbers belong
            # to one server.
            releasable = row.held_as_changed
        self.release_button.setEnabled(releasable)
        # A held correction is applied anyway; a held order released.
        self.release_button.setText(APPLY_ANYWAY if change else "&Release")
        self.release_button.setAccessibleName(self.release_button.text().replace("&", ""))
        matched = (
            isinstance(row, DraftRow)
            and row.entry is not None
            and (row.entry.held_for == PATIENT_MATCH)
        )
        self.release_button.setToolTip(
            "Send this correction after all"
            if change
            else "Use the patient Impilo already has, or create a new one"
            if matched
            else "Send a held order after all"
        )
        self.send_button.setEnabled(self.services.outbox.pending_count() > 0)
