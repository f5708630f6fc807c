"""What a template holds, as the template manager shows it beside the list: its item and
kit lines with their counts, the shipping option and the notes."""

from __future__ import annotations

from html import escape

from impilo_desktop.api.models import ShippingOption
from impilo_desktop.domain.templates import OrderTemplate


def shipping_text(option: object) -> str:
    """ "Standard", "Overnight", or "None chosen"."""
    if option is None or option == "":
        return "None chosen"
    value = option.value if isinstance(option, ShippingOption) else str(option)
    return value.replace("_", " ").capitalize()


def _lines(heading: str, rows: list[str]) -> str:
    if not rows:
        return ""
    cells = "".join(f"<li>{row}</li>" for row in rows)
    return f"<p style='margin-bottom:2px'><b>{heading}</b></p><ul style='margin-top:0'>{cells}</ul>"


def template_html(template: OrderTemplate) -> str:
    """The template's contents as rich text (everything escaped: names come from files)."""
    items = [
        f"{line.count} &times; {escape(line.label)}"
        + (f" ({escape(line.sku)})" if line.sku else "")
        for line in template.item_lines
    ]
    kits = [f"{line.count} &times; {escape(line.label)}" for line in template.kit_lines]
    parts = [
        f"<h3 style='margin-bottom:4px'>{escape(template.name)}</h3>",
        _lines("Items", items),
        _lines("Kits", kits),
    ]
    if not items and not kits:
        parts.append("<p>No lines.</p>")
    parts.append(f"<p><b>Shipping:</b> {escape(shipping_text(template.shipping_option))}</p>")
    if template.notes:
        notes = "<br>".join(escape(note).replace("\n", "<br>") for note in template.notes)
        parts.append(f"<p><b>Notes:</b><br>{notes}</p>")
    else:
        parts.append("<p><b>Notes:</b> none</p>")
    return "".join(parts)
