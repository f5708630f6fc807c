"""Putting `validate_draft` problems next to the fields they are about.

The domain's field keys (`recipient`, `lines`, `item_lines[2].count`, `external_order_ids[1]`,
`notes[0]`, `shipping_option`, `return_items[0].count`, ...) map to a form section; each
section has an inline error label (and line problems also colour the row in their table).
A section shows its messages once the coordinator has touched it, or after a submit attempt:
an empty form should not greet anyone with a wall of red.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from impilo_desktop.domain import Problem
from impilo_desktop.ui.order_entry.form import OrderForm

_LINE_KEY = re.compile(r"^(?P<list>[a-z_]+)\[(?P<row>\d+)\]")

# field-key prefix -> section; the first match wins.
_SECTIONS: tuple[tuple[str, str], ...] = (
    ("recipient", "recipient"),
    ("new_patient", "recipient"),
    ("lines", "items"),
    ("item_lines", "items"),
    ("kit_lines", "kits"),
    ("shipping_option", "shipping"),
    ("external_order_ids", "external_ids"),
    ("notes", "notes"),
    ("return_", "returns"),
)
_TABLE_LISTS = frozenset(
    {"item_lines", "kit_lines", "return_items", "return_devices", "return_packed_kits"}
)
_ORDER = ["recipient", "items", "kits", "shipping", "external_ids", "notes", "returns", "draft"]


def section_of(field: str) -> str:
    """The form section a problem's field key belongs to ('draft' when none fits)."""
    for prefix, section in _SECTIONS:
        if (
            field == prefix
            or field.startswith((prefix + "[", prefix + "."))
            or (prefix.endswith("_") and field.startswith(prefix))
        ):
            return section
    return "draft"


def line_row(field: str) -> tuple[str, int] | None:
    """('item_lines', 2) for 'item_lines[2].count'; None for whole-field keys."""
    match = _LINE_KEY.match(field)
    return (match["list"], int(match["row"])) if match else None


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """In the order of the form, so 'the first problem' is the one highest on screen."""
    return sorted(problems, key=lambda p: _ORDER.index(section_of(p.field)))


class ProblemSections:
    """Shows problems in the form's inline labels and line tables."""

    def __init__(self, form: OrderForm) -> None:
        self._form = form
        self._labels: dict[str, QLabel] = {
            "recipient": form.recipient_error,
            "items": form.items_error,
            "kits": form.kits_error,
            "shipping": form.shipping_error,
            "external_ids": form.external_ids_error,
            "notes": form.notes_error,
        }
        self._focus: dict[str, QWidget] = {
            "items": form.item_search,
            "kits": form.kit_search,
            "shipping": form.standard_radio,
            "external_ids": form.external_ids,
            "notes": form.notes,
            "returns": form.advanced.toggle,
        }

    def show(self, problems: list[Problem], touched: set[str], *, reveal_all: bool) -> None:
        by_section: dict[str, list[str]] = {}
        rows: dict[str, dict[int, list[str]]] = {}
        # A new patient's problems go under its own fields (each once that field was left).
        new_patient = [
            p for p in problems if section_of(p.field) == "recipient" and p.field != "recipient"
        ]
        self._form.new_patient_form.show_problems(new_patient, reveal_all=reveal_all)
        for problem in problems:
            if problem in new_patient:
                continue
            section = section_of(problem.field)
            # "Add at least one item or kit" belongs to items and kits alike.
            if problem.field == "lines" and "kits" in touched:
                touched = touched | {"items"}
            located = line_row(problem.field)
            in_table = located is not None and located[0] in _TABLE_LISTS
            # Under a table, say which line (the row itself is coloured too).
            text = (
                f"Line {located[1] + 1}: {problem.message}"
                if in_table and located
                else (problem.message)
            )
            by_section.setdefault(section, []).append(text)
            if located is not None:
                rows.setdefault(located[0], {}).setdefault(located[1], []).append(problem.message)
        visible = set(by_section) if reveal_all else set(by_section) & (touched | {"draft"})
        for section, label in self._labels.items():
            messages = by_section.get(section, []) if section in visible else []
            # Line problems also say which line: the table colours the row.
            label.setText("\n".join(dict.fromkeys(messages)))
            label.setVisible(bool(messages))
        returns = by_section.get("returns", []) if "returns" in visible else []
        self._form.advanced.show_problems(list(dict.fromkeys(returns)))
        f = self._form
        f.items_model.set_problems(rows.get("item_lines", {}) if "items" in visible else {})
        f.kits_model.set_problems(rows.get("kit_lines", {}) if "kits" in visible else {})
        advanced = f.advanced
        shown = "returns" in visible
        advanced.return_items_model.set_problems(rows.get("return_items", {}) if shown else {})
        advanced.return_devices_model.set_problems(rows.get("return_devices", {}) if shown else {})
        advanced.return_kits_model.set_problems(rows.get("return_packed_kits", {}) if shown else {})

    def focus_first(self, problems: list[Problem]) -> None:
        """Put the cursor on the first field that needs attention."""
        if not problems:
            return
        section = section_of(problems[0].field)
        f = self._form
        if problems[0].field.startswith("new_patient"):
            f.new_patient_form.focus_field(problems[0].field)
            return
        if section == "recipient":
            picker = f.patient_picker if f.patient_button.isChecked() else f.site_picker
            picker.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        widget = self._focus.get(section)
        if widget is not None:
            widget.setFocus(Qt.FocusReason.OtherFocusReason)
