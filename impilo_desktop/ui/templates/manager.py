"""The template manager (File > Manage templates…, or Manage… in the Ctrl+T chooser): the
profile's templates with what each holds; rename (F2), delete (Del, with Undo), replace a
template's lines with the order on screen, open one as a new order to change its lines
(Enter), and export or import them as a file (`files.py`).

It only paints: every read and write of the store runs on the bridge, and what the store
refuses (a name in use) comes back as a message beside what was typed, nothing lost.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.domain.draft import OrderDraft
from impilo_desktop.domain.templates import (
    OrderTemplate,
    name_problem,
    template_from_draft,
)
from impilo_desktop.store import Store, StoreError, TemplateNameTaken
from impilo_desktop.ui.dialogs.confirm import Question, confirm_destructive
from impilo_desktop.ui.plumbing.bridge import AsyncBridge
from impilo_desktop.ui.shell.message_bar import MessageBar
from impilo_desktop.ui.templates.details import template_html
from impilo_desktop.ui.templates.files import TemplateFiles
from impilo_desktop.ui.templates.name_field import NameField
from impilo_desktop.ui.templates.template_list import TemplateList

UNDO_MS = 15_000


def put_back(store: Store, templates: list[OrderTemplate]) -> None:
    """Undo a delete (on the bridge): each template again under its id, or, when its name
    was taken meanwhile, added under a new one as an import would."""
    for template in templates:
        try:
            store.save_template(template)
        except TemplateNameTaken:
            store.import_templates([template])


def _error_text(error: BaseException, fallback: str) -> str:
    return error.message if isinstance(error, StoreError) else fallback


class TemplateManager(QDialog):
    """The manager. `edit_wanted(template)`: open the template's lines as a new order to
    change them (the window does it, then closes nothing else); `loaded()` after each read
    of the list."""

    edit_wanted = Signal(object)
    loaded = Signal()

    def __init__(
        self,
        bridge: AsyncBridge,
        store: Store,
        order_on_screen: Callable[[], OrderDraft],
        home: Path,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("templateManager")
        self.setWindowTitle("Manage templates")
        self.setAccessibleName("Manage templates")
        self._bridge, self._store, self._order_on_screen = bridge, store, order_on_screen
        self.files = TemplateFiles(bridge, store, home, self)

        layout = QVBoxLayout(self)
        self.bar = MessageBar("templateManagerBar", self)
        layout.addWidget(self.bar)
        body = QHBoxLayout()
        layout.addLayout(body, 1)

        left = QVBoxLayout()
        self.list = TemplateList(self)
        self.model = self.list.rows
        self.list.activated.connect(lambda _index: self.edit_lines())
        self.list.selectionModel().currentChanged.connect(lambda *_: self._show_current())
        self.list.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        left.addWidget(self.list, 1)
        self.name_field = NameField(self)
        self.rename_edit, self.rename_message = self.name_field.edit, self.name_field.message
        self.name_field.submitted.connect(self.rename)
        self.name_field.cancelled.connect(self._cancel_rename)
        left.addWidget(self.name_field)
        body.addLayout(left, 2)

        self.details = QTextBrowser(self)
        self.details.setObjectName("templateDetails")
        self.details.setAccessibleName("What the template holds")
        self.details.setOpenLinks(False)
        body.addWidget(self.details, 3)

        column = QVBoxLayout()
        self.edit_button = self._button(
            "&Open as new order", "editTemplateButton", self.edit_lines, column
        )
        self.edit_button.setToolTip(
            "Open its lines as a new order (Enter): send it, or change the lines there and"
            " save them back to the template"
        )
        self.rename_button = self._button(
            "&Rename", "renameTemplateButton", self.start_rename, column
        )
        self.rename_button.setToolTip("Give the template a new name (F2)")
        self.replace_button = self._button(
            "Re&place with order on screen", "replaceTemplateButton", self.replace, column
        )
        self.replace_button.setToolTip(
            "Put the lines, shipping option and notes of the order in New order in place of"
            " this template's"
        )
        self.delete_button = self._button("&Delete", "deleteTemplateButton", self.delete, column)
        self.delete_button.setToolTip("Delete the selected templates (Del)")
        column.addSpacing(16)
        self.import_button = self._button(
            "&Import…", "importTemplatesButton", self.files.choose_import, column
        )
        self.import_button.setToolTip("Add the templates of a file another coordinator gave you")
        self.export_button = self._button(
            "E&xport selected…", "exportTemplatesButton", self.export_selected, column
        )
        self.export_all_button = self._button(
            "Export &all…", "exportAllTemplatesButton", self.files.choose_export, column
        )
        column.addStretch(1)
        hint = QLabel(
            "To change a template's lines or counts: open it as a new order, change them"
            " there, then choose Save lines to template in the bar above the order.",
            self,
        )
        hint.setObjectName("templateEditHint")
        hint.setWordWrap(True)
        hint.setMaximumWidth(220)
        hint.setStyleSheet("color: palette(placeholder-text);")
        column.addWidget(hint)
        body.addLayout(column)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAutoDefault(False)  # Enter belongs to the list and the name field, not Close
        layout.addWidget(buttons)

        for key, slot in ((QKeySequence.StandardKey.Delete, self.delete),):
            QShortcut(key, self.list, slot, context=Qt.ShortcutContext.WidgetShortcut)
        QShortcut(
            QKeySequence("F2"),
            self.list,
            self.start_rename,
            context=Qt.ShortcutContext.WidgetShortcut,
        )
        self.files.imported.connect(self._after_import)
        self.files.said.connect(lambda text: self.bar.show_message(text, timeout_ms=UNDO_MS))
        self.resize(820, 460)
        self._enable()
        self.reload()

    def _button(
        self, text: str, name: str, slot: Callable[[], object], column: QVBoxLayout
    ) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        button.setAutoDefault(False)
        button.clicked.connect(lambda _checked=False: slot())  # not `checked` as an argument
        column.addWidget(button)
        return button

    # --- the list ---------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        """Read the templates again (on the bridge); keep `select` (an id) or the current one
        selected."""
        current = self.current()
        keep = select or (current.template_id if current else None)
        self._bridge.call(
            self._store.list_templates,
            on_result=lambda templates: self._on_loaded(templates, keep),
            on_error=lambda error: self._say(_error_text(error, "The templates were not read.")),
        )

    def _on_loaded(self, templates: list[OrderTemplate], keep: str | None) -> None:
        self.list.show_templates(templates, keep)
        self._show_current()
        self.loaded.emit()

    def templates(self) -> list[OrderTemplate]:
        """The templates listed, in order."""
        return self.list.templates()

    def current(self) -> OrderTemplate | None:
        """The template the cursor is on."""
        return self.list.current()

    def selected(self) -> list[OrderTemplate]:
        """The templates selected (in the list's order)."""
        return self.list.selected()

    def select_names(self, *names: str) -> None:
        """Select the templates with these names (the first becomes current)."""
        self.list.select_names(*names)

    def _show_current(self) -> None:
        template = self.current()
        if template is None:
            self.details.setHtml(
                "<p>No templates yet.</p><p>Save an order's lines with File > Save as"
                " template…, or import a file another coordinator gave you.</p>"
                if self.model.rowCount() == 0
                else ""
            )
        else:
            self.details.setHtml(template_html(template))
        self._cancel_rename()
        self._enable()

    def _enable(self) -> None:
        one = self.current() is not None
        for button in (self.edit_button, self.rename_button, self.replace_button):
            button.setEnabled(one)
        chosen = bool(self.list.selectionModel().selectedIndexes())
        self.delete_button.setEnabled(chosen)
        self.export_button.setEnabled(chosen)
        self.export_all_button.setEnabled(self.model.rowCount() > 0)

    def _say(self, text: str, undo: Callable[[], None] | None = None) -> None:
        self.bar.show_message(text, [("&Undo", undo)] if undo else None, timeout_ms=UNDO_MS)

    # --- rename -------------------------------------------------------------------------------

    def start_rename(self) -> None:
        """Show the name field under the list (F2), the current name selected."""
        template = self.current()
        if template is not None:
            self.name_field.start(template.name)

    def _cancel_rename(self) -> None:
        if self.name_field.isVisible():
            had_focus = self.rename_edit.hasFocus()
            self.name_field.hide()
            if had_focus:
                self.list.setFocus(Qt.FocusReason.OtherFocusReason)

    def rename(self, name: str) -> None:
        """Rename the current template to `name` (Enter in the name field)."""
        template = self.current()
        if template is None:
            return
        problem = name_problem(name)
        if problem:
            self.name_field.refuse(problem)
            return
        self.rename_edit.setEnabled(False)

        def renamed(result: OrderTemplate) -> None:
            self._cancel_rename()
            self.list.setFocus(Qt.FocusReason.OtherFocusReason)
            self._say(f"Renamed “{template.name}” to “{result.name}”.")
            self.reload(select=result.template_id)

        def refused(error: BaseException) -> None:
            if isinstance(error, TemplateNameTaken):
                text = "Another template already has that name. Choose another name."
            else:
                text = _error_text(error, "The template was not renamed.")
            self.name_field.refuse(text)

        self._bridge.call(
            self._store.rename_template,
            template.template_id,
            name,
            on_result=renamed,
            on_error=refused,
        )

    # --- delete -------------------------------------------------------------------------------

    def delete(self) -> None:
        """Ask, then delete the selected templates (Undo in the bar puts them back)."""
        chosen = self.selected()
        if not chosen:
            return
        if len(chosen) == 1:
            text = f"Delete the template “{chosen[0].name}”?"
        else:
            names = ", ".join(f"“{t.name}”" for t in chosen)
            text = f"Delete {len(chosen)} templates: {names}?"
        confirm_destructive(
            self,
            Question(
                name="deleteTemplateQuestion",
                title="Delete template" if len(chosen) == 1 else "Delete templates",
                text=text,
                informative="Orders already started from it keep their lines. Undo in the"
                " manager brings it back for a short while.",
                action="Delete",
                action_name="confirmDeleteTemplateButton",
            ),
            lambda: self._delete(chosen),
        )

    def _delete(self, chosen: list[OrderTemplate]) -> None:
        store = self._store

        def delete_all() -> None:
            for template in chosen:
                store.delete_template(template.template_id)

        def deleted(_none: None) -> None:
            what = f"“{chosen[0].name}”" if len(chosen) == 1 else f"{len(chosen)} templates"
            self._say(f"Deleted {what}.", undo=lambda: self._undo_delete(chosen))
            self.reload()
            self.list.setFocus(Qt.FocusReason.OtherFocusReason)

        self._bridge.call(
            delete_all,
            on_result=deleted,
            on_error=lambda e: self._say(_error_text(e, "The template was not deleted.")),
        )

    def _undo_delete(self, chosen: list[OrderTemplate]) -> None:
        self.bar.dismiss()
        self._bridge.call(
            put_back,
            self._store,
            chosen,
            on_result=lambda _none: self._put_back(chosen),
            on_error=lambda e: self._say(_error_text(e, "The template was not put back.")),
        )

    def _put_back(self, chosen: list[OrderTemplate]) -> None:
        what = f"“{chosen[0].name}” is" if len(chosen) == 1 else f"{len(chosen)} templates are"
        self._say(f"{what} back.")
        self.reload(select=chosen[0].template_id)
        self.list.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- replace and edit -----------------------------------------------------------------------

    def replace(self) -> None:
        """Ask, then put the lines of the order on screen in place of the current template's."""
        template = self.current()
        if template is None:
            return
        draft = self._order_on_screen()
        if not (draft.item_lines or draft.kit_lines):
            self._say(
                "The order on screen has no lines. Add items or kits in New order first,"
                " then replace the template's lines with them."
            )
            return
        new = template_from_draft(draft, template.name)
        confirm_destructive(
            self,
            Question(
                name="replaceTemplateQuestion",
                title="Replace template",
                text=f"Replace the lines of “{template.name}” with the order on screen?",
                informative=f"It holds {template.summary()} now and will hold"
                f" {new.summary()}, with that order's shipping option and notes. The"
                " recipient is not saved.",
                action="Replace",
                action_name="confirmReplaceTemplateButton",
            ),
            lambda: self._replace(
                template.template_id, new, f"“{template.name}” now holds {new.summary()}.", template
            ),
        )

    def _replace(
        self, template_id: str, new: OrderTemplate, said: str, before: OrderTemplate | None
    ) -> None:
        # `before`: what Undo puts back (None once undone).
        def replaced(result: OrderTemplate) -> None:
            if before is None:
                self._say(said)
            else:
                back = f"“{before.name}” is back as it was."
                self._say(said, undo=lambda: self._replace(template_id, before, back, None))
            self.reload(select=result.template_id)
            self.list.setFocus(Qt.FocusReason.OtherFocusReason)  # the keys work on at once

        self._bridge.call(
            self._store.replace_template,
            template_id,
            new,
            on_result=replaced,
            on_error=lambda e: self._say(_error_text(e, "The template was not changed.")),
        )

    def edit_lines(self) -> None:
        """Open the current template's lines as a new order (Enter), where they are changed
        and saved back to it; the manager closes."""
        template = self.current()
        if template is None:
            return
        self.edit_wanted.emit(template)
        self.accept()

    # --- files -----------------------------------------------------------------------------------

    def export_selected(self) -> None:
        """Export the selected templates to a file the coordinator chooses."""
        chosen = self.selected()
        if chosen:
            self.files.choose_export([t.template_id for t in chosen])

    def _after_import(self, text: str, first_id: str) -> None:
        self._say(text)
        self.reload(select=first_id)
