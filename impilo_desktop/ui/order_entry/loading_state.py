"""What the order form's search fields say until the cached patients, sites and catalogue
have been read (on a worker thread, after the form is on screen): "Loading patients…"
instead of an empty search that would find nothing."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit

from impilo_desktop.ui.order_entry.form import OrderForm

ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"


class LoadingFields:
    """Shows the loading texts when made; `loaded()` gives the fields their own back."""

    def __init__(self, form: OrderForm) -> None:
        self._own: dict[QLineEdit, str] = {}
        for picker, what in (
            (form.patient_picker, "patients"),
            (form.site_picker, "sites"),
            (form.item_search, "the catalogue"),
            (form.kit_search, "kits"),
        ):
            field = picker.search_field
            self._own[field] = field.placeholderText()
            field.setPlaceholderText(f"Loading {what}{ELLIPSIS}")

    @property
    def loading(self) -> bool:
        return bool(self._own)

    def loaded(self) -> None:
        """The cache arrived (or could not be read): the fields' own texts again."""
        for field, text in self._own.items():
            field.setPlaceholderText(text)
        self._own.clear()
