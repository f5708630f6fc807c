"""The window's template commands (File menu): "Save as template…" for the draft on screen
and "New order from template…" (Ctrl+T). A new order from a template opens in New order with
no recipient; lines the catalog no longer takes are left out and said in the notice bar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from impilo_desktop.domain.templates import OrderTemplate, draft_from_template, template_from_draft
from impilo_desktop.ui.templates.dialogs import SaveTemplateDialog, TemplateChooser

if TYPE_CHECKING:
    from impilo_desktop.ui.shell.main_window import MainWindow

NEW_FROM_TEMPLATE_KEY = "Ctrl+T"


class TemplateActions:
    """Opens the template dialogs of `window` and acts on their answers."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.dialog: SaveTemplateDialog | TemplateChooser | None = None

    def save_as_template(self) -> None:
        """Ask for a name and keep the lines of the draft on screen as a template."""
        window = self.window
        draft = window.order_entry.draft
        if not (draft.item_lines or draft.kit_lines):
            window.show_notice("Add an item or a kit first: a template keeps an order's lines.")
            return
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
        services = self.window.services
        dialog = TemplateChooser(services.bridge, services.store, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.chosen.connect(self._start_from)
        self._open(dialog)

    def _open(self, dialog: SaveTemplateDialog | TemplateChooser) -> None:
        self.dialog = dialog
        dialog.destroyed.connect(lambda *_: setattr(self, "dialog", None))
        dialog.open()

    def _start_from(self, template: OrderTemplate) -> None:
        made = draft_from_template(template, self.window.order_entry.catalog)
        self.window.load_draft(made.draft)
        if made.left_out:
            self.window.show_notice(
                f"New order from “{template.name}”. " + " ".join(f"{s}." for s in made.left_out)
            )
        self.window.order_entry.page_activated()  # the cursor on the recipient
