"""Table models over the lines of an `OrderDraft`: items, kits and the return lines.

Each model edits one list of the draft in place (`draft.item_lines`, ...), so the draft is
always what the coordinator sees. Only the count cell is editable; `setData` takes any whole
number and keeps it as typed: a count of 0 or 5000 is the domain validation's to report on
that line (`item_lines[2].count`, ...), which colours the row and explains itself in a
tooltip. Nothing here turns a count into 1 or 999 behind the coordinator's back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from impilo_desktop.domain import (
    ItemLine,
    KitLine,
    OrderDraft,
    ReturnDevice,
    ReturnItem,
    ReturnPackedKit,
)
from impilo_desktop.ui.order_entry.records import KitRecord

LINE_ROLE = int(Qt.ItemDataRole.UserRole) + 2
"""Role returning the row's line object (ItemLine, KitLine, ReturnItem, ...)."""

AnyIndex = QModelIndex | QPersistentModelIndex


class ItemColumn(IntEnum):
    NAME = 0
    SKU = 1
    MANUFACTURER = 2
    COUNT = 3


class KitColumn(IntEnum):
    NAME = 0
    CONTENTS = 1
    COUNT = 2


def error_color() -> QColor:
    """A red that reads on both light and dark palettes."""
    dark = QApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128
    return QColor("#ff8a80") if dark else QColor("#b3261e")


@dataclass(frozen=True)
class LineColumn:
    """A column of a lines table: title, cell text, and (for the count) the attribute edited."""

    title: str
    text: Callable[[Any], str]
    count_attr: str | None = None


class LinesModel(QAbstractTableModel):
    """One list of a draft's lines as a table; `changed` fires after every edit."""

    changed = Signal()

    def __init__(
        self,
        list_name: str,
        id_attr: str,
        columns: Sequence[LineColumn],
        *,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.list_name = list_name
        self._id_attr = id_attr
        self._columns = list(columns)
        self._draft = OrderDraft()
        self._problems: dict[int, list[str]] = {}

    # --- the draft -----------------------------------------------------------------------

    def set_draft(self, draft: OrderDraft) -> None:
        self.beginResetModel()
        self._draft = draft
        self._problems = {}
        self.endResetModel()

    @property
    def lines(self) -> list[Any]:
        return list(getattr(self._draft, self.list_name))

    def line(self, row: int) -> Any:
        lines = getattr(self._draft, self.list_name)
        return lines[row] if 0 <= row < len(lines) else None

    def row_of(self, line_id: int) -> int:
        for row, line in enumerate(getattr(self._draft, self.list_name)):
            if getattr(line, self._id_attr) == line_id:
                return row
        return -1

    @property
    def count_column(self) -> int:
        return next((c for c, spec in enumerate(self._columns) if spec.count_attr), -1)

    def add_line(self, line_id: int, make_line: Callable[[], Any], increment: int = 1) -> int:
        """Add a line, or raise the count of the line already holding `line_id` (validation
        flags a count grown too large; it is not capped). Returns the row."""
        row = self.row_of(line_id)
        count_column = self.count_column
        if row >= 0:
            if count_column >= 0:
                attr = self._columns[count_column].count_attr
                assert attr is not None
                line = self.line(row)
                setattr(line, attr, getattr(line, attr) + increment)
                self._draft.touch()
                cell = self.index(row, count_column)
                self.dataChanged.emit(cell, cell)
                self.changed.emit()
            return row
        lines = getattr(self._draft, self.list_name)
        row = len(lines)
        self.beginInsertRows(QModelIndex(), row, row)
        lines.append(make_line())
        self._draft.touch()
        self.endInsertRows()
        self.changed.emit()
        return row

    def remove_rows(self, rows: Sequence[int]) -> int:
        """Remove the given rows; returns how many went."""
        removed = 0
        for row in sorted(set(rows), reverse=True):
            if self.removeRows(row, 1):
                removed += 1
        return removed

    def set_problems(self, problems: dict[int, list[str]]) -> None:
        """Messages per row (from `validate_draft`), shown as error colour and tooltip."""
        if problems == self._problems:
            return
        self._problems = problems
        if self.rowCount():
            self.dataChanged.emit(
                self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1)
            )

    # --- QAbstractTableModel -------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(getattr(self._draft, self.list_name))

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        line = self.line(index.row()) if index.isValid() else None
        if line is None:
            return None
        spec = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return str(getattr(line, spec.count_attr)) if spec.count_attr else spec.text(line)
        if role == Qt.ItemDataRole.EditRole and spec.count_attr:
            return getattr(line, spec.count_attr)
        if role == Qt.ItemDataRole.TextAlignmentRole and spec.count_attr:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            problems = self._problems.get(index.row())
            if problems:
                return "\n".join(problems)
            if spec.count_attr:
                return "Type a number to change the count (Enter keeps it, Escape undoes)"
            return spec.text(line) or None
        if role == Qt.ItemDataRole.ForegroundRole and index.row() in self._problems:
            return error_color()
        if role == Qt.ItemDataRole.AccessibleTextRole:
            text = self.data(index, Qt.ItemDataRole.DisplayRole)
            problems = self._problems.get(index.row())
            return f"{spec.title}: {text}" + (f". Problem: {problems[0]}" if problems else "")
        if role == LINE_ROLE:
            return line
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        spec = self._columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return spec.title
        if role == Qt.ItemDataRole.TextAlignmentRole and spec.count_attr:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._columns[index.column()].count_attr:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Set a count: any whole number, kept as typed (validation says if it is out of
        range); anything that is not a whole number is refused."""
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        attr = self._columns[index.column()].count_attr
        line = self.line(index.row())
        if attr is None or line is None:
            return False
        count = _whole_number(value)
        if count is None:
            return False
        if getattr(line, attr) != count:
            setattr(line, attr, count)
            self._draft.touch()
            self.dataChanged.emit(index, index)
            self.changed.emit()
        return True

    def removeRows(self, row: int, count: int, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        lines = getattr(self._draft, self.list_name)
        if parent.isValid() or count < 1 or row < 0 or row + count > len(lines):
            return False
        self.beginRemoveRows(QModelIndex(), row, row + count - 1)
        del lines[row : row + count]
        self._draft.touch()
        self._problems = {}
        self.endRemoveRows()
        self.changed.emit()
        return True


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


class ItemLinesModel(LinesModel):
    """The draft's item lines: name, SKU, manufacturer, count."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            "item_lines",
            "item_id",
            [
                LineColumn("Item", lambda ln: ln.label),
                LineColumn("SKU", lambda ln: ln.sku or ""),
                LineColumn("Manufacturer", lambda ln: ln.manufacturer or ""),
                LineColumn("Count", str, count_attr="count"),
            ],
            parent=parent,
        )

    def add_item(self, item_id: int, *, name: str, sku: str, manufacturer: str) -> int:
        return self.add_line(
            item_id,
            lambda: ItemLine(
                item_id=item_id,
                count=1,
                name=name,
                sku=sku or None,
                manufacturer=manufacturer or None,
            ),
        )


