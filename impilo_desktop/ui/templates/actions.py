"""The window's template commands (File menu): "Save as template…" for the draft on screen,
"New order from template…" (Ctrl+T, and the New order page's "From template…" button) and
"Manage templates…". A new order from a template opens in New order with no recipient; the
order that was on screen stays in Drafts; lines the catalog no longer takes are left out and
said in the notice bar.

Changing a template's lines: the manager's "New order from it" opens them as a new order
with a notice bar "Editing the template …" whose button saves the lines on screen back to
the template (`save_lines`, on the bridge)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from impilo_desktop.domain.draft import OrderDraft
from impilo_desktop.domain.templates import OrderTemplate, draft_from_template, template_from_draft
from impilo_desktop.store import EntryNotFoundError, Store, StoreError

if TYPE_CHECKING:
    from impilo_desktop.ui.shell.main_window import MainWindow
    from impilo_desktop.ui.templates.dialogs import SaveTemplateDialog, TemplateChooser
    from impilo_desktop.ui.templates.manager import TemplateManager

NEW_FROM_TEMPLATE_KEY = "Ctrl+T"


def save_lines(store: Store, template_id: str, draft: OrderDraft) -> OrderTemplate:
    """Put the draft's lines, shipping option and notes in the template (on the bridge),
    under the template's name as it is now (it may have been renamed meanwhile)."""
    current = store.get_template(template_id)
    if current is None:
        raise EntryNotFoundError("That template is no longer there (it was deleted).")
    return store.replace_template(template_id, template_from_draft(draft, current.name))


class TemplateActions:
    """Opens the template dialogs of `window` and acts on their answers."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.dialog: SaveTemplateDialog | TemplateChooser | TemplateManager | None = None

    def save_as_template(self) -> None:
        """Ask for a name and keep the lines of the draft on screen as a template."""
        window = self.window
        draft = window.order_entry.draft
        if not (draft.item_lines or draft.kit_lines):
            window.show_notice("Add an item or a kit first: a template keeps an order's lines.")
            return
        from impilo_desktop.ui.templates.dialogs import SaveTemplateDialog

        services = window.services
        dialog = SaveTemplateDialog(
            services.bridge, services.store, template_from_draft(draft, ""), window
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(
            lambda t: window.show_notice(f"Saved as the template “{t.name}”.", 6_000)
        )
        self._open(dialog)

    def new_order_from_template(self) -> None:
        """Choose a template; its lines open as a new order."""
        from impilo_desktop.ui.templates.dialogs import TemplateChooser

        services = self.window.services
        dialog = TemplateChooser(services.bridge, services.store, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.chosen.connect(self._start_from)
        dialog.manage_wanted.connect(self.manage_templates)
        self._open(dialog)

    def manage_templates(self) -> None:
        """The template manager: rename, delete, replace, change lines, export, import."""
        from impilo_desktop.ui.templates.manager import TemplateManager

        window = self.window
        services = window.services
        dialog = TemplateManager(
            services.bridge, services.store, lambda: window.order_entry.draft, window.home, window
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.edit_wanted.connect(self.edit_template)
        self._open(dialog)

    def _open(self, dialog: SaveTemplateDialog | TemplateChooser | TemplateManager) -> None:
        self.dialog = dialog
        # Only this one: the chooser goes after it opened the manager in its place.
        dialog.destroyed.connect(lambda *_: self._forget(dialog))
        dialog.open()

    def _forget(self, dialog: object) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _open_as_new_order(self, template: OrderTemplate) -> tuple[OrderDraft, str]:
        """Open the template's lines as a new order; what to tell the coordinator about it."""
        window = self.window
        had_work = not window.order_entry.draft.is_empty()
        made = draft_from_template(template, window.order_entry.catalog)
        window.load_draft(made.draft)
        said = " ".join(f"{s}." for s in made.left_out)
        if had_work:
            said = f"{said} The order you were working on is in Drafts.".strip()
        return made.draft, said

    def _start_from(self, template: OrderTemplate) -> None:
        _draft, said = self._open_as_new_order(template)
        if said:
            self.window.show_notice(f"New order from “{template.name}”. {said}")
        self.window.order_entry.page_activated()  # the cursor on the recipient

    def edit_template(self, template: OrderTemplate) -> None:
        """Open the template's lines as a new order, with a bar to save them back to it."""
        draft, said = self._open_as_new_order(template)
        window = self.window
        window.notice_bar.show_message(
            f"Editing the template “{template.name}”: change the lines, counts, shipping or"
            f" notes below, then save them to the template (Alt+L). {said}".strip(),
            [("Save &lines to template", lambda: self._save_lines(template, draft.draft_id))],
            icon_name="new-order",
        )
        window.order_entry.form.items_table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _save_lines(self, template: OrderTemplate, draft_id: str) -> None:
        window = self.window
        draft = window.order_entry.draft
        if draft.draft_id != draft_id:
            window.show_notice(
                f"The order opened from “{template.name}” is no longer on screen: open it"
                " from Drafts, or use Manage templates > Replace with order on screen."
            )
            return
        if not (draft.item_lines or draft.kit_lines):
            window.show_notice("Add an item or a kit first: a template keeps an order's lines.")
            return

        def saved(result: OrderTemplate) -> None:
            window.notice_bar.show_message(
                f"Saved the lines to the template “{result.name}” ({result.summary()}). This"
                " order stays in Drafts until you send or delete it.",
                icon_name="new-order",
                timeout_ms=12_000,
            )

        def failed(error: BaseException) -> None:
            text = error.message if isinstance(error, StoreError) else "The lines were not saved."
            window.show_notice(text)

        services = window.services
        services.bridge.call(
            save_lines,
            services.store,
            template.template_id,
            draft.model_copy(deep=True),
            on_result=saved,
            on_error=failed,
        )
