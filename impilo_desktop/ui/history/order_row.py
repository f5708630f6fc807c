"""One order as the history table shows it: display texts, sort keys and a search key,
computed once when the order arrives so painting, sorting and filtering stay cheap."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum

from impilo_desktop.api.models import Order
from impilo_desktop.store.cache import ORDER_ADDRESS_DROPPED, ORDER_PATIENT_DROPPED

from .status_style import StatusGroup, status_group, status_label, status_text


class Column(IntEnum):
    ORDER_ID = 0
    LATEST_EVENT = 1
    RECIPIENT = 2
    STATUS = 3
    CONTENTS = 4
    TRACKING = 5
    EXTERNAL_IDS = 6


HEADERS: dict[Column, str] = {
    Column.ORDER_ID: "Order",
    Column.LATEST_EVENT: "Last update",
    Column.RECIPIENT: "Patient or site",
    Column.STATUS: "Status",
    Column.CONTENTS: "Items and kits",
    Column.TRACKING: "Tracking",
    Column.EXTERNAL_IDS: "External ids",
}

_EPOCH = datetime.min.replace(tzinfo=UTC)
_CELL = "\x1f"  # the ASCII unit separator between the cells' texts
_SHOWN = len(Column)
TIMES = "\u00d7"  # the multiplication sign, spelt as an escape for the linter


def local_time_text(moment: datetime | None) -> str:
    """A timestamp in the computer's local time, e.g. '2026-11-26 14:05'."""
    if moment is None:
        return ""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def recipient_text(order: Order) -> str:
    if order.patient is not None:
        name = order.patient.full_name or "Unnamed patient"
        return f"{name} (#{order.patient.id})" if order.patient.id is not None else name
    if order.site is not None:
        return f"Site: {order.site.name or order.site.id or '?'}"
    return ""


def contents_text(order: Order) -> str:
    """'Glucose meter x2, Starter kit (kit) x1' (a real times sign): fits one table cell."""
    parts: list[str] = []
    for line in order.order_items:
        name = (
            line.item.name if line.item else None
        ) or f"Item {line.item.id if line.item else '?'}"
        parts.append(f"{name} {TIMES}{line.count or 0}")
    for kit_line in order.order_kits:
        name = (kit_line.kit.name if kit_line.kit else None) or "Kit"
        parts.append(f"{name} (kit) {TIMES}{kit_line.count or 0}")
    if not parts and (order.return_items or order.return_devices or order.return_packed_kits):
        return "Return only"
    if len(parts) > 3:
        return ", ".join(parts[:3]) + f", +{len(parts) - 3} more"
    return ", ".join(parts)


def tracking_text(order: Order) -> str:
    return ", ".join(
        f"{t.carrier} {t.value}" if t.carrier else (t.value or "")
        for t in order.tracking_numbers
        if t.value
    )


def _dropped_texts(order: Order) -> str:
    """What the order cache leaves out of the patient, one string ("" when nothing)."""
    patient = order.patient
    if patient is None:
        return ""
    address = patient.address
    values = [getattr(patient, name) or "" for name in ORDER_PATIENT_DROPPED]
    values += [(getattr(address, name) or "") if address else "" for name in ORDER_ADDRESS_DROPPED]
    if not any(values):
        return ""
    return _CELL.join(str(v).replace(_CELL, " ") for v in values)


def site_of(order: Order) -> tuple[int | None, str]:
    """The site an order belongs to: the recipient site, or the patient's site."""
    site = order.site or (order.patient.site if order.patient else None)
    if site is None:
        return None, ""
    return site.id, site.name or (f"Site {site.id}" if site.id is not None else "")


