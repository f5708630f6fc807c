"""`DraftsModel`: one table over saved drafts and outbox entries (what is unfinished, what
is on its way, what Impilo refused), newest first; patients' address and phone corrections
on their way are rows too (`ChangeRow`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from impilo_desktop.domain.draft import OrderDraft
from impilo_desktop.store import (
    PATIENT_MATCH,
    EntryState,
    OutboxEntry,
    PatientChangeEntry,
    already_on_impilo_words,
)
from impilo_desktop.ui.drafts.change_row import ChangeRow
from impilo_desktop.ui.plumbing.resources import icon
from impilo_desktop.ui.plumbing.theme import status_colors

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
KEY_ROLE = Qt.ItemDataRole.UserRole + 2
SORT_ROLE = Qt.ItemDataRole.UserRole + 3

# Sent entries stay visible this long, so the coordinator sees that an order left.
SENT_VISIBLE_FOR = timedelta(hours=24)

TIMES = " \N{MULTIPLICATION SIGN} "

Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    STATE = 0
    RECIPIENT = 1
    LINES = 2
    UPDATED = 3
    MESSAGE = 4


HEADERS = {
    Column.STATE: "Status",
    Column.RECIPIENT: "Recipient",
    Column.LINES: "Order lines",
    Column.UPDATED: "Updated",
    Column.MESSAGE: "Details",
}

STATE_ICON = {
    None: "drafts",
    EntryState.QUEUED: "sending",
    EntryState.SENDING: "sending",
    EntryState.IN_DOUBT: "sending",
    EntryState.SENT: "online",
    EntryState.REJECTED: "key-rejected",
    EntryState.HELD: "offline",
}

STATE_TEXT = {
    None: "Draft",
    EntryState.QUEUED: "Waiting to send",
    EntryState.SENDING: "Sending…",
    EntryState.IN_DOUBT: "Checking with Impilo",
    EntryState.SENT: "Placed",
    EntryState.REJECTED: "Refused by Impilo",
    EntryState.HELD: "Held: please confirm",
}


@dataclass(frozen=True)
class DraftRow:
    """A draft (entry is None) or an outbox entry, as one table row."""

    draft: OrderDraft
    entry: OutboxEntry | None = None

    @property
    def key(self) -> str:
        return f"entry:{self.entry.entry_id}" if self.entry else f"draft:{self.draft.draft_id}"

    @property
    def state(self) -> EntryState | None:
        return self.entry.state if self.entry else None

    @property
    def is_draft(self) -> bool:
        return self.entry is None

    @property
    def updated_at(self) -> datetime:
        when = self.entry.updated_at if self.entry else self.draft.updated_at
        return when if when.tzinfo else when.replace(tzinfo=UTC)

    @property
    def can_open(self) -> bool:
        """Drafts, refused and held entries can be opened in New order."""
        return self.entry is None or self.entry.state in (EntryState.REJECTED, EntryState.HELD)

    @property
    def placed_order_id(self) -> int | None:
        """The order number Impilo gave a sent entry (None for anything else)."""
        if self.entry is None or self.entry.state != EntryState.SENT:
            return None
        return self.entry.order_id

    @property
    def can_delete(self) -> bool:
        return self.entry is None or self.entry.state in (EntryState.REJECTED, EntryState.HELD)

    def state_text(self) -> str:
        if self.entry is not None and self.entry.held_for == "server":
            return "Held: check the server"
        if self.entry is not None and self.entry.held_for == PATIENT_MATCH:
            return "Held: check the patient"
        return STATE_TEXT[self.state]

    def recipient_text(self) -> str:
        recipient = self.draft.recipient
        if recipient is None:
            return "No recipient yet"
        kind = "Patient" if self.draft.recipient_kind == "patient" else "Site"
        return f"{recipient.display_name} (site)" if kind == "Site" else recipient.display_name

    def lines_text(self) -> str:
        draft = self.draft
        items = [(line.count, line.name or f"item {line.item_id}") for line in draft.item_lines]
        kits = [(line.count, line.name or f"kit {line.kit_id}") for line in draft.kit_lines]
        labels = [f"{count}{TIMES}{name}" for count, name in items + kits]
        if not labels:
            return "Nothing added yet"
        text = ", ".join(labels[:3])
        return text + (f" and {len(labels) - 3} more" if len(labels) > 3 else "")

    def message_text(self) -> str:
        entry = self.entry
        if entry is None:
            return "Not submitted"
        if entry.state == EntryState.SENT:
            if entry.already_on_impilo:
                return already_on_impilo_words(entry.order_id)
            return f"Placed as order {entry.order_id}" if entry.order_id else "Placed with Impilo"
        if entry.state == EntryState.REJECTED:
            return entry.server_message or entry.last_error or "Impilo refused this order."
        if entry.state == EntryState.HELD:
            if entry.held_for == "server":
                return entry.last_error or "Queued for another server; check before sending."
            if entry.held_for == PATIENT_MATCH:
                return entry.last_error or "Impilo may already have this patient; check first."
            return "Older than 3 days. Check it is still wanted, then release it."
        if entry.last_error:
            tries = f" (tried {entry.attempts} times)" if entry.attempts > 1 else ""
            return f"{entry.last_error}{tries}"
        return "Goes out as soon as Impilo can be reached"


def format_when(when: datetime, now: datetime | None = None) -> str:
    """'14:05' today, 'Yesterday 14:05', else '26 Nov 14:05' (local time)."""
    local = when.astimezone()
    today = (now or datetime.now().astimezone()).date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return clock
    if local.date() == today - timedelta(days=1):
        return f"Yesterday {clock}"
    return f"{local.day} {local.strftime('%b')} {clock}"


Row = DraftRow | ChangeRow


def build_rows(
    drafts: list[OrderDraft],
    entries: list[OutboxEntry],
    now: datetime | None = None,
    changes: list[PatientChangeEntry] | None = None,
) -> list[Row]:
    """Drafts, entries and corrections worth showing (sent ones only for a day), newest
    first."""
    moment = now or datetime.now(UTC)
    rows: list[Row] = [DraftRow(d) for d in drafts]
    for entry in entries:
        if entry.state == EntryState.SENT and moment - entry.updated_at > SENT_VISIBLE_FOR:
            continue
        rows.append(DraftRow(entry.draft, entry))
    for change in changes or []:
        if change.state == EntryState.SENT and moment - change.updated_at > SENT_VISIBLE_FOR:
            continue
        rows.append(ChangeRow(change))
    rows.sort(key=lambda r: r.updated_at, reverse=True)
    return rows


class DraftsModel(QAbstractTableModel):
    """Read-only table of `DraftRow`s; `ROW_ROLE` gives the row, `KEY_ROLE` a stable key."""

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._rows: list[Row] = []
        self._sort = (Column.UPDATED, Qt.SortOrder.DescendingOrder)

    def set_rows(self, rows: list[Row]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._apply_sort()
        self.endResetModel()

    def rows(self) -> list[Row]:
        return list(self._rows)

    def row_at(self, row: int) -> Row | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def remove_key(self, key: str) -> None:
        """Take one row out (the store is told separately)."""
        row = self.row_of(key)
        if row >= 0:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()

    def row_of(self, key: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.key == key), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(Column):
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[Column(section)]
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = Column(index.column())
        if role == ROW_ROLE:
            return row
        if role == KEY_ROLE:
            return row.key
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column in (Column.LINES, Column.MESSAGE, Column.RECIPIENT):
                return self._text(row, column)
            if column == Column.UPDATED:
                return row.updated_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
            return None
        if role == SORT_ROLE:
            return self._sort_key(row, column)
        if role == Qt.ItemDataRole.DecorationRole and column == Column.STATE:
            return icon(STATE_ICON[row.state])
        if role == Qt.ItemDataRole.ForegroundRole and column in (Column.STATE, Column.MESSAGE):
            return self._color(row)
        return None

    @staticmethod
    def _text(row: Row, column: Column) -> str:
        if column == Column.STATE:
            return row.state_text()
        if column == Column.RECIPIENT:
            return row.recipient_text()
        if column == Column.LINES:
            return row.lines_text()
        if column == Column.UPDATED:
            return format_when(row.updated_at)
        return row.message_text()

    @staticmethod
    def _color(row: Row) -> QColor | None:
        colors = status_colors()
        state = row.state
        if state == EntryState.REJECTED:
            return QColor(colors.bad)
        if state == EntryState.HELD:
            return QColor(colors.warning)
        if state == EntryState.SENT:
            return QColor(colors.good)
        if state in (EntryState.QUEUED, EntryState.SENDING, EntryState.IN_DOUBT):
            return QColor(colors.info)
        return None

    @staticmethod
    def _sort_key(row: Row, column: Column) -> object:
        if column == Column.UPDATED:
            return row.updated_at.timestamp()
        return DraftsModel._text(row, column).casefold()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(Column):
            return
        self._sort = (Column(column), order)
        self.layoutAboutToBeChanged.emit()
        old = [r.key for r in self._rows]
        self._apply_sort()
        mapping = {key: i for i, key in enumerate(r.key for r in self._rows)}
        for persistent in self.persistentIndexList():
            if persistent.isValid():
                new_row = mapping[old[persistent.row()]]
                self.changePersistentIndex(persistent, self.index(new_row, persistent.column()))
        self.layoutChanged.emit()

    def _apply_sort(self) -> None:
        column, order = self._sort
        self._rows.sort(
            key=lambda r: self._sort_key(r, column),  # type: ignore[arg-type,return-value]
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
