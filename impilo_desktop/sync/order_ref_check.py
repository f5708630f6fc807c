"""Before a spreadsheet's order is first posted, Impilo is asked whether it already has it.

An entry queued by a spreadsheet import (`outbox.import_batch`, store/import_batches.py) carries
its row's `order_ref` among its external order ids, and may stand for an order placed long
ago: the outbox forgets sent entries after 30 days, and a second computer never knew them. So
before the first POST of such an entry (it is `queued`: none of our requests can have created
it) the sender asks `GET /order?externalOrderId=…` for its ids and checks them in the answer
(an order carrying all of them, and not voided: a voided order is placed anew):

- an order for the same recipient (patient id, site id, or a new patient's name, and date of
  birth, MRN and email when both sides have one: same_recipient.py) is that order: the
  entry is marked sent with it ("already on Impilo"), nothing posted;
- an order for another recipient means the ref is taken: the entry is rejected with a plain
  reason, so the coordinator gives it its own ref;
- a failed lookup waits (nothing was posted), each failure counted toward the backoff; a 5xx
  or 429 stops the drain (the next lookups would fail alike), and an answer that asking
  again cannot change (a 400 or 414, an unreadable one) rejects the entry with a plain
  reason: the coordinator checks the ref, or opens it from Drafts and submits it (an order
  from the form is not looked up).

Only imported entries are asked about: an order from the New order form, a duplicate made on
Drafts & outbox or a JSON file imported with `--again` may carry the same external ids on
purpose (a repeat order), and is placed as asked.

An `in_doubt` entry is first looked up by its client reference (sender.py), which finds our
own order; only when there is none (our create never arrived) is an imported one checked by
its refs too: a second computer may have placed the same ref while ours timed out, and any
order found then is not ours.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.errors import (
    AuthenticationError,
    ImpiloError,
    RateLimited,
    RequestRejected,
    ServerError,
    UnexpectedResponse,
    Unreachable,
)
from impilo_desktop.api.models import Order
from impilo_desktop.api.wire import OrderStatus
from impilo_desktop.domain.draft import OrderDraft
from impilo_desktop.store import EntryStateError, OutboxEntry, SenderLockLost
from impilo_desktop.sync.drain_report import EntryResult, Outcome, StopReason
from impilo_desktop.sync.entry_outcomes import StopDrain, no_connection
from impilo_desktop.sync.same_recipient import same_recipient

if TYPE_CHECKING:
    from impilo_desktop.sync.sender import OutboxSender

log = logging.getLogger(__name__)

ORDERS_PER_PAGE: Final = 100


@dataclass(frozen=True)
class FoundOrder:
    """An order Impilo has that carries the entry's external ids (`ref`, in words)."""

    order: Order
    ref: str
    same_recipient: bool

    @property
    def order_id(self) -> int:
        assert self.order.id is not None
        return self.order.id


def order_refs(draft: OrderDraft) -> list[str]:
    """The draft's external order ids worth asking about (blank ones are not)."""
    return sorted({ref.strip() for ref in draft.external_order_ids if ref.strip()})


def needs_check(entry: OutboxEntry) -> bool:
    """Whether the entry is asked about before it is posted: queued by a spreadsheet import
    (an order from the form, a duplicate or a JSON file may repeat its ids on purpose) and
    carrying external order ids. The sender asks only for a `queued` entry (none of our
    requests can have created its order) or an `in_doubt` one its client reference was not
    found for: another computer may have placed the same ref meanwhile."""
    return entry.import_batch is not None and bool(order_refs(entry.draft))


def stands(order: Order) -> bool:
    """Whether an order found by its ref still stands for it: a voided one does not (the
    coordinator voided it to place it anew, corrected, with the same ref)."""
    return order.current_status != OrderStatus.VOIDED


def order_recipient_words(order: Order) -> str:
    """Whom an order on Impilo is for, for the coordinator: "patient #10001", "site #101"."""
    if order.patient is not None:
        return f"patient #{order.patient.id}" if order.patient.id is not None else "a patient"
    if order.site is not None and order.site.id is not None:
        return f"site #{order.site.id}"
    return "another recipient"


async def find_placed(client: ImpiloClient, draft: OrderDraft) -> FoundOrder | None:
    """The order Impilo already has with all of the draft's refs (a spreadsheet's order has
    one; a JSON file's orders may share one id, like the JSON import's repeats, only all of
    them make the same order): one for the same recipient if there is any, else the lowest
    other one; None when there is none. Raises `ImpiloError` when Impilo could not be asked.
    The refs are checked in the answer: a server that ignored the filter must not make a new
    order look placed."""
    refs = order_refs(draft)
    wanted = set(refs)
    found: list[FoundOrder] = []
    async for order in client.iterate_all(
        client.list_orders, size=ORDERS_PER_PAGE, external_order_ids=refs
    ):
        if order.id is None or not stands(order):
            continue
        if wanted <= {value.strip() for value in order.external_order_ids}:
            found.append(FoundOrder(order, ", ".join(refs), same_recipient(draft, order)))
    if not found:
        return None
    return min(found, key=lambda f: (not f.same_recipient, f.order_id))