@dataclass(slots=True)
class OrderRow:
    """Everything the table needs about one order, precomputed; not the order itself. A parsed
    `Order` costs about 40 KiB and even compressed one was 0.75 KiB a row, while only the
    order in the detail panel is needed whole: the panel reads it from the order cache, where
    every page is saved (selection.py). The cache leaves out the patient's phone and street
    (docs/decisions.md "Patient data at rest"), which the panel shows online: the row keeps
    those few texts (`dropped`) and `with_dropped` puts them back. Texts that repeat from
    order to order (statuses, site names) are one string shared by the rows."""

    order_id: int
    latest: datetime | None
    status: str
    group: StatusGroup
    site_id: int | None
    site_name: str
    # The cells' texts, then the patient's external id and email (searched, not shown), as
    # one string (see `texts`).
    joined: str = field(repr=False)
    patient_id: int | None
    patient_name: str
    external_ids: tuple[str, ...]
    dropped: str = field(repr=False)  # the patient's phone and street lines, joined
    # The search key while the list's text filter is in use (`search_key`), None otherwise.
    search_text: str | None = field(default=None, repr=False, compare=False)

    @property
    def texts(self) -> tuple[str, ...]:
        """The text of every cell, by `Column`. Kept as one string: seven strings and a tuple
        cost about 350 bytes more a row, and only the rows painted are split."""
        return tuple(self.joined.split(_CELL)[:_SHOWN])

    def text(self, column: int) -> str:
        return self.joined.split(_CELL)[column]

    @property
    def search_key(self) -> str:
        """What the list's text filter looks in, casefolded: every cell, the site, the status
        as Impilo names it, the patient's external id and email. Made when a filter first
        asks and kept while it is in use (`search_text`; the model forgets it when the text
        is cleared): kept for every row it was about 250 bytes a row, and made per keystroke
        it cost 5-8 times the filtering. The separator is whitespace, which a filter's words
        never hold: a word matches within one field."""
        key = self.search_text
        if key is None:
            key = _CELL.join((self.joined, self.site_name, self.status)).casefold()
            self.search_text = key
        return key

    @classmethod
    def from_order(cls, order: Order) -> OrderRow:
        latest_event = order.latest_event
        latest = latest_event.timestamp if latest_event else None
        status = sys.intern(status_text(order.current_status))
        site_id, site_name = site_of(order)
        site_name = sys.intern(site_name)
        texts = (
            str(order.id) if order.id is not None else "",
            local_time_text(latest),
            recipient_text(order),
            status_label(status),
            contents_text(order),
            tracking_text(order),
            ", ".join(order.external_order_ids),
        )
        patient = order.patient
        searched = (patient.external_identifier or "", patient.email or "") if patient else ()
        return cls(
            order_id=order.id if order.id is not None else -1,
            latest=latest,
            status=status,
            group=status_group(status),
            site_id=site_id,
            site_name=site_name,
            joined=_CELL.join(t.replace(_CELL, " ") for t in (*texts, *searched)),
            patient_id=patient.id if patient else None,
            patient_name=patient.full_name if patient else "",
            external_ids=tuple(order.external_order_ids),
            dropped=_dropped_texts(order),
        )

    def with_dropped(self, cached: Order) -> Order:
        """The cached copy of this row's order with the patient's phone and street back, as
        Impilo sent them when the row was made."""
        patient = cached.patient
        if not self.dropped or patient is None:
            return cached
        values = [v or None for v in self.dropped.split(_CELL)]
        own = len(ORDER_PATIENT_DROPPED)
        update: dict[str, object] = dict(zip(ORDER_PATIENT_DROPPED, values[:own], strict=True))
        street = dict(zip(ORDER_ADDRESS_DROPPED, values[own:], strict=True))
        if patient.address is not None:
            update["address"] = patient.address.model_copy(update=street)
        return cached.model_copy(update={"patient": patient.model_copy(update=update)})

    def sort_key(self, column: Column) -> tuple[int, object]:
        """A key that compares within one column (numbers as numbers, times as times)."""
        if column == Column.ORDER_ID:
            return (0, self.order_id)
        if column == Column.LATEST_EVENT:
            return (0, self.latest or _EPOCH)
        return (0, self.text(column).casefold())