class KitLinesModel(LinesModel):
    """The draft's kit lines: name, what the kit holds, count."""

    def __init__(self, parent: QObject | None = None) -> None:
        self._kits: dict[int, KitRecord] = {}
        super().__init__(
            "kit_lines",
            "kit_id",
            [
                LineColumn("Kit", lambda ln: ln.label),
                LineColumn("Contents", self._contents),
                LineColumn("Count", str, count_attr="count"),
            ],
            parent=parent,
        )

    def set_kit_catalog(self, kits: Sequence[KitRecord]) -> None:
        """The known kits (archived included), for the contents column."""
        self._kits = {k.id: k for k in kits}
        if self.rowCount():
            column = int(KitColumn.CONTENTS)
            self.dataChanged.emit(self.index(0, column), self.index(self.rowCount() - 1, column))

    def kit_record(self, row: int) -> KitRecord | None:
        line = self.line(row)
        return self._kits.get(line.kit_id) if line is not None and line.kit_id else None

    def _contents(self, line: Any) -> str:
        kit = self._kits.get(line.kit_id) if line.kit_id else None
        return kit.summary if kit is not None else "Contents not in the local catalog"

    def add_kit(self, kit_id: int, *, name: str) -> int:
        return self.add_line(kit_id, lambda: KitLine(kit_id=kit_id, count=1, name=name))


class ReturnItemsModel(LinesModel):
    """Untracked items the recipient sends back."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            "return_items",
            "item_id",
            [
                LineColumn("Return item", lambda ln: ln.label),
                LineColumn("Item ID", lambda ln: str(ln.item_id or "")),
                LineColumn("Count", str, count_attr="count"),
            ],
            parent=parent,
        )

    def add_item(self, item_id: int, *, name: str) -> int:
        return self.add_line(item_id, lambda: ReturnItem(item_id=item_id, count=1, name=name))


class ReturnDevicesModel(LinesModel):
    """Serialized devices the recipient sends back (by Impilo device id)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            "return_devices",
            "device_id",
            [
                LineColumn("Device ID", lambda ln: str(ln.device_id or "")),
                LineColumn("Label", lambda ln: ln.label or ""),
            ],
            parent=parent,
        )

    def add_device(self, device_id: int) -> int:
        return self.add_line(device_id, lambda: ReturnDevice(device_id=device_id))


class ReturnPackedKitsModel(LinesModel):
    """Packed kits the recipient sends back (by packed-kit id) and how many."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(
            "return_packed_kits",
            "packed_kit_id",
            [
                LineColumn("Packed kit ID", lambda ln: str(ln.packed_kit_id or "")),
                LineColumn("Quantity", str, count_attr="quantity"),
            ],
            parent=parent,
        )

    def add_packed_kit(self, packed_kit_id: int, quantity: int) -> int:
        return self.add_line(
            packed_kit_id,
            lambda: ReturnPackedKit(packed_kit_id=packed_kit_id, quantity=quantity),
            increment=quantity,
        )