def already_placed_detail(found: FoundOrder) -> str:
    return f"already on Impilo as order {found.order_id} (order_ref {found.ref}); not sent again"


def ref_taken_reason(found: FoundOrder, draft: OrderDraft) -> str:
    who = "site" if draft.recipient_kind == "site" else "patient"
    return (
        f"Impilo already has order {found.order_id} with the order_ref {found.ref} for another"
        f" {who}; give this order its own order_ref"
    )


def could_not_check_reason(error: ImpiloError, draft: OrderDraft) -> str:
    """Why an entry is refused when Impilo would not answer the lookup by its order_ref (a
    400/414, an answer the app cannot read): asking again would meet the same answer."""
    said = getattr(error, "server_message", None) or error.message
    return (
        f"Impilo would not say whether it already has an order with the order_ref"
        f" {', '.join(order_refs(draft))}: {said.rstrip('.')}. Nothing was sent. Check the"
        " order_ref;"
        " to send the order anyway, open it from Drafts and submit it."
    )


class OrderRefCheck:
    """The sender's check of an entry's refs on Impilo (it shares the sender's outcomes)."""

    def __init__(self, sender: OutboxSender) -> None:
        self.sender = sender

    async def check(self, client: ImpiloClient, entry: OutboxEntry) -> EntryResult | None:
        """A result when the entry is settled without a POST (or must wait: the lookup
        failed), None when Impilo has no order with its refs and it may be sent."""
        sender = self.sender
        store = sender.store
        try:
            found = await find_placed(client, entry.draft)
        except AuthenticationError as error:
            sender.connectivity.report_error(error)
            raise StopDrain(sender._pause(entry, error), StopReason.KEY_REFUSED) from None
        except (RequestRejected, UnexpectedResponse) as error:
            # Asking again would meet the same answer: the coordinator decides.
            sender.connectivity.report_error(error)
            reason = could_not_check_reason(error, entry.draft)
            log.warning("Entry %s: its order_ref could not be looked up: %s", entry.entry_id, error)
            return self._reject(entry, reason, error.message)
        except ImpiloError as error:
            # Nothing was posted: the entry waits, each failure counted toward the backoff.
            hint = getattr(error, "retry_after", None)
            result = sender._schedule(
                entry,
                error,
                reconcile=False,
                retry_after=hint if isinstance(hint, float) else None,
                lookup=True,
            )
            if isinstance(error, Unreachable) and not error.maybe_sent:
                raise StopDrain(result, no_connection(error)) from None
            if isinstance(error, (ServerError, RateLimited)):
                # The next entries' lookups would meet the same: stop, as when offline.
                raise StopDrain(result, StopReason.SERVER_TROUBLE) from None
            return result
        sender.connectivity.report_success()
        if found is None:
            store.record_attempt(entry.entry_id, "checked", "no order on Impilo with its order_ref")
            return None
        if found.same_recipient:
            detail = already_placed_detail(found)
            try:
                sent = store.mark_already_placed(
                    entry.entry_id, found.order, detail, lease=sender.lease
                )
            except SenderLockLost:
                result = sender._result(entry, Outcome.SKIPPED, StopReason.TAKEN_OVER)
                raise StopDrain(result, StopReason.TAKEN_OVER) from None
            except EntryStateError:
                return self._settled_meanwhile(entry)
            log.info("Entry %s: already on Impilo as order %s", entry.entry_id, found.order_id)
            sender._cache_new_patient(entry, found.order)
            return sender._result(sent, Outcome.ADOPTED, detail)
        reason = ref_taken_reason(found, entry.draft)
        log.warning("Entry %s: order_ref already on order %s", entry.entry_id, found.order_id)
        return self._reject(entry, reason, "order_ref taken on Impilo")

    def _reject(self, entry: OutboxEntry, reason: str, error: str) -> EntryResult:
        try:
            rejected = self.sender.store.mark_rejected(entry.entry_id, reason, error)
        except EntryStateError:
            return self._settled_meanwhile(entry)
        return self.sender._result(rejected, Outcome.REJECTED, reason)

    def _settled_meanwhile(self, entry: OutboxEntry) -> EntryResult:
        log.warning("Entry %s: settled while its order_ref was looked up", entry.entry_id)
        return self.sender._settled_meanwhile(entry.entry_id)
