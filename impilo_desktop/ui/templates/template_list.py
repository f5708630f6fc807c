"""The template manager's list: the profile's templates by name, several selectable, each
item carrying its `OrderTemplate` (the manager shows what it holds beside the list)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from impilo_desktop.domain.templates import OrderTemplate

TEMPLATE_ROLE = Qt.ItemDataRole.UserRole + 1


class TemplateList(QListView):
    """The list; `rows` holds one row per template."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("templateManagerList")
        self.setAccessibleName("Templates")
        self.rows = QStandardItemModel(self)
        self.setModel(self.rows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)  # F2: the manager's
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)  # the whole name is beside it
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def show_templates(self, templates: list[OrderTemplate], keep: str | None) -> None:
        """List `templates`; the one with id `keep` (else the first) current and selected."""
        self.rows.clear()
        chosen = 0
        for row, template in enumerate(templates):
            item = QStandardItem(template.name)
            item.setData(template, TEMPLATE_ROLE)
            item.setToolTip(template.summary())
            self.rows.appendRow(item)
            if template.template_id == keep:
                chosen = row
        if templates:
            self.selectionModel().setCurrentIndex(
                self.rows.index(chosen, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
            )

    def _at(self, row: int) -> OrderTemplate:
        value = self.rows.item(row).data(TEMPLATE_ROLE)
        assert isinstance(value, OrderTemplate)
        return value

    def templates(self) -> list[OrderTemplate]:
        """The templates listed, in order."""
        return [self._at(row) for row in range(self.rows.rowCount())]

    def current(self) -> OrderTemplate | None:
        """The template the cursor is on."""
        index = self.currentIndex()
        value = index.data(TEMPLATE_ROLE) if index.isValid() else None
        return value if isinstance(value, OrderTemplate) else None

    def selected(self) -> list[OrderTemplate]:
        """The templates selected (in the list's order)."""
        return [self._at(row) for row in sorted(i.row() for i in self.selectedIndexes())]

    def select_names(self, *names: str) -> None:
        """Select the templates with these names (the first becomes current)."""
        selection = self.selectionModel()
        selection.clearSelection()
        for row, template in enumerate(self.templates()):
            if template.name in names:
                index = self.rows.index(row, 0)
                if not selection.hasSelection():
                    selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.Select)
                else:
                    selection.select(index, QItemSelectionModel.SelectionFlag.Select)
