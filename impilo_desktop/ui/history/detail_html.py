"""Everything an order response carries, as read-only rich text for the detail panel.
Empty or missing parts are left out. Colours come from the current palette so the text
reads well in light and dark mode."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from impilo_desktop.api.models import (
    Address,
    Device,
    Item,
    Kit,
    Order,
    Patient,
    Site,
    parse_date,
    parse_timestamp,
)

from .carriers import tracking_url
from .order_row import TIMES, local_time_text
from .status_style import status_colour, status_label

_FLOOR = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class DetailColours:
    """Palette colours (as '#rrggbb') the HTML is styled with."""

    text: str = "#1f2328"
    muted: str = "#59636e"
    border: str = "#d1d9e0"
    link: str = "#0969da"
    band: str = "#f6f8fa"


def _e(value: object) -> str:
    return escape(str(value)) if value is not None else ""


def _when(text: str | None) -> str:
    moment = parse_timestamp(text)
    if moment is not None:
        return local_time_text(moment)
    return text or ""  # an unparsable timestamp is shown as the server sent it


def words(value: str) -> str:
    """'availableAtSite' -> 'Available at site' (device statuses have no label table)."""
    spaced = "".join(f" {ch.lower()}" if ch.isupper() else ch for ch in value.replace("_", " "))
    spaced = " ".join(spaced.split())
    return spaced[:1].upper() + spaced[1:]


def _address(address: Address | None) -> str:
    if address is None:
        return ""
    lines = [_e(line) for line in address.lines()]
    if address.note:
        lines.append(f"<i>{_e(address.note)}</i>")
    return "<br>".join(lines)


class _Html:
    """A tiny builder: sections with headings, key/value tables and plain tables."""

    def __init__(self, colours: DetailColours) -> None:
        self.c = colours
        self.parts: list[str] = []

    def section(self, title: str, anchor: str) -> None:
        self.parts.append(f'<a name="{anchor}"></a><h3>{_e(title)}</h3>')

    def rule(self) -> None:
        self.parts.append("<hr>")

    def fields(self, rows: Iterable[tuple[str, str]]) -> None:
        body = "".join(f'<tr><td class="k">{_e(k)}</td><td>{v}</td></tr>' for k, v in rows if v)
        if body:
            self.parts.append(f'<table class="kv" cellspacing="0" cellpadding="2">{body}</table>')

    def table(self, headers: list[str], rows: list[list[str]]) -> None:
        if not rows:
            return
        head = "".join(f"<th>{_e(h)}</th>" for h in headers)
        body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in r) + "</tr>" for r in rows)
        self.parts.append(
            f'<table class="grid" width="100%" cellspacing="0" cellpadding="4">'
            f"<tr>{head}</tr>{body}</table>"
        )

    def raw(self, html: str) -> None:
        self.parts.append(html)


def stylesheet(c: DetailColours) -> str:
    """The document's default style sheet (QTextDocument's CSS subset)."""
    return (
        f"body {{ color: {c.text}; }}"
        f"h2 {{ margin-top: 2px; margin-bottom: 2px; font-size: large; }}"
        f"h3 {{ margin-top: 16px; margin-bottom: 6px; font-size: medium; color: {c.text}; }}"
        f"td.k {{ color: {c.muted}; padding-right: 12px; }}"
        f"th {{ text-align: left; color: {c.muted}; font-weight: 600;"
        f" border-bottom: 1px solid {c.border}; background-color: {c.band}; }}"
        f"table.grid td {{ border-bottom: 1px solid {c.border}; }}"
        f".muted {{ color: {c.muted}; }}"
        # What to do about an order that needs action: a band in the needs-action amber.
        f"table.todo {{ background-color: {c.band}; border: 1px solid #e0892b;"
        f" margin-top: 6px; margin-bottom: 4px; }}"
        f"a {{ color: {c.link}; }}"
    )


def _patient_fields(patient: Patient) -> list[tuple[str, str]]:
    birth = parse_date(patient.date_of_birth)
    return [
        ("Name", f"<b>{_e(patient.full_name)}</b>" if patient.full_name else ""),
        ("Patient id", _e(patient.id)),
        ("External id", _e(patient.external_identifier)),
        ("Date of birth", _e(birth.isoformat()) if birth else _e(patient.date_of_birth)),
        ("Email", _e(patient.email)),
        ("Phone", _e(patient.phone_number)),
        ("Address", _address(patient.address)),
        ("Site", _e(patient.site.name or patient.site.id) if patient.site else ""),
    ]


def _site_fields(site: Site) -> list[tuple[str, str]]:
    return [
        ("Site", f"<b>{_e(site.name)}</b>" if site.name else ""),
        ("Site id", _e(site.id)),
        ("Phone", _e(site.phone_number)),
        ("Address", _address(site.address)),
        ("Active", "" if site.active is None else ("yes" if site.active else "no")),
    ]


def _device_row(device: Device) -> list[str]:
    identifiers = "<br>".join(
        f'<span class="muted">{_e(i.type or "id")}:</span> {_e(i.value)}'
        for i in device.device_identifiers
        if i.value
    )
    item = device.item.name if device.item and device.item.name else "Device"
    under = " &middot; ".join(
        p
        for p in (
            f"#{_e(device.id)}" if device.id is not None else "",
            f"external id {_e(device.external_identifier)}" if device.external_identifier else "",
        )
        if p
    )
    checked = _when(device.last_health_check)
    status = _e(words(str(device.current_status))) if device.current_status else ""
    return [
        f"{_e(item)}" + (f'<br><span class="muted">{under}</span>' if under else ""),
        identifiers,
        status + (f'<br><span class="muted">checked {_e(checked)}</span>' if checked else ""),
    ]


_DEVICE_HEADERS = ["Device", "Identifiers", "Status"]


def _item_cell(item: Item | None) -> str:
    """The item's name, then SKU, model and manufacturer on a quieter second line (a narrow
    panel reads this better than five columns)."""
    if item is None:
        return ""
    details = " &middot; ".join(
        p
        for p in (
            f"SKU {_e(item.sku)}" if item.sku else "",
            f"model {_e(item.model)}" if item.model else "",
            _e(item.manufacturer.name) if item.manufacturer and item.manufacturer.name else "",
        )
        if p
    )
    name = _e(item.name) or f"Item {_e(item.id)}"
    return name + (f'<br><span class="muted">{details}</span>' if details else "")


def _kit_contents(kit: Kit) -> str:
    return "<br>".join(
        f"{_e(ki.count or 0)} {TIMES} {_e(ki.item.name if ki.item else '?')}"
        for ki in kit.kit_items
    )


def order_html(order: Order, colours: DetailColours | None = None, *, lead: str = "") -> str:
    """The detail panel's HTML for one order; `lead` (what to do about it) under its status."""
    c = colours or DetailColours()
    h = _Html(c)
    status = str(order.current_status) if order.current_status else ""
    pill = status_colour(status).name()
    h.raw(
        f"<h2>Order {_e(order.id)}</h2>"
        f'<p><span style="color:{pill}; font-size: large;">&#9679;</span> '
        f"<b>{_e(status_label(status))}</b>"
        + (
            f' <span class="muted">since {_e(local_time_text(order.latest_event.timestamp))}</span>'
            if order.latest_event and order.latest_event.timestamp
            else ""
        )
        + "</p>"
    )
    if lead:
        h.raw(lead)

    if order.order_events:
        h.section("Timeline", "timeline")
        events = sorted(order.order_events, key=lambda e: e.timestamp or _FLOOR, reverse=True)
        h.table(
            ["When", "Event"],
            [[_e(_when(e.event_timestamp)), _e(status_label(e.name))] for e in events],
        )

    if order.patient is not None:
        h.section("Patient", "recipient")
        h.fields(_patient_fields(order.patient))
    if order.site is not None:
        h.section("Ship to site", "site")
        h.fields(_site_fields(order.site))

    shipping = []
    if order.shipping_option:
        shipping.append(("Shipping option", _e(str(order.shipping_option).capitalize())))
    if order.email_label is not None:
        shipping.append(("Email label", "yes" if order.email_label else "no"))
    if shipping:
        h.section("Shipping", "shipping")
        h.fields(shipping)

    if order.tracking_numbers:
        h.section("Tracking", "tracking")
        rows = []
        for t in order.tracking_numbers:
            url = tracking_url(t.carrier, t.value)
            number = f'<a href="{_e(url)}">{_e(t.value)}</a>' if url else _e(t.value)
            rows.append([_e(t.carrier), number])
        h.table(["Carrier", "Tracking number"], rows)

    if order.order_items:
        h.section("Items", "items")
        h.table(
            ["Qty", "Item"],
            [[_e(line.count), _item_cell(line.item)] for line in order.order_items],
        )

    if order.order_kits:
        h.section("Kits", "kits")
        h.table(
            ["Qty", "Kit", "Contents"],
            [
                [
                    _e(line.count),
                    _e(line.kit.name if line.kit else ""),
                    _kit_contents(line.kit) if line.kit else "",
                ]
                for line in order.order_kits
            ],
        )

    if order.packed_kits:
        h.section("Packed kits", "packed-kits")
        for packed in order.packed_kits:
            name = packed.kit.name if packed.kit and packed.kit.name else "Kit"
            extra = f" &middot; external id {_e(packed.external_identifier)}"
            h.raw(
                f"<p><b>{_e(name)}</b>"
                f'<span class="muted"> &middot; packed kit {_e(packed.id)}'
                f"{extra if packed.external_identifier else ''}</span></p>"
            )
            h.table(_DEVICE_HEADERS, [_device_row(d) for d in packed.devices])

    if order.devices:
        h.section("Devices", "devices")
        h.table(_DEVICE_HEADERS, [_device_row(d) for d in order.devices])

    if order.order_notes:
        h.section("Notes", "notes")
        for note in order.order_notes:
            author = note.created_by
            who = " ".join(p for p in (author.first_name, author.last_name) if p) if author else ""
            if author and author.email:
                who = f"{who} <{author.email}>" if who else author.email
            meta = " &middot; ".join(p for p in (_e(who), _e(_when(note.created_at))) if p)
            h.raw(
                f"<p>{_e(note.note)}"
                + (f'<br><span class="muted">{meta}</span>' if meta else "")
                + "</p>"
            )

    returns: list[list[str]] = []
    returns += [["Item", _e(r.id), _e(r.count)] for r in order.return_items]
    returns += [["Device", _e(r.id), "1"] for r in order.return_devices]
    returns += [["Packed kit", _e(r.id), _e(r.quantity)] for r in order.return_packed_kits]
    if returns:
        h.section("Returns", "returns")
        h.table(["Kind", "Id", "Qty"], returns)

    if order.external_order_ids:
        h.section("External order ids", "external-ids")
        h.raw("<p>" + "<br>".join(_e(x) for x in order.external_order_ids) + "</p>")

    return "".join(h.parts)
