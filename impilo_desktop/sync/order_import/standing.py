"""Which of a file's orders are already placed: by their `order_ref`, on this profile's
outbox and on Impilo.

An entry of the outbox that stands for an order (queued, held, being sent, in doubt: QUEUED;
sent: SENT; a refused one does not count, it came back to be fixed) carrying the ref among
its external order ids places it; so does a saved draft carrying it (IN_DRAFTS: an import
entry taken back to drafts, to be queued again). Refs neither has are looked up on Impilo
(`GET /order?externalOrderId=…`, about 50 refs a request, every page): an order carrying one
is ON_SERVER. The ref is checked in the answer, as the sender checks a reference: a server
that ignored the filter must not make new orders look placed. Whom the order found is for is
kept: a ref reused for another recipient is a problem, not "already placed" (preview.py).
"""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

import httpx

from impilo_desktop.api.errors import ImpiloError
from impilo_desktop.api.models import Order
from impilo_desktop.domain.draft import OrderDraft
from impilo_desktop.domain.validation import MAX_EXTERNAL_ID_LENGTH
from impilo_desktop.store import EntryState, OutboxEntry, Store
from impilo_desktop.sync.order_import.contract import OrderStanding
from impilo_desktop.sync.order_import.recipients import ImpiloAsk
from impilo_desktop.sync.order_import.words import recipient_words
from impilo_desktop.sync.order_ref_check import order_recipient_words, stands
from impilo_desktop.sync.same_recipient import same_draft_recipient, same_recipient

IN_DRAFTS: Final = "in Drafts"
log = logging.getLogger(__name__)

REFS_PER_REQUEST: Final = 50
"""Refs per `GET /order?externalOrderId=…`: a URL of a few kilobytes, well within what
servers and proxies take, and 6 requests for a 300-order file."""
ORDERS_PER_PAGE: Final = 100
QUERY_CHARS: Final = 4000
"""At most this many characters of refs (URL-encoded) in one request's query: far below the
8 KB many servers and proxies take for a URL, whatever the refs are like."""


def can_be_asked(ref: str) -> bool:
    """Whether a ref passes the ref rules (as validation has them), so it may be asked about."""
    value = ref.strip()
    return (
        bool(value)
        and len(value) <= MAX_EXTERNAL_ID_LENGTH
        and not any(unicodedata.category(ch) == "Cc" for ch in value)
    )


def ref_batches(refs: Collection[str]) -> Iterator[list[str]]:
    """`refs` in requests of at most REFS_PER_REQUEST refs and QUERY_CHARS characters."""
    batch: list[str] = []
    size = 0
    for ref in dict.fromkeys(refs):
        length = len("&externalOrderId=") + len(quote(ref, safe=""))
        if batch and (len(batch) >= REFS_PER_REQUEST or size + length > QUERY_CHARS):
            yield batch
            batch, size = [], 0
        batch.append(ref)
        size += length
    if batch:
        yield batch


@dataclass(frozen=True)
class Placed:
    """Where an order already is: its standing, in words, Impilo's order id if known, and
    whom it is for (`for_draft`, the outbox entry's draft; or `order`, Impilo's), so the
    preview can tell a reused ref from the same order."""

    standing: OrderStanding
    words: str
    order_id: int | None = None
    for_draft: OrderDraft | None = None
    order: Order | None = None

    def same_recipient(self, draft: OrderDraft) -> bool:
        """Whether the order found is for `draft`'s recipient; True when `draft` has none
        (its rows' problems say why; the ref alone then decides, as before)."""
        if draft.recipient is None:
            return True
        if self.for_draft is not None:
            return same_draft_recipient(draft, self.for_draft)
        if self.order is not None:
            return same_recipient(draft, self.order)
        return True

    def whom(self) -> str:
        """Whom the order found is for, in the coordinator's words."""
        if self.for_draft is not None:
            return recipient_words(self.for_draft) or "another recipient"
        if self.order is not None:
            return order_recipient_words(self.order)
        return "another recipient"


def outbox_placed(entries: list[OutboxEntry]) -> Placed:
    """The standing the outbox gives a ref (entries oldest first): a sent entry wins."""
    sent = [entry for entry in entries if entry.state == EntryState.SENT]
    if sent:
        entry = sent[0]
        return Placed(
            OrderStanding.SENT,
            f"sent as order {entry.order_id} (#{entry.entry_id})",
            entry.order_id,
            for_draft=entry.draft,
        )
    entry = entries[0]
    words = f"queued as #{entry.entry_id}"
    if entry.state == EntryState.HELD:
        words += ", held until you release it"
    elif entry.state != EntryState.QUEUED:
        words += ", being sent"
    return Placed(OrderStanding.QUEUED, words, for_draft=entry.draft)


async def placed_refs(store: Store, refs: Collection[str], ask: ImpiloAsk) -> dict[str, Placed]:
    """The refs already placed, by ref. Impilo is asked only while it can be (`ask`); a
    failure is recorded there, and the outbox's answer stands alone."""
    found = {
        ref: outbox_placed(entries) for ref, entries in store.outbox_entries_with_refs(refs).items()
    }
    drafts = store.drafts_with_refs([ref for ref in refs if ref not in found])
    found.update(
        (ref, Placed(OrderStanding.IN_DRAFTS, IN_DRAFTS, for_draft=saved[0]))
        for ref, saved in drafts.items()
    )
    # A ref the rules refuse (too long, a line break) is a problem on its row already: asking
    # about it could only make the query too long for Impilo or for the HTTP library.
    rest = [ref for ref in refs if ref not in found and can_be_asked(ref)]
    for batch in ref_batches(rest):
        if not ask.can_ask:
            break
        found.update(await _on_impilo(batch, ask))
        await asyncio.sleep(0)  # between requests that answered at once: let others run
    return found


async def _on_impilo(refs: list[str], ask: ImpiloAsk) -> dict[str, Placed]:
    client = ask.client
    assert client is not None
    wanted = set(refs)
    lowest: dict[str, Order] = {}
    try:
        async for order in client.iterate_all(
            client.list_orders, size=ORDERS_PER_PAGE, external_order_ids=refs
        ):
            if order.id is None or not stands(order):
                continue  # a voided order: the row is placed anew
            for value in order.external_order_ids:
                ref = value.strip()
                known = lowest.get(ref)
                if ref in wanted and (known is None or order.id < (known.id or 0)):
                    lowest[ref] = order
    except ImpiloError as error:
        ask.failed(error, "orders by reference")
        return {}
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        # Not one of the client's errors (a query the library refuses): Impilo was not asked.
        what = type(error).__name__
        log.warning("Import preview: the query for orders by reference failed (%s)", what)
        ask.failed(ImpiloError("The orders' refs could not be looked up on Impilo."), "orders")
        return {}
    return {
        ref: Placed(OrderStanding.ON_SERVER, f"order {order.id} on Impilo", order.id, order=order)
        for ref, order in lowest.items()
    }
