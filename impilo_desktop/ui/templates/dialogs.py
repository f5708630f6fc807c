"""The two small template dialogs: naming the draft on screen as a template, and choosing a
template (type to filter) to start a new order from.

Both only paint: the store is read and written through the bridge, and a refusal (a name in
use) comes back as a message under the name, with nothing typed lost.
"""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListView,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.domain.templates import MAX_TEMPLATE_NAME_LENGTH, OrderTemplate, name_problem
from impilo_desktop.store import Store, StoreError, TemplateNameTaken
from impilo_desktop.ui.plumbing.bridge import AsyncBridge

TEMPLATE_ROLE = Qt.ItemDataRole.UserRole + 1
NAME_ROLE = Qt.ItemDataRole.UserRole + 2  # what typing filters on (not the line counts)


class SaveTemplateDialog(QDialog):
    """Asks for a name and saves `template` under it; `saved(template)` once it is stored."""

    saved = Signal(object)

    def __init__(
        self, bridge: AsyncBridge, store: Store, template: OrderTemplate, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setObjectName("saveTemplateDialog")
        self.setWindowTitle("Save as template")
        self._bridge, self._store, self._template = bridge, store, template
        layout = QVBoxLayout(self)
        label = QLabel(
            f"Save the lines of this order ({template.summary()}), its shipping option and"
            " notes as a template. The recipient is not saved."
        )
        label.setWordWrap(True)
        layout.addWidget(label)
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("templateNameEdit")
        self.name_edit.setAccessibleName("Template name")
        self.name_edit.setPlaceholderText("Template name, e.g. Hypertension starter")
        self.name_edit.setMaxLength(MAX_TEMPLATE_NAME_LENGTH)
        layout.addWidget(self.name_edit)
        self.message = QLabel(self)
        self.message.setObjectName("templateNameMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.replace_button = self.buttons.addButton(
            "&Replace it", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.replace_button.setObjectName("replaceTemplateButton")
        self.replace_button.hide()
        self.replace_button.clicked.connect(self.replace)
        self._taken_id: str | None = None
        self.name_edit.textEdited.connect(lambda _text: self._forget_clash())
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.adjustSize()  # the wrapped message gets the height it needs

    def _forget_clash(self) -> None:
        self._taken_id = None
        self.replace_button.hide()

    def save(self) -> None:
        """Check the name here, store the template on the bridge."""
        self._store_as(None)

    def replace(self) -> None:
        """Put these lines in place of the template that has the name."""
        if self._taken_id is not None:
            self._store_as(self._taken_id)

    def _store_as(self, replacing: str | None) -> None:
        name = self.name_edit.text()
        problem = name_problem(name)
        if problem:
            self._say(problem)
            return
        template = self._template.model_copy(update={"name": name})
        store = self._store
        self.buttons.setEnabled(False)

        def save() -> OrderTemplate:
            if replacing is None:
                return store.save_template(template)
            return store.replace_template(replacing, template)

        # On the bridge's own thread (not a pool thread, which could outlive the bridge's
        # shutdown and still be inside SQLite when the store closes).
        self._bridge.call(save, on_result=self._on_saved, on_error=self._on_error)

    def _on_saved(self, template: OrderTemplate) -> None:
        self.saved.emit(template)
        self.accept()

    def _on_error(self, error: BaseException) -> None:
        self.buttons.setEnabled(True)
        self._taken_id = error.template_id if isinstance(error, TemplateNameTaken) else None
        self.replace_button.setVisible(self._taken_id is not None)
        self._say(error.message if isinstance(error, StoreError) else "The template was not saved.")
        self.name_edit.setFocus()


class TemplateChooser(QDialog):
    """The profile's templates, filtered as the coordinator types; Enter (or a double click)
    chooses the one selected: `chosen(template)`. "Manage templates…" closes it and asks
    for the manager: `manage_wanted()`."""

    chosen = Signal(object)
    manage_wanted = Signal()
    loaded = Signal()

    def __init__(self, bridge: AsyncBridge, store: Store, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("templateChooser")
        self.setWindowTitle("New order from template")
        layout = QVBoxLayout(self)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("templateFilterEdit")
        self.filter_edit.setAccessibleName("Find a template")
        self.filter_edit.setPlaceholderText("Type to find a template")
        self.filter_edit.setClearButtonEnabled(True)
        layout.addWidget(self.filter_edit)
        self.model = QStandardItemModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterRole(NAME_ROLE)
        self.list = QListView(self)
        self.list.setObjectName("templateList")
        self.list.setAccessibleName("Templates")
        self.list.setModel(self.proxy)
        self.list.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.list.activated.connect(lambda _index: self.choose())
        layout.addWidget(self.list)
        self.message = QLabel("Reading the templates…", self)
        self.message.setObjectName("templateChooserMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.manage_button = self.buttons.addButton(
            "&Manage templates…", QDialogButtonBox.ButtonRole.ResetRole
        )
        self.manage_button.setObjectName("manageTemplatesButton")
        self.manage_button.setAutoDefault(False)
        self.manage_button.clicked.connect(self.manage)
        self.buttons.accepted.connect(self.choose)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.filter_edit.textChanged.connect(self._filter)
        # Up and Down move through the list while the cursor stays in the filter.
        self.filter_edit.installEventFilter(self)
        self.resize(420, 360)

        bridge.call(store.list_templates, on_result=self._on_loaded, on_error=self._on_error)

    def _on_loaded(self, templates: list[OrderTemplate]) -> None:
        for template in templates:
            row = QStandardItem(f"{template.name} — {template.summary()}")
            row.setData(template, TEMPLATE_ROLE)
            row.setData(template.name, NAME_ROLE)
            self.model.appendRow(row)
        self._filter(self.filter_edit.text())
        self.loaded.emit()

    def _on_error(self, error: BaseException) -> None:
        text = error.message if isinstance(error, StoreError) else "The templates were not read."
        self.message.setText(text)
        self.loaded.emit()

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        shown = self.proxy.rowCount()
        if shown:
            self.list.setCurrentIndex(self.proxy.index(0, 0))
        if self.model.rowCount() == 0:
            self.message.setText(
                "No templates yet. Save an order's lines with File > Save as template…."
            )
        elif not shown:
            self.message.setText("No template matches what you typed.")
        else:
            self.message.setText("")
        self.buttons.button(QDialogButtonBox.StandardButton.Open).setEnabled(bool(shown))

    def eventFilter(self, watched: object, event: object) -> bool:
        from PySide6.QtCore import QEvent
        from PySide6.QtGui import QKeyEvent

        if (
            watched is self.filter_edit
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down)
        ):
            step = -1 if event.key() == Qt.Key.Key_Up else 1
            row = min(max(self.list.currentIndex().row() + step, 0), self.proxy.rowCount() - 1)
            self.list.setCurrentIndex(self.proxy.index(row, 0))
            return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]

    def selected(self) -> OrderTemplate | None:
        """The template selected in the list, if any."""
        index = self.list.currentIndex()
        value = index.data(TEMPLATE_ROLE) if index.isValid() else None
        return value if isinstance(value, OrderTemplate) else None

    def manage(self) -> None:
        """Close, and open the template manager instead."""
        self.reject()
        self.manage_wanted.emit()

    def choose(self) -> None:
        """Start an order from the selected template."""
        template = self.selected()
        if template is None:
            return
        self.chosen.emit(template)
        self.accept()
