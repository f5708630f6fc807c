"""Has this recipient already got an open order with the same things? Asked before a submit.

An order counts when it is for the same patient (or the same site), still open or waiting for
the coordinator (placed, awaiting shipment, waiting for stock, on hold, needs action), placed
within the last `RECENT` days, and shares at least one item or kit with the draft. Looked for
in the order cache, on Impilo (`GET /order?patientId=`, the first `SERVER_PAGES` pages; Impilo
has no site filter, so a site's orders come from the cache) and among the orders still in the
outbox. Offline, Impilo is skipped without a word: the cache and the outbox still answer.
Runs on the bridge loop; no Qt here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from impilo_desktop.api.errors import ImpiloError
from impilo_desktop.api.models import Order, OrderStatus
from impilo_desktop.domain import OrderDraft, StatusGroup, status_group, status_label
from impilo_desktop.domain.status import parse_status
from impilo_desktop.store import EntryState, OutboxEntry
from impilo_desktop.ui.order_entry.patient_matches import IMPILO_WAIT

if TYPE_CHECKING:
    from impilo_desktop.api.client import ImpiloClient
    from impilo_desktop.store import Store

log = logging.getLogger(__name__)

RECENT = timedelta(days=14)
SERVER_PAGES = 2
PAGE_SIZE = 50
_OPEN_GROUPS = (StatusGroup.OPEN, StatusGroup.NEEDS_ACTION)
# Entries that will still become orders (a refused one is back in Drafts, not an order).
_WAITING = (EntryState.QUEUED, EntryState.SENDING, EntryState.IN_DOUBT, EntryState.HELD)


@dataclass(frozen=True)
class OpenOrder:
    """An open order (or one waiting to be sent) sharing lines with the draft."""

    order_id: int | None  # None: still in the outbox
    status: str  # "Awaiting shipment", "Waiting to be sent"
    placed: datetime | None
    shared: tuple[str, ...]  # the lines both have, by name

    @property
    def name(self) -> str:
        return f"Order #{self.order_id}" if self.order_id else "An order waiting to be sent"


def placed_at(order: Order) -> datetime | None:
    """When the order was placed: its "order placed" event, else its first event."""
    stamps = [(e, e.timestamp) for e in order.order_events]
    placed = [t for e, t in stamps if t and parse_status(e.name) is OrderStatus.ORDER_PLACED]
    known = placed or [t for _e, t in stamps if t]
    return min(known) if known else None


def _same_recipient(draft: OrderDraft, patient_id: int | None, site_id: int | None) -> bool:
    if draft.recipient_kind == "patient":
        return (
            draft.patient is not None and bool(draft.patient.id) and patient_id == draft.patient.id
        )
    return (
        draft.site is not None
        and bool(draft.site.id)
        and patient_id is None
        and site_id == draft.site.id
    )


def _shared(
    draft: OrderDraft,
    items: Iterable[tuple[int | None, str]],
    kits: Iterable[tuple[int | None, str]],
) -> tuple[str, ...]:
    wanted_items = {ln.item_id: ln.name for ln in draft.item_lines if ln.item_id}
    wanted_kits = {ln.kit_id: ln.name for ln in draft.kit_lines if ln.kit_id}
    names: dict[str, None] = {}
    for item_id, name in items:
        if item_id in wanted_items:
            names[name or wanted_items[item_id] or f"Item {item_id}"] = None
    for kit_id, name in kits:
        if kit_id in wanted_kits:
            names[name or wanted_kits[kit_id] or f"Kit {kit_id}"] = None
    return tuple(names)


def order_overlap(order: Order, draft: OrderDraft, now: datetime) -> OpenOrder | None:
    """`order` as an `OpenOrder` when it is one the draft may repeat, else None."""
    patient_id = order.patient.id if order.patient else None
    site_id = order.site.id if order.site else None
    if not order.id or not _same_recipient(draft, patient_id, site_id):
        return None
    if status_group(order.current_status) not in _OPEN_GROUPS:
        return None
    placed = placed_at(order)
    if placed is None or placed < now - RECENT:
        return None
    shared = _shared(
        draft,
        ((ln.item.id, ln.item.name or "") for ln in order.order_items if ln.item),
        ((ln.kit.id, ln.kit.name or "") for ln in order.order_kits if ln.kit),
    )
    if not shared:
        return None
    return OpenOrder(order.id, status_label(order.current_status), placed, shared)


def entry_overlap(entry: OutboxEntry, draft: OrderDraft, now: datetime) -> OpenOrder | None:
    """An outbox entry not sent yet, as an `OpenOrder` when the draft may repeat it."""
    if entry.state not in _WAITING or entry.created_at < now - RECENT:
        return None
    queued = entry.draft
    if queued.recipient_kind != draft.recipient_kind or queued.is_new_patient_order:
        return None
    patient_id = queued.patient.id if queued.patient else None
    site_id = queued.site.id if queued.site else None
    if not _same_recipient(
        draft, patient_id if draft.recipient_kind == "patient" else None, site_id
    ):
        return None
    shared = _shared(
        draft,
        ((ln.item_id, ln.name) for ln in queued.item_lines),
        ((ln.kit_id, ln.name) for ln in queued.kit_lines),
    )
    if not shared:
        return None
    return OpenOrder(None, "Waiting to be sent", entry.created_at, shared)


async def find_open_orders(
    client: ImpiloClient,
    store: Store,
    draft: OrderDraft,
    now: datetime | None = None,
    *,
    ask_impilo: bool = True,
) -> list[OpenOrder]:
    """The recipient's open orders sharing lines with `draft`, newest first. Impilo is not
    asked when the app knows it is offline (`ask_impilo` False), nor waited for longer than
    `IMPILO_WAIT`."""
    now = now or datetime.now(UTC)
    cached = await asyncio.to_thread(store.cached_orders)
    entries = await asyncio.to_thread(store.list_outbox, _WAITING)
    orders: dict[int, Order] = {o.id: o for o in cached if o.id}
    patient = draft.patient if draft.recipient_kind == "patient" else None
    if ask_impilo and patient is not None and patient.id:
        try:
            on_impilo = await asyncio.wait_for(_patient_orders(client, patient.id), IMPILO_WAIT)
        except (ImpiloError, TimeoutError) as exc:  # offline, or slow: cache and outbox
            log.info("Open orders not asked of Impilo: %s", why_not_asked(exc))
        else:
            for order in on_impilo:
                if order.id:
                    orders[order.id] = order  # Impilo's copy is the current one
    found = [o for o in (order_overlap(order, draft, now) for order in orders.values()) if o]
    sent_ids = set(orders)
    for entry in entries:
        if entry.order_id is not None and entry.order_id in sent_ids:
            continue  # already listed as the order it became
        overlap = entry_overlap(entry, draft, now)
        if overlap is not None:
            found.append(overlap)
    floor = datetime.min.replace(tzinfo=UTC)
    return sorted(found, key=lambda o: o.placed or floor, reverse=True)


def why_not_asked(exc: BaseException) -> str:
    """The log's reason Impilo was not asked: a timeout's own text is empty."""
    if isinstance(exc, ImpiloError):
        return exc.detail or str(exc)
    return str(exc) or "no answer in time"


async def _patient_orders(client: ImpiloClient, patient_id: int) -> list[Order]:
    """The patient's orders on Impilo, the first pages only: a check before a submit must
    not wait for a patient's whole history.

    This assumes Impilo lists a patient's orders newest first, which our API notes leave open
    (GET /order has no sort parameter). If it lists them oldest first, a patient with more
    than SERVER_PAGES * PAGE_SIZE orders may have a recent open one beyond these pages that
    only the order cache and the outbox (checked too) can show. Every order read is judged by
    its own "order placed" date (`RECENT`), never by its page."""
    orders: list[Order] = []
    for number in range(1, SERVER_PAGES + 1):
        page = await client.list_orders(page=number, size=PAGE_SIZE, patient_id=patient_id)
        orders += page.content
        if page.last or not page.content or len(page.content) < PAGE_SIZE:
            break
    return orders
